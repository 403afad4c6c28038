"""Stopping a run as a person and a scheduler do: Ctrl-C typed at the real command line in a
pseudo-terminal, SIGTERM sent to the process, a second signal, and Ctrl-C in a Python program
that calls download(). The run must end within seconds, commit nothing half, leave no staging,
say what it committed, and resume when run again."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq

# Three shards of fast images, then shards of requests the server answers after 3 s.
FAST_SHARDS, SLOW_SHARDS, PER_SHARD = 3, 3, 4


def write_urls(image_server, folder: Path) -> Path:
    tag = uuid.uuid4().hex
    fast = [image_server.corpus_url(i) for i in range(FAST_SHARDS * PER_SHARD)]
    slow = [
        image_server.url(f"/slow/3/rgb_64x48.jpg?{tag}-{i}") for i in range(SLOW_SHARDS * PER_SHARD)
    ]
    path = folder / "urls.txt"
    path.write_text("".join(u + "\n" for u in fast + slow))
    return path


def command(urls: Path, output: Path) -> list[str]:
    return [
        sys.executable, "-m", "img2dataset", "--url_list", str(urls),
        "--output_folder", str(output), "--output_format", "webdataset",
        "--number_sample_per_shard", str(PER_SHARD), "--processes_count", "2",
        "--image_size", "32", "--allow_private_addresses",
    ]  # fmt: skip


def distributed_arguments(image_server, folder: Path) -> dict:
    """download() arguments for an interrupted Spark or Ray run: a job (or batch of tasks) per
    shard, so that shards are committed one by one."""
    return {
        "url_list": str(write_urls(image_server, folder)),
        "output_folder": str(folder / "out"),
        "output_format": "webdataset",
        "number_sample_per_shard": PER_SHARD,
        "subjob_size": 1,
        "image_size": 32,
        "allow_private_addresses": True,
        "quiet": True,
    }


def interrupt_distributed_driver(driver: subprocess.Popen, output: Path) -> str:
    """Once the fast shards of `distributed_arguments` are committed, sends the driver SIGINT
    and checks that download() raised KeyboardInterrupt within 10 s (the driver prints
    "caught <time>" and exits 0) and that what was committed is whole. Returns the driver's
    output."""
    wait_for_commits(output, FAST_SHARDS, timeout=120)
    sent = time.monotonic()
    driver.send_signal(signal.SIGINT)
    log, _ = driver.communicate(timeout=120)
    assert driver.returncode == 0, log[-3000:]
    caught = float(log.split("caught ", 1)[1].split()[0])
    assert caught - sent < 10, log[-3000:]
    assert committed_shards_are_whole(output) >= FAST_SHARDS
    return log


def wait_for_commits(output: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(list(output.glob("*_stats.json"))) < count:
        assert time.monotonic() < deadline, "the shards were not committed in time"
        time.sleep(0.02)


def committed_shards_are_whole(output: Path) -> int:
    """Every committed shard: its tar reads to the end and holds exactly its successes."""
    count = 0
    for stats_path in sorted(output.glob("*_stats.json")):
        name = stats_path.name.removesuffix("_stats.json")
        stats = json.loads(stats_path.read_text())
        rows = pq.read_table(output / f"{name}.parquet").to_pylist()
        assert len(rows) == stats["count"] == PER_SHARD
        with tarfile.open(output / f"{name}.tar") as tar:
            keys = {m.name.rsplit(".", 1)[0] for m in tar.getmembers()}
            for member in tar:
                assert len(tar.extractfile(member).read()) == member.size
        assert keys == {r["key"] for r in rows if r["status"] == "success"}
        count += 1
    return count


def read_all(fd: int, timeout: float) -> str:
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def test_ctrl_c_at_the_terminal_stops_at_once_and_the_rerun_resumes(image_server, tmp_path):
    urls, output = write_urls(image_server, tmp_path), tmp_path / "out"
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command line, on the pseudo-terminal as its terminal
        os.execv(sys.executable, command(urls, output))
    try:
        wait_for_commits(output, FAST_SHARDS)
        start = time.monotonic()
        os.write(terminal, b"\x03")  # Ctrl-C: the terminal sends SIGINT to the job
        _, status = os.waitpid(pid, 0)
        elapsed = time.monotonic() - start
    finally:
        printed = read_all(terminal, 2)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 130, printed
    assert elapsed < 5, elapsed
    committed = committed_shards_are_whole(output)
    assert committed >= FAST_SHARDS
    assert f"stopped (SIGINT): {committed} shard(s) committed by this run" in printed
    assert "Rerun the same command to resume" in printed
    for unwanted in ("Traceback", "KeyboardInterrupt", "leaked"):
        assert unwanted not in printed, printed
    assert not (output / "_tmp").exists()

    # The same command again: only the missing shards, and the dataset is complete and whole.
    rerun = subprocess.run(command(urls, output), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert committed_shards_are_whole(output) == FAST_SHARDS + SLOW_SHARDS


def start_committing_run(image_server, folder: Path) -> tuple[subprocess.Popen, Path]:
    """The CLI downloading into `folder`/out, once its fast shards are committed (the slow ones
    are still downloading)."""
    urls, output = write_urls(image_server, folder), folder / "out"
    process = subprocess.Popen(
        command(urls, output), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_commits(output, FAST_SHARDS)
    return process, output


def test_sigterm_stops_with_status_143(image_server, tmp_path):
    process, output = start_committing_run(image_server, tmp_path)
    start = time.monotonic()
    process.send_signal(signal.SIGTERM)  # as kill, Slurm or Kubernetes stop a job
    _, stderr = process.communicate(timeout=60)
    elapsed = time.monotonic() - start
    assert process.returncode == 143, stderr
    assert elapsed < 5, elapsed
    assert "stopped (SIGTERM)" in stderr and "Traceback" not in stderr
    assert committed_shards_are_whole(output) >= FAST_SHARDS
    assert not (output / "_tmp").exists()


def test_a_second_signal_exits_at_once(image_server, tmp_path):
    process, output = start_committing_run(image_server, tmp_path)
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert time.monotonic() - start < 5
    # 130 from the handler, or killed by SIGINT when it came during the interpreter's exit.
    assert process.returncode in (130, -signal.SIGINT)
    committed_shards_are_whole(output)


def test_ctrl_c_in_a_python_program_raises_keyboard_interrupt_promptly(image_server, tmp_path):
    urls, output = write_urls(image_server, tmp_path), tmp_path / "out"
    script = (
        "import sys, time\n"
        "from img2dataset import download\n"
        "try:\n"
        f"    download(url_list={str(urls)!r}, output_folder={str(output)!r},\n"
        f"             number_sample_per_shard={PER_SHARD}, processes_count=2,\n"
        "             output_format='webdataset',\n"
        "             allow_private_addresses=True, image_size=32, quiet=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('caught', time.monotonic(), flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_commits(output, FAST_SHARDS)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    caught = float(stdout.split("caught ", 1)[1])
    assert caught - sent < 5
    assert "stopped (interrupted)" in stderr and "leaked" not in stderr
    assert not (output / "_tmp").exists()
    committed_shards_are_whole(output)
