"""The per-shard function every distributor calls: run the engine on one shard, commit it."""

from __future__ import annotations

import time

import pyarrow as pa

from . import _engine
from .committer import Committer, ShardStats
from .options import DownloadOptions
from .planner import Shard


class ShardWorker:
    """Runs shards with one engine (one CPU pool) shared by every thread of the process."""

    def __init__(self, options: DownloadOptions, committer: Committer):
        self.committer = committer
        self.engine = _engine.make_engine(options.engine_options())

    def __call__(self, shard: Shard) -> ShardStats:
        """Downloads, writes and commits one shard. Raises when the shard as a whole failed;
        nothing of it is then visible in the output folder."""
        staging = self.committer.staging_dir(shard.shard_id)
        try:
            start_time = time.time()
            run = _engine.run_shard(self.engine, shard.shard_id, shard.rows, staging)
            results = pa.record_batch(run)
            end_time = time.time()
            stats = ShardStats.from_results(results, start_time, end_time)
            self.committer.commit(
                shard.shard_id, staging, list(run.files), metadata_table(shard.rows, results), stats
            )
            return stats
        except BaseException:
            self.committer.abandon(staging)
            raise


def metadata_table(rows: pa.RecordBatch, results: pa.RecordBatch) -> pa.Table:
    """Input columns followed by the engine's per-sample columns, in key order: the reference's
    columns, then `error_class`."""
    columns = list(rows.columns) + list(results.columns)
    names = list(rows.schema.names) + list(results.schema.names)
    return pa.Table.from_arrays(columns, names=names)
