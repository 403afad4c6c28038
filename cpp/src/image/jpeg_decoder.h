// JPEG decoding with libjpeg-turbo, at reduced size when the target is small: the DCT scaling
// of the decoder skips most of the work of a full decode (1/2, 1/4 and 1/8 are SIMD-accelerated).
//
// Thread safety: free functions; each thread keeps its own decompressor.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace img2dataset {

struct JpegHeader {
  int width = 0;
  int height = 0;
  bool gray = false;
  bool cmyk = false;    // CMYK or YCCK: left to the exact path, which converts like OpenCV
  bool yuv420 = false;  // colour with 4:2:0 chroma subsampling, like most web JPEGs
};

// nullopt when the bytes are not a JPEG whose header libjpeg-turbo can read.
std::optional<JpegHeader> ReadJpegHeader(std::string_view bytes);

// The largest reduction 1/denominator (denominator 1, 2, 4 or 8) that keeps the decoded image at
// least `min_width` x `min_height`.
int JpegScaleDenominator(const JpegHeader& header, int min_width, int min_height);

// Decodes to 8-bit BGR (1 channel for grayscale JPEGs) at 1/denominator of the full size
// (rounded up). An empty Mat when libjpeg reports an error or a warning (a truncated scan, stray
// bytes): the caller decodes those files with OpenCV, which recovers from warnings.
// REQUIRES: !header.cmyk, denominator in {1, 2, 4, 8}
cv::Mat DecodeJpeg(std::string_view bytes, const JpegHeader& header, int denominator);

// One step from a 4:2:0 JPEG to a 4:2:0 JPEG without ever leaving YUV: DCT-scaled decode to
// planes, area resampling of each plane into the output canvas (white padding for border),
// crop, and encoding from the planes. Skips both colour conversions and the RGB resize.
// `scaled_width` x `scaled_height` is the size after scaling; the canvas is `canvas_width` x
// `canvas_height`, the scaled image placed at (`left`, `top`) — or, with a crop, the window
// (`left`, `top`, canvas size) of the scaled image is kept. nullopt when the data is corrupt.
// REQUIRES: header.yuv420
struct YuvResize {
  int denominator = 1;
  int scaled_width = 0, scaled_height = 0;
  int canvas_width = 0, canvas_height = 0;
  int left = 0, top = 0;
  bool crop = false;
  int quality = 95;
};
std::optional<std::string> ResizeJpegInYuv(std::string_view bytes, const JpegHeader& header,
                                           const YuvResize& resize);

}  // namespace img2dataset
