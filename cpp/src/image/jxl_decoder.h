// JPEG XL decoding with libjxl: the probe stops at the basic info (the codestream header), the
// decoder decodes the first frame into a buffer of the probed size.
//
// What the decoder returns: 8-bit BGR, or BGRA when the image has an alpha channel (straight
// alpha: libjxl divides premultiplied files back); images of more bits, or float, are scaled to 8
// bits; greyscale images come out as BGR. The image is turned as it is shown: libjxl applies the
// orientation field of the codestream header (an Exif box's orientation is ignored, as the
// format says it must be; the probe's size is the turned one). Colour profiles are not
// applied by the engine either, as OpenCV ignores them: the pixels are in libjxl's default output
// space (the image's own colour space for a lossless file).
//
// Thread safety: free functions; each call makes its own libjxl decoder, without a parallel
// runner (one thread: the engine runs one image per core).
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/decoder.h"

namespace img2dataset {

// The stored size (before orientation), whether there is an alpha channel (channels 4) and
// whether the image is an animation; depth is always 8. Reads the header only. nullopt when the
// bytes are not a JPEG XL header (codestream or container) that libjxl reads.
std::optional<ImageInfo> ProbeJxl(std::string_view bytes);

// The first frame as described above, of the probed size; an empty Mat when the data is corrupt
// or truncated, or when its header is not the one `info` describes. The output buffer is
// allocated when libjxl asks for it, after the first frame's header: a header alone costs none.
// REQUIRES: `info` is ProbeJxl's answer for `bytes`.
cv::Mat DecodeJxl(std::string_view bytes, const ImageInfo& info);

}  // namespace img2dataset
