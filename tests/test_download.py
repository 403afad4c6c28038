"""End to end: download() against the local image server, outputs read back with independent
readers (tarfile, webdataset, pyarrow, Pillow)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import webdataset as wds
from PIL import Image

from img2dataset import download
from support.download_run import REFERENCE_STATS_KEYS, download_urls, rows_by_url

REFERENCE_METADATA_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("key", pa.string()),
        ("status", pa.string()),
        ("error_message", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("original_width", pa.int32()),
        ("original_height", pa.int32()),
        ("exif", pa.string()),
        ("sha256", pa.string()),
    ]
)


def run(tmp_path: Path, urls: list[str], **options) -> Path:
    return download_urls(tmp_path, urls, **options)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_webdataset_shard_has_success_and_failure_rows(image_server, tmp_path):
    good = [image_server.image_url(n) for n in ("rgb_300x200.jpg", "rgb_200x600.jpg")]
    urls = good + [
        image_server.url("/status/404"),
        image_server.url("/notimage"),
        image_server.url("/noai/rgb_64x48.jpg"),
        image_server.url("/truncated/rgb_1024x768.jpg"),
        "http://127.0.0.1:1/refused.jpg",
        "ftp://127.0.0.1/file.jpg",
    ]
    output = run(tmp_path, urls, output_format="webdataset", thread_count=4)

    assert sorted(os.listdir(output)) == ["00000.parquet", "00000.tar", "00000_stats.json"]
    table = pq.read_table(output / "00000.parquet")
    assert table.schema.remove_metadata().equals(REFERENCE_METADATA_SCHEMA)
    assert table.column("key").to_pylist() == [f"0000{i:05d}" for i in range(len(urls))]
    rows = rows_by_url(output)

    for url in good:
        assert rows[url]["status"] == "success"
        assert rows[url]["error_message"] is None
        assert (rows[url]["width"], rows[url]["height"]) == (256, 256)
    assert rows[urls[0]]["original_width"] == 300 and rows[urls[0]]["original_height"] == 200

    def failure(url: str) -> tuple[str, str]:
        return rows[url]["status"], rows[url]["error_message"]

    assert failure(urls[2]) == ("failed_to_download", "HTTP Error 404: Not Found")
    assert failure(urls[3]) == ("failed_to_resize", "Image decoding error")
    assert failure(urls[4]) == (
        "failed_to_download",
        "Use of image disallowed by X-Robots-Tag directive",
    )
    for url in urls[5:]:
        assert rows[url]["status"] == "failed_to_download"
        assert rows[url]["error_message"]
        assert rows[url]["width"] is None and rows[url]["sha256"] is None

    stats = json.loads((output / "00000_stats.json").read_text())
    assert list(stats) == [
        *REFERENCE_STATS_KEYS,
        "error_class_dict",
        "bytes_downloaded",
        "failures_by_host",
        "size_histogram",
        "error_class_by_message",
    ]
    assert stats["error_class_by_message"]["HTTP Error 404: Not Found"] == "http_404"
    assert stats["error_class_by_message"]["Image decoding error"] == "decode"
    assert (stats["count"], stats["successes"]) == (len(urls), 2)
    assert stats["bytes_downloaded"] > 0
    assert stats["failures_by_host"] == {"127.0.0.1": stats["error_class_dict"]}
    assert sum(stats["size_histogram"].values()) == 2  # the successes (decoded images)
    assert (stats["failed_to_download"], stats["failed_to_resize"]) == (5, 1)
    assert stats["status_dict"]["success"] == 2
    assert stats["status_dict"]["HTTP Error 404: Not Found"] == 1
    assert sum(stats["status_dict"].values()) == len(urls)


def test_additions_to_the_output_are_asked_for(image_server, tmp_path):
    urls = [image_server.image_url("rgb_300x200.jpg"), image_server.url("/status/404")]
    output = run(
        tmp_path,
        urls,
        output_format="webdataset",
        save_error_class=True,
        html_report=True,
        run_summary=True,
    )
    assert sorted(os.listdir(output)) == [
        "00000.parquet",
        "00000.tar",
        "00000_stats.json",
        "_run_summary.json",
        "report.html",
    ]
    table = pq.read_table(output / "00000.parquet")
    assert table.schema.remove_metadata().equals(
        REFERENCE_METADATA_SCHEMA.append(pa.field("error_class", pa.string()))
    )
    assert table.column("error_class").to_pylist() == [None, "http_404"]
    with tarfile.open(output / "00000.tar") as tar:  # <key>.json keeps the reference's keys
        meta = json.loads(tar.extractfile("000000000.json").read())
    assert "error_class" not in meta


def test_end_of_run_summary_names_the_commands_for_the_report(image_server, tmp_path, capsys):
    output = run(tmp_path, [image_server.url("/status/404")], output_format="dummy")
    printed = capsys.readouterr().out
    assert "failures by class: http_404 1 (100.0%)" in printed
    assert f"img2dataset report {output}" in printed
    assert f"img2dataset aggregate {output}" in printed


def test_tar_is_readable_by_tarfile_and_webdataset(image_server, tmp_path):
    urls = [image_server.image_url(n) for n in ("rgb_300x200.jpg", "rgb_300x200.png")]
    urls.append(image_server.url("/status/404"))
    output = run(tmp_path, urls, output_format="webdataset", caption_col="caption")

    with tarfile.open(output / "00000.tar") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        for m in members:
            assert m.isfile() and m.mode == 0o444 and m.uname == "bigdata"
        # Per sample, members in sorted suffix order; failures have none.
        by_key: dict[str, list[str]] = {}
        for name in names:
            key, suffix = name.split(".", 1)
            by_key.setdefault(key, []).append(suffix)
        assert by_key == {"000000000": ["jpg", "json", "txt"], "000000001": ["jpg", "json", "txt"]}
        meta = json.loads(tar.extractfile("000000001.json").read())
        assert tar.extractfile("000000001.txt").read() == b""  # txt input: empty captions

    rows = rows_by_url(output)
    assert meta == rows[urls[1]]
    samples = list(wds.WebDataset(str(output / "00000.tar"), shardshuffle=False))
    assert sorted(s["__key__"] for s in samples) == ["000000000", "000000001"]
    for sample in samples:
        assert decode(sample["jpg"]).size == (256, 256)
        assert json.loads(sample["json"])["key"] == sample["__key__"]


def test_json_file_is_formatted_like_python_json_dumps_indent_4(image_server, tmp_path):
    output = run(tmp_path, [image_server.image_url("rgb_300x200.jpg")], output_format="files")
    text = (output / "00000" / "000000000.json").read_text()
    assert text == json.dumps(json.loads(text), indent=4)
    assert list(json.loads(text)) == [
        "url",
        "key",
        "status",
        "error_message",
        "width",
        "height",
        "original_width",
        "original_height",
        "exif",
        "sha256",
    ]


def test_files_layout_and_key_padding(image_server, tmp_path):
    urls = [image_server.corpus_url(i) for i in range(7)]
    output = run(
        tmp_path, urls, output_format="files", number_sample_per_shard=3, oom_shard_count=3
    )
    assert sorted(os.listdir(output)) == [
        "000",
        "000.parquet",
        "000_stats.json",
        "001",
        "001.parquet",
        "001_stats.json",
        "002",
        "002.parquet",
        "002_stats.json",
    ]
    # ceil(log10(3)) = 1 sample digit + 3 shard digits.
    assert sorted(os.listdir(output / "001")) == [
        "0010.jpg",
        "0010.json",
        "0011.jpg",
        "0011.json",
        "0012.jpg",
        "0012.json",
    ]
    assert pq.read_table(output / "002.parquet").column("key").to_pylist() == ["0020"]
    assert decode((output / "000" / "0000.jpg").read_bytes()).format == "JPEG"


@pytest.mark.parametrize(
    ("resize_mode", "only_if_bigger", "name", "expected"),
    [
        ("border", False, "rgb_200x600.jpg", (256, 256)),
        ("keep_ratio", False, "rgb_389x535.jpg", (256, 352)),
        ("keep_ratio_largest", False, "rgb_389x535.jpg", (186, 256)),
        ("center_crop", False, "rgb_200x600.jpg", (256, 256)),
        ("no", False, "rgb_300x200.jpg", (300, 200)),
        ("border", True, "rgb_64x48.jpg", (64, 48)),
        ("keep_ratio", True, "rgb_1024x768.jpg", (341, 256)),
    ],
)
def test_resize_modes_give_reference_geometry(
    image_server, tmp_path, resize_mode, only_if_bigger, name, expected
):
    output = run(
        tmp_path,
        [image_server.image_url(name)],
        output_format="files",
        resize_mode=resize_mode,
        resize_only_if_bigger=only_if_bigger,
    )
    row = rows_by_url(output)[image_server.image_url(name)]
    assert (row["width"], row["height"]) == expected
    assert decode((output / "00000" / "000000000.jpg").read_bytes()).size == expected


def test_border_mode_pads_with_white(image_server, tmp_path):
    output = run(tmp_path, [image_server.image_url("rgb_200x600.jpg")], output_format="files")
    image = decode((output / "00000" / "000000000.jpg").read_bytes()).convert("RGB")
    assert all(c >= 250 for c in image.getpixel((0, 128)))  # left padding
    assert all(c >= 250 for c in image.getpixel((255, 128)))  # right padding


@pytest.mark.parametrize(("encode_format", "magic"), [("png", b"\x89PNG"), ("webp", b"RIFF")])
def test_encode_format_sets_bytes_and_extension(image_server, tmp_path, encode_format, magic):
    quality = 9 if encode_format == "png" else 80
    output = run(
        tmp_path,
        [image_server.image_url("rgba_256x256.png")],
        output_format="files",
        encode_format=encode_format,
        encode_quality=quality,
    )
    data = (output / "00000" / f"000000000.{encode_format}").read_bytes()
    assert data.startswith(magic)
    image = decode(data).convert("RGB")
    assert image.getpixel((5, 5)) == (255, 255, 255)  # transparent corner flattened onto white


def test_skip_reencode_keeps_downloaded_bytes(image_server, tmp_path):
    fixture = image_server.fixtures["rgb_300x200.jpg"]
    output = run(
        tmp_path,
        [image_server.image_url(fixture.name)],
        output_format="files",
        resize_mode="no",
        skip_reencode=True,
    )
    assert (output / "00000" / "000000000.jpg").read_bytes() == fixture.data


def test_disable_all_reencoding_stores_bytes_without_sizes(image_server, tmp_path):
    fixture = image_server.fixtures["rgb_300x200.png"]
    output = run(
        tmp_path,
        [image_server.image_url(fixture.name)],
        output_format="files",
        disable_all_reencoding=True,
    )
    assert (output / "00000" / "000000000.jpg").read_bytes() == fixture.data
    row = rows_by_url(output)[image_server.image_url(fixture.name)]
    assert row["status"] == "success" and row["width"] is None


def test_filters_reject_with_reference_messages(image_server, tmp_path):
    urls = [image_server.image_url(n) for n in ("rgb_64x48.jpg", "rgb_1024x768.jpg")]
    urls.append(image_server.image_url("rgb_200x600.jpg"))
    output = run(
        tmp_path,
        urls,
        output_format="dummy",
        min_image_size=60,
        max_image_area=500_000,
        max_aspect_ratio=2.5,
    )
    assert sorted(os.listdir(output)) == ["00000_stats.json"]  # dummy: statistics only
    stats = json.loads((output / "00000_stats.json").read_text())
    assert stats["failed_to_resize"] == 3
    assert stats["status_dict"] == {
        "image too small": 1,
        "image area too large": 1,
        "aspect ratio too large": 1,
    }


@pytest.mark.parametrize("algorithm", ["md5", "sha256", "sha512"])
def test_compute_hash_is_digest_of_downloaded_bytes(image_server, tmp_path, algorithm):
    fixture = image_server.fixtures["rgb_300x200.jpg"]
    output = run(tmp_path, [image_server.image_url(fixture.name)], compute_hash=algorithm)
    table = pq.read_table(output / "00000.parquet")
    assert table.column_names[-1] == algorithm
    assert table.column(algorithm)[0].as_py() == hashlib.new(algorithm, fixture.data).hexdigest()


def test_no_hash_and_no_exif_columns_when_disabled(image_server, tmp_path):
    output = run(
        tmp_path,
        [image_server.image_url("rgb_300x200.jpg")],
        compute_hash=None,
        extract_exif=False,
    )
    assert pq.read_table(output / "00000.parquet").column_names[-1] == "original_height"


def test_exif_is_extracted_from_the_original_bytes(image_server, tmp_path):
    urls = [image_server.image_url(n) for n in ("exif_orientation6_320x240.jpg", "rgb_64x48.jpg")]
    rows = rows_by_url(run(tmp_path, urls))
    exif = json.loads(rows[urls[0]]["exif"])
    assert exif["Image Make"] == "TestCam"
    assert "Image Orientation" in exif
    assert rows[urls[1]]["exif"] == "{}"


def test_opt_out_directives_and_user_agent_token(image_server, tmp_path):
    scoped = image_server.url("/robots/img2dataset%3A%20noai/rgb_64x48.jpg")
    other = image_server.url("/robots/otherbot%3A%20noai/rgb_64x48.jpg")
    blocked = image_server.url("/noai/rgb_64x48.jpg")
    rows = rows_by_url(
        run(tmp_path / "a", [scoped, other, blocked], user_agent_token="img2dataset")
    )
    assert [rows[u]["status"] for u in (scoped, other, blocked)] == [
        "failed_to_download",
        "success",
        "failed_to_download",
    ]
    rows = rows_by_url(run(tmp_path / "b", [blocked], disallowed_header_directives=[]))
    assert rows[blocked]["status"] == "success"


def test_retries_recover_transient_failures(image_server, tmp_path):
    recovered = image_server.url("/flaky/retry-a/2/rgb_64x48.jpg")
    rows = rows_by_url(run(tmp_path / "a", [recovered], retries=2))
    assert rows[recovered]["status"] == "success"
    assert image_server.request_count("/flaky/retry-a/2/rgb_64x48.jpg") == 3

    failing = image_server.url("/flaky/retry-b/2/rgb_64x48.jpg")
    rows = rows_by_url(run(tmp_path / "b", [failing], retries=1))
    assert rows[failing]["error_message"].startswith("HTTP Error 503")


def test_permanent_failures_are_not_retried(image_server, tmp_path):
    url = image_server.url("/status/404?retry-test")
    run(tmp_path, [url], retries=3)
    assert image_server.request_count("/status/404?retry-test") == 1


def test_stalled_download_fails_with_timeout(image_server, tmp_path):
    url = image_server.url("/stall/rgb_1024x768.jpg")
    rows = rows_by_url(run(tmp_path, [url, image_server.image_url("rgb_64x48.jpg")], timeout=1))
    assert rows[url]["status"] == "failed_to_download"
    assert "timed out" in rows[url]["error_message"].lower()


def test_slow_drip_is_cut_by_the_total_deadline(image_server, tmp_path):
    url = image_server.url("/drip/rgb_1024x768.jpg")
    rows = rows_by_url(run(tmp_path, [url], timeout=1))
    assert "timed out" in rows[url]["error_message"].lower()


def test_redirects_are_followed(image_server, tmp_path):
    url = image_server.url("/redirect/3/rgb_64x48.jpg")
    assert rows_by_url(run(tmp_path, [url]))[url]["status"] == "success"


def test_incremental_mode_skips_committed_shards(image_server, tmp_path):
    urls = [image_server.url(f"/images/rgb_64x48.jpg?incremental={i}") for i in range(4)]
    output = run(tmp_path, urls, number_sample_per_shard=2)
    os.remove(output / "00001_stats.json")  # as if the run died before committing shard 1
    run(tmp_path, urls, number_sample_per_shard=2)
    assert image_server.request_count("/images/rgb_64x48.jpg?incremental=0") == 1
    assert image_server.request_count("/images/rgb_64x48.jpg?incremental=2") == 2
    assert (output / "00001_stats.json").exists()
    assert not (output / "_tmp").exists()


def test_overwrite_and_extend_modes(image_server, tmp_path):
    urls = [image_server.image_url("rgb_64x48.jpg")] * 3
    output = run(tmp_path, urls, number_sample_per_shard=2)
    (output / "stray.txt").write_text("left from before")
    run(tmp_path, urls, number_sample_per_shard=2, incremental_mode="overwrite")
    assert not (output / "stray.txt").exists()
    assert (output / "00001_stats.json").exists()

    run(tmp_path, urls, number_sample_per_shard=2, incremental_mode="extend")
    assert (output / "00003_stats.json").exists()
    keys = pq.read_table(output / "00002.parquet").column("key").to_pylist()
    assert keys == ["000020", "000021"]


def test_folder_of_txt_gz_inputs_numbers_shards_across_files(image_server, tmp_path):
    import gzip

    folder = tmp_path / "lists"
    folder.mkdir()
    for name, count in (("b.txt.gz", 2), ("a.txt.gz", 3)):
        with gzip.open(folder / name, "wt") as f:
            f.writelines(image_server.corpus_url(i) + "\n" for i in range(count))
    (folder / "ignored.txt").write_text("http://127.0.0.1:1/x\n")
    output = tmp_path / "out"
    download(
        url_list=str(folder),
        output_folder=str(output),
        input_format="txt.gz",
        number_sample_per_shard=2,
        allow_private_addresses=True,
    )
    # a.txt.gz: shards 0, 1 (3 rows); b.txt.gz: shard 2.
    counts = [json.loads((output / f"0000{i}_stats.json").read_text())["count"] for i in range(3)]
    assert counts == [2, 1, 2]


def test_url_with_comma_and_surrounding_spaces_is_downloaded(image_server, tmp_path):
    url = image_server.url("/images/rgb_64x48.jpg?a=1,2")
    rows = rows_by_url(run(tmp_path, ["  " + url + " "]))
    assert rows["  " + url + " "]["status"] == "success"


def test_several_shards_in_parallel(image_server, tmp_path):
    urls = [image_server.corpus_url(i) for i in range(40)]
    output = run(tmp_path, urls, number_sample_per_shard=10, processes_count=3, thread_count=8)
    stats = [json.loads((output / f"0000{i}_stats.json").read_text()) for i in range(4)]
    assert sum(s["successes"] for s in stats) == 40
