#include "image/jpeg_encoder.h"

#include <turbojpeg.h>

namespace img2dataset {

namespace {

tjhandle ThreadCompressor() {
  struct Handle {
    tjhandle handle = tjInitCompress();
    ~Handle() {
      if (handle != nullptr) tjDestroy(handle);
    }
  };
  thread_local Handle compressor;
  return compressor.handle;
}

}  // namespace

std::optional<std::string> EncodeJpeg(const cv::Mat& image, int quality) {
  tjhandle compressor = ThreadCompressor();
  if (compressor == nullptr || image.depth() != CV_8U ||
      (image.channels() != 1 && image.channels() != 3)) {
    return std::nullopt;
  }
  const bool grey = image.channels() == 1;
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  // TurboJPEG's default compression DCT is the fast one; libjpeg's and OpenCV's is islow.
  if (tjCompress2(compressor, image.data, image.cols, static_cast<int>(image.step), image.rows,
                  grey ? TJPF_GRAY : TJPF_BGR, &jpeg, &size, grey ? TJSAMP_GRAY : TJSAMP_420,
                  quality, TJFLAG_ACCURATEDCT) != 0) {
    tjFree(jpeg);
    return std::nullopt;
  }
  std::string encoded(reinterpret_cast<const char*>(jpeg), size);
  tjFree(jpeg);
  return encoded;
}

}  // namespace img2dataset
