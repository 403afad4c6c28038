"""The reference's `img2dataset.resizer` module: `Resizer`, one image at a time.

Programs that process images the way img2dataset does (dataset loading scripts, resharders) build
a `Resizer` with the reference's arguments and call it on an image stream; here each call crosses
into the engine once, with the GIL released, and runs the pipeline `download()` runs: the same
geometry, filters, blur and encoders, and the same defaults (the fast pipeline, EXIF orientation
applied; `image_pipeline="exact"` and `apply_exif_orientation=False` give the reference's
full-decode path).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, BinaryIO

from . import _engine
from .options import INTERPOLATIONS, ImageOptions


class ResizeMode(Enum):
    no = 0  # noqa: N815 - the reference's member names
    keep_ratio = 1
    center_crop = 2
    border = 3
    keep_ratio_largest = 4


def inter_str_to_cv2(inter_str: str) -> _engine.Interpolation:
    """The interpolation of a name (case-insensitive), as the reference's function of this name
    checks it; the engine's value instead of an OpenCV constant."""
    name = inter_str.lower()
    if name not in INTERPOLATIONS:
        raise ValueError(f"Invalid option for interpolation: {name}")
    return INTERPOLATIONS[name]


def _is_float32(value: Any) -> bool:
    return str(getattr(value, "dtype", "")) == "float32"


def boxes_argument(bbox_list: Any) -> tuple[list | None, bool]:
    """A bbox column value (a list of [x_min, y_min, x_max, y_max], a numpy array, None) as the
    engine takes it, and whether its values are float32 numpy values: the reference then
    multiplies in float32, which can move a box edge by a pixel."""
    if bbox_list is None:
        return None, False
    single = _is_float32(bbox_list)
    boxes: list[list[float | None] | None] = []
    for box in bbox_list:
        if box is None:
            boxes.append(None)
            continue
        single = single or _is_float32(box) or any(_is_float32(v) for v in box)
        boxes.append([None if v is None else float(v) for v in box])
    return boxes, single


def read_image_bytes(img_stream: BinaryIO | bytes | bytearray | memoryview) -> bytes:
    """The bytes of an image stream (from its start, as the reference seeks), or of bytes."""
    if isinstance(img_stream, (bytes, bytearray, memoryview)):
        return bytes(img_stream)
    if hasattr(img_stream, "seek"):
        img_stream.seek(0)
    return img_stream.read()


class Resizer:
    """Resizes images one at a time: `resizer(img_stream, bbox_list=None)` returns
    `(img_bytes, width, height, original_width, original_height, error)`, with `None` for all
    but `error` when the image fails (the reference's messages: `image too small`,
    `Image decoding error`, ...).

    The arguments are the reference's, validated with its messages; the keyword-only ones after
    `blurrer` are this version's `download()` options of the same names."""

    def __init__(
        self,
        image_size: int,
        resize_mode: str | ResizeMode,
        resize_only_if_bigger: bool,
        upscale_interpolation: str = "lanczos",
        downscale_interpolation: str = "area",
        encode_quality: int = 95,
        encode_format: str = "jpg",
        skip_reencode: bool = False,
        disable_all_reencoding: bool = False,
        min_image_size: int = 0,
        max_image_area: float = float("inf"),
        max_aspect_ratio: float = float("inf"),
        blurrer: Any = None,
        *,
        image_pipeline: str = "fast",
        apply_exif_orientation: bool = True,
        max_image_pixels: int = 100_000_000,
    ):
        if isinstance(resize_mode, ResizeMode):
            resize_mode = resize_mode.name
        self.options = ImageOptions.from_arguments(
            {
                "image_size": image_size,
                "resize_mode": resize_mode,
                "resize_only_if_bigger": resize_only_if_bigger,
                "upscale_interpolation": upscale_interpolation,
                "downscale_interpolation": downscale_interpolation,
                "encode_quality": encode_quality,
                "encode_format": encode_format,
                "skip_reencode": skip_reencode,
                "disable_all_reencoding": disable_all_reencoding,
                "min_image_size": min_image_size,
                "max_image_area": max_image_area,
                "max_aspect_ratio": max_aspect_ratio,
                "image_pipeline": image_pipeline,
                "apply_exif_orientation": apply_exif_orientation,
                "max_image_pixels": max_image_pixels,
            }
        )
        self.image_size = image_size
        self.resize_mode = ResizeMode[resize_mode]
        self.resize_only_if_bigger = resize_only_if_bigger
        self.encode_format = encode_format
        self.blurrer = blurrer
        self._processor = _engine.ImageProcessor(self.options.engine())

    def __call__(self, img_stream, blurring_bbox_list=None):
        data = read_image_bytes(img_stream)
        if blurring_bbox_list is not None and self.blurrer is None:
            # The reference decodes and filters first: their errors come before this one.
            error = self._processor.process(data)[5]
            return None, None, None, None, None, error or "blurrer not defined"
        boxes, single = boxes_argument(blurring_bbox_list)
        stored, width, height, original_width, original_height, error, _ = self._processor.process(
            data, boxes, single
        )
        if error is not None:
            return None, None, None, None, None, error
        return stored, width, height, original_width, original_height, None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_processor"]  # rebuilt where the resizer is unpickled (a Spark executor)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._processor = _engine.ImageProcessor(self.options.engine())


__all__ = ["ResizeMode", "Resizer", "inter_str_to_cv2"]
