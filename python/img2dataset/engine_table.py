"""The tables between a shard's rows and the engine: the rows it reads (`engine_rows`), the
results it returns, and the shard's metadata made from both (`metadata_table`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import _engine
from .input_reader import additional_columns
from .options import DownloadOptions
from .planner import Shard


def engine_rows(table: pa.Table, options: DownloadOptions) -> pa.RecordBatch:
    """What the engine reads of a shard's rows: url, and caption, expected_hash, bbox and the
    extra columns (save_additional_columns, one struct column) when the options use them."""
    columns = {"url": table.column("url")}
    if options.input.caption_col is not None and "caption" in table.column_names:
        columns["caption"] = table.column("caption")
    if options.input.verify_hash is not None:
        columns["expected_hash"] = table.column(options.input.verify_hash[1])
    if options.input.bbox_col is not None:
        columns["bbox"] = table.column(options.input.bbox_col)
    others = additional_columns(options.input)
    if others and table.num_columns > 1:
        columns["extra_columns"] = extra_columns(table, others)
    combined = pa.table(columns).combine_chunks()
    return (
        combined.to_batches()[0]
        if combined.num_rows
        else pa.RecordBatch.from_pydict(
            {name: pa.array([], type=column.type) for name, column in columns.items()}
        )
    )


def extra_columns(table: pa.Table, names: list[str]) -> pa.StructArray:
    """The `names` columns as one struct column, each in a type the engine writes (see
    shard/extra_columns.h): dictionaries decoded, and values JSON has no type for (dates,
    timestamps, decimals) as their str(), as json.dumps(default=str) writes them."""
    children = [_engine_readable(table.column(name).combine_chunks()) for name in names]
    return pa.StructArray.from_arrays(children, names=names)


def _readable_type(t: pa.DataType) -> bool:
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _readable_type(t.value_type)
    if pa.types.is_struct(t):
        return all(_readable_type(t.field(i).type) for i in range(t.num_fields))
    return (
        pa.types.is_null(t)
        or pa.types.is_boolean(t)
        or pa.types.is_integer(t)
        or pa.types.is_float32(t)
        or pa.types.is_float64(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
    )


def _engine_readable(column: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if _readable_type(column.type):
        return column
    return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def with_failed_rows(
    results: pa.RecordBatch, shard: Shard, options: DownloadOptions
) -> pa.RecordBatch:
    """The engine's results for the rows it ran, with a failed row for each of the shard's
    failures (rows not downloaded: duplicate URLs, input rows too large), in row order."""
    failures = shard.failures or []
    indices = np.array([i for i, f in enumerate(failures) if f is not None], dtype=np.int64)
    failed = np.zeros(len(failures), dtype=bool)
    failed[indices] = True
    keys = [
        _engine.sample_key(
            shard.shard_id,
            int(i),
            options.output.number_sample_per_shard,
            options.output.oom_shard_count,
        )
        for i in indices
    ]
    values = {
        "key": keys,
        "status": ["failed_to_download"] * len(keys),
        "error_message": [failures[i][1] for i in indices],
        "error_class": [failures[i][0] for i in indices],
    }
    extra = pa.record_batch(
        [
            pa.array(values.get(field.name, [None] * len(keys)), type=field.type)
            for field in results.schema
        ],
        schema=results.schema,
    )
    combined = pa.Table.from_batches([results, extra]).combine_chunks()
    order = np.argsort(np.concatenate([np.flatnonzero(~failed), indices]), kind="stable")
    return combined.take(pa.array(order)).to_batches()[0]


def split_images(results: pa.RecordBatch) -> tuple[pa.RecordBatch, pa.Array | None]:
    """The results without their image column (output_format="parquet"), and that column."""
    if "image" not in results.schema.names:
        return results, None
    index = results.schema.get_field_index("image")
    return results.drop_columns(["image"]), results.column(index)


def meta_columns(metadata: pa.Table, options: DownloadOptions) -> list[str]:
    """The entries of the reference's per-sample `meta`, in its order: the input columns but the
    verify column, then the engine's, the computed hash last (not `error_class`, an addition)."""
    hash_name = options.output.compute_hash
    names = [n for n in metadata.column_names if n not in ("error_class", hash_name)]
    return names + ([hash_name] if hash_name in metadata.column_names else [])


def stored_metadata(metadata: pa.Table, save_error_class: bool) -> pa.Table:
    """The metadata as written to the output: the reference's columns, and `error_class` only
    when asked for."""
    if save_error_class or "error_class" not in metadata.column_names:
        return metadata
    return metadata.drop_columns(["error_class"])


def metadata_table(table: pa.Table, results: pa.RecordBatch) -> pa.Table:
    """Input columns followed by the engine's per-sample columns, in key order: the reference's
    columns, then `error_class` (see stored_metadata). A hash column the input already has
    (verify_hash renames its column to the hash type) takes the computed hashes in place, as in
    the reference."""
    names = list(table.column_names)
    columns = [table.column(name) for name in names]
    for name, column in zip(results.schema.names, results.columns, strict=True):
        if name in names:
            columns[names.index(name)] = column
        else:
            names.append(name)
            columns.append(column)
    return pa.Table.from_arrays(columns, names=names)
