// JPEG decoding with libjpeg-turbo, at reduced size when the target is small: the DCT scaling
// of the decoder skips most of the work of a full decode (1/2, 1/4 and 1/8 are SIMD-accelerated).
//
// Thread safety: free functions; each thread keeps its own decompressor.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

namespace img2dataset {

struct JpegHeader {
  int width = 0;
  int height = 0;
  bool gray = false;
  bool cmyk = false;  // CMYK or YCCK: left to the exact path, which converts like OpenCV
};

// nullopt when the bytes are not a JPEG whose header libjpeg-turbo can read.
std::optional<JpegHeader> ReadJpegHeader(std::string_view bytes);

// The largest reduction 1/denominator (denominator 1, 2, 4 or 8) that keeps the decoded image at
// least `min_width` x `min_height`.
int JpegScaleDenominator(const JpegHeader& header, int min_width, int min_height);

// Decodes to 8-bit BGR (1 channel for grayscale JPEGs) at 1/denominator of the full size
// (rounded up). An empty Mat when the data is corrupt.
// REQUIRES: !header.cmyk, denominator in {1, 2, 4, 8}
cv::Mat DecodeJpeg(std::string_view bytes, const JpegHeader& header, int denominator);

}  // namespace img2dataset
