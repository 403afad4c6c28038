#include "image/orientation.h"

#include <optional>

#include "image/exif_locator.h"
#include "image/exif_reader.h"

namespace img2dataset {

int ExifOrientation(std::string_view image_bytes) {
  const std::optional<std::string_view> tiff = FindJpegExifBlock(image_bytes);
  if (!tiff) return 1;
  const std::optional<uint16_t> orientation = ReadIfd0Short(*tiff, /*Orientation*/ 0x0112);
  return orientation && *orientation >= 1 && *orientation <= 8 ? *orientation : 1;
}

cv::Mat ApplyOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(image, out, 1);  // mirror horizontally
      return out;
    case 3:
      cv::rotate(image, out, cv::ROTATE_180);
      return out;
    case 4:
      cv::flip(image, out, 0);  // mirror vertically
      return out;
    case 5:
      cv::transpose(image, out);
      return out;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7:
      cv::transpose(image, out);
      cv::rotate(out, out, cv::ROTATE_180);
      return out;
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

}  // namespace img2dataset
