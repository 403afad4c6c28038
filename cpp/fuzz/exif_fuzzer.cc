// The EXIF parsers: container search, the exifread-compatible tag walk, the exif column's JSON
// and the Orientation tag.
#include <string_view>

#include "fuzz_check.h"
#include "image/exif.h"
#include "image/exif_locator.h"
#include "image/exif_reader.h"
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
  const ExifLocation location = LocateExifLikeExifread(bytes);
  if (location.outcome == ExifLocation::Outcome::kFound) FUZZ_CHECK(location.tiff_offset < size);

  // The tag walk on the whole input as a TIFF block, whatever its first bytes: most mutations of
  // a container never reach it otherwise.
  for (const bool little_endian : {true, false}) {
    if (const auto tags = ReadExifTagsLikeExifread(bytes, 0, little_endian)) {
      for (const ExifTag& tag : *tags) FUZZ_CHECK(!tag.name.empty());
    }
  }
  ReadIfd0Short(bytes, 0x0112);
  if (const std::optional<std::string_view> tiff = FindJpegExifBlock(bytes)) {
    FUZZ_CHECK(tiff->data() >= bytes.data() && tiff->data() + tiff->size() <= bytes.data() + size);
  }
  const int orientation = ExifOrientation(bytes);
  FUZZ_CHECK(orientation >= 1 && orientation <= 8);
  return 0;
}
