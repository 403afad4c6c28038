"""The reference's public modules (img2dataset.resizer, .downloader, .writer, .reader, .logger,
.distributor) on their own: what they refuse and how they fail. Their agreement with the
reference itself is tests/test_reference_modules.py."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from img2dataset import _engine
from img2dataset.downloader import Downloader, compute_key, download_image, is_disallowed
from img2dataset.logger import CappedCounter, write_stats
from img2dataset.reader import Reader
from img2dataset.resizer import ResizeMode, Resizer
from img2dataset.writer import TFRecordSampleWriter, WebDatasetSampleWriter
from support.download_run import REFERENCE_STATS_KEYS


def test_resizer_validates_with_the_reference_messages():
    with pytest.raises(ValueError, match="^Invalid option for resize_mode: stretch"):
        Resizer(256, "stretch", False)
    with pytest.raises(ValueError, match="^Invalid encode format gif"):
        Resizer(256, "border", False, encode_format="gif")
    with pytest.raises(ValueError, match="^Invalid option for interpolation: bogus"):
        Resizer(256, "border", False, upscale_interpolation="BOGUS")
    with pytest.raises(ValueError, match="compression whichmust be between 0 and 9, got 12"):
        Resizer(256, "border", False, encode_format="png", encode_quality=12)


def test_resizer_takes_bytes_streams_and_the_resize_mode_enum(image_server):
    data = image_server.fixtures["rgb_389x535.jpg"].data
    resizer = Resizer(100, ResizeMode.keep_ratio, False)
    from_bytes = resizer(data)
    stream = io.BytesIO(data)
    stream.read()  # the reference seeks to the start: so does this one
    from_stream = resizer(stream)
    assert from_bytes[1:] == from_stream[1:] == (100, 138, 389, 535, None)
    assert Image.open(io.BytesIO(from_bytes[0])).size == (100, 138)


def test_resizer_without_blurrer_refuses_boxes_after_decoding():
    resizer = Resizer(64, "border", False)
    assert resizer(b"not an image", [[0, 0, 1, 1]])[5] == "Image decoding error"


def test_resizer_travels_pickled(image_server):
    import pickle

    resizer = pickle.loads(pickle.dumps(Resizer(32, "border", False)))
    assert resizer(image_server.fixtures["rgb_300x200.jpg"].data)[1:3] == (32, 32)


def test_download_image_refuses_loopback_unless_allowed(image_server):
    url = image_server.image_url("rgb_64x48.jpg")
    key, stream, error = download_image(("k", url), 5, None, None)
    assert (key, stream) == ("k", None)
    assert "set allow_private_addresses=True" in error
    key, stream, error = download_image(("k", url), 5, None, None, allow_private_addresses=True)
    assert error is None and stream.read() == image_server.fixtures["rgb_64x48.jpg"].data


def test_is_disallowed_reads_message_headers_and_mappings():
    import email.message

    headers = email.message.Message()
    headers["X-Robots-Tag"] = "otherbot: noai"
    headers["X-Robots-Tag"] = "img2dataset: noimageai"
    assert is_disallowed(headers, "img2dataset", {"noimageai"})
    assert not is_disallowed(headers, None, {"noimageai"})
    assert not is_disallowed(headers, "img2dataset", None)
    assert is_disallowed({"x-robots-tag": "noai"}, None, ["noai"])


def test_compute_key_pads_as_the_reference():
    assert compute_key(5, 1, 4, 5) == "000010005"
    assert compute_key(0, 123456, 1, 2) == "1234560"


def test_downloader_needs_this_packages_resizer(tmp_path):
    with pytest.raises(TypeError, match="needs an img2dataset.resizer.Resizer"):
        Downloader(
            WebDatasetSampleWriter, lambda stream, boxes=None: None, 4, False, True,
            str(tmp_path), ["url"], 10, 10, 5, "sha256", None, "jpg", 0, None, None,
        )  # fmt: skip


def test_a_shard_that_fails_is_reported_not_raised(tmp_path, capsys):
    downloader = Downloader(
        WebDatasetSampleWriter, Resizer(32, "border", False), 4, False, True,
        str(tmp_path), ["url"], 10, 10, 5, "sha256", None, "jpg", 0, None, None,
    )  # fmt: skip
    row = (3, str(tmp_path / "missing.feather"))
    assert downloader(row) == (False, row)
    assert "shard 3 failed with error" in capsys.readouterr().out
    assert not (tmp_path / "00003_stats.json").exists()


def test_reader_skips_done_shards_and_writes_arrow_files(tmp_path):
    (tmp_path / "urls.txt").write_text("".join(f"http://h/{i}.jpg\n" for i in range(7)))
    reader = Reader(
        str(tmp_path / "urls.txt"),
        "txt",
        "url",
        None,
        None,
        None,
        None,
        3,
        {1},
        str(tmp_path / "t"),
    )
    assert reader.column_list == ["url"]
    shards = list(reader)
    assert [shard_id for shard_id, _ in shards] == [0, 2]
    with pa.ipc.open_file(shards[1][1]) as f:
        assert f.read_all().column("url").to_pylist() == ["http://h/6.jpg"]
    with pytest.raises(ValueError, match="Invalid hash type crc"):
        Reader(str(tmp_path / "urls.txt"), "csv", "url", None, "h", "crc", None, 3, set(), "t")


def test_tfrecord_writer_is_read_by_an_independent_reader(tmp_path):
    from tfrecord.reader import tfrecord_loader

    schema = pa.schema([("url", pa.string()), ("key", pa.string()), ("width", pa.int32())])
    writer = TFRecordSampleWriter(7, str(tmp_path), True, 5, schema, "jpg")
    writer.write(
        b"\xff\xd8image", "0000700", "a caption", {"url": "u0", "key": "0000700", "width": 3}
    )
    writer.write(None, "0000701", None, {"url": "u1", "key": "0000701", "width": None})
    writer.close()
    records = list(
        tfrecord_loader(
            str(tmp_path / "00007.tfrecord"), None, {"key": "byte", "txt": "byte", "width": "int"}
        )
    )
    assert len(records) == 1
    assert bytes(records[0]["key"]) == b"0000700" and bytes(records[0]["txt"]) == b"a caption"
    assert records[0]["width"].tolist() == [3]
    assert pq.read_table(tmp_path / "00007.parquet").column("key").to_pylist() == [
        "0000700",
        "0000701",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00007.parquet", "00007.tfrecord"]


def test_webdataset_writer_writes_numpy_meta_as_lists(tmp_path):
    import tarfile

    schema = pa.schema([("key", pa.string()), ("box", pa.list_(pa.float64()))])
    writer = WebDatasetSampleWriter(0, str(tmp_path), False, 5, schema, "jpg")
    writer.write(b"jpeg", "000000000", None, {"key": "000000000", "box": np.array([0.5, 1.0])})
    writer.close()
    with tarfile.open(tmp_path / "00000.tar") as tar:
        assert tar.getnames() == ["000000000.jpg", "000000000.json"]
        meta = json.loads(tar.extractfile("000000000.json").read())
    assert meta == {"key": "000000000", "box": [0.5, 1.0]}


def test_capped_counter_and_write_stats(tmp_path):
    counter = CappedCounter(max_size=4)
    for key in "aaabbcde":
        counter.increment(key)
    assert dict(counter.dump()) == {"a": 3, "b": 2, "e": 1}  # capped to the 2 most frequent
    write_stats(str(tmp_path), 12, 10, 7, 2, 1, 100.0, 104.5, counter, 5)
    stats = json.loads((tmp_path / "00012_stats.json").read_text())
    assert list(stats) == REFERENCE_STATS_KEYS
    assert stats["duration"] == 4.5


def test_the_binding_blur_keeps_the_input_untouched():
    image = np.full((20, 30, 3), 200, dtype=np.uint8)
    image[5:15, 5:15] = 0
    before = image.copy()
    out = _engine.blur_bounding_boxes(image, [[0.1, 0.1, 0.6, 0.9]])
    assert (image == before).all() and out.shape == image.shape and (out != image).any()


def test_the_blurrer_takes_read_only_arrays():
    """Regression: numpy views of PIL images are read-only, and the binding refused them."""
    from img2dataset.blurrer import BoundingBoxBlurrer

    image = np.full((20, 30, 3), 90, dtype=np.uint8)
    image[5:15, 5:15] = 250
    image.setflags(write=False)
    out = BoundingBoxBlurrer()(image, [[0.1, 0.1, 0.6, 0.9]])
    assert out.shape == image.shape and (out != image).any()
