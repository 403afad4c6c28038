"""A shard's tail lends its idle downloads to the next shard (engine/shard_gate.h,
distributors/local.py): with processes_count=1, the next shard starts while the last
downloads of the one before are still in flight, and the engine as a whole never has more in
flight than thread_count."""

from __future__ import annotations

import json

from support.download_run import download_urls

SHARD = 4


def shard_stats(output, shard_id: int) -> dict:
    return json.loads((output / f"{shard_id:05d}_stats.json").read_text())


def test_the_next_shard_runs_while_the_one_before_waits_for_its_slowest_download(
    image_server, tmp_path
):
    quick = [image_server.url(f"/images/rgb_64x48.jpg?n={i}") for i in range(3 * SHARD)]
    # The first shard's first URL answers after 3 s; the other shards are quick.
    urls = [image_server.url("/slow/3/rgb_64x48.jpg"), *quick[: SHARD - 1], *quick[SHARD:]]
    output = download_urls(
        tmp_path,
        urls,
        number_sample_per_shard=SHARD,
        processes_count=1,
        thread_count=SHARD,
        output_format="files",
    )
    stats = [shard_stats(output, shard_id) for shard_id in range(3)]
    assert [s["successes"] for s in stats] == [SHARD] * 3
    # Shards 1 and 2 were done while shard 0 still waited: one after another they would have
    # started only once it was committed.
    assert stats[1]["end_time"] < stats[0]["end_time"]
    assert stats[2]["end_time"] < stats[0]["end_time"]


def test_tails_never_take_the_engine_past_thread_count_in_flight(image_server, tmp_path):
    image_server.reset_counts()  # the server is shared: its peak starts from this test
    urls = [image_server.url(f"/slow/0.3/rgb_64x48.jpg?n={i}") for i in range(6 * SHARD)]
    output = download_urls(
        tmp_path,
        urls,
        number_sample_per_shard=SHARD,
        processes_count=1,
        thread_count=SHARD,
        output_format="files",
    )
    stats = [shard_stats(output, shard_id) for shard_id in range(6)]
    assert sum(s["successes"] for s in stats) == 6 * SHARD
    assert image_server.max_concurrent("slow") == SHARD
    image_server.reset_counts()
    # A shard's time starts when its turn came, not when it was opened (five of them at once):
    # with 4 downloads of 0.3 s at a time, the last shard's turn came four rounds after the
    # first's (measured: 1.2 to 1.5 s).
    starts = sorted(s["start_time"] for s in stats)
    assert starts[-1] - starts[0] >= 0.9
