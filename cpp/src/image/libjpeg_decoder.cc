#include "image/libjpeg_decoder.h"

// jpeglib.h needs size_t and FILE declared first.
#include <csetjmp>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
// clang-format on

#include <vector>

namespace img2dataset {

namespace {

struct ErrorManager {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

void ErrorExit(j_common_ptr info) {
  std::longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1);
}

void IgnoreMessage(j_common_ptr, int) {}  // warnings: decoding goes on, as in OpenCV
void NoOutput(j_common_ptr) {}

// OpenCV's CMYK to BGR (icvCvt_CMYK2BGR_8u_C4C3R), for the inverted CMYK libjpeg gives.
void CmykRowToBgr(const uint8_t* cmyk, uint8_t* bgr, int width) {
  for (int x = 0; x < width; ++x, cmyk += 4, bgr += 3) {
    const int k = cmyk[3];
    bgr[2] = static_cast<uint8_t>(k - ((255 - cmyk[0]) * k >> 8));
    bgr[1] = static_cast<uint8_t>(k - ((255 - cmyk[1]) * k >> 8));
    bgr[0] = static_cast<uint8_t>(k - ((255 - cmyk[2]) * k >> 8));
  }
}

// The header: false on an error. Only trivially destructible objects live here (longjmp).
bool ReadHeader(jpeg_decompress_struct* info, ErrorManager* error, std::string_view bytes) {
  if (setjmp(error->jump)) return false;
  jpeg_mem_src(info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  return jpeg_read_header(info, TRUE) == JPEG_HEADER_OK;
}

// The scanlines into `image`; `cmyk_row` holds one row of 4 components for CMYK files.
bool ReadPixels(jpeg_decompress_struct* info, ErrorManager* error, cv::Mat* image,
                uint8_t* cmyk_row) {
  if (setjmp(error->jump)) return false;
  const bool cmyk = info->num_components == 4;
  info->out_color_space = cmyk ? JCS_CMYK : info->num_components == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_start_decompress(info);
  while (info->output_scanline < info->output_height) {
    uint8_t* row = image->ptr<uint8_t>(static_cast<int>(info->output_scanline));
    JSAMPROW target = cmyk ? cmyk_row : row;
    jpeg_read_scanlines(info, &target, 1);
    if (cmyk) CmykRowToBgr(cmyk_row, row, image->cols);
  }
  jpeg_finish_decompress(info);
  return true;
}

}  // namespace

cv::Mat DecodeJpegWithLibjpeg(std::string_view bytes, int width, int height) {
  jpeg_decompress_struct info;
  ErrorManager error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = ErrorExit;
  error.manager.emit_message = IgnoreMessage;
  error.manager.output_message = NoOutput;
  jpeg_create_decompress(&info);
  cv::Mat image;
  if (ReadHeader(&info, &error, bytes) && static_cast<int>(info.image_width) == width &&
      static_cast<int>(info.image_height) == height &&
      (info.num_components == 1 || info.num_components == 3 || info.num_components == 4)) {
    image.create(height, width, info.num_components == 1 ? CV_8UC1 : CV_8UC3);
    std::vector<uint8_t> cmyk_row(info.num_components == 4 ? size_t{4} * width : 0);
    if (!ReadPixels(&info, &error, &image, cmyk_row.data())) image.release();
  }
  jpeg_destroy_decompress(&info);
  return image;
}

}  // namespace img2dataset
