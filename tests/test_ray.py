"""distributor="ray" on a Ray cluster of two nodes started with `ray start` on this machine: the
same dataset as a local run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from img2dataset import download
from support.dataset_compare import dataset_summary
from support.ray_cluster import RayCluster

DRIVER = textwrap.dedent(
    """
    import json, sys
    import ray
    from img2dataset import download

    ray.init(address="auto")  # RAY_ADDRESS names the cluster
    arguments = json.loads(sys.argv[1])
    download(distributor="ray", **arguments)
    print("NODES", sum(1 for node in ray.nodes() if node["Alive"]))
    """
)


@pytest.fixture(scope="module")
def ray_cluster():
    with (
        tempfile.TemporaryDirectory(prefix="i2d-ray-", dir="/tmp") as temp_dir,
        RayCluster(Path(temp_dir), nodes=2) as cluster,
    ):
        yield cluster


def test_ray_run_equals_a_local_run(ray_cluster, image_server, tmp_path):
    urls = [image_server.corpus_url(i) for i in range(10)] + [image_server.url("/status/404")]
    pq.write_table(
        pa.table({"URL": urls, "TEXT": [f"caption {i}" for i in range(len(urls))]}),
        tmp_path / "input.parquet",
    )
    arguments = {
        "url_list": str(tmp_path / "input.parquet"),
        "input_format": "parquet",
        "url_col": "URL",
        "caption_col": "TEXT",
        "output_format": "webdataset",
        "number_sample_per_shard": 3,
        "image_size": 32,
        "subjob_size": 2,  # several batches of tasks
        "allow_private_addresses": True,
    }
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "RAY_ADDRESS": ray_cluster.address, "RAY_USAGE_STATS_ENABLED": "0"}
    ray_output = tmp_path / "ray"
    completed = subprocess.run(
        [sys.executable, str(script), json.dumps({**arguments, "output_folder": str(ray_output)})],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "NODES 2" in completed.stdout
    assert "shard 3 done (4/4)" in completed.stdout or "(4/4)" in completed.stdout

    local_output = tmp_path / "local"
    download(output_folder=str(local_output), **arguments)
    ray_summary = dataset_summary(ray_output)
    assert ray_summary == dataset_summary(local_output)
    assert ray_summary["shards"] == ["00000", "00001", "00002", "00003"]
    assert ray_summary["leftovers"] == []


def test_reference_module_pipeline_with_the_ray_distributor(ray_cluster, image_server, tmp_path):
    """The reference's modules wired by hand (support/module_pipeline.py) with
    `distributor.ray_distributor` on the two-node cluster."""
    from support.reference_diff import folder_differences
    from test_reference_modules import pipeline_input, run_pipeline

    source = pipeline_input(image_server, tmp_path)
    env = {**os.environ, "RAY_ADDRESS": ray_cluster.address, "RAY_USAGE_STATS_ENABLED": "0"}
    run_pipeline(sys.executable, source, tmp_path / "ray", "FilesSampleWriter", "ray", env=env)
    run_pipeline(sys.executable, source, tmp_path / "local", "FilesSampleWriter")
    assert folder_differences(tmp_path / "local", tmp_path / "ray") == []


INTERRUPTED_DRIVER = textwrap.dedent(
    """
    import json, sys, time
    import ray
    from img2dataset import download

    ray.init(address="auto")
    try:
        download(distributor="ray", **json.loads(sys.argv[1]))
    except KeyboardInterrupt:
        print("caught", time.monotonic(), flush=True)
    """
)


def test_ctrl_c_stops_a_ray_run_promptly(ray_cluster, image_server, tmp_path):
    """The driver's Ctrl-C cancels the running Ray tasks and download() raises
    KeyboardInterrupt within seconds; what was committed is whole."""
    from test_stopping import distributed_arguments, interrupt_distributed_driver

    output = tmp_path / "out"
    arguments = distributed_arguments(image_server, tmp_path)
    script = tmp_path / "driver.py"
    script.write_text(INTERRUPTED_DRIVER)
    env = {**os.environ, "RAY_ADDRESS": ray_cluster.address, "RAY_USAGE_STATS_ENABLED": "0"}
    driver = subprocess.Popen(
        [sys.executable, str(script), json.dumps(arguments)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    interrupt_distributed_driver(driver, output)
