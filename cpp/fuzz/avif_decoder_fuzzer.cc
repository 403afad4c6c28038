// AVIF probe and first-image decode (libavif, dav1d): the probe's claims, the decoded image's size
// and format.
#include <opencv2/core.hpp>
#include <string_view>

#include "fuzz_check.h"
#include "image/avif_decoder.h"
#include "probe_decode_check.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  fuzz::ProbeThenDecode(std::string_view(reinterpret_cast<const char*>(data), size), &ProbeAvif,
                        &DecodeAvif);
  return 0;
}
