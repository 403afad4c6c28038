// EXIF orientation: read the tag, turn the decoded pixels upright.
//
// Thread safety: free functions.
#pragma once

#include <opencv2/core.hpp>
#include <string_view>

namespace img2dataset {

// The EXIF Orientation tag of a JPEG (1 to 8), or 1 when absent or invalid.
int ExifOrientation(std::string_view image_bytes);

// True for orientations 5 to 8, which swap width and height.
inline bool OrientationSwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

// Rotates and mirrors `image` so that it displays upright.
cv::Mat ApplyOrientation(const cv::Mat& image, int orientation);

}  // namespace img2dataset
