"""deduplicate_urls: each URL is downloaded once per run; later rows with it fail as duplicates."""

from __future__ import annotations

import json
import random
import uuid

import numpy as np
import pyarrow.parquet as pq

from img2dataset.url_dedup import SeenUrls
from support.download_run import download_urls


def test_seen_urls_marks_repeats_within_and_across_batches():
    seen = SeenUrls()
    assert seen.mark(["a", "b", "a"]).tolist() == [False, False, True]
    assert seen.mark(["c", "b", None, None]).tolist() == [False, True, False, True]
    assert len(seen) == 4


def test_seen_urls_agrees_with_a_set_over_many_batches():
    rng = random.Random(5)
    seen, reference = SeenUrls(), set()
    for _ in range(300):
        batch = [
            f"http://h{rng.randrange(50)}/{rng.randrange(3000)}" for _ in range(rng.randrange(40))
        ]
        marked = seen.mark(batch).tolist() if batch else []
        expected = []
        for url in batch:
            expected.append(url in reference)
            reference.add(url)
        assert marked == expected
    assert len(seen) == len(reference)
    assert len(seen._levels) <= 2 * np.log2(len(reference)) + 1


def test_duplicate_urls_are_downloaded_once(image_server, tmp_path):
    tag = uuid.uuid4().hex
    paths = [f"/slow/0/rgb_64x48.jpg?{tag}-{name}" for name in ("a", "b", "a", "c", "b")]
    urls = [image_server.url(path) for path in paths]
    output = download_urls(
        tmp_path,
        urls,
        deduplicate_urls=True,
        number_sample_per_shard=2,
        output_format="files",
        save_error_class=True,
    )
    rows = [
        row
        for shard in ("00000", "00001", "00002")
        for row in pq.read_table(output / f"{shard}.parquet").to_pylist()
    ]
    # Keys follow the rows, downloaded or not (one key digit: 2 samples per shard).
    assert [r["key"] for r in rows] == ["000000", "000001", "000010", "000011", "000020"]
    assert [r["status"] for r in rows] == [
        "success",
        "success",
        "failed_to_download",
        "success",
        "failed_to_download",
    ]
    assert [r["error_class"] for r in rows] == [None, None, "duplicate", None, "duplicate"]
    assert [r["url"] for r in rows] == urls
    assert image_server.request_count(paths[0]) == 1
    assert image_server.request_count(paths[1]) == 1
    stats = json.loads((output / "00001_stats.json").read_text())
    assert (stats["count"], stats["failed_to_download"]) == (2, 1)
    assert stats["error_class_dict"] == {"duplicate": 1}
