"""Options of what is done to each image: filters, resizing, re-encoding."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import _engine
from .group import (
    OptionGroup,
    check_bools,
    check_choice,
    check_int,
    check_number,
    expected,
    option,
)

RESIZE_MODES = ("no", "keep_ratio", "center_crop", "border", "keep_ratio_largest")
INTERPOLATIONS = {
    "nearest": _engine.Interpolation.nearest,
    "linear": _engine.Interpolation.linear,
    "bilinear": _engine.Interpolation.linear,
    "cubic": _engine.Interpolation.cubic,
    "bicubic": _engine.Interpolation.cubic,
    "area": _engine.Interpolation.area,
    "lanczos": _engine.Interpolation.lanczos4,
    "lanczos4": _engine.Interpolation.lanczos4,
}
ENCODE_FORMATS = ("jpg", "png", "webp")
IMAGE_PIPELINES = ("fast", "exact")


@dataclass(frozen=True)
class ImageOptions(OptionGroup):
    image_size: int = option(256, "Target size in pixels of the resize mode.")
    resize_mode: str = option(
        "border", "no, keep_ratio, keep_ratio_largest, center_crop or border."
    )
    resize_only_if_bigger: bool = option(
        False, "Never upscale: leave images smaller than the target as they are."
    )
    upscale_interpolation: str = option(
        "lanczos", "nearest, linear, cubic, area or lanczos, used when enlarging."
    )
    downscale_interpolation: str = option(
        "area", "nearest, linear, cubic, area or lanczos, used when shrinking."
    )
    encode_quality: int = option(95, "JPEG/WebP quality (0-100), or PNG compression level (0-9).")
    encode_format: str = option("jpg", "Stored image format: jpg, png or webp.")
    skip_reencode: bool = option(
        False, "Keep the downloaded bytes when no resize is needed and the format matches."
    )
    disable_all_reencoding: bool = option(
        False, "Store downloaded bytes untouched: no decode, filter or resize."
    )
    min_image_size: int = option(0, "Reject images whose smaller side is below this many pixels.")
    max_image_area: float = option(math.inf, "Reject images with more pixels than this.")
    max_aspect_ratio: float = option(
        math.inf, "Reject images whose longer/shorter side ratio is above this."
    )
    image_pipeline: str = option(
        "fast",
        "fast: JPEGs decoded at reduced size when the target is small; exact: full decode as the "
        "reference does.",
    )
    apply_exif_orientation: bool = option(
        True, "Turn JPEGs upright per their EXIF orientation (reference: no)."
    )
    max_image_pixels: int = option(
        100_000_000, "Images with more pixels (read from the header) fail before decoding."
    )

    def validate(self) -> None:
        check_int("image_size", self.image_size, minimum=1)
        check_int("encode_quality", self.encode_quality, minimum=0)
        check_int("min_image_size", self.min_image_size, minimum=0)
        check_int("max_image_pixels", self.max_image_pixels, minimum=1)
        check_number("max_image_area", self.max_image_area, positive=True)
        check_number("max_aspect_ratio", self.max_aspect_ratio, positive=True)
        check_bools(
            self,
            "resize_only_if_bigger",
            "skip_reencode",
            "disable_all_reencoding",
            "apply_exif_orientation",
        )
        if self.image_pipeline not in IMAGE_PIPELINES:
            raise ValueError(
                f"image_pipeline must be one of {', '.join(IMAGE_PIPELINES)}, "
                f"got {self.image_pipeline!r}"
            )
        # The reference's own checks, with its messages (followed by what is expected).
        check_choice(
            "encode_format",
            self.encode_format,
            ENCODE_FORMATS,
            f"Invalid encode format {self.encode_format}",
        )
        if self.encode_format == "png" and not 0 <= self.encode_quality <= 9:
            raise ValueError(
                "For png, encode quality represents compression which"
                f"must be between 0 and 9, got {self.encode_quality}"
                " (encode_quality, with encode_format='png')"
            )
        check_choice(
            "resize_mode",
            self.resize_mode,
            RESIZE_MODES,
            f"Invalid option for resize_mode: {self.resize_mode}",
        )
        for name in ("upscale_interpolation", "downscale_interpolation"):
            value = getattr(self, name)
            if not isinstance(value, str) or value.lower() not in INTERPOLATIONS:
                lowered = value.lower() if isinstance(value, str) else value
                raise ValueError(
                    f"Invalid option for interpolation: {lowered}" + expected(name, INTERPOLATIONS)
                )

    def engine(self) -> _engine.ImageOptions:
        """The engine's image options (cpp/include/img2dataset/options.h)."""
        image = _engine.ImageOptions()
        image.image_size = self.image_size
        image.resize_mode = getattr(_engine.ResizeMode, self.resize_mode)
        image.resize_only_if_bigger = self.resize_only_if_bigger
        image.upscale_interpolation = INTERPOLATIONS[self.upscale_interpolation.lower()]
        image.downscale_interpolation = INTERPOLATIONS[self.downscale_interpolation.lower()]
        image.encode_quality = self.encode_quality
        image.encode_format = getattr(_engine.EncodeFormat, self.encode_format)
        image.skip_reencode = self.skip_reencode
        image.disable_all_reencoding = self.disable_all_reencoding
        image.min_image_size = self.min_image_size
        image.max_image_area = float(self.max_image_area)
        image.max_aspect_ratio = float(self.max_aspect_ratio)
        image.pipeline = getattr(_engine.ImagePipeline, self.image_pipeline)
        image.apply_exif_orientation = self.apply_exif_orientation
        image.max_image_pixels = self.max_image_pixels
        return image
