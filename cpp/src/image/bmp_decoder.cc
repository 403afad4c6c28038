#include "image/bmp_decoder.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace img2dataset {

namespace {

constexpr size_t kFileHeaderBytes = 14;
constexpr size_t kMaskOffset = kFileHeaderBytes + 40;  // where Windows headers keep bit fields
constexpr int64_t kMaxSide = int64_t{1} << 30;

enum Compression : uint32_t { kRgb = 0, kRle8 = 1, kRle4 = 2, kBitFields = 3 };

struct Bgr {
  uint8_t b = 0, g = 0, r = 0;
};

// Rec. 601 luma in OpenCV's 14-bit fixed point (its BMP reader's grey conversion): 0.299 and
// 0.587 of 2^14 rounded, blue the rest, so that a grey pixel keeps its value.
uint8_t Grey(uint8_t b, uint8_t g, uint8_t r) {
  constexpr int kScale = 14;
  constexpr int kR = 4899;
  constexpr int kG = 9617;
  constexpr int kB = (1 << kScale) - kR - kG;
  return static_cast<uint8_t>((b * kB + g * kG + r * kR + (1 << (kScale - 1))) >> kScale);
}

struct BmpHeader {
  int width = 0, height = 0;
  bool bottom_up = true;
  int bits = 0;  // 15 for 16-bit 5-5-5
  uint32_t compression = kRgb;
  int channels = 0;  // of the decoded image: 1, 3 or 4
  uint64_t data_offset = 0;
  std::array<Bgr, 256> palette{};  // entries past the file's are black, as OpenCV leaves them
  std::array<uint8_t, 256> grey_palette{};
  // 32-bit bit fields: R, G, B, A masks and their shifts; `masked` when R, G and B are set.
  std::array<uint32_t, 4> masks{};
  std::array<int, 4> shifts{-1, -1, -1, -1};
  bool masked = false;
};

class Bytes {
 public:
  explicit Bytes(std::string_view bytes) : bytes_(bytes) {}
  bool Has(uint64_t at, uint64_t n) const { return at <= bytes_.size() && n <= bytes_.size() - at; }
  uint8_t U8(uint64_t at) const { return static_cast<uint8_t>(bytes_[at]); }
  uint32_t U16(uint64_t at) const { return U8(at) | uint32_t{U8(at + 1)} << 8; }
  uint32_t U32(uint64_t at) const { return U16(at) | U16(at + 2) << 16; }
  const uint8_t* Data(uint64_t at) const {
    return reinterpret_cast<const uint8_t*>(bytes_.data()) + at;
  }
  uint64_t size() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

// The header of 36 bytes or more (Windows, OS/2 2.x), as OpenCV's reader takes it.
bool ReadWindowsHeader(const Bytes& in, uint32_t header_size, BmpHeader& h) {
  if (!in.Has(kFileHeaderBytes, 36)) return false;
  const auto width = static_cast<int32_t>(in.U32(18));
  const auto height = static_cast<int32_t>(in.U32(22));
  h.bits = static_cast<int>(in.U16(28));
  h.compression = in.U32(30);
  const uint32_t colours_used = in.U32(46);
  const bool rgb = h.compression == kRgb, fields = h.compression == kBitFields;
  const int b = h.bits;
  const bool supported = ((b == 1 || b == 4 || b == 8 || b == 24 || b == 32) && rgb) ||
                         ((b == 16 || b == 32) && (rgb || fields)) ||
                         (b == 4 && h.compression == kRle4) || (b == 8 && h.compression == kRle8);
  if (width <= 0 || height == 0 || height == std::numeric_limits<int32_t>::min() || !supported) {
    return false;
  }
  h.width = width;
  h.height = std::abs(height);
  h.bottom_up = height > 0;
  h.channels = 3;
  const uint64_t after_header = uint64_t{kFileHeaderBytes} + header_size;
  if (b <= 8) {
    if (colours_used > 256) return false;
    const uint32_t entries = colours_used == 0 ? 1u << b : colours_used;
    if (!in.Has(after_header, uint64_t{4} * entries)) return false;
    for (uint32_t i = 0; i < entries; ++i) {
      const uint64_t at = after_header + 4 * uint64_t{i};
      h.palette[i] = Bgr{in.U8(at), in.U8(at + 1), in.U8(at + 2)};
    }
    bool grey = true;
    for (int i = 0; i < (1 << b); ++i) {
      grey = grey && h.palette[i].b == h.palette[i].g && h.palette[i].b == h.palette[i].r;
    }
    if (grey) h.channels = 1;
  } else if (b == 16 && fields) {
    if (!in.Has(kMaskOffset, 12)) return false;
    const uint32_t red = in.U32(kMaskOffset), green = in.U32(kMaskOffset + 4),
                   blue = in.U32(kMaskOffset + 8);
    if (blue == 0x1f && green == 0x3e0 && red == 0x7c00) {
      h.bits = 15;
    } else if (!(blue == 0x1f && green == 0x7e0 && red == 0xf800)) {
      return false;
    }
  } else if (b == 16) {
    h.bits = 15;
  } else if (b == 32 && fields) {
    h.channels = 4;
    if (header_size >= 56) {  // the masks, after the "important colours" field
      if (!in.Has(kMaskOffset, 16)) return false;
      for (int i = 0; i < 4; ++i) {
        const uint32_t mask = in.U32(kMaskOffset + size_t{4} * i);
        h.masks[i] = mask;
        if (mask != 0) h.shifts[i] = __builtin_ctz(mask);
      }
      h.masked = h.shifts[0] >= 0 && h.shifts[1] >= 0 && h.shifts[2] >= 0;
    }
  }
  return true;
}

// OS/2 1.x: 16-bit unsigned sizes, bottom-up, palette of 3-byte entries. OpenCV decodes these to
// grey whatever their depth.
bool ReadCoreHeader(const Bytes& in, BmpHeader& h) {
  if (!in.Has(kFileHeaderBytes, 12)) return false;
  h.width = static_cast<int>(in.U16(18));
  h.height = static_cast<int>(in.U16(20));
  h.bits = static_cast<int>(in.U16(24));
  h.compression = kRgb;
  h.bottom_up = true;
  h.channels = 1;
  const int b = h.bits;
  if (h.width == 0 || h.height == 0 || !(b == 1 || b == 4 || b == 8 || b == 24 || b == 32)) {
    return false;
  }
  if (b <= 8) {
    const uint64_t at = kFileHeaderBytes + 12;
    if (!in.Has(at, uint64_t{3} << b)) return false;
    for (uint64_t i = 0; i < (uint64_t{1} << b); ++i) {
      h.palette[i] = Bgr{in.U8(at + 3 * i), in.U8(at + 3 * i + 1), in.U8(at + 3 * i + 2)};
    }
  }
  return true;
}

std::optional<BmpHeader> ReadHeader(std::string_view bytes) {
  const Bytes in(bytes);
  if (!in.Has(0, kFileHeaderBytes + 4) || bytes.substr(0, 2) != "BM") return std::nullopt;
  BmpHeader h;
  h.data_offset = in.U32(10);
  const uint32_t header_size = in.U32(kFileHeaderBytes);
  // OpenCV reads both as ints: a negative pixel offset or header size is refused.
  if (h.data_offset > 0x7fffffffu || header_size > 0x7fffffffu) return std::nullopt;
  const bool read = header_size >= 36   ? ReadWindowsHeader(in, header_size, h)
                    : header_size == 12 ? ReadCoreHeader(in, h)
                                        : false;
  if (!read || h.width > kMaxSide || h.height > kMaxSide) return std::nullopt;
  for (int i = 0; i < 256; ++i) {
    h.grey_palette[i] = Grey(h.palette[i].b, h.palette[i].g, h.palette[i].r);
  }
  return h;
}

// ---- writing pixels ----

// One output row at a time; `x` is in pixels.
class RowWriter {
 public:
  RowWriter(const BmpHeader& h, cv::Mat& out) : h_(h), out_(out) {}
  uint8_t* Row(int y) { return out_.ptr(h_.bottom_up ? h_.height - 1 - y : y); }
  void PutIndex(uint8_t* row, int x, int index) const {
    if (h_.channels == 1) {
      row[x] = h_.grey_palette[index];
    } else {
      const Bgr& c = h_.palette[index];
      uint8_t* pixel = row + size_t{3} * static_cast<size_t>(x);
      pixel[0] = c.b;
      pixel[1] = c.g;
      pixel[2] = c.r;
    }
  }

 private:
  const BmpHeader& h_;
  cv::Mat& out_;
};

void DecodeRow(const BmpHeader& h, const uint8_t* src, uint8_t* row, const RowWriter& writer) {
  const int width = h.width;
  switch (h.bits) {
    case 1:
      for (int x = 0; x < width; ++x) writer.PutIndex(row, x, (src[x >> 3] >> (7 - (x & 7))) & 1);
      break;
    case 4:
      for (int x = 0; x < width; ++x) {
        writer.PutIndex(row, x, (x & 1) ? src[x >> 1] & 15 : src[x >> 1] >> 4);
      }
      break;
    case 8:
      for (int x = 0; x < width; ++x) writer.PutIndex(row, x, src[x]);
      break;
    case 15:
    case 16:
      for (int x = 0; x < width; ++x, row += 3) {
        const uint8_t* pixel = src + size_t{2} * static_cast<size_t>(x);
        const uint32_t t = pixel[0] | uint32_t{pixel[1]} << 8;
        row[0] = static_cast<uint8_t>((t << 3) & 0xf8);
        row[1] = static_cast<uint8_t>(h.bits == 15 ? (t >> 2) & 0xf8 : (t >> 3) & 0xfc);
        row[2] = static_cast<uint8_t>((t >> (h.bits == 15 ? 7 : 8)) & 0xf8);
      }
      break;
    case 24:
    case 32: {
      const int step = h.bits / 8;
      if (h.channels == 1) {
        for (int x = 0; x < width; ++x, src += step) row[x] = Grey(src[0], src[1], src[2]);
      } else if (h.channels == 3) {
        for (int x = 0; x < width; ++x, src += step, row += 3) std::memcpy(row, src, 3);
      } else if (!h.masked) {
        std::memcpy(row, src, size_t{4} * static_cast<size_t>(width));
      } else {
        for (int x = 0; x < width; ++x, src += 4, row += 4) {
          const uint32_t v =
              src[0] | uint32_t{src[1]} << 8 | uint32_t{src[2]} << 16 | uint32_t{src[3]} << 24;
          const auto channel = [&](int i) {
            return static_cast<uint8_t>((h.masks[i] & v) >> h.shifts[i]);
          };
          row[0] = channel(2);
          row[1] = channel(1);
          row[2] = channel(0);
          row[3] = h.shifts[3] >= 0 ? channel(3) : 255;
        }
      }
      break;
    }
    default:
      break;
  }
}

cv::Mat DecodeUncompressed(std::string_view bytes, const BmpHeader& h) {
  const Bytes in(bytes);
  const uint64_t pitch = ((uint64_t{static_cast<uint32_t>(h.width)} *
                               static_cast<uint32_t>(h.bits == 15 ? 16 : h.bits) +
                           7) /
                              8 +
                          3) &
                         ~uint64_t{3};
  // OpenCV reads whole rows, the last one's padding included.
  if (!in.Has(h.data_offset, pitch * static_cast<uint64_t>(h.height))) return {};
  cv::Mat out(h.height, h.width, CV_MAKETYPE(CV_8U, h.channels));
  RowWriter writer(h, out);
  for (int y = 0; y < h.height; ++y) {
    DecodeRow(h, in.Data(h.data_offset + pitch * static_cast<uint64_t>(y)), writer.Row(y), writer);
  }
  return out;
}

// An RLE stream as OpenCV's reader walks it: a cursor over the rows in file order, which painting
// moves forward, and fills with palette entry 0 where the stream skips (end of line, end of
// bitmap, delta). Decoding succeeds once the cursor passes the last row; a run that would cross
// the end of a row, or a stream that ends first, is corrupt.
class RleCanvas {
 public:
  RleCanvas(const BmpHeader& h, cv::Mat& out) : h_(h), writer_(h, out) {}
  bool done() const { return y_ >= h_.height; }
  int x() const { return x_; }
  int y() const { return y_; }
  bool Fits(int count) const { return x_ + count <= h_.width; }
  // REQUIRES: !done() and Fits(1).
  void Put(int index) { writer_.PutIndex(writer_.Row(y_), x_++, index); }
  // Moves to the next row when the cursor is at the end of this one.
  void WrapAtEnd() {
    if (x_ >= h_.width) {
      x_ = 0;
      ++y_;
    }
  }
  // Paints `count` pixels of entry 0, row after row, as OpenCV's FillUniColor does: a cursor at
  // the end of its row moves to the next one even for a count of 0.
  void Fill(int64_t count) {
    do {
      const int end = static_cast<int>(std::min<int64_t>(x_ + count, h_.width));
      count -= end - x_;
      while (x_ < end) Put(0);
      if (x_ >= h_.width) {
        x_ = 0;
        if (++y_ >= h_.height) break;
      }
    } while (count > 0);
  }

 private:
  const BmpHeader& h_;
  RowWriter writer_;
  int x_ = 0, y_ = 0;
};

bool DecodeRle8(const Bytes& in, const BmpHeader& h, RleCanvas& canvas) {
  uint64_t at = h.data_offset;
  bool wrapped = false;  // the last run ended its row: an end-of-line code right after is a no-op
  for (;;) {
    if (!in.Has(at, 2)) return false;
    const int count = in.U8(at), code = in.U8(at + 1);
    at += 2;
    if (count != 0) {  // a run of one index
      if (!canvas.Fits(count)) return false;
      const int y = canvas.y();
      for (int i = 0; i < count; ++i) canvas.Put(code);
      canvas.WrapAtEnd();
      wrapped = canvas.y() != y;
      if (canvas.done()) return true;
    } else if (code > 2) {  // literal indices, padded to an even count
      const int padded = (code + 1) & ~1;
      if (!canvas.Fits(code) || !in.Has(at, padded)) return false;
      for (int i = 0; i < code; ++i) canvas.Put(in.U8(at + i));
      at += padded;
      wrapped = false;
    } else {  // 0: end of line, 1: end of bitmap, 2: delta
      int64_t skip_x = h.width - canvas.x();
      int64_t skip_y = h.height - canvas.y();
      if (code != 0 || !wrapped || canvas.x() > 0) {
        if (code == 2) {
          if (!in.Has(at, 2)) return false;
          skip_x = in.U8(at);
          skip_y = in.U8(at + 1);
          at += 2;
        }
        if (code != 0) skip_x += skip_y * h.width;
        canvas.Fill(skip_x);
        if (canvas.done()) return true;
      }
      wrapped = false;
    }
  }
}

bool DecodeRle4(const Bytes& in, const BmpHeader& h, RleCanvas& canvas) {
  uint64_t at = h.data_offset;
  for (;;) {
    if (!in.Has(at, 2)) return false;
    const int count = in.U8(at), code = in.U8(at + 1);
    at += 2;
    if (count != 0) {  // a run alternating two indices
      if (!canvas.Fits(count)) return false;
      for (int i = 0; i < count; ++i) canvas.Put((i & 1) ? code & 15 : code >> 4);
    } else if (code > 2) {  // literal indices, two a byte, padded to an even byte count
      const int padded = (((code + 1) >> 1) + 1) & ~1;
      if (!canvas.Fits(code) || !in.Has(at, padded)) return false;
      for (int i = 0; i < code; ++i) {
        const uint8_t pair = in.U8(at + (i >> 1));
        canvas.Put((i & 1) ? pair & 15 : pair >> 4);
      }
      at += padded;
    } else {
      // OpenCV moves the cursor to the end of the line for all three codes, by the delta's x for
      // a delta (its y is ignored), and ends only when the last row is passed.
      int64_t skip_x = h.width - canvas.x();
      if (code == 2) {
        if (!in.Has(at, 2)) return false;
        skip_x = in.U8(at);
        at += 2;
      }
      canvas.Fill(skip_x);
      if (canvas.done()) return true;
    }
  }
}

cv::Mat DecodeRle(std::string_view bytes, const BmpHeader& h) {
  cv::Mat out(h.height, h.width, CV_MAKETYPE(CV_8U, h.channels));
  RleCanvas canvas(h, out);
  const Bytes in(bytes);
  const bool ok = h.compression == kRle8 ? DecodeRle8(in, h, canvas) : DecodeRle4(in, h, canvas);
  if (!ok) return {};
  return out;
}

}  // namespace

std::optional<ImageInfo> ProbeBmp(std::string_view bytes) {
  const std::optional<BmpHeader> header = ReadHeader(bytes);
  if (!header) return std::nullopt;
  ImageInfo info;
  info.width = header->width;
  info.height = header->height;
  info.channels = header->channels;
  info.depth = 8;
  return info;
}

cv::Mat DecodeBmp(std::string_view bytes, const ImageInfo& info) {
  const std::optional<BmpHeader> header = ReadHeader(bytes);
  if (!header || header->width != info.width || header->height != info.height ||
      header->channels != info.channels || info.depth != 8) {
    return {};
  }
  if (header->compression == kRle8 || header->compression == kRle4) {
    return DecodeRle(bytes, *header);
  }
  return DecodeUncompressed(bytes, *header);
}

}  // namespace img2dataset
