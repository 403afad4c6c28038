// EXIF metadata of a downloaded image as the JSON text of the reference's `exif` column:
// {"<IFD> <Tag>": "<printable value>", ...}, IFD names Image, EXIF, GPS, Interoperability,
// Thumbnail; "{}" when the image carries no EXIF.
//
// The reference computes json.dumps({k: str(v).strip() for k, v in
// exifread.process_file(stream, details=False).items()}) on the original bytes, null when that
// raises. This reproduces it: exif_locator.h finds the block where exifread finds it (JPEG, TIFF,
// WebP), exif_reader.h lists the tags with exifread's names and printable values, and the values
// are stripped like str.strip() and written like json.dumps. Known differences are listed in
// docs/compatibility.md.
//
// Thread safety: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace img2dataset {

// nullopt where exifread raises (the reference stores null) or the file is too adversarial to
// finish (exif_reader.h).
std::optional<std::string> ExtractExifJson(std::string_view image_bytes);

}  // namespace img2dataset
