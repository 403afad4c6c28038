// EXIF metadata of a downloaded image as the JSON text of the reference's `exif` column:
// {"<IFD> <Tag>": "<printable value>", ...}, IFD names Image, EXIF, GPS, Interoperability,
// Thumbnail; "{}" when the image carries no EXIF.
//
// Parsed with libexif. Tag names and printable values are libexif's, which differ from the
// reference's exifread in places (docs/compatibility.md).
//
// Thread safety: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace img2dataset {

// nullopt when the EXIF block is present but cannot be parsed.
std::optional<std::string> ExtractExifJson(std::string_view image_bytes);

}  // namespace img2dataset
