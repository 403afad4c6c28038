#include "image/image_processor.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "image/sniff.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Decode;
using testing::Encode;
using testing::SolidBgr;

ImageOptions Options(ResizeMode mode, int size, EncodeFormat format = EncodeFormat::kPng) {
  ImageOptions options;
  options.resize_mode = mode;
  options.image_size = size;
  options.encode_format = format;
  options.encode_quality = format == EncodeFormat::kPng ? 3 : 95;
  return options;
}

// The bytes to store: the re-encoded image, or the body itself when kept.
std::string Stored(const ProcessedImage& image, const std::string& body) {
  return image.keep_original ? body : image.encoded;
}

void ExpectSizes(const ProcessedImage& image, int width, int height, int original_width,
                 int original_height) {
  ASSERT_TRUE(image.ok()) << image.error_message;
  EXPECT_EQ(image.width, width);
  EXPECT_EQ(image.height, height);
  EXPECT_EQ(image.original_width, original_width);
  EXPECT_EQ(image.original_height, original_height);
}

void ExpectDecodeError(const ProcessedImage& image) {
  EXPECT_EQ(image.error_class, ErrorClass::kDecode);
  EXPECT_EQ(image.error_message, "Image decoding error");
  EXPECT_TRUE(image.encoded.empty());
  EXPECT_FALSE(image.width.has_value());
}

TEST(ImageProcessorTest, BorderModePadsWithWhiteCentred) {
  const std::string body = Encode(SolidBgr(100, 50, cv::Scalar(20, 20, 20)), ".png");
  const ProcessedImage image = ImageProcessor(Options(ResizeMode::kBorder, 64)).Process(body);
  ExpectSizes(image, 64, 64, 100, 50);
  const cv::Mat out = Decode(Stored(image, body));
  ASSERT_EQ(out.cols, 64);
  ASSERT_EQ(out.rows, 64);
  ASSERT_EQ(out.type(), CV_8UC3);
  // Scaled to 64x32, then 16 white rows above and below.
  for (const cv::Point corner : {cv::Point(0, 0), cv::Point(63, 0), cv::Point(0, 63),
                                 cv::Point(63, 63), cv::Point(32, 15), cv::Point(32, 48)}) {
    EXPECT_EQ(out.at<cv::Vec3b>(corner), cv::Vec3b(255, 255, 255)) << corner;
  }
  for (const cv::Point inside : {cv::Point(0, 16), cv::Point(32, 32), cv::Point(63, 47)}) {
    EXPECT_EQ(out.at<cv::Vec3b>(inside), cv::Vec3b(20, 20, 20)) << inside;
  }
}

TEST(ImageProcessorTest, BorderModeJpegCornersAreNearlyWhite) {
  const std::string body = Encode(SolidBgr(40, 120, cv::Scalar(0, 0, 0)), ".jpg");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kBorder, 96, EncodeFormat::kJpg)).Process(body);
  ExpectSizes(image, 96, 96, 40, 120);
  const cv::Mat out = Decode(Stored(image, body), cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(out.size(), cv::Size(96, 96));
  EXPECT_GE(out.at<uchar>(0, 0), 250);
  EXPECT_GE(out.at<uchar>(95, 95), 250);
  EXPECT_GE(out.at<uchar>(95, 0), 250);
  EXPECT_LE(out.at<uchar>(48, 48), 5);
}

TEST(ImageProcessorTest, KeepRatioScalesShorterSideToImageSize) {
  const std::string body = Encode(SolidBgr(100, 50, cv::Scalar(1, 2, 3)), ".png");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kKeepRatio, 64, EncodeFormat::kJpg)).Process(body);
  ExpectSizes(image, 128, 64, 100, 50);
  EXPECT_EQ(Decode(Stored(image, body)).size(), cv::Size(128, 64));
}

TEST(ImageProcessorTest, CenterCropKeepsMiddleSquare) {
  // Left third red, middle third green, right third blue: the crop keeps only green.
  cv::Mat source = SolidBgr(300, 100, cv::Scalar(0, 0, 255));
  source(cv::Rect(100, 0, 100, 100)).setTo(cv::Scalar(0, 255, 0));
  source(cv::Rect(200, 0, 100, 100)).setTo(cv::Scalar(255, 0, 0));
  const std::string body = Encode(source, ".png");
  const ProcessedImage image = ImageProcessor(Options(ResizeMode::kCenterCrop, 50)).Process(body);
  ExpectSizes(image, 50, 50, 300, 100);
  const cv::Mat out = Decode(Stored(image, body));
  ASSERT_EQ(out.size(), cv::Size(50, 50));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 255, 0));
  EXPECT_EQ(out.at<cv::Vec3b>(49, 49), cv::Vec3b(0, 255, 0));
}

TEST(ImageProcessorTest, FullyTransparentPixelsBecomeWhite) {
  cv::Mat bgra(8, 8, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  bgra.at<cv::Vec4b>(0, 0) = cv::Vec4b(10, 20, 30, 255);  // opaque pixel keeps its colour
  bgra.at<cv::Vec4b>(0, 1) = cv::Vec4b(0, 0, 0, 128);     // 128/255*0 + 255 - 128 = 127
  const std::string body = Encode(bgra, ".png");
  const ProcessedImage image = ImageProcessor(Options(ResizeMode::kNo, 8)).Process(body);
  ExpectSizes(image, 8, 8, 8, 8);
  const cv::Mat out = Decode(Stored(image, body));
  ASSERT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(out.at<cv::Vec3b>(7, 7), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 1), cv::Vec3b(127, 127, 127));
}

TEST(ImageProcessorTest, AlphaIsFlattenedEvenWhenSkipReencodeWouldKeepTheBytes) {
  const std::string body = Encode(cv::Mat(4, 4, CV_8UC4, cv::Scalar(0, 0, 0, 0)), ".png");
  ImageOptions options = Options(ResizeMode::kNo, 4);
  options.skip_reencode = true;
  const ProcessedImage image = ImageProcessor(options).Process(body);
  ASSERT_TRUE(image.ok());
  EXPECT_FALSE(image.keep_original);
  EXPECT_EQ(Decode(image.encoded).at<cv::Vec3b>(2, 2), cv::Vec3b(255, 255, 255));
}

TEST(ImageProcessorTest, OpaqueRgbPngWithoutAlphaKeepsColours) {
  const std::string body = Encode(SolidBgr(6, 4, cv::Scalar(5, 6, 7)), ".png");
  const ProcessedImage image = ImageProcessor(Options(ResizeMode::kNo, 4)).Process(body);
  ExpectSizes(image, 6, 4, 6, 4);
  EXPECT_EQ(Decode(image.encoded).at<cv::Vec3b>(3, 5), cv::Vec3b(5, 6, 7));
}

TEST(ImageProcessorTest, EncodeFormatDecidesMagicBytes) {
  const std::string body = Encode(SolidBgr(30, 20, cv::Scalar(9, 99, 199)), ".jpg");
  const struct {
    EncodeFormat format;
    ImageFormat magic;
  } kCases[] = {{EncodeFormat::kJpg, ImageFormat::kJpeg},
                {EncodeFormat::kPng, ImageFormat::kPng},
                {EncodeFormat::kWebp, ImageFormat::kWebp}};
  for (const auto& c : kCases) {
    const ProcessedImage image =
        ImageProcessor(Options(ResizeMode::kBorder, 16, c.format)).Process(body);
    ASSERT_TRUE(image.ok()) << image.error_message;
    EXPECT_FALSE(image.keep_original);
    EXPECT_EQ(SniffImageFormat(image.encoded), c.magic);
    EXPECT_EQ(Decode(image.encoded).size(), cv::Size(16, 16));
  }
}

TEST(ImageProcessorTest, SkipReencodeKeepsOriginalBytesWhenNothingChanges) {
  const std::string body = Encode(SolidBgr(30, 20, cv::Scalar(1, 1, 1)), ".jpg");
  ImageOptions options = Options(ResizeMode::kNo, 16, EncodeFormat::kJpg);
  options.skip_reencode = true;
  const ProcessedImage image = ImageProcessor(options).Process(body);
  ExpectSizes(image, 30, 20, 30, 20);
  EXPECT_TRUE(image.keep_original);
  EXPECT_TRUE(image.encoded.empty());
}

TEST(ImageProcessorTest, SkipReencodeWithOnlyIfBiggerKeepsSmallImage) {
  const std::string body = Encode(SolidBgr(30, 20, cv::Scalar(1, 1, 1)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 64, EncodeFormat::kPng);
  options.skip_reencode = true;
  options.resize_only_if_bigger = true;
  const ProcessedImage image = ImageProcessor(options).Process(body);
  ExpectSizes(image, 30, 20, 30, 20);
  EXPECT_TRUE(image.keep_original);
}

TEST(ImageProcessorTest, SkipReencodeStillReencodesOtherFormat) {
  const std::string body = Encode(SolidBgr(30, 20, cv::Scalar(1, 1, 1)), ".png");
  ImageOptions options = Options(ResizeMode::kNo, 16, EncodeFormat::kJpg);
  options.skip_reencode = true;
  const ProcessedImage image = ImageProcessor(options).Process(body);
  ASSERT_TRUE(image.ok());
  EXPECT_FALSE(image.keep_original);
  EXPECT_EQ(SniffImageFormat(image.encoded), ImageFormat::kJpeg);
}

TEST(ImageProcessorTest, SkipReencodeStillReencodesWhenModeActs) {
  const std::string body = Encode(SolidBgr(30, 20, cv::Scalar(1, 1, 1)), ".jpg");
  ImageOptions options = Options(ResizeMode::kKeepRatio, 20, EncodeFormat::kJpg);
  options.skip_reencode = true;  // min side already 20: no resampling, but the mode acts
  const ProcessedImage image = ImageProcessor(options).Process(body);
  ExpectSizes(image, 30, 20, 30, 20);
  EXPECT_FALSE(image.keep_original);
  EXPECT_FALSE(image.encoded.empty());
}

TEST(ImageProcessorTest, WithoutSkipReencodeSameFormatIsReencoded) {
  const std::string body = Encode(SolidBgr(30, 20, cv::Scalar(1, 1, 1)), ".jpg");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kNo, 16, EncodeFormat::kJpg)).Process(body);
  ASSERT_TRUE(image.ok());
  EXPECT_FALSE(image.keep_original);
  EXPECT_EQ(SniffImageFormat(image.encoded), ImageFormat::kJpeg);
}

TEST(ImageProcessorTest, DisableAllReencodingKeepsNonImageBytesAndLeavesSizesUnset) {
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.disable_all_reencoding = true;
  options.min_image_size = 1000;  // filters are skipped too
  for (const std::string& body : {std::string("<html>not an image</html>"), std::string(),
                                  Encode(SolidBgr(3, 3, cv::Scalar(0, 0, 0)), ".png")}) {
    const ProcessedImage image = ImageProcessor(options).Process(body);
    EXPECT_TRUE(image.ok());
    EXPECT_TRUE(image.keep_original);
    EXPECT_TRUE(image.encoded.empty());
    EXPECT_FALSE(image.width.has_value());
    EXPECT_FALSE(image.height.has_value());
    EXPECT_FALSE(image.original_width.has_value());
    EXPECT_FALSE(image.original_height.has_value());
  }
}

TEST(ImageProcessorTest, MinImageSizeRejectsShortSideStrictlySmaller) {
  const std::string body = Encode(SolidBgr(100, 50, cv::Scalar(0, 0, 0)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.min_image_size = 51;
  const ProcessedImage rejected = ImageProcessor(options).Process(body);
  EXPECT_EQ(rejected.error_class, ErrorClass::kFiltered);
  EXPECT_EQ(rejected.error_message, "image too small");
  options.min_image_size = 50;
  EXPECT_TRUE(ImageProcessor(options).Process(body).ok());
}

TEST(ImageProcessorTest, MaxImageAreaRejectsAreaStrictlyAbove) {
  const std::string body = Encode(SolidBgr(100, 50, cv::Scalar(0, 0, 0)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.max_image_area = 4999;
  const ProcessedImage rejected = ImageProcessor(options).Process(body);
  EXPECT_EQ(rejected.error_class, ErrorClass::kFiltered);
  EXPECT_EQ(rejected.error_message, "image area too large");
  options.max_image_area = 5000;
  EXPECT_TRUE(ImageProcessor(options).Process(body).ok());
}

TEST(ImageProcessorTest, MaxAspectRatioRejectsRatioStrictlyAbove) {
  const std::string body = Encode(SolidBgr(50, 100, cv::Scalar(0, 0, 0)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.max_aspect_ratio = 1.99;
  const ProcessedImage rejected = ImageProcessor(options).Process(body);
  EXPECT_EQ(rejected.error_class, ErrorClass::kFiltered);
  EXPECT_EQ(rejected.error_message, "aspect ratio too large");
  options.max_aspect_ratio = 2;
  EXPECT_TRUE(ImageProcessor(options).Process(body).ok());
}

TEST(ImageProcessorTest, FiltersApplyInReferenceOrder) {
  const std::string body = Encode(SolidBgr(100, 10, cv::Scalar(0, 0, 0)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.min_image_size = 20;
  options.max_image_area = 10;
  options.max_aspect_ratio = 2;
  EXPECT_EQ(ImageProcessor(options).Process(body).error_message, "image too small");
  options.min_image_size = 0;
  EXPECT_EQ(ImageProcessor(options).Process(body).error_message, "image area too large");
  options.max_image_area = 1e9;
  EXPECT_EQ(ImageProcessor(options).Process(body).error_message, "aspect ratio too large");
}

TEST(ImageProcessorTest, FiltersSeeSizeAfterAlphaFlatteningBeforeResize) {
  const std::string body = Encode(cv::Mat(40, 40, CV_8UC4, cv::Scalar(0, 0, 0, 255)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 1000);  // upscaling would pass the filter
  options.min_image_size = 41;
  EXPECT_EQ(ImageProcessor(options).Process(body).error_message, "image too small");
}

TEST(ImageProcessorTest, EmptyBodyIsDecodeError) {
  ExpectDecodeError(ImageProcessor(Options(ResizeMode::kBorder, 16)).Process(""));
}

TEST(ImageProcessorTest, HtmlErrorPageIsDecodeError) {
  ExpectDecodeError(ImageProcessor(Options(ResizeMode::kBorder, 16))
                        .Process("<!DOCTYPE html><html><body>404 Not Found</body></html>"));
}

TEST(ImageProcessorTest, TruncatedPngAndWebpAreDecodeErrors) {
  const cv::Mat source = SolidBgr(64, 48, cv::Scalar(40, 80, 120));
  for (const char* extension : {".png", ".webp"}) {
    const std::string body = Encode(source, extension);
    for (const size_t length :
         {size_t{1}, size_t{8}, size_t{20}, body.size() / 2, body.size() - 1}) {
      SCOPED_TRACE(std::string(extension) + " cut at " + std::to_string(length));
      ExpectDecodeError(
          ImageProcessor(Options(ResizeMode::kBorder, 16)).Process(body.substr(0, length)));
    }
  }
}

TEST(ImageProcessorTest, JpegCutInsideItsHeaderIsDecodeError) {
  const std::string body = Encode(SolidBgr(64, 48, cv::Scalar(40, 80, 120)), ".jpg");
  for (const size_t length : {size_t{2}, size_t{3}, size_t{20}}) {
    ExpectDecodeError(
        ImageProcessor(Options(ResizeMode::kBorder, 16)).Process(body.substr(0, length)));
  }
}

TEST(ImageProcessorTest, JpegCutInsideItsScanDecodesAsOpenCvRecoversIt) {
  // libjpeg fills the missing rows (the reference's cv2.imdecode does the same): the result is a
  // success of the full size, not a crash.
  cv::Mat source(48, 64, CV_8UC3);
  cv::randu(source, 0, 255);
  const std::string body = Encode(source, ".jpg");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kNo, 16)).Process(body.substr(0, body.size() / 2));
  ExpectSizes(image, 64, 48, 64, 48);
}

TEST(ImageProcessorTest, CorruptBytesAfterValidMagicAreDecodeErrors) {
  std::string png = Encode(SolidBgr(16, 16, cv::Scalar(0, 0, 0)), ".png");
  for (size_t i = 16; i < png.size(); ++i) png[i] = static_cast<char>(png[i] ^ 0x5A);
  ExpectDecodeError(ImageProcessor(Options(ResizeMode::kBorder, 16)).Process(png));
  ExpectDecodeError(ImageProcessor(Options(ResizeMode::kBorder, 16))
                        .Process(std::string("\xFF\xD8\xFF\xE0garbage-garbage-garbage")));
  ExpectDecodeError(ImageProcessor(Options(ResizeMode::kBorder, 16))
                        .Process(std::string("RIFF\x10\0\0\0WEBPVP8 \0\0\0\0", 20)));
}

TEST(ImageProcessorTest, GrayscaleSourceStaysGrayAndPadsWith255) {
  const cv::Mat gray(20, 40, CV_8UC1, cv::Scalar(30));
  for (const EncodeFormat format : {EncodeFormat::kJpg, EncodeFormat::kPng, EncodeFormat::kWebp}) {
    const std::string body = Encode(gray, ".png");
    const ProcessedImage image =
        ImageProcessor(Options(ResizeMode::kBorder, 32, format)).Process(body);
    ExpectSizes(image, 32, 32, 40, 20);
    const cv::Mat out = Decode(image.encoded, cv::IMREAD_GRAYSCALE);
    ASSERT_EQ(out.size(), cv::Size(32, 32));
    EXPECT_GE(out.at<uchar>(0, 0), 250);
    EXPECT_LE(out.at<uchar>(16, 16), 35);
  }
}

TEST(ImageProcessorTest, SixteenBitPngStaysSixteenBitForPngOutput) {
  const cv::Mat deep(10, 20, CV_16UC3, cv::Scalar(1000, 2000, 60000));
  const std::string body = Encode(deep, ".png");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kKeepRatio, 5, EncodeFormat::kPng)).Process(body);
  ExpectSizes(image, 10, 5, 20, 10);
  const cv::Mat out = Decode(image.encoded);
  EXPECT_EQ(out.depth(), CV_16U);
  EXPECT_EQ(out.size(), cv::Size(10, 5));
}

TEST(ImageProcessorTest, SixteenBitPngIsSaturatedToEightBitForJpegOutput) {
  // As the reference (cv2.imencode converts without scaling): values above 255 become 255.
  const cv::Mat deep(10, 20, CV_16UC3, cv::Scalar(1000, 2000, 60000));
  const std::string body = Encode(deep, ".png");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kNo, 5, EncodeFormat::kJpg)).Process(body);
  ExpectSizes(image, 20, 10, 20, 10);
  const cv::Mat out = Decode(image.encoded);
  ASSERT_EQ(out.depth(), CV_8U);
  const cv::Vec3b& pixel = out.at<cv::Vec3b>(5, 10);
  EXPECT_GE(pixel[0], 250);
  EXPECT_GE(pixel[2], 250);
}

TEST(ImageProcessorTest, WebpSourceDecodes) {
  const std::string body = Encode(SolidBgr(12, 24, cv::Scalar(0, 128, 0)), ".webp");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kKeepRatioLargest, 12, EncodeFormat::kJpg)).Process(body);
  ExpectSizes(image, 6, 12, 12, 24);
}

}  // namespace
}  // namespace img2dataset
