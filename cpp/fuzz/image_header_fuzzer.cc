// Image sizes from headers, read for every format whatever the magic bytes say.
#include <string_view>

#include "fuzz_check.h"
#include "image/image_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const ImageFormat format :
       {ImageFormat::kUnknown, ImageFormat::kJpeg, ImageFormat::kPng, ImageFormat::kWebp,
        ImageFormat::kGif, ImageFormat::kBmp, ImageFormat::kTiff}) {
    const std::optional<ImageSize> image_size = ReadImageSize(bytes, format);
    if (!image_size) continue;
    FUZZ_CHECK(image_size->width > 0 && image_size->height > 0);
    FUZZ_CHECK(image_size->width <= (1 << 30) && image_size->height <= (1 << 30));
    FUZZ_CHECK(format != ImageFormat::kUnknown);
  }
  return 0;
}
