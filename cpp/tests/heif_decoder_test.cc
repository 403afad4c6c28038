#include "image/heif_decoder.h"

#include <gtest/gtest.h>
#include <libheif/heif.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <utility>
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

struct HeicOptions {
  int bit_depth = 8;  // 8 or 10
  heif_orientation orientation = heif_orientation_normal;
  // libheif's default: the HEVC image as the tile of a grid of the image's size (false: the HEVC
  // image is the primary item, a clean aperture box cropping its padding).
  bool grid = true;
};

heif_error AppendTo(heif_context*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return heif_error{heif_error_Ok, heif_suberror_Unspecified, ""};
}

// libheif's HEVC image from an 8-bit BGR, BGRA or grey Mat, at `bit_depth` bits.
heif_image* ToHeifImage(const cv::Mat& source, int bit_depth) {
  const int channels = source.channels();
  const heif_colorspace colorspace =
      channels == 1 ? heif_colorspace_monochrome : heif_colorspace_RGB;
  const heif_chroma chroma = channels == 1   ? heif_chroma_monochrome
                             : bit_depth > 8 ? heif_chroma_interleaved_RRGGBB_LE
                             : channels == 4 ? heif_chroma_interleaved_RGBA
                                             : heif_chroma_interleaved_RGB;
  heif_image* image = nullptr;
  if (heif_image_create(source.cols, source.rows, colorspace, chroma, &image).code !=
      heif_error_Ok) {
    return nullptr;
  }
  const heif_channel channel = channels == 1 ? heif_channel_Y : heif_channel_interleaved;
  heif_image_add_plane(image, channel, source.cols, source.rows, bit_depth);
  int stride = 0;
  uint8_t* plane = heif_image_get_plane(image, channel, &stride);
  if (channels == 1 || bit_depth == 8) {
    cv::Mat target(source.rows, source.cols, source.type(), plane, static_cast<size_t>(stride));
    if (channels == 1) {
      source.copyTo(target);
    } else {
      cv::cvtColor(source, target, channels == 4 ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
    }
  } else {
    cv::Mat rgb;
    cv::cvtColor(source, rgb, cv::COLOR_BGR2RGB);
    cv::Mat target(source.rows, source.cols, CV_16UC3, plane, static_cast<size_t>(stride));
    rgb.convertTo(target, CV_16U, ((1 << bit_depth) - 1) / 255.0);
  }
  return image;
}

// A HEIC file of `images` (the first is the primary one), encoded with libheif's HEVC encoder
// (x265 in Debian's build) at quality 90 with full-resolution chroma.
std::string EncodeHeic(const std::vector<cv::Mat>& images, const HeicOptions& options = {}) {
  heif_context* context = heif_context_alloc();
  heif_encoder* encoder = nullptr;
  std::string bytes;
  bool ok = heif_context_get_encoder_for_format(context, heif_compression_HEVC, &encoder).code ==
            heif_error_Ok;
  if (ok) {
    heif_encoder_set_logging_level(encoder, 0);
    heif_encoder_set_lossy_quality(encoder, 90);
    heif_encoder_set_parameter_string(encoder, "chroma", "444");
    for (const cv::Mat& source : images) {
      heif_image* image = ToHeifImage(source, options.bit_depth);
      heif_encoding_options* encoding = heif_encoding_options_alloc();
      encoding->image_orientation = options.orientation;
      encoding->macOS_compatibility_workaround = options.grid ? 1 : 0;
      ok = ok && image != nullptr &&
           heif_context_encode_image(context, image, encoder, encoding, nullptr).code ==
               heif_error_Ok;
      heif_encoding_options_free(encoding);
      heif_image_release(image);
    }
    heif_encoder_release(encoder);
    heif_writer writer{1, &AppendTo};
    ok = ok && heif_context_write(context, &writer, &bytes).code == heif_error_Ok;
  }
  heif_context_free(context);
  EXPECT_TRUE(ok) << "libheif could not encode the test image";
  return bytes;
}

// What libheif reads in the file's hvcC box: the bits per sample of the primary image.
int LumaBits(const std::string& bytes) {
  heif_context* context = heif_context_alloc();
  heif_image_handle* primary = nullptr;
  int bits = -1;
  if (heif_context_read_from_memory_without_copy(context, bytes.data(), bytes.size(), nullptr)
              .code == heif_error_Ok &&
      heif_context_get_primary_image_handle(context, &primary).code == heif_error_Ok) {
    bits = heif_image_handle_get_luma_bits_per_pixel(primary);
    heif_image_handle_release(primary);
  }
  heif_context_free(context);
  return bits;
}

cv::Mat ProbeAndDecode(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  EXPECT_TRUE(info.has_value());
  return info ? DecodeHeif(bytes, *info) : cv::Mat();
}

class HeifDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!heif_have_encoder_for_format(heif_compression_HEVC)) {
      GTEST_SKIP() << "this libheif has no HEVC encoder to make the test images";
    }
  }
};

TEST_F(HeifDecoderTest, EncoderMakesWhatTheSnifferCallsHeif) {
  EXPECT_EQ(SniffImageFormat(EncodeHeic({Gradient(64, 48, 3)})), ImageFormat::kHeif);
}

TEST_F(HeifDecoderTest, ProbeReadsSizeOfOpaqueImage) {
  const std::optional<ImageInfo> info = ProbeHeif(EncodeHeic({Gradient(64, 48, 3)}));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 64);
  EXPECT_EQ(info->height, 48);
  EXPECT_EQ(info->channels, 3);
  EXPECT_EQ(info->depth, 8);
  EXPECT_FALSE(info->animated);
}

TEST_F(HeifDecoderTest, OpaqueImageDecodesToBgrCloseToTheSource) {
  const cv::Mat source = Gradient(64, 48, 3);
  const cv::Mat image = ProbeAndDecode(EncodeHeic({source}));
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST_F(HeifDecoderTest, AlphaImageDecodesToBgraCloseToTheSource) {
  const cv::Mat source = Gradient(64, 48, 4);
  const std::string bytes = EncodeHeic({source});
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->channels, 4);
  const cv::Mat image = DecodeHeif(bytes, *info);
  ASSERT_EQ(image.type(), CV_8UC4);
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST_F(HeifDecoderTest, TenBitImageDecodesToEightBits) {
  const cv::Mat source = Gradient(64, 48, 3);
  HeicOptions options;
  options.bit_depth = 10;
  const std::string bytes = EncodeHeic({source}, options);
  ASSERT_EQ(LumaBits(bytes), 10);
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->depth, 8);
  const cv::Mat image = DecodeHeif(bytes, *info);
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST_F(HeifDecoderTest, MonochromeImageDecodesToBgrOfEqualChannels) {
  cv::Mat grey;
  cv::cvtColor(Gradient(64, 48, 3), grey, cv::COLOR_BGR2GRAY);
  const cv::Mat image = ProbeAndDecode(EncodeHeic({grey}));
  ASSERT_EQ(image.type(), CV_8UC3);
  cv::Mat expected;
  cv::cvtColor(grey, expected, cv::COLOR_GRAY2BGR);
  EXPECT_LT(MeanAbsoluteError(image, expected), 4.0);
}

TEST_F(HeifDecoderTest, SeveralTopLevelImagesAreAnimatedAndThePrimaryIsDecoded) {
  const cv::Mat first = Gradient(64, 48, 3);
  cv::Mat second;
  cv::bitwise_not(first, second);
  const std::string bytes = EncodeHeic({first, second});
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->animated);
  EXPECT_LT(MeanAbsoluteError(DecodeHeif(bytes, *info), first), 4.0);
}

TEST_F(HeifDecoderTest, IrotIsAppliedTheImageComesUpright) {
  const cv::Mat source = Gradient(64, 48, 3);
  HeicOptions options;
  options.orientation = heif_orientation_rotate_90_cw;
  const std::string bytes = EncodeHeic({source}, options);
  ASSERT_NE(bytes.find("irot"), std::string::npos);
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 48);  // as shown
  EXPECT_EQ(info->height, 64);
  cv::Mat upright;
  cv::rotate(source, upright, cv::ROTATE_90_CLOCKWISE);
  EXPECT_LT(MeanAbsoluteError(DecodeHeif(bytes, *info), upright), 4.0);
}

TEST_F(HeifDecoderTest, OddSizeDecodesAtItsBoxSize) {
  // HEVC codes whole blocks: libheif stores 63 x 47 as a grid (or a clean aperture) around a
  // 64 x 48 image; the box says 63 x 47, and so does the decoded image.
  const cv::Mat source = Gradient(63, 47, 3);
  const std::string bytes = EncodeHeic({source});
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 63);
  EXPECT_EQ(info->height, 47);
  EXPECT_LT(MeanAbsoluteError(DecodeHeif(bytes, *info), source), 4.0);
}

TEST_F(HeifDecoderTest, CleanApertureCropsTheCodecsPadding) {
  // The HEVC image of 64 x 48 is coded as 64 x 64; a clap box crops it to 64 x 48.
  const cv::Mat source = Gradient(64, 48, 3);
  HeicOptions options;
  options.grid = false;
  const std::string bytes = EncodeHeic({source}, options);
  ASSERT_NE(bytes.find("clap"), std::string::npos);
  ASSERT_EQ(bytes.find("grid"), std::string::npos);
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 64);
  EXPECT_EQ(info->height, 48);
  const cv::Mat image = DecodeHeif(bytes, *info);
  ASSERT_EQ(image.size(), cv::Size(64, 48));
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST_F(HeifDecoderTest, HeaderClaiming60000x60000ProbesToThatSizeAndDecodesNothing) {
  std::string bytes = EncodeHeic({Gradient(64, 48, 3)});
  ASSERT_GE(SetIspe(bytes, 60000, 60000), 1);
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 60000);
  EXPECT_EQ(info->height, 60000);
  // The HEVC stream is 64 x 48: not the size the box promised.
  EXPECT_TRUE(DecodeHeif(bytes, *info).empty());
}

TEST_F(HeifDecoderTest, StreamOfAnotherSizeThanItsBoxIsRefused) {
  for (const cv::Size box : {cv::Size(32, 24), cv::Size(128, 96)}) {
    std::string bytes = EncodeHeic({Gradient(64, 48, 3)});
    ASSERT_GE(SetIspe(bytes, box.width, box.height), 1);
    const std::optional<ImageInfo> info = ProbeHeif(bytes);
    ASSERT_TRUE(info.has_value()) << box;
    EXPECT_EQ(info->width, box.width);
    EXPECT_TRUE(DecodeHeif(bytes, *info).empty()) << box;
  }
}

TEST_F(HeifDecoderTest, DecodeRefusesInfoThatIsNotTheProbes) {
  const std::string bytes = EncodeHeic({Gradient(64, 48, 3)});
  const std::optional<ImageInfo> info = ProbeHeif(bytes);
  ASSERT_TRUE(info.has_value());
  std::vector<ImageInfo> wrong(5, *info);
  wrong[0].width += 1;
  wrong[1].height = 0;
  wrong[2].channels = 1;
  wrong[3].channels = 4;  // the file has no alpha
  wrong[4].depth = 16;
  for (const ImageInfo& other : wrong) EXPECT_TRUE(DecodeHeif(bytes, other).empty());
}

TEST_F(HeifDecoderTest, TruncatedFileFailsCleanly) {
  const std::string bytes = EncodeHeic({Gradient(64, 48, 4)});
  ExpectTruncationFailsCleanly(bytes, ProbeHeif, DecodeHeif);
}

TEST_F(HeifDecoderTest, CorruptInputFailsCleanly) {
  std::string garbage = std::string(
      "\0\0\0\x18"
      "ftypheic\0\0\0\0mif1heic",
      24);
  garbage += std::string(200, '\x5A');
  EXPECT_FALSE(ProbeHeif(garbage).has_value());
  EXPECT_FALSE(ProbeHeif("not an image at all").has_value());

  // Flipped bytes: no crash, and any image of the probed size.
  const std::string bytes = EncodeHeic({Gradient(16, 16, 3)});
  ExpectBitFlipsFailCleanly(bytes, 7, ProbeHeif, DecodeHeif);
}

TEST_F(HeifDecoderTest, ThreadsProbeAndDecodeAtOnce) {
  // The engine decodes one image per core, each thread with its own calls.
  const std::string bytes = EncodeHeic({Gradient(64, 48, 4)});
  ExpectThreadsAgree(bytes, ProbeHeif, DecodeHeif);
}

}  // namespace
}  // namespace img2dataset
