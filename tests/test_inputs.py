"""Every input_format of the reference end to end, with its columns: url_col, caption_col,
save_additional_columns, verify_hash and bbox_col, into the metadata parquet and <key>.json."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from img2dataset import download

IMAGE = "rgb_300x200.png"


def rows(image_server) -> list[dict]:
    """Three rows: two images with captions and extra columns, one 404."""
    return [
        {"URL": image_server.image_url(IMAGE), "TEXT": "a field", "uid": 11, "score": 0.5},
        {"URL": image_server.image_url("rgb_64x48.jpg"), "TEXT": "1234", "uid": 12, "score": 0.25},
        {"URL": image_server.url("/status/404"), "TEXT": "missing", "uid": 13, "score": 1.0},
    ]


def write_input(folder: Path, fmt: str, records: list[dict]) -> Path:
    """`records` written in `fmt` (plain or .gz) the way users write them."""
    base = fmt.removesuffix(".gz")
    path = folder / f"input.{fmt}"
    if base == "parquet":
        pq.write_table(pa.Table.from_pylist(records), path)
        return path
    text = io.StringIO()
    if base in ("csv", "tsv"):
        writer = csv.DictWriter(
            text, fieldnames=list(records[0]), delimiter="," if base == "csv" else "\t"
        )
        writer.writeheader()
        writer.writerows(records)
    elif base == "jsonl":
        text.write("".join(json.dumps(record) + "\n" for record in records))
    elif base == "json":  # pandas' to_json default: {column: {index: value}}
        text.write(
            json.dumps({k: {str(i): r[k] for i, r in enumerate(records)} for k in records[0]})
        )
    data = text.getvalue().encode()
    path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)
    return path


def run(tmp_path: Path, fmt: str, records: list[dict], **options) -> Path:
    path = write_input(tmp_path, fmt, records)
    output = tmp_path / "out"
    options = {
        "url_list": str(path),
        "output_folder": str(output),
        "input_format": fmt,
        "url_col": "URL",
        "caption_col": "TEXT",
        "output_format": "files",
        "allow_private_addresses": True,
        **options,
    }
    download(**options)
    return output


@pytest.mark.parametrize(
    "fmt", ["csv", "csv.gz", "tsv", "tsv.gz", "json", "json.gz", "jsonl", "jsonl.gz", "parquet"]
)
def test_every_input_format_with_its_columns(image_server, tmp_path, fmt):
    output = run(tmp_path, fmt, rows(image_server), save_additional_columns=["uid", "score"])
    metadata = pq.read_table(output / "00000.parquet")
    assert metadata.column_names[:4] == ["uid", "score", "caption", "url"]
    assert metadata.column_names[4:7] == ["key", "status", "error_message"]
    table = metadata.to_pylist()
    assert [row["status"] for row in table] == ["success", "success", "failed_to_download"]
    assert [row["caption"] for row in table] == ["a field", "1234", "missing"]  # stays a string
    assert [row["uid"] for row in table] == [11, 12, 13]
    assert [row["score"] for row in table] == [0.5, 0.25, 1.0]

    sample = json.loads((output / "00000" / "000000000.json").read_text())
    assert list(sample)[:5] == ["uid", "score", "caption", "url", "key"]
    assert (sample["uid"], sample["score"], sample["caption"]) == (11, 0.5, "a field")
    assert (output / "00000" / "000000001.txt").read_text() == "1234"


def test_sample_json_is_what_json_dumps_writes(image_server, tmp_path):
    records = rows(image_server)[:1]
    records[0]["tags"] = ["red", "ünïcode"]
    output = run(tmp_path, "parquet", records, save_additional_columns=["tags", "uid"])
    text = (output / "00000" / "000000000.json").read_text()
    sample = json.loads(text)
    assert sample["tags"] == ["red", "ünïcode"]
    assert text == json.dumps(sample, indent=4)


def test_verify_hash_column(image_server, tmp_path):
    records = rows(image_server)[:2]
    body = image_server.fixtures[IMAGE].data
    records[0]["sha"] = hashlib.sha256(body).hexdigest()
    records[1]["sha"] = "0" * 64  # wrong
    output = run(tmp_path, "parquet", records, verify_hash=["sha", "sha256"], compute_hash="sha256")
    metadata = pq.read_table(output / "00000.parquet")
    # The verify column, renamed to the hash type, holds the computed hashes at its place.
    assert metadata.column_names[:3] == ["caption", "sha256", "url"]
    assert metadata.column_names.count("sha256") == 1
    table = metadata.to_pylist()
    assert table[0]["status"] == "success"
    assert table[0]["sha256"] == records[0]["sha"]
    assert (table[1]["status"], table[1]["error_message"]) == (
        "failed_to_download",
        "hash mismatch",
    )
    assert table[1]["sha256"] is None


def test_bbox_col_blurs_and_is_saved(image_server, tmp_path):
    records = rows(image_server)[:1] * 2
    records = [dict(records[0], faces=[[0.0, 0.0, 0.4, 1.0]]), dict(records[0], faces=[])]
    output = run(
        tmp_path,
        "parquet",
        records,
        bbox_col="faces",
        resize_mode="no",
        encode_format="png",
        encode_quality=1,
    )
    metadata = pq.read_table(output / "00000.parquet")
    assert metadata.column_names[0] == "faces"
    assert metadata.column("faces").to_pylist() == [[[0.0, 0.0, 0.4, 1.0]], []]
    source = np.asarray(Image.open(io.BytesIO(image_server.fixtures[IMAGE].data)).convert("RGB"))

    def stored(key: str) -> np.ndarray:
        return np.asarray(Image.open(output / "00000" / f"{key}.png").convert("RGB"))

    blurred, untouched = stored("000000000"), stored("000000001")
    assert np.abs(blurred[:, :100].astype(int) - source[:, :100]).mean() > 1.0
    assert np.array_equal(blurred[:, 220:], source[:, 220:])
    assert np.array_equal(untouched, source)
    assert json.loads((output / "00000" / "000000000.json").read_text())["faces"] == [
        [0.0, 0.0, 0.4, 1.0]
    ]


def test_json_shapes_pandas_reads(image_server, tmp_path):
    records = rows(image_server)[:2]
    for shape, document in {
        "records": records,
        "columns-as-lists": {k: [r[k] for r in records] for k in records[0]},
    }.items():
        folder = tmp_path / shape
        folder.mkdir()
        (folder / "input.json").write_text(json.dumps(document))
        download(
            url_list=str(folder / "input.json"),
            output_folder=str(folder / "out"),
            input_format="json",
            url_col="URL",
            caption_col="TEXT",
            output_format="files",
            allow_private_addresses=True,
        )
        statuses = pq.read_table(folder / "out" / "00000.parquet").column("status").to_pylist()
        assert statuses == ["success", "success"], shape


def test_folder_of_inputs_and_shards_across_them(image_server, tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    records = rows(image_server)
    pq.write_table(pa.Table.from_pylist(records[:2]), folder / "a.parquet")
    pq.write_table(pa.Table.from_pylist(records[2:]), folder / "b.parquet")
    (folder / "ignored.csv").write_text("URL\nhttp://127.0.0.1:1/x\n")
    download(
        url_list=str(folder),
        output_folder=str(tmp_path / "out"),
        input_format="parquet",
        url_col="URL",
        output_format="dummy",
        number_sample_per_shard=1,
        allow_private_addresses=True,
    )
    stats = sorted(p.name for p in (tmp_path / "out").glob("*_stats.json"))
    assert stats == ["00000_stats.json", "00001_stats.json", "00002_stats.json"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_missing_column_fails_before_any_download(image_server, tmp_path, fmt):
    path = write_input(tmp_path, fmt, rows(image_server))
    with pytest.raises(ValueError, match=r"column 'caption' \(caption_col\) not found in .*URL"):
        download(
            url_list=str(path),
            output_folder=str(tmp_path / "out"),
            input_format=fmt,
            url_col="URL",
            caption_col="caption",
            allow_private_addresses=True,
        )
    assert not list((tmp_path / "out").glob("*_stats.json"))


def test_bad_inputs_are_clear_errors(tmp_path):
    def attempt(name: str, data: bytes, fmt: str) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError) as raised:
            download(
                url_list=str(path),
                output_folder=str(tmp_path / f"out-{name}"),
                input_format=fmt,
                allow_private_addresses=True,
            )
        return str(raised.value)

    assert "is empty" in attempt("empty.csv", b"", "csv")
    assert "cannot read" in attempt("broken.jsonl", b'{"url": "http://a/1"}\n{"url": \n', "jsonl")
    assert "list of objects" in attempt("scalar.json", b"42", "json")
    assert "cannot read" in attempt("ragged.csv", b"url,b\nhttp://a/1,1,2\n", "csv")


@pytest.mark.parametrize(
    ("name", "data", "fmt", "where"),
    [
        # Regressions: these errors did not say which file they were about.
        ("header.csv", b"url,caption\nhttp://a/\xff.jpg,x\n", "csv", " (line 2, byte 21)"),
        (
            "late.txt",
            b"http://a/1\n" * 5000 + b"http://a/\xff\n",
            "txt",
            " (line 5001, byte 55009)",
        ),
        ("text.parquet", b"url\nhttp://a/1\n", "parquet", ""),
        ("plain.txt.gz", b"http://a/1\n", "txt.gz", ""),
    ],
)
def test_every_input_error_names_the_file(tmp_path, name, data, fmt, where):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError) as raised:
        download(url_list=str(path), output_folder=str(tmp_path / "out"), input_format=fmt)
    assert str(raised.value).startswith(f"cannot read {path} as {fmt}{where}: ")
    assert not (tmp_path / "out").exists()


def test_non_utf8_url_is_a_failed_row_not_a_crash(tmp_path):
    (tmp_path / "latin1.jsonl").write_bytes(b'{"url": "http://a/\xe9"}\n{"url": "http://a/b"}\n')
    download(
        url_list=str(tmp_path / "latin1.jsonl"),
        output_folder=str(tmp_path / "out"),
        input_format="jsonl",
        output_format="files",
    )
    statuses = pq.read_table(tmp_path / "out" / "00000.parquet").column("status").to_pylist()
    assert statuses == ["failed_to_download", "failed_to_download"]


@pytest.mark.parametrize("fmt", ["txt", "txt.gz", "csv", "jsonl.gz", "json", "parquet"])
def test_files_are_read_a_shard_at_a_time(tmp_path, fmt):
    from img2dataset.input_reader import iter_input_tables
    from img2dataset.options import DownloadOptions

    urls = [f"http://example.test/{i}.jpg" for i in range(25)]
    path = tmp_path / f"in.{fmt}"
    base = fmt.removesuffix(".gz")
    if base == "parquet":
        pq.write_table(pa.table({"url": urls}), path, row_group_size=7)
    else:
        if base == "txt":
            text = "".join(u + "\n" for u in urls)
        elif base == "csv":
            text = "url\n" + "".join(u + "\n" for u in urls)
        elif base == "jsonl":
            text = "".join(json.dumps({"url": u}) + "\n" for u in urls)
        else:
            text = json.dumps([{"url": u} for u in urls])
        path.write_bytes(gzip.compress(text.encode()) if fmt.endswith(".gz") else text.encode())
    options = DownloadOptions.from_arguments({"url_list": str(path), "input_format": fmt})
    tables = list(iter_input_tables(str(path), options.input, 10, {}))
    assert [t.num_rows for t in tables] == [10, 10, 5]
    assert [u for t in tables for u in t.column("url").to_pylist()] == urls


def test_shards_can_span_input_files(image_server, tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    url = image_server.image_url("rgb_64x48.jpg")
    for i in range(5):  # five files of 3 rows
        pq.write_table(
            pa.table({"url": [f"{url}?{i}-{j}" for j in range(3)]}), folder / f"{i}.parquet"
        )
    common = {
        "url_list": str(folder),
        "input_format": "parquet",
        "output_format": "files",
        "number_sample_per_shard": 4,
        "allow_private_addresses": True,
    }
    download(output_folder=str(tmp_path / "per-file"), **common)
    download(output_folder=str(tmp_path / "spanning"), shards_span_input_files=True, **common)
    per_file = sorted(p.name for p in (tmp_path / "per-file").glob("*_stats.json"))
    spanning = sorted(p.name for p in (tmp_path / "spanning").glob("*_stats.json"))
    assert len(per_file) == 5  # one short shard per file, as the reference numbers them
    assert spanning == [
        "00000_stats.json",
        "00001_stats.json",
        "00002_stats.json",
        "00003_stats.json",
    ]
    counts = [json.loads((tmp_path / "spanning" / name).read_text())["count"] for name in spanning]
    assert counts == [4, 4, 4, 3]
    urls = [
        u
        for name in spanning
        for u in pq.read_table(tmp_path / "spanning" / name.replace("_stats.json", ".parquet"))
        .column("url")
        .to_pylist()
    ]
    assert urls == [f"{url}?{i}-{j}" for i in range(5) for j in range(3)]


def test_malformed_line_deep_in_a_file_fails_before_any_download(image_server, tmp_path):
    url = image_server.image_url("rgb_64x48.jpg") + "?malformed-"
    good = "".join(json.dumps({"url": f"{url}{i}"}) + "\n" for i in range(30))
    (tmp_path / "in.jsonl").write_text(good + '{"url": "http://x/1"\n')  # last line cut short
    with pytest.raises(ValueError, match="cannot read .*in.jsonl"):
        download(
            url_list=str(tmp_path / "in.jsonl"),
            output_folder=str(tmp_path / "out"),
            input_format="jsonl",
            number_sample_per_shard=10,
            allow_private_addresses=True,
        )
    assert not (tmp_path / "out").exists()
    assert image_server.request_count("/images/rgb_64x48.jpg?malformed-0") == 0


def test_progress_counts_the_shards_to_do(image_server, tmp_path, capsys):
    url = image_server.image_url("rgb_64x48.jpg")
    (tmp_path / "in.txt").write_text("".join(f"{url}?{i}\n" for i in range(5)))
    download(
        url_list=str(tmp_path / "in.txt"),
        output_folder=str(tmp_path / "out"),
        number_sample_per_shard=2,
        processes_count=1,
        allow_private_addresses=True,
    )
    assert "(3/3)" in capsys.readouterr().out


def planned(path: Path, **arguments) -> list[pa.Table]:
    from img2dataset.options import DownloadOptions
    from img2dataset.planner import plan_shards, scan_inputs

    options = DownloadOptions.from_arguments({"url_list": str(path), **arguments})
    return [shard.table for shard in plan_shards(options, scan_inputs(options), 0, set())]


def test_csv_column_types_are_settled_over_the_whole_file(tmp_path):
    # Arrow reads a csv a block (about 1 MiB) at a time and would type each block on its own:
    # `extra` is empty for the first 150,000 rows, `score` turns decimal on the last row.
    count = 150_000
    lines = [f"http://e.test/{i}.jpg,,{i},{'True' if i % 2 else 'False'}\n" for i in range(count)]
    lines[-1] = f"http://e.test/{count - 1}.jpg,hello,2.5,True\n"
    path = tmp_path / "in.csv"
    path.write_text("url,extra,score,flag\n" + "".join(lines))
    tables = planned(
        path,
        input_format="csv",
        save_additional_columns=["extra", "score", "flag"],
        number_sample_per_shard=50_000,
    )
    assert [t.num_rows for t in tables] == [50_000] * 3
    for table in tables:  # one schema for every shard
        assert table.schema.field("extra").type == pa.string()
        assert table.schema.field("score").type == pa.float64()
        assert table.schema.field("flag").type == pa.bool_()
    assert tables[0].column("score")[:3].to_pylist() == [0.0, 1.0, 2.0]
    assert tables[0].column("flag")[:2].to_pylist() == [False, True]
    assert tables[0].column("extra")[0].as_py() is None
    assert tables[-1].slice(49_999).to_pylist()[0] == {
        "extra": "hello",
        "score": 2.5,
        "flag": True,
        "url": f"http://e.test/{count - 1}.jpg",
    }


def test_json_list_is_streamed_and_typed_over_all_records(tmp_path):
    records = [{"url": f"http://e.test/{i}.jpg", "n": i} for i in range(25)]
    records[24]["n"] = "twenty-four"  # a number column that turns out to hold text
    for record in records[12:]:
        record["NSFW"] = "UNLIKELY"  # a key the first records lack
    path = tmp_path / "in.json"
    path.write_text(json.dumps(records, indent=1))
    tables = planned(
        path, input_format="json", save_additional_columns=["NSFW", "n"], number_sample_per_shard=10
    )
    assert [t.num_rows for t in tables] == [10, 10, 5]
    assert {t.schema for t in tables} == {
        pa.schema([("NSFW", pa.string()), ("n", pa.string()), ("url", pa.string())])
    }
    rows = [row for t in tables for row in t.to_pylist()]
    assert [r["n"] for r in rows] == [str(i) for i in range(24)] + ["twenty-four"]
    assert [r["NSFW"] for r in rows] == [None] * 12 + ["UNLIKELY"] * 13


def test_json_key_that_no_record_has_is_a_missing_column(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps([{"url": "http://e.test/1.jpg"}]))
    with pytest.raises(ValueError, match=r"column 'TEXT' \(caption_col\) not found"):
        planned(path, input_format="json", caption_col="TEXT")


def test_nested_and_plain_values_in_one_column_are_an_error(tmp_path):
    records = [{"url": "http://e.test/1.jpg", "box": [[0, 0, 1, 1]]}] * 3
    records.append({"url": "http://e.test/2.jpg", "box": "none"})
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ValueError, match="'box'"):
        planned(
            path, input_format="jsonl", save_additional_columns=["box"], number_sample_per_shard=3
        )


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_rows_of_several_megabytes_are_read(tmp_path, fmt):
    """Regression: a row above pyarrow's 1 MiB block (a long caption) failed the whole job with
    "straddling object straddles two block boundaries"."""
    big = "x" * 3_000_000
    rows = [("http://a/1.jpg", "small"), ("http://a/2.jpg", big), ("http://a/3.jpg", "s")]
    path = tmp_path / f"input.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps({"url": u, "text": t}) + "\n" for u, t in rows))
    else:
        sep = "," if fmt == "csv" else "\t"
        path.write_text(f"url{sep}text\n" + "".join(f"{u}{sep}{t}\n" for u, t in rows))
    download(
        url_list=str(path),
        input_format=fmt,
        caption_col="text",
        output_folder=str(tmp_path / "out"),
        output_format="dummy" if fmt == "tsv" else "parquet",
        timeout=1,
    )
    stats = json.loads((tmp_path / "out" / "00000_stats.json").read_text())
    assert stats["count"] == 3
    if fmt != "tsv":
        table = pq.read_table(tmp_path / "out" / "00000.parquet")
        assert [len(c) for c in table.column("caption").to_pylist()] == [5, 3_000_000, 1]


def test_a_csv_row_above_the_limit_is_a_clear_error(tmp_path, monkeypatch):
    """pyarrow's csv parser cannot set such a row apart from its neighbours: the whole file
    is refused, before any download, naming it."""
    from img2dataset import input_reader

    monkeypatch.setattr(input_reader, "MAX_ROW_BYTES", 2 << 20)
    path = tmp_path / "input.csv"
    path.write_text("url\nhttp://a/1\n" + "x" * 5_000_000 + "\n")
    with pytest.raises(ValueError, match="a row is larger than 2 MiB, the largest row"):
        download(url_list=str(path), input_format="csv", output_folder=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("distributed_spool", [False, True])
def test_a_jsonl_line_above_the_limit_fails_alone(
    image_server, tmp_path, monkeypatch, distributed_spool
):
    from img2dataset import input_reader

    monkeypatch.setattr(input_reader, "MAX_ROW_BYTES", 2 << 20)
    good = image_server.image_url("rgb_64x48.jpg")
    lines = [
        json.dumps({"url": good, "text": "first"}),
        json.dumps({"url": good, "text": "x" * 5_000_000}),
        json.dumps({"url": good, "text": "third"}),
    ]
    path = tmp_path / "input.jsonl"
    path.write_text("\n".join(lines) + "\n")
    if distributed_spool:  # the shard as a Spark or Ray task reads it back
        from img2dataset.distributors.shard_spool import ShardSpool, read_shard
        from img2dataset.options import DownloadOptions
        from img2dataset.planner import plan_shards, scan_inputs

        options = DownloadOptions.from_arguments(
            {"url_list": str(path), "input_format": "jsonl", "caption_col": "text"}
        )
        (shard,) = plan_shards(options, scan_inputs(options), 0, set())
        spool = ShardSpool(str(tmp_path / "spool"))
        assert read_shard(0, spool.write(shard)).failures == shard.failures
        return
    download(
        url_list=str(path),
        input_format="jsonl",
        caption_col="text",
        output_folder=str(tmp_path / "out"),
        allow_private_addresses=True,
        save_error_class=True,
    )
    rows = pq.read_table(tmp_path / "out" / "00000.parquet").to_pylist()
    assert [r["status"] for r in rows] == ["success", "failed_to_download", "success"]
    assert rows[1]["error_class"] == "invalid_input"
    assert rows[1]["error_message"] == (f"input row too large: line 2 of {path} is over 2 MiB")
    assert [r["caption"] for r in rows] == ["first", None, "third"]
