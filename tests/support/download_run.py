"""Runs download() on a list of URLs in a test folder and reads the metadata back."""

from __future__ import annotations

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
