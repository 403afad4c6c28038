"""The per-shard function every distributor calls: run the engine on one shard, commit it."""

from __future__ import annotations

import json
import time

import numpy as np
import pyarrow as pa

from . import _engine
from .committer import Committer, StagedShard
from .input_reader import additional_columns
from .options import DownloadOptions
from .parquet_output import write_parquet_shard
from .planner import Shard
from .shard_stats import ShardStats


class ShardWorker:
    """Runs shards with one engine (one CPU pool) shared by every thread of the process."""

    def __init__(self, options: DownloadOptions, committer: Committer):
        self.options = options
        self.committer = committer
        self.engine = _engine.make_engine(options.engine_options())

    def __call__(self, shard: Shard) -> ShardStats:
        """Downloads, writes and commits one shard. Raises when the shard as a whole failed;
        nothing of it is then visible in the output folder."""
        staged = self.produce(shard)
        self.committer.commit(staged)
        return staged.stats

    def produce(self, shard: Shard, attempt: str | None = None) -> StagedShard:
        """Downloads one shard and writes its files into a staging folder, uncommitted. On an
        error the staging folder is removed and the error raised."""
        staging = self.committer.staging_dir(shard.shard_id, attempt)
        try:
            start_time = time.time()
            rows = engine_rows(shard.table, self.options)
            failed = np.array([f is not None for f in shard.failures or []], dtype=bool)
            if failed.any():
                kept = np.flatnonzero(~failed)
                rows = rows.take(pa.array(kept)).append_column(
                    "row_index", pa.array(kept, type=pa.int64())
                )
            run = _engine.run_shard(self.engine, shard.shard_id, rows, staging)
            results = pa.record_batch(run)
            if failed.any():
                results = with_failed_rows(results, shard, self.options)
            end_time = time.time()
            metadata = metadata_table(shard.table, results)
            stats = ShardStats.from_results(metadata, start_time, end_time, run.bytes_downloaded)
            metadata = stored_metadata(metadata, self.options.output.save_error_class)
            files = list(run.files)
            name = self.committer.shard_name(shard.shard_id)
            if self.options.output.output_format == "parquet":
                files = write_parquet_shard(
                    staging, name, metadata, self.options.image.encode_format
                )
            elif self.options.output.output_format == "tfrecord":
                from .tfrecord_output import write_tfrecord_shard  # protobuf: only for tfrecord

                files = write_tfrecord_shard(
                    staging,
                    name,
                    metadata,
                    self.options.image.encode_format,
                    meta_columns(metadata, self.options),
                    caption=self.options.input.caption_col is not None,
                )
            return StagedShard(shard.shard_id, staging, files, metadata, stats)
        except BaseException as error:
            self.committer.abandon(staging)
            if isinstance(error, OSError):
                # A removed or read-only output folder is the run's end, not this shard's.
                self.committer.check_output()
            raise


def json_members(table: pa.Table, names: list[str]) -> pa.Array:
    """Per row, the `names` columns as members of its <key>.json, written as json.dumps(meta,
    indent=4) writes them (values that JSON cannot hold, such as dates, as their str())."""
    columns = [table.column(name).to_pylist() for name in names]
    members = []
    for values in zip(*columns, strict=True):
        text = json.dumps(dict(zip(names, values, strict=True)), indent=4, default=str)
        members.append(text[1:-2])  # between "{" and "\n}"
    return pa.array(members, type=pa.string())


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


def engine_rows(table: pa.Table, options: DownloadOptions) -> pa.RecordBatch:
    """What the engine reads of a shard's rows: url, and caption, expected_hash, bbox and
    json_members when the options use them."""
    columns = {"url": table.column("url")}
    if options.input.caption_col is not None and "caption" in table.column_names:
        columns["caption"] = table.column("caption")
    if options.input.verify_hash is not None:
        columns["expected_hash"] = table.column(options.input.verify_hash[1])
    if options.input.bbox_col is not None:
        columns["bbox"] = table.column(options.input.bbox_col)
    others = additional_columns(options.input)
    if others and table.num_columns > 1:
        columns["json_members"] = json_members(table, others)
    combined = pa.table(columns).combine_chunks()
    return (
        combined.to_batches()[0]
        if combined.num_rows
        else pa.RecordBatch.from_pydict(
            {name: pa.array([], type=column.type) for name, column in columns.items()}
        )
    )


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
