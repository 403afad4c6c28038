"""Bounded memory and no lost rows under load: decompression bombs stay small and fail clearly;
20,000 URLs over 2,000 host names all land in exactly one shard's metadata."""

from __future__ import annotations

import json
import struct
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from check_no_loss import check  # noqa: E402

from support.download_run import download_in_child  # noqa: E402
from support.stalling_server import StallingServer  # noqa: E402


def png_bomb(side: int) -> bytes:
    """A side x side 1-bit grey PNG of zeros: tens of kB that decode to side**2 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + side // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb_server():
    bomb = png_bomb(20_000)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        # A real server's listen backlog: the default of 5, with 64 connections opened at once
        # (HTTP/1.0, one per image) on a loaded machine, failed one of them in CI.
        request_queue_size = 512

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", len(bomb)
    server.shutdown()


def run_in_child(tmp_path: Path, urls: list[str], **options) -> int:
    """Runs download() of `urls` into tmp_path/out (webdataset) in a child process; returns its
    peak resident set in MiB."""
    (tmp_path / "urls.txt").write_text("".join(u + "\n" for u in urls))
    arguments = {
        "url_list": str(tmp_path / "urls.txt"),
        "output_folder": str(tmp_path / "out"),
        "output_format": "webdataset",
        "allow_private_addresses": True,
        "run_summary": True,
        **options,
    }
    return download_in_child(arguments)


def test_png_bombs_fail_clearly_and_memory_stays_bounded(bomb_server, tmp_path):
    base, size = bomb_server
    assert size < 200_000  # 20000 x 20000 pixels in a small download
    urls = [f"{base}/bomb-{i}.png" for i in range(200)]
    peak_mib = run_in_child(tmp_path, urls, thread_count=64)
    rows = pq.read_table(tmp_path / "out" / "00000.parquet").to_pylist()
    others = [r["error_message"] for r in rows if r["status"] != "failed_to_resize"]
    assert [r["status"] for r in rows] == ["failed_to_resize"] * 200, others
    assert rows[0]["error_message"] == (
        "image of 20000x20000 pixels is above max_image_pixels (100000000)"
    )
    # One decoded bomb alone would be 400 MB (grey) to 1.2 GB (RGB).
    assert peak_mib < 400, f"peak RSS {peak_mib} MiB"


def test_20000_urls_over_2000_hosts_lose_no_row(image_server, dns_server, tmp_path):
    port = image_server.port
    paths = ["/images/rgb_64x48.jpg", "/status/404", "/images/rgb_300x200.png", "/notimage"]
    urls = [f"http://h{i % 2000}.test:{port}{paths[i % 4]}?row={i}" for i in range(20_000)]
    urls += urls[:500]  # repeated rows count too
    run_in_child(
        tmp_path,
        urls,
        number_sample_per_shard=2000,
        processes_count=2,
        thread_count=256,
        disable_all_reencoding=True,
        dns_servers=[dns_server.address],
    )
    problems, rows = check(str(tmp_path / "urls.txt"), str(tmp_path / "out"))
    assert problems == []
    assert rows == 20_500
    summary = json.loads((tmp_path / "out" / "_run_summary.json").read_text())
    assert summary["count"] == 20_500 and summary["shards"] == 11


@pytest.fixture(scope="module")
def stalling_server():
    with StallingServer() as server:
        yield server.port


def test_stalled_servers_keep_memory_bounded(stalling_server, dns_server, tmp_path):
    """100,000 URLs over 5,000 host names whose server never answers: every one times out,
    none is lost, and the process stays within its budget however many rows wait."""
    urls = [f"http://s{i % 5000}.test:{stalling_server}/{i}.jpg" for i in range(100_000)]
    peak_mib = run_in_child(
        tmp_path,
        urls,
        number_sample_per_shard=25_000,
        processes_count=2,
        thread_count=2000,
        timeout=0.5,
        dns_servers=[dns_server.address],
    )
    problems, rows = check(str(tmp_path / "urls.txt"), str(tmp_path / "out"))
    assert problems == [] and rows == 100_000
    summary = json.loads((tmp_path / "out" / "_run_summary.json").read_text())
    # Every row times out; the test DNS server (Python) may drop a few of the 5,000 lookups.
    classes = summary["error_class_dict"]
    assert set(classes) <= {"timeout", "dns"} and classes.get("timeout", 0) >= 99_000
    assert peak_mib < 500, f"peak RSS {peak_mib} MiB"
