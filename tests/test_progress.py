"""Console progress: the reference's per-shard lines, a live status (rewritten in place on a
terminal, periodic lines otherwise), and quiet runs."""

from __future__ import annotations

import io
import time

from img2dataset.progress import Progress
from img2dataset.shard_stats import ShardStats
from support.download_run import download_urls


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def counters(samples: int = 400) -> dict:
    return {
        "samples": samples,
        "successes": samples * 3 // 4,
        "bytes_downloaded": 5_000_000,
        "error_classes": {"timeout": 60, "http_404": 30, "dns": 9, "decode": 1},
    }


def test_status_line_has_rates_eta_and_top_error_classes():
    progress = Progress(shard_total=10, sample_total=1000, stream=io.StringIO())
    progress._started = time.time() - 4  # 400 samples in 4 s
    line = progress.status_line(counters())
    assert line.startswith("progress - shards 0/10 - samples 400/1000 - 100/s - success 0.750")
    assert "1.2 MB/s" in line
    assert "ETA 0:00:06" in line
    assert line.endswith("errors: timeout 60, http_404 30, dns 9")


def test_log_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(shard_total=2, sample_total=800, stream=stream, log_interval=0.05)
    progress.start_live(counters)
    time.sleep(0.3)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 2
    assert all(line.startswith("progress - shards 0/2 - samples 400/800") for line in lines)


def test_status_rewritten_in_place_on_a_terminal_and_cleared_for_shard_lines():
    stream = Terminal()
    progress = Progress(shard_total=1, sample_total=400, stream=stream)
    progress.start_live(counters)
    time.sleep(1.3)
    stats = ShardStats(400, 300, 100, 0, 4.0, 1.0, 5.0, {"success": 300}, {"timeout": 100})
    progress.shard_done(0, stats)
    progress.finish()
    text = stream.getvalue()
    assert text.startswith("\r\x1b[Kprogress - shards 0/1")
    assert "\r\x1b[Kshard 0 done (1/1) - success: 0.750" in text
    assert text.endswith("images per sec: 100 - count: 400\n")


def test_quiet_prints_only_the_total(image_server, tmp_path, capsys):
    urls = [image_server.corpus_url(i) for i in range(4)]
    download_urls(tmp_path, urls, number_sample_per_shard=2, quiet=True)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("total   - success: 1.000")


def test_quiet_silences_the_lines_of_a_sample_retry(image_server, tmp_path, capsys):
    urls = [image_server.corpus_url(0), image_server.url("/status/503")]
    download_urls(tmp_path, urls)
    assert "succeeded" in capsys.readouterr().out
    download_urls(tmp_path, urls, retry_failed_samples=True)
    assert "shard 0 retried: 1 of 2 samples now succeed" in capsys.readouterr().out
    download_urls(tmp_path, urls, retry_failed_samples=True, quiet=True)
    assert capsys.readouterr().out == ""  # every shard was committed: no total either


def test_run_prints_a_summary_with_classes_and_hints(image_server, tmp_path, capsys):
    urls = [image_server.corpus_url(0)] + [image_server.url("/status/404")] * 9
    download_urls(tmp_path, urls)
    out = capsys.readouterr().out
    assert "1 shards, 10 samples: 1 succeeded (10.0%), 9 failed to download" in out
    assert "failures by class: http_404 9 (90.0%)" in out
    assert "most failing hosts: 127.0.0.1 (9)" in out
    assert "hint (90% of samples): 9 links are dead or forbidden" in out
