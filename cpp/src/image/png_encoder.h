// PNG encoding with libpng, as OpenCV's imencode(".png", {IMWRITE_PNG_COMPRESSION, level})
// writes it: zlib's default strategy at `level`, libpng's adaptive filters, 8 or 16 bits — the
// same bytes for the same pixels.
//
// Thread safety: a free function.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>

namespace img2dataset {

// `image`: 8- or 16-bit grey, BGR or BGRA; `level` 0 to 9 (clamped). nullopt when libpng fails.
std::optional<std::string> EncodePng(const cv::Mat& image, int level);

}  // namespace img2dataset
