"""Output formats read back by independent readers: the parquet output with pyarrow."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
from PIL import Image

from support.download_run import download_urls


def test_parquet_output_holds_metadata_and_images(image_server, tmp_path):
    urls = [
        image_server.image_url("rgb_300x200.jpg"),
        image_server.url("/status/404"),
        image_server.image_url("rgb_64x48.jpg"),
    ]
    output = download_urls(
        tmp_path, urls, output_format="parquet", image_size=32, resize_mode="border"
    )
    assert sorted(p.name for p in output.iterdir()) == ["00000.parquet", "00000_stats.json"]
    table = pq.read_table(output / "00000.parquet")
    # The metadata schema, then the images in a binary column named after encode_format.
    assert table.column_names[:3] == ["url", "key", "status"]
    assert table.column_names[-2:] == ["sha256", "jpg"]
    assert str(table.schema.field("jpg").type) == "binary"
    rows = table.to_pylist()
    assert [row["key"] for row in rows] == ["000000000", "000000001", "000000002"]
    assert [row["status"] for row in rows] == ["success", "failed_to_download", "success"]
    assert rows[1]["jpg"] is None
    for row in (rows[0], rows[2]):
        assert Image.open(io.BytesIO(row["jpg"])).size == (32, 32)


def test_parquet_output_row_groups_bound_memory(image_server, tmp_path, monkeypatch):
    from img2dataset.formats import parquet

    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 2)
    urls = [image_server.image_url("rgb_64x48.jpg")] * 5
    output = download_urls(tmp_path, urls, output_format="parquet", caption_col=None)
    metadata = pq.ParquetFile(output / "00000.parquet").metadata
    assert (metadata.num_rows, metadata.num_row_groups) == (5, 3)


def test_tfrecord_output_read_by_an_independent_reader(image_server, tmp_path):
    import crc32c  # the tfrecord package's dependency, not the writer's google-crc32c
    from tfrecord.reader import tfrecord_loader

    urls = [
        image_server.image_url("rgb_300x200.jpg"),
        image_server.url("/status/404"),
        image_server.image_url("rgb_64x48.jpg"),
    ]
    output = download_urls(
        tmp_path, urls, output_format="tfrecord", image_size=32, compute_hash="md5"
    )
    assert sorted(p.name for p in output.iterdir()) == [
        "00000.parquet",
        "00000.tfrecord",
        "00000_stats.json",
    ]

    # The framing, checked by hand: length, masked CRC32C of it, data, masked CRC32C of it.
    def masked(data: bytes) -> int:
        crc = crc32c.crc32c(data)
        return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

    data = (output / "00000.tfrecord").read_bytes()
    records, offset = 0, 0
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 8], "little")
        assert int.from_bytes(data[offset + 8 : offset + 12], "little") == masked(
            data[offset : offset + 8]
        )
        body = data[offset + 12 : offset + 12 + length]
        end = offset + 12 + length
        assert int.from_bytes(data[end : end + 4], "little") == masked(body)
        offset, records = end + 4, records + 1
    assert records == 2  # successes only

    examples = list(
        tfrecord_loader(
            str(output / "00000.tfrecord"),
            None,
            {
                "key": "byte",
                "jpg": "byte",
                "url": "byte",
                "status": "byte",
                "width": "int",
                "original_width": "int",
                "md5": "byte",
            },
        )
    )
    # Records are in completion order, as in the reference (docs/compatibility.md): by key here.
    examples.sort(key=lambda e: bytes(e["key"]))
    assert [bytes(e["key"]).decode() for e in examples] == ["000000000", "000000002"]
    assert [bytes(e["status"]).decode() for e in examples] == ["success", "success"]
    assert [int(e["width"][0]) for e in examples] == [32, 32]
    assert [int(e["original_width"][0]) for e in examples] == [300, 64]
    for e in examples:
        assert Image.open(io.BytesIO(bytes(e["jpg"]))).size == (32, 32)
        assert len(bytes(e["md5"]).decode()) == 32


def test_tfrecord_feature_types():
    from tfrecord import example_pb2  # the reader package's own copy of tf.train.Example

    from img2dataset.formats.tfrecord import example_bytes

    parsed = example_pb2.Example()
    parsed.ParseFromString(
        example_bytes(
            {
                "int": 3,
                "flag": True,
                "float": 0.5,
                "none": None,
                "text": "é",
                "ints": [1, 2],
                "floats": [0.25, 0.5],
                "strings": ["a", None],
                "boxes": [[0.0, 0.1, 0.2, 0.3]],  # the reference dropped such samples
                "empty": [],
            }
        )
    )
    feature = parsed.features.feature
    assert list(feature["int"].int64_list.value) == [3]
    assert list(feature["flag"].int64_list.value) == [1]
    assert list(feature["float"].float_list.value) == [0.5]
    assert list(feature["none"].bytes_list.value) == [b""]
    assert list(feature["text"].bytes_list.value) == ["é".encode()]
    assert list(feature["ints"].int64_list.value) == [1, 2]
    assert list(feature["floats"].float_list.value) == [0.25, 0.5]
    assert list(feature["strings"].bytes_list.value) == [b"a", b""]
    assert list(feature["boxes"].bytes_list.value) == [b"[[0.0, 0.1, 0.2, 0.3]]"]
    assert list(feature["empty"].bytes_list.value) == [b"[]"]
