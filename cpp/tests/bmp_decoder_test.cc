#include "image/bmp_decoder.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
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

void Put(std::string& out, uint32_t value, int bytes) {
  testing::Put(out, value, bytes, ByteOrder::kLittle);
}

struct Bgr {
  uint8_t b, g, r;
};

// The bytes of a string literal that holds NULs, its length counted by the compiler.
template <size_t N>
std::string Raw(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

struct BmpSpec {
  uint32_t header_size = 40;      // 12 (OS/2 1.x), 40, 56, 108, 124
  int32_t width = 0, height = 0;  // a negative height: top-down
  uint16_t bits = 24;
  uint32_t compression = 0;  // 0 RGB, 1 RLE8, 2 RLE4, 3 bit fields
  std::vector<Bgr> palette;
  // Bit fields, R G B (A): after a 40-byte header, in the header (offset 40) for larger ones.
  std::vector<uint32_t> masks;
  std::string pixels;  // as stored: rows padded, or the RLE stream
};

std::string MakeBmp(const BmpSpec& spec) {
  std::string info;
  Put(info, spec.header_size, 4);
  if (spec.header_size == 12) {
    Put(info, static_cast<uint32_t>(spec.width), 2);
    Put(info, static_cast<uint32_t>(spec.height), 2);
    Put(info, 1, 2);
    Put(info, spec.bits, 2);
  } else {
    Put(info, static_cast<uint32_t>(spec.width), 4);
    Put(info, static_cast<uint32_t>(spec.height), 4);
    Put(info, 1, 2);
    Put(info, spec.bits, 2);
    Put(info, spec.compression, 4);
    Put(info, static_cast<uint32_t>(spec.pixels.size()), 4);
    Put(info, 2835, 4);
    Put(info, 2835, 4);
    Put(info, static_cast<uint32_t>(spec.palette.size()), 4);  // colours used
    Put(info, 0, 4);                                           // important colours
    if (spec.header_size > 40) {
      for (const uint32_t mask : spec.masks) Put(info, mask, 4);
    }
    info.resize(spec.header_size, '\0');
    if (spec.header_size == 40) {
      for (const uint32_t mask : spec.masks) Put(info, mask, 4);
    }
  }
  for (const Bgr& c : spec.palette) {
    info += static_cast<char>(c.b);
    info += static_cast<char>(c.g);
    info += static_cast<char>(c.r);
    if (spec.header_size != 12) info += '\0';
  }
  std::string out = "BM";
  Put(out, static_cast<uint32_t>(14 + info.size() + spec.pixels.size()), 4);
  Put(out, 0, 4);
  Put(out, static_cast<uint32_t>(14 + info.size()), 4);
  return out + info + spec.pixels;
}

// Rows of `row_bytes` bytes each, every byte from a formula, padded to 4 bytes.
std::string PatternRows(int rows, size_t row_bytes) {
  std::string out;
  for (int y = 0; y < rows; ++y) {
    for (size_t i = 0; i < row_bytes; ++i) out += static_cast<char>((i * 29 + y * 71 + 3) % 256);
    out.resize(out.size() + (4 - row_bytes % 4) % 4, '\0');
  }
  return out;
}

std::vector<Bgr> ColourPalette(int entries) {
  std::vector<Bgr> palette;
  for (int i = 0; i < entries; ++i) {
    palette.push_back(Bgr{static_cast<uint8_t>(i * 16), static_cast<uint8_t>(255 - i * 8),
                          static_cast<uint8_t>(i * 97 % 256)});
  }
  return palette;
}

std::vector<Bgr> GreyPalette(int entries) {
  std::vector<Bgr> palette;
  for (int i = 0; i < entries; ++i) {
    const auto v = static_cast<uint8_t>(255 - i * (256 / entries));
    palette.push_back(Bgr{v, v, v});
  }
  return palette;
}

cv::Mat ProbeAndDecode(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeBmp(bytes);
  if (!info) return {};
  return DecodeBmp(bytes, *info);
}

// The decode equals OpenCV's, and the probe says what the decode gave.
void ExpectSameAsOpenCv(const std::string& bytes, int channels) {
  const std::optional<ImageInfo> info = ProbeBmp(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->channels, channels);
  EXPECT_EQ(info->depth, 8);
  EXPECT_FALSE(info->animated);
  const cv::Mat ours = DecodeBmp(bytes, *info);
  const cv::Mat theirs = Decode(bytes);
  ASSERT_FALSE(ours.empty());
  ASSERT_FALSE(theirs.empty());
  ASSERT_EQ(ours.type(), theirs.type());
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0);
  EXPECT_EQ(ours.size(), cv::Size(info->width, info->height));
}

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

TEST(BmpDecoderTest, OpenCvWrittenBitmapsAreOpenCvs) {
  ExpectSameAsOpenCv(Encode(Pattern(37, 21, CV_8UC1), ".bmp"), 1);  // grey palette
  ExpectSameAsOpenCv(Encode(Pattern(37, 21, CV_8UC3), ".bmp"), 3);
  ExpectSameAsOpenCv(Encode(Pattern(37, 21, CV_8UC4), ".bmp"), 3);  // 32-bit RGB: no alpha
}

TEST(BmpDecoderTest, LosslessPixelsRoundTrip) {
  const cv::Mat bgr = Pattern(13, 7, CV_8UC3);
  const cv::Mat out = ProbeAndDecode(Encode(bgr, ".bmp"));
  ASSERT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(out, bgr, cv::NORM_INF), 0);
}

TEST(BmpDecoderTest, PalettesAreOpenCvsAndGreyOnesOneChannel) {
  BmpSpec spec;
  spec.width = 21;
  spec.height = 5;
  spec.bits = 1;
  spec.palette = ColourPalette(2);
  spec.pixels = PatternRows(5, 3);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);
  spec.palette = GreyPalette(2);
  ExpectSameAsOpenCv(MakeBmp(spec), 1);

  spec.bits = 4;
  spec.palette = GreyPalette(16);
  spec.pixels = PatternRows(5, 11);
  ExpectSameAsOpenCv(MakeBmp(spec), 1);
  spec.palette = ColourPalette(16);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);

  spec.bits = 8;
  spec.palette = ColourPalette(5);  // indices past the palette are black, as in OpenCV
  spec.pixels = PatternRows(5, 21);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);
}

TEST(BmpDecoderTest, SixteenBitsAreOpenCvsWithLowBitsZero) {
  BmpSpec spec;
  spec.width = 9;
  spec.height = 4;
  spec.bits = 16;
  spec.pixels = PatternRows(4, 18);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);  // 5-5-5
  spec.compression = 3;
  spec.masks = {0xf800, 0x07e0, 0x001f};
  ExpectSameAsOpenCv(MakeBmp(spec), 3);  // 5-6-5
  spec.masks = {0x7c00, 0x03e0, 0x001f};
  ExpectSameAsOpenCv(MakeBmp(spec), 3);  // 5-5-5 as bit fields

  BmpSpec white;
  white.width = 1;
  white.height = 1;
  white.bits = 16;
  white.pixels = Raw("\xff\x7f\0\0");
  EXPECT_EQ(ProbeAndDecode(MakeBmp(white)).at<cv::Vec3b>(0, 0), cv::Vec3b(248, 248, 248));
}

TEST(BmpDecoderTest, ThirtyTwoBitsAreOpenCvs) {
  BmpSpec spec;
  spec.width = 7;
  spec.height = 3;
  spec.bits = 32;
  spec.pixels = PatternRows(3, 28);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);  // RGB: the fourth byte dropped
  spec.compression = 3;
  spec.masks = {0xff0000, 0xff00, 0xff};
  ExpectSameAsOpenCv(MakeBmp(spec), 4);  // 40-byte header: bytes as stored
  for (const uint32_t header_size : {56u, 108u, 124u}) {
    SCOPED_TRACE(header_size);
    spec.header_size = header_size;
    spec.masks = {0xff0000, 0xff00, 0xff, 0xff000000};
    ExpectSameAsOpenCv(MakeBmp(spec), 4);
    spec.masks = {0xff000000, 0xff0000, 0xff00, 0xff};  // RGBA
    ExpectSameAsOpenCv(MakeBmp(spec), 4);
    spec.masks = {0xff0000, 0xff00, 0xff, 0};  // no alpha mask: opaque
    ExpectSameAsOpenCv(MakeBmp(spec), 4);
    EXPECT_EQ(ProbeAndDecode(MakeBmp(spec)).at<cv::Vec4b>(1, 1)[3], 255);
  }
}

TEST(BmpDecoderTest, TopDownRowsAreOpenCvs) {
  BmpSpec spec;
  spec.width = 5;
  spec.height = -6;
  spec.pixels = PatternRows(6, 15);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);
  spec.bits = 8;
  spec.palette = ColourPalette(256);
  spec.pixels = PatternRows(6, 5);
  ExpectSameAsOpenCv(MakeBmp(spec), 3);
}

TEST(BmpDecoderTest, Os2CoreBitmapsAreGreyAsOpenCvMakesThem) {
  BmpSpec spec;
  spec.header_size = 12;
  spec.width = 6;
  spec.height = 3;
  spec.pixels = PatternRows(3, 18);
  ExpectSameAsOpenCv(MakeBmp(spec), 1);
  spec.bits = 8;
  spec.palette = ColourPalette(256);
  spec.pixels = PatternRows(3, 6);
  ExpectSameAsOpenCv(MakeBmp(spec), 1);
}

TEST(BmpDecoderTest, Rle8IsOpenCvs) {
  BmpSpec spec;
  spec.width = 6;
  spec.height = 4;
  spec.bits = 8;
  spec.compression = 1;
  spec.palette = ColourPalette(8);
  // Row 0: two runs filling it, then an end of line that ends nothing (the runs moved the cursor
  // to row 1). Row 1: three literal indices (padded), an end of line: the rest of row 1 is entry
  // 0. A delta (2, 1): to row 3, x = 2, skipping with entry 0. A run of 2, the end of bitmap.
  spec.pixels =
      Raw("\x03\x01\x03\x02"
          "\x00\x00"
          "\x00\x03\x00\x01\x02\x00"
          "\x00\x00"
          "\x00\x02\x02\x01"
          "\x02\x03"
          "\x00\x01");
  ExpectSameAsOpenCv(MakeBmp(spec), 3);
  spec.palette = GreyPalette(8);
  ExpectSameAsOpenCv(MakeBmp(spec), 1);
  spec.height = -4;  // top-down
  ExpectSameAsOpenCv(MakeBmp(spec), 1);
}

TEST(BmpDecoderTest, Rle4IsOpenCvs) {
  BmpSpec spec;
  spec.width = 6;
  spec.height = 3;
  spec.bits = 4;
  spec.compression = 2;
  spec.palette = ColourPalette(16);
  // Row 0: 1 2 1 2 1 2, an end of line. Row 1: five literal indices (padded), an end of line.
  // Row 2: a delta (2, 0), a run of 2, an end of line: the last row is passed.
  spec.pixels =
      Raw("\x06\x12\x00\x00"
          "\x00\x05\x31\x20\x30\x00"
          "\x00\x00"
          "\x00\x02\x02\x00"
          "\x02\x44\x00\x00");
  ExpectSameAsOpenCv(MakeBmp(spec), 3);
}

TEST(BmpDecoderTest, RleStreamEndingEarlyOrOverrunningARowIsCorrupt) {
  BmpSpec spec;
  spec.width = 4;
  spec.height = 2;
  spec.bits = 8;
  spec.compression = 1;
  spec.palette = ColourPalette(4);
  spec.pixels = Raw("\x04\x01");  // row 0 only, no end of bitmap
  EXPECT_TRUE(ProbeAndDecode(MakeBmp(spec)).empty());
  EXPECT_TRUE(Decode(MakeBmp(spec)).empty());
  spec.pixels = Raw("\x05\x01\x00\x01");  // a run past the row's end
  EXPECT_TRUE(ProbeAndDecode(MakeBmp(spec)).empty());
  EXPECT_TRUE(Decode(MakeBmp(spec)).empty());
  spec.pixels = Raw("\x04\x01\x00\x01");
  EXPECT_FALSE(ProbeAndDecode(MakeBmp(spec)).empty());
}

// OpenCV looks for 16-bit bit fields past a V4 or V5 header, and fails; they are in it.
TEST(BmpDecoderTest, SixteenBitFieldsInAV5HeaderAreRead) {
  BmpSpec spec;
  spec.header_size = 124;
  spec.width = 2;
  spec.height = 1;
  spec.bits = 16;
  spec.compression = 3;
  spec.masks = {0xf800, 0x07e0, 0x001f, 0};
  spec.pixels = Raw("\x00\xf8\xe0\x07");  // red, green
  const cv::Mat out = ProbeAndDecode(MakeBmp(spec));
  ASSERT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 248));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 1), cv::Vec3b(0, 252, 0));
}

TEST(BmpDecoderTest, UnsupportedHeadersAreNullopt) {
  BmpSpec spec;
  spec.width = 2;
  spec.height = 2;
  spec.pixels = PatternRows(2, 6);
  for (const uint32_t header_size : {0u, 16u, 35u, 0x80000000u}) {
    std::string bytes = MakeBmp(spec);
    bytes[14] = static_cast<char>(header_size & 0xff);
    bytes[17] = static_cast<char>(header_size >> 24);
    EXPECT_FALSE(ProbeBmp(bytes).has_value()) << header_size;
  }
  spec.bits = 16;
  spec.compression = 3;
  spec.masks = {0xff, 0xff00, 0xff0000};  // not 5-5-5 nor 5-6-5
  EXPECT_FALSE(ProbeBmp(MakeBmp(spec)).has_value());
  spec.bits = 24;
  spec.compression = 1;  // RLE8 of 24 bits
  EXPECT_FALSE(ProbeBmp(MakeBmp(spec)).has_value());
  spec.compression = 0;
  spec.width = 0;
  EXPECT_FALSE(ProbeBmp(MakeBmp(spec)).has_value());
  EXPECT_FALSE(ProbeBmp("").has_value());
  EXPECT_FALSE(ProbeBmp(Encode(Pattern(4, 4, CV_8UC3), ".png")).has_value());
}

TEST(BmpDecoderTest, BombProbesToItsClaimAndDecodeAllocatesNothing) {
  BmpSpec spec;
  spec.width = 60000;
  spec.height = 60000;
  spec.pixels = std::string(16, '\x7f');
  const std::string bytes = MakeBmp(spec);
  const std::optional<ImageInfo> info = ProbeBmp(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 60000);
  EXPECT_EQ(info->height, 60000);
  // 10.8 GB of rows claimed, 16 bytes there: refused before the image is allocated.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(DecodeBmp(bytes, *info).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(BmpDecoderTest, HeaderUnlikeTheProbeIsRefused) {
  const std::string bytes = Encode(Pattern(8, 4, CV_8UC3), ".bmp");
  const ImageInfo info = *ProbeBmp(bytes);
  std::vector<ImageInfo> others(4, info);
  others[0].width = 9;
  others[1].height = 60000;
  others[2].channels = 1;
  others[3].depth = 16;
  for (const ImageInfo& other : others) EXPECT_TRUE(DecodeBmp(bytes, other).empty());
  EXPECT_FALSE(DecodeBmp(bytes, info).empty());
}

TEST(BmpDecoderTest, TruncatedAndCorruptFilesNeverCrash) {
  BmpSpec rle;
  rle.width = 6;
  rle.height = 4;
  rle.bits = 8;
  rle.compression = 1;
  rle.palette = ColourPalette(8);
  rle.pixels = Raw("\x03\x01\x03\x02\x00\x03\x00\x01\x02\x00\x00\x02\x02\x01\x00\x01");
  const std::vector<std::string> files = {Encode(Pattern(13, 7, CV_8UC3), ".bmp"),
                                          Encode(Pattern(13, 7, CV_8UC1), ".bmp"), MakeBmp(rle)};
  for (const std::string& file : files) {
    for (size_t length = 0; length < file.size(); ++length) {
      const std::string prefix = file.substr(0, length);
      const std::optional<ImageInfo> info = ProbeBmp(prefix);
      if (!info) continue;
      EXPECT_TRUE(DecodeBmp(prefix, *info).empty()) << length;  // every row is needed
    }
    for (size_t at = 0; at < file.size(); ++at) {
      std::string flipped = file;
      flipped[at] = static_cast<char>(flipped[at] ^ 0xA5);
      const std::optional<ImageInfo> info = ProbeBmp(flipped);
      if (!info || int64_t{info->width} * info->height > 4'000'000) continue;
      const cv::Mat out = DecodeBmp(flipped, *info);
      if (!out.empty()) {
        EXPECT_EQ(out.size(), cv::Size(info->width, info->height));
      }
    }
  }
}

}  // namespace
}  // namespace img2dataset
