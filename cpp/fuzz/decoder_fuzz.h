// Shared by the fuzz targets of the decoder table's entries (image/decoder.h): probe, then decode
// what the engine's pixel limit would let through, and check that the two agree.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "fuzz_check.h"
#include "image/decoder.h"

namespace img2dataset::fuzz {

// The max_image_pixels a fuzzing engine would apply: larger probes are refused before decoding,
// as the engine refuses them.
constexpr int64_t kMaxDecodePixels = 4'000'000;

// Aborts when the probe's answer is malformed or the decode contradicts it.
inline void CheckProbeAndDecode(std::string_view bytes, ProbeFunction probe,
                                DecodeFunction decode) {
  const std::optional<ImageInfo> info = probe(bytes);
  if (!info) return;
  FUZZ_CHECK(info->width > 0 && info->height > 0);
  FUZZ_CHECK(info->channels == 1 || info->channels == 3 || info->channels == 4);
  FUZZ_CHECK(info->depth == 8 || info->depth == 16);
  if (int64_t{info->width} * info->height > kMaxDecodePixels) return;
  const cv::Mat image = decode(bytes, *info);
  if (image.empty()) return;
  FUZZ_CHECK(image.cols == info->width && image.rows == info->height);
  FUZZ_CHECK(image.channels() == info->channels);
  FUZZ_CHECK(image.depth() == (info->depth == 16 ? CV_16U : CV_8U));
}

}  // namespace img2dataset::fuzz
