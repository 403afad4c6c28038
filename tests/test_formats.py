"""The engine's own writers against the front's Python ones, byte for byte: the extra columns of
every Arrow type in <key>.json (json.dumps) and in tfrecord Examples (Python protobuf, entry by
entry), and the parquet output's images against the files output's."""

from __future__ import annotations

import datetime
import io
import json
import math

import pyarrow as pa
import pyarrow.parquet as pq

from img2dataset import download
from img2dataset.formats.tfrecord import example_bytes, frame, parse_example, records

EXTRA = [
    "i", "f", "f32", "s", "b", "blob", "li", "lf", "ls", "ll", "le", "ln", "st", "d", "cat",
]  # fmt: skip


def extra_table(url: str, missing: str) -> pa.Table:
    """Two downloadable rows and a 404, with extra columns of every kind the engine writes."""
    return pa.table(
        {
            "url": [url, url, missing],
            "caption": ["a cat", None, "gone"],
            "i": pa.array([1, -(2**40), 3], pa.int64()),
            "f": [0.1, math.nan, 1e20],
            "f32": pa.array([0.1, 2.5, None], pa.float32()),
            "s": ['é "q" \n', None, "x"],
            "b": [True, False, None],
            "blob": pa.array([b"\x00\xff'", b"", None], pa.binary()),
            "li": [[1, 2], [3], None],
            "lf": [[0.25, 0.5], [0.5, None], []],
            "ls": [["a", None], ["ü"], None],
            "ll": [[[0.0, 0.1, 0.2, 0.3]], [], None],
            "le": pa.array([[], [], []], pa.list_(pa.int64())),
            "ln": pa.array([[None], [], None], pa.list_(pa.null())),
            "st": [{"a": 1, "b": "two"}, {"a": None, "b": "x"}, None],
            "d": [datetime.date(2020, 1, 2), None, datetime.date(1999, 12, 31)],
            "cat": pa.array(["red", "blue", "red"]).dictionary_encode(),
        }
    )


def run(image_server, tmp_path, output_format: str):
    path = tmp_path / "input.parquet"
    pq.write_table(
        extra_table(image_server.image_url("rgb_64x48.jpg"), image_server.url("/status/404")),
        path,
    )
    output = tmp_path / output_format
    download(
        url_list=str(path),
        input_format="parquet",
        caption_col="caption",
        save_additional_columns=list(EXTRA),
        output_format=output_format,
        output_folder=str(output),
        image_size=16,
        allow_private_addresses=True,
    )
    return output


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
        if byte < 0x80:
            return value, at


def feature_entries(example: bytes) -> dict[str, bytes]:
    """The entries of a serialized tf.train.Example's feature map: name -> the entry's bytes,
    in the order written. (Python protobuf orders names sharing a prefix longest first, C++
    protobuf shortest first; readers do not depend on it.)"""
    assert example[0] == 0x0A
    length, at = _varint(example, 1)
    assert at + length == len(example)
    entries = {}
    while at < len(example):
        assert example[at] == 0x0A
        length, start = _varint(example, at + 1)
        entry = example[start : start + length]
        name_length, name_start = _varint(entry, 1)
        entries[entry[name_start : name_start + name_length].decode()] = entry
        at = start + length
    return entries


def successes(output) -> list[dict]:
    rows = pq.read_table(output / "00000.parquet").to_pylist()
    assert [row["status"] for row in rows] == ["success", "success", "failed_to_download"]
    return rows[:2]


def test_extra_columns_in_sample_json_as_json_dumps_writes_them(image_server, tmp_path):
    output = run(image_server, tmp_path, "files")
    for row in successes(output):
        text = (output / "00000" / f"{row['key']}.json").read_text()
        assert text == json.dumps(row, indent=4, default=str)


def test_tfrecord_examples_as_python_protobuf_writes_them(image_server, tmp_path):
    output = run(image_server, tmp_path, "tfrecord")
    with open(output / "00000.tfrecord", "rb") as f:
        written = list(records(f))
    # In completion order, as the reference and the tar writer write them.
    by_key = {parse_example(record)["key"][0].decode(): record for record in written}
    rows = successes(output)
    assert sorted(by_key) == [row["key"] for row in rows]
    for row in rows:
        record = by_key[row["key"]]
        image = parse_example(record)["jpg"][0]
        # Dates: their str(), as <key>.json has them (the reference failed the sample).
        meta = {k: str(v) if isinstance(v, datetime.date) else v for k, v in row.items()}
        features = {"key": row["key"].encode(), "jpg": image, "txt": (row["caption"] or "")}
        features["txt"] = features["txt"].encode()
        features.update(meta)
        entries = feature_entries(record)
        assert list(entries) == sorted(entries, key=str.encode)  # C++ protobuf's order
        assert entries == feature_entries(example_bytes(features))
    assert (output / "00000.tfrecord").read_bytes() == b"".join(frame(record) for record in written)


def test_parquet_images_are_the_files_outputs(image_server, tmp_path):
    files = run(image_server, tmp_path, "files")
    parquet = run(image_server, tmp_path, "parquet")
    table = pq.read_table(parquet / "00000.parquet")
    assert table.schema.field("jpg").type == pa.binary()
    assert table.drop_columns(["jpg"]).select(["key", "status", "url"]) == pq.read_table(
        files / "00000.parquet"
    ).select(["key", "status", "url"])
    images = table.column("jpg").to_pylist()
    for key, image in zip(table.column("key").to_pylist()[:2], images[:2], strict=True):
        assert image == (files / "00000" / f"{key}.jpg").read_bytes()
    assert images[2] is None
    assert io.BytesIO(images[0]).getvalue()[:2] == b"\xff\xd8"
