// The first frame of a GIF (giflib), composed on the logical screen.
#include <opencv2/core.hpp>
#include <string_view>

#include "fuzz_check.h"
#include "image/gif_decoder.h"
#include "image/image_header.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const cv::Mat image = DecodeGifFirstFrame(bytes);
  if (image.empty()) return 0;
  // The canvas is the logical screen that the header names.
  FUZZ_CHECK(image.type() == CV_8UC4);
  const std::optional<ImageSize> header = ReadImageSize(bytes, ImageFormat::kGif);
  FUZZ_CHECK(header.has_value());
  FUZZ_CHECK(image.cols == header->width && image.rows == header->height);
  return 0;
}
