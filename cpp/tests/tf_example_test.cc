#include "shard/tf_example.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace img2dataset {
namespace {

// The bytes given as a list of values, for expected wire bytes written out by hand.
std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int byte : bytes) out += static_cast<char>(byte);
  return out;
}

TEST(TfExampleTest, BytesFeatureHoldsEachValueInOrder) {
  // Feature.bytes_list (1, length 4) { value (1, length 2) "ab" }
  EXPECT_EQ(BytesFeature({"ab"}), Bytes({0x0a, 0x04, 0x0a, 0x02, 'a', 'b'}));
  EXPECT_EQ(BytesFeature({"", "x"}), Bytes({0x0a, 0x05, 0x0a, 0x00, 0x0a, 0x01, 'x'}));
}

TEST(TfExampleTest, BytesValuesKeepNulBytes) {
  const std::string value("\0\xff", 2);
  EXPECT_EQ(BytesFeature({value}), Bytes({0x0a, 0x04, 0x0a, 0x02, 0x00, 0xff}));
}

TEST(TfExampleTest, LongBytesValueHasMultiByteLengths) {
  // 200 bytes: the value's length is the varint c8 01, the list's (203) cb 01.
  const std::string value(200, 'z');
  EXPECT_EQ(BytesFeature({value}), Bytes({0x0a, 0xcb, 0x01, 0x0a, 0xc8, 0x01}) + value);
}

TEST(TfExampleTest, EmptyListsStillSetTheirKind) {
  EXPECT_EQ(BytesFeature({}), Bytes({0x0a, 0x00}));
  EXPECT_EQ(FloatFeature({}), Bytes({0x12, 0x00}));
  EXPECT_EQ(Int64Feature({}), Bytes({0x1a, 0x00}));
}

TEST(TfExampleTest, Int64ListIsPackedAndNegativesTakeTenBytes) {
  // Feature.int64_list (3) { value (1, packed, 13 bytes): 1, -1, 300 }
  EXPECT_EQ(Int64Feature({1, -1, 300}), Bytes({0x1a, 0x0f, 0x0a, 0x0d, 0x01, 0xff, 0xff, 0xff, 0xff,
                                               0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xac, 0x02}));
}

TEST(TfExampleTest, Int64ExtremesAndZero) {
  EXPECT_EQ(Int64Feature({0}), Bytes({0x1a, 0x03, 0x0a, 0x01, 0x00}));
  EXPECT_EQ(
      Int64Feature({std::numeric_limits<int64_t>::min()}),
      Bytes({0x1a, 0x0c, 0x0a, 0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}));
  EXPECT_EQ(Int64Feature({std::numeric_limits<int64_t>::max()}),
            Bytes({0x1a, 0x0b, 0x0a, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}));
}

TEST(TfExampleTest, FloatListIsPackedLittleEndian) {
  // Feature.float_list (2) { value (1, packed, 8 bytes): 1.0f = 3f800000, -2.5f = c0200000 }
  EXPECT_EQ(FloatFeature({1.0f, -2.5f}),
            Bytes({0x12, 0x0a, 0x0a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0}));
  // Zero is written too (repeated fields have no default to skip).
  EXPECT_EQ(FloatFeature({0.0f}), Bytes({0x12, 0x06, 0x0a, 0x04, 0x00, 0x00, 0x00, 0x00}));
}

TEST(TfExampleTest, OneBytesFeature) {
  TfExample example;
  example.Set("k", BytesFeature({"v"}));
  // Example { features (1, 12) { feature (1, 10) { key (1) "k", value (2, 5) Feature } } }
  EXPECT_EQ(example.Serialize(), Bytes({0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'k', 0x12, 0x05, 0x0a,
                                        0x03, 0x0a, 0x01, 'v'}));
}

TEST(TfExampleTest, NoFeatureIsAnEmptyFeaturesField) {
  EXPECT_EQ(TfExample().Serialize(), Bytes({0x0a, 0x00}));
}

TEST(TfExampleTest, EmptyNameAndEmptyFeatureAreStillWritten) {
  // A map entry writes its key and its value even when they are empty.
  TfExample example;
  example.Set("", "");
  EXPECT_EQ(example.Serialize(), Bytes({0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x00, 0x12, 0x00}));
}

TEST(TfExampleTest, EntriesAreSortedByTheBytesOfTheirNames) {
  TfExample example;
  const std::string feature = Int64Feature({});  // 1a 00
  example.Set("b", feature);
  example.Set("\xc3\xa9", feature);  // "é": its first byte sorts after every ASCII byte
  example.Set("a", feature);
  example.Set("B", feature);  // upper case sorts before lower case
  example.Set("ab", feature);
  auto entry = [](std::string name) {
    const std::string body =
        Bytes({0x0a, static_cast<int>(name.size())}) + name + Bytes({0x12, 0x02, 0x1a, 0x00});
    return Bytes({0x0a, static_cast<int>(body.size())}) + body;
  };
  const std::string entries =
      entry("B") + entry("a") + entry("ab") + entry("b") + entry("\xc3\xa9");
  EXPECT_EQ(example.Serialize(), Bytes({0x0a, static_cast<int>(entries.size())}) + entries);
}

TEST(TfExampleTest, SettingANameAgainReplacesItsValue) {
  TfExample example;
  example.Set("k", BytesFeature({"old"}));
  example.Set("k", BytesFeature({"v"}));
  EXPECT_EQ(example.Serialize(), Bytes({0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'k', 0x12, 0x05, 0x0a,
                                        0x03, 0x0a, 0x01, 'v'}));
}

TEST(TfExampleTest, LargeImageFeatureHasMultiByteLengthsAtEveryLevel) {
  // A 100 KB image: every enclosing length is a 3-byte varint.
  const std::string image(100000, '\x5a');
  TfExample example;
  example.Set("image", BytesFeature({image}));
  // value 100000 = a0 8d 06; list 100004 = a4 8d 06; feature 100008 = a8 8d 06;
  // entry 7 + 4 + 100008 = 100019 = b3 8d 06; features 100023 = b7 8d 06.
  const std::string expected =
      Bytes({0x0a, 0xb7, 0x8d, 0x06, 0x0a, 0xb3, 0x8d, 0x06, 0x0a, 0x05}) + "image" +
      Bytes({0x12, 0xa8, 0x8d, 0x06, 0x0a, 0xa4, 0x8d, 0x06, 0x0a, 0xa0, 0x8d, 0x06}) + image;
  EXPECT_EQ(example.Serialize(), expected);
}

}  // namespace
}  // namespace img2dataset
