// Area (box-integral) downscaling of 8-bit images: the same filter as OpenCV's INTER_AREA when
// shrinking, in fixed point, several times faster.
//
// Each output pixel is the mean of the source rectangle it covers, source pixels cut by its
// edges counting with the fraction covered. The filter is separable: rows are combined first
// (a weighted sum of whole rows, which vectorises), then the columns of the few rows left. The
// result differs from OpenCV's float computation by at most one level.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

namespace img2dataset {

// A view of 8-bit pixels, `channels` interleaved, `stride` bytes from one row to the next.
struct PixelView {
  uint8_t* data = nullptr;
  int width = 0, height = 0;
  int stride = 0;
};
struct ConstPixelView {
  const uint8_t* data = nullptr;
  int width = 0, height = 0;
  int stride = 0;
};

// True when AreaResize handles the pair: a shrink (or equal size) along both axes.
bool AreaResizeApplies(int source_width, int source_height, int target_width, int target_height);

// Shrinks `source` into `target` (their sizes give the scale), `channels` 1, 3 or 4.
// REQUIRES: AreaResizeApplies(source and target sizes), sizes > 0, views do not overlap.
void AreaResize(const ConstPixelView& source, const PixelView& target, int channels);

}  // namespace img2dataset
