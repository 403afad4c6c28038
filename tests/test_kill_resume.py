"""The commit protocol under SIGKILL: a run killed at a random moment never leaves a shard that
looks complete and is not, and rerunning it (incremental mode) gives the dataset an uninterrupted
run gives."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from img2dataset import download

SHARD_SIZE = 5


def arguments(urls_file: Path, output: Path) -> dict:
    return {
        "url_list": str(urls_file),
        "output_folder": str(output),
        "output_format": "webdataset",
        "number_sample_per_shard": SHARD_SIZE,
        "processes_count": 2,
        "thread_count": 4,
        "image_size": 32,
        "allow_private_addresses": True,
    }


def write_urls(image_server, folder: Path) -> Path:
    # Slow responses spread the run over a few seconds; a 404 in each shard keeps failures in.
    urls = []
    for i in range(40):
        urls.append(
            image_server.url("/status/404")
            if i % SHARD_SIZE == 3
            else image_server.url(f"/slow/0.15/rgb_64x48.jpg?{i}")
        )
    path = folder / "urls.txt"
    path.write_text("".join(u + "\n" for u in urls))
    return path


def successes(output: Path) -> set[str]:
    keys = set()
    for parquet in output.glob("*.parquet"):
        for row in pq.read_table(parquet).to_pylist():
            if row["status"] == "success":
                keys.add(row["key"])
    return keys


def check_committed_shards_are_complete(output: Path) -> int:
    """Every shard with a stats file has its tar and parquet, complete and consistent."""
    committed = 0
    for stats_file in output.glob("*_stats.json"):
        name = stats_file.name.removesuffix("_stats.json")
        stats = json.loads(stats_file.read_text())
        with tarfile.open(output / f"{name}.tar") as tar:
            members = tar.getnames()
        assert len(members) == 2 * stats["successes"], name  # .jpg and .json per success
        assert pq.read_table(output / f"{name}.parquet").num_rows == stats["count"]
        committed += 1
    return committed


@pytest.mark.parametrize("moment", ["while-starting", "after-first-commit"])
def test_killed_run_resumes_to_the_uninterrupted_result(image_server, tmp_path, moment):
    urls_file = write_urls(image_server, tmp_path)
    reference = tmp_path / "reference"
    started = time.monotonic()
    download(**arguments(urls_file, reference))
    duration = time.monotonic() - started

    killed = tmp_path / "killed"
    code = f"from img2dataset import download; download(**{arguments(urls_file, killed)!r})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if moment == "after-first-commit":
        deadline = time.monotonic() + 60
        while not list(killed.glob("*_stats.json")) and time.monotonic() < deadline:
            time.sleep(0.01)
        delay = random.uniform(0, duration / 4)
    else:
        delay = random.uniform(0, 0.5)
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    committed = check_committed_shards_are_complete(killed)
    assert committed < 8, f"killed {delay:.2f} s in, yet every shard was committed"

    download(**arguments(urls_file, killed))  # incremental: redoes the uncommitted shards
    assert check_committed_shards_are_complete(killed) == 8
    assert successes(killed) == successes(reference)
    assert len(successes(reference)) == 32
    assert not (killed / "_tmp").exists()
