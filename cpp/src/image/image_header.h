// Image dimensions read from the header alone, so that decompression bombs are refused and
// size filters applied before any pixel is decoded.
//
// Thread safety: free function.
#pragma once

#include <optional>
#include <string_view>

#include "image/sniff.h"

namespace img2dataset {

struct ImageSize {
  int width = 0;
  int height = 0;
};

// PNG, JPEG and GIF headers (the decoder table's probes for those formats; the others probe
// with their own libraries); nullopt for other formats or unreadable headers.
std::optional<ImageSize> ReadImageSize(std::string_view bytes, ImageFormat format);

}  // namespace img2dataset
