// AVIF decoding with libavif (AV1 through dav1d): the probe parses the boxes only, the decoder
// decodes the primary image (or the first frame of a sequence) into a buffer of the probed size.
//
// What the decoder returns: 8-bit BGR, or BGRA when the file has an alpha item (straight alpha:
// premultiplied files are divided back); 10- and 12-bit images are scaled to 8 bits; greyscale
// (4:0:0) images come out as BGR. The image is shown as the file says (libavif leaves that to
// its callers): cropped by its clap box, then turned by irot and mirrored by imir, as HEIC is
// (a clap that takes more than the coding padding from a side is ignored: the size the probe
// reports is then the stored one, which is what decoding costs). An Exif orientation is
// ignored, as the format says. The ICC profile or CICP colour description is not used beyond
// the YUV-to-RGB matrix, as OpenCV ignores colour profiles.
//
// Thread safety: free functions; each call makes its own single-threaded libavif decoder.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/decoder.h"

namespace img2dataset {

// The size the primary image (a sequence's track) is shown at, whether it has alpha (channels
// 4) and whether it is a sequence of several frames; depth is always 8. Reads the container
// only: no AV1 data is decoded. nullopt when the boxes are not a readable AVIF.
//
// libavif 0.11 refuses to parse a file that claims more than 16384 x 16384 pixels: for those the
// probe reads the primary item's 'ispe' box itself and reports that size (channels 3, not
// animated), so that the engine refuses it as too large; such a file never decodes.
std::optional<ImageInfo> ProbeAvif(std::string_view bytes);

// The first image as described above, of the size `info` says; an empty Mat when the data is
// corrupt or truncated. libavif and dav1d are told the stored size as their limit: an AV1 frame
// larger than its item's 'ispe' box is refused before it is allocated, and a smaller one is
// scaled up to the box by libavif.
// REQUIRES: `info` is ProbeAvif's answer for `bytes`.
cv::Mat DecodeAvif(std::string_view bytes, const ImageInfo& info);

}  // namespace img2dataset
