"""distributor="pyspark": shards as Spark tasks, `subjob_size` shards per Spark job.

The active SparkSession is used (a driver script builds it, with `spark://master:7077` or any
other master); without one, a local session is created as the reference does and stopped at the
end. Each task runs one shard on an executor (see shard_task.py) and the driver commits what
the tasks return (see distributed.py). While a job runs, the driver prints how many of its
shards are done.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from ..committer import Committer
from ..options import DownloadOptions
from ..planner import Shard
from ..reporter import DEFAULT, Reporter
from .distributed import OnDone, run_distributed
from .shard_task import ShardTask, TaskOutcome, run_shard_task

#: Seconds between the driver's progress lines while a Spark job runs.
PROGRESS_INTERVAL = 30.0


@contextlib.contextmanager
def spark_session(processes_count: int, reporter: Reporter = DEFAULT) -> Iterator[Any]:
    """The active SparkSession, or a local one made as the reference makes it (and stopped at
    the end)."""
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    created = spark is None
    if created:
        reporter.say("No pyspark session found, creating a new one!")
        # Executors of a local session run on this machine: with this Python, which has
        # img2dataset (the default is whatever `python3` is first on the PATH).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = (
            SparkSession.builder.config("spark.driver.memory", "16G")
            .master(f"local[{processes_count}]")
            .appName("spark-stats")
            .getOrCreate()
        )
    try:
        yield spark
    finally:
        if created:
            spark.stop()


def run_pyspark(
    shards: Iterable[Shard], options: DownloadOptions, committer: Committer, on_done: OnDone
) -> list[int]:
    reporter = Reporter(options.run.quiet)
    with spark_session(options.run.processes_count, reporter) as spark:
        context = spark.sparkContext
        task_function = functools.partial(run_shard_task, options)

        def run_batch(tasks: list[ShardTask]) -> list[TaskOutcome]:
            return run_job(context, tasks, task_function, reporter)

        return run_distributed(shards, options, committer, run_batch, on_done)


def run_job(
    context, tasks: list[ShardTask], task_function, reporter: Reporter
) -> list[TaskOutcome]:
    """Runs one Spark job of `tasks`, in a job group of its own so that a stop cancels exactly
    its tasks. A failed job fails its shards (they are retried); a stop is raised."""
    group = f"img2dataset-{uuid.uuid4().hex[:8]}"
    watcher = _JobProgress(context, group, len(tasks), reporter)
    watcher.start()
    try:
        context.setJobGroup(group, f"img2dataset: shards {tasks[0].shard_id}..")
        return context.parallelize(tasks, len(tasks)).map(task_function).collect()
    except Exception as error:
        stop = _stop_behind(error)
        if stop is not None:  # Ctrl-C inside a py4j call, whose own clean-up failed
            _cancel(context, group)
            raise stop from None
        if context._jsc is None:  # the session was stopped: nothing can run any more
            raise
        # The job failed (spark.task.maxFailures): its shards are retried.
        reporter.say(f"spark job {group} failed: {error}")
        return [TaskOutcome(t, None, f"its spark job {group} failed", "spark") for t in tasks]
    except BaseException:  # Ctrl-C, SIGTERM: the job's tasks end on the executors
        _cancel(context, group)
        raise
    finally:
        watcher.stop()


def _stop_behind(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM (a KeyboardInterrupt) that `error` was raised while handling, if
    any. py4j answers an interrupt inside a call by closing its connection to the JVM, and
    raises a Py4JError of its own when that fails; the run must still stop as interrupted."""
    seen = error.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return seen
        seen = seen.__context__
    return None


def _cancel(context, group: str) -> None:
    """Cancels a job group's tasks on the executors, as far as the gateway still answers: when
    it does not, stopping the session (at exit) ends them."""
    if context._jsc is None:
        return
    with contextlib.suppress(Exception):
        context.cancelJobGroup(group)


class _JobProgress(threading.Thread):
    """Prints, every PROGRESS_INTERVAL seconds while it changes, how many of a Spark job's
    shards are done (from Spark's status tracker)."""

    def __init__(self, context, group: str, total: int, reporter: Reporter):
        super().__init__(daemon=True, name="spark-progress")
        self.context, self.group, self.total = context, group, total
        self.reporter = reporter
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    def run(self) -> None:
        reported = -1
        started = time.monotonic()
        while not self.stopped.wait(PROGRESS_INTERVAL):
            try:
                done = self._completed_tasks()
            except Exception:  # the context is going away: nothing more to report
                return
            if done != reported:
                elapsed = time.monotonic() - started
                self.reporter.say(
                    f"spark job {self.group}: {done}/{self.total} shards done in {elapsed:.0f} s"
                )
                reported = done

    def _completed_tasks(self) -> int:
        tracker = self.context.statusTracker()
        done = 0
        for job_id in tracker.getJobIdsForGroup(self.group):
            job = tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job else []:
                stage = tracker.getStageInfo(stage_id)
                done += stage.numCompletedTasks if stage else 0
        return done
