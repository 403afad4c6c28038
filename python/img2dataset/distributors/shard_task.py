"""What a Spark or Ray task runs: one shard, from its spooled input to a published attempt.

A task never commits: it downloads the shard into its own staging folder (one per attempt, so a
speculative or retried copy of the task cannot mix its files with another's), publishes the
files where the driver can see them, and returns a small `TaskOutcome`. The driver commits the
first successful attempt of each shard and drops any other. A shard that fails as a whole is an
outcome with an error, not an exception, so Spark does not spend its task retries (meant for
lost executors) on it; the driver retries it `max_shard_retry` times, as the reference does.

Each worker process keeps one engine per set of options, shared by the tasks it runs.
"""

from __future__ import annotations

import pickle
import socket
import threading
import traceback
import uuid
from dataclasses import dataclass

from ..committer import PublishedAttempt, make_committer
from ..options import DownloadOptions
from ..worker import ShardWorker
from .shard_spool import read_shard


@dataclass(frozen=True)
class ShardTask:
    shard_id: int
    input_url: str


@dataclass(frozen=True)
class TaskOutcome:
    task: ShardTask
    attempt: PublishedAttempt | None  # None when the shard failed
    error: str | None
    host: str


_workers: dict[bytes, ShardWorker] = {}
_workers_lock = threading.Lock()


def _worker(options: DownloadOptions) -> ShardWorker:
    key = pickle.dumps(options)
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None:
            worker = _workers[key] = ShardWorker(
                options, make_committer(options.output, options.run)
            )
        return worker


def run_shard_task(options: DownloadOptions, task: ShardTask) -> TaskOutcome:
    host = socket.gethostname()
    try:
        worker = _worker(options)
        shard = read_shard(task.shard_id, task.input_url)
        staged = worker.produce(shard, attempt=uuid.uuid4().hex[:12])
        return TaskOutcome(task, worker.committer.publish(staged), None, host)
    except Exception as error:  # a failed shard is data for the driver's retry passes
        detail = "".join(traceback.format_exception(error))
        return TaskOutcome(task, None, f"{error!r}\n{detail}", host)
