#include "util/python_json.h"

#include <gtest/gtest.h>

#include <string>

namespace img2dataset {
namespace {

// Expected strings below are what CPython 3.11 prints for json.dumps(d) and
// json.dumps(d, indent=4) of the same dict.

std::string OneLineString(std::string_view key, std::string_view value) {
  PythonJsonObject json(PythonJsonObject::Layout::kOneLine);
  json.AddString(key, value);
  return json.Finish();
}

TEST(PythonJsonObjectTest, EmptyObjectIsBracesInBothLayouts) {
  EXPECT_EQ(PythonJsonObject(PythonJsonObject::Layout::kOneLine).Finish(), "{}");
  EXPECT_EQ(PythonJsonObject(PythonJsonObject::Layout::kIndent4).Finish(), "{}");
}

TEST(PythonJsonObjectTest, OneLineUsesCommaSpaceAndColonSpaceSeparators) {
  PythonJsonObject json(PythonJsonObject::Layout::kOneLine);
  json.AddString("a", "x");
  json.AddInt("b", 1);
  json.AddNull("c");
  EXPECT_EQ(json.Finish(), R"({"a": "x", "b": 1, "c": null})");
}

TEST(PythonJsonObjectTest, Indent4PutsEachMemberOnItsOwnLineWithoutTrailingNewline) {
  PythonJsonObject json(PythonJsonObject::Layout::kIndent4);
  json.AddString("a", "x");
  json.AddInt("b", 1);
  json.AddNull("c");
  EXPECT_EQ(json.Finish(), "{\n    \"a\": \"x\",\n    \"b\": 1,\n    \"c\": null\n}");
}

TEST(PythonJsonObjectTest, Indent4WithOneMemberHasNoComma) {
  PythonJsonObject json(PythonJsonObject::Layout::kIndent4);
  json.AddInt("only", 0);
  EXPECT_EQ(json.Finish(), "{\n    \"only\": 0\n}");
}

TEST(PythonJsonObjectTest, IntegersKeepSignAndFullInt64Precision) {
  PythonJsonObject json(PythonJsonObject::Layout::kOneLine);
  json.AddInt("k", -5);
  json.AddInt("big", 9007199254740993);
  EXPECT_EQ(json.Finish(), R"({"k": -5, "big": 9007199254740993})");
}

TEST(PythonJsonObjectTest, KeysAreEscapedLikeValues) {
  PythonJsonObject json(PythonJsonObject::Layout::kOneLine);
  json.AddNull("a\"b\xc3\xa9");
  EXPECT_EQ(json.Finish(), R"({"a\"b\u00e9": null})");
}

TEST(PythonJsonStringTest, QuoteBackslashAndShortEscapes) {
  EXPECT_EQ(OneLineString("q", "say \"hi\"\\ now\n\r\t\b\f"),
            R"({"q": "say \"hi\"\\ now\n\r\t\b\f"})");
}

TEST(PythonJsonStringTest, OtherControlCharactersAndDelAreLowercaseUnicodeEscapes) {
  EXPECT_EQ(OneLineString("c", std::string("\x00\x01\x1f\x7f", 4)),
            R"({"c": "\u0000\u0001\u001f\u007f"})");
}

TEST(PythonJsonStringTest, SlashAndPrintableAsciiAreNotEscaped) {
  EXPECT_EQ(OneLineString("u", "http://a/b?c=1&d=<e>'~"), R"({"u": "http://a/b?c=1&d=<e>'~"})");
}

TEST(PythonJsonStringTest, NonAsciiBecomesUnicodeEscapes) {
  EXPECT_EQ(OneLineString("e", "\xc3\xa9"), R"({"e": "\u00e9"})");
  EXPECT_EQ(OneLineString("u", "\xe2\x82\xac\xef\xbf\xbf"), R"({"u": "\u20ac\uffff"})");
}

TEST(PythonJsonStringTest, AstralCodePointBecomesSurrogatePair) {
  EXPECT_EQ(OneLineString("emoji", "\xf0\x9f\x98\x80"), R"({"emoji": "\ud83d\ude00"})");
  EXPECT_EQ(OneLineString("max", "\xf4\x8f\xbf\xbf"), R"({"max": "\udbff\udfff"})");
}

// Invalid UTF-8 is replaced as Python's bytes.decode("utf-8", errors="replace") does: one
// U+FFFD per maximal invalid subpart.
TEST(PythonJsonStringTest, InvalidByteBecomesReplacementCharacter) {
  EXPECT_EQ(OneLineString("bad", std::string("a\xff") + "b"), R"({"bad": "a\ufffdb"})");
  EXPECT_EQ(OneLineString("bad", "\x80"), R"({"bad": "\ufffd"})");
  EXPECT_EQ(OneLineString("latin1", "caf\xe9"), R"({"latin1": "caf\ufffd"})");
  EXPECT_EQ(OneLineString("latin1", "\xe9t\xe9"), R"({"latin1": "\ufffdt\ufffd"})");
}

TEST(PythonJsonStringTest, OverlongAndSurrogateEncodingsAreReplacedBytewise) {
  EXPECT_EQ(OneLineString("s", "\xc0\xaf"), R"({"s": "\ufffd\ufffd"})");
  EXPECT_EQ(OneLineString("s", "\xe0\x80\x80"), R"({"s": "\ufffd\ufffd\ufffd"})");
  EXPECT_EQ(OneLineString("s", "\xed\xa0\x80"), R"({"s": "\ufffd\ufffd\ufffd"})");
  EXPECT_EQ(OneLineString("s", "\xf4\x90\x80\x80"), R"({"s": "\ufffd\ufffd\ufffd\ufffd"})");
  EXPECT_EQ(OneLineString("s", "\xf5\x80"), R"({"s": "\ufffd\ufffd"})");
}

TEST(PythonJsonStringTest, TruncatedSequenceIsOneReplacementCharacter) {
  EXPECT_EQ(OneLineString("t", "\xf0\x9f\x98"), R"({"t": "\ufffd"})");
  EXPECT_EQ(OneLineString("t", std::string("\xe2\x82") + "A"), R"({"t": "\ufffdA"})");
  EXPECT_EQ(OneLineString("t", "\xe2\x82\xe2\x82\xac"), R"({"t": "\ufffd\u20ac"})");
  EXPECT_EQ(OneLineString("t", "\xc3"), R"({"t": "\ufffd"})");
}

}  // namespace
}  // namespace img2dataset

namespace img2dataset {
namespace {

// json.dumps({"uid": 7, "tags": ["a", "b"], "url": "u"}, indent=4) and its one-line form, with
// the first two members given as raw text (what Python renders for extra input columns).
TEST(PythonJsonObjectTest, RawMembersSplicedAsJsonDumpsWritesThem) {
  PythonJsonObject indented(PythonJsonObject::Layout::kIndent4);
  indented.AddRawMembers(
      "\n    \"uid\": 7,\n    \"tags\": [\n        \"a\",\n        \"b\"\n    ]");
  indented.AddString("url", "u");
  EXPECT_EQ(indented.Finish(),
            "{\n    \"uid\": 7,\n    \"tags\": [\n        \"a\",\n        \"b\"\n    ],\n"
            "    \"url\": \"u\"\n}");

  PythonJsonObject one_line(PythonJsonObject::Layout::kOneLine);
  one_line.AddString("url", "u");
  one_line.AddRawMembers("\"uid\": 7");
  EXPECT_EQ(one_line.Finish(), "{\"url\": \"u\", \"uid\": 7}");

  PythonJsonObject nothing(PythonJsonObject::Layout::kIndent4);
  nothing.AddRawMembers("");
  EXPECT_EQ(nothing.Finish(), "{}");
}

}  // namespace
}  // namespace img2dataset
