#include "util/python_repr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace img2dataset {
namespace {

TEST(PythonFloatReprTest, MatchesCPythonRepr) {
  EXPECT_EQ(PythonFloatRepr(1.5), "1.5");
  EXPECT_EQ(PythonFloatRepr(2.0), "2.0");
  EXPECT_EQ(PythonFloatRepr(0.0), "0.0");
  EXPECT_EQ(PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PythonFloatRepr(static_cast<double>(0.1f)), "0.10000000149011612");
  EXPECT_EQ(PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PythonFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloatRepr(123456789012345680.0), "1.2345678901234568e+17");
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(PythonFloatRepr(-1.5e-300), "-1.5e-300");
  EXPECT_EQ(PythonFloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(PythonFloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(PythonFloatRepr(std::nan("")), "nan");
}

TEST(PythonBytesReprTest, EscapesAndQuotesLikeCPython) {
  EXPECT_EQ(PythonBytesRepr("abc"), "b'abc'");
  EXPECT_EQ(PythonBytesRepr("\t\n\r\\\x01\x7f\xe9"), R"(b'\t\n\r\\\x01\x7f\xe9')");
  EXPECT_EQ(PythonBytesRepr("it's"), R"(b"it's")");
  EXPECT_EQ(PythonBytesRepr("it's \"q\""), R"(b'it\'s "q"')");
}

TEST(PythonStrReprTest, EscapesControlsKeepsPrintableUnicode) {
  EXPECT_EQ(PythonStrRepr("a"), "'a'");
  EXPECT_EQ(PythonStrRepr("'"), R"("'")");
  EXPECT_EQ(PythonStrRepr("\x01"), R"('\x01')");
  EXPECT_EQ(PythonStrRepr("\xc3\xa9"), "'\xc3\xa9'");
  EXPECT_EQ(PythonStrRepr("\xc2\x85"), R"('\x85')");
  EXPECT_EQ(PythonStrRepr("\xe2\x80\xa8"), R"('\u2028')");
}

TEST(IsStrictUtf8Test, RejectsWhatPythonRejects) {
  EXPECT_TRUE(IsStrictUtf8("plain"));
  EXPECT_TRUE(IsStrictUtf8("\xc3\xa9\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsStrictUtf8("\xe9"));
  EXPECT_FALSE(IsStrictUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsStrictUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsStrictUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsStrictUtf8("\xe2\x82"));          // truncated
}

TEST(PythonStripTest, StripsUnicodeWhitespace) {
  EXPECT_EQ(PythonStrip(" \t\x1c abc \xc2\xa0\xe3\x80\x80"), "abc");
  EXPECT_EQ(PythonStrip("\xc2\xa0"), "");
  EXPECT_EQ(PythonStrip("a\xc3\xa9"), "a\xc3\xa9");
  EXPECT_EQ(PythonStrip(""), "");
}

TEST(AppendUtf8Test, EncodesEachLength) {
  std::string out;
  for (const uint32_t c : {0x41u, 0xE9u, 0x20ACu, 0x1F600u}) AppendUtf8(out, c);
  EXPECT_EQ(out, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace img2dataset
