"""Output formats, one module each (files, webdataset, parquet, tfrecord, dummy): what a shard is
committed as, how sample retry merges recovered samples into a committed shard, and how its
samples are read back. The engine writes every format's data but parquet's file, whose images
it returns with the results (parquet.py)."""

from __future__ import annotations

import importlib

from .base import EngineShard, Sample, ShardFormat

# Imported when first used: tfrecord's module loads protobuf.
_MODULES = {
    "files": ("files", "FilesFormat"),
    "webdataset": ("webdataset", "WebdatasetFormat"),
    "parquet": ("parquet", "ParquetFormat"),
    "tfrecord": ("tfrecord", "TfrecordFormat"),
    "dummy": ("dummy", "DummyFormat"),
}
#: The formats whose shards hold samples to read back, in the order the report looks for them.
READABLE = ("webdataset", "files", "tfrecord", "parquet")


def shard_format(name: str) -> ShardFormat:
    """The format called `name` (an OutputOptions.output_format)."""
    module, cls = _MODULES[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)()


__all__ = ["READABLE", "EngineShard", "Sample", "ShardFormat", "shard_format"]
