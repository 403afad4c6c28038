// Image format from magic bytes. The URL suffix and Content-Type are not trusted.
//
// Thread safety: free functions.
#pragma once

#include <string_view>

namespace img2dataset {

// The formats the engine decodes (image/decoder.h), then formats it recognises only to name them
// when it refuses them ("unsupported_format").
enum class ImageFormat {
  kUnknown,
  kJpeg,
  kPng,
  kWebp,
  kGif,
  kBmp,
  kTiff,
  kAvif,
  kHeif,
  kJxl,
  // Recognised, not decoded.
  kSvg,
  kJpeg2000,
  kHdr,
  kPnm,
  kPsd,
  kIco,
  kExr,
};

ImageFormat SniffImageFormat(std::string_view bytes);

// "jpeg", "png", ..., "svg", "jpeg2000"; "unknown" for kUnknown.
const char* ImageFormatName(ImageFormat format);

}  // namespace img2dataset
