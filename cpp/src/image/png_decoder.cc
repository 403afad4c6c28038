#include "image/png_decoder.h"

#include <libdeflate.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <string>

#include "image/sniff.h"
#include "util/byte_order.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace img2dataset {

namespace {

constexpr size_t kSignatureBytes = 8;

// One decompressor per thread, kept: allocating one costs about as much as a small inflate.
libdeflate_decompressor* Decompressor() {
  struct Handle {
    libdeflate_decompressor* decompressor = libdeflate_alloc_decompressor();
    ~Handle() {
      if (decompressor != nullptr) libdeflate_free_decompressor(decompressor);
    }
  };
  thread_local Handle handle;
  return handle.decompressor;
}

// What the fast path needs from the chunks: the header fields and the image data, joined.
struct PngStream {
  uint32_t width = 0, height = 0;
  int channels = 0;  // 1 grey, 3 RGB, 4 RGBA
  std::string image_data;
};

// Walks the chunks, checking every CRC as libpng does. False for anything the fast path leaves
// to libpng: other pixel formats, transparency chunks, unknown critical chunks, IDAT chunks that
// are not consecutive, a bad CRC, a file that ends before IEND.
bool ReadChunks(std::string_view bytes, PngStream& png) {
  if (SniffImageFormat(bytes) != ImageFormat::kPng) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t at = kSignatureBytes;
  bool header_seen = false, palette_seen = false, data_ended = false;
  while (bytes.size() - at >= 12) {
    const uint32_t length = LoadBigEndian32(p + at);
    if (length > 0x7fffffffu || bytes.size() - at - 12 < length) return false;
    const unsigned char* type = p + at + 4;
    const unsigned char* data = type + 4;
    const uint32_t crc = LoadBigEndian32(data + length);
    if (libdeflate_crc32(0, type, length + 4) != crc) return false;
    at += 12 + size_t{length};
    const std::string_view name(reinterpret_cast<const char*>(type), 4);
    if (!header_seen) {
      if (name != "IHDR" || length != 13) return false;
      png.width = LoadBigEndian32(data);
      png.height = LoadBigEndian32(data + 4);
      const int depth = data[8], colour = data[9];
      png.channels = colour == 0 ? 1 : colour == 2 ? 3 : colour == 6 ? 4 : 0;
      // compression, filter and interlace methods: only 0 (deflate, adaptive, none) here
      if (png.width == 0 || png.height == 0 || png.width > 0x7fffffffu ||
          png.height > 0x7fffffffu || depth != 8 || png.channels == 0 || data[10] != 0 ||
          data[11] != 0 || data[12] != 0) {
        return false;
      }
      header_seen = true;
    } else if (name == "IDAT") {
      if (data_ended) return false;
      png.image_data.append(reinterpret_cast<const char*>(data), length);
    } else if (name == "IEND") {
      return !png.image_data.empty();
    } else {
      if (!png.image_data.empty()) data_ended = true;
      // tRNS adds an alpha channel in libpng's expansion; critical chunks other than one PLTE
      // before the data (a suggested palette for RGB) are libpng's to judge.
      if (name == "tRNS" || ((type[0] & 0x20) == 0 && name != "PLTE")) return false;
      if (name == "PLTE" && (palette_seen || !png.image_data.empty())) return false;
      palette_seen = palette_seen || name == "PLTE";
    }
  }
  return false;  // no IEND
}

int PaethPredictor(int a, int b, int c) {
  const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

void UnfilterScalar(int type, uint8_t* row, const uint8_t* prior, size_t length, int bpp) {
  const size_t step = static_cast<size_t>(bpp);
  switch (type) {
    case 1:
      for (size_t i = step; i < length; ++i) row[i] = static_cast<uint8_t>(row[i] + row[i - step]);
      break;
    case 3:
      for (size_t i = 0; i < length; ++i) {
        const int left = i >= step ? row[i - step] : 0;
        row[i] = static_cast<uint8_t>(row[i] + ((left + prior[i]) >> 1));
      }
      break;
    case 4:
      for (size_t i = 0; i < length; ++i) {
        const int left = i >= step ? row[i - step] : 0;
        const int upper_left = i >= step ? prior[i - step] : 0;
        row[i] = static_cast<uint8_t>(row[i] + PaethPredictor(left, prior[i], upper_left));
      }
      break;
    default:
      break;
  }
}

#if defined(__SSE2__)
// Average and Paeth for 3- and 4-byte pixels: one pixel per step, its bytes side by side in 16-bit
// lanes. Each pixel depends on the one to its left, so the SIMD width goes to the channels.
__m128i LoadPixel(const uint8_t* p) {
  int32_t value;
  std::memcpy(&value, p, sizeof value);  // 4 bytes: one past a 3-byte pixel
  return _mm_unpacklo_epi8(_mm_cvtsi32_si128(value), _mm_setzero_si128());
}

template <size_t kBytesPerPixel>
void StorePixel(uint8_t* p, __m128i pixel) {
  const int32_t value = _mm_cvtsi128_si32(_mm_packus_epi16(pixel, pixel));
  std::memcpy(p, &value, kBytesPerPixel);
}

__m128i Absolute(__m128i v) { return _mm_max_epi16(v, _mm_sub_epi16(_mm_setzero_si128(), v)); }

__m128i Select(__m128i mask, __m128i if_set, __m128i otherwise) {
  return _mm_or_si128(_mm_and_si128(mask, if_set), _mm_andnot_si128(mask, otherwise));
}

template <size_t kBytesPerPixel>
void UnfilterPixelsSse2(int type, uint8_t* row, const uint8_t* prior, size_t length) {
  const __m128i low_byte = _mm_set1_epi16(0xff);
  __m128i left = _mm_setzero_si128(), upper_left = _mm_setzero_si128();
  for (size_t i = 0; i < length; i += kBytesPerPixel) {
    const __m128i upper = LoadPixel(prior + i);
    __m128i predicted;
    if (type == 3) {
      predicted = _mm_srli_epi16(_mm_add_epi16(left, upper), 1);
    } else {
      const __m128i to_upper = _mm_sub_epi16(upper, upper_left);
      const __m128i to_left = _mm_sub_epi16(left, upper_left);
      const __m128i pa = Absolute(to_upper), pb = Absolute(to_left);
      const __m128i pc = Absolute(_mm_add_epi16(to_upper, to_left));
      const __m128i smallest = _mm_min_epi16(pa, _mm_min_epi16(pb, pc));
      // left if pa is the smallest, else upper if pb is, else upper-left: PaethPredictor
      predicted = Select(_mm_cmpeq_epi16(pb, smallest), upper, upper_left);
      predicted = Select(_mm_cmpeq_epi16(pa, smallest), left, predicted);
    }
    left = _mm_and_si128(_mm_add_epi16(LoadPixel(row + i), predicted), low_byte);
    StorePixel<kBytesPerPixel>(row + i, left);
    upper_left = upper;
  }
}
#endif

}  // namespace

bool UnfilterPngRow(int type, uint8_t* row, const uint8_t* prior, size_t length,
                    int bytes_per_pixel) {
  switch (type) {
    case 0:
      return true;
    case 2:
      for (size_t i = 0; i < length; ++i) row[i] = static_cast<uint8_t>(row[i] + prior[i]);
      return true;
    case 1:
    case 3:
    case 4:
#if defined(__SSE2__)
      if (type != 1 && bytes_per_pixel == 3) {
        UnfilterPixelsSse2<3>(type, row, prior, length);
        return true;
      }
      if (type != 1 && bytes_per_pixel == 4) {
        UnfilterPixelsSse2<4>(type, row, prior, length);
        return true;
      }
#endif
      UnfilterScalar(type, row, prior, length, bytes_per_pixel);
      return true;
    default:
      return false;  // libpng: "bad adaptive filter value"
  }
}

cv::Mat DecodePng(std::string_view bytes) {
  libdeflate_decompressor* decompressor = Decompressor();
  PngStream png;
  if (decompressor == nullptr || !ReadChunks(bytes, png)) return {};

  // Each row is its filter byte and its pixels; the whole image data inflates into one buffer,
  // unfiltered in place. Four spare bytes after it for the 4-byte pixel loads.
  const size_t row_bytes = size_t{png.width} * static_cast<size_t>(png.channels);
  const size_t stride = row_bytes + 1;
  const size_t expected = stride * png.height;
  const std::unique_ptr<uint8_t[]> inflated(new uint8_t[expected + 4]);
  size_t produced = 0;
  if (libdeflate_zlib_decompress(decompressor, png.image_data.data(), png.image_data.size(),
                                 inflated.get(), expected, &produced) != LIBDEFLATE_SUCCESS ||
      produced != expected) {
    return {};  // corrupt or short: libpng says which
  }
  png.image_data = std::string();

  const std::unique_ptr<uint8_t[]> zeros(new uint8_t[row_bytes + 4]());
  const uint8_t* prior = zeros.get();
  for (size_t y = 0; y < png.height; ++y) {
    uint8_t* row = inflated.get() + y * stride;
    if (!UnfilterPngRow(row[0], row + 1, prior, row_bytes, png.channels)) return {};
    prior = row + 1;
  }

  // The pixels, without the filter bytes, in OpenCV's channel order.
  const cv::Mat pixels(static_cast<int>(png.height), static_cast<int>(png.width),
                       CV_8UC(png.channels), inflated.get() + 1, stride);
  cv::Mat image;
  switch (png.channels) {
    case 3:
      cv::cvtColor(pixels, image, cv::COLOR_RGB2BGR);
      break;
    case 4:
      cv::cvtColor(pixels, image, cv::COLOR_RGBA2BGRA);
      break;
    default:
      image = pixels.clone();
      break;
  }
  return image;
}

}  // namespace img2dataset
