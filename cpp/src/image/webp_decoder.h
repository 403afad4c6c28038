// WebP decoding with libwebp: stills as OpenCV 4.6's cv::imdecode(IMREAD_UNCHANGED) gives them
// (the same libwebp calls: BGR, or BGRA when the bitstream has alpha), and the first frame of an
// animation, which OpenCV refuses, composited by libwebp's WebPAnimDecoder on the transparent
// canvas: BGRA of the canvas size.
//
// Thread safety: free functions; libwebp decoders keep no global state.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/decoder.h"

namespace img2dataset {

// WebPGetFeatures: the canvas size; 4 channels with alpha or for an animation, else 3; depth 8;
// `animated` for an animation (even of one frame). nullopt when libwebp cannot read the headers.
// No pixel buffer is allocated.
std::optional<ImageInfo> ProbeWebp(std::string_view bytes);

// 8-bit BGR or BGRA (see above); an empty Mat when the data is corrupt or truncated, or when the
// headers do not describe the image `info` says (nothing is allocated then).
// REQUIRES: `info` is ProbeWebp's answer for `bytes`.
cv::Mat DecodeWebp(std::string_view bytes, const ImageInfo& info);

}  // namespace img2dataset
