// Blurring of bounding boxes (the reference's BoundingBoxBlurrer, `bbox_col`), with the
// reference's arithmetic: box edges truncated, enlarged by a tenth of the largest box, a
// Gaussian blur whose kernel grows with the largest box, blended through a blurred mask, and
// truncation back to 8 bits. The blur rounds as the reference's opencv-python 4.14 does, not as
// the OpenCV the engine links (see bbox_blur.cc).
//
// Thread safety: pure functions.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "img2dataset/bounding_boxes.h"

namespace img2dataset {

// Where and how hard the reference blurs: the mask rectangles (enlarged boxes, clipped,
// half-open) and the Gaussian kernel size.
struct BlurPlan {
  std::vector<cv::Rect> regions;
  int kernel = 3;
};
BlurPlan PlanBlur(const BoundingBoxes& boxes, int width, int height);

// Blurs the regions of `image` (1 to 4 channels) covered by `boxes`, relative to its current
// size; the result has 8 bits. Returns the image unchanged when there are no boxes.
cv::Mat BlurBoundingBoxes(const cv::Mat& image, const BoundingBoxes& boxes);

// Maps boxes given in the stored orientation onto the image turned upright by EXIF
// `orientation` (1 to 8), as ApplyOrientation turns the pixels.
BoundingBoxes OrientBoundingBoxes(const BoundingBoxes& boxes, int orientation);

}  // namespace img2dataset
