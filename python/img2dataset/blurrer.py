"""The reference's `img2dataset.blurrer` module: `BoundingBoxBlurrer`.

`BoundingBoxBlurrer()(img, bbox_list)` blurs the boxes of a decoded image (a numpy array, as
OpenCV's `imdecode` returns it) and returns a new array, as `bbox_col` blurs them in a run: the
engine's blur, one call into C++ with the GIL released. DataComp's resharder uses it this way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine
from .resizer import boxes_argument


class BoundingBoxBlurrer:
    """Blurs images in the regions of bounding boxes `[x_min, y_min, x_max, y_max]` given as
    fractions (0..1) of the image's width and height.

    The arithmetic is the reference's: box edges truncated in the precision of the box values
    (float32 arrays multiply in float32), each box enlarged by a tenth of the largest one, a
    Gaussian blur whose kernel grows with the largest box, blended through a blurred mask, and
    truncation back to 8 bits."""

    def __call__(self, img: np.ndarray, bbox_list: Any) -> np.ndarray:
        """`img`: H x W or H x W x C (C from 1 to 4) uint8 pixels. Returns a new uint8 array
        of the same shape; with no boxes, the image unchanged, as the reference returns it."""
        if len(bbox_list) == 0:
            return img
        image = np.asarray(img)
        if image.dtype != np.uint8:
            raise TypeError(
                f"BoundingBoxBlurrer takes 8-bit images (uint8, as cv2.imdecode gives them), "
                f"got {image.dtype}"
            )
        boxes, single = boxes_argument(bbox_list)
        return _engine.blur_bounding_boxes(np.ascontiguousarray(image), boxes, single)


__all__ = ["BoundingBoxBlurrer"]
