#include "img2dataset/bounding_boxes.h"

#include <cmath>

namespace img2dataset {

std::string BoundingBoxShapeError(std::optional<size_t> value_count) {
  if (value_count == 4) return {};
  return "bounding box must be a list of 4 numbers [x_min, y_min, x_max, y_max], got " +
         (value_count ? std::to_string(*value_count) + " values" : std::string("null"));
}

std::string BoundingBoxValueError(std::optional<double> value) {
  if (!value) return "bounding box has a null coordinate";
  if (!std::isfinite(*value)) return "bounding box has a coordinate that is not a finite number";
  return {};
}

}  // namespace img2dataset
