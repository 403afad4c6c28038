#include "util/python_json.h"

#include <cstdio>

namespace img2dataset {

namespace {

void AppendUnicodeEscape(std::string& out, uint16_t code_unit) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(code_unit));
  out += buffer;
}

// Decodes one UTF-8 sequence at `i`. An invalid sequence gives U+FFFD and advances past its
// maximal valid prefix (at least one byte), as Python's decode("utf-8", errors="replace") does.
uint32_t DecodeUtf8(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  uint32_t code = 0;
  // Range of the second byte; it excludes overlong forms, surrogates and code points > U+10FFFF.
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    ++i;
    return 0xFFFD;
  }
  size_t k = 1;
  for (; k < length && i + k < s.size(); ++k) {
    const unsigned char next = byte(i + k);
    if (k == 1 ? (next < low || next > high) : (next & 0xC0) != 0x80) break;
    code = (code << 6) | (next & 0x3F);
  }
  i += k;
  return k == length ? code : 0xFFFD;
}

}  // namespace

void AppendPythonJsonString(std::string& out, std::string_view utf8) {
  out += '"';
  for (size_t i = 0; i < utf8.size();) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x80) {
      const uint32_t code = DecodeUtf8(utf8, i);
      if (code >= 0x10000) {
        const uint32_t v = code - 0x10000;
        AppendUnicodeEscape(out, 0xD800 | (v >> 10));
        AppendUnicodeEscape(out, 0xDC00 | (v & 0x3FF));
      } else {
        AppendUnicodeEscape(out, code);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          AppendUnicodeEscape(out, c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void PythonJsonObject::BeginMember(std::string_view key) {
  if (!empty_) text_ += ',';
  text_ += layout_ == Layout::kIndent4 ? "\n    " : (empty_ ? "" : " ");
  empty_ = false;
  AppendPythonJsonString(text_, key);
  text_ += ": ";
}

void PythonJsonObject::AddString(std::string_view key, std::string_view utf8_value) {
  BeginMember(key);
  AppendPythonJsonString(text_, utf8_value);
}

void PythonJsonObject::AddInt(std::string_view key, int64_t value) {
  BeginMember(key);
  text_ += std::to_string(value);
}

void PythonJsonObject::AddNull(std::string_view key) {
  BeginMember(key);
  text_ += "null";
}

void PythonJsonObject::AddRawMembers(std::string_view members) {
  if (members.empty()) return;
  if (!empty_) text_ += layout_ == Layout::kIndent4 ? "," : ", ";
  text_ += members;
  empty_ = false;
}

std::string PythonJsonObject::Finish() {
  if (!empty_ && layout_ == Layout::kIndent4) text_ += '\n';
  text_ += '}';
  return std::move(text_);
}

}  // namespace img2dataset
