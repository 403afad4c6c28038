#include "image/jpeg_decoder.h"

#include <turbojpeg.h>

namespace img2dataset {

namespace {

// One decompressor per thread, created on first use and kept: creating one costs more than
// decoding a small image.
tjhandle Decompressor() {
  struct Handle {
    tjhandle handle = tjInitDecompress();
    ~Handle() {
      if (handle != nullptr) tjDestroy(handle);
    }
  };
  thread_local Handle handle;
  return handle.handle;
}

int ScaledSize(int size, int denominator) { return (size + denominator - 1) / denominator; }

}  // namespace

std::optional<JpegHeader> ReadJpegHeader(std::string_view bytes) {
  tjhandle handle = Decompressor();
  if (handle == nullptr || bytes.empty()) return std::nullopt;
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<unsigned long>(bytes.size()), &width, &height, &subsampling,
                          &colorspace) != 0 ||
      width <= 0 || height <= 0) {
    return std::nullopt;
  }
  JpegHeader header;
  header.width = width;
  header.height = height;
  header.gray = colorspace == TJCS_GRAY;
  header.cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  return header;
}

int JpegScaleDenominator(const JpegHeader& header, int min_width, int min_height) {
  for (int denominator : {8, 4, 2}) {
    if (ScaledSize(header.width, denominator) >= min_width &&
        ScaledSize(header.height, denominator) >= min_height) {
      return denominator;
    }
  }
  return 1;
}

cv::Mat DecodeJpeg(std::string_view bytes, const JpegHeader& header, int denominator) {
  tjhandle handle = Decompressor();
  if (handle == nullptr) return {};
  const int width = ScaledSize(header.width, denominator);
  const int height = ScaledSize(header.height, denominator);
  cv::Mat image(height, width, header.gray ? CV_8UC1 : CV_8UC3);
  const int status = tjDecompress2(handle, reinterpret_cast<const unsigned char*>(bytes.data()),
                                   static_cast<unsigned long>(bytes.size()), image.data, width,
                                   static_cast<int>(image.step), height,
                                   header.gray ? TJPF_GRAY : TJPF_BGR, TJFLAG_NOREALLOC);
  // A warning (for example a truncated scan) still yields an image, as with OpenCV, which fills
  // the missing rows; only errors fail.
  if (status != 0 && tjGetErrorCode(handle) == TJERR_FATAL) return {};
  return image;
}

}  // namespace img2dataset
