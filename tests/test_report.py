"""The HTML report: written at the end of a run and by `img2dataset report`, rendered by
headless Chromium (Debian's `chromium`): the page loads, its plots are there and every gallery
image decodes. A screenshot is kept in test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from img2dataset.cli import main
from support.download_run import download_urls

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*arguments: str) -> str:
    assert CHROMIUM, "chromium is not installed: scripts/setup.sh installs Debian's chromium"
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # the tests may run as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",  # let the page's load handler run
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def run_with_failures(image_server, tmp_path, output_format: str) -> Path:
    urls = [image_server.corpus_url(i) for i in range(12)]
    urls += [image_server.url("/status/404")] * 6 + [image_server.url("/status/429")] * 5
    return download_urls(
        tmp_path,
        urls,
        output_format=output_format,
        caption_col=None,
        number_sample_per_shard=8,
        image_size=64,
        html_report=True,
    )


@pytest.mark.parametrize("output_format", ["webdataset", "parquet", "files"])
def test_report_renders_with_plots_and_gallery(image_server, tmp_path, output_format):
    output = run_with_failures(image_server, tmp_path, output_format)
    report = output / "report.html"
    assert report.exists()
    html = report.read_text()
    assert "https://" not in html and "http://cdn" not in html  # self-contained
    dom = chromium("--dump-dom", report.as_uri())
    assert dom.count("<svg") == 4  # throughput, error classes, sizes, hosts
    for title in ("Samples done over time", "Failures by error class", "Failures by host"):
        assert title in dom
    images = len(re.findall(r"<img ", dom))
    assert images == 12
    assert f'data-images-loaded="{images}"' in dom  # every gallery image decoded
    assert "HTTP Error 404: Not Found" in dom
    assert "max_requests_per_second_per_host" in dom  # the 429 hint

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / f"report-{output_format}.png"
    screenshot.unlink(missing_ok=True)
    chromium("--window-size=1200,2400", f"--screenshot={screenshot}", report.as_uri())
    assert screenshot.stat().st_size > 20_000


def test_report_command_on_a_default_folder(image_server, tmp_path, capsys):
    urls = [image_server.corpus_url(i) for i in range(3)]
    output = download_urls(tmp_path, urls)
    assert not (output / "report.html").exists()
    assert main(["report", str(output)]) == 0
    assert "report written to" in capsys.readouterr().out
    assert (output / "report.html").stat().st_size > 1000
    assert main(["report", str(tmp_path / "nothing")]) == 1
    assert main(["report"]) == 2
