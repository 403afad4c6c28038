#include "image/image_header.h"

#include <cstdint>

#include "image/jpeg_decoder.h"
#include "util/byte_order.h"

namespace img2dataset {

namespace {

uint32_t LittleEndian(std::string_view b, size_t at, int bytes) {
  uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(b[at + i]);
  return value;
}

std::optional<ImageSize> Checked(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0 || width > (1 << 30) || height > (1 << 30)) return std::nullopt;
  return ImageSize{static_cast<int>(width), static_cast<int>(height)};
}

}  // namespace

std::optional<ImageSize> ReadImageSize(std::string_view b, ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: {
      const std::optional<JpegHeader> header = ReadJpegHeader(b);
      if (!header) return std::nullopt;
      return ImageSize{header->width, header->height};
    }
    case ImageFormat::kPng:
      // Signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
      if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
      return Checked(LoadBigEndian32(b.data() + 16), LoadBigEndian32(b.data() + 20));
    case ImageFormat::kGif:
      if (b.size() < 10) return std::nullopt;
      return Checked(LittleEndian(b, 6, 2), LittleEndian(b, 8, 2));
    default:  // not read here (image/decoder.h probes the others)
      break;
  }
  return std::nullopt;
}

}  // namespace img2dataset
