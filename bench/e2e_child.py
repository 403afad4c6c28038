"""Runs one download() of the tool whose Python runs this script (the reference img2dataset in
its own virtual environment, or this project's), for bench/e2e_bench.py.

    python bench/e2e_child.py '<json of download() arguments>'
"""

import json
import sys

if __name__ == "__main__":  # the reference's process pool re-imports this module
    from img2dataset import download

    download(**json.loads(sys.argv[1]))
