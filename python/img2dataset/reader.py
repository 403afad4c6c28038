"""The reference's `img2dataset.reader` module: `Reader`, which cuts the inputs into shards.

`Reader(...)` takes the reference's arguments; iterating it writes each shard not in
`done_shards` as an Arrow IPC file `<tmp_path>/<shard_id>.feather` (the reference's format) and
yields `(shard_id, path)`, which `Downloader` takes. The inputs are read by this package's
readers, a shard at a time: the same shards, columns and types as `download()`.
"""

from __future__ import annotations

from collections.abc import Iterator

import fsspec
import pyarrow as pa

from .input_reader import column_list
from .options import DownloadOptions
from .planner import input_files, plan_shards, scan_inputs

_HASHES = ("md5", "sha256", "sha512")


class Reader:
    """Shards of an input file or folder (see the module docstring). Attributes as in the
    reference: `column_list` (the shard files' columns, in order), `input_files`, and the
    constructor's arguments."""

    def __init__(
        self,
        url_list: str,
        input_format: str,
        url_col: str,
        caption_col: str | None,
        verify_hash_col: str | None,
        verify_hash_type: str | None,
        save_additional_columns: list[str] | None,
        number_sample_per_shard: int,
        done_shards: set[int],
        tmp_path: str,
        start_shard_id: int = 0,
    ) -> None:
        if verify_hash_col is not None and verify_hash_type not in _HASHES:
            raise ValueError(f"Invalid hash type {verify_hash_type}")
        self.options = DownloadOptions.from_arguments(
            {
                "url_list": url_list,
                "input_format": input_format,
                "url_col": url_col,
                "caption_col": caption_col,
                "verify_hash": [verify_hash_col, verify_hash_type] if verify_hash_col else None,
                "compute_hash": verify_hash_type if verify_hash_col else "sha256",
                "save_additional_columns": save_additional_columns,
                "number_sample_per_shard": number_sample_per_shard,
            }
        )
        self.input_format = input_format
        self.url_col = url_col
        self.caption_col = caption_col
        self.verify_hash_col = verify_hash_col
        self.verify_hash_type = verify_hash_type
        self.save_additional_columns = save_additional_columns
        self.number_sample_per_shard = number_sample_per_shard
        self.done_shards = done_shards
        self.tmp_path = tmp_path
        self.start_shard_id = start_shard_id
        self.column_list = column_list(self.options.input)
        self.input_files = input_files(url_list, input_format)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        scan = scan_inputs(self.options)
        fs, root = fsspec.core.url_to_fs(self.tmp_path)
        fs.makedirs(root, exist_ok=True)
        for shard in plan_shards(self.options, scan, self.start_shard_id, set(self.done_shards)):
            path = f"{self.tmp_path.rstrip('/')}/{shard.shard_id}.feather"
            table = shard.table.select(self.column_list)
            with (
                fs.open(f"{root.rstrip('/')}/{shard.shard_id}.feather", "wb") as f,
                pa.ipc.new_file(f, table.schema) as writer,
            ):
                writer.write_table(table)
            yield shard.shard_id, path


__all__ = ["Reader"]
