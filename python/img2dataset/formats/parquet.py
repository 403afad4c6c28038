"""output_format="parquet": one `<shard>.parquet` per shard holding the metadata columns and the
image bytes, as the reference writes it (the metadata schema plus a last binary column named
after encode_format; one row per sample, failures with a null image).

The engine writes no file for it: the stored bytes of each success come back with the shard's
results, as a binary column through the Arrow C Data Interface, so a shard's images are in memory
once, and written here a row group at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import fsspec.implementations.local
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .base import IMAGE_EXTENSIONS, EngineShard, Sample, ShardFormat

#: A row group holds at most this many rows and, unless one image is larger, this many bytes
#: of images: what a reader holds in memory to read one.
ROW_GROUP_ROWS = 1000
ROW_GROUP_BYTES = 256 << 20


class ParquetFormat(ShardFormat):
    name = "parquet"
    metadata_file = False  # the shard's own file is its metadata too

    def finish(self, shard: EngineShard, metadata: pa.Table, encode_format: str) -> list[str]:
        assert shard.images is not None, "the engine returns parquet's images with the results"
        name = f"{shard.name}.parquet"
        write_parquet_shard(f"{shard.staging}/{name}", metadata, shard.images, encode_format)
        return [name]

    def merge(self, shard: EngineShard, committer, merged: pa.Table, retried, encode_format):
        """The committed images for the rows kept, the recovered ones for the rows retried."""
        assert shard.images is not None
        name = f"{shard.name}.parquet"
        with committer.open_committed(name) as f:
            old = pq.read_table(f, columns=[encode_format], use_threads=False).column(0)
        rows = len(old)
        order = np.arange(rows, dtype=np.int64)
        order[np.asarray(retried, dtype=np.int64)] = rows + np.arange(len(retried))
        images = pa.concat_arrays(
            [old.combine_chunks().cast(pa.large_binary()), shard.images.cast(pa.large_binary())]
        ).take(pa.array(order))
        write_parquet_shard(f"{shard.staging}/{name}", merged, images, encode_format)
        return [name]

    def samples(self, fs: Any, root: str, name: str) -> Iterator[Sample]:
        path = f"{root}/{name}.parquet"
        if not fs.exists(path):
            return
        first = _first_row_group(fs, path)
        if first is None:
            return
        table, extension = first
        captions = table.column("caption").to_pylist() if "caption" in table.column_names else None
        urls = table.column("url").to_pylist() if "url" in table.column_names else None
        for i, (key, image) in enumerate(
            zip(table.column("key").to_pylist(), table.column(extension).to_pylist(), strict=True)
        ):
            if image:
                yield Sample(
                    key,
                    image,
                    extension,
                    captions[i] if captions else None,
                    urls[i] if urls else None,
                )


def write_parquet_shard(path: str, metadata: pa.Table, images: pa.Array, encode_format: str):
    """Writes the metadata rows and their images (one per row, null for failures) to `path`,
    in row groups bounded by ROW_GROUP_ROWS and ROW_GROUP_BYTES."""
    schema = metadata.schema.append(pa.field(encode_format, pa.binary()))
    sizes = pc.fill_null(pc.binary_length(images), 0).to_numpy(zero_copy_only=False)
    ends = np.cumsum(sizes, dtype=np.int64)
    with pq.ParquetWriter(path, schema) as writer:
        start = 0
        while start < metadata.num_rows:
            before = ends[start - 1] if start else 0
            by_bytes = int(np.searchsorted(ends, before + ROW_GROUP_BYTES, side="right"))
            end = min(start + ROW_GROUP_ROWS, max(by_bytes, start + 1), metadata.num_rows)
            rows = metadata.slice(start, end - start)
            column = images.slice(start, end - start).cast(pa.binary())
            writer.write_table(pa.Table.from_arrays([*rows.columns, column], schema=schema))
            start = end


def _first_row_group(fs, path: str) -> tuple[pa.Table, str] | None:
    """The first samples of a parquet shard, and the extension of its image column.

    A local file is opened by Arrow itself: through a Python file object, a read-ahead on
    Arrow's I/O threads could finish at interpreter shutdown and need the GIL, which aborted the
    process ("terminate called without an active exception", status 134) in about one exit in
    five on a loaded machine."""
    local = isinstance(fs, fsspec.implementations.local.LocalFileSystem)
    with contextlib.ExitStack() as stack:
        source = path if local else stack.enter_context(fs.open(path, "rb"))
        parquet = stack.enter_context(pq.ParquetFile(source))
        names = parquet.schema_arrow.names
        extension = next((e for e in IMAGE_EXTENSIONS if e in names), None)
        if extension is None or parquet.num_row_groups == 0:
            return None
        wanted = [n for n in ("key", extension, "url", "caption") if n in names]
        return parquet.read_row_group(0, columns=wanted, use_threads=False), extension
