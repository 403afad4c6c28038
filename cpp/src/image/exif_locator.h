// Finds the EXIF (TIFF) block inside an image file.
//
// LocateExifLikeExifread() reproduces how exifread 3.0.1 (the reference's EXIF library) looks for
// it, quirks included, because the exif column must hold what the reference would hold:
//   - a TIFF file ("II"/"MM") is its own block;
//   - a JPEG is scanned from its start: JFIF/JFXX-style APP segments are skipped, then the
//     markers within the first 4000 bytes after them are walked until an APP1 "Exif" segment
//     (an APP1 that comes after a DQT marker or past that window is not found);
//   - a WebP needs a VP8X chunk first, and bit 3 set in the byte exifread takes for its flags
//     (the low byte of the chunk size, 10 in valid files); chunks are then walked without the
//     RIFF padding byte, as exifread does;
//   - everything else (PNG included: exifread 3.0.1 has no PNG reader; HEIC, which the engine
//     does not decode) has no EXIF.
// Offsets are into the whole file: exifread reads tag values wherever they point in the file,
// not only inside the segment.
//
// FindJpegExifBlock() is the strict walk the orientation needs: every segment up to the scan, the
// block bounded to its segment.
//
// Thread safety: free functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace img2dataset {

struct ExifLocation {
  enum class Outcome {
    kFound,   // tiff_offset and little_endian are set
    kAbsent,  // exifread returns no tags
    kError,   // exifread raises (the reference stores null)
  };
  Outcome outcome = Outcome::kAbsent;
  size_t tiff_offset = 0;  // of the byte-order mark, from the start of the file
  bool little_endian = false;
};

ExifLocation LocateExifLikeExifread(std::string_view file);

// The TIFF block of the first APP1 "Exif\0\0" segment before the scan data of a JPEG (cut short
// when the file is), or nullopt.
std::optional<std::string_view> FindJpegExifBlock(std::string_view jpeg);

}  // namespace img2dataset
