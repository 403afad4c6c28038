// HEIF (HEIC: HEVC in HEIF) decoding with libheif (HEVC through libde265): the probe reads the
// boxes only, the decoder decodes the primary image into a buffer of the probed size.
//
// What the decoder returns: 8-bit BGR, or BGRA when the primary image has an alpha image; 10-
// and 12-bit images are scaled to 8 bits; monochrome images come out as BGR. The image is as it
// is shown: the clean aperture (clap) crops the codec's padding and irot / imir turn it upright
// (HEIC has no EXIF orientation applied later), and the probe reports that size. A crop beyond
// the padding is probed at the stored size (what decoding costs, for the bomb guard) and then
// fails to decode. The colour profile is not used, as OpenCV ignores colour profiles. Alpha is
// returned as stored, premultiplied when the file says so ('prem').
//
// Only the file's items are read (libheif 1.15 does not read HEIF image sequences): a file with
// several top-level images is reported as animated, and its primary image is the one decoded.
//
// Thread safety: free functions; each call makes its own libheif context, which decodes grid
// tiles one after the other (libde265 decodes each HEVC image on one worker thread of its own
// while the calling thread waits: one core per call). The first call initialises libheif once
// (heif_init, never undone).
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/decoder.h"

namespace img2dataset {

// The stored size of the primary image, whether it has alpha (channels 4), and whether the file
// holds several top-level images; depth is always 8. Decodes nothing. nullopt when the boxes are
// not a readable HEIF.
std::optional<ImageInfo> ProbeHeif(std::string_view bytes);

// The primary image as described above; an empty Mat when the data is corrupt or truncated, or
// when it decodes to another size than `info` says. libheif is told the probe's size (the larger
// side, as libheif 1.15 limits width and height, not pixels) as its limit for the boxes and the
// grid canvas; an HEVC stream that is larger than its box says is decoded by libde265 before the
// size check refuses it.
// REQUIRES: `info` is ProbeHeif's answer for `bytes`.
cv::Mat DecodeHeif(std::string_view bytes, const ImageInfo& info);

}  // namespace img2dataset
