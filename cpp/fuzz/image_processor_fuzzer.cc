// ImageProcessor::Process on arbitrary bodies, through both pipelines: sniffing, header reads,
// EXIF orientation, every decoder (TurboJPEG, giflib, OpenCV), resize and encode.
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <string_view>

#include "fuzz_check.h"
#include "image/image_processor.h"

namespace img2dataset {
namespace {

// The options are derived from the input's size, so that a corpus file stays a plain image and
// each one still meets several resize modes and encoders as the fuzzer grows and shrinks it.
ImageOptions OptionsFor(std::size_t size, ImagePipeline pipeline) {
  static constexpr ResizeMode kModes[] = {ResizeMode::kBorder, ResizeMode::kKeepRatio,
                                          ResizeMode::kCenterCrop, ResizeMode::kKeepRatioLargest,
                                          ResizeMode::kNo};
  static constexpr EncodeFormat kFormats[] = {EncodeFormat::kJpg, EncodeFormat::kPng,
                                              EncodeFormat::kWebp};
  ImageOptions options;
  options.pipeline = pipeline;
  options.resize_mode = kModes[size % 5];
  options.image_size = 8 + static_cast<int>(size % 41);  // small: encodes stay cheap
  options.encode_format = kFormats[(size / 5) % 3];
  options.encode_quality = options.encode_format == EncodeFormat::kPng ? 1 : 80;
  options.resize_only_if_bigger = (size / 15) % 2 == 1;
  options.skip_reencode = (size / 30) % 2 == 1;
  // Bounds what a small input may make the decoders allocate and fill.
  options.max_image_pixels = 1 << 22;
  return options;
}

void CheckResult(const ProcessedImage& result, const ImageOptions& options) {
  if (!result.ok()) {
    FUZZ_CHECK(!result.error_message.empty());
    FUZZ_CHECK(result.encoded.empty());
    return;
  }
  FUZZ_CHECK(result.width.has_value() && result.height.has_value());
  FUZZ_CHECK(result.original_width.has_value() && result.original_height.has_value());
  FUZZ_CHECK(*result.width > 0 && *result.height > 0);
  FUZZ_CHECK(int64_t{*result.original_width} * *result.original_height <= options.max_image_pixels);
  FUZZ_CHECK(result.keep_original == result.encoded.empty());
  if (options.resize_mode == ResizeMode::kBorder ||
      options.resize_mode == ResizeMode::kCenterCrop) {
    if (!options.resize_only_if_bigger) {
      FUZZ_CHECK(*result.width == options.image_size && *result.height == options.image_size);
    }
  }
}

}  // namespace
}  // namespace img2dataset

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);  // single-threaded: reproducible, and what the fuzzer measures
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  ImageOptions fast_options = OptionsFor(size, ImagePipeline::kFast);
  ImageOptions exact_options = OptionsFor(size, ImagePipeline::kExact);
  // One input in four also blurs boxes read from its last 32 bytes: any doubles, NaN and
  // infinities included (the importer refuses those, the blur must still not misbehave).
  BoundingBoxes boxes;
  if (size % 4 == 3 && size >= 32) {
    std::array<double, 4> box{};
    std::memcpy(box.data(), data + size - 32, 32);
    boxes.boxes.push_back(box);
    boxes.single_precision = size % 8 == 7;
    // The reference's blur kernel grows with the image (its cost is pixels x kernel, as in
    // cv2.GaussianBlur): with resize_mode "no" a 4-megapixel image took over 20 s under the
    // sanitizers. Blurred inputs stay small so that a run tests behaviour, not patience.
    fast_options.max_image_pixels = exact_options.max_image_pixels = 1 << 16;
  }
  const ProcessedImage fast = ImageProcessor(fast_options).Process(body, &boxes);
  const ProcessedImage exact = ImageProcessor(exact_options).Process(body, &boxes);
  CheckResult(fast, fast_options);
  CheckResult(exact, exact_options);
  // Both pipelines read the same headers and run the same libjpeg: they accept and refuse the
  // same bodies, and agree on the size.
  FUZZ_CHECK(fast.error_class == exact.error_class);
  if (fast.ok()) {
    FUZZ_CHECK(fast.width == exact.width && fast.height == exact.height);
    FUZZ_CHECK(fast.original_width == exact.original_width &&
               fast.original_height == exact.original_height);
  }
  return 0;
}
