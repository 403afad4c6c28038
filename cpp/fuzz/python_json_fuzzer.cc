// Python-compatible JSON string literals: any bytes in, ASCII JSON out, and valid UTF-8 comes back
// unchanged when the literal is read as JSON.
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "util/python_json.h"

namespace {

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), written apart from
// the encoder under test.
bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t length = c < 0x80           ? 1
                         : (c >> 5) == 0x6  ? 2
                         : (c >> 4) == 0xE  ? 3
                         : (c >> 3) == 0x1E ? 4
                                            : 0;
    if (length == 0 || i + length > s.size()) return false;
    uint32_t code = length == 1 ? c : c & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

void AppendUtf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

uint32_t Hex4(std::string_view s, std::size_t at) {
  FUZZ_CHECK(at + 4 <= s.size());
  uint32_t value = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    const char c = s[k];
    FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));  // Python writes lower case
    value = value * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return value;
}

// Reads back a JSON string literal (the whole of `json`) as UTF-8; fails the run when it is not
// one.
std::string ReadJsonString(std::string_view json) {
  FUZZ_CHECK(json.size() >= 2 && json.front() == '"' && json.back() == '"');
  std::string out;
  for (std::size_t i = 1; i + 1 < json.size();) {
    const char c = json[i];
    FUZZ_CHECK(c != '"' && static_cast<unsigned char>(c) >= 0x20);
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    FUZZ_CHECK(i + 2 < json.size());
    const char escape = json[i + 1];
    static constexpr std::string_view kSimple = "\"\\/bfnrt", kMeaning = "\"\\/\b\f\n\r\t";
    if (const std::size_t k = kSimple.find(escape); k != std::string_view::npos) {
      out += kMeaning[k];
      i += 2;
      continue;
    }
    FUZZ_CHECK(escape == 'u');
    uint32_t code = Hex4(json, i + 2);
    i += 6;
    if (code >= 0xD800 && code <= 0xDBFF) {  // a high surrogate: its low half must follow
      FUZZ_CHECK(i + 6 < json.size() && json[i] == '\\' && json[i + 1] == 'u');
      const uint32_t low = Hex4(json, i + 2);
      FUZZ_CHECK(low >= 0xDC00 && low <= 0xDFFF);
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      i += 6;
    } else {
      FUZZ_CHECK(code < 0xDC00 || code > 0xDFFF);  // no lone low surrogate
    }
    AppendUtf8(out, code);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string json = "prefix:";
  AppendPythonJsonString(json, input);
  FUZZ_CHECK(json.compare(0, 7, "prefix:") == 0);  // appends, never rewrites
  const std::string_view literal = std::string_view(json).substr(7);
  for (const char c : literal) {
    FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F);
  }
  const std::string decoded = ReadJsonString(literal);
  FUZZ_CHECK(IsValidUtf8(decoded));  // invalid input bytes became U+FFFD
  if (IsValidUtf8(input)) FUZZ_CHECK(decoded == input);
  return 0;
}
