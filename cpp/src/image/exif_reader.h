// Reads the tags of an EXIF (TIFF) block.
//
// ReadExifTagsLikeExifread() lists the tags exactly as exifread 3.0.1 prints them in quick mode
// (process_file(details=False)), the reference's exif column: IFD0 as "Image", IFD1 as
// "Thumbnail", later IFDs as "IFD 2"..., the GPS and Interoperability IFDs when their pointer tag
// is met, then the EXIF IFD; names from exif_tags.h, unknown tags as "Tag 0x1234"; values in
// exifread's printable form (rationals reduced, "[1, 2, 3]" lists cut after 20 values when longer
// than 50, enumerations as words, ASCII cut at its first NUL). exifread's quirks are reproduced
// because the column must match it:
//   - every BYTE, SBYTE and UNDEFINED value reads as 0 (a bug of that version);
//   - a value of 1000 or more items prints as "[]";
//   - an ASCII value that is not valid UTF-8 prints as a Python bytes literal, b'...';
//   - offsets reach anywhere in the file, before the block too (signed pointers);
//   - a repeated name keeps its first position and takes the last value, as a Python dict does.
// nullopt where exifread raises instead of returning (a 4-byte number cut short by the end of the
// file, a float cut short, a negative file position, a missing EXIF pointer value...): the
// reference stores null then. nullopt also when the work or the output would exceed a fixed
// bound (about 4 million entries and values read, 16 MiB of text): exifread would go on for
// minutes on such adversarial files; we give up.
//
// Every read is bounds-checked; IFD chains are followed once per offset.
//
// Thread safety: free functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace img2dataset {

struct ExifTag {
  std::string name;   // "<IFD> <Tag>", e.g. "EXIF ExposureTime"
  std::string value;  // exifread's printable value, UTF-8, not whitespace-stripped
};

// `file` is the whole image file, `tiff_offset` where its TIFF block starts (its byte-order mark,
// see LocateExifLikeExifread()).
std::optional<std::vector<ExifTag>> ReadExifTagsLikeExifread(std::string_view file,
                                                             size_t tiff_offset,
                                                             bool little_endian);

// The first value of `tag` in IFD0 of the TIFF block `tiff` when it is a SHORT (type 3), or
// nullopt. Reads only inside `tiff`.
std::optional<uint16_t> ReadIfd0Short(std::string_view tiff, uint16_t tag);

}  // namespace img2dataset
