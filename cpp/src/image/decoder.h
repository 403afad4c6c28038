// The decoder table: one entry per format the engine decodes, each on the format's own library
// (image/<format>_decoder.h). A format outside the table is refused ("unsupported_format")
// without decoding anything.
//
// Every entry probes first: Probe reads the header alone, with no pixel buffer allocated, so that
// max_image_pixels and the size filters refuse an image before it costs memory. Decode then
// never makes an image larger than its probe said (a file whose data claims more fails).
//
// Thread safety: the table is immutable; probes and decoders are free functions.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/sniff.h"

namespace img2dataset {

struct ImageInfo {
  // As the decode gives it: turned as shown for the formats whose container or codestream says
  // how (TIFF, HEIC, AVIF, JPEG XL), before the EXIF orientation of a JPEG.
  int width = 0;
  int height = 0;
  int channels = 0;       // of the decoded image: 1 (grey), 3 (BGR) or 4 (BGRA)
  int depth = 8;          // bits per channel of the decoded image: 8 or 16
  bool animated = false;  // several frames: the first is decoded
};

// nullopt when the header is not readable as the format.
using ProbeFunction = std::optional<ImageInfo> (*)(std::string_view bytes);
// As cv::imdecode(IMREAD_UNCHANGED) gives it: 8- or 16-bit (`info.depth`) grey, BGR or BGRA.
// An empty Mat when the data is corrupt. REQUIRES: `info` is the probe's answer for `bytes`.
using DecodeFunction = cv::Mat (*)(std::string_view bytes, const ImageInfo& info);

struct Decoder {
  ImageFormat format;
  ProbeFunction probe;
  DecodeFunction decode;
};

// The table's entry for `format`; nullptr for a format the engine does not decode.
const Decoder* FindDecoder(ImageFormat format);

}  // namespace img2dataset
