"""bbox_col blurring through the engine: the Arrow `bbox` column of a shard's rows, each row a list
of [x_min, y_min, x_max, y_max] boxes relative to the image, blurs those regions before storing."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from img2dataset import _engine

BOX_TYPE = pa.list_(pa.list_(pa.float64()))


def make_engine(skip_reencode: bool = False) -> _engine.Engine:
    options = _engine.EngineOptions()
    options.fetch.allow_private_addresses = True
    options.output.output_format = _engine.OutputFormat.files
    options.image.resize_mode = _engine.ResizeMode.no
    options.image.encode_format = _engine.EncodeFormat.png
    options.image.encode_quality = 1
    options.image.skip_reencode = skip_reencode
    return _engine.make_engine(options)


def run(engine, urls, boxes, tmp_path: Path) -> tuple[pa.RecordBatch, Path]:
    rows = pa.record_batch([pa.array(urls), boxes], names=["url", "bbox"])
    shard = _engine.run_shard(engine, 0, rows, str(tmp_path))
    return pa.record_batch(shard), tmp_path / shard.files[0]


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def source_pixels(image_server, name: str) -> np.ndarray:
    return np.asarray(
        Image.open(io.BytesIO(image_server.fixtures[name].data)).convert("RGB"), dtype=np.int16
    )


def test_rows_blur_their_boxes_only(image_server, tmp_path):
    url = image_server.image_url("rgb_300x200.png")
    boxes = pa.array([[[0.0, 0.0, 0.4, 1.0]], None, []], type=BOX_TYPE)
    results, folder = run(make_engine(), [url] * 3, boxes, tmp_path)
    assert results.column("status").to_pylist() == ["success"] * 3
    original = source_pixels(image_server, "rgb_300x200.png")

    blurred = pixels(folder / "000000000.png")
    left, right = slice(0, 100), slice(220, 300)  # box 0..120, enlarged to 132, kernel 41
    assert np.abs(blurred[:, left] - original[:, left]).mean() > 1.0
    assert np.array_equal(blurred[:, right], original[:, right])
    # A null value and an empty list blur nothing.
    assert np.array_equal(pixels(folder / "000000001.png"), original)
    assert np.array_equal(pixels(folder / "000000002.png"), original)


def test_skip_reencode_stores_the_blurred_image(image_server, tmp_path):
    # The reference wrote the original bytes, unblurred, when nothing else changed.
    url = image_server.image_url("rgb_300x200.png")
    boxes = pa.array([[[0.0, 0.0, 0.4, 1.0]], None], type=BOX_TYPE)
    results, folder = run(make_engine(skip_reencode=True), [url] * 2, boxes, tmp_path)
    assert results.column("status").to_pylist() == ["success"] * 2
    original_bytes = image_server.fixtures["rgb_300x200.png"].data
    assert (folder / "000000000.png").read_bytes() != original_bytes
    assert (folder / "000000001.png").read_bytes() == original_bytes


@pytest.mark.parametrize(
    "box_type",
    [pa.list_(pa.list_(pa.float32())), pa.large_list(pa.list_(pa.float64(), 4))],
    ids=["float32", "large-list-of-fixed-size"],
)
def test_other_list_layouts_are_read(image_server, tmp_path, box_type):
    url = image_server.image_url("rgb_300x200.png")
    boxes = pa.array([[[0.0, 0.0, 0.4, 1.0]]], type=box_type)
    results, folder = run(make_engine(), [url], boxes, tmp_path)
    assert results.column("status").to_pylist() == ["success"]
    original = source_pixels(image_server, "rgb_300x200.png")
    assert np.abs(pixels(folder / "000000000.png")[:, :100] - original[:, :100]).mean() > 1.0


def test_malformed_boxes_fail_their_row_with_a_clear_message(image_server, tmp_path):
    url = image_server.image_url("rgb_300x200.png")
    boxes = pa.array(
        [
            [[0.1, 0.2, 0.3]],
            [[0.1, None, 0.3, 0.4]],
            [None],
            [[0.1, float("nan"), 0.3, 0.4]],
            [[0.0, 0.0, 0.5, 0.5]],
        ],
        type=BOX_TYPE,
    )
    results, _ = run(make_engine(), [url] * 5, boxes, tmp_path)
    assert results.column("status").to_pylist() == ["failed_to_resize"] * 4 + ["success"]
    assert results.column("error_class").to_pylist() == ["invalid_bbox"] * 4 + [None]
    messages = results.column("error_message").to_pylist()
    assert messages[0] == (
        "bounding box must be a list of 4 numbers [x_min, y_min, x_max, y_max], got 3 values"
    )
    assert messages[1] == "bounding box has a null coordinate"
    assert "got null" in messages[2]
    assert messages[3] == "bounding box has a coordinate that is not a finite number"


def test_a_bbox_column_of_another_type_is_rejected_before_any_download(tmp_path):
    rows = pa.record_batch(
        [pa.array(["http://127.0.0.1:1/x"]), pa.array(["[[0, 0, 1, 1]]"])], names=["url", "bbox"]
    )
    with pytest.raises(ValueError, match="must be a list of .x_min, y_min, x_max, y_max. lists"):
        _engine.run_shard(make_engine(), 0, rows, str(tmp_path))
