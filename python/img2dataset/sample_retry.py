"""Sample-level retry: download again only the failed samples of committed shards, and merge the
recovered ones into each shard.

For every committed shard (one with `<shard>_stats.json`), the rows of its metadata whose error
class is selected are run through the engine again, with their original keys. Each of the
shard's files is then rewritten with the new samples merged in: written next to the output in
staging, then renamed over the old one (an atomic replace); the metadata parquet and the stats
file come last, so a run killed in the middle leaves every file whole and the shard retryable.

A row's error class is its `error_class` column (`save_error_class`), or else its
`error_message` looked up in the `error_class_by_message` map of the shard's stats file. Error
classes are selected by name (`timeout`, `dns`, `http_429`, ...) or by family (`http_5xx`,
`http_4xx`); `True` selects every failure.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from . import _engine
from .committer import Committer, StagedShard
from .engine_table import engine_rows, metadata_table, split_images
from .formats import EngineShard, shard_format
from .input_reader import column_list
from .options import DownloadOptions
from .reporter import Reporter
from .shard_stats import ShardStats


def class_matcher(selection: bool | Iterable[str]):
    """A predicate on error classes for `retry_failed_samples`."""
    if selection is True:
        return lambda error_class: bool(error_class)
    patterns = [
        re.compile(re.escape(name[:-2]) + r"\d\d$")
        if name.endswith("xx")
        else re.compile(re.escape(name) + "$")
        for name in selection
    ]
    return lambda error_class: bool(error_class) and any(p.match(error_class) for p in patterns)


def retry_failed_samples(
    options: DownloadOptions, committer: Committer, engine: _engine.Engine
) -> dict[int, ShardStats]:
    """Retries the selected failed samples of every committed shard; returns the new stats of
    the shards it rewrote."""
    matches = class_matcher(options.run.retry_failed_samples)
    rewritten = {}
    for shard_id in sorted(committer.committed_shards()):
        name = committer.shard_name(shard_id)
        if not committer.has_committed(f"{name}.parquet"):
            continue
        with committer.open_committed(f"{name}.parquet") as f:
            stored = pq.read_table(f, use_threads=False)
        with committer.open_committed(f"{name}_stats.json") as f:
            before = ShardStats.from_json(f.read().decode())
        classes = row_error_classes(stored, before)
        if classes is None:
            if options.run.retry_failed_samples is not True:
                Reporter(options.run.quiet).say(
                    f"shard {name}: skipped by retry_failed_samples: its metadata and stats "
                    "do not say the error class of its failures (written by another tool?); "
                    "retry_failed_samples=True retries all of them"
                )
                continue
            statuses = stored.column("status").to_pylist()
            classes = [None if s == "success" else "unknown" for s in statuses]
        selected = [i for i, c in enumerate(classes) if matches(c)]
        if selected:
            rewritten[shard_id] = _retry_shard(
                options, committer, engine, shard_id, stored, before, classes, selected
            )
    return rewritten


def row_error_classes(stored: pa.Table, stats: ShardStats) -> list[str | None] | None:
    """The error class of each row of a shard's metadata (None for successes): its error_class
    column, or else each failure's message looked up in the stats' error_class_by_message.
    None when neither says (a folder written by another tool)."""
    if "error_class" in stored.column_names:
        return stored.column("error_class").to_pylist()
    if not stats.error_class_by_message and stats.successes < stats.count:
        return None
    classes: list[str | None] = []
    for status, message in zip(
        stored.column("status").to_pylist(), stored.column("error_message").to_pylist(), strict=True
    ):
        if status == "success":
            classes.append(None)
        else:
            known = stats.classes_of_message(message)
            # A message several classes share: the first, which selects the row whenever its
            # family is asked for.
            classes.append(known[0] if known else "unknown")
    return classes


def _retry_shard(
    options: DownloadOptions,
    committer: Committer,
    engine: _engine.Engine,
    shard_id: int,
    stored: pa.Table,
    before: ShardStats,
    classes: list[str | None],
    selected: list[int],
) -> ShardStats:
    name = committer.shard_name(shard_id)
    encode_format = options.image.encode_format
    output_format = shard_format(options.output.output_format)
    inputs = stored.select(column_list(options.input)).take(selected)
    rows = engine_rows(inputs, options)
    rows = rows.append_column("row_index", pa.array(selected, type=pa.int64()))
    staging = committer.staging_dir(shard_id)
    try:
        start = time.time()
        run = _engine.run_shard(engine, shard_id, rows, staging)
        results, images = split_images(pa.record_batch(run))

        # The shard's metadata with the retried rows replaced, in key order.
        engine_names = [n for n in results.schema.names if n in stored.column_names]
        retried = metadata_table(inputs, results)
        merged = stored
        if encode_format in merged.column_names and not output_format.metadata_file:
            merged = merged.drop_columns([encode_format])  # parquet's images: merged apart
        for column_name in engine_names:
            column = merged.column(column_name).to_pylist()
            for position, value in zip(
                selected, retried.column(column_name).to_pylist(), strict=True
            ):
                column[position] = value
            index = merged.column_names.index(column_name)
            merged = merged.set_column(
                index, column_name, pa.array(column, type=merged.schema.field(column_name).type)
            )
        merged_classes = list(classes)
        for position, error_class in zip(
            selected, retried.column("error_class").to_pylist(), strict=True
        ):
            merged_classes[position] = error_class
        if options.output.save_error_class and "error_class" not in merged.column_names:
            merged = merged.append_column("error_class", pa.array(merged_classes, pa.string()))

        shard = EngineShard(staging, name, list(run.files), images)
        files = output_format.merge(shard, committer, merged, selected, encode_format)
        stats = ShardStats.from_results(
            merged,
            start,
            time.time(),
            before.bytes_downloaded + run.bytes_downloaded,
            error_classes=merged_classes,
        )
        committer.commit(StagedShard(shard_id, staging, files, merged, stats))
        return stats
    except BaseException:
        committer.abandon(staging)
        raise
