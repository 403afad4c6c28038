"""The README's examples, run as a new user would run them, in order, in one folder: the shell
blocks with the installed `img2dataset` command, the Python blocks with this package. Two
changes only: the example.com URLs point at the local image server, and loopback is allowed
(`allow_private_addresses`), since that is where the server is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The first lines of the blocks the test runs (the set-up and cluster blocks need more).
EXAMPLES = (
    "cat > urls.txt",
    "from img2dataset import download",
    "import io",
    "# every failure",
    "download(url_list",
)

PYTHON_PRELUDE = textwrap.dedent(
    """
    import functools
    import img2dataset, img2dataset.downloader
    img2dataset.download = functools.partial(img2dataset.download, allow_private_addresses=True)
    img2dataset.downloader.download_image_with_retry = functools.partial(
        img2dataset.downloader.download_image_with_retry, allow_private_addresses=True
    )
    from img2dataset import download
    """
)


def readme_blocks() -> list[tuple[str, str]]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```(sh|python)\n(.*?)```", text, flags=re.S)


def test_readme_examples_run(image_server, tmp_path):
    urls = {
        "https://example.com/cat.jpg": image_server.image_url("rgb_300x200.jpg"),
        "https://example.com/dog.png": image_server.image_url("rgb_300x200.png"),
    }
    blocks = [(kind, code) for kind, code in readme_blocks() if code.startswith(EXAMPLES)]
    firsts = [code.split("\n", 1)[0] for _, code in blocks]
    assert len(blocks) == 5, firsts  # the two first examples, the modules, the two retries
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for kind, code in blocks:
        for example, local in urls.items():
            code = code.replace(example, local)
        if kind == "sh":
            script = 'img2dataset() { command img2dataset --allow_private_addresses "$@"; }\n'
            command = ["bash", "-euo", "pipefail", "-c", script + code]
        else:
            command = [sys.executable, "-c", PYTHON_PRELUDE + code]
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"{code}\n{result.stdout}\n{result.stderr}"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "00000.parquet",
        "00000.tar",
        "00000_stats.json",
    ]
