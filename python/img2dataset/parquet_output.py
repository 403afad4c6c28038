"""The `parquet` output format: one `<shard>.parquet` per shard holding the metadata columns and
the image bytes, as the reference writes it (its schema: the metadata schema plus a last binary
column named after `encode_format`; one row per sample, failures with a null image).

The engine stages a parquet shard like a `files` shard (one file per successful sample); this
module packs those files into the parquet file in key order, a row group at a time, so that a
shard never sits in memory whole.
"""

from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq

#: Rows per row group: bounds what one shard holds in memory while it is written.
ROW_GROUP_ROWS = 1000


def write_parquet_shard(
    staging: str, shard_name: str, metadata: pa.Table, encode_format: str
) -> list[str]:
    """Writes `<staging>/<shard_name>.parquet` from the metadata and the staged images, removes
    the staged images, and returns the file names to commit."""
    samples = os.path.join(staging, shard_name)
    target = os.path.join(staging, f"{shard_name}.parquet")
    schema = metadata.schema.append(pa.field(encode_format, pa.binary()))
    keys = metadata.column("key")
    statuses = metadata.column("status")
    with pq.ParquetWriter(target, schema) as writer:
        for start in range(0, max(metadata.num_rows, 1), ROW_GROUP_ROWS):
            rows = metadata.slice(start, ROW_GROUP_ROWS)
            images = []
            for i in range(start, start + rows.num_rows):
                if statuses[i].as_py() != "success":
                    images.append(None)
                    continue
                path = os.path.join(samples, f"{keys[i].as_py()}.{encode_format}")
                with open(path, "rb") as f:
                    images.append(f.read())
            columns = [*rows.columns, pa.array(images, type=pa.binary())]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
    shutil.rmtree(samples, ignore_errors=True)
    return [f"{shard_name}.parquet"]
