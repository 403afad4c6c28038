#include "image/exif_reader.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "image/exif_tags.h"
#include "util/python_repr.h"

namespace img2dataset {

namespace {

// TIFF field types, numbered as in the TIFF specification.
enum FieldType : int {
  kByte = 1,
  kAscii = 2,
  kShort = 3,
  kLong = 4,
  kRational = 5,
  kSignedByte = 6,
  kUndefined = 7,
  kSignedShort = 8,
  kSignedLong = 9,
  kSignedRational = 10,
  kFloat = 11,
  kDouble = 12,
  kIfd = 13,
};

int TypeSize(int type) {
  static constexpr int kSizes[] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
  return kSizes[type];
}

bool IsSigned(int type) {
  return type == kSignedByte || type == kSignedShort || type == kSignedLong ||
         type == kSignedRational;
}

// Items exifread reads per value at most; longer values print as "[]".
constexpr uint64_t kMaxItems = 1000;
// Lists longer than this print their first kShownItems items and ", ... ]".
constexpr uint64_t kTruncateAbove = 50;
constexpr size_t kShownItems = 20;

// Bounds on work and output for adversarial files (see the header).
constexpr uint64_t kMaxWork = uint64_t{1} << 22;
constexpr size_t kMaxOutputBytes = size_t{16} << 20;

// One item of a numeric value, as exifread holds it: an int, a Ratio (a reduced Fraction, or the
// unreduced numerator and zero denominator) or a one-element tuple holding a float.
struct Item {
  enum class Kind { kInt, kRatio, kFloat };
  Kind kind = Kind::kInt;
  int64_t num = 0;  // the int, or the ratio's numerator
  int64_t den = 1;
  double real = 0;

  // str(item), which is also its repr.
  std::string ToString() const {
    switch (kind) {
      case Kind::kInt:
        return std::to_string(num);
      case Kind::kRatio: {
        std::string text = std::to_string(num);
        if (den != 1) text.append("/").append(std::to_string(den));
        return text;
      }
      case Kind::kFloat:
        return std::string("(").append(PythonFloatRepr(real)).append(",)");
    }
    return {};
  }

  // The int this item equals as a dict key: ints, and ratios with denominator 1.
  std::optional<int64_t> AsKey() const {
    if (kind == Kind::kInt || (kind == Kind::kRatio && den == 1)) return num;
    return std::nullopt;
  }
};

Item MakeRatio(int64_t num, int64_t den) {
  Item item{Item::Kind::kRatio, num, den};
  if (den == 0) return item;  // Fraction(n, 0) raises; exifread keeps n and 0 as they are
  int64_t g = std::gcd(num, den);
  if (den < 0) g = -g;
  item.num = num / g;
  item.den = den / g;
  return item;
}

// A tag's values: ASCII gives text (valid UTF-8) or, when not UTF-8, raw bytes; every other type
// a list of items.
struct Values {
  enum class Kind { kList, kText, kBytes };
  Kind kind = Kind::kList;
  std::vector<Item> items;
  std::string text;  // kText and kBytes

  // str(values) with exifread's truncation of long values; `count` is the declared count.
  std::string Printable(uint64_t count) const {
    if (kind == Kind::kText) return text;
    if (kind == Kind::kList && count == 1) return items[0].ToString();
    const size_t length = kind == Kind::kList ? items.size() : text.size();
    const bool truncate = count > kTruncateAbove && length > kShownItems;
    if (kind == Kind::kBytes) {
      if (!truncate) return PythonBytesRepr(text);
      std::string head = PythonBytesRepr(std::string_view(text).substr(0, kShownItems));
      head.pop_back();
      return head + ", ... ]";
    }
    std::string out = "[";
    const size_t shown = truncate ? kShownItems : items.size();
    for (size_t i = 0; i < shown; ++i) {
      if (i > 0) out += ", ";
      out += items[i].ToString();
    }
    return out + (truncate ? ", ... ]" : "]");
  }
};

// Each value through the enumeration, unknown ones as their repr, concatenated.
std::string EnumPrintable(const ExifTagInfo& info, const Values& values) {
  std::string out;
  const auto append_int = [&](int64_t value) {
    const char* word = FindExifEnumWord(info, value);
    out += word != nullptr ? word : std::to_string(value);
  };
  switch (values.kind) {
    case Values::Kind::kList:
      for (const Item& item : values.items) {
        const std::optional<int64_t> key = item.AsKey();
        const char* word = key ? FindExifEnumWord(info, *key) : nullptr;
        out += word != nullptr ? word : item.ToString();
      }
      break;
    case Values::Kind::kBytes:  // iterating bytes gives ints
      for (const char c : values.text) append_int(static_cast<unsigned char>(c));
      break;
    case Values::Kind::kText: {  // iterating str gives one-character strings, never a key
      const std::string& text = values.text;
      for (size_t i = 0; i < text.size();) {
        size_t length = 1;
        while (i + length < text.size() &&
               (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) {
          ++length;
        }
        out += PythonStrRepr(std::string_view(text).substr(i, length));
        i += length;
      }
      break;
    }
  }
  return out;
}

std::string_view StripSpacesAndNuls(std::string_view s) {
  const size_t begin = s.find_first_not_of(std::string_view(" \0", 2));
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(std::string_view(" \0", 2));
  return s.substr(begin, end - begin + 1);
}

// exifread's make_string: codes 32..255 as Latin-1 characters; without any, the items' digits
// (nothing when they are all zeros), or the str() of a text value.
std::string CharCodesPrintable(const Values& values) {
  std::string out;
  if (values.kind == Values::Kind::kText) return std::string(StripSpacesAndNuls(values.text));
  if (values.kind == Values::Kind::kBytes) {
    for (const char c : values.text) {
      const auto code = static_cast<unsigned char>(c);
      if (code >= 32) AppendUtf8(out, code);
    }
    if (out.empty()) out = PythonBytesRepr(values.text);
    return std::string(StripSpacesAndNuls(out));
  }
  for (const Item& item : values.items) {
    // Ratios compare but chr() refuses them; floats (tuples) do not even compare.
    if (item.kind == Item::Kind::kInt && item.num >= 32 && item.num < 256) {
      AppendUtf8(out, static_cast<uint32_t>(item.num));
    }
  }
  if (out.empty()) {
    for (const Item& item : values.items) out += item.ToString();
    if (!out.empty() && out.find_first_not_of('0') == std::string::npos) return {};
  }
  return std::string(StripSpacesAndNuls(out));
}

// Tags in insertion order; setting a present name replaces its value in place.
class OrderedTags {
 public:
  // False once the output bound is exceeded.
  bool Set(std::string name, std::string value) {
    bytes_ += name.size() + value.size();
    if (bytes_ > kMaxOutputBytes) return false;
    const auto [it, inserted] = index_.try_emplace(name, tags_.size());
    if (inserted) {
      tags_.push_back({std::move(name), std::move(value)});
    } else {
      tags_[it->second].value = std::move(value);
    }
    return true;
  }
  std::vector<ExifTag> Release() { return std::move(tags_); }

 private:
  std::vector<ExifTag> tags_;
  std::unordered_map<std::string, size_t> index_;
  size_t bytes_ = 0;
};

// exifread's ExifHeader in quick mode. Positions are relative to the TIFF block and may fall
// anywhere in the file; a read that exifread would raise on sets the sticky `failed_`.
class ExifreadEmulation {
 public:
  ExifreadEmulation(std::string_view file, size_t tiff_offset, bool little_endian)
      : file_(file), base_(static_cast<int64_t>(tiff_offset)), little_endian_(little_endian) {}

  std::optional<std::vector<ExifTag>> Run() {
    std::vector<int64_t> ifds;
    std::unordered_set<int64_t> seen;
    for (int64_t ifd = ReadNumber(4, 4, false); ifd != 0 && !failed_;) {
      if (!seen.insert(ifd).second || !Spend(1)) break;
      ifds.push_back(ifd);
      const int64_t entries = ReadNumber(ifd, 2, false);
      int64_t next = ReadNumber(ifd + 2 + 12 * entries, 4, false);
      ifd = next == ifd ? 0 : next;
    }
    for (size_t i = 0; i < ifds.size() && !failed_; ++i) {
      const std::string name = i == 0 ? "Image" : i == 1 ? "Thumbnail" : "IFD " + std::to_string(i);
      DumpIfd(ifds[i], name, ExifTagSet::kMain);
    }
    if (!failed_ && exif_pointer_) {
      // Unlike the GPS and Interoperability pointers, a missing value here raises.
      if (const std::optional<int64_t> ifd =
              SubIfdOffset(*exif_pointer_, /*missing_raises=*/true)) {
        DumpIfd(*ifd, "EXIF", ExifTagSet::kMain);
      }
    }
    if (failed_) return std::nullopt;
    return tags_.Release();
  }

 private:
  bool Spend(uint64_t units) {
    work_ += units;
    if (work_ > kMaxWork) failed_ = true;
    return !failed_;
  }

  // The file bytes at relative position `position`, at most `length`, fewer at the end of the
  // file; a negative absolute position raises.
  std::string_view Bytes(int64_t position, uint64_t length) {
    const int64_t absolute = base_ + position;
    if (absolute < 0) {
      failed_ = true;
      return {};
    }
    if (static_cast<uint64_t>(absolute) >= file_.size()) return {};
    const size_t start = static_cast<size_t>(absolute);
    return file_.substr(start,
                        static_cast<size_t>(std::min<uint64_t>(length, file_.size() - start)));
  }

  // exifread's s2n: nothing or a single byte left reads as 0 (so every one-byte number is 0),
  // a partial number of two bytes or more raises.
  int64_t ReadNumber(int64_t position, int length, bool is_signed) {
    const std::string_view bytes = Bytes(position, static_cast<uint64_t>(length));
    if (bytes.size() < 2) return 0;
    if (bytes.size() != static_cast<size_t>(length)) {
      failed_ = true;
      return 0;
    }
    uint64_t value = 0;
    for (int i = 0; i < length; ++i) {
      const int k = little_endian_ ? length - 1 - i : i;
      value = value << 8 | static_cast<unsigned char>(bytes[static_cast<size_t>(k)]);
    }
    if (!is_signed) return static_cast<int64_t>(value);
    const int bits = 8 * length;
    if (value >> (bits - 1)) return static_cast<int64_t>(value) - (int64_t{1} << bits);
    return static_cast<int64_t>(value);
  }

  Item ReadFloat(int64_t position, int type) {
    const int length = TypeSize(type);
    const std::string_view bytes = Bytes(position, static_cast<uint64_t>(length));
    if (bytes.size() != static_cast<size_t>(length)) {
      failed_ = true;
      return {};
    }
    uint64_t bits = 0;
    for (int i = 0; i < length; ++i) {
      const int k = little_endian_ ? length - 1 - i : i;
      bits = bits << 8 | static_cast<unsigned char>(bytes[static_cast<size_t>(k)]);
    }
    Item item{Item::Kind::kFloat};
    item.real = type == kFloat
                    ? static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)))
                    : std::bit_cast<double>(bits);
    return item;
  }

  Values ReadValues(int type, uint64_t count, int64_t position) {
    Values values;
    if (type == kAscii) {
      values.kind = Values::Kind::kText;
      if (count == 0) return values;
      std::string_view text = Bytes(position, count);
      if (!Spend(text.size() / 64)) return values;
      text = text.substr(0, text.find('\0'));  // garbage after a NUL is dropped
      values.text = std::string(text);
      if (!IsStrictUtf8(text)) values.kind = Values::Kind::kBytes;
      return values;
    }
    if (count >= kMaxItems || !Spend(count)) return values;
    const int size = TypeSize(type);
    const bool is_signed = IsSigned(type);
    for (uint64_t i = 0; i < count && !failed_; ++i, position += size) {
      if (type == kRational || type == kSignedRational) {
        const int64_t num = ReadNumber(position, 4, is_signed);
        const int64_t den = ReadNumber(position + 4, 4, is_signed);
        values.items.push_back(MakeRatio(num, den));
      } else if (type == kFloat || type == kDouble) {
        values.items.push_back(ReadFloat(position, type));
      } else {
        values.items.push_back(Item{Item::Kind::kInt, ReadNumber(position, size, is_signed)});
      }
    }
    return values;
  }

  // The offset dump_ifd() would be called with for a pointer tag's first value, or nullopt when
  // exifread skips the sub-IFD (no value, a value that is not a number); sets failed_ where it
  // raises instead.
  std::optional<int64_t> SubIfdOffset(const Values& values, bool missing_raises) {
    const bool missing =
        values.kind == Values::Kind::kList ? values.items.empty() : values.text.empty();
    if (missing) {
      if (missing_raises) failed_ = true;
      return std::nullopt;
    }
    switch (values.kind) {
      case Values::Kind::kText:  // a one-character string: not an offset
        return std::nullopt;
      case Values::Kind::kBytes:  // an int
        return static_cast<unsigned char>(values.text[0]);
      case Values::Kind::kList:
        break;
    }
    const Item& first = values.items[0];
    switch (first.kind) {
      case Item::Kind::kInt:
        return first.num;
      case Item::Kind::kRatio:
        // Adding a Fraction to the file offset: a zero denominator raises, any other ratio is
        // refused by seek() with a TypeError that exifread catches.
        if (first.den == 0) failed_ = true;
        return std::nullopt;
      case Item::Kind::kFloat:
        return std::nullopt;
    }
    return std::nullopt;
  }

  void DumpIfd(int64_t ifd, const std::string& ifd_name, ExifTagSet set) {
    const int64_t entries = ReadNumber(ifd, 2, false);
    for (int64_t i = 0; i < entries && !failed_; ++i) {
      const int64_t entry = ifd + 2 + 12 * i;
      // Past the end of the file every field reads as 0: type 0 entries, which add nothing.
      if (base_ + entry >= static_cast<int64_t>(file_.size())) break;
      if (!Spend(1)) break;
      const auto tag = static_cast<uint16_t>(ReadNumber(entry, 2, false));
      if (IsSkippedInQuickMode(tag)) continue;
      ProcessEntry(entry, tag, ifd_name, set);
    }
  }

  void ProcessEntry(int64_t entry, uint16_t tag, const std::string& ifd_name, ExifTagSet set) {
    const int64_t type = ReadNumber(entry + 2, 2, false);
    if (type <= 0 || type > kIfd) return;  // unknown types are skipped
    const int size = TypeSize(static_cast<int>(type));
    const auto count = static_cast<uint64_t>(ReadNumber(entry + 4, 4, false));
    int64_t position = entry + 8;
    if (count * static_cast<uint64_t>(size) > 4) position = ReadNumber(position, 4, false);
    if (failed_) return;
    const Values values = ReadValues(static_cast<int>(type), count, position);
    if (failed_) return;

    const ExifTagInfo* info = FindExifTag(set, tag);
    std::string printable = values.Printable(count);
    if (info != nullptr) {
      switch (info->printer) {
        case ExifTagPrinter::kValues:
          break;
        case ExifTagPrinter::kEnum:
          printable = EnumPrintable(*info, values);
          break;
        case ExifTagPrinter::kCharCodes:
          printable = CharCodesPrintable(values);
          break;
        case ExifTagPrinter::kGpsIfd:
        case ExifTagPrinter::kInteroperabilityIfd:
          // exifread reads the sub-IFD before it records the pointer tag itself.
          if (const std::optional<int64_t> sub = SubIfdOffset(values, /*missing_raises=*/false)) {
            const bool gps = info->printer == ExifTagPrinter::kGpsIfd;
            DumpIfd(*sub, gps ? "GPS" : "Interoperability",
                    gps ? ExifTagSet::kGps : ExifTagSet::kInteroperability);
          }
          if (failed_) return;
          break;
      }
    }
    std::string name;
    if (info != nullptr) {
      name = ifd_name + " " + info->name;
    } else {
      char unknown[16];
      std::snprintf(unknown, sizeof(unknown), "Tag 0x%04X", static_cast<unsigned>(tag));
      name = ifd_name + " " + unknown;
    }
    if (set == ExifTagSet::kMain && tag == 0x8769 && ifd_name == "Image") exif_pointer_ = values;
    if (!tags_.Set(std::move(name), std::move(printable))) failed_ = true;
  }

  std::string_view file_;
  int64_t base_;
  bool little_endian_;
  bool failed_ = false;
  uint64_t work_ = 0;
  OrderedTags tags_;
  std::optional<Values> exif_pointer_;  // the latest "Image ExifOffset"
};

}  // namespace

std::optional<std::vector<ExifTag>> ReadExifTagsLikeExifread(std::string_view file,
                                                             size_t tiff_offset,
                                                             bool little_endian) {
  return ExifreadEmulation(file, tiff_offset, little_endian).Run();
}

std::optional<uint16_t> ReadIfd0Short(std::string_view tiff, uint16_t tag) {
  if (tiff.size() < 8) return std::nullopt;
  const bool little = tiff.substr(0, 2) == "II";
  if (!little && tiff.substr(0, 2) != "MM") return std::nullopt;
  const auto read = [&](size_t position, int length) -> std::optional<uint32_t> {
    if (position > tiff.size() || tiff.size() - position < static_cast<size_t>(length)) {
      return std::nullopt;
    }
    uint32_t value = 0;
    for (int i = 0; i < length; ++i) {
      const int k = little ? length - 1 - i : i;
      value = value << 8 | static_cast<unsigned char>(tiff[position + static_cast<size_t>(k)]);
    }
    return value;
  };
  const std::optional<uint32_t> ifd = read(4, 4);
  if (!ifd) return std::nullopt;
  const std::optional<uint32_t> entries = read(*ifd, 2);
  if (!entries) return std::nullopt;
  for (uint32_t i = 0; i < *entries; ++i) {
    const size_t entry = size_t{*ifd} + 2 + size_t{12} * i;
    const std::optional<uint32_t> entry_tag = read(entry, 2);
    if (!entry_tag) return std::nullopt;  // the rest of the IFD is cut off too
    if (*entry_tag != tag) continue;
    const std::optional<uint32_t> type = read(entry + 2, 2);
    const std::optional<uint32_t> count = read(entry + 4, 4);
    if (!type || *type != kShort || !count || *count < 1) return std::nullopt;
    const std::optional<uint32_t> value = read(entry + 8, 2);
    if (!value) return std::nullopt;
    return static_cast<uint16_t>(*value);
  }
  return std::nullopt;
}

}  // namespace img2dataset
