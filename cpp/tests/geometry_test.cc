#include "image/geometry.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace img2dataset {
namespace {

using M = ResizeMode;

ImageOptions Options(ResizeMode mode, int size, bool resize_only_if_bigger = false) {
  ImageOptions options;
  options.resize_mode = mode;
  options.image_size = size;
  options.resize_only_if_bigger = resize_only_if_bigger;
  options.downscale_interpolation = Interpolation::kArea;
  options.upscale_interpolation = Interpolation::kLanczos4;
  return options;
}

// One row of the reference geometry (reference/img2dataset-behavior.md §4.4). The rows were
// computed by a separate Python transcription of that section using Python's own round():
//   keep_ratio/center_crop: downscale = min(W,H) > S, s = S/min(W,H)
//   keep_ratio_largest/border: downscale = max(W,H) > S, s = S/max(W,H)
//   nothing happens when resize_only_if_bigger and not downscale; otherwise
//   W' = max(1, round(W*s)), H' = max(1, round(H*s)); center_crop keeps S x S at
//   ((W'-S)//2, (H'-S)//2); border pads to S x S with top=(S-H')//2, left=(S-W')//2.
struct GeometryRow {
  ResizeMode mode;
  int width, height, size;
  bool resize_only_if_bigger;
  bool acts, downscale;
  int scaled_width, scaled_height;
  int x, y;  // center_crop: crop origin; border: pad_left, pad_top; otherwise 0
  int out_width, out_height;
};

const GeometryRow kRows[] = {
    {M::kKeepRatio, 389, 535, 3, false, true, true, 3, 4, 0, 0, 3, 4},
    {M::kKeepRatio, 389, 535, 3, true, true, true, 3, 4, 0, 0, 3, 4},
    {M::kKeepRatio, 389, 535, 256, false, true, true, 256, 352, 0, 0, 256, 352},
    {M::kKeepRatio, 389, 535, 256, true, true, true, 256, 352, 0, 0, 256, 352},
    {M::kKeepRatio, 389, 535, 600, false, true, false, 600, 825, 0, 0, 600, 825},
    {M::kKeepRatio, 389, 535, 600, true, false, false, 389, 535, 0, 0, 389, 535},
    {M::kKeepRatio, 535, 389, 3, false, true, true, 4, 3, 0, 0, 4, 3},
    {M::kKeepRatio, 535, 389, 3, true, true, true, 4, 3, 0, 0, 4, 3},
    {M::kKeepRatio, 535, 389, 256, false, true, true, 352, 256, 0, 0, 352, 256},
    {M::kKeepRatio, 535, 389, 256, true, true, true, 352, 256, 0, 0, 352, 256},
    {M::kKeepRatio, 535, 389, 600, false, true, false, 825, 600, 0, 0, 825, 600},
    {M::kKeepRatio, 535, 389, 600, true, false, false, 535, 389, 0, 0, 535, 389},
    {M::kKeepRatio, 123, 456, 3, false, true, true, 3, 11, 0, 0, 3, 11},
    {M::kKeepRatio, 123, 456, 3, true, true, true, 3, 11, 0, 0, 3, 11},
    {M::kKeepRatio, 123, 456, 256, false, true, false, 256, 949, 0, 0, 256, 949},
    {M::kKeepRatio, 123, 456, 256, true, false, false, 123, 456, 0, 0, 123, 456},
    {M::kKeepRatio, 123, 456, 600, false, true, false, 600, 2224, 0, 0, 600, 2224},
    {M::kKeepRatio, 123, 456, 600, true, false, false, 123, 456, 0, 0, 123, 456},
    {M::kKeepRatio, 600, 600, 3, false, true, true, 3, 3, 0, 0, 3, 3},
    {M::kKeepRatio, 600, 600, 3, true, true, true, 3, 3, 0, 0, 3, 3},
    {M::kKeepRatio, 600, 600, 256, false, true, true, 256, 256, 0, 0, 256, 256},
    {M::kKeepRatio, 600, 600, 256, true, true, true, 256, 256, 0, 0, 256, 256},
    {M::kKeepRatio, 600, 600, 600, false, true, false, 600, 600, 0, 0, 600, 600},
    {M::kKeepRatio, 600, 600, 600, true, false, false, 600, 600, 0, 0, 600, 600},
    {M::kKeepRatio, 1000, 10, 3, false, true, true, 300, 3, 0, 0, 300, 3},
    {M::kKeepRatio, 1000, 10, 3, true, true, true, 300, 3, 0, 0, 300, 3},
    {M::kKeepRatio, 1000, 10, 256, false, true, false, 25600, 256, 0, 0, 25600, 256},
    {M::kKeepRatio, 1000, 10, 256, true, false, false, 1000, 10, 0, 0, 1000, 10},
    {M::kKeepRatio, 1000, 10, 600, false, true, false, 60000, 600, 0, 0, 60000, 600},
    {M::kKeepRatio, 1000, 10, 600, true, false, false, 1000, 10, 0, 0, 1000, 10},
    {M::kKeepRatio, 3, 2, 3, false, true, false, 4, 3, 0, 0, 4, 3},
    {M::kKeepRatio, 3, 2, 3, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatio, 3, 2, 256, false, true, false, 384, 256, 0, 0, 384, 256},
    {M::kKeepRatio, 3, 2, 256, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatio, 3, 2, 600, false, true, false, 900, 600, 0, 0, 900, 600},
    {M::kKeepRatio, 3, 2, 600, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatio, 6, 4, 3, false, true, true, 4, 3, 0, 0, 4, 3},
    {M::kKeepRatio, 6, 4, 3, true, true, true, 4, 3, 0, 0, 4, 3},
    {M::kKeepRatio, 6, 4, 256, false, true, false, 384, 256, 0, 0, 384, 256},
    {M::kKeepRatio, 6, 4, 256, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kKeepRatio, 6, 4, 600, false, true, false, 900, 600, 0, 0, 900, 600},
    {M::kKeepRatio, 6, 4, 600, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kKeepRatioLargest, 389, 535, 3, false, true, true, 2, 3, 0, 0, 2, 3},
    {M::kKeepRatioLargest, 389, 535, 3, true, true, true, 2, 3, 0, 0, 2, 3},
    {M::kKeepRatioLargest, 389, 535, 256, false, true, true, 186, 256, 0, 0, 186, 256},
    {M::kKeepRatioLargest, 389, 535, 256, true, true, true, 186, 256, 0, 0, 186, 256},
    {M::kKeepRatioLargest, 389, 535, 600, false, true, false, 436, 600, 0, 0, 436, 600},
    {M::kKeepRatioLargest, 389, 535, 600, true, false, false, 389, 535, 0, 0, 389, 535},
    {M::kKeepRatioLargest, 535, 389, 3, false, true, true, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 535, 389, 3, true, true, true, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 535, 389, 256, false, true, true, 256, 186, 0, 0, 256, 186},
    {M::kKeepRatioLargest, 535, 389, 256, true, true, true, 256, 186, 0, 0, 256, 186},
    {M::kKeepRatioLargest, 535, 389, 600, false, true, false, 600, 436, 0, 0, 600, 436},
    {M::kKeepRatioLargest, 535, 389, 600, true, false, false, 535, 389, 0, 0, 535, 389},
    {M::kKeepRatioLargest, 123, 456, 3, false, true, true, 1, 3, 0, 0, 1, 3},
    {M::kKeepRatioLargest, 123, 456, 3, true, true, true, 1, 3, 0, 0, 1, 3},
    {M::kKeepRatioLargest, 123, 456, 256, false, true, true, 69, 256, 0, 0, 69, 256},
    {M::kKeepRatioLargest, 123, 456, 256, true, true, true, 69, 256, 0, 0, 69, 256},
    {M::kKeepRatioLargest, 123, 456, 600, false, true, false, 162, 600, 0, 0, 162, 600},
    {M::kKeepRatioLargest, 123, 456, 600, true, false, false, 123, 456, 0, 0, 123, 456},
    {M::kKeepRatioLargest, 600, 600, 3, false, true, true, 3, 3, 0, 0, 3, 3},
    {M::kKeepRatioLargest, 600, 600, 3, true, true, true, 3, 3, 0, 0, 3, 3},
    {M::kKeepRatioLargest, 600, 600, 256, false, true, true, 256, 256, 0, 0, 256, 256},
    {M::kKeepRatioLargest, 600, 600, 256, true, true, true, 256, 256, 0, 0, 256, 256},
    {M::kKeepRatioLargest, 600, 600, 600, false, true, false, 600, 600, 0, 0, 600, 600},
    {M::kKeepRatioLargest, 600, 600, 600, true, false, false, 600, 600, 0, 0, 600, 600},
    {M::kKeepRatioLargest, 1000, 10, 3, false, true, true, 3, 1, 0, 0, 3, 1},
    {M::kKeepRatioLargest, 1000, 10, 3, true, true, true, 3, 1, 0, 0, 3, 1},
    {M::kKeepRatioLargest, 1000, 10, 256, false, true, true, 256, 3, 0, 0, 256, 3},
    {M::kKeepRatioLargest, 1000, 10, 256, true, true, true, 256, 3, 0, 0, 256, 3},
    {M::kKeepRatioLargest, 1000, 10, 600, false, true, true, 600, 6, 0, 0, 600, 6},
    {M::kKeepRatioLargest, 1000, 10, 600, true, true, true, 600, 6, 0, 0, 600, 6},
    {M::kKeepRatioLargest, 3, 2, 3, false, true, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 3, 2, 3, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 3, 2, 256, false, true, false, 256, 171, 0, 0, 256, 171},
    {M::kKeepRatioLargest, 3, 2, 256, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 3, 2, 600, false, true, false, 600, 400, 0, 0, 600, 400},
    {M::kKeepRatioLargest, 3, 2, 600, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 6, 4, 3, false, true, true, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 6, 4, 3, true, true, true, 3, 2, 0, 0, 3, 2},
    {M::kKeepRatioLargest, 6, 4, 256, false, true, false, 256, 171, 0, 0, 256, 171},
    {M::kKeepRatioLargest, 6, 4, 256, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kKeepRatioLargest, 6, 4, 600, false, true, false, 600, 400, 0, 0, 600, 400},
    {M::kKeepRatioLargest, 6, 4, 600, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kCenterCrop, 389, 535, 3, false, true, true, 3, 4, 0, 0, 3, 3},
    {M::kCenterCrop, 389, 535, 3, true, true, true, 3, 4, 0, 0, 3, 3},
    {M::kCenterCrop, 389, 535, 256, false, true, true, 256, 352, 0, 48, 256, 256},
    {M::kCenterCrop, 389, 535, 256, true, true, true, 256, 352, 0, 48, 256, 256},
    {M::kCenterCrop, 389, 535, 600, false, true, false, 600, 825, 0, 112, 600, 600},
    {M::kCenterCrop, 389, 535, 600, true, false, false, 389, 535, 0, 0, 389, 535},
    {M::kCenterCrop, 535, 389, 3, false, true, true, 4, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 535, 389, 3, true, true, true, 4, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 535, 389, 256, false, true, true, 352, 256, 48, 0, 256, 256},
    {M::kCenterCrop, 535, 389, 256, true, true, true, 352, 256, 48, 0, 256, 256},
    {M::kCenterCrop, 535, 389, 600, false, true, false, 825, 600, 112, 0, 600, 600},
    {M::kCenterCrop, 535, 389, 600, true, false, false, 535, 389, 0, 0, 535, 389},
    {M::kCenterCrop, 123, 456, 3, false, true, true, 3, 11, 0, 4, 3, 3},
    {M::kCenterCrop, 123, 456, 3, true, true, true, 3, 11, 0, 4, 3, 3},
    {M::kCenterCrop, 123, 456, 256, false, true, false, 256, 949, 0, 346, 256, 256},
    {M::kCenterCrop, 123, 456, 256, true, false, false, 123, 456, 0, 0, 123, 456},
    {M::kCenterCrop, 123, 456, 600, false, true, false, 600, 2224, 0, 812, 600, 600},
    {M::kCenterCrop, 123, 456, 600, true, false, false, 123, 456, 0, 0, 123, 456},
    {M::kCenterCrop, 600, 600, 3, false, true, true, 3, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 600, 600, 3, true, true, true, 3, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 600, 600, 256, false, true, true, 256, 256, 0, 0, 256, 256},
    {M::kCenterCrop, 600, 600, 256, true, true, true, 256, 256, 0, 0, 256, 256},
    {M::kCenterCrop, 600, 600, 600, false, true, false, 600, 600, 0, 0, 600, 600},
    {M::kCenterCrop, 600, 600, 600, true, false, false, 600, 600, 0, 0, 600, 600},
    {M::kCenterCrop, 1000, 10, 3, false, true, true, 300, 3, 148, 0, 3, 3},
    {M::kCenterCrop, 1000, 10, 3, true, true, true, 300, 3, 148, 0, 3, 3},
    {M::kCenterCrop, 1000, 10, 256, false, true, false, 25600, 256, 12672, 0, 256, 256},
    {M::kCenterCrop, 1000, 10, 256, true, false, false, 1000, 10, 0, 0, 1000, 10},
    {M::kCenterCrop, 1000, 10, 600, false, true, false, 60000, 600, 29700, 0, 600, 600},
    {M::kCenterCrop, 1000, 10, 600, true, false, false, 1000, 10, 0, 0, 1000, 10},
    {M::kCenterCrop, 3, 2, 3, false, true, false, 4, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 3, 2, 3, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kCenterCrop, 3, 2, 256, false, true, false, 384, 256, 64, 0, 256, 256},
    {M::kCenterCrop, 3, 2, 256, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kCenterCrop, 3, 2, 600, false, true, false, 900, 600, 150, 0, 600, 600},
    {M::kCenterCrop, 3, 2, 600, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kCenterCrop, 6, 4, 3, false, true, true, 4, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 6, 4, 3, true, true, true, 4, 3, 0, 0, 3, 3},
    {M::kCenterCrop, 6, 4, 256, false, true, false, 384, 256, 64, 0, 256, 256},
    {M::kCenterCrop, 6, 4, 256, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kCenterCrop, 6, 4, 600, false, true, false, 900, 600, 150, 0, 600, 600},
    {M::kCenterCrop, 6, 4, 600, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kBorder, 389, 535, 3, false, true, true, 2, 3, 0, 0, 3, 3},
    {M::kBorder, 389, 535, 3, true, true, true, 2, 3, 0, 0, 3, 3},
    {M::kBorder, 389, 535, 256, false, true, true, 186, 256, 35, 0, 256, 256},
    {M::kBorder, 389, 535, 256, true, true, true, 186, 256, 35, 0, 256, 256},
    {M::kBorder, 389, 535, 600, false, true, false, 436, 600, 82, 0, 600, 600},
    {M::kBorder, 389, 535, 600, true, false, false, 389, 535, 0, 0, 389, 535},
    {M::kBorder, 535, 389, 3, false, true, true, 3, 2, 0, 0, 3, 3},
    {M::kBorder, 535, 389, 3, true, true, true, 3, 2, 0, 0, 3, 3},
    {M::kBorder, 535, 389, 256, false, true, true, 256, 186, 0, 35, 256, 256},
    {M::kBorder, 535, 389, 256, true, true, true, 256, 186, 0, 35, 256, 256},
    {M::kBorder, 535, 389, 600, false, true, false, 600, 436, 0, 82, 600, 600},
    {M::kBorder, 535, 389, 600, true, false, false, 535, 389, 0, 0, 535, 389},
    {M::kBorder, 123, 456, 3, false, true, true, 1, 3, 1, 0, 3, 3},
    {M::kBorder, 123, 456, 3, true, true, true, 1, 3, 1, 0, 3, 3},
    {M::kBorder, 123, 456, 256, false, true, true, 69, 256, 93, 0, 256, 256},
    {M::kBorder, 123, 456, 256, true, true, true, 69, 256, 93, 0, 256, 256},
    {M::kBorder, 123, 456, 600, false, true, false, 162, 600, 219, 0, 600, 600},
    {M::kBorder, 123, 456, 600, true, false, false, 123, 456, 0, 0, 123, 456},
    {M::kBorder, 600, 600, 3, false, true, true, 3, 3, 0, 0, 3, 3},
    {M::kBorder, 600, 600, 3, true, true, true, 3, 3, 0, 0, 3, 3},
    {M::kBorder, 600, 600, 256, false, true, true, 256, 256, 0, 0, 256, 256},
    {M::kBorder, 600, 600, 256, true, true, true, 256, 256, 0, 0, 256, 256},
    {M::kBorder, 600, 600, 600, false, true, false, 600, 600, 0, 0, 600, 600},
    {M::kBorder, 600, 600, 600, true, false, false, 600, 600, 0, 0, 600, 600},
    {M::kBorder, 1000, 10, 3, false, true, true, 3, 1, 0, 1, 3, 3},
    {M::kBorder, 1000, 10, 3, true, true, true, 3, 1, 0, 1, 3, 3},
    {M::kBorder, 1000, 10, 256, false, true, true, 256, 3, 0, 126, 256, 256},
    {M::kBorder, 1000, 10, 256, true, true, true, 256, 3, 0, 126, 256, 256},
    {M::kBorder, 1000, 10, 600, false, true, true, 600, 6, 0, 297, 600, 600},
    {M::kBorder, 1000, 10, 600, true, true, true, 600, 6, 0, 297, 600, 600},
    {M::kBorder, 3, 2, 3, false, true, false, 3, 2, 0, 0, 3, 3},
    {M::kBorder, 3, 2, 3, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kBorder, 3, 2, 256, false, true, false, 256, 171, 0, 42, 256, 256},
    {M::kBorder, 3, 2, 256, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kBorder, 3, 2, 600, false, true, false, 600, 400, 0, 100, 600, 600},
    {M::kBorder, 3, 2, 600, true, false, false, 3, 2, 0, 0, 3, 2},
    {M::kBorder, 6, 4, 3, false, true, true, 3, 2, 0, 0, 3, 3},
    {M::kBorder, 6, 4, 3, true, true, true, 3, 2, 0, 0, 3, 3},
    {M::kBorder, 6, 4, 256, false, true, false, 256, 171, 0, 42, 256, 256},
    {M::kBorder, 6, 4, 256, true, false, false, 6, 4, 0, 0, 6, 4},
    {M::kBorder, 6, 4, 600, false, true, false, 600, 400, 0, 100, 600, 600},
    {M::kBorder, 6, 4, 600, true, false, false, 6, 4, 0, 0, 6, 4},
};

std::string Describe(const GeometryRow& row) {
  return "mode=" + std::to_string(static_cast<int>(row.mode)) +
         " source=" + std::to_string(row.width) + "x" + std::to_string(row.height) +
         " S=" + std::to_string(row.size) +
         " resize_only_if_bigger=" + (row.resize_only_if_bigger ? "true" : "false");
}

TEST(PlanResizeTest, EveryModeMatchesReferenceGeometryTable) {
  for (const GeometryRow& row : kRows) {
    SCOPED_TRACE(Describe(row));
    const ResizePlan plan =
        PlanResize(row.width, row.height, Options(row.mode, row.size, row.resize_only_if_bigger));
    EXPECT_EQ(plan.acts, row.acts);
    EXPECT_EQ(plan.scaled_width, row.scaled_width);
    EXPECT_EQ(plan.scaled_height, row.scaled_height);
    EXPECT_EQ(plan.width, row.out_width);
    EXPECT_EQ(plan.height, row.out_height);
    if (row.acts) {
      EXPECT_EQ(plan.interpolation,
                row.downscale ? Interpolation::kArea : Interpolation::kLanczos4);
    }
    const bool crops = row.acts && row.mode == M::kCenterCrop;
    EXPECT_EQ(plan.crop, crops);
    if (crops) {
      EXPECT_EQ(plan.crop_x, row.x);
      EXPECT_EQ(plan.crop_y, row.y);
      EXPECT_EQ(plan.crop_width, row.out_width);
      EXPECT_EQ(plan.crop_height, row.out_height);
    }
    const bool pads = row.acts && row.mode == M::kBorder;
    EXPECT_EQ(plan.pad, pads);
    if (pads) {
      EXPECT_EQ(plan.pad_left, row.x);
      EXPECT_EQ(plan.pad_top, row.y);
      EXPECT_EQ(plan.pad_right, row.out_width - row.scaled_width - row.x);
      EXPECT_EQ(plan.pad_bottom, row.out_height - row.scaled_height - row.y);
    } else {
      EXPECT_EQ(plan.pad_left + plan.pad_right + plan.pad_top + plan.pad_bottom, 0);
    }
  }
}

TEST(PlanResizeTest, ReferenceExamplesForS600Source389x535) {
  EXPECT_EQ(PlanResize(389, 535, Options(M::kKeepRatio, 600)).width, 600);
  EXPECT_EQ(PlanResize(389, 535, Options(M::kKeepRatio, 600)).height, 825);
  EXPECT_EQ(PlanResize(389, 535, Options(M::kKeepRatioLargest, 600)).width, 436);
  EXPECT_EQ(PlanResize(389, 535, Options(M::kKeepRatioLargest, 600)).height, 600);
  for (const ResizeMode mode : {M::kBorder, M::kCenterCrop}) {
    const ResizePlan plan = PlanResize(389, 535, Options(mode, 600));
    EXPECT_EQ(plan.width, 600);
    EXPECT_EQ(plan.height, 600);
  }
  const ResizePlan no = PlanResize(389, 535, Options(M::kNo, 600));
  EXPECT_EQ(no.width, 389);
  EXPECT_EQ(no.height, 535);
}

TEST(PlanResizeTest, KeepRatioS256Source123x456Gives256x949) {
  const ResizePlan plan = PlanResize(123, 456, Options(M::kKeepRatio, 256));
  EXPECT_EQ(plan.width, 256);
  EXPECT_EQ(plan.height, 949);
}

TEST(PlanResizeTest, HalfwayScaledSizeRoundsHalfToEven) {
  // 3 * (3/2.0) == 4.5 and 6 * (3/4.0) == 4.5 exactly in binary floating point; Python's round
  // gives 4 where round-half-up would give 5.
  ASSERT_EQ(3 * (3.0 / 2), 4.5);
  ASSERT_EQ(6 * (3.0 / 4), 4.5);
  EXPECT_EQ(PlanResize(3, 2, Options(M::kKeepRatio, 3)).scaled_width, 4);
  EXPECT_EQ(PlanResize(6, 4, Options(M::kKeepRatio, 3)).scaled_width, 4);
  // 3 * (5/2.0) == 7.5 rounds up to the even 8.
  EXPECT_EQ(PlanResize(3, 2, Options(M::kKeepRatio, 5)).scaled_width, 8);
}

TEST(PlanResizeTest, ScaledSideNeverRoundsToZero) {
  const ResizePlan plan = PlanResize(10000, 1, Options(M::kKeepRatioLargest, 16));
  EXPECT_EQ(plan.scaled_width, 16);
  EXPECT_EQ(plan.scaled_height, 1);
}

TEST(PlanResizeTest, ModeNoNeverActsWhateverTheSize) {
  for (const bool only_if_bigger : {false, true}) {
    for (const int size : {1, 3, 256, 600, 100000}) {
      for (const auto& [width, height] :
           std::vector<std::pair<int, int>>{{389, 535}, {1, 1}, {5000, 20}}) {
        const ResizePlan plan = PlanResize(width, height, Options(M::kNo, size, only_if_bigger));
        EXPECT_FALSE(plan.acts);
        EXPECT_FALSE(plan.crop);
        EXPECT_FALSE(plan.pad);
        EXPECT_EQ(plan.width, width);
        EXPECT_EQ(plan.height, height);
        EXPECT_FALSE(plan.resample(width, height));
      }
    }
  }
}

TEST(PlanResizeTest, BorderWithOnlyIfBiggerOnSmallImageNeitherPadsNorActs) {
  const ResizePlan plan = PlanResize(100, 50, Options(M::kBorder, 256, true));
  EXPECT_FALSE(plan.acts);
  EXPECT_FALSE(plan.pad);
  EXPECT_EQ(plan.width, 100);
  EXPECT_EQ(plan.height, 50);
}

TEST(PlanResizeTest, CenterCropWithOnlyIfBiggerOnSmallImageDoesNotCrop) {
  const ResizePlan plan = PlanResize(300, 100, Options(M::kCenterCrop, 256, true));
  EXPECT_FALSE(plan.acts);
  EXPECT_FALSE(plan.crop);
  EXPECT_EQ(plan.width, 300);
  EXPECT_EQ(plan.height, 100);
}

TEST(PlanResizeTest, KeepRatioAtExactSizeActsWithoutResampling) {
  // min side already S: the mode acts (the image is re-encoded) but no pixel is resampled.
  const ResizePlan plan = PlanResize(256, 400, Options(M::kKeepRatio, 256));
  EXPECT_TRUE(plan.acts);
  EXPECT_FALSE(plan.resample(256, 400));
  EXPECT_EQ(plan.interpolation, Interpolation::kLanczos4);
}

}  // namespace
}  // namespace img2dataset
