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

// An extended WebP (VP8X chunk) of a `width` x `height` canvas, with nothing after the header.
std::string Vp8xHeader(uint32_t width, uint32_t height) {
  std::string webp = "RIFF";
  PutLittleEndian(webp, 22, 4);
  webp += "WEBPVP8X";
  PutLittleEndian(webp, 10, 4);
  webp += std::string("\x10\0\0\0", 4);  // flags: alpha; reserved
  PutLittleEndian(webp, width - 1, 3);
  PutLittleEndian(webp, height - 1, 3);
  return webp;
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

TEST(ReadImageSizeTest, LossyWebpFromVp8Frame) {
  const std::string webp = Encode(Source(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  ASSERT_EQ(webp.substr(12, 4), "VP8 ");
  ExpectSize(Sniffed(webp), 53, 37);
}

TEST(ReadImageSizeTest, LosslessWebpFromVp8lBits) {
  const std::string webp = Encode(Source(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  ASSERT_EQ(webp.substr(12, 4), "VP8L");
  ExpectSize(Sniffed(webp), 53, 37);
}

TEST(ReadImageSizeTest, LossyWebpWithAlphaIsExtendedVp8x) {
  cv::Mat bgra(37, 53, CV_8UC4, cv::Scalar(10, 20, 30, 128));
  const std::string webp = Encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  ASSERT_EQ(webp.substr(12, 4), "VP8X");
  ExpectSize(Sniffed(webp), 53, 37);
}

TEST(ReadImageSizeTest, HandBuiltVp8xUsesTwentyFourBitSizes) {
  ExpectSize(Sniffed(Vp8xHeader(1, 1)), 1, 1);
  ExpectSize(Sniffed(Vp8xHeader(70000, 3)), 70000, 3);  // beyond the 14 bits of VP8 and VP8L
  ExpectSize(Sniffed(Vp8xHeader(1 << 24, 1 << 24)), 1 << 24, 1 << 24);
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

TEST(ReadImageSizeTest, BmpBottomUpAndTopDown) {
  std::string bmp = Encode(Source(), ".bmp");
  ASSERT_EQ(SniffImageFormat(bmp), ImageFormat::kBmp);
  ExpectSize(Sniffed(bmp), 53, 37);
  // A negative height marks a top-down bitmap: the size is its magnitude.
  std::string top_down = bmp.substr(0, 22);
  PutLittleEndian(top_down, static_cast<uint32_t>(-37), 4);
  top_down += bmp.substr(26);
  ExpectSize(Sniffed(top_down), 53, 37);
}

// Regression: the 12-byte header of OS/2 1.x bitmaps (BITMAPCOREHEADER) has 16-bit sizes; read
// as 32-bit ones, a valid 2x2 bitmap, which OpenCV decodes, was "131074x1572865 pixels" and
// refused as too large.
TEST(ReadImageSizeTest, Os2BitmapHasSixteenBitSizes) {
  std::string bmp = "BM";
  PutLittleEndian(bmp, 26 + 16, 4);  // file size
  PutLittleEndian(bmp, 0, 4);        // reserved
  PutLittleEndian(bmp, 26, 4);       // pixel data offset
  PutLittleEndian(bmp, 12, 4);       // BITMAPCOREHEADER
  PutLittleEndian(bmp, 2, 2);        // width
  PutLittleEndian(bmp, 2, 2);        // height
  PutLittleEndian(bmp, 1, 2);        // planes
  PutLittleEndian(bmp, 24, 2);       // bits per pixel
  bmp += std::string(16, '\x7F');    // two rows of two pixels, padded to 8 bytes
  ASSERT_EQ(testing::Decode(bmp).size(), cv::Size(2, 2));
  ExpectSize(Sniffed(bmp), 2, 2);
}

TEST(ReadImageSizeTest, BmpWithZeroOrNegativeWidthIsUnreadable) {
  const std::string bmp = Encode(Source(), ".bmp");
  for (const uint32_t width : {0u, static_cast<uint32_t>(-53)}) {
    std::string bad = bmp.substr(0, 18);
    PutLittleEndian(bad, width, 4);
    bad += bmp.substr(22);
    EXPECT_FALSE(Sniffed(bad).has_value()) << width;
  }
}

TEST(ReadImageSizeTest, TiffFromItsFirstIfd) {
  const std::string tiff = Encode(Source(), ".tiff");
  ASSERT_EQ(SniffImageFormat(tiff), ImageFormat::kTiff);
  ExpectSize(Sniffed(tiff), 53, 37);
  // Big-endian, LONG sizes, the IFD after other tags.
  std::string big = "MM";
  PutBigEndian(big, 42, 2);
  PutBigEndian(big, 8, 4);
  PutBigEndian(big, 3, 2);  // three entries
  for (const auto& [tag, value] : {std::pair{254u, 0u}, {256u, 70000u}, {257u, 3u}}) {
    PutBigEndian(big, tag, 2);
    PutBigEndian(big, 4, 2);  // LONG
    PutBigEndian(big, 1, 4);
    PutBigEndian(big, value, 4);
  }
  ExpectSize(Sniffed(big), 70000, 3);
  EXPECT_FALSE(Sniffed(big.substr(0, big.size() - 1)).has_value());
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
  } kCases[] = {{".png", 24, {}},
                {".webp", 30, {cv::IMWRITE_WEBP_QUALITY, 80}},
                {".webp", 30, {cv::IMWRITE_WEBP_QUALITY, 101}},
                {".bmp", 26, {}}};
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
  ExpectSize(ReadImageSize(Vp8xHeader(9, 8), ImageFormat::kWebp), 9, 8);
  EXPECT_FALSE(ReadImageSize(Vp8xHeader(9, 8).substr(0, 29), ImageFormat::kWebp).has_value());
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

TEST(ReadImageSizeTest, WebpWithBadChunkOrSignatureIsUnreadable) {
  std::string lossy = Encode(Source(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  lossy[23] = 0;  // VP8 key frame start code 9D 01 2A broken
  EXPECT_FALSE(Sniffed(lossy).has_value());
  std::string lossless = Encode(Source(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  lossless[20] = 0;  // VP8L signature byte 0x2F broken
  EXPECT_FALSE(Sniffed(lossless).has_value());
  std::string other = Vp8xHeader(4, 4);
  other.replace(12, 4, "ALPH");
  EXPECT_FALSE(Sniffed(other).has_value());
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
