// JPEG decoding through libjpeg's own API, as OpenCV's imdecode does it (the reference's decode):
// the islow IDCT and fancy upsampling (libjpeg's defaults), BGR or grey, CMYK and YCCK converted
// with OpenCV's formula, and warnings tolerated — a truncated file decodes, its missing data
// grey, where image/jpeg_decoder.h gives up.
//
// Thread safety: a free function.
#pragma once

#include <opencv2/core.hpp>
#include <string_view>

namespace img2dataset {

// 8-bit BGR (1 channel for one-component JPEGs); an empty Mat on a libjpeg error, or when the
// image is not `width` x `height` (the size the caller probed).
cv::Mat DecodeJpegWithLibjpeg(std::string_view bytes, int width, int height);

}  // namespace img2dataset
