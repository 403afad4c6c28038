#include "image/jxl_decoder.h"

#include <gtest/gtest.h>
#include <jxl/encode.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <vector>

#include "image/orientation.h"
#include "image/sniff.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::ExpectBitFlipsFailCleanly;
using testing::ExpectThreadsAgree;
using testing::ExpectTruncationFailsCleanly;

using testing::Gradient;
using testing::MeanAbsoluteError;

struct JxlOptions {
  uint32_t bits = 8;  // per sample: 8 or 16
  bool lossless = true;
  JxlOrientation orientation = JXL_ORIENT_IDENTITY;
  bool container = false;  // the ISO BMFF container around the codestream
};

// A JPEG XL file of `frames` (8-bit BGR, BGRA or grey, all of one size; several make an
// animation), encoded with libjxl.
std::string EncodeJxl(const std::vector<cv::Mat>& frames, const JxlOptions& options = {}) {
  JxlEncoder* encoder = JxlEncoderCreate(nullptr);
  const cv::Mat& first = frames.front();
  const int channels = first.channels();
  JxlBasicInfo basic;
  JxlEncoderInitBasicInfo(&basic);
  basic.xsize = static_cast<uint32_t>(first.cols);
  basic.ysize = static_cast<uint32_t>(first.rows);
  basic.bits_per_sample = options.bits;
  basic.num_color_channels = channels == 1 ? 1 : 3;
  if (channels == 4) {
    basic.alpha_bits = options.bits;
    basic.num_extra_channels = 1;
  }
  basic.uses_original_profile = options.lossless ? JXL_TRUE : JXL_FALSE;
  basic.orientation = options.orientation;
  if (frames.size() > 1) {
    basic.have_animation = JXL_TRUE;
    basic.animation.tps_numerator = 10;
    basic.animation.tps_denominator = 1;
  }
  JxlColorEncoding colour;
  JxlColorEncodingSetToSRGB(&colour, channels == 1 ? JXL_TRUE : JXL_FALSE);
  bool ok = JxlEncoderUseContainer(encoder, options.container ? JXL_TRUE : JXL_FALSE) ==
                JXL_ENC_SUCCESS &&
            JxlEncoderSetBasicInfo(encoder, &basic) == JXL_ENC_SUCCESS &&
            JxlEncoderSetColorEncoding(encoder, &colour) == JXL_ENC_SUCCESS;
  JxlEncoderFrameSettings* settings = JxlEncoderFrameSettingsCreate(encoder, nullptr);
  ok = ok && JxlEncoderFrameSettingsSetOption(settings, JXL_ENC_FRAME_SETTING_EFFORT, 3) ==
                 JXL_ENC_SUCCESS;
  ok = ok && (options.lossless ? JxlEncoderSetFrameLossless(settings, JXL_TRUE)
                               : JxlEncoderSetFrameDistance(settings, 1.0f)) == JXL_ENC_SUCCESS;
  for (const cv::Mat& frame : frames) {
    cv::Mat rgb = frame.clone();
    if (channels == 3) cv::cvtColor(frame, rgb, cv::COLOR_BGR2RGB);
    if (channels == 4) cv::cvtColor(frame, rgb, cv::COLOR_BGRA2RGBA);
    if (options.bits == 16) rgb.convertTo(rgb, CV_16U, 257.0);
    const JxlPixelFormat format = {static_cast<uint32_t>(channels),
                                   options.bits == 16 ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8,
                                   JXL_NATIVE_ENDIAN, 0};
    if (frames.size() > 1) {
      JxlFrameHeader header;
      JxlEncoderInitFrameHeader(&header);
      header.duration = 1;
      ok = ok && JxlEncoderSetFrameHeader(settings, &header) == JXL_ENC_SUCCESS;
    }
    ok = ok && JxlEncoderAddImageFrame(settings, &format, rgb.data, rgb.total() * rgb.elemSize()) ==
                   JXL_ENC_SUCCESS;
  }
  JxlEncoderCloseInput(encoder);
  std::string bytes(4096, '\0');
  size_t written = 0;
  JxlEncoderStatus status = JXL_ENC_NEED_MORE_OUTPUT;
  while (ok && status == JXL_ENC_NEED_MORE_OUTPUT) {
    auto* next = reinterpret_cast<uint8_t*>(bytes.data()) + written;
    size_t available = bytes.size() - written;
    status = JxlEncoderProcessOutput(encoder, &next, &available);
    written = bytes.size() - available;
    if (status == JXL_ENC_NEED_MORE_OUTPUT) bytes.resize(bytes.size() * 2);
  }
  JxlEncoderDestroy(encoder);
  EXPECT_TRUE(ok && status == JXL_ENC_SUCCESS) << "libjxl could not encode the test image";
  bytes.resize(written);
  return bytes;
}

// Little-endian bit packing, as the JPEG XL codestream is read.
class BitWriter {
 public:
  void Write(uint32_t value, int bits) {
    for (int i = 0; i < bits; ++i, ++used_) {
      if (used_ % 8 == 0) bytes_ += '\0';
      if ((value >> i) & 1) bytes_.back() = static_cast<char>(bytes_.back() | (1 << (used_ % 8)));
    }
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  int used_ = 0;
};

// A bare codestream header: the signature, a SizeHeader of `width` x `height`, and the default
// ImageMetadata (8-bit sRGB, no alpha). No frame follows.
std::string CodestreamHeader(uint32_t width, uint32_t height) {
  BitWriter bits;
  bits.Write(0xFF, 8);
  bits.Write(0x0A, 8);
  bits.Write(0, 1);  // not "small": the sizes are U32 fields
  // U32 with the distributions 1 + u(9), 1 + u(13), 1 + u(18), 1 + u(30): the third one.
  bits.Write(2, 2);
  bits.Write(height - 1, 18);
  bits.Write(0, 3);  // no aspect ratio: the width follows
  bits.Write(2, 2);
  bits.Write(width - 1, 18);
  bits.Write(1, 1);  // ImageMetadata.all_default
  return bits.bytes() + std::string(16, '\0');
}

cv::Mat ProbeAndDecode(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeJxl(bytes);
  EXPECT_TRUE(info.has_value());
  return info ? DecodeJxl(bytes, *info) : cv::Mat();
}

bool SamePixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

TEST(JxlDecoderTest, EncoderMakesWhatTheSnifferCallsJxl) {
  EXPECT_EQ(SniffImageFormat(EncodeJxl({Gradient(64, 48, 3)})), ImageFormat::kJxl);
  JxlOptions container;
  container.container = true;
  EXPECT_EQ(SniffImageFormat(EncodeJxl({Gradient(64, 48, 3)}, container)), ImageFormat::kJxl);
}

TEST(JxlDecoderTest, ProbeReadsSizeOfOpaqueStillImage) {
  const std::optional<ImageInfo> info = ProbeJxl(EncodeJxl({Gradient(64, 48, 3)}));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 64);
  EXPECT_EQ(info->height, 48);
  EXPECT_EQ(info->channels, 3);
  EXPECT_EQ(info->depth, 8);
  EXPECT_FALSE(info->animated);
}

TEST(JxlDecoderTest, LosslessImageDecodesToTheSourcePixels) {
  const cv::Mat source = Gradient(64, 48, 3);
  const cv::Mat image = ProbeAndDecode(EncodeJxl({source}));
  EXPECT_TRUE(SamePixels(image, source));
}

TEST(JxlDecoderTest, ContainerDecodesLikeTheBareCodestream) {
  const cv::Mat source = Gradient(64, 48, 3);
  JxlOptions options;
  options.container = true;
  EXPECT_TRUE(SamePixels(ProbeAndDecode(EncodeJxl({source}, options)), source));
}

TEST(JxlDecoderTest, AlphaImageDecodesToBgraOfTheSourcePixels) {
  const cv::Mat source = Gradient(64, 48, 4);
  const std::string bytes = EncodeJxl({source});
  const std::optional<ImageInfo> info = ProbeJxl(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->channels, 4);
  EXPECT_TRUE(SamePixels(DecodeJxl(bytes, *info), source));
}

TEST(JxlDecoderTest, SixteenBitImageDecodesToEightBits) {
  const cv::Mat source = Gradient(64, 48, 3);
  JxlOptions options;
  options.bits = 16;
  const std::string bytes = EncodeJxl({source}, options);
  const std::optional<ImageInfo> info = ProbeJxl(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->depth, 8);
  // Each 16-bit sample is the 8-bit one times 257: back to 8 bits, it is the same.
  EXPECT_TRUE(SamePixels(DecodeJxl(bytes, *info), source));
}

TEST(JxlDecoderTest, GreyImageDecodesToBgrOfEqualChannels) {
  cv::Mat grey;
  cv::cvtColor(Gradient(64, 48, 3), grey, cv::COLOR_BGR2GRAY);
  cv::Mat expected;
  cv::cvtColor(grey, expected, cv::COLOR_GRAY2BGR);
  EXPECT_TRUE(SamePixels(ProbeAndDecode(EncodeJxl({grey})), expected));
}

TEST(JxlDecoderTest, LossyImageDecodesCloseToTheSource) {
  const cv::Mat source = Gradient(64, 48, 3);
  JxlOptions options;
  options.lossless = false;
  const cv::Mat image = ProbeAndDecode(EncodeJxl({source}, options));
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_LT(MeanAbsoluteError(image, source), 4.0);
}

TEST(JxlDecoderTest, AnimationIsAnimatedAndDecodesToItsFirstFrame) {
  const cv::Mat first = Gradient(64, 48, 3);
  cv::Mat second;
  cv::bitwise_not(first, second);
  const std::string bytes = EncodeJxl({first, second});
  const std::optional<ImageInfo> info = ProbeJxl(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->animated);
  EXPECT_TRUE(SamePixels(DecodeJxl(bytes, *info), first));
}

class JxlOrientationTest : public ::testing::TestWithParam<int> {};

// libjxl turns the image as its header says; ApplyOrientation is the engine's reading of the same
// EXIF numbering (the JPEG path uses it), so the two agree pixel for pixel on a lossless file.
TEST_P(JxlOrientationTest, HeaderOrientationIsAppliedAsForAnExifJpeg) {
  const int orientation = GetParam();
  const cv::Mat source = Gradient(64, 48, 3);
  JxlOptions options;
  options.orientation = static_cast<JxlOrientation>(orientation);
  const std::string bytes = EncodeJxl({source}, options);
  const cv::Mat expected = ApplyOrientation(source, orientation);
  const std::optional<ImageInfo> info = ProbeJxl(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, expected.cols);
  EXPECT_EQ(info->height, expected.rows);
  EXPECT_TRUE(SamePixels(DecodeJxl(bytes, *info), expected));
}

INSTANTIATE_TEST_SUITE_P(AllEight, JxlOrientationTest, ::testing::Range(1, 9));

TEST(JxlDecoderTest, HeaderClaiming60000x60000ProbesToThatSizeAndDecodesNothing) {
  const std::string header = CodestreamHeader(60000, 60000);
  ASSERT_EQ(SniffImageFormat(header), ImageFormat::kJxl);
  const std::optional<ImageInfo> info = ProbeJxl(header);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 60000);
  EXPECT_EQ(info->height, 60000);
  EXPECT_EQ(info->channels, 3);
  // No frame: the decoder fails before it asks for the 10-gigabyte buffer.
  EXPECT_TRUE(DecodeJxl(header, *info).empty());
}

TEST(JxlDecoderTest, DecodeRefusesInfoThatIsNotTheProbes) {
  const std::string bytes = EncodeJxl({Gradient(64, 48, 3)});
  const std::optional<ImageInfo> info = ProbeJxl(bytes);
  ASSERT_TRUE(info.has_value());
  std::vector<ImageInfo> wrong(6, *info);
  wrong[0].width += 1;
  wrong[1].height = 0;
  wrong[2].channels = 1;
  wrong[3].channels = 4;  // the file has no alpha
  wrong[4].depth = 16;
  wrong[5].animated = true;
  for (const ImageInfo& other : wrong) EXPECT_TRUE(DecodeJxl(bytes, other).empty());
}

TEST(JxlDecoderTest, TruncatedFileFailsCleanly) {
  const std::string bytes = EncodeJxl({Gradient(64, 48, 4)});
  ExpectTruncationFailsCleanly(bytes, ProbeJxl, DecodeJxl);
}

TEST(JxlDecoderTest, CorruptInputFailsCleanly) {
  EXPECT_FALSE(ProbeJxl("\xFF\x0A").has_value());
  EXPECT_FALSE(ProbeJxl("not an image at all").has_value());
  // Ones after the signature read as a header (of 512 x 256), not as a frame.
  const std::string ones = std::string("\xFF\x0A") + std::string(64, '\xFF');
  const std::optional<ImageInfo> ones_info = ProbeJxl(ones);
  ASSERT_TRUE(ones_info.has_value());
  EXPECT_EQ(ones_info->width, 512);
  EXPECT_EQ(ones_info->height, 256);
  EXPECT_TRUE(DecodeJxl(ones, *ones_info).empty());

  // Flipped bytes: no crash, and any image of the probed size.
  const std::string bytes = EncodeJxl({Gradient(16, 16, 3)});
  ExpectBitFlipsFailCleanly(bytes, 5, ProbeJxl, DecodeJxl);
}

TEST(JxlDecoderTest, ThreadsProbeAndDecodeAtOnce) {
  // The engine decodes one image per core, each thread with its own calls.
  const std::string bytes = EncodeJxl({Gradient(64, 48, 4)});
  ExpectThreadsAgree(bytes, ProbeJxl, DecodeJxl);
}

}  // namespace
}  // namespace img2dataset
