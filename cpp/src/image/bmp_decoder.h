// BMP decoding by a reader of our own that gives OpenCV 4.6's pixels, for the same files.
//
// stb_image (Debian's libstb-dev) was the first choice but gives other pixels: it widens 5-bit
// samples to the full range (31 -> 255, OpenCV 248), returns three channels for a grey palette
// (OpenCV one), sets all-zero alpha to opaque, reads no RLE and no header sizes but 12, 40, 56, 108
// and 124. The reader follows cv::imdecode(IMREAD_UNCHANGED) instead:
//   - headers: OS/2 1.x (12 bytes) and every Windows header of 36 bytes or more (40, 52, 56, 64,
//     108, 124); top-down when the height is negative;
//   - 1, 4 and 8 bits (palette; RLE4 and RLE8 too): CV_8UC1 when every palette entry is grey,
//     else CV_8UC3 (BGR);
//   - 16 bits (5-5-5, or 5-6-5 bit fields; low bits zero, not replicated), 24 bits: CV_8UC3;
//   - 32 bits: CV_8UC3 without bit fields (the fourth byte dropped); with bit fields CV_8UC4, each
//     channel shifted out of its mask when the header (56 bytes or more) holds the masks, the
//     bytes as stored when it does not;
//   - OS/2 1.x bitmaps decode to CV_8UC1 whatever their depth, as OpenCV does (a bug of its own,
//     kept so that the pixels stay OpenCV's);
//   - a file shorter than its rows (padding of the last row included) or an RLE stream that ends
//     before the last row is corrupt.
// One leniency: 16-bit bit fields are read where Windows headers of 40 bytes or more keep them
// (offset 54), so a V4 or V5 16-bit bitmap decodes (OpenCV reads them past the header and fails).
//
// Thread safety: free functions.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "image/decoder.h"

namespace img2dataset {

// The header's size and what DecodeBmp makes of it (depth 8, never animated); nullopt when the
// header is not one the reader decodes. Reads the header and palette only.
std::optional<ImageInfo> ProbeBmp(std::string_view bytes);

// The pixels (see above); an empty Mat when the data is corrupt or truncated (an uncompressed
// file too short for its rows fails before anything is allocated), or when the header does not
// describe the image `info` says. REQUIRES: `info` is ProbeBmp's answer for `bytes`.
cv::Mat DecodeBmp(std::string_view bytes, const ImageInfo& info);

}  // namespace img2dataset
