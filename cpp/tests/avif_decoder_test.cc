#include "image/avif_decoder.h"

#include <avif/avif.h>
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "image/sniff.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::ExpectBitFlipsFailCleanly;
using testing::ExpectThreadsAgree;
using testing::ExpectTruncationFailsCleanly;

using testing::Gradient;
using testing::MeanAbsoluteError;
using testing::SetIspe;

struct AvifOptions {
  uint32_t depth = 8;
  avifPixelFormat yuv = AVIF_PIXEL_FORMAT_YUV444;
  int quantizer = 4;  // 0 (lossless) to 63
  int rotation = -1;  // irot angle (x 90 degrees anti-clockwise); -1 for no irot box
  int mirror = -1;    // imir mode (0: top and bottom exchanged, 1: left and right); -1 for none
  std::optional<avifCropRect> crop;  // a clap box
};

// An AVIF of `frames` (8-bit BGR or BGRA, all of one size; several make a sequence), encoded with
// libavif's AV1 encoder (libaom in Debian's build).
std::string EncodeAvif(const std::vector<cv::Mat>& frames, const AvifOptions& options = {}) {
  avifEncoder* encoder = avifEncoderCreate();
  encoder->maxThreads = 1;
  encoder->speed = AVIF_SPEED_FASTEST;
  encoder->minQuantizer = encoder->maxQuantizer = options.quantizer;
  encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = options.quantizer;
  encoder->timescale = 10;
  bool ok = true;
  for (const cv::Mat& frame : frames) {
    avifImage* image =
        avifImageCreate(static_cast<uint32_t>(frame.cols), static_cast<uint32_t>(frame.rows),
                        options.depth, options.yuv);
    if (options.rotation >= 0) {
      image->transformFlags |= AVIF_TRANSFORM_IROT;
      image->irot.angle = static_cast<uint8_t>(options.rotation);
    }
    if (options.mirror >= 0) {
      image->transformFlags |= AVIF_TRANSFORM_IMIR;
      image->imir.mode = static_cast<uint8_t>(options.mirror);
    }
    if (options.crop) {
      avifDiagnostics diagnostics;
      ok = ok && avifCleanApertureBoxConvertCropRect(&image->clap, &*options.crop, image->width,
                                                     image->height, image->yuvFormat, &diagnostics);
      image->transformFlags |= AVIF_TRANSFORM_CLAP;
    }
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image);
    rgb.format = frame.channels() == 4 ? AVIF_RGB_FORMAT_BGRA : AVIF_RGB_FORMAT_BGR;
    rgb.depth = 8;
    rgb.pixels = frame.data;
    rgb.rowBytes = static_cast<uint32_t>(frame.step[0]);
    ok = ok && avifImageRGBToYUV(image, &rgb) == AVIF_RESULT_OK &&
         avifEncoderAddImage(encoder, image, 1,
                             frames.size() == 1 ? AVIF_ADD_IMAGE_FLAG_SINGLE
                                                : AVIF_ADD_IMAGE_FLAG_NONE) == AVIF_RESULT_OK;
    avifImageDestroy(image);
  }
  avifRWData output = AVIF_DATA_EMPTY;
  ok = ok && avifEncoderFinish(encoder, &output) == AVIF_RESULT_OK;
  avifEncoderDestroy(encoder);
  EXPECT_TRUE(ok) << "libavif could not encode the test image";
  std::string bytes(reinterpret_cast<const char*>(output.data), output.size);
  avifRWDataFree(&output);
  return bytes;
}

cv::Mat ProbeAndDecode(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  EXPECT_TRUE(info.has_value());
  return info ? DecodeAvif(bytes, *info) : cv::Mat();
}

TEST(AvifDecoderTest, EncoderMakesWhatTheSnifferCallsAvif) {
  EXPECT_EQ(SniffImageFormat(EncodeAvif({Gradient(64, 48, 3)})), ImageFormat::kAvif);
}

TEST(AvifDecoderTest, ProbeReadsSizeOfOpaqueStillImage) {
  const std::optional<ImageInfo> info = ProbeAvif(EncodeAvif({Gradient(64, 48, 3)}));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 64);
  EXPECT_EQ(info->height, 48);
  EXPECT_EQ(info->channels, 3);
  EXPECT_EQ(info->depth, 8);
  EXPECT_FALSE(info->animated);
}

TEST(AvifDecoderTest, OpaqueImageDecodesToBgrCloseToTheSource) {
  const cv::Mat source = Gradient(64, 48, 3);
  const cv::Mat image = ProbeAndDecode(EncodeAvif({source}));
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST(AvifDecoderTest, AlphaImageDecodesToBgraCloseToTheSource) {
  const cv::Mat source = Gradient(64, 48, 4);
  const std::string bytes = EncodeAvif({source});
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->channels, 4);
  const cv::Mat image = DecodeAvif(bytes, *info);
  ASSERT_EQ(image.type(), CV_8UC4);
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST(AvifDecoderTest, TenAndTwelveBitImagesDecodeToEightBits) {
  const cv::Mat source = Gradient(64, 48, 3);
  for (const uint32_t depth : {10u, 12u}) {
    AvifOptions options;
    options.depth = depth;
    const std::string bytes = EncodeAvif({source}, options);
    const std::optional<ImageInfo> info = ProbeAvif(bytes);
    ASSERT_TRUE(info.has_value()) << depth;
    EXPECT_EQ(info->depth, 8) << depth;
    const cv::Mat image = DecodeAvif(bytes, *info);
    ASSERT_EQ(image.type(), CV_8UC3) << depth;
    EXPECT_LT(MeanAbsoluteError(image, source), 4.0) << depth;
  }
}

TEST(AvifDecoderTest, SubsampledChromaDecodesCloseToTheSource) {
  const cv::Mat source = Gradient(64, 48, 3);
  AvifOptions options;
  options.yuv = AVIF_PIXEL_FORMAT_YUV420;
  EXPECT_LT(MeanAbsoluteError(ProbeAndDecode(EncodeAvif({source}, options)), source), 4.0);
}

TEST(AvifDecoderTest, MonochromeImageDecodesToBgrOfEqualChannels) {
  cv::Mat grey(48, 64, CV_8UC3);
  for (int y = 0; y < grey.rows; ++y) {
    for (int x = 0; x < grey.cols; ++x) grey.at<cv::Vec3b>(y, x) = cv::Vec3b::all(x * 4);
  }
  AvifOptions options;
  options.yuv = AVIF_PIXEL_FORMAT_YUV400;
  const cv::Mat image = ProbeAndDecode(EncodeAvif({grey}, options));
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_LT(MeanAbsoluteError(image, grey), 4.0);
}

TEST(AvifDecoderTest, SequenceIsAnimatedAndDecodesToItsFirstFrame) {
  const cv::Mat first = Gradient(64, 48, 3);
  cv::Mat second;
  cv::bitwise_not(first, second);
  const std::string bytes = EncodeAvif({first, second});
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->animated);
  EXPECT_EQ(info->width, 64);
  EXPECT_EQ(info->height, 48);
  const cv::Mat image = DecodeAvif(bytes, *info);
  EXPECT_LT(MeanAbsoluteError(image, first), 4.0);
}

// What a viewer shows, by the format's definitions (ISO/IEC 23008-12, 6.5.10 and 6.5.12): turned
// `rotation` quarter turns anti-clockwise, then mirrored.
cv::Mat AsShown(const cv::Mat& stored, int rotation, int mirror) {
  cv::Mat shown = stored.clone();
  for (int turn = 0; turn < rotation; ++turn) {
    cv::rotate(shown, shown, cv::ROTATE_90_COUNTERCLOCKWISE);
  }
  if (mirror >= 0) cv::flip(shown, shown, mirror == 0 ? 0 : 1);  // 0: about the x axis
  return shown;
}

class AvifTransformTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(AvifTransformTest, IrotAndImirAreAppliedAsTheViewerShowsThem) {
  const auto [rotation, mirror] = GetParam();
  const cv::Mat source = Gradient(64, 48, 3);
  AvifOptions options;
  options.rotation = rotation;
  options.mirror = mirror;
  const std::string bytes = EncodeAvif({source}, options);
  const cv::Mat expected = AsShown(source, rotation < 0 ? 0 : rotation, mirror);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, expected.cols);
  EXPECT_EQ(info->height, expected.rows);
  const cv::Mat image = DecodeAvif(bytes, *info);
  ASSERT_EQ(image.size(), expected.size());
  EXPECT_LT(MeanAbsoluteError(image, expected), 4.0);
}

INSTANTIATE_TEST_SUITE_P(AllTurnsAndMirrors, AvifTransformTest,
                         ::testing::Combine(::testing::Values(-1, 0, 1, 2, 3),
                                            ::testing::Values(-1, 0, 1)));

TEST(AvifDecoderTest, ClapCropsBeforeIrotTurns) {
  const cv::Mat source = Gradient(64, 48, 3);
  AvifOptions options;
  options.crop = avifCropRect{3, 5, 57, 40};  // 4:4:4: any offset and size
  options.rotation = 3;
  const std::string bytes = EncodeAvif({source}, options);
  const cv::Mat expected = AsShown(source(cv::Rect(3, 5, 57, 40)), 3, -1);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 40);
  EXPECT_EQ(info->height, 57);
  const cv::Mat image = DecodeAvif(bytes, *info);
  ASSERT_EQ(image.size(), expected.size());
  EXPECT_TRUE(image.isContinuous());
  EXPECT_LT(MeanAbsoluteError(image, expected), 4.0);
}

TEST(AvifDecoderTest, ClapTakingMoreThanThePaddingIsIgnoredSoTheGuardSeesTheStoredSize) {
  const cv::Mat source = Gradient(400, 300, 3);
  AvifOptions options;
  options.crop = avifCropRect{0, 0, 100, 100};
  const std::string bytes = EncodeAvif({source}, options);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 400);
  EXPECT_EQ(info->height, 300);
  EXPECT_LT(MeanAbsoluteError(DecodeAvif(bytes, *info), source), 4.0);
}

TEST(AvifDecoderTest, HeaderClaiming60000x60000ProbesToThatSizeAndDecodesNothing) {
  // Above libavif's ceiling of 16384 x 16384 pixels: the probe reads the box itself.
  std::string bytes = EncodeAvif({Gradient(64, 48, 3)});
  ASSERT_GE(SetIspe(bytes, 60000, 60000), 1);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 60000);
  EXPECT_EQ(info->height, 60000);
  EXPECT_TRUE(DecodeAvif(bytes, *info).empty());
}

std::string Box(std::string_view type, const std::string& body) {
  std::string box;
  testing::Put(box, static_cast<uint32_t>(8 + body.size()), 4, testing::ByteOrder::kBig);
  return box + std::string(type) + body;
}

TEST(AvifDecoderTest, HugeClaimIsReadFromVersion1BoxesWithLongIndices) {
  // Only the boxes that name the primary item's size: 32-bit item IDs (pitm and ipma version 1)
  // and 15-bit property indices (ipma flag 1), the ispe second among the properties.
  std::string ispe = std::string(4, '\0');
  testing::Put(ispe, 60000, 4, testing::ByteOrder::kBig);
  testing::Put(ispe, 50000, 4, testing::ByteOrder::kBig);
  const std::string ipco = Box("ipco", Box("free", "") + Box("ispe", ispe));
  std::string ipma = std::string("\x01\0\0\x01", 4);
  testing::Put(ipma, 1, 4, testing::ByteOrder::kBig);       // one entry
  testing::Put(ipma, 7, 4, testing::ByteOrder::kBig);       // item 7
  ipma += '\x01';                                           // one association
  testing::Put(ipma, 0x8002, 2, testing::ByteOrder::kBig);  // essential, property 2
  std::string pitm = std::string("\x01\0\0\0", 4);
  testing::Put(pitm, 7, 4, testing::ByteOrder::kBig);
  const std::string meta =
      Box("meta", std::string(4, '\0') + Box("pitm", pitm) + Box("iprp", ipco + Box("ipma", ipma)));
  const std::string bytes = Box("ftyp", "avif" + std::string(4, '\0') + "avifmif1") + meta;
  ASSERT_EQ(SniffImageFormat(bytes), ImageFormat::kAvif);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 60000);
  EXPECT_EQ(info->height, 50000);
  EXPECT_TRUE(DecodeAvif(bytes, *info).empty());
}

TEST(AvifDecoderTest, ClaimWithinLibavifsCeilingIsNotTakenFromTheBoxesAlone) {
  // The same boxes claiming 1000 x 1000: libavif can parse that size, and refuses the file (no
  // item information, no data): not an AVIF.
  std::string ispe = std::string(4, '\0');
  testing::Put(ispe, 1000, 4, testing::ByteOrder::kBig);
  testing::Put(ispe, 1000, 4, testing::ByteOrder::kBig);
  std::string ipma = std::string(4, '\0');
  testing::Put(ipma, 1, 4, testing::ByteOrder::kBig);
  testing::Put(ipma, 1, 2, testing::ByteOrder::kBig);
  ipma += "\x01\x81";
  std::string pitm = std::string(4, '\0');
  testing::Put(pitm, 1, 2, testing::ByteOrder::kBig);
  const std::string meta =
      Box("meta", std::string(4, '\0') + Box("pitm", pitm) +
                      Box("iprp", Box("ipco", Box("ispe", ispe)) + Box("ipma", ipma)));
  const std::string bytes = Box("ftyp", "avif" + std::string(4, '\0') + "avifmif1") + meta;
  EXPECT_FALSE(ProbeAvif(bytes).has_value());
}

TEST(AvifDecoderTest, LongSideHasNoLimitOfItsOwnInTheProbe) {
  std::string bytes = EncodeAvif({Gradient(64, 48, 3)});
  ASSERT_GE(SetIspe(bytes, 40000, 100), 1);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 40000);
  EXPECT_EQ(info->height, 100);
}

TEST(AvifDecoderTest, StreamSmallerThanItsBoxIsScaledToTheProbedSize) {
  // libavif scales a frame to its item's ispe: the result is never larger than the probe said.
  std::string bytes = EncodeAvif({Gradient(64, 48, 3)});
  ASSERT_GE(SetIspe(bytes, 128, 96), 1);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  const cv::Mat image = DecodeAvif(bytes, *info);
  EXPECT_EQ(image.size(), cv::Size(128, 96));
}

TEST(AvifDecoderTest, StreamLargerThanItsBoxIsRefused) {
  std::string bytes = EncodeAvif({Gradient(64, 48, 3)});
  ASSERT_GE(SetIspe(bytes, 32, 24), 1);
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 32);
  EXPECT_TRUE(DecodeAvif(bytes, *info).empty());
}

TEST(AvifDecoderTest, DecodeRefusesInfoThatIsNotTheProbes) {
  const std::string bytes = EncodeAvif({Gradient(64, 48, 3)});
  const std::optional<ImageInfo> info = ProbeAvif(bytes);
  ASSERT_TRUE(info.has_value());
  std::vector<ImageInfo> wrong(4, *info);
  wrong[0].width += 1;
  wrong[1].height = 0;
  wrong[2].channels = 1;
  wrong[3].depth = 16;
  for (const ImageInfo& other : wrong) EXPECT_TRUE(DecodeAvif(bytes, other).empty());
}

TEST(AvifDecoderTest, TruncatedFileFailsCleanly) {
  const std::string bytes = EncodeAvif({Gradient(64, 48, 4)});
  ExpectTruncationFailsCleanly(bytes, ProbeAvif, DecodeAvif);
}

TEST(AvifDecoderTest, CorruptInputFailsCleanly) {
  std::string garbage = std::string(
      "\0\0\0\x18"
      "ftypavif\0\0\0\0avifmif1",
      24);
  garbage += std::string(200, '\x5A');
  EXPECT_FALSE(ProbeAvif(garbage).has_value());
  EXPECT_FALSE(ProbeAvif("not an image at all").has_value());

  // Flipped bytes: no crash, and any image of the probed size.
  const std::string bytes = EncodeAvif({Gradient(16, 16, 3)});
  ExpectBitFlipsFailCleanly(bytes, 7, ProbeAvif, DecodeAvif);
}

TEST(AvifDecoderTest, ThreadsProbeAndDecodeAtOnce) {
  // The engine decodes one image per core, each thread with its own calls.
  const std::string bytes = EncodeAvif({Gradient(64, 48, 4)});
  ExpectThreadsAgree(bytes, ProbeAvif, DecodeAvif);
}

}  // namespace
}  // namespace img2dataset
