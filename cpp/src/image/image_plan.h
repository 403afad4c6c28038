// The first stage of ImageProcessor::Process: everything decided before a pixel exists. The
// body's format and the decoder table's probe of its header, the EXIF orientation, the upright
// size, the bomb guard (max_image_pixels) and the reference's size filters, the resize plan, and
// whether the stored bytes may be the downloaded ones.
//
// Thread safety: free function over its arguments.
#pragma once

#include <optional>
#include <string_view>

#include "image/decoder.h"
#include "image/geometry.h"
#include "image/image_processor.h"

namespace img2dataset {

struct ImagePlan {
  ImageFormat format = ImageFormat::kUnknown;
  const Decoder* decoder = nullptr;
  ImageInfo info;       // the header's answer: the size as stored
  int orientation = 1;  // EXIF, when it is applied
  bool swap_axes = false;
  int width = 0, height = 0;  // upright: the reference's original_width / original_height
  ResizePlan resize;
  const BoundingBoxes* boxes = nullptr;  // non-null with boxes to blur
  bool encode_needed = false;            // the stored bytes cannot be the downloaded ones
};

// The failure of an image refused before decoding: a format outside the decoder table
// (unsupported_format), an unreadable header (decode), too many pixels (too_large), or the
// filters (filtered). Otherwise nullopt, and *plan filled.
// REQUIRES: `boxes` is null or holds valid boxes.
std::optional<ProcessedImage> PlanImage(std::string_view bytes, const BoundingBoxes* boxes,
                                        const ImageOptions& options, ImagePlan* plan);

// A failed ProcessedImage.
ProcessedImage ImageFailure(ErrorClass error_class, std::string message);

}  // namespace img2dataset
