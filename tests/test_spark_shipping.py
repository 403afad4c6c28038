"""Shipping img2dataset to Spark executors that do not have it: the packed environment
(spark.archives) and the single-file bundle (spark.files) that scripts/pack_for_cluster.sh
builds, each used by a local-cluster whose executors then run a download."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.dataset_compare import dataset_summary
from support.spark_cluster import spark_environment

REPO = Path(__file__).resolve().parents[1]

DRIVER = textwrap.dedent(
    """
    import json, os, sys

    python, conf_name, conf_value, url_list, output = sys.argv[1:6]
    os.environ["PYSPARK_PYTHON"] = python  # read when the session is created
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local-cluster[1,1,1024]")
        .config(conf_name, conf_value)
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )

    def where(_):
        import sys
        import img2dataset
        return [sys.executable, img2dataset.__file__]

    print("WHERE " + json.dumps(spark.sparkContext.parallelize([0], 1).map(where).first()))
    from img2dataset import download

    download(url_list=url_list, output_folder=output, number_sample_per_shard=2,
             distributor="pyspark", allow_private_addresses=True)
    spark.stop()
    """
)


@pytest.fixture(scope="module")
def packed(tmp_path_factory, built_wheels) -> Path:
    folder = tmp_path_factory.mktemp("packed")
    completed = subprocess.run(
        [
            str(REPO / "scripts" / "pack_for_cluster.sh"),
            "--wheel",
            str(built_wheels["cp311"]),
            str(folder),
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return folder


@pytest.mark.parametrize("way", ["archive", "pex"])
def test_executors_run_the_shipped_package(packed, image_server, tmp_path, way):
    if way == "archive":
        python = "./environment/bin/python"
        conf = ("spark.archives", f"{packed / 'img2dataset-env.tar.gz'}#environment")
    else:
        python = "./img2dataset.pex"
        conf = ("spark.files", str(packed / "img2dataset.pex"))
    urls = [image_server.corpus_url(i) for i in range(4)]
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    (tmp_path / "driver.py").write_text(DRIVER)
    completed = subprocess.run(
        [
            sys.executable,
            str(tmp_path / "driver.py"),
            python,
            *conf,
            str(tmp_path / "urls.txt"),
            str(tmp_path / "out"),
        ],
        env=spark_environment(tmp_path / "spark"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    executable, module = json.loads(completed.stdout.split("WHERE ", 1)[1].splitlines()[0])
    # The executors' img2dataset is the shipped one, not the one of this environment.
    assert not module.startswith(str(Path(sys.prefix)))
    if way == "archive":
        assert "/environment/" in executable and "/environment/" in module
    else:
        assert "/.pex/" in module or "pex" in module
    summary = dataset_summary(tmp_path / "out")
    assert summary["shards"] == ["00000", "00001"]
    assert all(stats["successes"] == 2 for stats in summary["stats"].values())
