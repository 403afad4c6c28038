// The engine's own PNG decoder (libdeflate, SIMD unfiltering), checked against libpng: whatever
// it decodes, libpng (image/libpng_decoder.h, which decodes as OpenCV does) must decode to the
// same pixels, since files it doubts go there.
//
// Each input is tried twice: as a PNG file, its chunk CRCs rewritten first (a mutation would
// almost always break one, and the decoder would stop at the first chunk); and as the raw rows
// of a PNG built around it (size and colour type from its first two bytes, the rest compressed
// as the image data), which reaches the unfiltering with every filter byte and pixel size.
#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "image/image_header.h"
#include "image/libpng_decoder.h"
#include "image/png_decoder.h"
#include "util/byte_order.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);
  return 0;
}

namespace {

void FixChunkCrcs(std::string& png) {
  size_t at = 8;
  while (png.size() >= 12 && at <= png.size() - 12) {
    const auto* p = reinterpret_cast<const unsigned char*>(png.data()) + at;
    const uint32_t length = img2dataset::LoadBigEndian32(p);
    if (length > png.size() - at - 12) return;
    const uint32_t crc = libdeflate_crc32(0, p + 4, length + 4);
    for (int i = 0; i < 4; ++i) png[at + 8 + length + i] = static_cast<char>(crc >> (24 - 8 * i));
    at += 12 + size_t{length};
  }
}

std::string Chunk(const char* type, const std::string& data) {
  std::string chunk;
  for (int i = 0; i < 4; ++i) chunk += static_cast<char>(data.size() >> (24 - 8 * i));
  chunk += type;
  chunk += data;
  const uint32_t crc = libdeflate_crc32(0, reinterpret_cast<const unsigned char*>(chunk.data()) + 4,
                                        data.size() + 4);
  for (int i = 0; i < 4; ++i) chunk += static_cast<char>(crc >> (24 - 8 * i));
  return chunk;
}

// A PNG whose rows are `input` after its first two bytes.
std::string PngAround(const uint8_t* input, size_t size) {
  if (size < 3) return {};
  const uint32_t width = 1 + input[0] % 64;
  constexpr int kColourTypes[] = {0, 2, 6};  // grey, RGB, RGBA
  const int colour = kColourTypes[input[1] % 3];
  const size_t stride = 1 + size_t{width} * (colour == 0 ? 1 : colour == 2 ? 3 : 4);
  const uint32_t height = static_cast<uint32_t>(std::max<size_t>(1, (size - 2) / stride));
  std::string rows(reinterpret_cast<const char*>(input) + 2, size - 2);
  rows.resize(stride * height, '\0');
  std::string header(13, '\0');
  for (int i = 0; i < 4; ++i) {
    header[i] = static_cast<char>(width >> (24 - 8 * i));
    header[4 + i] = static_cast<char>(height >> (24 - 8 * i));
  }
  header[8] = 8;
  header[9] = static_cast<char>(colour);
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(1);
  std::string data(libdeflate_zlib_compress_bound(compressor, rows.size()), '\0');
  data.resize(
      libdeflate_zlib_compress(compressor, rows.data(), rows.size(), data.data(), data.size()));
  libdeflate_free_compressor(compressor);
  return std::string("\x89PNG\r\n\x1a\n", 8) + Chunk("IHDR", header) + Chunk("IDAT", data) +
         Chunk("IEND", "");
}

void CheckAgainstLibpng(const std::string& png) {
  using namespace img2dataset;
  const std::optional<ImageSize> header = ReadImageSize(png, ImageFormat::kPng);
  // The bomb guard runs before any decoder in the engine; here too.
  if (!header || int64_t{header->width} * header->height > (int64_t{1} << 22)) return;
  const cv::Mat image = DecodePng(png);
  if (image.empty()) return;
  FUZZ_CHECK(image.depth() == CV_8U);
  FUZZ_CHECK(image.cols == header->width && image.rows == header->height);
  const cv::Mat reference = DecodePngWithLibpng(png, header->width, header->height);
  FUZZ_CHECK(!reference.empty());
  FUZZ_CHECK(reference.size() == image.size() && reference.type() == image.type());
  FUZZ_CHECK(cv::norm(reference, image, cv::NORM_INF) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, std::size_t size) {
  if (size > img2dataset::fuzz::kMaxInputBytes) return 0;
  std::string png(reinterpret_cast<const char*>(input), size);
  FixChunkCrcs(png);
  CheckAgainstLibpng(png);
  CheckAgainstLibpng(PngAround(input, size));
  return 0;
}
