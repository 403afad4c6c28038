// Decode, filter, resize and encode one downloaded body, as the reference img2dataset's Resizer
// does (OpenCV decode "unchanged", alpha flattened onto white, reference geometry, OpenCV
// interpolation and encoders).
//
// Thread safety: Process is const and may run on many threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "img2dataset/bounding_boxes.h"
#include "img2dataset/options.h"
#include "img2dataset/sample.h"

namespace img2dataset {

struct ProcessedImage {
  ErrorClass error_class = ErrorClass::kNone;  // kNone: success
  std::string error_message;
  // The bytes to store. Empty with keep_original: store the downloaded bytes as they are.
  std::string encoded;
  bool keep_original = false;
  // Unset with disable_all_reencoding, as in the reference.
  std::optional<int> width, height, original_width, original_height;

  bool ok() const { return error_class == ErrorClass::kNone; }
};

class ImageProcessor {
 public:
  explicit ImageProcessor(const ImageOptions& options) : options_(options) {}

  // `boxes`: the row's bounding boxes to blur (bbox_col), or nullptr.
  ProcessedImage Process(std::string_view body, const BoundingBoxes* boxes = nullptr) const;

 private:
  ImageOptions options_;
};

}  // namespace img2dataset
