#include "image/webp_encoder.h"

#include <webp/encode.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace img2dataset {

std::optional<std::string> EncodeWebp(const cv::Mat& image, int quality) {
  if (image.depth() != CV_8U || image.channels() == 2 || image.channels() > 4) return std::nullopt;
  cv::Mat pixels = image;
  if (image.channels() == 1) cv::cvtColor(image, pixels, cv::COLOR_GRAY2BGR);
  const bool alpha = pixels.channels() == 4;
  const bool lossless = quality > 100;
  const int stride = static_cast<int>(pixels.step);
  uint8_t* output = nullptr;
  size_t size = 0;
  if (lossless) {
    size = alpha ? WebPEncodeLosslessBGRA(pixels.data, pixels.cols, pixels.rows, stride, &output)
                 : WebPEncodeLosslessBGR(pixels.data, pixels.cols, pixels.rows, stride, &output);
  } else {
    const auto q = static_cast<float>(std::max(quality, 1));
    size = alpha ? WebPEncodeBGRA(pixels.data, pixels.cols, pixels.rows, stride, q, &output)
                 : WebPEncodeBGR(pixels.data, pixels.cols, pixels.rows, stride, q, &output);
  }
  if (size == 0) {
    WebPFree(output);
    return std::nullopt;
  }
  std::string encoded(reinterpret_cast<const char*>(output), size);
  WebPFree(output);
  return encoded;
}

}  // namespace img2dataset
