#include "image/sniff.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace img2dataset {

namespace {

// An ISO base media file ("....ftyp"): AVIF or HEIF by its major and compatible brands.
ImageFormat IsoMediaFormat(std::string_view b) {
  if (b.size() < 16 || b.substr(4, 4) != "ftyp") return ImageFormat::kUnknown;
  const uint32_t box_size = (uint32_t{static_cast<unsigned char>(b[0])} << 24) |
                            (uint32_t{static_cast<unsigned char>(b[1])} << 16) |
                            (uint32_t{static_cast<unsigned char>(b[2])} << 8) |
                            uint32_t{static_cast<unsigned char>(b[3])};
  const size_t end = std::min<size_t>(b.size(), std::max<uint32_t>(box_size, 16));
  constexpr std::array<std::string_view, 2> kAvif = {"avif", "avis"};
  constexpr std::array<std::string_view, 6> kHeif = {"heic", "heix", "heim",
                                                     "heis", "hevc", "hevx"};
  // The major brand (offset 8), then the compatible ones (from offset 16): an AVIF brand
  // anywhere wins over the generic "mif1" / "msf1" that both formats list.
  bool heif = false;
  for (size_t at = 8; at + 4 <= end; at += at == 8 ? 8 : 4) {
    const std::string_view brand = b.substr(at, 4);
    if (std::find(kAvif.begin(), kAvif.end(), brand) != kAvif.end()) return ImageFormat::kAvif;
    heif = heif || std::find(kHeif.begin(), kHeif.end(), brand) != kHeif.end() || brand == "mif1" ||
           brand == "msf1";
  }
  return heif ? ImageFormat::kHeif : ImageFormat::kUnknown;
}

bool LooksLikeSvg(std::string_view b) {
  const std::string_view head = b.substr(0, 1024);
  size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  if (head.substr(start, 3) == "\xEF\xBB\xBF") start += 3;  // UTF-8 BOM
  const std::string_view text = head.substr(start);
  return text.substr(0, 4) == "<svg" ||
         ((text.substr(0, 5) == "<?xml" || text.substr(0, 9) == "<!DOCTYPE") &&
          text.find("<svg") != std::string_view::npos);
}

}  // namespace

ImageFormat SniffImageFormat(std::string_view b) {
  const auto starts = [&](std::string_view magic, size_t at = 0) {
    return b.size() >= at + magic.size() && b.substr(at, magic.size()) == magic;
  };
  if (starts("\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (starts("\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (starts("RIFF") && starts("WEBP", 8)) return ImageFormat::kWebp;
  if (starts("GIF87a") || starts("GIF89a")) return ImageFormat::kGif;
  if (starts("BM")) return ImageFormat::kBmp;
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4)) ||
      starts(std::string_view("II+\0", 4)) || starts(std::string_view("MM\0+", 4))) {
    return ImageFormat::kTiff;  // classic TIFF and BigTIFF
  }
  if (const ImageFormat iso = IsoMediaFormat(b); iso != ImageFormat::kUnknown) return iso;
  if (starts("\xFF\x0A") || starts(std::string_view("\0\0\0\x0CJXL \r\n\x87\n", 12))) {
    return ImageFormat::kJxl;
  }
  if (starts(std::string_view("\0\0\0\x0CjP  \r\n\x87\n", 12)) || starts("\xFF\x4F\xFF\x51")) {
    return ImageFormat::kJpeg2000;
  }
  if (starts("#?RADIANCE") || starts("#?RGBE")) return ImageFormat::kHdr;
  if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
      (b[2] == '\n' || b[2] == '\r' || b[2] == ' ' || b[2] == '\t')) {
    return ImageFormat::kPnm;
  }
  if (starts("8BPS")) return ImageFormat::kPsd;
  if (starts(std::string_view("\0\0\1\0", 4))) return ImageFormat::kIco;
  if (starts("\x76\x2F\x31\x01")) return ImageFormat::kExr;
  if (LooksLikeSvg(b)) return ImageFormat::kSvg;
  return ImageFormat::kUnknown;
}

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kUnknown:
      return "unknown";
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kWebp:
      return "webp";
    case ImageFormat::kGif:
      return "gif";
    case ImageFormat::kBmp:
      return "bmp";
    case ImageFormat::kTiff:
      return "tiff";
    case ImageFormat::kAvif:
      return "avif";
    case ImageFormat::kHeif:
      return "heif";
    case ImageFormat::kJxl:
      return "jpeg xl";
    case ImageFormat::kSvg:
      return "svg";
    case ImageFormat::kJpeg2000:
      return "jpeg 2000";
    case ImageFormat::kHdr:
      return "radiance hdr";
    case ImageFormat::kPnm:
      return "pnm";
    case ImageFormat::kPsd:
      return "psd";
    case ImageFormat::kIco:
      return "ico";
    case ImageFormat::kExr:
      return "openexr";
  }
  return "unknown";
}

}  // namespace img2dataset
