#include "image/webp_decoder.h"

#include <gtest/gtest.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace img2dataset {
namespace {

using testing::ByteOrder;
using testing::Decode;
using testing::Encode;

cv::Mat Pattern(int width, int height, int type) {
  cv::Mat image(height, width, type);
  for (int y = 0; y < height; ++y) {
    uint8_t* row = image.ptr(y);
    for (size_t i = 0; i < width * image.elemSize(); ++i) {
      row[i] = static_cast<uint8_t>(i * 37 + y * 91);
    }
  }
  return image;
}

cv::Mat ProbeAndDecode(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeWebp(bytes);
  if (!info) return {};
  return DecodeWebp(bytes, *info);
}

void ExpectSameAsOpenCv(const std::string& bytes, int channels) {
  const std::optional<ImageInfo> info = ProbeWebp(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->channels, channels);
  EXPECT_EQ(info->depth, 8);
  EXPECT_FALSE(info->animated);
  const cv::Mat ours = DecodeWebp(bytes, *info);
  const cv::Mat theirs = Decode(bytes);
  ASSERT_FALSE(ours.empty());
  ASSERT_FALSE(theirs.empty());
  ASSERT_EQ(ours.type(), theirs.type());
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0);
  EXPECT_EQ(ours.size(), cv::Size(info->width, info->height));
}

// An animation of BGRA `frames` (all of the canvas size) with libwebp's encoder, lossless and
// exact (colours under zero alpha kept), 100 ms a frame.
std::string EncodeAnimation(const std::vector<cv::Mat>& frames) {
  const int width = frames[0].cols, height = frames[0].rows;
  WebPAnimEncoderOptions options;
  EXPECT_TRUE(WebPAnimEncoderOptionsInit(&options));
  WebPAnimEncoder* encoder = WebPAnimEncoderNew(width, height, &options);
  EXPECT_NE(encoder, nullptr);
  WebPConfig config;
  EXPECT_TRUE(WebPConfigInit(&config));
  config.lossless = 1;
  config.exact = 1;
  int timestamp = 0;
  for (const cv::Mat& frame : frames) {
    WebPPicture picture;
    EXPECT_TRUE(WebPPictureInit(&picture));
    picture.use_argb = 1;
    picture.width = width;
    picture.height = height;
    EXPECT_TRUE(WebPPictureImportBGRA(&picture, frame.data, static_cast<int>(frame.step)));
    EXPECT_TRUE(WebPAnimEncoderAdd(encoder, &picture, timestamp, &config));
    WebPPictureFree(&picture);
    timestamp += 100;
  }
  EXPECT_TRUE(WebPAnimEncoderAdd(encoder, nullptr, timestamp, nullptr));
  WebPData data;
  WebPDataInit(&data);
  EXPECT_TRUE(WebPAnimEncoderAssemble(encoder, &data));
  std::string bytes(reinterpret_cast<const char*>(data.bytes), data.size);
  WebPDataClear(&data);
  WebPAnimEncoderDelete(encoder);
  return bytes;
}

void Put(std::string& out, uint32_t value, int bytes) {
  testing::Put(out, value, bytes, ByteOrder::kLittle);
}

// A RIFF of a VP8X chunk (`flags`, canvas `width` x `height`) and `chunks`.
std::string Vp8x(uint32_t flags, uint32_t width, uint32_t height, const std::string& chunks) {
  std::string vp8x = "VP8X";
  Put(vp8x, 10, 4);
  Put(vp8x, flags, 4);  // flags and 3 reserved bytes
  Put(vp8x, width - 1, 3);
  Put(vp8x, height - 1, 3);
  const std::string body = "WEBP" + vp8x + chunks;
  std::string riff = "RIFF";
  Put(riff, static_cast<uint32_t>(body.size()), 4);
  return riff + body;
}

constexpr uint32_t kAlphaFlag = 0x10, kAnimationFlag = 0x02;

TEST(WebpDecoderTest, LosslessStillsAreOpenCvsAndRoundTrip) {
  const cv::Mat bgr = Pattern(37, 21, CV_8UC3);
  const std::string bytes = Encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  ExpectSameAsOpenCv(bytes, 3);
  EXPECT_EQ(cv::norm(ProbeAndDecode(bytes), bgr, cv::NORM_INF), 0);

  const cv::Mat bgra = Pattern(37, 21, CV_8UC4);
  const std::string with_alpha = Encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  ExpectSameAsOpenCv(with_alpha, 4);
  const cv::Mat out = ProbeAndDecode(with_alpha);
  // Colours under full transparency are not kept by the lossless encoder; alpha is.
  std::vector<cv::Mat> in_planes, out_planes;
  cv::split(bgra, in_planes);
  cv::split(out, out_planes);
  EXPECT_EQ(cv::norm(in_planes[3], out_planes[3], cv::NORM_INF), 0);
}

TEST(WebpDecoderTest, LossyStillsAreOpenCvs) {
  ExpectSameAsOpenCv(Encode(Pattern(64, 48, CV_8UC3), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), 3);
  ExpectSameAsOpenCv(Encode(Pattern(64, 48, CV_8UC4), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), 4);
  ExpectSameAsOpenCv(Encode(Pattern(33, 17, CV_8UC1), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), 3);
}

TEST(WebpDecoderTest, AnimationDecodesItsFirstFrameOnTheCanvas) {
  cv::Mat first = Pattern(24, 16, CV_8UC4);
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 24; ++x) first.at<cv::Vec4b>(y, x)[3] = x < 12 ? 255 : (y * 16) % 256;
  }
  const cv::Mat second(16, 24, CV_8UC4, cv::Scalar(255, 0, 0, 255));
  const std::string bytes = EncodeAnimation({first, second});
  const std::optional<ImageInfo> info = ProbeWebp(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->animated);
  EXPECT_EQ(info->width, 24);
  EXPECT_EQ(info->height, 16);
  EXPECT_EQ(info->channels, 4);
  const cv::Mat out = DecodeWebp(bytes, *info);
  ASSERT_EQ(out.type(), CV_8UC4);
  ASSERT_EQ(out.size(), cv::Size(24, 16));
  EXPECT_EQ(cv::norm(out, first, cv::NORM_INF), 0);
  EXPECT_TRUE(Decode(bytes).empty());  // OpenCV 4.6 refuses animations
}

TEST(WebpDecoderTest, OpaqueAnimationIsBgraToo) {
  const cv::Mat first(10, 10, CV_8UC4, cv::Scalar(10, 20, 30, 255));
  const cv::Mat second(10, 10, CV_8UC4, cv::Scalar(40, 50, 60, 255));
  const cv::Mat out = ProbeAndDecode(EncodeAnimation({first, second}));
  ASSERT_EQ(out.type(), CV_8UC4);
  EXPECT_EQ(out.at<cv::Vec4b>(9, 9), cv::Vec4b(10, 20, 30, 255));
}

TEST(WebpDecoderTest, AnimatedBombProbesToItsClaimAndFramelessOneFails) {
  std::string anim = "ANIM";
  Put(anim, 6, 4);
  Put(anim, 0, 4);  // background colour
  Put(anim, 0, 2);  // loop count
  const std::string bytes = Vp8x(kAnimationFlag | kAlphaFlag, 60000, 60000, anim);
  const std::optional<ImageInfo> info = ProbeWebp(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 60000);
  EXPECT_EQ(info->height, 60000);
  EXPECT_TRUE(info->animated);
  EXPECT_TRUE(DecodeWebp(bytes, *info).empty());  // no frame: the demuxer refuses it
}

TEST(WebpDecoderTest, StillCanvasLargerThanItsBitstreamIsNullopt) {
  const std::string lossless = Encode(Pattern(16, 16, CV_8UC3), ".webp");
  ASSERT_EQ(lossless.substr(12, 4), "VP8L");
  const std::string bytes = Vp8x(0, 60000, 60000, lossless.substr(12));
  EXPECT_FALSE(ProbeWebp(bytes).has_value());
  EXPECT_TRUE(ProbeWebp(Vp8x(0, 16, 16, lossless.substr(12))).has_value());
}

TEST(WebpDecoderTest, HeadersUnlikeTheProbeAreRefused) {
  const std::string bytes = Encode(Pattern(8, 4, CV_8UC3), ".webp");
  const ImageInfo info = *ProbeWebp(bytes);
  std::vector<ImageInfo> others(5, info);
  others[0].width = 9;
  others[1].height = 60000;
  others[2].channels = 4;
  others[3].depth = 16;
  others[4].animated = true;
  for (const ImageInfo& other : others) EXPECT_TRUE(DecodeWebp(bytes, other).empty());
  EXPECT_FALSE(DecodeWebp(bytes, info).empty());
}

TEST(WebpDecoderTest, TruncatedAndCorruptFilesNeverCrash) {
  const std::vector<std::string> files = {
      Encode(Pattern(32, 24, CV_8UC3), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}),
      Encode(Pattern(32, 24, CV_8UC4), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}),
      EncodeAnimation({Pattern(16, 8, CV_8UC4), cv::Mat(8, 16, CV_8UC4, cv::Scalar::all(9))}),
  };
  for (const std::string& file : files) {
    EXPECT_TRUE(ProbeAndDecode(file.substr(0, file.size() / 2)).empty());
    for (size_t length = 0; length < file.size(); ++length) {
      const std::string prefix = file.substr(0, length);
      const std::optional<ImageInfo> info = ProbeWebp(prefix);
      if (!info) continue;
      const cv::Mat out = DecodeWebp(prefix, *info);
      if (!out.empty()) {
        EXPECT_EQ(out.size(), cv::Size(info->width, info->height));
      }
    }
    for (size_t at = 0; at < file.size(); ++at) {
      std::string flipped = file;
      flipped[at] = static_cast<char>(flipped[at] ^ 0x5A);
      const std::optional<ImageInfo> info = ProbeWebp(flipped);
      if (!info || int64_t{info->width} * info->height > 4'000'000) continue;
      const cv::Mat out = DecodeWebp(flipped, *info);
      if (!out.empty()) {
        EXPECT_EQ(out.size(), cv::Size(info->width, info->height));
      }
    }
  }
  EXPECT_FALSE(ProbeWebp("").has_value());
  EXPECT_FALSE(ProbeWebp(Encode(Pattern(4, 4, CV_8UC3), ".png")).has_value());
}

}  // namespace
}  // namespace img2dataset
