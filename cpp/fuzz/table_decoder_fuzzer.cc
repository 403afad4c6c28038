// One entry of the decoder table (image/decoder.h), built once per format as
// <format>_decoder_fuzzer (cpp/fuzz/CMakeLists.txt defines FUZZ_FORMAT): probe, then decode what
// the engine's pixel limit would let through, and check the contract between the two — the
// probe's answer is a size and a pixel format the engine can take, and the decoded image, when
// there is one, is exactly that.
#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "fuzz_check.h"
#include "image/decoder.h"

namespace img2dataset {
namespace {

// The max_image_pixels a fuzzing engine would apply: larger probes are refused before decoding,
// as the engine refuses them, and decoding them only slows the run down.
constexpr int64_t kMaxDecodedPixels = 4'000'000;

void ProbeThenDecode(std::string_view bytes, const Decoder& decoder) {
  const std::optional<ImageInfo> info = decoder.probe(bytes);
  if (!info) return;
  FUZZ_CHECK(info->width > 0 && info->height > 0);
  FUZZ_CHECK(info->channels == 1 || info->channels == 3 || info->channels == 4);
  FUZZ_CHECK(info->depth == 8 || info->depth == 16);
  if (int64_t{info->width} * info->height > kMaxDecodedPixels) return;
  const cv::Mat image = decoder.decode(bytes, *info);
  if (image.empty()) return;
  FUZZ_CHECK(image.cols == info->width && image.rows == info->height);
  FUZZ_CHECK(image.channels() == info->channels);
  FUZZ_CHECK(image.depth() == (info->depth == 16 ? CV_16U : CV_8U));
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
  const Decoder* decoder = FindDecoder(ImageFormat::FUZZ_FORMAT);
  FUZZ_CHECK(decoder != nullptr);
  ProbeThenDecode(std::string_view(reinterpret_cast<const char*>(data), size), *decoder);
  return 0;
}
