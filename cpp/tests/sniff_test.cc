#include "image/sniff.h"

#include <gtest/gtest.h>

#include <string>

namespace img2dataset {
namespace {

std::string Bytes(std::initializer_list<unsigned char> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(SniffImageFormatTest, RecognisesMagicBytes) {
  EXPECT_EQ(SniffImageFormat(Bytes({0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'})),
            ImageFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat(Bytes({0xFF, 0xD8, 0xFF, 0xDB})), ImageFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat(Bytes({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0})),
            ImageFormat::kPng);
  EXPECT_EQ(SniffImageFormat(std::string("RIFF\x24\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
  EXPECT_EQ(SniffImageFormat("GIF87a\x01\x00"), ImageFormat::kGif);
  EXPECT_EQ(SniffImageFormat("GIF89a\x01\x00"), ImageFormat::kGif);
  EXPECT_EQ(SniffImageFormat("BM\x3a\0\0\0"), ImageFormat::kBmp);
  EXPECT_EQ(SniffImageFormat(std::string("II*\0\x08\0\0\0", 8)), ImageFormat::kTiff);
  EXPECT_EQ(SniffImageFormat(std::string("MM\0*\0\0\0\x08", 8)), ImageFormat::kTiff);
}

TEST(SniffImageFormatTest, EmptyInputIsUnknown) {
  EXPECT_EQ(SniffImageFormat(""), ImageFormat::kUnknown);
}

TEST(SniffImageFormatTest, TruncatedMagicIsUnknown) {
  EXPECT_EQ(SniffImageFormat(Bytes({0xFF, 0xD8})), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(Bytes({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A})),
            ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(std::string("RIFF\x24\0\0\0WEB", 11)), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat("GIF8"), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat("B"), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(std::string("II*", 3)), ImageFormat::kUnknown);
}

TEST(SniffImageFormatTest, RiffThatIsNotWebpIsUnknown) {
  EXPECT_EQ(SniffImageFormat(std::string("RIFF\x24\0\0\0WAVEfmt ", 16)), ImageFormat::kUnknown);
}

TEST(SniffImageFormatTest, HtmlErrorPageIsUnknown) {
  EXPECT_EQ(SniffImageFormat("<!DOCTYPE html><html><body>404 Not Found</body></html>"),
            ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat("<html>"), ImageFormat::kUnknown);
}

TEST(SniffImageFormatTest, MagicOnlyCountsAtTheStart) {
  EXPECT_EQ(SniffImageFormat(Bytes({0x00, 0xFF, 0xD8, 0xFF})), ImageFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(" GIF89a"), ImageFormat::kUnknown);
}

}  // namespace
}  // namespace img2dataset
