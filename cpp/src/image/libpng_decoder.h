// PNG decoding through libpng, as OpenCV's imdecode(IMREAD_UNCHANGED) does it: palettes and
// low-bit grey expanded to 8 bits, 16 bits kept, tRNS as alpha on colour images, grey+alpha as
// BGRA, BGR order, interlacing handled. The fast path (image/png_decoder.h) takes the common
// 8-bit files; this one takes every other.
//
// Thread safety: a free function.
#pragma once

#include <opencv2/core.hpp>
#include <string_view>

namespace img2dataset {

// 8- or 16-bit grey, BGR or BGRA; an empty Mat on a libpng error, or when the image is not
// `width` x `height` (the size the caller probed).
cv::Mat DecodePngWithLibpng(std::string_view bytes, int width, int height);

}  // namespace img2dataset
