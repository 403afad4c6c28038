"""The image pipeline end to end: formats, EXIF orientation, the fast and exact pipelines."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from img2dataset import download
from support.download_run import download_urls, rows_by_url


def process(tmp_path: Path, urls: list[str], **options) -> tuple[dict[str, dict], Path]:
    options.setdefault("output_format", "files")
    options.setdefault("save_error_class", True)
    output = download_urls(tmp_path, urls, **options)
    return rows_by_url(output), output / "00000"


def load(folder: Path, key: str, extension: str = "jpg") -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO((folder / f"{key}.{extension}").read_bytes())))


@pytest.mark.parametrize(
    "name",
    [
        "rgb_300x200.jpg",
        "gray_160x120.jpg",
        "cmyk_160x120.jpg",
        "rgb_300x200.png",
        "rgba_256x256.png",
        "gray_128x128.png",
        "gray16_128x96.png",
        "palette_160x120.png",
        "rgb_300x200.webp",
        "rgba_200x200.webp",
        "palette_120x90.gif",
        "rgb_120x80.bmp",
        "rgb_96x64.tiff",
    ],
)
def test_every_format_decodes_to_its_size(image_server, tmp_path, name):
    fixture = image_server.fixtures[name]
    url = image_server.image_url(name)
    rows, _ = process(tmp_path, [url], resize_mode="no")
    row = rows[url]
    assert row["status"] == "success", row["error_message"]
    assert (row["original_width"], row["original_height"]) == (fixture.width, fixture.height)


def test_exif_orientation_is_applied_by_default(image_server, tmp_path):
    url = image_server.image_url("exif_orientation6_320x240.jpg")
    rows, folder = process(tmp_path / "a", [url], resize_mode="no")
    assert (rows[url]["width"], rows[url]["height"]) == (240, 320)  # rotated upright
    assert load(folder, "000000000").shape[:2] == (320, 240)
    rows, _ = process(tmp_path / "b", [url], resize_mode="no", apply_exif_orientation=False)
    assert (rows[url]["width"], rows[url]["height"]) == (320, 240)  # the reference's behaviour


@pytest.mark.parametrize("resize_mode", ["border", "keep_ratio", "center_crop"])
def test_fast_and_exact_pipelines_agree(image_server, tmp_path, resize_mode):
    url = image_server.image_url("rgb_1024x768.jpg")
    fast_rows, fast = process(tmp_path / "fast", [url], resize_mode=resize_mode)
    exact_rows, exact = process(
        tmp_path / "exact", [url], resize_mode=resize_mode, image_pipeline="exact"
    )
    for field in ("width", "height", "original_width", "original_height"):
        assert fast_rows[url][field] == exact_rows[url][field]
    a = load(fast, "000000000").astype(np.float64)
    b = load(exact, "000000000").astype(np.float64)
    assert a.shape == b.shape
    assert np.abs(a - b).mean() < 3.0  # DCT-scaled decode then area resampling: visually equal


def test_header_bomb_is_refused_before_decoding(image_server, tmp_path):
    url = image_server.image_url("rgb_1024x768.jpg")
    rows, _ = process(tmp_path, [url], max_image_pixels=500_000)
    assert rows[url]["status"] == "failed_to_resize"
    assert rows[url]["error_class"] == "too_large"
    assert rows[url]["error_message"] == (
        "image of 1024x768 pixels is above max_image_pixels (500000)"
    )


def test_invalid_image_pipeline_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="image_pipeline must be one of fast, exact, got 'turbo'"):
        download(url_list="u.txt", output_folder=str(tmp_path / "o"), image_pipeline="turbo")
