"""Shard inputs for the workers of a distributed run.

The driver plans the shards; each one's rows are written as an Arrow IPC file under
`<output_folder>/_tmp/inputs/` (local, shared or object storage, like the output itself), and a
task carries only the file's path. Task payloads stay small however large the shards, and a
retried task reads the same rows again. A shard's input file is removed once it is committed;
the rest go with `_tmp` at the end of the run.
"""

from __future__ import annotations

import fsspec
import numpy as np
import pyarrow as pa

from ..committer import TMP_FOLDER
from ..planner import Shard

_DUPLICATE_COLUMN = "__img2dataset_duplicate__"


class ShardSpool:
    def __init__(self, output_folder: str):
        self.fs, root = fsspec.core.url_to_fs(output_folder)
        self.folder = f"{root}/{TMP_FOLDER}/inputs"
        self.fs.makedirs(self.folder, exist_ok=True)

    def write(self, shard: Shard) -> str:
        """Writes the shard's rows; returns the path (or URL) a worker reads them from."""
        table = shard.table
        if shard.duplicates is not None:
            table = table.append_column(_DUPLICATE_COLUMN, pa.array(shard.duplicates))
        path = f"{self.folder}/{shard.shard_id}.arrow"
        with self.fs.open(path, "wb") as f, pa.ipc.new_file(f, table.schema) as writer:
            writer.write_table(table)
        return self.fs.unstrip_protocol(path)

    def remove(self, url: str) -> None:
        fs, path = fsspec.core.url_to_fs(url)
        if fs.exists(path):
            fs.rm(path)


def read_shard(shard_id: int, url: str) -> Shard:
    """The shard a driver wrote with ShardSpool.write()."""
    with fsspec.open(url, "rb") as f:
        table = pa.ipc.open_file(f).read_all()
    duplicates = None
    if _DUPLICATE_COLUMN in table.column_names:
        duplicates = np.asarray(table.column(_DUPLICATE_COLUMN).to_numpy(zero_copy_only=False))
        table = table.drop_columns([_DUPLICATE_COLUMN])
    return Shard(shard_id, table, duplicates)
