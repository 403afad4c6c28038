"""Input discovery and sharding: which rows go into which shard.

Shard ids are contiguous across input files in sorted-file order, and a file's last shard may be
partial, exactly as in the reference img2dataset, so that `incremental` resumes and `extend`
numbering stay compatible.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from .options import DownloadOptions


@dataclass(frozen=True)
class Shard:
    shard_id: int
    rows: pa.RecordBatch  # a "url" column (and "caption" when the input has one)


def input_files(url_list: str, input_format: str) -> list[str]:
    """The input files: `url_list` itself, or the sorted `*.<input_format>` files of a folder."""
    path = url_list.removeprefix("file://")
    if os.path.isdir(path):
        suffix = "." + input_format
        files = sorted(
            os.path.join(path, name)
            for name in os.listdir(path)
            if name.endswith(suffix) and os.path.isfile(os.path.join(path, name))
        )
        if not files:
            raise ValueError(f"No file found at path {path} with extension {input_format}")
        return files
    if not os.path.exists(path):
        raise FileNotFoundError(f"url_list: no such file or folder: {path}")
    return [path]


def read_txt_urls(path: str, compressed: bool) -> list[str]:
    """One URL per line; empty lines are skipped. Unlike the reference (which parses txt as CSV),
    a URL containing a comma or a quote is read as it is."""
    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return [line for line in (raw.rstrip("\r\n") for raw in f) if line]


def plan_shards(
    options: DownloadOptions, start_shard_id: int, done_shards: set[int]
) -> Iterator[Shard]:
    """Yields every shard not in `done_shards`, reading one input file at a time."""
    per_shard = options.number_sample_per_shard
    file_start_id = start_shard_id
    for path in input_files(options.url_list, options.input_format):
        urls = read_txt_urls(path, compressed=options.input_format.endswith(".gz"))
        shard_count = (len(urls) + per_shard - 1) // per_shard
        for k in range(shard_count):
            shard_id = file_start_id + k
            if shard_id in done_shards:
                continue
            chunk = urls[k * per_shard : (k + 1) * per_shard]
            rows = pa.record_batch([pa.array(chunk, type=pa.string())], names=["url"])
            yield Shard(shard_id, rows)
        file_start_id += shard_count
