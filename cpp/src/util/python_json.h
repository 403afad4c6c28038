// Writes JSON objects byte-for-byte as Python's json.dumps does with its defaults
// (ensure_ascii=True), either on one line (separators ", " and ": ") or with indent=4.
//
// The reference img2dataset writes per-sample .json files and the exif column with json.dumps;
// matching its bytes keeps the outputs interchangeable.
//
// Thread safety: one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace img2dataset {

class PythonJsonObject {
 public:
  enum class Layout { kOneLine, kIndent4 };
  explicit PythonJsonObject(Layout layout) : layout_(layout) {}

  void AddString(std::string_view key, std::string_view utf8_value);
  void AddInt(std::string_view key, int64_t value);
  void AddNull(std::string_view key);
  // Members written elsewhere with the same layout: what json.dumps puts between the braces of
  // an object, without the newline before the closing one ('\n    "a": 1,\n    "b": [...]' for
  // kIndent4, '"a": 1, "b": 2' for kOneLine). Empty adds nothing.
  void AddRawMembers(std::string_view members);

  // REQUIRES: called once; the writer is spent afterwards.
  std::string Finish();

 private:
  void BeginMember(std::string_view key);

  Layout layout_;
  std::string text_ = "{";
  bool empty_ = true;
};

// Appends `utf8` as a JSON string literal, escaping like Python's ensure_ascii: control
// characters, DEL and every non-ASCII code point become \uXXXX (surrogate pairs above U+FFFF).
// Invalid UTF-8 bytes become \ufffd.
void AppendPythonJsonString(std::string& out, std::string_view utf8);

}  // namespace img2dataset
