// The codec-library encoders against OpenCV's imencode, which the engine used before: the same
// bytes for the same pixels and settings.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "image/jpeg_encoder.h"
#include "image/png_encoder.h"
#include "image/webp_encoder.h"

namespace img2dataset {
namespace {

// A gradient with some texture, so that every encoder has work to do.
cv::Mat Pattern(int channels, int depth = CV_8U) {
  cv::Mat image(37, 53, CV_MAKETYPE(depth, channels));
  const double scale = depth == CV_16U ? 257.0 : 1.0;
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      for (int c = 0; c < channels; ++c) {
        const double value = (x * 5 + y * 3 + c * 40 + ((x * y) % 17) * 4) % 256;
        if (depth == CV_16U) {
          image.ptr<uint16_t>(y)[x * channels + c] = static_cast<uint16_t>(value * scale + c);
        } else {
          image.ptr<uint8_t>(y)[x * channels + c] = static_cast<uint8_t>(value);
        }
      }
    }
  }
  return image;
}

std::string OpenCvEncode(const cv::Mat& image, const char* extension, std::vector<int> params) {
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params));
  return std::string(bytes.begin(), bytes.end());
}

TEST(EncodersTest, JpegIsWhatOpenCvWrites) {
  for (const int channels : {1, 3}) {
    for (const int quality : {1, 50, 75, 95, 100}) {
      const cv::Mat image = Pattern(channels);
      const std::optional<std::string> jpeg = EncodeJpeg(image, quality);
      ASSERT_TRUE(jpeg.has_value());
      EXPECT_EQ(*jpeg, OpenCvEncode(image, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality}))
          << channels << " channels, quality " << quality;
    }
  }
}

TEST(EncodersTest, PngIsWhatOpenCvWrites) {
  for (const int depth : {CV_8U, CV_16U}) {
    for (const int channels : {1, 3, 4}) {
      for (const int level : {0, 1, 6, 9}) {
        const cv::Mat image = Pattern(channels, depth);
        const std::optional<std::string> png = EncodePng(image, level);
        ASSERT_TRUE(png.has_value());
        EXPECT_EQ(*png, OpenCvEncode(image, ".png", {cv::IMWRITE_PNG_COMPRESSION, level}))
            << channels << " channels, depth " << depth << ", level " << level;
      }
    }
  }
}

TEST(EncodersTest, WebpIsWhatOpenCvWrites) {
  for (const int channels : {1, 3, 4}) {
    for (const int quality : {0, 1, 80, 100, 101}) {
      const cv::Mat image = Pattern(channels);
      const std::optional<std::string> webp = EncodeWebp(image, quality);
      ASSERT_TRUE(webp.has_value());
      EXPECT_EQ(*webp, OpenCvEncode(image, ".webp", {cv::IMWRITE_WEBP_QUALITY, quality}))
          << channels << " channels, quality " << quality;
    }
  }
}

TEST(EncodersTest, UnsupportedLayoutsFail) {
  EXPECT_FALSE(EncodeJpeg(Pattern(4), 95).has_value());
  EXPECT_FALSE(EncodeJpeg(Pattern(3, CV_16U), 95).has_value());
  EXPECT_FALSE(EncodePng(Pattern(2), 3).has_value());
  EXPECT_FALSE(EncodeWebp(Pattern(3, CV_16U), 80).has_value());
}

}  // namespace
}  // namespace img2dataset
