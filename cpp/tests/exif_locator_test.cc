#include "image/exif_locator.h"

#include <gtest/gtest.h>

#include <string>

namespace img2dataset {
namespace {

using Outcome = ExifLocation::Outcome;

const std::string kTiff = std::string("II*\0\x08\0\0\0\0\0\0\0\0\0", 14);

std::string Segment(char marker, const std::string& payload) {
  std::string out = "\xFF";
  out += marker;
  const size_t length = payload.size() + 2;
  out += static_cast<char>(length >> 8);
  out += static_cast<char>(length & 0xFF);
  return out + payload;
}

std::string ExifApp1() { return Segment('\xE1', std::string("Exif\0\0", 6) + kTiff); }
std::string Jfif() { return Segment('\xE0', std::string("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14)); }
std::string Dqt() { return Segment('\xDB', std::string(65, '\0')); }

TEST(LocateExifLikeExifreadTest, FindsApp1AfterJfifAndOtherAppSegments) {
  const std::string jpeg =
      "\xFF\xD8" + Jfif() + Segment('\xE2', "ICC_PROFILE") + ExifApp1() + Dqt();
  const ExifLocation location = LocateExifLikeExifread(jpeg);
  ASSERT_EQ(location.outcome, Outcome::kFound);
  EXPECT_EQ(jpeg.substr(location.tiff_offset, 4), kTiff.substr(0, 4));
  EXPECT_TRUE(location.little_endian);
}

TEST(LocateExifLikeExifreadTest, App1AfterQuantisationTablesIsNotFound) {
  EXPECT_EQ(LocateExifLikeExifread("\xFF\xD8" + Dqt() + ExifApp1()).outcome, Outcome::kAbsent);
}

TEST(LocateExifLikeExifreadTest, App1BeyondTheScanWindowIsNotFound) {
  const std::string big_app2 = Segment('\xE2', std::string(5000, 'x'));
  EXPECT_EQ(LocateExifLikeExifread("\xFF\xD8" + big_app2 + ExifApp1() + Dqt()).outcome,
            Outcome::kAbsent);
}

TEST(LocateExifLikeExifreadTest, TiffAndWebp) {
  EXPECT_EQ(LocateExifLikeExifread(kTiff).outcome, Outcome::kFound);
  EXPECT_FALSE(LocateExifLikeExifread("MM\0*\0\0\0\x08").little_endian);
  std::string vp8x = "VP8X";
  vp8x += std::string("\x0A\0\0\0\x08\0\0\0", 8) + std::string(6, '\0');
  const std::string chunk = "EXIF" + std::string("\x0E\0\0\0", 4) + kTiff;
  const std::string webp = "RIFF" + std::string(4, '\0') + "WEBP" + vp8x + chunk;
  const ExifLocation location = LocateExifLikeExifread(webp);
  ASSERT_EQ(location.outcome, Outcome::kFound);
  EXPECT_EQ(location.tiff_offset, webp.size() - kTiff.size());
  // exifread tests bit 3 of the byte after "VP8X", which is the chunk size (10), not the flags.
  std::string no_flag = webp;
  no_flag[20] = '\0';
  EXPECT_EQ(LocateExifLikeExifread(no_flag).outcome, Outcome::kFound);
  std::string size_without_bit_3 = webp;
  size_without_bit_3[16] = '\x02';
  EXPECT_EQ(LocateExifLikeExifread(size_without_bit_3).outcome, Outcome::kAbsent);
}

TEST(LocateExifLikeExifreadTest, OtherFormatsHaveNoExif) {
  EXPECT_EQ(LocateExifLikeExifread("").outcome, Outcome::kAbsent);
  EXPECT_EQ(LocateExifLikeExifread("\x89PNG\r\n\x1A\n" + kTiff).outcome, Outcome::kAbsent);
  EXPECT_EQ(LocateExifLikeExifread("GIF89a").outcome, Outcome::kAbsent);
}

TEST(LocateExifLikeExifreadTest, WhereExifreadRaisesTheOutcomeIsError) {
  EXPECT_EQ(LocateExifLikeExifread("\xFF\xD8\xFF").outcome, Outcome::kError);
  // An unknown byte-order mark.
  std::string bad_mark = ExifApp1();
  bad_mark[10] = 'X';
  EXPECT_EQ(LocateExifLikeExifread("\xFF\xD8" + bad_mark).outcome, Outcome::kError);
  // A JFIF segment whose length is below 8 makes exifread read to the end of the file.
  EXPECT_EQ(LocateExifLikeExifread(std::string("\xFF\xD8\xFF\xE0\x00\x04JFIF\0\0", 12)).outcome,
            Outcome::kError);
}

TEST(LocateExifLikeExifreadTest, TruncatedFilesNeverCrash) {
  const std::string jpeg = "\xFF\xD8" + Jfif() + ExifApp1() + Dqt();
  for (size_t keep = 0; keep <= jpeg.size(); ++keep) LocateExifLikeExifread(jpeg.substr(0, keep));
}

TEST(FindJpegExifBlockTest, WalksEverySegmentBeforeTheScan) {
  const std::string big_app2 = Segment('\xE2', std::string(5000, 'x'));
  EXPECT_EQ(FindJpegExifBlock("\xFF\xD8" + Jfif() + big_app2 + Dqt() + ExifApp1()), kTiff);
  EXPECT_EQ(FindJpegExifBlock("\xFF\xD8" + Segment('\xDA', "") + ExifApp1()), std::nullopt);
  EXPECT_EQ(FindJpegExifBlock(kTiff), std::nullopt);
  const std::string jpeg = "\xFF\xD8" + ExifApp1();
  for (size_t keep = 0; keep <= jpeg.size(); ++keep) FindJpegExifBlock(jpeg.substr(0, keep));
}

}  // namespace
}  // namespace img2dataset
