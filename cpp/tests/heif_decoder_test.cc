#include "image/heif_decoder.h"

#include <gtest/gtest.h>
#include <libheif/heif.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
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

// The samples heic_encoder reads (tools/heic_encoder.cc): an 8-bit BGR, BGRA or grey Mat as
// RGB, RGBA or grey, at `bit_depth` bits (10: 16-bit little-endian words).
std::string EncoderInput(const cv::Mat& source, int bit_depth) {
  const int channels = source.channels();
  cv::Mat samples;
  if (channels == 1) {
    samples = source.clone();
  } else {
    cv::cvtColor(source, samples, channels == 4 ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
  }
  if (bit_depth > 8) samples.convertTo(samples, CV_16U, ((1 << bit_depth) - 1) / 255.0);
  std::string input = std::to_string(source.cols) + " " + std::to_string(source.rows) + " " +
                      std::to_string(channels) + " " + std::to_string(bit_depth) + "\n";
  input.append(reinterpret_cast<const char*>(samples.data), samples.total() * samples.elemSize());
  return input;
}

// A HEIC file of `images` (the first is the primary one), encoded by heic_encoder with the
// system's libheif and its HEVC encoder (x265) at quality 90 with full-resolution chroma.
std::string EncodeHeic(const std::vector<cv::Mat>& images, const HeicOptions& options = {}) {
  const testing::ScopedTempDir folder;
  const std::string in = folder.Join("images"), out = folder.Join("image.heic");
  {
    std::ofstream file(in, std::ios::binary);
    for (const cv::Mat& source : images) file << EncoderInput(source, options.bit_depth);
  }
  const std::string command = std::string(IMG2DATASET_HEIC_ENCODER) + " " + in + " " + out + " " +
                              std::to_string(options.orientation) + " " +
                              (options.grid ? "1" : "0");
  const bool ok = std::system(command.c_str()) == 0;
  EXPECT_TRUE(ok) << "heic_encoder could not encode the test image: " << command;
  std::ifstream file(out, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return ok ? bytes : std::string();
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

class HeifDecoderTest : public ::testing::Test {};

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
