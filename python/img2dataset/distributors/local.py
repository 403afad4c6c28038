"""The default distributor: shards run on threads of this process, `processes_count` at a time.

The engine releases the GIL for a whole shard and shares one CPU pool between all of them, so
threads give the parallelism the reference needed processes for. `multiprocessing` is accepted
as the name of this distributor.

A shard's last downloads (its tail: a slow server, a retransmission timeout) would leave the
network idle until the next shard starts. So a local run keeps more shards open than
`processes_count` (`open_shards`): the extra ones wait at the engine's gate, which lets one
start its downloads as soon as a running shard is in its tail (engine/shard_gate.h). Shards
still complete and commit one by one, each whole or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from ..output_store import OutputFolderUnusable
from ..planner import Shard
from ..reporter import DEFAULT, Reporter
from ..shard_stats import ShardStats
from .shard_retry import with_shard_retries

ShardFunction = Callable[[Shard], ShardStats]
#: The most shards open beyond processes_count (each is a thread).
MAX_EXTRA_SHARDS = 512
OnDone = Callable[[Shard, ShardStats], None]


def open_shards(processes_count: int, thread_count: int, number_sample_per_shard: int) -> int:
    """Shards a local run keeps open at once: `processes_count` handing out downloads, and
    more in their tails or waiting at the engine's gate for room. A tail can last seconds (a
    lost DNS answer or SYN, a retransmission timeout) while small shards hand out their rows in
    a moment, so the extra shards hold about four times the rows the engine may have in flight
    (processes_count × thread_count), at least two and at most MAX_EXTRA_SHARDS (threads):
    each open shard keeps its rows and results in memory."""
    in_flight = processes_count * thread_count
    extra = math.ceil(4 * in_flight / number_sample_per_shard)
    return processes_count + min(MAX_EXTRA_SHARDS, max(2, extra))


def run_local(
    shards: Iterable[Shard],
    run_shard: ShardFunction,
    on_done: OnDone,
    parallelism: int,
    max_shard_retry: int,
    stop: Callable[[], None] = lambda: None,
    reporter: Reporter = DEFAULT,
) -> list[Shard]:
    """Runs every shard, `parallelism` at once (threads); failed shards are retried
    `max_shard_retry` times after the first pass. Returns the shards that still failed. When the
    run ends with an exception (Ctrl-C, a SIGTERM, an unusable output folder), `stop` is called
    first, to end the shards in flight (the engine's cancel), and the shards not started are
    dropped."""
    return with_shard_retries(
        lambda batch: _run_pass(batch, run_shard, on_done, parallelism, stop, reporter),
        shards,
        max_shard_retry,
        reporter,
    )


def _run_pass(
    shards: Iterable[Shard],
    run_shard: ShardFunction,
    on_done: OnDone,
    parallelism: int,
    stop: Callable[[], None],
    reporter: Reporter,
) -> list[Shard]:
    failed: list[Shard] = []
    pending: dict[Future[ShardStats], Shard] = {}

    def collect(done: set[Future[ShardStats]]) -> None:
        for future in done:
            shard = pending.pop(future)
            error = future.exception()
            if error is None:
                on_done(shard, future.result())
            elif isinstance(error, OutputFolderUnusable):
                raise error  # no shard can be committed any more: end the run
            else:
                reporter.failure(error, f"shard {shard.shard_id} failed with error {error}")
                failed.append(shard)

    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="shard") as pool:
        try:
            # Plan lazily: never more than two shards per thread are read ahead.
            for shard in shards:
                while len(pending) >= 2 * parallelism:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    collect(done)
                pending[pool.submit(run_shard, shard)] = shard
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
        except BaseException:
            stop()  # the shards in flight end now, instead of the pool waiting for them
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return sorted(failed, key=lambda s: s.shard_id)
