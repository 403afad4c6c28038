// The libjpeg and libpng decoders against OpenCV's imdecode(IMREAD_UNCHANGED), the reference's
// decoder, which they replace: the same pixels for every layout they take.
#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>

#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "image/libjpeg_decoder.h"
#include "image/libpng_decoder.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Decode;
using testing::Encode;

cv::Mat Texture(int width, int height, int channels) {
  cv::Mat image(height, width, CV_8UC(channels));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        image.ptr<uint8_t>(y)[x * channels + c] =
            static_cast<uint8_t>((x * 7 + y * 11 + c * 60 + (x ^ y) * 3) % 256);
      }
    }
  }
  return image;
}

void ExpectSamePixels(const cv::Mat& actual, const cv::Mat& expected) {
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(actual.size(), expected.size());
  ASSERT_EQ(actual.type(), expected.type());
  EXPECT_EQ(cv::norm(actual, expected, cv::NORM_INF), 0.0);
}

// A PNG written by libpng with the given colour type, bit depth, palette/tRNS and interlacing:
// the layouts OpenCV's encoder never writes.
std::string Png(int colour, int depth, bool transparency, bool interlaced) {
  const int width = 13, height = 9;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::string out;
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), n);
      },
      [](png_structp) {});
  png_set_IHDR(png, info, width, height, depth, colour,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> palette(16);
  for (int i = 0; i < 16; ++i) {
    palette[i] = {static_cast<png_byte>(i * 16), static_cast<png_byte>(255 - i * 9),
                  static_cast<png_byte>(i * 5)};
  }
  png_byte alphas[16];
  for (int i = 0; i < 16; ++i) alphas[i] = static_cast<png_byte>(i * 17);
  png_color_16 key{};
  key.red = key.green = key.blue = key.gray = 3;
  if (colour == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette.data(), 16);
  if (transparency)
    png_set_tRNS(png, info, alphas, colour == PNG_COLOR_TYPE_PALETTE ? 16 : 0, &key);
  png_write_info(png, info);
  const int passes = png_set_interlace_handling(png);
  const int channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  std::vector<std::vector<png_byte>> rows(height, std::vector<png_byte>(row_bytes));
  for (int y = 0; y < height; ++y) {
    for (size_t i = 0; i < row_bytes; ++i) {
      const size_t value = (i * 37 + y * 91 + channels) % 256;
      // 8-bit palette indices stay within the 16 entries.
      rows[y][i] = static_cast<png_byte>(colour == PNG_COLOR_TYPE_PALETTE && depth == 8 ? value % 16
                                                                                        : value);
    }
  }
  for (int pass = 0; pass < passes; ++pass) {
    for (int y = 0; y < height; ++y) png_write_row(png, rows[y].data());
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

TEST(LibpngDecoderTest, EveryLayoutDecodesAsOpenCvDecodesIt) {
  struct Case {
    int colour, depth;
    bool transparency;
  };
  const std::vector<Case> cases = {
      {PNG_COLOR_TYPE_PALETTE, 4, false},    {PNG_COLOR_TYPE_PALETTE, 8, true},
      {PNG_COLOR_TYPE_GRAY, 1, false},       {PNG_COLOR_TYPE_GRAY, 2, false},
      {PNG_COLOR_TYPE_GRAY, 8, true},        {PNG_COLOR_TYPE_GRAY, 16, false},
      {PNG_COLOR_TYPE_GRAY_ALPHA, 8, false}, {PNG_COLOR_TYPE_GRAY_ALPHA, 16, false},
      {PNG_COLOR_TYPE_RGB, 8, true},         {PNG_COLOR_TYPE_RGB, 16, false},
      {PNG_COLOR_TYPE_RGB_ALPHA, 16, false},
  };
  for (const Case& c : cases) {
    for (const bool interlaced : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "colour " << c.colour << " depth " << c.depth << " tRNS "
                                        << c.transparency << " interlaced " << interlaced);
      const std::string png = Png(c.colour, c.depth, c.transparency, interlaced);
      ExpectSamePixels(DecodePngWithLibpng(png, 13, 9), Decode(png));
    }
  }
}

TEST(LibpngDecoderTest, OpenCvsOwnPngsToo) {
  for (const int channels : {1, 3, 4}) {
    const std::string png = Encode(Texture(31, 17, channels), ".png");
    ExpectSamePixels(DecodePngWithLibpng(png, 31, 17), Decode(png));
  }
}

TEST(LibpngDecoderTest, TruncatedOrWrongSizeFails) {
  const std::string png = Encode(Texture(31, 17, 3), ".png");
  EXPECT_TRUE(DecodePngWithLibpng(png.substr(0, png.size() / 2), 31, 17).empty());
  EXPECT_TRUE(DecodePngWithLibpng(png, 32, 17).empty());
  EXPECT_TRUE(DecodePngWithLibpng("not a png", 1, 1).empty());
}

TEST(LibjpegDecoderTest, ColourAndGreyAsOpenCv) {
  for (const int channels : {1, 3}) {
    for (const int quality : {50, 95}) {
      const std::string jpeg =
          Encode(Texture(45, 29, channels), ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
      ExpectSamePixels(DecodeJpegWithLibjpeg(jpeg, 45, 29), Decode(jpeg));
    }
  }
}

TEST(LibjpegDecoderTest, CmykAsOpenCvConvertsIt) {
  const int width = 24, height = 16;
  std::vector<unsigned char> cmyk(static_cast<size_t>(width) * height * 4);
  for (size_t i = 0; i < cmyk.size(); ++i) cmyk[i] = static_cast<unsigned char>(i * 13 % 256);
  tjhandle compressor = tjInitCompress();
  unsigned char* data = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(tjCompress2(compressor, cmyk.data(), width, 0, height, TJPF_CMYK, &data, &size,
                        TJSAMP_444, 90, 0),
            0);
  const std::string jpeg(reinterpret_cast<const char*>(data), size);
  tjFree(data);
  tjDestroy(compressor);
  ExpectSamePixels(DecodeJpegWithLibjpeg(jpeg, width, height), Decode(jpeg));
}

TEST(LibjpegDecoderTest, TruncatedFileDecodesWhatItHas) {
  const std::string jpeg = Encode(Texture(64, 64, 3), ".jpg");
  const cv::Mat image = DecodeJpegWithLibjpeg(jpeg.substr(0, jpeg.size() * 2 / 3), 64, 64);
  ASSERT_EQ(image.size(), cv::Size(64, 64));
  // The rows that arrived are the full decode's.
  const cv::Mat full = Decode(jpeg);
  EXPECT_EQ(cv::norm(image.rowRange(0, 8), full.rowRange(0, 8), cv::NORM_INF), 0.0);
}

TEST(LibjpegDecoderTest, GarbageOrWrongSizeFails) {
  const std::string jpeg = Encode(Texture(20, 10, 3), ".jpg");
  EXPECT_TRUE(DecodeJpegWithLibjpeg(jpeg, 21, 10).empty());
  EXPECT_TRUE(DecodeJpegWithLibjpeg("\xFF\xD8\xFFgarbage", 20, 10).empty());
}

}  // namespace
}  // namespace img2dataset
