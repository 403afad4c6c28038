// Output geometry of each resize mode, with the reference img2dataset's exact rounding.
//
// Pure arithmetic, separate from pixels so that it can be tested as a table.
#pragma once

#include "img2dataset/options.h"

namespace img2dataset {

struct ResizePlan {
  // True when the mode acted: the image must be re-encoded even if its size did not change.
  bool acts = false;
  // Size after scaling; equal to the source size when no resampling is needed.
  int scaled_width = 0, scaled_height = 0;
  Interpolation interpolation = Interpolation::kArea;
  // center_crop: the window kept from the scaled image.
  bool crop = false;
  int crop_x = 0, crop_y = 0, crop_width = 0, crop_height = 0;
  // border: white padding added around the scaled image.
  bool pad = false;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  // Final size.
  int width = 0, height = 0;

  bool resample(int source_width, int source_height) const {
    return scaled_width != source_width || scaled_height != source_height;
  }
};

// REQUIRES: width > 0, height > 0
ResizePlan PlanResize(int width, int height, const ImageOptions& options);

}  // namespace img2dataset
