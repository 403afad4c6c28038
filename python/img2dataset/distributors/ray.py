"""distributor="ray": one Ray task per shard, `subjob_size` shards per batch.

Connects to the Ray cluster the caller initialised (`ray.init(address="auto")`), or lets
`ray.init()` find a running cluster on this machine or start a local one. Each task runs one
shard (see shard_task.py) and the driver commits results as they complete (see
distributed.py). Unlike the reference, failures are retried: Ray re-runs a task whose worker or
node died (`max_retries`), and shards that failed as a whole get `max_shard_retry` more passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..committer import Committer
from ..options import DownloadOptions
from ..planner import Shard
from .distributed import OnDone, run_distributed
from .shard_task import ShardTask, TaskOutcome, run_shard_task

#: Times Ray re-runs a task whose worker process or node died.
TASK_MAX_RETRIES = 3


def run_ray(
    shards: Iterable[Shard], options: DownloadOptions, committer: Committer, on_done: OnDone
) -> list[int]:
    import ray

    if not ray.is_initialized():
        ray.init()
    remote = ray.remote(num_cpus=1, max_retries=TASK_MAX_RETRIES)(run_shard_task)
    options_ref = ray.put(options)

    def run_batch(tasks: list[ShardTask]) -> Iterator[TaskOutcome]:
        pending = {remote.remote(options_ref, task): task for task in tasks}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                task = pending.pop(done[0])
                try:
                    yield ray.get(done[0])
                except ray.exceptions.RayError as error:  # its retries spent: a failed shard
                    yield TaskOutcome(task, None, f"ray task failed: {error}", "ray")
        except BaseException:  # Ctrl-C, SIGTERM: the running tasks end on their workers
            for ref in pending:
                ray.cancel(ref, force=True)
            raise

    return run_distributed(shards, options, committer, run_batch, on_done)
