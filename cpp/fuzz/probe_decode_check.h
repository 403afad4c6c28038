// Shared by the fuzz targets of the decoder table's entries (image/decoder.h): probe, then decode
// what the probe lets through, and check the contract between the two.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "fuzz_check.h"
#include "image/decoder.h"

namespace img2dataset::fuzz {

// Probes with a larger claim are not decoded: the engine refuses them by size before decoding,
// and decoding them only slows the run down.
constexpr int64_t kMaxDecodedPixels = 4'000'000;

// The probe's answer is a size and a pixel format the engine can take; the decoder's image, when
// it makes one, is exactly that.
inline void ProbeThenDecode(std::string_view bytes, ProbeFunction probe, DecodeFunction decode) {
  const std::optional<ImageInfo> info = probe(bytes);
  if (!info) return;
  FUZZ_CHECK(info->width > 0 && info->height > 0);
  FUZZ_CHECK(info->channels == 1 || info->channels == 3 || info->channels == 4);
  FUZZ_CHECK(info->depth == 8 || info->depth == 16);
  if (int64_t{info->width} * info->height > kMaxDecodedPixels) return;
  const cv::Mat image = decode(bytes, *info);
  if (image.empty()) return;
  FUZZ_CHECK(image.cols == info->width && image.rows == info->height);
  FUZZ_CHECK(image.channels() == info->channels);
  FUZZ_CHECK(image.depth() == (info->depth == 8 ? CV_8U : CV_16U));
}

}  // namespace img2dataset::fuzz
