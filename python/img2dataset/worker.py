"""The per-shard function every distributor calls: run the engine on one shard, commit it."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa

from . import _engine
from .committer import Committer, StagedShard
from .engine_table import (
    engine_rows,
    metadata_table,
    split_images,
    stored_metadata,
    with_failed_rows,
)
from .formats import EngineShard, shard_format
from .options import DownloadOptions
from .planner import Shard
from .shard_stats import ShardStats


class ShardWorker:
    """Runs shards with one engine (one CPU pool) shared by every thread of the process."""

    def __init__(self, options: DownloadOptions, committer: Committer):
        self.options = options
        self.committer = committer
        self.engine = _engine.make_engine(options.engine_options())
        self.format = shard_format(options.output.output_format)

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
            start_time += run.waited_s  # its turn came then (engine/shard_gate.h)
            results = pa.record_batch(run)
            if failed.any():
                results = with_failed_rows(results, shard, self.options)
            results, images = split_images(results)
            end_time = time.time()
            metadata = metadata_table(shard.table, results)
            stats = ShardStats.from_results(metadata, start_time, end_time, run.bytes_downloaded)
            metadata = stored_metadata(metadata, self.options.output.save_error_class)
            engine_shard = EngineShard(
                staging, self.committer.shard_name(shard.shard_id), list(run.files), images
            )
            files = self.format.finish(engine_shard, metadata, self.options.image.encode_format)
            return StagedShard(shard.shard_id, staging, files, metadata, stats)
        except BaseException as error:
            self.committer.abandon(staging)
            if isinstance(error, OSError):
                # A removed or read-only output folder is the run's end, not this shard's.
                self.committer.check_output()
            raise
