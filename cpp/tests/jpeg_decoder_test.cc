#include "image/jpeg_decoder.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>

#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Encode;

// Smooth content (gradients and a low-frequency wave), so that a reduced decode and a downscaled
// full decode agree closely.
cv::Mat SmoothBgr(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double wave = 60 * std::sin(x * 0.02) * std::cos(y * 0.03);
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(255.0 * x / width),
                                            cv::saturate_cast<uchar>(255.0 * y / height),
                                            cv::saturate_cast<uchar>(128 + wave));
    }
  }
  return image;
}

JpegHeader Header(int width, int height) {
  JpegHeader header;
  header.width = width;
  header.height = height;
  return header;
}

// A YCCK JPEG, the form TurboJPEG writes from CMYK pixels (Adobe's CMYK JPEGs are YCCK too).
std::string YcckJpeg(int width, int height) {
  std::vector<unsigned char> cmyk(static_cast<size_t>(width) * height * 4, 100);
  tjhandle compressor = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int status = tjCompress2(compressor, cmyk.data(), width, 0, height, TJPF_CMYK, &jpeg, &size,
                                 TJSAMP_444, 90, 0);
  EXPECT_EQ(status, 0) << tjGetErrorStr2(compressor);
  std::string bytes(reinterpret_cast<const char*>(jpeg), size);
  tjFree(jpeg);
  tjDestroy(compressor);
  return bytes;
}

TEST(ReadJpegHeaderTest, ColourJpeg) {
  const std::optional<JpegHeader> header = ReadJpegHeader(Encode(SmoothBgr(64, 48), ".jpg"));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->width, 64);
  EXPECT_EQ(header->height, 48);
  EXPECT_FALSE(header->gray);
  EXPECT_FALSE(header->cmyk);
}

TEST(ReadJpegHeaderTest, GrayJpeg) {
  const std::optional<JpegHeader> header =
      ReadJpegHeader(Encode(cv::Mat(5, 7, CV_8UC1, cv::Scalar(90)), ".jpg"));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->width, 7);
  EXPECT_EQ(header->height, 5);
  EXPECT_TRUE(header->gray);
  EXPECT_FALSE(header->cmyk);
}

TEST(ReadJpegHeaderTest, YcckJpegIsCmyk) {
  // OpenCV cannot write CMYK; a plain (non-YCCK) CMYK JPEG is covered by the Python tests'
  // fixture cmyk_160x120.jpg.
  const std::optional<JpegHeader> header = ReadJpegHeader(YcckJpeg(24, 16));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->width, 24);
  EXPECT_EQ(header->height, 16);
  EXPECT_TRUE(header->cmyk);
  EXPECT_FALSE(header->gray);
}

TEST(ReadJpegHeaderTest, NonJpegAndBrokenHeadersAreNullopt) {
  EXPECT_FALSE(ReadJpegHeader("").has_value());
  EXPECT_FALSE(ReadJpegHeader("\xFF\xD8").has_value());
  EXPECT_FALSE(ReadJpegHeader("\xFF\xD8\xFF\xE0garbage-garbage-garbage").has_value());
  EXPECT_FALSE(ReadJpegHeader(Encode(SmoothBgr(8, 8), ".png")).has_value());
  const std::string jpeg = Encode(SmoothBgr(64, 48), ".jpg");
  EXPECT_FALSE(ReadJpegHeader(jpeg.substr(0, 100)).has_value());
}

TEST(JpegScaleDenominatorTest, LargestReductionThatKeepsTheNeededSize) {
  const JpegHeader header = Header(1024, 768);
  const struct {
    int min_width, min_height, denominator;
  } kCases[] = {
      {1024, 768, 1}, {1025, 1, 1},  {513, 1, 1},   {512, 384, 2}, {512, 385, 1},
      {257, 10, 2},   {256, 192, 4}, {129, 1, 4},   {128, 96, 8},  {1, 1, 8},
      {0, 0, 8},      {128, 97, 4},  {300, 150, 2}, {10, 600, 1},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(JpegScaleDenominator(header, c.min_width, c.min_height), c.denominator)
        << c.min_width << "x" << c.min_height;
  }
}

TEST(JpegScaleDenominatorTest, ScaledSizesRoundUp) {
  // 1001x750 at 1/8 is 126x94 (125.125 and 93.75 rounded up).
  const JpegHeader header = Header(1001, 750);
  EXPECT_EQ(JpegScaleDenominator(header, 126, 94), 8);
  EXPECT_EQ(JpegScaleDenominator(header, 127, 94), 4);
  EXPECT_EQ(JpegScaleDenominator(header, 126, 95), 4);
  EXPECT_EQ(JpegScaleDenominator(Header(1, 1), 1, 1), 8);
}

TEST(DecodeJpegTest, ReducedDecodesHaveRoundedUpSizesAndMatchADownscaledFullDecode) {
  const int width = 203, height = 157;  // not multiples of 8
  const std::string bytes =
      Encode(SmoothBgr(width, height), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
  const std::optional<JpegHeader> header = ReadJpegHeader(bytes);
  ASSERT_TRUE(header.has_value());
  const cv::Mat full = DecodeJpeg(bytes, *header, 1);
  ASSERT_EQ(full.size(), cv::Size(width, height));
  ASSERT_EQ(full.type(), CV_8UC3);
  // The full decode is what OpenCV decodes.
  EXPECT_EQ(cv::norm(full, testing::Decode(bytes, cv::IMREAD_COLOR), cv::NORM_INF), 0);
  for (const int denominator : {2, 4, 8}) {
    SCOPED_TRACE("1/" + std::to_string(denominator));
    const cv::Mat reduced = DecodeJpeg(bytes, *header, denominator);
    const cv::Size expected((width + denominator - 1) / denominator,
                            (height + denominator - 1) / denominator);
    ASSERT_EQ(reduced.size(), expected);
    ASSERT_EQ(reduced.type(), CV_8UC3);
    cv::Mat downscaled;
    cv::resize(full, downscaled, expected, 0, 0, cv::INTER_AREA);
    cv::Mat diff;
    cv::absdiff(reduced, downscaled, diff);
    EXPECT_LT(cv::mean(diff)[0], 4.0);
    EXPECT_LT(cv::mean(diff)[1], 4.0);
    EXPECT_LT(cv::mean(diff)[2], 4.0);
  }
}

TEST(DecodeJpegTest, GrayJpegDecodesToOneChannel) {
  const std::string bytes = Encode(cv::Mat(40, 24, CV_8UC1, cv::Scalar(77)), ".jpg");
  const std::optional<JpegHeader> header = ReadJpegHeader(bytes);
  ASSERT_TRUE(header.has_value());
  for (const int denominator : {1, 2, 4, 8}) {
    const cv::Mat image = DecodeJpeg(bytes, *header, denominator);
    ASSERT_EQ(image.type(), CV_8UC1) << denominator;
    EXPECT_EQ(image.size(), cv::Size(24 / denominator, 40 / denominator));
    EXPECT_NEAR(cv::mean(image)[0], 77, 2);
  }
}

TEST(DecodeJpegTest, CorruptBytesGiveEmptyMat) {
  const std::string bytes = Encode(SmoothBgr(64, 48), ".jpg");
  const std::optional<JpegHeader> header = ReadJpegHeader(bytes);
  ASSERT_TRUE(header.has_value());
  for (const int denominator : {1, 8}) {
    EXPECT_TRUE(DecodeJpeg("not a jpeg at all", *header, denominator).empty());
    EXPECT_TRUE(DecodeJpeg(Encode(SmoothBgr(8, 8), ".png"), *header, denominator).empty());
  }
}

// A progressive JPEG whose second scan is preceded by two stray bytes (a libjpeg warning) and
// names a component the frame does not have (a fatal error).
std::string ProgressiveJpegWithWarningThenError() {
  cv::Mat noise(48, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  std::string jpeg = Encode(noise, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  const size_t first_scan = jpeg.find("\xFF\xDA");
  const size_t second_scan = jpeg.find("\xFF\xDA", first_scan + 2);
  EXPECT_NE(second_scan, std::string::npos);
  jpeg[second_scan + 5] = 0x77;  // the component selector of the scan
  jpeg.insert(second_scan, std::string(2, '\0'));
  return jpeg;
}

// Regression: TurboJPEG reports a fatal error that follows a warning as a warning
// (tjGetErrorCode), so DecodeJpeg returned an image of uninitialised memory where OpenCV fails.
TEST(DecodeJpegTest, WarningThenFatalErrorGivesEmptyMat) {
  const std::string jpeg = ProgressiveJpegWithWarningThenError();
  EXPECT_TRUE(testing::Decode(jpeg).empty()) << "OpenCV decodes it: the fixture is broken";
  const std::optional<JpegHeader> header = ReadJpegHeader(jpeg);
  ASSERT_TRUE(header.has_value());
  for (const int denominator : {1, 2, 4, 8}) {
    EXPECT_TRUE(DecodeJpeg(jpeg, *header, denominator).empty()) << denominator;
  }
  // The stream ends inside an APP0 segment (warning), then there is no image (error).
  const std::string bytes = Encode(SmoothBgr(64, 48), ".jpg");
  EXPECT_TRUE(DecodeJpeg("\xFF\xD8\xFF\xE0garbage-garbage-garbage", *header, 1).empty());
  EXPECT_TRUE(DecodeJpeg(bytes.substr(0, 100), *header, 1).empty());
}

// Regression: a header read that libjpeg abandons with an error (here a stream cut inside its
// quantisation table) left the thread's decompressor mid-header, and every later
// ReadJpegHeader on that thread failed ("two SOI markers"): the bomb guard, the header filters
// and the reduced decode silently stopped applying to JPEGs.
TEST(ReadJpegHeaderTest, FailedReadDoesNotBreakLaterReads) {
  const std::string jpeg = Encode(SmoothBgr(64, 48), ".jpg");
  for (size_t length = 0; length < jpeg.find("\xFF\xDA"); ++length) {
    EXPECT_FALSE(ReadJpegHeader(jpeg.substr(0, length)).has_value()) << length;
    EXPECT_TRUE(ReadJpegHeader(jpeg).has_value()) << "after a read of " << length << " bytes";
  }
}

TEST(DecodeJpegTest, TruncatedScanIsLeftToOpenCv) {
  // libjpeg warns about the missing data; DecodeJpeg stops at warnings (one may hide an error)
  // and the processor decodes the file with OpenCV, which fills the missing rows.
  cv::Mat noise(48, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  const std::string bytes = Encode(noise, ".jpg");
  const std::string truncated = bytes.substr(0, bytes.size() / 2);
  const std::optional<JpegHeader> header = ReadJpegHeader(truncated);
  ASSERT_TRUE(header.has_value());
  for (const int denominator : {1, 2, 4, 8}) {
    EXPECT_TRUE(DecodeJpeg(truncated, *header, denominator).empty()) << denominator;
  }
  EXPECT_EQ(testing::Decode(truncated).size(), cv::Size(64, 48));
}

}  // namespace
}  // namespace img2dataset
