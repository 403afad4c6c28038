"""The driver's side of a Spark or Ray run: spool shard inputs, hand out tasks a batch at a time,
commit what comes back.

Shards are planned lazily and handed out `subjob_size` at a time (one Spark job, or one batch of
Ray tasks), so the driver holds at most one batch of inputs. Outcomes are committed on the
driver as they arrive, first successful attempt of a shard only: Spark task retries, speculative
execution and Ray task retries can run a shard twice, and it is still committed once, whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from ..committer import Committer
from ..options import DownloadOptions
from ..planner import Shard
from ..reporter import Reporter
from ..shard_stats import ShardStats
from .shard_retry import with_shard_retries
from .shard_spool import ShardSpool
from .shard_task import ShardTask, TaskOutcome

RunBatch = Callable[[list[ShardTask]], Iterable[TaskOutcome]]
OnDone = Callable[[int, ShardStats], None]


def run_distributed(
    shards: Iterable[Shard],
    options: DownloadOptions,
    committer: Committer,
    run_batch: RunBatch,
    on_done: OnDone,
) -> list[int]:
    """Runs every shard through `run_batch`, `subjob_size` at a time; returns the ids of the
    shards that still failed after `max_shard_retry` extra passes."""
    spool = ShardSpool(options.output.output_folder)
    committed: set[int] = set()
    reporter = Reporter(options.run.quiet)

    def run_tasks(tasks: list[ShardTask]) -> list[ShardTask]:
        failed = []
        for outcome in run_batch(tasks):
            shard_id = outcome.task.shard_id
            if outcome.attempt is None:
                reporter.say(
                    f"shard {shard_id} failed on {outcome.host} with error {outcome.error}"
                )
                failed.append(outcome.task)
            elif shard_id in committed:  # a second successful attempt: keep the first
                committer.drop_attempt(outcome.attempt)
            else:
                committer.commit_attempt(outcome.attempt)
                committed.add(shard_id)
                spool.remove(outcome.task.input_url)
                on_done(shard_id, outcome.attempt.stats)
        # A shard that an attempt committed is done, whatever its other attempts did.
        return sorted(
            {t.shard_id: t for t in failed if t.shard_id not in committed}.values(),
            key=lambda t: t.shard_id,
        )

    def run_pass(tasks: Iterable[ShardTask]) -> list[ShardTask]:
        failed = []
        for batch in _batched(tasks, options.run.subjob_size):
            failed += run_tasks(batch)
        return failed

    def tasks() -> Iterator[ShardTask]:
        for shard in shards:
            yield ShardTask(shard.shard_id, spool.write(shard))

    retried = with_shard_retries(run_pass, tasks(), options.run.max_shard_retry, reporter)
    return [t.shard_id for t in retried]


def _batched(items: Iterable[ShardTask], size: int) -> Iterator[list[ShardTask]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
