"""output_format="files": a folder per shard, `<key>.<ext>`, `<key>.json` and, with captions,
`<key>.txt` per successful sample (the engine writes them: shard/files_writer.h)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from .base import EngineShard, Sample, ShardFormat, sample_from_members


class FilesFormat(ShardFormat):
    name = "files"

    def merge(self, shard: EngineShard, committer, merged: pa.Table, retried, encode_format):
        # The recovered samples join the shard's folder, file by file.
        committer.merge_folder(f"{shard.staging}/{shard.name}", shard.name)
        return []

    def samples(self, fs: Any, root: str, name: str) -> Iterator[Sample]:
        folder = f"{root}/{name}"
        if not fs.isdir(folder):
            return
        extensions: dict[str, set[str]] = {}
        for path in sorted(fs.ls(folder, detail=False)):
            key, _, extension = path.rsplit("/", 1)[-1].rpartition(".")
            extensions.setdefault(key, set()).add(extension)
        for key, found in extensions.items():
            members = {e: fs.cat_file(f"{folder}/{key}.{e}") for e in found if e != "parquet"}
            sample = sample_from_members(key, members)
            if sample is not None:
                yield sample
