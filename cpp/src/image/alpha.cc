#include "image/alpha.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <opencv2/core.hpp>

namespace img2dataset {

namespace {

// out = alpha/255 * colour + 255 - alpha, rounded half to even, as the reference does in numpy
// (float64). 16-bit images go through that formula as it is (their values clip to 255).
cv::Mat FlattenAlphaOntoWhiteAsFloat(const cv::Mat& bgra) {
  cv::Mat wide;
  bgra.convertTo(wide, CV_64F);
  cv::Mat out(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < wide.rows; ++y) {
    const double* in = wide.ptr<double>(y);
    uint8_t* row = out.ptr<uint8_t>(y);
    for (int x = 0; x < wide.cols; ++x) {
      const double alpha = in[4 * x + 3];
      for (int c = 0; c < 3; ++c) {
        const double v = std::clamp(alpha / 255 * in[4 * x + c] + 255 - alpha, 0.0, 255.0);
        row[3 * x + c] = static_cast<uint8_t>(std::nearbyint(v));
      }
    }
  }
  return out;
}

}  // namespace

// The same for 8-bit pixels, in integers and with the same result for every input: alpha*c/255
// is q + r/255 with r in 0..254, so it is never a tie (nor within float64 error of one), and it
// rounds up exactly when r >= 128, which (alpha*c + 127) / 255 computes. The result stays in
// 0..255 because alpha*c/255 <= alpha.
cv::Mat FlattenAlphaOntoWhite(const cv::Mat& bgra) {
  if (bgra.depth() != CV_8U) return FlattenAlphaOntoWhiteAsFloat(bgra);
  cv::Mat out(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const uint8_t* in = bgra.ptr<uint8_t>(y);
    uint8_t* row = out.ptr<uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x) {
      const int alpha = in[4 * x + 3];
      for (int c = 0; c < 3; ++c) {
        row[3 * x + c] = static_cast<uint8_t>((alpha * in[4 * x + c] + 127) / 255 + 255 - alpha);
      }
    }
  }
  return out;
}

}  // namespace img2dataset
