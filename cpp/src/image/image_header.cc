#include "image/image_header.h"

#include <cstdint>
#include <cstdlib>

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

std::optional<ImageSize> WebpSize(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") {  // extended: 24-bit canvas size minus one
    return Checked(int64_t{LittleEndian(b, 24, 3)} + 1, int64_t{LittleEndian(b, 27, 3)} + 1);
  }
  if (chunk == "VP8L" && static_cast<uint8_t>(b[20]) == 0x2F) {  // lossless: 14-bit sizes
    const uint32_t bits = LittleEndian(b, 21, 4);
    return Checked(int64_t{bits & 0x3FFF} + 1, int64_t{(bits >> 14) & 0x3FFF} + 1);
  }
  if (chunk == "VP8 " && static_cast<uint8_t>(b[23]) == 0x9D &&
      static_cast<uint8_t>(b[24]) == 0x01 && static_cast<uint8_t>(b[25]) == 0x2A) {  // lossy
    return Checked(LittleEndian(b, 26, 2) & 0x3FFF, LittleEndian(b, 28, 2) & 0x3FFF);
  }
  return std::nullopt;
}

// Classic TIFF: ImageWidth (256) and ImageLength (257) of the first IFD, SHORT or LONG.
std::optional<ImageSize> TiffSize(std::string_view b) {
  if (b.size() < 8) return std::nullopt;
  const bool little = b[0] == 'I';
  const auto read = [&](size_t at, int bytes) -> std::optional<uint32_t> {
    if (at + bytes > b.size()) return std::nullopt;
    uint32_t value = 0;
    for (int i = 0; i < bytes; ++i) {
      const size_t k = little ? at + bytes - 1 - i : at + i;
      value = (value << 8) | static_cast<uint8_t>(b[k]);
    }
    return value;
  };
  const std::optional<uint32_t> ifd = read(4, 4);
  const std::optional<uint32_t> count = ifd ? read(*ifd, 2) : std::nullopt;
  if (!count) return std::nullopt;
  int64_t width = 0, height = 0;
  for (uint32_t i = 0; i < *count; ++i) {
    const size_t entry = size_t{*ifd} + 2 + 12 * size_t{i};
    const std::optional<uint32_t> tag = read(entry, 2), type = read(entry + 2, 2);
    if (!tag || !type) return std::nullopt;
    if (*tag != 256 && *tag != 257) continue;
    const std::optional<uint32_t> value = *type == 3   ? read(entry + 8, 2)
                                          : *type == 4 ? read(entry + 8, 4)
                                                       : std::nullopt;
    if (!value) return std::nullopt;
    (*tag == 256 ? width : height) = *value;
  }
  return Checked(width, height);
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
    case ImageFormat::kWebp:
      return WebpSize(b);
    case ImageFormat::kGif:
      if (b.size() < 10) return std::nullopt;
      return Checked(LittleEndian(b, 6, 2), LittleEndian(b, 8, 2));
    case ImageFormat::kBmp: {
      if (b.size() < 26) return std::nullopt;
      // OS/2 1.x bitmaps (BITMAPCOREHEADER, 12 bytes) have 16-bit unsigned sizes.
      if (LittleEndian(b, 14, 4) == 12) {
        return Checked(LittleEndian(b, 18, 2), LittleEndian(b, 20, 2));
      }
      const auto height = static_cast<int32_t>(LittleEndian(b, 22, 4));  // negative: top-down
      return Checked(static_cast<int32_t>(LittleEndian(b, 18, 4)), std::llabs(int64_t{height}));
    }
    case ImageFormat::kTiff:
      return TiffSize(b);
    default:  // not read here (image/decoder.h probes the others)
      break;
  }
  return std::nullopt;
}

}  // namespace img2dataset
