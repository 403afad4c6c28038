"""Politeness that adapts per host, on loopback (host_scheduler.h, docs/network.md): a host that
answers 503 is given half as many downloads each round, and paused between rounds, while a
healthy host, in the same run, is given more and more at once, past where it started."""

from __future__ import annotations

import pytest

from support.download_run import download_urls, rows_by_url
from support.image_server import ImageServer

INITIAL_WINDOW = 8  # HostPolicy.initial_connections_per_host


@pytest.fixture
def unavailable_server():
    """A second server, on another loopback address: another host for the engine."""
    with ImageServer(host="127.0.0.2") as server:
        yield server


def bursts(times: list[float], gap: float = 0.5) -> list[int]:
    """The sizes of the groups of request arrivals separated by more than `gap` seconds."""
    sizes: list[int] = []
    previous = None
    for when in times:
        if previous is None or when - previous > gap:
            sizes.append(0)
        sizes[-1] += 1
        previous = when
    return sizes


def test_an_unavailable_host_is_slowed_and_a_healthy_one_grown(
    image_server, unavailable_server, tmp_path
):
    image_server.reset_counts()  # the server is shared: its peaks start from this test
    healthy = [image_server.url(f"/slow/0.3/rgb_64x48.jpg?n={i}") for i in range(120)]
    unavailable = [unavailable_server.url(f"/status/503?n={i}") for i in range(40)]
    # The 503s pause their host 1 s, then 2 s, then 4 s: the rows still queued for it when the
    # shard watchdog fires at 5 s fail as timeouts.
    rows = rows_by_url(
        download_urls(
            tmp_path,
            [
                url
                for pair in zip(healthy, unavailable + [""] * 80, strict=True)
                for url in pair
                if url
            ],
            output_format="files",
            save_error_class=True,
            shard_timeout=5,
        )
    )
    assert all(rows[url]["status"] == "success" for url in healthy)
    # Healthy: its window grew past where it started (8, 16, 32, ... in flight as rounds end).
    assert image_server.max_concurrent("slow") >= 4 * INITIAL_WINDOW
    image_server.reset_counts()
    # Unavailable: each round half the last, a pause between rounds.
    assert bursts(unavailable_server.request_times("status")) == [8, 4, 2]
    failed = [rows[url]["error_class"] for url in unavailable]
    assert failed.count("http_503") == 14 and failed.count("timeout") == 26
