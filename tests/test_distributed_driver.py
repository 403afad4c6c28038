"""The driver's side of Spark and Ray runs, with the tasks run in this process: a shard whose
task ran twice (a speculative copy, a retry after a lost executor) is committed once, from one
attempt; a shard that failed as a whole is retried; nothing is left in `_tmp`."""

from __future__ import annotations

from img2dataset import download
from img2dataset.committer import make_committer
from img2dataset.distributors.distributed import run_distributed
from img2dataset.distributors.shard_task import TaskOutcome, run_shard_task
from img2dataset.options import DownloadOptions
from img2dataset.planner import plan_shards, scan_inputs
from support.dataset_compare import dataset_summary


def options_for(tmp_path, image_server, output: str) -> DownloadOptions:
    urls = [image_server.corpus_url(i) for i in range(5)] + [image_server.url("/status/404")]
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    return DownloadOptions.from_arguments(
        {
            "url_list": str(tmp_path / "urls.txt"),
            "output_folder": str(tmp_path / output),
            "output_format": "webdataset",
            "number_sample_per_shard": 2,
            "image_size": 32,
            "allow_private_addresses": True,
        }
    )


def run_with(options: DownloadOptions, run_batch, max_shard_retry: int = 1):
    committer = make_committer(options.output, options.run)
    committer.prepare()
    done = []
    failed = run_distributed(
        plan_shards(options, scan_inputs(options), 0, set()),
        options.with_changes(subjob_size=2, max_shard_retry=max_shard_retry),
        committer,
        run_batch,
        lambda shard_id, stats: done.append(shard_id),
    )
    committer.finish()
    return done, failed


def test_a_shard_run_twice_is_committed_once(tmp_path, image_server):
    options = options_for(tmp_path, image_server, "twice")
    attempts = []

    def run_batch(tasks):
        # Every task runs twice, as with speculative execution, both before the driver
        # hears of either.
        outcomes = [run_shard_task(options, task) for task in tasks for _ in range(2)]
        attempts.extend(outcome.attempt.folder for outcome in outcomes)
        return outcomes

    done, failed = run_with(options, run_batch)
    assert (sorted(done), failed) == ([0, 1, 2], [])
    assert len(set(attempts)) == 6  # each attempt staged apart from the others
    download(**{**options.arguments(), "output_folder": str(tmp_path / "local")})
    summary = dataset_summary(tmp_path / "twice")
    assert summary == dataset_summary(tmp_path / "local")
    assert summary["leftovers"] == []


def test_a_failed_shard_is_retried_by_the_driver(tmp_path, image_server, capsys):
    options = options_for(tmp_path, image_server, "retried")
    calls = []

    def run_batch(tasks):
        for task in tasks:
            calls.append(task.shard_id)
            first_try = calls.count(task.shard_id) == 1
            if task.shard_id == 1 and first_try:
                yield TaskOutcome(task, None, "executor lost", "elsewhere")
            else:
                yield run_shard_task(options, task)

    done, failed = run_with(options, run_batch)
    assert (sorted(done), failed) == ([0, 1, 2], [])
    assert calls == [0, 1, 2, 1]
    output = capsys.readouterr().out
    assert "shard 1 failed on elsewhere with error executor lost" in output
    assert "Retrying 1 shards, try 1" in output


def test_shards_that_keep_failing_are_reported(tmp_path, image_server):
    options = options_for(tmp_path, image_server, "failing")

    def run_batch(tasks):
        for task in tasks:
            yield TaskOutcome(task, None, "always", "nowhere")

    done, failed = run_with(options, run_batch, max_shard_retry=2)
    assert (done, failed) == ([], [0, 1, 2])
    assert not list((tmp_path / "failing").glob("*_stats.json"))
    assert not (tmp_path / "failing" / "_tmp").exists()
