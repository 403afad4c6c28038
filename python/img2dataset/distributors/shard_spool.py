"""Shard inputs for the workers of a distributed run.

The driver plans the shards; each one's rows are written as an Arrow IPC file under
`<output_folder>/_tmp/inputs/` (local, shared or object storage, like the output itself), and a
task carries only the file's path. Task payloads stay small however large the shards, and a
retried task reads the same rows again. A shard's input file is removed once it is committed;
the rest go with `_tmp` at the end of the run.
"""

from __future__ import annotations

import fsspec
import pyarrow as pa

from ..output_store import TMP_FOLDER
from ..planner import Shard

# The shard's failures (planner.Shard), as two columns of the spooled table.
_FAILURE_CLASS = "__img2dataset_failure_class__"
_FAILURE_MESSAGE = "__img2dataset_failure_message__"


class ShardSpool:
    def __init__(self, output_folder: str):
        self.fs, root = fsspec.core.url_to_fs(output_folder)
        self.folder = f"{root}/{TMP_FOLDER}/inputs"
        self.fs.makedirs(self.folder, exist_ok=True)

    def write(self, shard: Shard) -> str:
        """Writes the shard's rows; returns the path (or URL) a worker reads them from."""
        table = shard.table
        if shard.failures is not None:
            classes = [f[0] if f else None for f in shard.failures]
            messages = [f[1] if f else None for f in shard.failures]
            table = table.append_column(_FAILURE_CLASS, pa.array(classes, pa.string()))
            table = table.append_column(_FAILURE_MESSAGE, pa.array(messages, pa.string()))
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
    failures = None
    if _FAILURE_CLASS in table.column_names:
        classes = table.column(_FAILURE_CLASS).to_pylist()
        messages = table.column(_FAILURE_MESSAGE).to_pylist()
        failures = [
            (c, m) if c is not None else None for c, m in zip(classes, messages, strict=True)
        ]
        table = table.drop_columns([_FAILURE_CLASS, _FAILURE_MESSAGE])
    return Shard(shard_id, table, failures)
