// PNG decoding for the common web case — 8-bit grey, RGB or RGBA, not interlaced, no
// transparency chunk — with libdeflate's inflate and SSE2 unfiltering.
//
// Debian's libpng (1.6.39) unfilters Paeth rows one byte at a time and inflates through zlib
// 1.2.13: photographic PNGs cost about 15 ms each, a third of the bench corpus's decoding time
// for 5 % of its images. libdeflate inflates the whole image data in one call and the Paeth and
// Average filters run one pixel per step in SIMD registers; the pixels are the same as libpng's.
//
// Anything else — palettes, 16 bits, interlacing, tRNS, a bad CRC or checksum, a truncated or
// unusual file — returns an empty Mat, and the caller decodes it with OpenCV (libpng) as before:
// this path gives libpng's pixels or gives up, and never accepts a file libpng refuses.
//
// Thread safety: a free function; each thread keeps its own decompressor.
#pragma once

#include <opencv2/core.hpp>
#include <string_view>

namespace img2dataset {

// 8-bit BGR, BGRA or grey, as cv::imdecode(IMREAD_UNCHANGED) gives; empty when the file is not
// one this path decodes (see above).
cv::Mat DecodePng(std::string_view bytes);

// Reverses the PNG filter `type` of one row in place: `row` holds `length` bytes of pixels of
// `bytes_per_pixel` bytes, `prior` the row above, already unfiltered (zeros for the first row).
// Both may be read up to 3 bytes past `length`. False for a filter type above 4.
bool UnfilterPngRow(int type, uint8_t* row, const uint8_t* prior, size_t length,
                    int bytes_per_pixel);

}  // namespace img2dataset
