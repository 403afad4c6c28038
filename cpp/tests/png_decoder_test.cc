#include "image/png_decoder.h"

#include <gtest/gtest.h>
#include <libdeflate.h>

#include <cstdlib>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"
#include "util/byte_order.h"

namespace img2dataset {
namespace {

using testing::Decode;
using testing::Encode;

// Smooth gradients with noise: libpng's adaptive filtering then picks every filter type.
cv::Mat Photo(int width, int height, int type, unsigned seed) {
  std::mt19937 random(seed);
  cv::Mat image(height, width, type);
  const int channels = image.channels();
  for (int y = 0; y < height; ++y) {
    auto* row = image.ptr<uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const int value = (x * (c + 1) + y * (3 - c) + static_cast<int>(random() % 9)) % 256;
        row[x * channels + c] = static_cast<uint8_t>(value);
      }
    }
  }
  return image;
}

bool SamePixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// The PNG filter of one row as the specification writes it, for checking UnfilterPngRow.
uint8_t Predict(int type, int left, int upper, int upper_left) {
  switch (type) {
    case 1:
      return static_cast<uint8_t>(left);
    case 2:
      return static_cast<uint8_t>(upper);
    case 3:
      return static_cast<uint8_t>((left + upper) / 2);
    case 4: {
      const int p = left + upper - upper_left;
      const int pa = std::abs(p - left), pb = std::abs(p - upper), pc = std::abs(p - upper_left);
      if (pa <= pb && pa <= pc) return static_cast<uint8_t>(left);
      return static_cast<uint8_t>(pb <= pc ? upper : upper_left);
    }
    default:
      return 0;
  }
}

TEST(UnfilterPngRow, ReversesEveryFilterForEveryPixelSize) {
  std::mt19937 random(7);
  for (int bpp = 1; bpp <= 4; ++bpp) {
    for (int type = 0; type <= 4; ++type) {
      const size_t length = static_cast<size_t>(bpp) * 97;
      std::vector<uint8_t> prior(length + 4), original(length + 4), filtered(length + 4);
      for (auto& v : prior) v = static_cast<uint8_t>(random());
      for (auto& v : original) v = static_cast<uint8_t>(random());
      for (size_t i = 0; i < length; ++i) {
        const int left = i >= static_cast<size_t>(bpp) ? original[i - bpp] : 0;
        const int upper_left = i >= static_cast<size_t>(bpp) ? prior[i - bpp] : 0;
        filtered[i] = static_cast<uint8_t>(original[i] - Predict(type, left, prior[i], upper_left));
      }
      ASSERT_TRUE(UnfilterPngRow(type, filtered.data(), prior.data(), length, bpp));
      EXPECT_TRUE(std::equal(filtered.begin(), filtered.begin() + length, original.begin()))
          << "filter " << type << ", " << bpp << " bytes per pixel";
    }
  }
}

TEST(UnfilterPngRow, RefusesUnknownFilterTypes) {
  std::vector<uint8_t> row(16), prior(16);
  EXPECT_FALSE(UnfilterPngRow(5, row.data(), prior.data(), 12, 3));
}

TEST(DecodePng, GivesOpenCvsPixelsForGreyRgbAndRgba) {
  for (const int type : {CV_8UC1, CV_8UC3, CV_8UC4}) {
    for (const int compression : {0, 1, 3, 9}) {
      const std::string png = Encode(Photo(173, 61, type, 11u + static_cast<unsigned>(type)),
                                     ".png", {cv::IMWRITE_PNG_COMPRESSION, compression});
      const cv::Mat decoded = DecodePng(png);
      ASSERT_FALSE(decoded.empty()) << "type " << type << ", compression " << compression;
      EXPECT_TRUE(SamePixels(decoded, Decode(png)))
          << "type " << type << ", compression " << compression;
    }
  }
}

TEST(DecodePng, GivesOpenCvsPixelsForEveryFilterStrategy) {
  for (const int strategy : {cv::IMWRITE_PNG_STRATEGY_DEFAULT, cv::IMWRITE_PNG_STRATEGY_FILTERED,
                             cv::IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY, cv::IMWRITE_PNG_STRATEGY_RLE}) {
    const std::string png =
        Encode(Photo(64, 200, CV_8UC3, 3), ".png", {cv::IMWRITE_PNG_STRATEGY, strategy});
    const cv::Mat decoded = DecodePng(png);
    ASSERT_FALSE(decoded.empty()) << "strategy " << strategy;
    EXPECT_TRUE(SamePixels(decoded, Decode(png))) << "strategy " << strategy;
  }
}

TEST(DecodePng, OnePixelImages) {
  for (const int type : {CV_8UC1, CV_8UC3, CV_8UC4}) {
    const std::string png = Encode(Photo(1, 1, type, 5), ".png");
    EXPECT_TRUE(SamePixels(DecodePng(png), Decode(png))) << "type " << type;
  }
}

// Rewrites the CRC of the chunk that starts at `at` (its length field) after an edit.
void FixCrc(std::string& png, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(png.data());
  const uint32_t length = LoadBigEndian32(p + at);
  const uint32_t crc = libdeflate_crc32(0, p + at + 4, length + 4);
  for (int i = 0; i < 4; ++i) png[at + 8 + length + i] = static_cast<char>(crc >> (24 - 8 * i));
}

std::string Chunk(const std::string& type, const std::string& data) {
  std::string chunk;
  for (int i = 0; i < 4; ++i) chunk += static_cast<char>(data.size() >> (24 - 8 * i));
  chunk += type + data + "0000";
  FixCrc(chunk, 0);
  return chunk;
}

constexpr size_t kAfterHeader = 8 + 25;  // signature, then IHDR's 13 bytes and 12 of framing

TEST(DecodePng, LeavesOtherPixelFormatsToLibpng) {
  const cv::Mat sixteen(10, 20, CV_16UC3, cv::Scalar(1000, 20000, 60000));
  EXPECT_TRUE(DecodePng(Encode(sixteen, ".png")).empty()) << "16 bits";

  std::string interlaced = Encode(Photo(20, 10, CV_8UC3, 1), ".png");
  interlaced[8 + 8 + 12] = 1;  // IHDR's interlace method: Adam7
  FixCrc(interlaced, 8);
  EXPECT_TRUE(DecodePng(interlaced).empty()) << "interlaced";

  std::string palette = Encode(Photo(20, 10, CV_8UC3, 1), ".png");
  palette[8 + 8 + 9] = 3;  // IHDR's colour type: palette
  FixCrc(palette, 8);
  EXPECT_TRUE(DecodePng(palette).empty()) << "palette";

  std::string transparent = Encode(Photo(20, 10, CV_8UC3, 1), ".png");
  transparent.insert(kAfterHeader, Chunk("tRNS", std::string(6, '\0')));
  ASSERT_FALSE(Decode(transparent).empty());
  EXPECT_TRUE(DecodePng(transparent).empty()) << "tRNS";
}

TEST(DecodePng, LeavesDamagedFilesToLibpng) {
  const std::string png = Encode(Photo(40, 30, CV_8UC3, 9), ".png");
  ASSERT_FALSE(DecodePng(png).empty());

  std::string bad_crc = png;
  bad_crc[bad_crc.size() - 20] ^= 0x55;  // inside the last IDAT
  EXPECT_TRUE(DecodePng(bad_crc).empty()) << "CRC";

  EXPECT_TRUE(DecodePng(png.substr(0, png.size() - 12)).empty()) << "no IEND";
  EXPECT_TRUE(DecodePng(png.substr(0, png.size() / 2)).empty()) << "truncated";
  EXPECT_TRUE(DecodePng(png.substr(0, 8)).empty()) << "signature only";
  EXPECT_TRUE(DecodePng("").empty());

  std::string unknown_critical = png;
  unknown_critical.insert(kAfterHeader, Chunk("ZZZZ", "data"));
  EXPECT_TRUE(DecodePng(unknown_critical).empty()) << "unknown critical chunk";

  std::string ancillary = png;  // an unknown ancillary chunk is skipped, as libpng does
  ancillary.insert(kAfterHeader, Chunk("zzZz", "data"));
  EXPECT_TRUE(SamePixels(DecodePng(ancillary), Decode(png)));
}

TEST(DecodePng, LeavesBadImageDataToLibpng) {
  // Image data one row short, and the same data with a filter type of 7.
  const int width = 5, height = 4;
  std::vector<uint8_t> rows(static_cast<size_t>(height) * (1 + width * 3), 0);
  const auto png = [&](const std::vector<uint8_t>& raw, int declared_height) {
    std::string header(13, '\0');
    for (int i = 0; i < 4; ++i) {
      header[i] = static_cast<char>(width >> (24 - 8 * i));
      header[4 + i] = static_cast<char>(declared_height >> (24 - 8 * i));
    }
    header[8] = 8;
    header[9] = 2;
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(6);
    std::string data(libdeflate_zlib_compress_bound(compressor, raw.size()), '\0');
    data.resize(
        libdeflate_zlib_compress(compressor, raw.data(), raw.size(), data.data(), data.size()));
    libdeflate_free_compressor(compressor);
    return std::string("\x89PNG\r\n\x1a\n", 8) + Chunk("IHDR", header) + Chunk("IDAT", data) +
           Chunk("IEND", "");
  };
  EXPECT_TRUE(SamePixels(DecodePng(png(rows, height)), Decode(png(rows, height))));
  EXPECT_TRUE(DecodePng(png(rows, height + 1)).empty()) << "short data";
  rows[0] = 7;
  EXPECT_TRUE(DecodePng(png(rows, height)).empty()) << "filter type 7";
}

}  // namespace
}  // namespace img2dataset
