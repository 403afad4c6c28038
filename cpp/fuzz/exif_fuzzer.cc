// The EXIF parsers (libexif): the exif column's JSON and the Orientation tag.
#include <string_view>

#include "fuzz_check.h"
#include "image/exif.h"
#include "image/orientation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (const std::optional<std::string> json = ExtractExifJson(bytes)) {
    // A JSON object, ASCII only (json.dumps' ensure_ascii).
    FUZZ_CHECK(json->size() >= 2 && json->front() == '{' && json->back() == '}');
    for (const char c : *json) FUZZ_CHECK(static_cast<unsigned char>(c) < 0x80);
  }
  const int orientation = ExifOrientation(bytes);
  FUZZ_CHECK(orientation >= 1 && orientation <= 8);
  return 0;
}
