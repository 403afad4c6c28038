// Transparency: the reference composites images with an alpha channel onto white before
// anything else, and so does the engine.
//
// Thread safety: pure function.
#pragma once

#include <opencv2/core.hpp>

namespace img2dataset {

// BGRA (8 or 16 bits) to 8-bit BGR composited onto white with the reference's formula,
// out = round_half_even(clip(alpha/255 * colour + 255 - alpha, 0, 255)): bit-identical to it.
// REQUIRES: bgra has 4 channels
cv::Mat FlattenAlphaOntoWhite(const cv::Mat& bgra);

}  // namespace img2dataset
