// The third stage of ImageProcessor::Process: from decoded pixels to the pixels to store. 8 bits
// (16-bit images scaled, on the fast pipeline), upright (EXIF orientation), alpha flattened onto
// white, then the reference's order: resize, blur the boxes, crop or pad.
//
// Thread safety: free function over its arguments.
#pragma once

#include <opencv2/core.hpp>

#include "image/image_plan.h"

namespace img2dataset {

// May set plan->encode_needed (flattened alpha is always re-encoded).
cv::Mat TransformImage(const ImageOptions& options, cv::Mat image, ImagePlan* plan);

}  // namespace img2dataset
