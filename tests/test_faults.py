"""Fault injection: the disk filling up during a run, and the output folder removed under a
run. A shard is committed whole or not at all; the run ends with a clear error or a list of
failed shards, never a crash or a shard that looks complete and is not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import uuid

import pyarrow.parquet as pq
import pytest

from img2dataset.job import run
from img2dataset.options import DownloadOptions
from img2dataset.output_store import OutputFolderGone


def options(tmp_path, urls, **extra) -> DownloadOptions:
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    return DownloadOptions.from_arguments(
        {
            "url_list": str(tmp_path / "urls.txt"),
            "output_folder": str(tmp_path / "out"),
            "output_format": "webdataset",
            "allow_private_addresses": True,
            "html_report": False,
            **extra,
        }
    )


def committed_shards_are_whole(output) -> int:
    """Every committed shard's tar reads to the end and holds exactly its successful keys."""
    count = 0
    for stats_path in output.glob("*_stats.json"):
        name = stats_path.name.removesuffix("_stats.json")
        stats = json.loads(stats_path.read_text())
        rows = pq.read_table(output / f"{name}.parquet").to_pylist()
        assert len(rows) == stats["count"]
        with tarfile.open(output / f"{name}.tar") as tar:
            members = {m.name for m in tar.getmembers()}
            for member in tar:
                assert len(tar.extractfile(member).read()) == member.size
        keys = {r["key"] for r in rows if r["status"] == "success"}
        assert {m.rsplit(".", 1)[0] for m in members} == keys
        count += 1
    return count


@pytest.fixture
def small_disk(tmp_path):
    """tmp_path/out on a 3 MiB tmpfs (mount needs root, which the suite runs as)."""
    mount_point = tmp_path / "out"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_fails_shards_cleanly_and_a_rerun_completes(image_server, tmp_path, small_disk):
    # A 1 MiB body and a small image per shard, stored as downloaded: the 3 MiB disk fills
    # after two or three shards.
    urls = [
        u for i in range(8) for u in (image_server.url(f"/big/1?{i}"), image_server.corpus_url(i))
    ]
    run_options = options(
        tmp_path, urls, number_sample_per_shard=2, disable_all_reencoding=True, max_shard_retry=1
    )
    summary = run(run_options)
    assert summary.shards_failed, "the disk never filled: make the shards bigger"
    done = committed_shards_are_whole(small_disk)
    assert done == 8 - len(summary.shards_failed)
    assert not (small_disk / "_tmp").exists() or not any((small_disk / "_tmp").iterdir())

    # More room, same command: only the missing shards are done, and all are whole.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = run(run_options)
    assert again.shards_failed == []
    assert again.shards_done == len(summary.shards_failed)
    assert committed_shards_are_whole(small_disk) == 8


def test_output_folder_removed_mid_run_is_a_clear_error(image_server, tmp_path):
    tag = uuid.uuid4().hex
    urls = [image_server.url(f"/slow/0.5/rgb_64x48.jpg?{tag}-{i}") for i in range(8)]
    # One download in flight: the shards run one after another (no tail to overlap).
    run_options = options(
        tmp_path, urls, number_sample_per_shard=1, processes_count=1, thread_count=1
    )
    output = tmp_path / "out"
    raised: list[BaseException] = []

    def target() -> None:
        try:
            run(run_options)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            raised.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 30
    while not list(output.glob("*_stats.json")):
        assert time.monotonic() < deadline and thread.is_alive(), "no shard was committed"
        time.sleep(0.05)
    shutil.rmtree(output)
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert len(raised) == 1 and isinstance(raised[0], OutputFolderGone), raised
    assert "was removed while the run was writing to it" in str(raised[0])
    assert not output.exists()  # not silently recreated with half the shards


def test_output_folder_turned_read_only_mid_run_is_one_clear_error(
    image_server, tmp_path, small_disk
):
    """Regression: a read-only output raised an uncaught OSError, and the shard retry a
    FileExistsError on its leftover staging folder that hid the cause. Run through the CLI:
    one error line, exit status 2, every committed shard whole."""
    tag = uuid.uuid4().hex
    urls = [image_server.url(f"/slow/0.4/rgb_64x48.jpg?{tag}-{i}") for i in range(10)]
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    command = [
        sys.executable, "-m", "img2dataset", "--url_list", str(tmp_path / "urls.txt"),
        "--output_folder", str(small_disk), "--output_format", "webdataset",
        "--number_sample_per_shard", "1", "--thread_count", "1", "--allow_private_addresses",
        "--run_summary",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not list(small_disk.glob("*_stats.json")):
        assert time.monotonic() < deadline and process.poll() is None, "no shard was committed"
        time.sleep(0.05)
    # A read-only bind mount over the folder: files open for writing stay open, as when a
    # filesystem is remounted read-only under a run.
    subprocess.run(["mount", "--bind", str(small_disk), str(small_disk)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(small_disk)], check=True)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        subprocess.run(["umount", str(small_disk)], check=False)
    assert process.returncode == 2, stderr
    assert (
        stderr.strip().splitlines()
        == [
            f"img2dataset: error: output_folder {small_disk} cannot be written (it is read-only); "
            "nothing more is committed. Make it writable and rerun: incremental mode redoes only "
            "the missing shards."
        ]
        or "Read-only file system" in stderr
    ), stderr
    assert "Traceback" not in stderr and "FileExistsError" not in stderr
    assert 1 <= committed_shards_are_whole(small_disk) < 10


def test_cli_reports_a_removed_output_folder(image_server, tmp_path, capsys, monkeypatch):
    from img2dataset import cli, job

    def removed(_options):
        raise OutputFolderGone("output_folder /x was removed while the run was writing to it")

    monkeypatch.setattr(job, "run", removed)  # the command imports it when the run starts
    assert cli.main(["--url_list", str(tmp_path / "u.txt")]) == 2
    assert "was removed while the run was writing to it" in capsys.readouterr().err
    assert os.path.exists(tmp_path) and not (tmp_path / "x").exists()
