#include "image/exif_locator.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace img2dataset {

namespace {

using Outcome = ExifLocation::Outcome;

unsigned Byte(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

// s[begin:end] as Python slices it: clamped, never out of range.
std::string_view Slice(std::string_view s, size_t begin, size_t end) {
  if (begin >= s.size() || end <= begin) return {};
  return s.substr(begin, std::min(end, s.size()) - begin);
}

ExifLocation Error() { return {Outcome::kError}; }
ExifLocation Absent() { return {Outcome::kAbsent}; }

// The block starts at `offset`; exifread reads its first byte as the byte order and only knows
// 'I' (little endian), 'M', 0x01 and 'd' (big endian); other values and a missing byte raise.
ExifLocation FoundAt(std::string_view file, size_t offset) {
  if (offset >= file.size()) return Error();
  const char mark = file[offset];
  if (mark != 'I' && mark != 'M' && mark != '\x01' && mark != 'd') return Error();
  return {Outcome::kFound, offset, mark == 'I'};
}

bool IsJfifLike(std::string_view identifier) {
  return identifier == "JFIF" || identifier == "JFXX" || identifier == "OLYM" ||
         identifier == "Phot";
}

ExifLocation LocateInJpeg(std::string_view file) {
  if (file.size() < 4) return Error();  // exifread logs data[2] and data[3] unconditionally
  // Skip JFIF-like APP segments, reading the file in the pieces exifread reads: `data` is a
  // 12-byte window whose bytes 2.. sit at the next segment's marker.
  std::string_view data = Slice(file, 0, 12);
  std::string window_storage;
  size_t position = data.size();  // of the file reader
  size_t base = 2;
  while (true) {
    if (data.size() <= 2) return Error();
    if (Byte(data, 2) != 0xFF || !IsJfifLike(Slice(data, 6, 10))) break;
    const size_t length = Byte(data, 4) * 256 + Byte(data, 5);
    // read(length - 8): a negative size reads to the end of the file.
    position = length < 8 ? file.size() : std::min(file.size(), position + length - 8);
    window_storage = std::string("\xFF\x00", 2);
    window_storage += Slice(file, position, position + 10);
    position = std::min(file.size(), position + 10);
    data = window_storage;
    base = base > 2 ? base + length + 2 : length + 4;
  }

  // Walk the markers inside the first base + 4000 bytes.
  const std::string_view window = Slice(file, 0, base + 4000);
  const auto has_length_at = [&](size_t b) { return b + 3 < window.size(); };
  const auto segment_size = [&](size_t b) {
    return Byte(window, b + 2) * 256 + Byte(window, b + 3) + 2;
  };
  while (true) {
    const std::string_view marker = Slice(window, base, base + 2);
    if (marker == "\xFF\xE1") {
      if (!has_length_at(base)) return Error();
      if (Slice(window, base + 4, base + 8) == "Exif") {
        base -= 2;
        break;
      }
      base += segment_size(base);
    } else if (marker == "\xFF\xE0" || marker == "\xFF\xE2" || marker == "\xFF\xEE" ||
               marker == "\xFF\xD8" || marker == "\xFF\xEC") {
      if (!has_length_at(base)) return Error();
      base += segment_size(base);
    } else if (marker == "\xFF\xDB") {
      break;
    } else {
      if (!has_length_at(base)) return Absent();
      base += segment_size(base);
    }
  }
  if (base + 2 >= window.size()) return Error();
  if (Byte(window, base + 2) != 0xFF) return Absent();
  const std::string_view code = Slice(window, base + 6, base + 11);
  if (code.substr(0, 4) != "Exif" && code != "Ducky" && code != "Adobe") return Absent();
  return FoundAt(file, base + 12);
}

ExifLocation LocateInWebp(std::string_view file) {
  const std::string_view header = Slice(file, 12, 17);
  if (header.substr(0, 4) != "VP8X") return Absent();
  if (header.size() < 5) return Error();
  if ((Byte(header, 4) & 8) == 0) return Absent();
  uint64_t position = 30;
  while (true) {
    if (position + 8 > file.size()) return Absent();
    const std::string_view chunk = file.substr(position, 8);
    position += 8;
    if (chunk.substr(0, 4) == "EXIF") return FoundAt(file, position);
    const uint64_t size = Byte(chunk, 4) | Byte(chunk, 5) << 8 | Byte(chunk, 6) << 16 |
                          static_cast<uint64_t>(Byte(chunk, 7)) << 24;
    position += size;  // no padding byte for odd sizes, as in exifread
  }
}

}  // namespace

ExifLocation LocateExifLikeExifread(std::string_view file) {
  const std::string_view head = Slice(file, 0, 12);
  if (head.substr(0, 2) == "II" || head.substr(0, 2) == "MM") return FoundAt(file, 0);
  if (Slice(head, 4, 12) == "ftypheic") return Absent();
  if (head.substr(0, 4) == "RIFF" && Slice(head, 8, 12) == "WEBP") return LocateInWebp(file);
  if (head.substr(0, 2) == "\xFF\xD8") return LocateInJpeg(file);
  return Absent();
}

std::optional<std::string_view> FindJpegExifBlock(std::string_view jpeg) {
  if (jpeg.size() < 4 || Byte(jpeg, 0) != 0xFF || Byte(jpeg, 1) != 0xD8) return std::nullopt;
  size_t position = 2;
  while (position + 4 <= jpeg.size()) {
    if (Byte(jpeg, position) != 0xFF) return std::nullopt;
    const unsigned marker = Byte(jpeg, position + 1);
    if (marker == 0xFF) {  // fill byte
      ++position;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // no length field
      position += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan data or end of image
    const size_t length = Byte(jpeg, position + 2) * 256 + Byte(jpeg, position + 3);
    if (length < 2) return std::nullopt;
    const std::string_view segment = Slice(jpeg, position + 4, position + 2 + length);
    if (marker == 0xE1 && segment.substr(0, 6) == std::string_view("Exif\0\0", 6)) {
      return segment.substr(6);
    }
    position += 2 + length;
  }
  return std::nullopt;
}

}  // namespace img2dataset
