#include "image/geometry.h"

#include <algorithm>
#include <cmath>

namespace img2dataset {

namespace {

// Python's round(): half to even. std::nearbyint uses the current rounding mode, which is
// round-to-nearest-even unless someone changed it; std::rint would be the same.
int RoundHalfEven(double value) { return static_cast<int>(std::nearbyint(value)); }

void Scale(ResizePlan& plan, int width, int height, double scale) {
  plan.scaled_width = std::max(1, RoundHalfEven(width * scale));
  plan.scaled_height = std::max(1, RoundHalfEven(height * scale));
}

}  // namespace

ResizePlan PlanResize(int width, int height, const ImageOptions& options) {
  const int size = options.image_size;
  ResizePlan plan;
  plan.scaled_width = plan.width = width;
  plan.scaled_height = plan.height = height;

  bool downscale = false;
  switch (options.resize_mode) {
    case ResizeMode::kNo:
      return plan;
    case ResizeMode::kKeepRatio:
    case ResizeMode::kCenterCrop:
      downscale = std::min(width, height) > size;
      break;
    case ResizeMode::kKeepRatioLargest:
    case ResizeMode::kBorder:
      downscale = std::max(width, height) > size;
      break;
  }
  if (options.resize_only_if_bigger && !downscale) return plan;

  plan.acts = true;
  plan.interpolation = downscale ? options.downscale_interpolation : options.upscale_interpolation;
  switch (options.resize_mode) {
    case ResizeMode::kNo:
      break;
    case ResizeMode::kKeepRatio:
      Scale(plan, width, height, static_cast<double>(size) / std::min(width, height));
      break;
    case ResizeMode::kCenterCrop:
      Scale(plan, width, height, static_cast<double>(size) / std::min(width, height));
      plan.crop = true;
      plan.crop_width = std::min(size, plan.scaled_width);
      plan.crop_height = std::min(size, plan.scaled_height);
      plan.crop_x = (plan.scaled_width - plan.crop_width) / 2;
      plan.crop_y = (plan.scaled_height - plan.crop_height) / 2;
      break;
    case ResizeMode::kKeepRatioLargest:
      Scale(plan, width, height, static_cast<double>(size) / std::max(width, height));
      break;
    case ResizeMode::kBorder:
      Scale(plan, width, height, static_cast<double>(size) / std::max(width, height));
      plan.pad = true;
      plan.pad_top = std::max(0, (size - plan.scaled_height) / 2);
      plan.pad_bottom = std::max(0, size - plan.scaled_height - plan.pad_top);
      plan.pad_left = std::max(0, (size - plan.scaled_width) / 2);
      plan.pad_right = std::max(0, size - plan.scaled_width - plan.pad_left);
      break;
  }
  plan.width = plan.crop ? plan.crop_width : plan.scaled_width + plan.pad_left + plan.pad_right;
  plan.height = plan.crop ? plan.crop_height : plan.scaled_height + plan.pad_top + plan.pad_bottom;
  return plan;
}

}  // namespace img2dataset
