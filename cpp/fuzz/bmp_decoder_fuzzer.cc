// BMP with our reader of OpenCV's pixels (palettes, bit fields, RLE): probe, then decode
// within the pixel limit.
#include <opencv2/core.hpp>
#include <string_view>

#include "decoder_fuzz.h"
#include "fuzz_check.h"
#include "image/bmp_decoder.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fuzz::CheckProbeAndDecode(bytes, &ProbeBmp, &DecodeBmp);
  return 0;
}
