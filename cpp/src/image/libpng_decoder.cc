#include "image/libpng_decoder.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <vector>

namespace img2dataset {

namespace {

struct Source {
  std::string_view bytes;
  size_t at = 0;
};

void Read(png_structp png, png_bytep data, png_size_t length) {
  auto* source = static_cast<Source*>(png_get_io_ptr(png));
  if (length > source->bytes.size() - source->at) png_error(png, "truncated PNG");
  std::memcpy(data, source->bytes.data() + source->at, length);
  source->at += length;
}

void IgnoreWarning(png_structp, png_const_charp) {}
void Error(png_structp png, png_const_charp) { png_longjmp(png, 1); }

// The decoded layout OpenCV chooses (PngDecoder::readHeader): channels, then depth.
struct Layout {
  int channels = 0;
  int depth = 8;
};

// Reads the header and sets up libpng's transforms; only trivially destructible objects live
// here (longjmp).
bool Prepare(png_structp png, png_infop info, Layout* layout) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  const int colour = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  png_bytep alpha = nullptr;
  int transparent = 0;
  png_color_16p values = nullptr;
  if (colour == PNG_COLOR_TYPE_RGB || colour == PNG_COLOR_TYPE_PALETTE) {
    png_get_tRNS(png, info, &alpha, &transparent, &values);
    layout->channels = transparent > 0 ? 4 : 3;
  } else if (colour == PNG_COLOR_TYPE_GRAY_ALPHA || colour == PNG_COLOR_TYPE_RGB_ALPHA) {
    layout->channels = 4;
  } else {
    layout->channels = 1;
  }
  layout->depth = depth == 16 ? 16 : 8;
  if (depth == 16) png_set_swap(png);  // little-endian samples in the Mat
  if (layout->channels < 4) {
    png_set_strip_alpha(png);
  } else {
    png_set_tRNS_to_alpha(png);
  }
  if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((colour & PNG_COLOR_MASK_COLOR) == 0 && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if ((colour & PNG_COLOR_MASK_COLOR) != 0 && layout->channels > 1) {
    png_set_bgr(png);
  } else if (layout->channels > 1) {
    png_set_gray_to_rgb(png);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return true;
}

bool ReadRows(png_structp png, png_infop info, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, info);
  return true;
}

}  // namespace

cv::Mat DecodePngWithLibpng(std::string_view bytes, int width, int height) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, Error, IgnoreWarning);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return {};
  }
  Source source{bytes};
  png_set_read_fn(png, &source, Read);
  cv::Mat image;
  Layout layout;
  if (Prepare(png, info, &layout) && static_cast<int>(png_get_image_width(png, info)) == width &&
      static_cast<int>(png_get_image_height(png, info)) == height) {
    image.create(height, width, CV_MAKETYPE(layout.depth == 16 ? CV_16U : CV_8U, layout.channels));
    std::vector<png_bytep> rows(static_cast<size_t>(height));
    for (int y = 0; y < height; ++y) rows[static_cast<size_t>(y)] = image.ptr<uint8_t>(y);
    if (!ReadRows(png, info, rows.data())) image.release();
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

}  // namespace img2dataset
