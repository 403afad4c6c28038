#include "image/exif.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <string>

#include "test_util.h"

namespace img2dataset {
namespace {

void PutU16(std::string& out, unsigned value) {  // little-endian
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>((value >> 8) & 0xFF);
}

void PutU32(std::string& out, unsigned value) {
  PutU16(out, value & 0xFFFF);
  PutU16(out, value >> 16);
}

// A little-endian TIFF block whose IFD0 holds Make (ASCII, `make` plus its NUL) and
// Orientation = 6 (SHORT).
std::string TiffWithMakeAndOrientation(const std::string& make) {
  std::string tiff = "II";
  PutU16(tiff, 42);
  PutU32(tiff, 8);  // IFD0 offset
  const unsigned entries = 2;
  const unsigned data_offset = 8 + 2 + entries * 12 + 4;
  PutU16(tiff, entries);
  // Tags in ascending order, as TIFF requires.
  PutU16(tiff, 0x010F);  // Make
  PutU16(tiff, 2);       // ASCII
  PutU32(tiff, static_cast<unsigned>(make.size() + 1));
  PutU32(tiff, data_offset);
  PutU16(tiff, 0x0112);  // Orientation
  PutU16(tiff, 3);       // SHORT
  PutU32(tiff, 1);
  PutU16(tiff, 6);  // "Rotated 90 CW"
  PutU16(tiff, 0);
  PutU32(tiff, 0);  // no next IFD
  tiff += make;
  tiff += '\0';
  return tiff;
}

// An APP1 "Exif\0\0" segment; `declared_extra` inflates its length field past its content.
std::string App1(const std::string& tiff, int declared_extra = 0) {
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const unsigned length = static_cast<unsigned>(payload.size() + 2 + declared_extra);
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>(length >> 8);
  segment += static_cast<char>(length & 0xFF);
  return segment + payload;
}

std::string PlainJpeg() {
  return testing::Encode(testing::SolidBgr(8, 8, cv::Scalar(0, 0, 255)), ".jpg");
}

// The JPEG with `segment` inserted right after its SOI marker.
std::string JpegWithSegment(const std::string& segment) {
  const std::string jpeg = PlainJpeg();
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

// A JSON object text: what the exif column needs when extraction does not give up.
void ExpectObjectOrNullopt(const std::optional<std::string>& json) {
  if (!json) return;
  ASSERT_FALSE(json->empty());
  EXPECT_EQ(json->front(), '{');
  EXPECT_EQ(json->back(), '}');
}

TEST(ExtractExifJsonTest, JpegWithoutExifGivesEmptyObject) {
  EXPECT_EQ(ExtractExifJson(PlainJpeg()), "{}");
}

TEST(ExtractExifJsonTest, ImageIfdTagsAreNamedWithImagePrefix) {
  const std::optional<std::string> json =
      ExtractExifJson(JpegWithSegment(App1(TiffWithMakeAndOrientation("Canon"))));
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(*json, R"({"Image Make": "Canon", "Image Orientation": "Rotated 90 CW"})");
}

TEST(ExtractExifJsonTest, PrintableValuesAreWhitespaceStripped) {
  const std::optional<std::string> json =
      ExtractExifJson(JpegWithSegment(App1(TiffWithMakeAndOrientation("  Nikon \t"))));
  ASSERT_TRUE(json.has_value());
  EXPECT_NE(json->find(R"("Image Make": "Nikon")"), std::string::npos) << *json;
}

TEST(ExtractExifJsonTest, NonUtf8TagValueIsAPythonBytesLiteral) {
  // exifread keeps undecodable ASCII as bytes, whose str() is b'...'.
  const std::optional<std::string> json =
      ExtractExifJson(JpegWithSegment(App1(TiffWithMakeAndOrientation("Caf\xe9"))));
  ASSERT_TRUE(json.has_value());
  EXPECT_NE(json->find(R"("Image Make": "b'Caf\\xe9'")"), std::string::npos) << *json;
}

TEST(ExtractExifJsonTest, Utf8TagValueIsEscapedLikeJsonDumps) {
  const std::optional<std::string> json =
      ExtractExifJson(JpegWithSegment(App1(TiffWithMakeAndOrientation("Caf\xc3\xa9\xc2\xa0"))));
  ASSERT_TRUE(json.has_value());
  // U+00A0 is whitespace to str.strip().
  EXPECT_NE(json->find(R"("Image Make": "Caf\u00e9")"), std::string::npos) << *json;
}

TEST(ExtractExifJsonTest, RawTiffAndWebpCarryExifPngDoesNot) {
  const std::string tiff = TiffWithMakeAndOrientation("Canon");
  const std::string expected = R"({"Image Make": "Canon", "Image Orientation": "Rotated 90 CW"})";
  EXPECT_EQ(ExtractExifJson(tiff), expected);
  std::string webp_body = "WEBPVP8X";
  PutU32(webp_body, 10);
  webp_body += std::string("\x08\0\0\0", 4) + std::string(6, '\0');
  webp_body += "EXIF";
  PutU32(webp_body, static_cast<unsigned>(tiff.size()));
  webp_body += tiff;
  std::string webp = "RIFF";
  PutU32(webp, static_cast<unsigned>(webp_body.size()));
  EXPECT_EQ(ExtractExifJson(webp + webp_body), expected);
  // exifread 3.0.1 has no PNG reader: an eXIf chunk gives no tags.
  EXPECT_EQ(ExtractExifJson("\x89PNG\r\n\x1A\n" + tiff), "{}");
}

TEST(ExtractExifJsonTest, UnknownByteOrderMarkIsNull) {
  std::string tiff = TiffWithMakeAndOrientation("Canon");
  tiff[0] = 'X';
  EXPECT_EQ(ExtractExifJson(JpegWithSegment(App1(tiff))), std::nullopt);
}

TEST(ExtractExifJsonTest, GarbageBytesDoNotCrash) {
  ExpectObjectOrNullopt(ExtractExifJson(""));
  ExpectObjectOrNullopt(ExtractExifJson("garbage"));
  ExpectObjectOrNullopt(ExtractExifJson(std::string(4096, '\xFF')));
  ExpectObjectOrNullopt(ExtractExifJson(std::string("Exif\0\0", 6)));
  ExpectObjectOrNullopt(ExtractExifJson(std::string("Exif\0\0MM\0*\xFF\xFF\xFF\xFF", 14)));
}

TEST(ExtractExifJsonTest, TruncatedExifBlockDoesNotCrash) {
  const std::string tiff = TiffWithMakeAndOrientation("Canon");
  for (size_t keep = 0; keep < tiff.size(); ++keep) {
    SCOPED_TRACE("TIFF cut at " + std::to_string(keep));
    const std::string cut = tiff.substr(0, keep);
    // Length field honest about the cut, and length field claiming the full block.
    ExpectObjectOrNullopt(ExtractExifJson(JpegWithSegment(App1(cut))));
    ExpectObjectOrNullopt(ExtractExifJson(std::string("\xFF\xD8", 2) +
                                          App1(cut, static_cast<int>(tiff.size() - keep))));
  }
}

TEST(ExtractExifJsonTest, OffsetsPointingOutsideTheBlockDoNotCrash) {
  std::string tiff = TiffWithMakeAndOrientation("Canon");
  std::string bad_ifd = tiff;
  bad_ifd[4] = '\xF0';  // IFD0 offset far past the end
  ExpectObjectOrNullopt(ExtractExifJson(JpegWithSegment(App1(bad_ifd))));
  std::string bad_value = tiff;
  bad_value[18] = '\xFF';  // Make value offset far past the end
  bad_value[19] = '\xFF';
  ExpectObjectOrNullopt(ExtractExifJson(JpegWithSegment(App1(bad_value))));
  std::string many_entries = tiff;
  many_entries[8] = '\xFF';  // 0xFFFF entries claimed
  many_entries[9] = '\xFF';
  ExpectObjectOrNullopt(ExtractExifJson(JpegWithSegment(App1(many_entries))));
}

}  // namespace
}  // namespace img2dataset
