#include "image/exif.h"

#include "image/exif_locator.h"
#include "image/exif_reader.h"
#include "util/python_json.h"
#include "util/python_repr.h"

namespace img2dataset {

std::optional<std::string> ExtractExifJson(std::string_view image_bytes) {
  const ExifLocation location = LocateExifLikeExifread(image_bytes);
  switch (location.outcome) {
    case ExifLocation::Outcome::kAbsent:
      return "{}";
    case ExifLocation::Outcome::kError:
      return std::nullopt;
    case ExifLocation::Outcome::kFound:
      break;
  }
  const std::optional<std::vector<ExifTag>> tags =
      ReadExifTagsLikeExifread(image_bytes, location.tiff_offset, location.little_endian);
  if (!tags) return std::nullopt;
  PythonJsonObject json(PythonJsonObject::Layout::kOneLine);
  for (const ExifTag& tag : *tags) json.AddString(tag.name, PythonStrip(tag.value));
  return json.Finish();
}

}  // namespace img2dataset
