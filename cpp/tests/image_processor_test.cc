#include "image/image_processor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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

TEST(ImageProcessorTest, KeptJpegsAreCheckedLikeDecodedOnes) {
  // A JPEG kept as downloaded is only decoded at 1/8 scale, to prove that it decodes: damaged
  // ones must come out as the exact pipeline's full decode has them.
  cv::Mat source(96, 128, CV_8UC3);
  cv::randu(source, 0, 255);
  const std::string body = Encode(source, ".jpg");
  std::vector<std::string> damaged = {body, body.substr(0, body.size() / 2),
                                      body.substr(0, body.size() - 2)};
  for (const size_t at : {body.size() / 3, body.size() / 2, body.size() - 40}) {
    std::string flipped = body;
    for (size_t i = at; i < at + 16; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0xA5);
    damaged.push_back(flipped);
  }
  std::string bad_marker = body;  // a restart marker where none may be: a fatal scan error
  bad_marker.insert(body.size() / 2, "\xFF\xD3");
  damaged.push_back(bad_marker);
  std::string undefined_table = body;  // the scan names Huffman tables 3: a fatal error
  const size_t scan = body.find("\xFF\xDA");
  ASSERT_NE(scan, std::string::npos);
  undefined_table[scan + 6] = '\x33';
  damaged.push_back(undefined_table);

  ImageOptions fast = Options(ResizeMode::kNo, 16, EncodeFormat::kJpg);
  fast.skip_reencode = true;
  ImageOptions exact = fast;
  exact.pipeline = ImagePipeline::kExact;
  for (size_t i = 0; i < damaged.size(); ++i) {
    SCOPED_TRACE("variant " + std::to_string(i));
    const ProcessedImage kept = ImageProcessor(fast).Process(damaged[i]);
    const ProcessedImage decoded = ImageProcessor(exact).Process(damaged[i]);
    EXPECT_EQ(kept.ok(), decoded.ok());
    EXPECT_EQ(kept.width, decoded.width);
    EXPECT_EQ(kept.height, decoded.height);
  }
  EXPECT_TRUE(ImageProcessor(fast).Process(body).keep_original);
  ExpectDecodeError(ImageProcessor(fast).Process(undefined_table));
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

TEST(ImageProcessorTest, SixteenBitPngIsScaledToEightBitForJpegOutput) {
  // The default pipeline scales 16 bits to 8: 1000/257, 2000/257, 60000/257.
  const cv::Mat deep(10, 20, CV_16UC3, cv::Scalar(1000, 2000, 60000));
  const std::string body = Encode(deep, ".png");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kNo, 5, EncodeFormat::kJpg)).Process(body);
  ExpectSizes(image, 20, 10, 20, 10);
  const cv::Mat out = Decode(image.encoded);
  ASSERT_EQ(out.depth(), CV_8U);
  const cv::Vec3b& pixel = out.at<cv::Vec3b>(5, 10);
  EXPECT_NEAR(pixel[0], 4, 3);
  EXPECT_NEAR(pixel[1], 8, 3);
  EXPECT_NEAR(pixel[2], 233, 3);
}

TEST(ImageProcessorTest, SixteenBitPngIsSaturatedToEightBitForJpegOutputInTheExactPipeline) {
  // As the reference (cv2.imencode converts without scaling): values above 255 become 255.
  const cv::Mat deep(10, 20, CV_16UC3, cv::Scalar(1000, 2000, 60000));
  const std::string body = Encode(deep, ".png");
  ImageOptions options = Options(ResizeMode::kNo, 5, EncodeFormat::kJpg);
  options.pipeline = ImagePipeline::kExact;
  const ProcessedImage image = ImageProcessor(options).Process(body);
  ExpectSizes(image, 20, 10, 20, 10);
  const cv::Mat out = Decode(image.encoded);
  ASSERT_EQ(out.depth(), CV_8U);
  const cv::Vec3b& pixel = out.at<cv::Vec3b>(5, 10);
  EXPECT_GE(pixel[0], 250);
  EXPECT_GE(pixel[2], 250);
}

TEST(ImageProcessorTest, SixteenBitPngWithAlphaFlattensAtEightBits) {
  cv::Mat deep(4, 4, CV_16UC4, cv::Scalar(0, 0, 65535, 65535));  // opaque red
  deep.at<cv::Vec4w>(0, 0) = cv::Vec4w(0, 0, 0, 0);              // transparent: white
  const ProcessedImage image = ImageProcessor(Options(ResizeMode::kNo, 5, EncodeFormat::kWebp))
                                   .Process(Encode(deep, ".png"));
  ASSERT_TRUE(image.ok()) << image.error_message;
  const cv::Mat out = Decode(image.encoded);
  ASSERT_EQ(out.type(), CV_8UC3);
  EXPECT_NEAR(out.at<cv::Vec3b>(3, 3)[0], 0, 8);  // blue stays dark: not saturated to white
  EXPECT_NEAR(out.at<cv::Vec3b>(3, 3)[2], 255, 8);
}

TEST(ImageProcessorTest, WebpSourceDecodes) {
  const std::string body = Encode(SolidBgr(12, 24, cv::Scalar(0, 128, 0)), ".webp");
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kKeepRatioLargest, 12, EncodeFormat::kJpg)).Process(body);
  ExpectSizes(image, 6, 12, 12, 24);
}

// A smooth 1024x768 JPEG: large enough for the fast pipeline to decode it at reduced size.
const std::string& LargeJpeg() {
  static const std::string body = [] {
    cv::Mat image(768, 1024, CV_8UC3);
    for (int y = 0; y < image.rows; ++y) {
      for (int x = 0; x < image.cols; ++x) {
        image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(x / 4), static_cast<uchar>(y / 3),
                                              static_cast<uchar>(128 + 100 * std::sin(x * 0.01)));
      }
    }
    return Encode(image, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
  }();
  return body;
}

TEST(ImageProcessorTest, FastAndExactPipelinesGiveTheSameSizesAndClosePixels) {
  for (const ResizeMode mode : {ResizeMode::kBorder, ResizeMode::kKeepRatio,
                                ResizeMode::kCenterCrop, ResizeMode::kKeepRatioLargest}) {
    for (const int size : {64, 100, 256, 700}) {
      SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)) + " size " +
                   std::to_string(size));
      ImageOptions options = Options(mode, size);
      options.pipeline = ImagePipeline::kExact;
      const ProcessedImage exact = ImageProcessor(options).Process(LargeJpeg());
      options.pipeline = ImagePipeline::kFast;
      const ProcessedImage fast = ImageProcessor(options).Process(LargeJpeg());
      ASSERT_TRUE(exact.ok()) << exact.error_message;
      ASSERT_TRUE(fast.ok()) << fast.error_message;
      EXPECT_EQ(fast.width, exact.width);
      EXPECT_EQ(fast.height, exact.height);
      EXPECT_EQ(fast.original_width, 1024);
      EXPECT_EQ(fast.original_height, 768);
      EXPECT_EQ(exact.original_width, 1024);
      EXPECT_EQ(exact.original_height, 768);
      const cv::Mat fast_pixels = Decode(fast.encoded);
      const cv::Mat exact_pixels = Decode(exact.encoded);
      ASSERT_EQ(fast_pixels.size(), exact_pixels.size());
      cv::Mat diff;
      cv::absdiff(fast_pixels, exact_pixels, diff);
      const cv::Scalar mean = cv::mean(diff);
      EXPECT_LT(std::max({mean[0], mean[1], mean[2]}), 3.0);
    }
  }
}

// The PNG signature and an IHDR chunk claiming 20000x20000 (with a made-up CRC), then garbage.
std::string PngHeaderBomb() {
  std::string png = std::string("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", 16);
  png += std::string("\0\0\x4E\x20\0\0\x4E\x20\x08\x02\0\0\0CRC!", 17);  // 20000 = 0x4E20
  return png + std::string(1000, 'x');
}

TEST(ImageProcessorTest, HeaderBombIsTooLargeBeforeDecoding) {
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kBorder, 64);
    options.pipeline = pipeline;
    const auto start = std::chrono::steady_clock::now();
    const ProcessedImage image = ImageProcessor(options).Process(PngHeaderBomb());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(image.error_class, ErrorClass::kTooLarge);
    EXPECT_EQ(image.error_message,
              "image of 20000x20000 pixels is above max_image_pixels (100000000)");
    EXPECT_FALSE(image.width.has_value());
  }
}

// An 8x8 JPEG whose frame header (SOF0) is patched to claim 60000x60000.
std::string JpegHeaderBomb() {
  std::string jpeg = Encode(SolidBgr(8, 8, cv::Scalar(0, 0, 0)), ".jpg");
  const size_t sof = jpeg.find("\xFF\xC0");
  EXPECT_NE(sof, std::string::npos);
  jpeg.replace(sof + 5, 4, "\xEA\x60\xEA\x60");  // height, width: 60000 = 0xEA60
  return jpeg;
}

TEST(ImageProcessorTest, JpegHeaderBombIsTooLarge) {
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kBorder, 64);
    options.pipeline = pipeline;
    const ProcessedImage image = ImageProcessor(options).Process(JpegHeaderBomb());
    EXPECT_EQ(image.error_class, ErrorClass::kTooLarge);
    EXPECT_EQ(image.error_message,
              "image of 60000x60000 pixels is above max_image_pixels (100000000)");
  }
}

// Regression: a JPEG cut inside its header left the thread's TurboJPEG decompressor unusable
// (see ReadJpegHeaderTest.FailedReadDoesNotBreakLaterReads), so the next JPEG bomb on
// that thread was no longer refused from its header.
TEST(ImageProcessorTest, JpegCutInItsHeaderKeepsTheBombGuardForLaterJpegs) {
  const ImageProcessor processor(Options(ResizeMode::kBorder, 64));
  const std::string jpeg = Encode(SolidBgr(64, 48, cv::Scalar(1, 2, 3)), ".jpg");
  for (size_t length = 3; length < jpeg.find("\xFF\xDA"); ++length) {
    ExpectDecodeError(processor.Process(jpeg.substr(0, length)));
    EXPECT_EQ(processor.Process(JpegHeaderBomb()).error_class, ErrorClass::kTooLarge)
        << "after a JPEG cut at " << length;
  }
}

// Regression: TurboJPEG fails a header read after any libjpeg warning, here "1 extraneous bytes
// before marker 0xc0", although the size was read; OpenCV decodes such a file, so the bomb
// guard was skipped and the whole frame was decoded (20000x20000 took 1.2 GB and 3 s).
TEST(ImageProcessorTest, JpegWithStrayByteBeforeItsFrameHeaderIsStillTooLarge) {
  std::string jpeg = Encode(SolidBgr(8, 8, cv::Scalar(0, 0, 0)), ".jpg");
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg.replace(sof + 5, 4, "\x07\xD0\x07\xD0");  // 2000x2000
  jpeg.insert(sof, 1, '\0');
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kBorder, 64);
    options.pipeline = pipeline;
    options.max_image_pixels = 1'000'000;
    const ProcessedImage image = ImageProcessor(options).Process(jpeg);
    EXPECT_EQ(image.error_class, ErrorClass::kTooLarge);
    EXPECT_EQ(image.error_message, "image of 2000x2000 pixels is above max_image_pixels (1000000)");
  }
}

// Regression: TIFF headers were not read, so max_image_pixels did not apply to TIFFs, which
// compress well (a 372 KB TIFF decoded to 256 megapixels).
TEST(ImageProcessorTest, TiffAboveMaxImagePixelsIsTooLarge) {
  const std::string tiff = Encode(cv::Mat(1200, 1000, CV_8UC1, cv::Scalar(0)), ".tiff");
  ImageOptions options = Options(ResizeMode::kBorder, 64);
  options.max_image_pixels = 1'000'000;
  const ProcessedImage image = ImageProcessor(options).Process(tiff);
  EXPECT_EQ(image.error_class, ErrorClass::kTooLarge);
  EXPECT_EQ(image.error_message, "image of 1000x1200 pixels is above max_image_pixels (1000000)");
}

// Regression, found by the image_processor fuzzer on its seed truncated_scan.jpg: a progressive
// JPEG cut where libjpeg warns and then fails was a success in the fast pipeline (TurboJPEG
// reports the error as a warning; the pixels were uninitialised memory) and a decode error in
// the exact one.
TEST(ImageProcessorTest, FastAndExactPipelinesRefuseTheSameCutJpegs) {
  cv::Mat noise(48, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  const std::string jpeg = Encode(noise, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  for (const EncodeFormat format : {EncodeFormat::kJpg, EncodeFormat::kPng}) {
    ImageOptions options = Options(ResizeMode::kBorder, 16, format);
    // From the end of the first scan header: every cut has a readable header.
    const size_t first_scan = jpeg.find("\xFF\xDA");
    const size_t scan_data = first_scan + 2 + static_cast<uint8_t>(jpeg[first_scan + 3]);
    for (size_t length = scan_data; length < jpeg.size(); ++length) {
      options.pipeline = ImagePipeline::kFast;
      const ProcessedImage fast = ImageProcessor(options).Process(jpeg.substr(0, length));
      options.pipeline = ImagePipeline::kExact;
      const ProcessedImage exact = ImageProcessor(options).Process(jpeg.substr(0, length));
      EXPECT_EQ(fast.error_class, exact.error_class) << "cut at " << length;
    }
  }
}

// Regression: max_image_pixels only applied to formats whose header is read; OpenCV decodes
// others (PxM, JPEG 2000, Radiance HDR, Sun raster...), whatever their size.
TEST(ImageProcessorTest, FormatsOutsideTheTableAreRefusedByName) {
  const cv::Mat grey(50, 100, CV_8UC1, cv::Scalar(7));
  cv::Mat radiance;
  cv::Mat(50, 100, CV_32FC3, cv::Scalar(0.5, 0.5, 0.5)).copyTo(radiance);
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {Encode(grey, ".pgm"), "pnm"},
      {Encode(radiance, ".hdr"), "radiance hdr"},
      {"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "svg"},
      {std::string("\0\0\0\x0CjP  \r\n\x87\n", 12) + std::string(100, '\0'), "jpeg 2000"},
      {std::string("8BPS") + std::string(100, '\0'), "psd"},
  };
  for (const auto& [body, name] : bodies) {
    const ProcessedImage image = ImageProcessor(Options(ResizeMode::kBorder, 16)).Process(body);
    EXPECT_EQ(image.error_class, ErrorClass::kUnsupportedFormat) << name;
    EXPECT_EQ(image.error_message, "unsupported image format: " + name);
  }
  // Not an image at all: the reference's decode error.
  const ProcessedImage html = ImageProcessor(Options(ResizeMode::kBorder, 16)).Process("<html>");
  EXPECT_EQ(html.error_class, ErrorClass::kDecode);
  EXPECT_EQ(html.error_message, "Image decoding error");
}

TEST(ImageProcessorTest, MaxImagePixelsIsInclusive) {
  const std::string body = Encode(SolidBgr(100, 50, cv::Scalar(0, 0, 0)), ".png");
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.max_image_pixels = 5000;
  EXPECT_TRUE(ImageProcessor(options).Process(body).ok());
  options.max_image_pixels = 4999;
  const ProcessedImage image = ImageProcessor(options).Process(body);
  EXPECT_EQ(image.error_class, ErrorClass::kTooLarge);
  EXPECT_EQ(image.error_message, "image of 100x50 pixels is above max_image_pixels (4999)");
}

TEST(ImageProcessorTest, FiltersApplyFromTheHeader) {
  ImageOptions options = Options(ResizeMode::kBorder, 16);
  options.min_image_size = 50;
  const std::string jpeg = Encode(SolidBgr(20, 20, cv::Scalar(0, 0, 0)), ".jpg");
  EXPECT_EQ(ImageProcessor(options).Process(jpeg).error_message, "image too small");
  // A PNG cut after its header is undecodable, yet filtered first: no decode was tried.
  const std::string png = Encode(SolidBgr(20, 20, cv::Scalar(0, 0, 0)), ".png");
  const ProcessedImage header_only = ImageProcessor(options).Process(png.substr(0, 33));
  EXPECT_EQ(header_only.error_class, ErrorClass::kFiltered);
  EXPECT_EQ(header_only.error_message, "image too small");
}

// `jpeg` with an APP1 Exif segment (little-endian TIFF) whose IFD0 sets Orientation.
std::string WithOrientation(const std::string& jpeg, int orientation) {
  return jpeg.substr(0, 2) + testing::OrientationApp1(orientation, testing::ByteOrder::kLittle) +
         jpeg.substr(2);
}

TEST(ImageProcessorTest, ExifOrientationSixTurnsTheImageUpright) {
  // 40 wide, 20 tall, left half black and right half white; orientation 6 (rotate 90 CW) puts
  // the black half on top.
  cv::Mat source = SolidBgr(40, 20, cv::Scalar(0, 0, 0));
  source(cv::Rect(20, 0, 20, 20)).setTo(cv::Scalar(255, 255, 255));
  const std::string body = WithOrientation(Encode(source, ".jpg"), 6);
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kNo, 16);
    options.pipeline = pipeline;
    const ProcessedImage upright = ImageProcessor(options).Process(body);
    ExpectSizes(upright, 20, 40, 20, 40);
    const cv::Mat pixels = Decode(upright.encoded, cv::IMREAD_GRAYSCALE);
    EXPECT_LE(pixels.at<uchar>(5, 10), 10);
    EXPECT_GE(pixels.at<uchar>(35, 10), 245);

    options.apply_exif_orientation = false;
    ExpectSizes(ImageProcessor(options).Process(body), 40, 20, 40, 20);
  }
}

TEST(ImageProcessorTest, ExifOrientationSwapsAxesBeforeTheReducedDecodeAndResize) {
  // 1024x768 stored, 768x1024 upright: keep_ratio 100 gives 100x133 in both pipelines (the fast
  // one decodes at 1/2 with the scale chosen on the stored axes).
  const std::string body = WithOrientation(LargeJpeg(), 6);
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kKeepRatio, 100);
    options.pipeline = pipeline;
    ExpectSizes(ImageProcessor(options).Process(body), 100, 133, 768, 1024);
  }
}

// A 2x2 GIF89a (red, blue / transparent, blue) with a graphics control extension marking index 2
// transparent; its LZW data emits a clear code before every pixel.
const std::string kTinyGif(
    "GIF89a\x02\x00\x02\x00\x81\x00\x00\xFF\x00\x00\x00\x00\xFF\x00\xFF\x00\x00\x00\x00"
    "\x21\xF9\x04\x01\x0A\x00\x02\x00\x2C\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x04\x04\x43"
    "\x31\x05\x00\x3B",
    51);

TEST(ImageProcessorTest, GifDecodesWithTransparencyFlattenedOntoWhite) {
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kNo, 16);
    options.pipeline = pipeline;
    const ProcessedImage image = ImageProcessor(options).Process(kTinyGif);
    ExpectSizes(image, 2, 2, 2, 2);
    const cv::Mat out = Decode(image.encoded);
    ASSERT_EQ(out.type(), CV_8UC3);
    EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
    EXPECT_EQ(out.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 0, 0));
    EXPECT_EQ(out.at<cv::Vec3b>(1, 0), cv::Vec3b(255, 255, 255));
    EXPECT_EQ(out.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 0, 0));
  }
}

TEST(ImageProcessorTest, TruncatedGifIsDecodeError) {
  ExpectDecodeError(
      ImageProcessor(Options(ResizeMode::kBorder, 16)).Process(kTinyGif.substr(0, 40)));
}

}  // namespace
}  // namespace img2dataset

namespace img2dataset {
namespace {

// A checkerboard of 4-pixel squares: any blur changes it visibly.
cv::Mat Checkerboard(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const uint8_t v = ((x / 4 + y / 4) % 2) ? 255 : 0;
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(v, v, v);
    }
  }
  return image;
}

BoundingBoxes LeftHalf() {
  BoundingBoxes boxes;
  boxes.boxes.push_back({0.0, 0.0, 0.5, 1.0});
  return boxes;
}

// Mean absolute difference from the checkerboard over a window.
double Change(const cv::Mat& out, const cv::Mat& original, const cv::Rect& window) {
  return cv::norm(out(window), original(window), cv::NORM_L1) / (window.area() * 3.0);
}

TEST(ImageProcessorBlurTest, BlursTheBoxesAndNothingFarFromThem) {
  const cv::Mat board = Checkerboard(200, 100);
  const BoundingBoxes boxes = LeftHalf();
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kNo, 16)).Process(Encode(board, ".png"), &boxes);
  ASSERT_TRUE(image.ok()) << image.error_message;
  const cv::Mat out = Decode(image.encoded);
  EXPECT_GT(Change(out, board, cv::Rect(10, 10, 60, 80)), 50.0);  // inside: grey mush
  EXPECT_EQ(Change(out, board, cv::Rect(150, 0, 50, 100)), 0.0);  // far right: untouched (png)
}

TEST(ImageProcessorBlurTest, SkipReencodeStillStoresTheBlurredPixels) {
  // The reference stored the original, unblurred bytes here (quirk 23).
  const cv::Mat board = Checkerboard(64, 64);
  const std::string body = Encode(board, ".png");
  ImageOptions options = Options(ResizeMode::kNo, 16);
  options.skip_reencode = true;
  const BoundingBoxes boxes = LeftHalf();
  const ProcessedImage image = ImageProcessor(options).Process(body, &boxes);
  ASSERT_TRUE(image.ok()) << image.error_message;
  EXPECT_FALSE(image.keep_original);
  EXPECT_GT(Change(Decode(image.encoded), board, cv::Rect(4, 4, 20, 56)), 50.0);
  // Without boxes (or with an empty list) the bytes are kept as before.
  EXPECT_TRUE(ImageProcessor(options).Process(body, nullptr).keep_original);
  const BoundingBoxes none;
  EXPECT_TRUE(ImageProcessor(options).Process(body, &none).keep_original);
}

TEST(ImageProcessorBlurTest, BlursAfterScalingAndBeforeThePadding) {
  const cv::Mat board = Checkerboard(200, 100);
  BoundingBoxes everything;
  everything.boxes.push_back({0.0, 0.0, 1.0, 1.0});
  for (const ImagePipeline pipeline : {ImagePipeline::kFast, ImagePipeline::kExact}) {
    ImageOptions options = Options(ResizeMode::kBorder, 100);
    options.pipeline = pipeline;
    const ProcessedImage image =
        ImageProcessor(options).Process(Encode(board, ".jpg"), &everything);
    ExpectSizes(image, 100, 100, 200, 100);
    const cv::Mat out = Decode(image.encoded);
    // The white padding (rows 0..24) is added after the blur: still pure white.
    double low = 0;
    cv::minMaxLoc(out(cv::Rect(0, 0, 100, 24)).reshape(1), &low);
    EXPECT_EQ(low, 255.0);
  }
}

TEST(ImageProcessorBlurTest, InvalidBoxesFailTheSampleWithTheirMessage) {
  BoundingBoxes bad;
  bad.error = "bounding box must be a list of 4 numbers [x_min, y_min, x_max, y_max], got 3 values";
  const ProcessedImage image = ImageProcessor(Options(ResizeMode::kNo, 16))
                                   .Process(Encode(Checkerboard(8, 8), ".png"), &bad);
  EXPECT_EQ(image.error_class, ErrorClass::kInvalidBbox);
  EXPECT_EQ(image.error_message, bad.error);
}

TEST(ImageProcessorBlurTest, BoxesFollowTheExifRotation) {
  // A landscape JPEG stored sideways (orientation 6): the box covers the stored image's left
  // half, which is the top half once upright.
  const cv::Mat board = Checkerboard(96, 64);
  const std::string body = WithOrientation(Encode(board, ".jpg"), 6);
  const BoundingBoxes boxes = LeftHalf();
  const ProcessedImage image =
      ImageProcessor(Options(ResizeMode::kNo, 16, EncodeFormat::kPng)).Process(body, &boxes);
  ExpectSizes(image, 64, 96, 64, 96);
  cv::Mat upright;
  cv::rotate(board, upright, cv::ROTATE_90_CLOCKWISE);
  const cv::Mat out = Decode(image.encoded);
  EXPECT_GT(Change(out, upright, cv::Rect(8, 4, 48, 30)), 40.0);   // top: blurred
  EXPECT_LT(Change(out, upright, cv::Rect(8, 70, 48, 24)), 10.0);  // bottom: only JPEG noise
}

}  // namespace
}  // namespace img2dataset
