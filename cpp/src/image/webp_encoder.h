// WebP encoding with libwebp, as OpenCV's imencode(".webp", {IMWRITE_WEBP_QUALITY, quality})
// writes it: lossy at `quality` (at least 1), lossless above 100; grey images as BGR — the same
// bytes for the same pixels.
//
// Thread safety: a free function.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>

namespace img2dataset {

// `image`: 8-bit grey, BGR or BGRA. nullopt when libwebp fails.
std::optional<std::string> EncodeWebp(const cv::Mat& image, int quality);

}  // namespace img2dataset
