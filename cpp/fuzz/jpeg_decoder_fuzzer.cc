// JPEG header reads and DCT-scaled decodes (TurboJPEG), and the libjpeg decode that takes what
// TurboJPEG leaves (damaged files, CMYK).
#include <opencv2/core.hpp>
#include <string_view>

#include "fuzz_check.h"
#include "image/jpeg_decoder.h"
#include "image/libjpeg_decoder.h"

namespace img2dataset {
namespace {

// Decodes above this many pixels (after scaling) are skipped: they only slow the run down.
constexpr int64_t kMaxDecodedPixels = 1 << 20;

// The header of a 1x1 grayscale JPEG (SOI, SOF0, SOS).
constexpr std::string_view kTinyJpegHeader(
    "\xFF\xD8\xFF\xC0\x00\x0B\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    "\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00",
    25);

void Exercise(std::string_view bytes) {
  const std::optional<JpegHeader> header = ReadJpegHeader(bytes);
  if (!header) return;
  FUZZ_CHECK(header->width > 0 && header->height > 0);
  FUZZ_CHECK(!(header->gray && header->cmyk));
  if (int64_t{header->width} * header->height <= kMaxDecodedPixels) {
    const cv::Mat image = DecodeJpegWithLibjpeg(bytes, header->width, header->height);
    FUZZ_CHECK(image.empty() || (image.cols == header->width && image.rows == header->height));
  }
  if (header->cmyk) return;  // DecodeJpeg's contract: CMYK goes to libjpeg

  for (const int denominator : {8, 1}) {
    const int width = (header->width + denominator - 1) / denominator;
    const int height = (header->height + denominator - 1) / denominator;
    if (int64_t{width} * height > kMaxDecodedPixels) continue;
    FUZZ_CHECK(JpegScaleDenominator(*header, width, height) >= denominator);
    const cv::Mat image = DecodeJpeg(bytes, *header, denominator);
    if (image.empty()) continue;
    FUZZ_CHECK(image.cols == width && image.rows == height);
    FUZZ_CHECK(image.type() == (header->gray ? CV_8UC1 : CV_8UC3));
  }
}

}  // namespace
}  // namespace img2dataset

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  Exercise(std::string_view(reinterpret_cast<const char*>(data), size));
  // The decompressor is kept per thread: whatever the input did, the next image must still read.
  const std::optional<JpegHeader> tiny = ReadJpegHeader(kTinyJpegHeader);
  FUZZ_CHECK(tiny.has_value() && tiny->width == 1 && tiny->height == 1);
  return 0;
}
