// The second stage of ImageProcessor::Process: pixels from the body, per the plan. JPEGs on the
// fast pipeline decode at reduced size where the resize allows (libjpeg-turbo's DCT scaling),
// and a 4:2:0 JPEG resized into a JPEG never leaves YUV, which finishes the image here; every
// other body goes through its decoder-table entry at full size.
//
// Thread safety: free function over its arguments.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/image_plan.h"

namespace img2dataset {

struct DecodedImage {
  // The pixels, as the table's decoders give them; empty when the body is corrupt (or `done`).
  cv::Mat image;
  // Set when the image was finished without pixels leaving the decoder: the YUV resize, or a
  // JPEG only checked to decode before being kept as downloaded.
  std::optional<ProcessedImage> done;
};

// May set plan->encode_needed (a reduced-size decode is always re-encoded).
DecodedImage DecodeImage(std::string_view bytes, const ImageOptions& options, ImagePlan* plan);

}  // namespace img2dataset
