"""Runs download() on a list of URLs in a test folder and reads the metadata back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from img2dataset import download

# The keys of the reference's <shard>_stats.json, in its order.
REFERENCE_STATS_KEYS = [
    "count",
    "successes",
    "failed_to_download",
    "failed_to_resize",
    "duration",
    "start_time",
    "end_time",
    "status_dict",
]


def download_urls(folder: Path, urls: list[str], **options) -> Path:
    """Writes `urls` to `folder`/urls.txt, downloads them into `folder`/out and returns that
    folder. Loopback addresses are allowed unless the test says otherwise: the test servers
    live there."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "urls.txt").write_text("".join(url + "\n" for url in urls))
    options.setdefault("allow_private_addresses", True)
    output = folder / "out"
    download(url_list=str(folder / "urls.txt"), output_folder=str(output), **options)
    return output


def rows_by_url(output: Path, shard: str = "00000") -> dict[str, dict]:
    """The metadata rows of one shard, by URL."""
    return {row["url"]: row for row in pq.read_table(output / f"{shard}.parquet").to_pylist()}


def download_in_child(arguments: dict) -> int:
    """Runs download(**arguments) in a child process; returns its peak resident set in MiB.

    The child reports its own high-water mark (VmHWM): getrusage's ru_maxrss would count the
    parent's memory, which Linux carries over at fork."""
    script = (
        "import json, sys; import img2dataset as i; i.download(**json.loads(sys.argv[1])); "
        "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arguments)], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return int(completed.stdout.rsplit("VmHWM:", 1)[1].split()[0]) // 1024
