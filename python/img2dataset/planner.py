"""Input discovery and sharding: which rows go into which shard.

Shard ids are contiguous across input files in sorted-file order, and a file's last shard may be
partial, exactly as in the reference img2dataset, so that `incremental` resumes and `extend`
numbering stay compatible.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from .input_reader import check_columns, input_columns, iter_input_tables
from .options import DownloadOptions


@dataclass(frozen=True)
class Shard:
    shard_id: int
    # The shard's input rows, with the logical columns of input_reader.column_list().
    table: pa.Table


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


def check_inputs(options: DownloadOptions) -> list[str]:
    """The input files, each checked for the columns the options name where that is cheap
    (parquet footers, csv headers): a typo in a column name fails before any download."""
    files = input_files(options.url_list, options.input_format)
    for path in files:
        names = input_columns(path, options)
        if names is not None:
            check_columns(path, names, options)
    return files


def plan_shards(
    options: DownloadOptions, start_shard_id: int, done_shards: set[int]
) -> Iterator[Shard]:
    """Yields every shard not in `done_shards`, reading the inputs as the shards are consumed:
    one input file at a time, a shard's rows at a time."""
    per_shard = options.number_sample_per_shard
    file_start_id = start_shard_id
    for path in check_inputs(options):
        shard_count = 0
        for table in iter_input_tables(path, options, per_shard):
            shard_id = file_start_id + shard_count
            shard_count += 1
            if shard_id not in done_shards:
                yield Shard(shard_id, table)
        file_start_id += shard_count
