#include "image/exif_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "image/exif_tags.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::ByteOrder;
using testing::Put;

// One IFD entry; `data` is the value's bytes in the block's byte order, stored in the entry when
// it fits in 4 bytes, else after the IFDs (unless `offset` overrides where it points).
struct Entry {
  uint16_t tag;
  uint16_t type;
  uint32_t count;
  std::string data;
  std::optional<uint32_t> offset = std::nullopt;
  std::optional<size_t> ifd = std::nullopt;  // a LONG value: the offset of IFD number `ifd`
};

Entry PointerTo(uint16_t tag, size_t ifd) { return {tag, 4, 1, "", std::nullopt, ifd}; }

// A TIFF block: the IFDs one after the other (each pointing to the next unless `next` says
// otherwise), then the values that do not fit in their entries.
class TiffBuilder {
 public:
  explicit TiffBuilder(ByteOrder order) : order_(order) {}

  // Returns the IFD's index; its offset is IfdOffset(index) once all IFDs are added.
  size_t AddIfd(std::vector<Entry> entries, bool chained = true) {
    ifds_.push_back({std::move(entries), chained});
    return ifds_.size() - 1;
  }

  // REQUIRES: IFDs 0 to index - 1 are added.
  uint32_t IfdOffset(size_t index) const {
    uint32_t offset = 8;
    for (size_t i = 0; i < index; ++i) offset += 2 + 12 * ifds_[i].entries.size() + 4;
    return offset;
  }

  std::string Build(std::optional<uint32_t> first_ifd = std::nullopt) const {
    std::string tiff = order_ == ByteOrder::kLittle ? "II" : "MM";
    Put(tiff, 42, 2, order_);
    Put(tiff, first_ifd.value_or(ifds_.empty() ? 0 : IfdOffset(0)), 4, order_);
    std::string data;
    const uint32_t data_start = IfdOffset(ifds_.size());
    for (size_t i = 0; i < ifds_.size(); ++i) {
      Put(tiff, static_cast<uint32_t>(ifds_[i].entries.size()), 2, order_);
      for (const Entry& e : ifds_[i].entries) {
        Put(tiff, e.tag, 2, order_);
        Put(tiff, e.type, 2, order_);
        Put(tiff, e.count, 4, order_);
        if (e.ifd) {
          Put(tiff, IfdOffset(*e.ifd), 4, order_);
        } else if (e.data.size() <= 4 && !e.offset) {
          std::string inline_value = e.data;
          inline_value.resize(4, '\0');
          tiff += inline_value;
        } else {
          Put(tiff, e.offset.value_or(data_start + static_cast<uint32_t>(data.size())), 4, order_);
          if (!e.offset) data += e.data;
        }
      }
      const bool last = i + 1 == ifds_.size();
      Put(tiff, ifds_[i].chained && !last ? IfdOffset(i + 1) : 0, 4, order_);
    }
    return tiff + data;
  }

  std::string U16(std::initializer_list<uint32_t> values) const { return Pack(values, 2); }
  std::string U32(std::initializer_list<uint32_t> values) const { return Pack(values, 4); }

 private:
  struct Ifd {
    std::vector<Entry> entries;
    bool chained;
  };
  std::string Pack(std::initializer_list<uint32_t> values, int bytes) const {
    std::string out;
    for (const uint32_t v : values) Put(out, v, bytes, order_);
    return out;
  }

  ByteOrder order_;
  std::vector<Ifd> ifds_;
};

using Tags = std::vector<std::pair<std::string, std::string>>;

std::optional<Tags> Read(const std::string& tiff, ByteOrder order = ByteOrder::kLittle) {
  const std::optional<std::vector<ExifTag>> tags =
      ReadExifTagsLikeExifread(tiff, 0, order == ByteOrder::kLittle);
  if (!tags) return std::nullopt;
  Tags out;
  for (const ExifTag& tag : *tags) out.emplace_back(tag.name, tag.value);
  return out;
}

// The value of `name`, or "<absent>".
std::string ValueOf(const std::optional<Tags>& tags, const std::string& name) {
  if (!tags) return "<nullopt>";
  for (const auto& [n, v] : *tags) {
    if (n == name) return v;
  }
  return "<absent>";
}

class ExifReaderByteOrderTest : public ::testing::TestWithParam<ByteOrder> {};

TEST_P(ExifReaderByteOrderTest, FormatsEachFieldType) {
  const ByteOrder order = GetParam();
  TiffBuilder b(order);
  std::string sshorts;
  Put(sshorts, 0xFFFE, 2, order);  // -2
  Put(sshorts, 7, 2, order);
  std::string float_bits, double_bits;
  const float f = 1.5f;
  uint32_t f_bits;
  std::memcpy(&f_bits, &f, 4);
  Put(float_bits, f_bits, 4, order);
  const double d = 1e20;
  uint64_t d_bits;
  std::memcpy(&d_bits, &d, 8);
  if (order == ByteOrder::kLittle) {
    Put(double_bits, static_cast<uint32_t>(d_bits), 4, order);
    Put(double_bits, static_cast<uint32_t>(d_bits >> 32), 4, order);
  } else {
    Put(double_bits, static_cast<uint32_t>(d_bits >> 32), 4, order);
    Put(double_bits, static_cast<uint32_t>(d_bits), 4, order);
  }
  b.AddIfd({
      {0x010F, 2, 6, std::string("Canon\0", 6)},                     // ASCII
      {0x0100, 3, 1, b.U16({640})},                                  // SHORT
      {0x0101, 4, 1, b.U32({480})},                                  // LONG
      {0x0102, 3, 3, b.U16({8, 8, 8})},                              // SHORT list
      {0x011A, 5, 1, b.U32({144, 2})},                               // RATIONAL, reduced
      {0x829A, 5, 1, b.U32({1, 100})},                               // RATIONAL
      {0x9204, 10, 2, b.U32({static_cast<uint32_t>(-3), 6, 5, 0})},  // SRATIONAL
      {0x1001, 8, 2, sshorts},                                       // SSHORT
      {0x1002, 1, 3, "\x01\x02\x03"},                                // BYTE: exifread reads 0s
      {0x1003, 7, 2, "ab"},                                          // UNDEFINED: 0s too
      {0x1004, 11, 1, float_bits},                                   // FLOAT
      {0x1005, 12, 1, double_bits},                                  // DOUBLE
  });
  const std::optional<Tags> tags = Read(b.Build(), order);
  ASSERT_TRUE(tags.has_value());
  const Tags expected = {
      {"Image Make", "Canon"},
      {"Image ImageWidth", "640"},
      {"Image ImageLength", "480"},
      {"Image BitsPerSample", "[8, 8, 8]"},
      {"Image XResolution", "72"},
      {"Image ExposureTime", "1/100"},
      {"Image ExposureBiasValue", "[-1/2, 5/0]"},
      {"Image Tag 0x1001", "[-2, 7]"},
      {"Image Tag 0x1002", "[0, 0, 0]"},
      {"Image Tag 0x1003", "[0, 0]"},
      {"Image Tag 0x1004", "(1.5,)"},
      {"Image Tag 0x1005", "(1e+20,)"},
  };
  EXPECT_EQ(*tags, expected);
}

TEST_P(ExifReaderByteOrderTest, GpsInteroperabilityThumbnailAndExifIfdsInExifreadOrder) {
  TiffBuilder b(GetParam());
  // IFD0 -> IFD1 chained; EXIF, GPS and Interoperability IFDs reached through pointers.
  b.AddIfd({{0x0112, 3, 1, b.U16({6})}, PointerTo(0x8769, 2), PointerTo(0x8825, 3)});
  b.AddIfd({{0x0103, 3, 1, b.U16({6})}, {0x0201, 4, 1, b.U32({1234})}}, /*chained=*/false);
  b.AddIfd({{0x9209, 3, 1, b.U16({25})}, PointerTo(0xA005, 4)}, false);
  b.AddIfd({{0x0001, 2, 2, "N"}, {0x0002, 5, 3, b.U32({40, 1, 30, 1, 1234, 100})}}, false);
  b.AddIfd({{0x0001, 2, 4, "R98"}}, false);
  const uint32_t exif = b.IfdOffset(2), gps = b.IfdOffset(3), interop = b.IfdOffset(4);
  const std::optional<Tags> tags = Read(b.Build(), GetParam());
  ASSERT_TRUE(tags.has_value());
  const Tags expected = {
      {"Image Orientation", "Rotated 90 CW"},
      {"Image ExifOffset", std::to_string(exif)},
      {"GPS GPSLatitudeRef", "N"},  // the GPS IFD is read when its pointer is met
      {"GPS GPSLatitude", "[40, 30, 617/50]"},
      {"Image GPSInfo", std::to_string(gps)},
      {"Thumbnail Compression", "JPEG (old-style)"},
      {"Thumbnail JPEGInterchangeFormat", "1234"},
      {"EXIF Flash", "Flash fired, auto mode"},
      {"Interoperability InteroperabilityIndex", "R98"},
      {"EXIF InteroperabilityOffset", std::to_string(interop)},
  };
  EXPECT_EQ(*tags, expected);
}

INSTANTIATE_TEST_SUITE_P(BothByteOrders, ExifReaderByteOrderTest,
                         ::testing::Values(ByteOrder::kLittle, ByteOrder::kBig));

TEST(ExifReaderTest, EnumerationsMapKnownValuesAndPrintUnknownOnes) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x0112, 3, 1, b.U16({8})},
            {0x0128, 3, 1, b.U16({2})},
            {0x8822, 3, 1, b.U16({99})},
            {0x9207, 3, 1, b.U16({5})},
            {0x9209, 3, 1, b.U16({16})},
            {0x9101, 3, 4, b.U16({1, 2, 3, 0})},
            {0xA001, 3, 1, b.U16({65535})},
            {0xA408, 5, 1, b.U32({4, 2})}});  // a ratio equal to 2 maps like the int 2
  const std::optional<Tags> tags = Read(b.Build());
  EXPECT_EQ(ValueOf(tags, "Image Orientation"), "Rotated 90 CCW");
  EXPECT_EQ(ValueOf(tags, "Image ResolutionUnit"), "Pixels/Inch");
  EXPECT_EQ(ValueOf(tags, "Image ExposureProgram"), "99");
  EXPECT_EQ(ValueOf(tags, "Image MeteringMode"), "Pattern");
  EXPECT_EQ(ValueOf(tags, "Image Flash"), "Flash did not fire, compulsory flash mode");
  EXPECT_EQ(ValueOf(tags, "Image ComponentsConfiguration"), "YCbCr");
  EXPECT_EQ(ValueOf(tags, "Image ColorSpace"), "Uncalibrated");
  EXPECT_EQ(ValueOf(tags, "Image Contrast"), "Hard");
}

TEST(ExifReaderTest, CharacterCodeTagsBecomeText) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x9000, 7, 4, "0230"},                        // UNDEFINED: read as zeros, so ""
            {0xA000, 3, 4, b.U16({48, 49, 0, 300})},       // codes 32..255 only
            {0x011D, 2, 6, std::string(" ab \0\0", 6)}});  // text, spaces stripped
  const std::optional<Tags> tags = Read(b.Build());
  EXPECT_EQ(ValueOf(tags, "Image ExifVersion"), "");
  EXPECT_EQ(ValueOf(tags, "Image FlashPixVersion"), "01");
  EXPECT_EQ(ValueOf(tags, "Image PageName"), "ab");
}

TEST(ExifReaderTest, AsciiIsCutAtNulAndNonUtf8IsABytesLiteral) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x010E, 2, 12, std::string("title\0garbage", 12)},
            {0x010F, 2, 4, "Caf\xe9"},
            {0x0110, 2, 60, std::string(60, '\xff')},
            {0x0131, 2, 0, ""}});
  const std::optional<Tags> tags = Read(b.Build());
  EXPECT_EQ(ValueOf(tags, "Image ImageDescription"), "title");
  EXPECT_EQ(ValueOf(tags, "Image Make"), "b'Caf\\xe9'");
  EXPECT_EQ(ValueOf(tags, "Image Model"), [] {
    std::string twenty = "b'";
    for (int i = 0; i < 20; ++i) twenty += "\\xff";
    return twenty + ", ... ]";
  }());
  EXPECT_EQ(ValueOf(tags, "Image Software"), "");
}

TEST(ExifReaderTest, LongListsAreTruncatedAndHugeOnesEmpty) {
  TiffBuilder b(ByteOrder::kLittle);
  std::string fifty_one, fifty;
  for (uint32_t i = 0; i < 51; ++i) Put(fifty_one, i, 2, ByteOrder::kLittle);
  fifty = fifty_one.substr(0, 100);
  b.AddIfd(
      {{0x0123, 3, 51, fifty_one}, {0x0124, 3, 50, fifty}, {0x0125, 4, 1000, "", /*offset=*/8}});
  const std::optional<Tags> tags = Read(b.Build());
  std::string first_twenty = "[";
  for (int i = 0; i < 20; ++i) first_twenty += (i ? ", " : "") + std::to_string(i);
  EXPECT_EQ(ValueOf(tags, "Image GrayResponseCurve"), first_twenty + ", ... ]");
  const std::string all_fifty = ValueOf(tags, "Image T4Options");
  EXPECT_EQ(all_fifty.substr(all_fifty.size() - 9), ", 48, 49]");
  EXPECT_EQ(ValueOf(tags, "Image T6Options"), "[]");
}

TEST(ExifReaderTest, QuickModeSkipsMakerNoteUserCommentAndXmp) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x02BC, 1, 4, "<x:x"}, {0x927C, 7, 4, "abcd"}, {0x9286, 7, 4, "abcd"}});
  EXPECT_EQ(Read(b.Build()), Tags{});
}

TEST(ExifReaderTest, RepeatedTagKeepsFirstPositionAndLastValue) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x0100, 3, 1, b.U16({1})}, {0x0101, 3, 1, b.U16({2})}, {0x0100, 3, 1, b.U16({3})}});
  EXPECT_EQ(Read(b.Build()), (Tags{{"Image ImageWidth", "3"}, {"Image ImageLength", "2"}}));
}

TEST(ExifReaderTest, IfdLoopsEndAndLaterIfdsAreNumbered) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x0100, 3, 1, b.U16({1})}});
  b.AddIfd({{0x0100, 3, 1, b.U16({2})}});
  b.AddIfd({{0x0100, 3, 1, b.U16({3})}});
  std::string tiff = b.Build();
  // The third IFD's next pointer back to the first.
  const size_t third_next = b.IfdOffset(2) + 2 + 12;
  tiff.replace(third_next, 4, b.U32({b.IfdOffset(0)}));
  EXPECT_EQ(
      Read(tiff),
      (Tags{{"Image ImageWidth", "1"}, {"Thumbnail ImageWidth", "2"}, {"IFD 2 ImageWidth", "3"}}));
}

TEST(ExifReaderTest, SelfPointingSubIfdsEnd) {
  TiffBuilder b(ByteOrder::kLittle);
  // The EXIF IFD points to itself as its GPS IFD and as an Interoperability IFD.
  b.AddIfd({PointerTo(0x8769, 1)}, false);
  b.AddIfd({PointerTo(0x8825, 1), PointerTo(0xA005, 1)}, false);
  const uint32_t exif = b.IfdOffset(1);
  const std::optional<Tags> tags = Read(b.Build());
  ASSERT_TRUE(tags.has_value());
  EXPECT_EQ(ValueOf(tags, "EXIF GPSInfo"), std::to_string(exif));
}

TEST(ExifReaderTest, OffsetsPastTheEndReadAsNothing) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x010F, 2, 10, "", 0xFFFFFF00},
            {0x011A, 5, 1, "", 0x7FFFFFF0},
            {0x0102, 3, 4, "", 0xFFFFFFFF},
            {0x8825, 4, 1, b.U32({0xFFFFFFF0})}});
  EXPECT_EQ(Read(b.Build()), (Tags{{"Image Make", ""},
                                   {"Image XResolution", "0/0"},
                                   {"Image BitsPerSample", "[0, 0, 0, 0]"},
                                   {"Image GPSInfo", "4294967280"}}));
}

TEST(ExifReaderTest, CountsThatOverflowDoNotReadTheWorld) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x0102, 12, 0xFFFFFFFF, "", 8}, {0x010F, 2, 0xFFFFFFFF, "", 0}});
  const std::optional<Tags> tags = Read(b.Build());
  EXPECT_EQ(ValueOf(tags, "Image BitsPerSample"), "[]");
  EXPECT_EQ(ValueOf(tags, "Image Make"), "II*");  // the whole file, cut at its first NUL
}

TEST(ExifReaderTest, WhereExifreadRaisesTheResultIsNullopt) {
  TiffBuilder b(ByteOrder::kLittle);
  // A LONG whose last bytes are cut by the end of the block.
  std::string cut_long = std::string("II*\0", 4);
  Put(cut_long, 8, 4, ByteOrder::kLittle);
  Put(cut_long, 1, 2, ByteOrder::kLittle);
  Put(cut_long, 0x0100, 2, ByteOrder::kLittle);
  Put(cut_long, 4, 2, ByteOrder::kLittle);
  cut_long += std::string("\x01\x00", 2);  // count cut after 2 of its 4 bytes
  EXPECT_EQ(Read(cut_long), std::nullopt);

  TiffBuilder negative(ByteOrder::kLittle);  // a signed EXIF pointer before the file start
  negative.AddIfd({{0x8769, 9, 1, negative.U32({static_cast<uint32_t>(-100)})}});
  EXPECT_EQ(Read(negative.Build()), std::nullopt);

  TiffBuilder empty_pointer(ByteOrder::kLittle);  // an EXIF pointer without a value
  empty_pointer.AddIfd({{0x8769, 4, 0, ""}});
  EXPECT_EQ(Read(empty_pointer.Build()), std::nullopt);

  TiffBuilder cut_float(ByteOrder::kLittle);  // a FLOAT past the end
  cut_float.AddIfd({{0x1000, 11, 2, "", 0x10000}});
  EXPECT_EQ(Read(cut_float.Build()), std::nullopt);
}

TEST(ExifReaderTest, TruncatedBlocksNeverCrash) {
  TiffBuilder b(ByteOrder::kBig);
  b.AddIfd({{0x010F, 2, 8, "Maker"}, PointerTo(0x8825, 1), {0x011A, 5, 1, b.U32({72, 1})}}, false);
  b.AddIfd({{0x0002, 5, 3, b.U32({1, 1, 2, 1, 3, 1})}}, false);
  const std::string tiff = b.Build();
  for (size_t keep = 0; keep <= tiff.size(); ++keep) {
    ReadExifTagsLikeExifread(tiff.substr(0, keep), 0, false);  // result or nullopt
  }
}

TEST(ExifReaderTest, RepeatedSubIfdPointersHitTheWorkBound) {
  // 65535 GPSInfo entries that each point back to their own IFD: exifread would walk 65535^2
  // entries; the bound gives up quickly.
  std::string tiff = std::string("II*\0", 4);
  Put(tiff, 8, 4, ByteOrder::kLittle);
  Put(tiff, 0xFFFF, 2, ByteOrder::kLittle);
  for (int i = 0; i < 0xFFFF; ++i) {
    Put(tiff, 0x8825, 2, ByteOrder::kLittle);
    Put(tiff, 4, 2, ByteOrder::kLittle);
    Put(tiff, 1, 4, ByteOrder::kLittle);
    Put(tiff, 8, 4, ByteOrder::kLittle);
  }
  Put(tiff, 0, 4, ByteOrder::kLittle);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ReadExifTagsLikeExifread(tiff, 0, true), std::nullopt);
  // Loose on purpose (sanitizer builds on a busy machine are slow): the unbounded walk takes
  // hours, not seconds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(ExifReaderTest, TiffBlockMayStartInsideTheFile) {
  TiffBuilder b(ByteOrder::kLittle);
  b.AddIfd({{0x0100, 3, 1, b.U16({5})}});
  const std::string file = "prefix" + b.Build();
  const std::optional<std::vector<ExifTag>> tags = ReadExifTagsLikeExifread(file, 6, true);
  ASSERT_TRUE(tags.has_value());
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ(tags->front().value, "5");
}

TEST(ReadIfd0ShortTest, FindsTheShortAndRefusesOtherTypes) {
  TiffBuilder b(ByteOrder::kBig);
  b.AddIfd({{0x0100, 4, 1, b.U32({7})}, {0x0112, 3, 1, b.U16({6})}});
  const std::string tiff = b.Build();
  EXPECT_EQ(ReadIfd0Short(tiff, 0x0112), 6);
  EXPECT_EQ(ReadIfd0Short(tiff, 0x0100), std::nullopt);
  EXPECT_EQ(ReadIfd0Short(tiff, 0x0101), std::nullopt);
  for (size_t keep = 0; keep < tiff.size(); ++keep) ReadIfd0Short(tiff.substr(0, keep), 0x0112);
}

TEST(ExifTagsTest, TablesAreSortedForBisection) {
  for (const ExifTagSet set :
       {ExifTagSet::kMain, ExifTagSet::kGps, ExifTagSet::kInteroperability}) {
    const std::span<const ExifTagInfo> tags = ExifTagsOf(set);
    for (size_t i = 1; i < tags.size(); ++i)
      EXPECT_LT(tags[i - 1].tag, tags[i].tag) << tags[i].name;
    for (const ExifTagInfo& info : tags) EXPECT_EQ(FindExifTag(set, info.tag), &info);
  }
  EXPECT_EQ(FindExifTag(ExifTagSet::kGps, 0x0112), nullptr);
}

}  // namespace
}  // namespace img2dataset
