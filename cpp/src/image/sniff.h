// Image format from magic bytes. The URL suffix and Content-Type are not trusted.
#pragma once

#include <string_view>

namespace img2dataset {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp, kGif, kBmp, kTiff };

ImageFormat SniffImageFormat(std::string_view bytes);

}  // namespace img2dataset
