// The EXIF tag dictionary of exifread (the reference's EXIF library, quick mode): tag names per
// IFD kind and how each tag's values print (a lookup of enumerated values, text built from
// character codes, or a pointer to a sub-IFD).
//
// Names and words are exifread's so that the exif column matches the reference key for key; the
// table itself is ours.
//
// Thread safety: immutable data.
#pragma once

#include <cstdint>
#include <span>

namespace img2dataset {

// Which dictionary names the tags of an IFD: IFD0, IFD1, EXIF and later IFDs share the main one.
enum class ExifTagSet { kMain, kGps, kInteroperability };

enum class ExifTagPrinter {
  kValues,     // the values themselves: "72", "[1, 2]", "Canon"
  kEnum,       // each value through `values`, unknown ones as numbers, concatenated
  kCharCodes,  // values 32..255 as Latin-1 characters (exifread's make_string)
  kGpsIfd,     // an offset to the GPS IFD, which is read when the tag is met
  kInteroperabilityIfd,
};

struct ExifEnumValue {
  int64_t value;
  const char* word;
};

struct ExifTagInfo {
  uint16_t tag;
  const char* name;
  ExifTagPrinter printer = ExifTagPrinter::kValues;
  std::span<const ExifEnumValue> values = {};
};

// The dictionary of `set`, sorted by tag number.
std::span<const ExifTagInfo> ExifTagsOf(ExifTagSet set);

// nullptr for a tag the dictionary does not know (printed as "Tag 0x1234").
const ExifTagInfo* FindExifTag(ExifTagSet set, uint16_t tag);

// The word for `value`, or nullptr when the enumeration has none.
const char* FindExifEnumWord(const ExifTagInfo& info, int64_t value);

// Tags that quick mode (details=False) skips wherever they appear: XMP, MakerNote, UserComment.
bool IsSkippedInQuickMode(uint16_t tag);

}  // namespace img2dataset
