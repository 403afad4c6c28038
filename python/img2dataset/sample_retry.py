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

import os
import re
import shutil
import tarfile
import time
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import _engine
from .committer import Committer, StagedShard
from .input_reader import column_list
from .options import DownloadOptions
from .parquet_output import write_parquet_shard
from .reporter import Reporter
from .shard_stats import ShardStats
from .worker import engine_rows, meta_columns, metadata_table


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
    inputs = stored.select(column_list(options.input)).take(selected)
    rows = engine_rows(inputs, options)
    rows = rows.append_column("row_index", pa.array(selected, type=pa.int64()))
    staging = committer.staging_dir(shard_id)
    try:
        start = time.time()
        run = _engine.run_shard(engine, shard_id, rows, staging)
        results = pa.record_batch(run)

        # The shard's metadata with the retried rows replaced, in key order.
        engine_names = [n for n in results.schema.names if n in stored.column_names]
        retried = metadata_table(inputs, results)
        merged = stored
        if options.output.output_format == "parquet":  # the images: merged by _merge_files
            merged = stored.drop_columns([options.image.encode_format])
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

        files = _merge_files(options, committer, name, staging, run, merged, stored)
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


def _merge_files(
    options: DownloadOptions,
    committer: Committer,
    name: str,
    staging: str,
    run: _engine.ShardRun,
    merged: pa.Table,
    stored: pa.Table,
) -> list[str]:
    """Writes the shard's data files, merged, into `staging`; returns their names to commit."""
    fmt = options.output.output_format
    if fmt == "files":  # new samples join the shard's folder, file by file
        committer.merge_folder(os.path.join(staging, name), name)
        return []
    if fmt == "webdataset":
        merged_tar = os.path.join(staging, f"{name}.merged")
        with tarfile.open(merged_tar, "w", format=tarfile.PAX_FORMAT) as out:
            with committer.open_committed(f"{name}.tar") as f, tarfile.open(fileobj=f) as tar:
                for member in tar:
                    out.addfile(member, tar.extractfile(member))
            with tarfile.open(os.path.join(staging, f"{name}.tar")) as tar:
                for member in tar:
                    out.addfile(member, tar.extractfile(member))
        os.replace(merged_tar, os.path.join(staging, f"{name}.tar"))
        return [f"{name}.tar"]
    if fmt == "parquet":
        # Old images for the rows kept, staged files for the recovered ones.
        samples = os.path.join(staging, name)
        old_images = stored.column(options.image.encode_format).to_pylist()
        keys, statuses = merged.column("key").to_pylist(), merged.column("status").to_pylist()
        os.makedirs(samples, exist_ok=True)
        for key, status, image in zip(keys, statuses, old_images, strict=True):
            path = os.path.join(samples, f"{key}.{options.image.encode_format}")
            if status == "success" and image is not None and not os.path.exists(path):
                with open(path, "wb") as f:
                    f.write(image)
        return write_parquet_shard(staging, name, merged, options.image.encode_format)
    if fmt == "tfrecord":
        from .tfrecord_output import write_tfrecord_shard  # protobuf: only for tfrecord

        new_records = write_tfrecord_shard(
            staging,
            name,
            merged.filter(
                pc.is_in(
                    merged.column("key"), value_set=pa.array(_new_keys(staging, name, options))
                )
            ),
            options.image.encode_format,
            meta_columns(merged, options),
            caption=options.input.caption_col is not None,
        )
        merged_path = os.path.join(staging, f"{name}.merged")
        with open(merged_path, "wb") as out:
            with committer.open_committed(f"{name}.tfrecord") as f:
                shutil.copyfileobj(f, out)
            with open(os.path.join(staging, new_records[0]), "rb") as f:
                shutil.copyfileobj(f, out)
        os.replace(merged_path, os.path.join(staging, new_records[0]))
        return new_records
    return []  # dummy


def _new_keys(staging: str, name: str, options: DownloadOptions) -> list[str]:
    suffix = "." + options.image.encode_format
    folder = os.path.join(staging, name)
    return sorted(f.removesuffix(suffix) for f in os.listdir(folder) if f.endswith(suffix))
