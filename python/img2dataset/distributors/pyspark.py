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
    reporter = Reporter(options.quiet)
    with spark_session(options.processes_count, reporter) as spark:
        context = spark.sparkContext
        task_function = functools.partial(run_shard_task, options)

        def run_batch(tasks: list[ShardTask]) -> list[TaskOutcome]:
            group = f"img2dataset-{uuid.uuid4().hex[:8]}"
            context.setJobGroup(group, f"img2dataset: shards {tasks[0].shard_id}..")
            watcher = _JobProgress(context, group, len(tasks), reporter)
            watcher.start()
            try:
                return context.parallelize(tasks, len(tasks)).map(task_function).collect()
            except Exception as error:  # the job failed (spark.task.maxFailures): retry it
                if context._jsc is None:  # the session was stopped: nothing can run any more
                    raise
                reporter.say(f"spark job {group} failed: {error}")
                return [
                    TaskOutcome(t, None, f"its spark job {group} failed", "spark") for t in tasks
                ]
            except BaseException:  # Ctrl-C, SIGTERM: the job's tasks end on the executors
                if context._jsc is not None:
                    context.cancelJobGroup(group)
                raise
            finally:
                watcher.stop()

        return run_distributed(shards, options, committer, run_batch, on_done)


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
