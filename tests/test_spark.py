"""distributor="pyspark": the distributed tutorial's driver script on a Spark standalone cluster
(a master and two workers on loopback), and a local-cluster run that loses an executor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from img2dataset import download
from support.dataset_compare import dataset_summary
from support.processes import command_line, descendants
from support.spark_cluster import SparkStandalone, spark_environment

# The tutorial's driver script. Only the master, the paths and allow_private_addresses (the
# test images are served on 127.0.0.1, which is refused by default) differ; executor memory is
# 512m instead of 16G to fit the test machine.
TUTORIAL_DRIVER = textwrap.dedent(
    """
    import json
    import sys

    from img2dataset import download
    from pyspark.sql import SparkSession

    MASTER, url_list, output_dir = sys.argv[1:4]


    def create_spark_session():
        spark = (
            SparkSession.builder.config("spark.submit.deployMode", "client")
            .config("spark.executor.memory", "512m")
            .config("spark.executor.memoryOverhead", "256m")
            .config("spark.task.maxFailures", "100")
            .config("spark.ui.enabled", "false")
            .master(MASTER)
            .appName("spark-stats")
            .getOrCreate()
        )
        return spark


    spark = create_spark_session()

    download(
        processes_count=1,
        thread_count=32,
        retries=0,
        url_list=url_list,
        image_size=384,
        resize_only_if_bigger=True,
        resize_mode="keep_ratio",
        skip_reencode=True,
        output_folder=output_dir,
        output_format="webdataset",
        input_format="parquet",
        url_col="URL",
        caption_col="TEXT",
        enable_wandb=False,
        number_sample_per_shard=10000,
        distributor="pyspark",
        save_additional_columns=["NSFW", "similarity", "LICENSE"],
        allow_private_addresses=True,
    )

    # The metadata, read back by Spark itself.
    metadata = spark.read.parquet(output_dir + "/0*.parquet")
    print("SPARK_READ " + json.dumps({
        "rows": metadata.count(),
        "successes": metadata.filter(metadata.status == "success").count(),
        "columns": metadata.columns,
    }))
    print("EXECUTORS", spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1)
    spark.stop()
    """
)

TUTORIAL_OPTIONS = {
    "processes_count": 1,
    "thread_count": 32,
    "retries": 0,
    "image_size": 384,
    "resize_only_if_bigger": True,
    "resize_mode": "keep_ratio",
    "skip_reencode": True,
    "output_format": "webdataset",
    "input_format": "parquet",
    "url_col": "URL",
    "caption_col": "TEXT",
    "number_sample_per_shard": 10000,
    "save_additional_columns": ["NSFW", "similarity", "LICENSE"],
    "allow_private_addresses": True,
}


def write_laion_like_input(folder: Path, urls_per_file: list[list[str]]) -> Path:
    """A folder of parquet files with the columns of LAION's metadata that the tutorial uses."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, urls in enumerate(urls_per_file):
        count = len(urls)
        pq.write_table(
            pa.table(
                {
                    "URL": urls,
                    "TEXT": [f"caption {index}-{i}" for i in range(count)],
                    "NSFW": ["UNLIKELY"] * count,
                    "similarity": [0.3 + i / 100 for i in range(count)],
                    "LICENSE": ["?"] * count,
                }
            ),
            folder / f"part-{index:05d}.parquet",
        )
    return folder


def run_driver(script: str, tmp_path: Path, *arguments: str, timeout: float = 300):
    path = tmp_path / "driver.py"
    path.write_text(script)
    env = spark_environment(tmp_path / "spark-driver")
    env["PYSPARK_PYTHON"] = sys.executable  # the executors' Python: this one has img2dataset
    return subprocess.Popen(
        [sys.executable, str(path), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 300) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-6000:]
    return output


@pytest.fixture(scope="module")
def spark_master(tmp_path_factory):
    with SparkStandalone(tmp_path_factory.mktemp("spark-standalone"), workers=2) as cluster:
        yield cluster.master_url


def test_tutorial_script_on_a_standalone_cluster(spark_master, image_server, tmp_path):
    urls = [
        [image_server.corpus_url(5 * f + i) for i in range(4)] + [image_server.url("/status/404")]
        for f in range(4)
    ]
    inputs = write_laion_like_input(tmp_path / "laion", urls)
    output = tmp_path / "spark-out"
    log = finish(run_driver(TUTORIAL_DRIVER, tmp_path, spark_master, str(inputs), str(output)))

    assert "EXECUTORS 2" in log
    read_back = json.loads(log.split("SPARK_READ ", 1)[1].splitlines()[0])
    assert (read_back["rows"], read_back["successes"]) == (20, 16)
    assert read_back["columns"][:5] == ["NSFW", "similarity", "LICENSE", "caption", "url"]

    local = tmp_path / "local-out"
    download(url_list=str(inputs), output_folder=str(local), **TUTORIAL_OPTIONS)
    summary = dataset_summary(output)
    assert summary == dataset_summary(local)
    assert summary["shards"] == ["00000", "00001", "00002", "00003"]
    assert summary["leftovers"] == []


def executor_pids(driver: subprocess.Popen) -> list[int]:
    return [
        pid
        for pid in descendants(driver.pid)
        if "CoarseGrainedExecutorBackend" in command_line(pid)
    ]


def test_local_cluster_survives_a_lost_executor(image_server, tmp_path):
    # Slow images: every shard takes seconds, so one is running when its executor is killed.
    urls = [
        [image_server.url(f"/slow/1.5/rgb_64x48.jpg?sample={f}-{i}") for i in range(2)]
        for f in range(4)
    ]
    inputs = write_laion_like_input(tmp_path / "laion", urls)
    output = tmp_path / "out"
    script = TUTORIAL_DRIVER.replace('.config("spark.ui.enabled", "false")', "")
    driver = run_driver(script, tmp_path, "local-cluster[2,1,1024]", str(inputs), str(output))
    try:
        deadline = time.monotonic() + 120
        while not list((output / "_tmp").glob("*.*")):  # an attempt's staging: a task runs
            assert driver.poll() is None, driver.stdout.read()
            assert time.monotonic() < deadline, "no task started"
            time.sleep(0.1)
        victims = executor_pids(driver)
        assert len(victims) == 2
        os.kill(victims[0], 9)
        log = finish(driver)
    finally:
        if driver.poll() is None:
            driver.kill()
    summary = dataset_summary(output)
    assert summary["shards"] == ["00000", "00001", "00002", "00003"]
    assert all(s["successes"] == 2 for s in summary["stats"].values())
    assert summary["leftovers"] == []
    assert "Lost executor" in log  # Spark saw the loss and ran the shard again elsewhere
    assert "SPARK_READ" in log


def test_reference_module_pipeline_with_the_pyspark_distributor(
    spark_master, image_server, tmp_path
):
    """The reference's modules wired by hand (support/module_pipeline.py) with
    `distributor.pyspark_distributor`: the Downloader travels to the executors pickled, and the
    folder equals the one its multiprocessing distributor writes."""
    from support.reference_diff import folder_differences
    from test_reference_modules import pipeline_input, run_pipeline

    source = pipeline_input(image_server, tmp_path)
    env = spark_environment(tmp_path / "spark-driver")
    env["PYSPARK_PYTHON"] = sys.executable
    log = run_pipeline(
        sys.executable, source, tmp_path / "spark", "WebDatasetSampleWriter", "pyspark",
        spark_master, env=env,
    )  # fmt: skip
    assert "No pyspark session found" not in log
    run_pipeline(sys.executable, source, tmp_path / "local", "WebDatasetSampleWriter")
    assert folder_differences(tmp_path / "local", tmp_path / "spark") == []


INTERRUPTED_DRIVER = textwrap.dedent(
    """
    import json, sys, time
    from pyspark.sql import SparkSession
    from img2dataset import download

    master, arguments = sys.argv[1], json.loads(sys.argv[2])
    spark = (
        SparkSession.builder.master(master).config("spark.ui.enabled", "false")
        .config("spark.executor.memory", "512m").appName("interrupted").getOrCreate()
    )
    try:
        download(distributor="pyspark", **arguments)
    except KeyboardInterrupt:
        print("caught", time.monotonic(), flush=True)
    spark.stop()
    """
)


def test_ctrl_c_stops_a_pyspark_run_promptly(spark_master, image_server, tmp_path):
    """The driver's Ctrl-C cancels the running Spark job and download() raises
    KeyboardInterrupt within seconds; what was committed is whole."""
    from test_stopping import distributed_arguments, interrupt_distributed_driver

    arguments = distributed_arguments(image_server, tmp_path)
    driver = run_driver(INTERRUPTED_DRIVER, tmp_path, spark_master, json.dumps(arguments))
    log = interrupt_distributed_driver(driver, tmp_path / "out")
    assert "stopped (interrupted)" in log


class _InterruptedGateway:
    """A SparkContext whose py4j call is interrupted by Ctrl-C, and whose own clean-up then
    fails, as py4j's does when the gateway's connection is already closed."""

    _jsc = object()

    def __init__(self):
        self.cancelled: list[str] = []

    def setJobGroup(self, group, description):  # noqa: N802 (Spark's name)
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise RuntimeError("Gateway must be connected to send cancel cmd.")  # noqa: B904

    def cancelJobGroup(self, group):  # noqa: N802
        self.cancelled.append(group)
        raise RuntimeError("the gateway is gone")

    def statusTracker(self):  # noqa: N802
        raise RuntimeError("the gateway is gone")


def test_a_ctrl_c_inside_a_py4j_call_stops_the_run_as_interrupted():
    """py4j turns an interrupt inside a call into an error of its own when its clean-up fails;
    the job is cancelled as far as the gateway answers and the KeyboardInterrupt is raised."""
    from img2dataset.distributors.pyspark import run_job
    from img2dataset.distributors.shard_task import ShardTask
    from img2dataset.reporter import Reporter

    context = _InterruptedGateway()
    with pytest.raises(KeyboardInterrupt):
        run_job(context, [ShardTask(0, "unused")], lambda t: t, Reporter(quiet=True))
    assert len(context.cancelled) == 1
