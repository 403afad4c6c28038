"""A validated download, run: inputs scanned, the output folder prepared, shards planned and
distributed (on this process's engine, or on Spark or Ray), committed, and the run summed up.

`download()` (download.py) and the command line (cli.py) import this module when a run starts:
it loads pyarrow, fsspec and the engine, which `import img2dataset` alone does not.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import fsspec

from . import trust_store
from .committer import make_committer
from .distributors.local import open_shards, run_local
from .distributors.pyspark import run_pyspark
from .distributors.ray import run_ray
from .limits import LimitWatch
from .options import DownloadOptions
from .output_store import is_remote
from .planner import count_work, plan_shards, scan_inputs
from .progress import Progress
from .report import write_report
from .reporter import Reporter
from .run_stats import RUN_STATS_NAME, run_summary, summary_text, write_run_stats
from .sample_retry import retry_failed_samples
from .shard_stats import ShardStats
from .stopping import report_stop
from .wandb_logger import WandbLogger
from .worker import ShardWorker


@dataclass(frozen=True)
class RunSummary:
    shards_done: int
    shards_failed: list[int]
    count: int
    successes: int


def run(options: DownloadOptions) -> RunSummary:
    """Runs a validated download; returns what happened (the CLI turns failures into an exit
    status)."""
    remote_output = is_remote(options.output.output_folder)
    output_folder = (
        options.output.output_folder.rstrip("/")
        if remote_output
        else os.path.abspath(options.output.output_folder.removeprefix("file://"))
    )
    url_list = options.input.url_list
    if not is_remote(url_list):
        url_list = os.path.abspath(url_list.removeprefix("file://"))
    options = options.with_changes(url_list=url_list, output_folder=output_folder)
    scan = scan_inputs(options)  # every input read once: bad inputs fail here

    committer = make_committer(options.output, options.run)
    start_shard_id = 0
    done_shards: set[int] = set()
    if options.output.incremental_mode == "overwrite":
        if remote_output:
            fs, root = fsspec.core.url_to_fs(output_folder)
            if fs.exists(root):
                fs.rm(root, recursive=True)
        else:
            shutil.rmtree(output_folder, ignore_errors=True)
    elif options.output.incremental_mode == "extend":
        start_shard_id = max(committer.committed_shards(), default=-1) + 1
    else:
        done_shards = committer.committed_shards()

    committer.prepare()
    # One engine per process: the local shards and the sample retry share it; a distributed
    # run needs one on the driver only to retry samples.
    retry_samples = options.run.retry_failed_samples
    worker = (
        ShardWorker(options, committer) if not options.run.distributed or retry_samples else None
    )
    progress: Progress | None = None
    reporter = Reporter(options.run.quiet)
    try:
        if retry_samples:
            for shard_id, stats in retry_failed_samples(options, committer, worker.engine).items():
                reporter.say(
                    f"shard {shard_id} retried: {stats.successes} of {stats.count} samples now "
                    "succeed"
                )
        shard_total, sample_total = count_work(options, scan, start_shard_id, done_shards)
        progress = Progress(shard_total, sample_total, quiet=options.run.quiet)
        limits = (
            None
            if options.run.distributed
            else LimitWatch(
                worker.engine.counters,
                in_flight_budget=options.run.processes_count * options.fetch.thread_count,
                max_connections_per_host=options.fetch.max_connections_per_host,
            )
        )
        failed = _distribute(
            options, scan, start_shard_id, done_shards, committer, worker, progress, limits
        )
    except BaseException as error:
        # Ctrl-C, SIGTERM (stopping.py) or an error that ends the run: the shards in flight end
        # now and their staging goes; what was committed stays whole.
        if worker is not None:
            worker.engine.cancel()
        committer.finish()
        if isinstance(error, KeyboardInterrupt):
            report_stop(error, committer.shards_committed)
        raise
    committer.finish()
    progress.finish()
    if options.run.num_workers == 1:  # a static split's parts: `img2dataset aggregate` at the end
        with committer.writing():
            _finish_folder(options, output_folder)
    for hint in limits.hints() if limits is not None else []:
        reporter.say(f"hint {hint}")
    return RunSummary(
        shards_done=progress.shards_done,
        shards_failed=failed,
        count=progress.count,
        successes=progress.successes,
    )


def _distribute(
    options: DownloadOptions,
    scan,
    start_shard_id: int,
    done_shards: set[int],
    committer,
    worker: ShardWorker | None,
    progress: Progress,
    limits: LimitWatch | None,
) -> list[int]:
    """Runs the shards to do with the run's distributor; returns those that still failed.
    `limits` watches a local run's engine."""
    reporter = Reporter(options.run.quiet)
    reporter.say("Starting the downloading of this file")
    fetch = options.fetch
    if not (fetch.ca_bundle or fetch.ignore_ssl_certificate or trust_store.system_ca_bundle()):
        reporter.say(trust_store.missing_bundle_warning())
    shards = plan_shards(options, scan, start_shard_id, done_shards)
    wandb_logger = (
        WandbLogger(options.run.wandb_project, options.summary_dict())
        if options.run.enable_wandb
        else None
    )

    def shard_done(shard_id: int, stats: ShardStats) -> None:
        progress.shard_done(shard_id, stats)
        if wandb_logger is not None:
            wandb_logger.shard_done(stats)

    try:
        if options.run.distributed:
            progress.start_live(None)  # the engines run on executors: committed shards only
            distribute = run_pyspark if options.run.distributor == "pyspark" else run_ray
            return distribute(shards, options, committer, shard_done)
        limits.start()
        progress.start_live(worker.engine.counters, limits.current)
        failed_shards = run_local(
            shards,
            worker,
            lambda shard, stats: shard_done(shard.shard_id, stats),
            parallelism=open_shards(
                options.run.processes_count,
                options.fetch.thread_count,
                options.output.number_sample_per_shard,
            ),
            max_shard_retry=options.run.max_shard_retry,
            stop=worker.engine.cancel,
            reporter=reporter,
        )
        return [shard.shard_id for shard in failed_shards]
    finally:
        progress.stop_live()  # also when the run ends with an error
        if limits is not None:
            limits.stop()
        if wandb_logger is not None:
            wandb_logger.finish()


def _finish_folder(options: DownloadOptions, output_folder: str) -> None:
    """The end-of-run summary of the whole folder on the terminal; `_run_summary.json` and
    report.html when asked for, else the commands that write them."""
    output = options.output
    summary = (write_run_stats if output.run_summary else run_summary)(
        output_folder, options.summary_dict()
    )
    if not summary["shards"]:
        return
    if output.html_report:
        write_report(output_folder, summary)
    reporter = Reporter(options.run.quiet)
    reporter.say(summary_text(summary))
    missing = []
    if not output.html_report:
        missing.append(f"img2dataset report {output_folder}  (report.html: plots, gallery)")
    if not output.run_summary:
        missing.append(f"img2dataset aggregate {output_folder}  ({RUN_STATS_NAME})")
    for command in missing:
        reporter.say(f"for more: {command}")
