#include "image/bbox_blur.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace img2dataset {

namespace {

// trunc(value * size), the product in the precision of the box values as in the reference.
// Kept within [-size, 2 * size]: coordinates in [0, 1] are untouched, wilder ones cannot make the
// kernel (which grows with the largest box) larger than the image, and the conversion to int is
// defined for any value (NaN counts as 0).
int Edge(double value, int size, bool single_precision) {
  const double product =
      single_precision ? static_cast<double>(static_cast<float>(value) * static_cast<float>(size))
                       : value * size;
  if (std::isnan(product)) return 0;
  return static_cast<int>(std::trunc(std::clamp(product, -1.0 * size, 2.0 * size)));
}

}  // namespace

BlurPlan PlanBlur(const BoundingBoxes& boxes, int width, int height) {
  BlurPlan plan;
  int largest = 0;
  for (const auto& box : boxes.boxes) {
    int x0 = Edge(box[0], width, boxes.single_precision);
    int y0 = Edge(box[1], height, boxes.single_precision);
    int x1 = Edge(box[2], width, boxes.single_precision);
    int y1 = Edge(box[3], height, boxes.single_precision);
    const int d = std::max(x1 - x0, y1 - y0);
    largest = std::max(largest, d);
    const double margin = 0.1 * d;
    x0 = std::clamp(static_cast<int>(std::trunc(x0 - margin)), 0, width - 1);
    y0 = std::clamp(static_cast<int>(std::trunc(y0 - margin)), 0, height - 1);
    x1 = std::clamp(static_cast<int>(std::trunc(x1 + margin)), 0, width - 1);
    y1 = std::clamp(static_cast<int>(std::trunc(y1 + margin)), 0, height - 1);
    // Half-open, as numpy's mask[y0:y1, x0:x1]: the last row and column are never covered.
    if (x1 > x0 && y1 > y0) plan.regions.emplace_back(x0, y0, x1 - x0, y1 - y0);
  }
  // The reference computes sigma = largest / 10 for the kernel size only, then lets OpenCV
  // derive the Gaussian's sigma from the kernel (sigmaX = 0).
  const double sigma = 0.1 * largest;
  plan.kernel = std::max(3, static_cast<int>(2 * std::ceil(sigma) + 1));
  return plan;
}

cv::Mat BlurBoundingBoxes(const cv::Mat& source, const BoundingBoxes& boxes) {
  if (boxes.boxes.empty()) return source;
  // 16-bit images are blurred at 8 bits (the reference's float arithmetic assumes 8 bits and
  // wraps around on them).
  cv::Mat image = source;
  if (image.depth() != CV_8U) source.convertTo(image, CV_8U, 1.0 / 257);
  const int width = image.cols, height = image.rows;
  cv::Mat pixels;
  image.convertTo(pixels, CV_32F, 1.0 / 255);
  cv::Mat mask = cv::Mat::zeros(image.size(), pixels.type());
  const BlurPlan plan = PlanBlur(boxes, width, height);
  for (const cv::Rect& region : plan.regions) mask(region).setTo(cv::Scalar::all(1));
  const int kernel = plan.kernel;
  cv::Mat blurred, blurred_mask;
  cv::GaussianBlur(pixels, blurred, cv::Size(kernel, kernel), 0);
  cv::GaussianBlur(mask, blurred_mask, cv::Size(kernel, kernel), 0);

  // result = pixels * (1 - m) + blurred * m in float32, then * 255 truncated to 8 bits.
  cv::Mat out(image.size(), image.type());
  const int values = width * image.channels();
  for (int y = 0; y < height; ++y) {
    const float* p = pixels.ptr<float>(y);
    const float* b = blurred.ptr<float>(y);
    const float* m = blurred_mask.ptr<float>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int i = 0; i < values; ++i) {
      const float result = p[i] * (1.0f - m[i]) + b[i] * m[i];
      o[i] = static_cast<uint8_t>(std::clamp(result * 255.0f, 0.0f, 255.0f));
    }
  }
  return out;
}

BoundingBoxes OrientBoundingBoxes(const BoundingBoxes& boxes, int orientation) {
  BoundingBoxes out = boxes;
  for (auto& box : out.boxes) {
    const double x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];
    switch (orientation) {
      case 2:  // mirrored left-right
        box = {1 - x1, y0, 1 - x0, y1};
        break;
      case 3:  // turned 180 degrees
        box = {1 - x1, 1 - y1, 1 - x0, 1 - y0};
        break;
      case 4:  // mirrored top-bottom
        box = {x0, 1 - y1, x1, 1 - y0};
        break;
      case 5:  // transposed: (x, y) -> (y, x)
        box = {y0, x0, y1, x1};
        break;
      case 6:  // turned 90 degrees clockwise: (x, y) -> (1 - y, x)
        box = {1 - y1, x0, 1 - y0, x1};
        break;
      case 7:  // transversed: (x, y) -> (1 - y, 1 - x)
        box = {1 - y1, 1 - x1, 1 - y0, 1 - x0};
        break;
      case 8:  // turned 90 degrees counter-clockwise: (x, y) -> (y, 1 - x)
        box = {y0, 1 - x1, y1, 1 - x0};
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace img2dataset
