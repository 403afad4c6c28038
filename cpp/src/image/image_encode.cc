#include "image/image_encode.h"

#include <optional>
#include <string>

#include "image/image_plan.h"
#include "image/jpeg_encoder.h"
#include "image/png_encoder.h"
#include "image/webp_encoder.h"

namespace img2dataset {

ProcessedImage EncodeImage(const ImageOptions& options, const cv::Mat& image,
                           ProcessedImage result) {
  // JPEG and WebP have 8 bits: deeper pixels (the exact pipeline's 16-bit PNGs and TIFFs) are
  // saturated, as OpenCV's imencode converted them.
  cv::Mat pixels = image;
  if (options.encode_format != EncodeFormat::kPng && image.depth() != CV_8U) {
    image.convertTo(pixels, CV_8U);
  }
  std::optional<std::string> encoded;
  switch (options.encode_format) {
    case EncodeFormat::kJpg:
      encoded = EncodeJpeg(pixels, options.encode_quality);
      break;
    case EncodeFormat::kPng:
      encoded = EncodePng(pixels, options.encode_quality);
      break;
    case EncodeFormat::kWebp:
      encoded = EncodeWebp(pixels, options.encode_quality);
      break;
  }
  if (!encoded) return ImageFailure(ErrorClass::kEncode, "Image encoding error");
  result.encoded = std::move(*encoded);
  return result;
}

}  // namespace img2dataset
