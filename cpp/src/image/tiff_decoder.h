// TIFF decoding with libtiff: the first directory (page) of a classic or BigTIFF file, read from
// memory.
//
// The probe is libtiff's own reading of the first directory, so probe and decode cannot disagree
// on a file that states its size twice, in SLONG or LONG8 entries, or in a BigTIFF directory.
//
// What the decode gives, as OpenCV 4.6's cv::imdecode(IMREAD_UNCHANGED) does for the files it
// reads:
//   - 16-bit unsigned grey (BlackIsZero, one sample), RGB and RGBA, contiguous samples: 16 bits
//     kept, CV_16UC1 / CV_16UC3 (BGR) / CV_16UC4 (BGRA, alpha as stored);
//   - everything else libtiff's RGBA interface reads (1, 2, 4, 8 or 16 bits; grey, palette, RGB,
//     YCbCr, CMYK, CIE L*a*b*; strips or tiles; any compression libtiff decodes): 8-bit through
//     TIFFReadRGBAImageOriented, alpha premultiplied as libtiff gives it: grey without alpha
//     CV_8UC1, colour without alpha CV_8UC3 (BGR), with alpha CV_8UC4 (BGRA);
//   - upright: the Orientation tag is applied (image/orientation.h), as OpenCV applies it, so
//     that the probe's width and height are the directory's swapped for orientations 5 to 8. The
//     caller must not orient a TIFF again (as image_processor orients only JPEGs today).
// Where OpenCV differs: it keeps no alpha of grey + alpha (we give BGRA), gives CMYK four
// channels (we give BGR), refuses 2- and 4-bit samples (we decode them) and reads 16-bit
// WhiteIsZero unconverted (we give 8-bit grey, the right way up). Floating-point and 10/12/14-bit
// samples are refused (OpenCV gives CV_32F, or misreads them as 16-bit). Like OpenCV, a strip or
// tile that cannot be read fails the decode.
//
// libtiff reports errors and warnings through handlers set per open file (TIFFOpenOptions), which
// drop them: nothing is printed, and libtiff's process-wide handlers (which OpenCV sets for its
// own use) are neither called nor changed.
//
// Thread safety: free functions; each call opens its own libtiff handle.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/decoder.h"

namespace img2dataset {

// The size of the image DecodeTiff makes of the first directory (upright, see above), and what
// it makes; `animated` when a second directory follows (a multi-page file). nullopt when libtiff
// cannot read the directory or cannot decode its pixel format. No pixel buffer is allocated.
std::optional<ImageInfo> ProbeTiff(std::string_view bytes);

// The first page (see above); an empty Mat when the data is corrupt or truncated, or when the
// directory does not describe the image `info` says (nothing is allocated then).
// REQUIRES: `info` is ProbeTiff's answer for `bytes`.
cv::Mat DecodeTiff(std::string_view bytes, const ImageInfo& info);

}  // namespace img2dataset
