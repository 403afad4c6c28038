#include "image/png_encoder.h"

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <csetjmp>
#include <vector>

namespace img2dataset {

namespace {

void Append(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))
      ->append(reinterpret_cast<const char*>(data), length);
}

void Flush(png_structp) {}

// libpng reports errors by longjmp: nothing with a destructor may live between the setjmp and
// the calls that can fail, so the state is set up by the caller.
bool Write(png_structp png, png_infop info, const cv::Mat& image, int level, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_compression_level(png, level);
  // OpenCV sets zlib's default strategy; libpng's own default for filtered rows is Z_FILTERED.
  png_set_compression_strategy(png, Z_DEFAULT_STRATEGY);
  const int channels = image.channels();
  const int colour = channels == 1   ? PNG_COLOR_TYPE_GRAY
                     : channels == 3 ? PNG_COLOR_TYPE_RGB
                                     : PNG_COLOR_TYPE_RGBA;
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.cols),
               static_cast<png_uint_32>(image.rows), image.depth() == CV_16U ? 16 : 8, colour,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_set_bgr(png);
  png_set_swap(png);  // 16-bit samples: the Mat holds them little-endian, PNG big-endian
  png_write_image(png, rows);
  png_write_end(png, info);
  return true;
}

}  // namespace

std::optional<std::string> EncodePng(const cv::Mat& image, int level) {
  const int channels = image.channels();
  if ((image.depth() != CV_8U && image.depth() != CV_16U) ||
      (channels != 1 && channels != 3 && channels != 4)) {
    return std::nullopt;
  }
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return std::nullopt;
  }
  std::string encoded;
  std::vector<png_bytep> rows(static_cast<size_t>(image.rows));
  for (int y = 0; y < image.rows; ++y) rows[static_cast<size_t>(y)] = image.data + y * image.step;
  png_set_write_fn(png, &encoded, Append, Flush);
  const bool ok = Write(png, info, image, std::clamp(level, 0, 9), rows.data());
  png_destroy_write_struct(&png, &info);
  if (!ok) return std::nullopt;
  return encoded;
}

}  // namespace img2dataset
