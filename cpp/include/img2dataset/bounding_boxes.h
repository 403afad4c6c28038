// The bounding boxes of one input row (the reference's `bbox_col`): regions to blur, such as
// faces, in coordinates relative to the image.
//
// Thread safety: plain values.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace img2dataset {

struct BoundingBoxes {
  // [x_min, y_min, x_max, y_max], each in [0, 1] relative to the image's width and height, in the
  // image's stored orientation (as the reference sees it: before any EXIF rotation).
  std::vector<std::array<double, 4>> boxes;
  // The column held float32 values: the reference then multiplies in float32, which can move a
  // box edge by one pixel, and so does the engine.
  bool single_precision = false;
  // Set when the row's value is not a list of 4-number boxes: the sample fails with this message
  // instead of being stored unblurred.
  std::string error;
};

// Why a box read from a row cannot be used, worded for the sample's error message; empty when it
// can. `value_count` is the number of values of the box, nullopt for a null box.
std::string BoundingBoxShapeError(std::optional<size_t> value_count);
// The same for one coordinate (nullopt for a null).
std::string BoundingBoxValueError(std::optional<double> value);

}  // namespace img2dataset
