"""retry_failed_samples: the failed samples of committed shards are downloaded again, with their
original keys, and merged into every file of their shard."""

from __future__ import annotations

import io
import json
import tarfile
import uuid

import pyarrow.parquet as pq
import pytest
from PIL import Image

from support.download_run import download_urls


def shard_urls(image_server) -> list[str]:
    """Two flaky images (503 once, then fine), a 404 and two good images, in one shard."""
    tag = uuid.uuid4().hex  # fresh flaky counters for each test
    return [
        image_server.image_url("rgb_64x48.jpg"),
        image_server.url(f"/flaky/{tag}-a/1/rgb_64x48.jpg"),
        image_server.url("/status/404"),
        image_server.url(f"/flaky/{tag}-b/1/rgb_300x200.jpg"),
        image_server.image_url("rgb_300x200.jpg"),
    ]


def metadata(output, name="00000"):
    return pq.read_table(output / f"{name}.parquet").to_pylist()


@pytest.mark.parametrize("output_format", ["files", "webdataset", "parquet", "tfrecord"])
def test_failed_samples_are_recovered_into_their_shard(image_server, tmp_path, output_format):
    urls = shard_urls(image_server)
    options = {"output_format": output_format, "retries": 0, "image_size": 32}
    output = download_urls(tmp_path, urls, **options)
    first = metadata(output)
    assert [r["status"] for r in first] == [
        "success",
        "failed_to_download",
        "failed_to_download",
        "failed_to_download",
        "success",
    ]

    # Only 5xx: the 404 stays as it is.
    download_urls(tmp_path, urls, retry_failed_samples=["http_5xx"], **options)
    rows = metadata(output)
    assert [r["key"] for r in rows] == [f"00000000{i}" for i in range(5)]
    assert [r["status"] for r in rows] == [
        "success",
        "success",
        "failed_to_download",
        "success",
        "success",
    ]
    assert [r["url"] for r in rows] == urls
    assert "error_class" not in rows[0]  # classes came from the stats file
    stats = json.loads((output / "00000_stats.json").read_text())
    assert stats["error_class_by_message"] == {"HTTP Error 404: Not Found": "http_404"}
    assert (stats["count"], stats["successes"], stats["failed_to_download"]) == (5, 4, 1)
    assert stats["status_dict"] == {"success": 4, "HTTP Error 404: Not Found": 1}

    success_keys = {"000000000", "000000001", "000000003", "000000004"}
    if output_format == "files":
        names = {p.name for p in (output / "00000").iterdir()}
        assert {f"{k}.jpg" for k in success_keys} | {f"{k}.json" for k in success_keys} == names
    elif output_format == "webdataset":
        with tarfile.open(output / "00000.tar") as tar:
            members = tar.getnames()
            for key in success_keys:
                image = tar.extractfile(f"{key}.jpg").read()
                assert Image.open(io.BytesIO(image)).size == (32, 32)
        assert sorted(members) == sorted(
            [f"{k}.jpg" for k in success_keys] + [f"{k}.json" for k in success_keys]
        )
    elif output_format == "parquet":
        images = {r["key"]: r["jpg"] for r in rows}
        assert {k for k, v in images.items() if v is not None} == success_keys
        assert Image.open(io.BytesIO(images["000000003"])).size == (32, 32)
    else:
        from tfrecord.reader import tfrecord_loader

        records = list(tfrecord_loader(str(output / "00000.tfrecord"), None, {"key": "byte"}))
        assert sorted(bytes(r["key"]).decode() for r in records) == sorted(success_keys)

    # A second retry finds nothing selected to do and changes nothing.
    before = (output / "00000_stats.json").read_text()
    download_urls(tmp_path, urls, retry_failed_samples=["timeout"], **options)
    assert (output / "00000_stats.json").read_text() == before


def test_retry_by_class_reads_the_error_class_column_when_saved(image_server, tmp_path):
    urls = shard_urls(image_server)
    options = {"output_format": "webdataset", "image_size": 32, "save_error_class": True}
    output = download_urls(tmp_path, urls, **options)
    assert [r["error_class"] for r in metadata(output)] == [None, "http_503", "http_404"] + [
        "http_503",
        None,
    ]
    download_urls(tmp_path, urls, retry_failed_samples=["http_503"], **options)
    assert [r["error_class"] for r in metadata(output)] == [None, None, "http_404", None, None]


def test_a_shard_without_error_classes_is_retried_only_whole(image_server, tmp_path, capsys):
    """A folder written by another tool (here: stats without error_class_by_message, metadata
    without error_class): retrying some classes cannot choose rows; retrying all can."""
    urls = shard_urls(image_server)
    options = {"output_format": "webdataset", "image_size": 32}
    output = download_urls(tmp_path, urls, **options)
    stats_path = output / "00000_stats.json"
    stats = json.loads(stats_path.read_text())
    del stats["error_class_by_message"]
    stats_path.write_text(json.dumps(stats, indent=4))

    download_urls(tmp_path, urls, retry_failed_samples=["http_5xx"], **options)
    assert "shard 00000: skipped by retry_failed_samples" in capsys.readouterr().out
    assert [r["status"] for r in metadata(output)].count("success") == 2

    download_urls(tmp_path, urls, retry_failed_samples=True, **options)
    assert [r["status"] for r in metadata(output)].count("success") == 4


def test_retry_options_are_validated(tmp_path):
    from img2dataset import download

    (tmp_path / "u.txt").write_text("http://127.0.0.1:1/x\n")
    common = {"url_list": str(tmp_path / "u.txt"), "output_folder": str(tmp_path / "o")}
    with pytest.raises(TypeError, match="retry_failed_samples must be True, False or a list"):
        download(retry_failed_samples="http_5xx", **common)
    with pytest.raises(ValueError, match="not with dummy"):
        download(retry_failed_samples=True, output_format="dummy", **common)


def test_cli_spellings_of_the_option():
    from img2dataset.cli import parse_arguments

    assert (
        parse_arguments(["--url_list=u", "--retry_failed_samples"])["retry_failed_samples"] is True
    )
    parsed = parse_arguments(["--url_list=u", '--retry_failed_samples=["http_5xx", "dns"]'])
    assert parsed["retry_failed_samples"] == ["http_5xx", "dns"]


def test_error_class_families():
    from img2dataset.sample_retry import class_matcher

    matches = class_matcher(["http_5xx", "timeout"])
    assert [matches(c) for c in ["http_503", "http_500", "timeout", "http_404", "dns", None]] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert class_matcher(True)("http_404") and not class_matcher(True)(None)
