#include "image/image_header.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "image/sniff.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Encode;

void PutLittleEndian(std::string& out, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

void PutBigEndian(std::string& out, uint32_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// The PNG signature and an IHDR chunk claiming `width` x `height`, with a made-up CRC: only the
// header is read.
std::string PngHeader(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1A\n";
  PutBigEndian(png, 13, 4);
  png += "IHDR";
  PutBigEndian(png, width, 4);
  PutBigEndian(png, height, 4);
  png += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, no interlace
  png += "CRC!";
  return png;
}

void ExpectSize(const std::optional<ImageSize>& size, int width, int height) {
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, width);
  EXPECT_EQ(size->height, height);
}

// The size as the processor reads it: format sniffed from the bytes.
std::optional<ImageSize> Sniffed(const std::string& bytes) {
  return ReadImageSize(bytes, SniffImageFormat(bytes));
}

const cv::Mat& Source() {
  static const cv::Mat image = [] {
    cv::Mat bgr(37, 53, CV_8UC3);
    cv::randu(bgr, 0, 255);
    return bgr;
  }();
  return image;
}

TEST(ReadImageSizeTest, PngFromIhdr) { ExpectSize(Sniffed(Encode(Source(), ".png")), 53, 37); }

TEST(ReadImageSizeTest, JpegColourAndGray) {
  ExpectSize(Sniffed(Encode(Source(), ".jpg")), 53, 37);
  ExpectSize(Sniffed(Encode(cv::Mat(9, 300, CV_8UC1, cv::Scalar(7)), ".jpg")), 300, 9);
}

TEST(ReadImageSizeTest, GifFromLogicalScreen) {
  std::string gif = "GIF89a";
  PutLittleEndian(gif, 321, 2);
  PutLittleEndian(gif, 7, 2);
  gif += std::string("\0\0\0", 3);
  ExpectSize(Sniffed(gif), 321, 7);
  gif[3] = '8';
  gif[4] = '7';  // GIF87a
  ExpectSize(Sniffed(gif), 321, 7);
}

TEST(ReadImageSizeTest, UnknownFormatsAreNotRead) {
  EXPECT_FALSE(Sniffed("<html>not an image</html>").has_value());
  EXPECT_FALSE(Sniffed("").has_value());
  EXPECT_FALSE(Sniffed("P5\n3000 3000\n255\n").has_value());
  EXPECT_FALSE(ReadImageSize(Encode(Source(), ".png"), ImageFormat::kUnknown).has_value());
}

TEST(ReadImageSizeTest, TruncatedHeadersAreUnreadable) {
  const struct {
    const char* extension;
    size_t header_bytes;  // the shortest prefix that still tells the size
    std::vector<int> params;
  } kCases[] = {{".png", 24, {}}};
  for (const auto& c : kCases) {
    const std::string bytes = Encode(Source(), c.extension, c.params);
    const ImageFormat format = SniffImageFormat(bytes);
    ExpectSize(ReadImageSize(bytes.substr(0, c.header_bytes), format), 53, 37);
    for (size_t length = 0; length < c.header_bytes; ++length) {
      EXPECT_FALSE(ReadImageSize(bytes.substr(0, length), format).has_value())
          << c.extension << " cut at " << length;
    }
  }
  const std::string gif_header = std::string("GIF89a\x05\0\x06\0", 10);
  ExpectSize(ReadImageSize(gif_header, ImageFormat::kGif), 5, 6);
  for (size_t length = 0; length < gif_header.size(); ++length) {
    EXPECT_FALSE(ReadImageSize(gif_header.substr(0, length), ImageFormat::kGif).has_value());
  }
}

TEST(ReadImageSizeTest, JpegCutBeforeItsFrameHeaderIsUnreadable) {
  const std::string jpeg = Encode(Source(), ".jpg");
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  for (const size_t length : {size_t{0}, size_t{2}, size_t{3}, size_t{20}, sof, sof + 6}) {
    EXPECT_FALSE(ReadImageSize(jpeg.substr(0, length), ImageFormat::kJpeg).has_value())
        << "cut at " << length;
  }
}

TEST(ReadImageSizeTest, ZeroSizesAreUnreadable) {
  EXPECT_FALSE(Sniffed(PngHeader(0, 10)).has_value());
  EXPECT_FALSE(Sniffed(PngHeader(10, 0)).has_value());
  EXPECT_FALSE(Sniffed(std::string("GIF89a\0\0\x06\0", 10)).has_value());
}

TEST(ReadImageSizeTest, AbsurdSizesAreReportedSoTheCallerCanRefuseThem) {
  ExpectSize(Sniffed(PngHeader(20000, 20000) + "garbage instead of IDAT"), 20000, 20000);
  ExpectSize(Sniffed(std::string("GIF89a\x60\xEA\x60\xEA", 10)), 60000, 60000);
  ExpectSize(Sniffed(PngHeader(1u << 30, 1u << 30)), 1 << 30, 1 << 30);
}

TEST(ReadImageSizeTest, SizesBeyondIntRangeAreUnreadable) {
  // PNG sizes are 31-bit; larger values would overflow int.
  EXPECT_FALSE(Sniffed(PngHeader((1u << 30) + 1, 1)).has_value());
  EXPECT_FALSE(Sniffed(PngHeader(0xFFFFFFFFu, 0xFFFFFFFFu)).has_value());
}

}  // namespace
}  // namespace img2dataset
