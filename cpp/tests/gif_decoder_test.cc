#include "image/gif_decoder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

namespace img2dataset {
namespace {

// GIFs are written by hand: OpenCV cannot encode them.

void PutU16(std::string& out, int value) {  // little-endian
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>((value >> 8) & 0xFF);
}

struct Rgb {
  uint8_t r, g, b;
};

struct GifFrame {
  int left = 0, top = 0, width = 0, height = 0;
  bool interlaced = false;
  std::vector<uint8_t> indices;  // width * height palette indices, rows top to bottom
  std::optional<int> transparent;
};

// LZW data of minimum code size 2 that never grows the dictionary: a clear code before every
// pixel keeps every code 3 bits wide. Any decoder reads it; it compresses nothing.
std::string UncompressedLzw(const std::vector<uint8_t>& indices) {
  constexpr int kClear = 4, kEnd = 5;
  std::string packed;
  uint32_t buffer = 0;
  int bits = 0;
  const auto emit = [&](int code) {
    buffer |= static_cast<uint32_t>(code) << bits;
    bits += 3;
    while (bits >= 8) {
      packed += static_cast<char>(buffer & 0xFF);
      buffer >>= 8;
      bits -= 8;
    }
  };
  for (const uint8_t index : indices) {
    emit(kClear);
    emit(index);
  }
  emit(kEnd);
  if (bits > 0) packed += static_cast<char>(buffer & 0xFF);

  std::string data(1, '\x02');  // minimum code size
  for (size_t at = 0; at < packed.size(); at += 255) {
    const std::string block = packed.substr(at, 255);
    data += static_cast<char>(block.size());
    data += block;
  }
  data += '\0';  // block terminator
  return data;
}

// A GIF89a with `palette` (two or four colours) as its global colour table and `frames`, each
// behind its own graphics control extension.
std::string MakeGif(int width, int height, const std::vector<Rgb>& palette,
                    const std::vector<GifFrame>& frames) {
  std::string gif = "GIF89a";
  PutU16(gif, width);
  PutU16(gif, height);
  // Global colour table of 2^(n+1) entries: n = 0 for two colours, 1 for four.
  const int table_bits = palette.size() <= 2 ? 0 : 1;
  gif += static_cast<char>(0x80 | table_bits);
  gif += '\0';  // background colour index
  gif += '\0';  // pixel aspect ratio
  for (size_t i = 0; i < (size_t{2} << table_bits); ++i) {
    const Rgb colour = i < palette.size() ? palette[i] : Rgb{0, 0, 0};
    gif += static_cast<char>(colour.r);
    gif += static_cast<char>(colour.g);
    gif += static_cast<char>(colour.b);
  }
  for (const GifFrame& frame : frames) {
    gif += "\x21\xF9\x04";  // graphics control extension, 4 bytes
    gif += static_cast<char>(frame.transparent ? 1 : 0);
    PutU16(gif, 10);  // delay
    gif += static_cast<char>(frame.transparent.value_or(0));
    gif += '\0';
    gif += '\x2C';  // image descriptor
    PutU16(gif, frame.left);
    PutU16(gif, frame.top);
    PutU16(gif, frame.width);
    PutU16(gif, frame.height);
    gif += static_cast<char>(frame.interlaced ? 0x40 : 0);
    // Interlaced rows are stored every 8th from 0, every 8th from 4, every 4th from 2, then
    // every 2nd from 1.
    std::vector<uint8_t> stored;
    std::vector<int> rows;
    if (frame.interlaced) {
      for (const auto& [start, step] : {std::pair{0, 8}, {4, 8}, {2, 4}, {1, 2}}) {
        for (int y = start; y < frame.height; y += step) rows.push_back(y);
      }
    } else {
      for (int y = 0; y < frame.height; ++y) rows.push_back(y);
    }
    for (const int y : rows) {
      const auto row = frame.indices.begin() + std::ptrdiff_t{y} * frame.width;
      stored.insert(stored.end(), row, row + frame.width);
    }
    gif += UncompressedLzw(stored);
  }
  gif += '\x3B';  // trailer
  return gif;
}

const std::vector<Rgb> kPalette = {{255, 0, 0}, {0, 0, 255}, {0, 255, 0}, {10, 20, 30}};
const cv::Vec4b kRed(0, 0, 255, 255), kBlue(255, 0, 0, 255), kGreen(0, 255, 0, 255),
    kDark(30, 20, 10, 255), kClear(0, 0, 0, 0);

TEST(DecodeGifFirstFrameTest, TwoColourFrameFillsTheCanvas) {
  GifFrame frame{0, 0, 2, 2, false, {0, 1, 1, 0}, std::nullopt};
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(2, 2, {{255, 0, 0}, {0, 0, 255}}, {frame}));
  ASSERT_EQ(image.size(), cv::Size(2, 2));
  ASSERT_EQ(image.type(), CV_8UC4);
  EXPECT_EQ(image.at<cv::Vec4b>(0, 0), kRed);
  EXPECT_EQ(image.at<cv::Vec4b>(0, 1), kBlue);
  EXPECT_EQ(image.at<cv::Vec4b>(1, 0), kBlue);
  EXPECT_EQ(image.at<cv::Vec4b>(1, 1), kRed);
}

TEST(DecodeGifFirstFrameTest, TransparentIndexHasZeroAlpha) {
  GifFrame frame{0, 0, 3, 1, false, {0, 2, 3}, 2};
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(3, 1, kPalette, {frame}));
  ASSERT_EQ(image.size(), cv::Size(3, 1));
  EXPECT_EQ(image.at<cv::Vec4b>(0, 0), kRed);
  EXPECT_EQ(image.at<cv::Vec4b>(0, 1)[3], 0);
  EXPECT_EQ(image.at<cv::Vec4b>(0, 2), kDark);
}

TEST(DecodeGifFirstFrameTest, IndexBeyondPaletteIsLeftTransparent) {
  GifFrame frame{0, 0, 2, 1, false, {1, 3}, std::nullopt};
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(2, 1, {{255, 0, 0}, {0, 0, 255}}, {frame}));
  ASSERT_EQ(image.size(), cv::Size(2, 1));
  EXPECT_EQ(image.at<cv::Vec4b>(0, 0), kBlue);
  EXPECT_EQ(image.at<cv::Vec4b>(0, 1), kClear);
}

TEST(DecodeGifFirstFrameTest, InterlacedRowsLandInDisplayOrder) {
  // Nine rows, each of one colour, so that all four interlace passes hold rows.
  GifFrame frame{0, 0, 2, 9, true, {}, std::nullopt};
  for (int y = 0; y < 9; ++y) frame.indices.insert(frame.indices.end(), 2, y % 4);
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(2, 9, kPalette, {frame}));
  ASSERT_EQ(image.size(), cv::Size(2, 9));
  const cv::Vec4b by_index[] = {kRed, kBlue, kGreen, kDark};
  for (int y = 0; y < 9; ++y) {
    EXPECT_EQ(image.at<cv::Vec4b>(y, 0), by_index[y % 4]) << "row " << y;
    EXPECT_EQ(image.at<cv::Vec4b>(y, 1), by_index[y % 4]) << "row " << y;
  }
}

TEST(DecodeGifFirstFrameTest, FrameOffsetInsideCanvasLeavesTheRestTransparent) {
  GifFrame frame{1, 2, 2, 1, false, {0, 1}, std::nullopt};
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(4, 4, kPalette, {frame}));
  ASSERT_EQ(image.size(), cv::Size(4, 4));
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      const cv::Vec4b expected = y == 2 && x == 1 ? kRed : y == 2 && x == 2 ? kBlue : kClear;
      EXPECT_EQ(image.at<cv::Vec4b>(y, x), expected) << x << "," << y;
    }
  }
}

TEST(DecodeGifFirstFrameTest, FrameLargerThanTheCanvasIsClipped) {
  GifFrame frame{1, 0, 3, 3, false, {0, 1, 2, 3, 0, 1, 2, 3, 0}, std::nullopt};
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(2, 2, kPalette, {frame}));
  ASSERT_EQ(image.size(), cv::Size(2, 2));
  EXPECT_EQ(image.at<cv::Vec4b>(0, 0), kClear);
  EXPECT_EQ(image.at<cv::Vec4b>(0, 1), kRed);
  EXPECT_EQ(image.at<cv::Vec4b>(1, 0), kClear);
  EXPECT_EQ(image.at<cv::Vec4b>(1, 1), kDark);
}

TEST(DecodeGifFirstFrameTest, AnimationDecodesOnlyTheFirstFrame) {
  GifFrame first{0, 0, 2, 2, false, {0, 0, 0, 0}, std::nullopt};
  GifFrame second{0, 0, 2, 2, false, {1, 1, 1, 1}, std::nullopt};
  const cv::Mat image = DecodeGifFirstFrame(MakeGif(2, 2, kPalette, {first, second}));
  ASSERT_EQ(image.size(), cv::Size(2, 2));
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) EXPECT_EQ(image.at<cv::Vec4b>(y, x), kRed);
  }
}

TEST(DecodeGifFirstFrameTest, TruncatedDataGivesEmptyMat) {
  GifFrame frame{0, 0, 4, 4, false, std::vector<uint8_t>(16, 1), std::nullopt};
  const std::string gif = MakeGif(4, 4, kPalette, {frame});
  ASSERT_FALSE(DecodeGifFirstFrame(gif).empty());
  // Every cut before the last pixel's code: header, palette, extension, descriptor, pixels.
  const size_t pixels_end = gif.size() - 4;  // the end code, terminators and trailer follow
  for (size_t length = 0; length < pixels_end; ++length) {
    EXPECT_TRUE(DecodeGifFirstFrame(gif.substr(0, length)).empty()) << "cut at " << length;
  }
}

TEST(DecodeGifFirstFrameTest, CorruptDataGivesEmptyMat) {
  EXPECT_TRUE(DecodeGifFirstFrame("").empty());
  EXPECT_TRUE(DecodeGifFirstFrame("GIF89a").empty());
  EXPECT_TRUE(DecodeGifFirstFrame("not a gif, an HTML page").empty());
  // A header and palette, then a record of unknown type.
  GifFrame frame{0, 0, 2, 2, false, {0, 1, 1, 0}, std::nullopt};
  std::string gif = MakeGif(2, 2, kPalette, {frame});
  const size_t records = 13 + 12;
  EXPECT_TRUE(DecodeGifFirstFrame(gif.substr(0, records) + "\x99garbage").empty());
  // A GIF with no image before its trailer.
  EXPECT_TRUE(DecodeGifFirstFrame(gif.substr(0, records) + "\x3B").empty());
}

TEST(DecodeGifFirstFrameTest, HugeLogicalScreenIsRefusedWithoutAllocating) {
  GifFrame frame{0, 0, 2, 2, false, {0, 1, 1, 0}, std::nullopt};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(DecodeGifFirstFrame(MakeGif(60000, 60000, kPalette, {frame})).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(DecodeGifFirstFrameTest, HugeFrameInSmallCanvasIsRefused) {
  // The frame descriptor claims 60000x60000 but carries four pixels.
  GifFrame frame{0, 0, 2, 2, false, {0, 1, 1, 0}, std::nullopt};
  std::string gif = MakeGif(2, 2, kPalette, {frame});
  const size_t descriptor = 13 + 12 + 8;
  ASSERT_EQ(gif[descriptor], '\x2C');
  std::string huge;
  PutU16(huge, 60000);
  PutU16(huge, 60000);
  gif.replace(descriptor + 5, 4, huge);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(DecodeGifFirstFrame(gif).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace img2dataset
