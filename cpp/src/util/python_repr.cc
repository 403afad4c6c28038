#include "util/python_repr.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace img2dataset {

namespace {

// Length of the strict UTF-8 sequence at `i`, 0 when it is not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  // Range of the second byte; it excludes overlong forms, surrogates and code points > U+10FFFF.
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// REQUIRES: a valid sequence of `length` bytes at `i`.
uint32_t DecodeUtf8(std::string_view s, size_t i, size_t length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  if (length == 1) return byte(i);
  uint32_t code = byte(i) & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) code = (code << 6) | (byte(i + k) & 0x3F);
  return code;
}

bool IsPythonSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Non-ASCII code points that str.isprintable() rejects, as far as this short list knows them.
bool IsNonPrintableNonAscii(uint32_t c) {
  return (c >= 0x80 && c <= 0xA0) || c == 0xAD || c == 0x1680 || (c >= 0x2000 && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) || c == 0x3000 ||
         (c >= 0xE000 && c <= 0xF8FF) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
         c >= 0xF0000;
}

void AppendHexEscape(std::string& out, const char* prefix, int digits, uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%s%0*x", prefix, digits, static_cast<unsigned>(value));
  out += buffer;
}

// The quote CPython picks for a repr: ' unless the text holds ' and no ".
char ReprQuote(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  return has_single && !has_double ? '"' : '\'';
}

// Appends the repr escape of an ASCII character, or returns false for a printable one that
// needs none.
bool AppendAsciiEscape(std::string& out, unsigned char c, char quote) {
  switch (c) {
    case '\t':
      out += "\\t";
      return true;
    case '\n':
      out += "\\n";
      return true;
    case '\r':
      out += "\\r";
      return true;
    case '\\':
      out += "\\\\";
      return true;
    default:
      break;
  }
  if (c == static_cast<unsigned char>(quote)) {
    out += '\\';
    out += static_cast<char>(c);
    return true;
  }
  if (c < 0x20 || c == 0x7F) {
    AppendHexEscape(out, "\\x", 2, c);
    return true;
  }
  return false;
}

}  // namespace

std::string PythonFloatRepr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  std::string out;
  if (std::signbit(value)) out += '-';
  // Shortest round-trip digits, then laid out by CPython's rules for repr().
  char buffer[64];
  const std::to_chars_result result = std::to_chars(
      buffer, buffer + sizeof(buffer), std::fabs(value), std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  const size_t e = text.find('e');
  std::string digits;
  for (const char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  const int point = exponent + 1;  // digits are 0.d1d2... * 10^point
  if (value == 0) return out.append("0.0");
  const auto count = [](int n) { return static_cast<size_t>(n); };
  if (point <= -4 || point > 16) {
    out += digits[0];
    if (digits.size() > 1) out.append(".").append(digits, 1);
    char exp_text[16];
    std::snprintf(exp_text, sizeof(exp_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out.append(exp_text);
  }
  if (point <= 0) return out.append("0.").append(count(-point), '0').append(digits);
  if (count(point) >= digits.size()) {
    return out.append(digits).append(count(point) - digits.size(), '0').append(".0");
  }
  return out.append(digits, 0, count(point)).append(".").append(digits, count(point));
}

std::string PythonBytesRepr(std::string_view bytes) {
  const char quote = ReprQuote(bytes);
  std::string out = "b";
  out += quote;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      AppendHexEscape(out, "\\x", 2, c);
    } else if (!AppendAsciiEscape(out, c, quote)) {
      out += ch;
    }
  }
  out += quote;
  return out;
}

std::string PythonStrRepr(std::string_view utf8) {
  const char quote = ReprQuote(utf8);
  std::string out(1, quote);
  for (size_t i = 0; i < utf8.size();) {
    const size_t length = Utf8SequenceLength(utf8, i);
    if (length == 0) {  // outside the contract; keep going byte by byte
      AppendHexEscape(out, "\\x", 2, static_cast<unsigned char>(utf8[i++]));
      continue;
    }
    const uint32_t c = DecodeUtf8(utf8, i, length);
    if (c < 0x80) {
      if (!AppendAsciiEscape(out, static_cast<unsigned char>(c), quote)) out += utf8[i];
    } else if (!IsNonPrintableNonAscii(c)) {
      out.append(utf8.substr(i, length));
    } else if (c <= 0xFF) {
      AppendHexEscape(out, "\\x", 2, c);
    } else if (c <= 0xFFFF) {
      AppendHexEscape(out, "\\u", 4, c);
    } else {
      AppendHexEscape(out, "\\U", 8, c);
    }
    i += length;
  }
  out += quote;
  return out;
}

bool IsStrictUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const size_t length = Utf8SequenceLength(bytes, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

std::string_view PythonStrip(std::string_view utf8) {
  // Leading: decode forwards.
  size_t begin = 0;
  while (begin < utf8.size()) {
    const size_t length = Utf8SequenceLength(utf8, begin);
    if (length == 0 || !IsPythonSpace(DecodeUtf8(utf8, begin, length))) break;
    begin += length;
  }
  // Trailing: step back over continuation bytes to each sequence's lead byte.
  size_t end = utf8.size();
  while (end > begin) {
    size_t lead = end - 1;
    while (lead > begin && (static_cast<unsigned char>(utf8[lead]) & 0xC0) == 0x80) --lead;
    const size_t length = Utf8SequenceLength(utf8, lead);
    if (length != end - lead || !IsPythonSpace(DecodeUtf8(utf8, lead, length))) break;
    end = lead;
  }
  return utf8.substr(begin, end - begin);
}

}  // namespace img2dataset
