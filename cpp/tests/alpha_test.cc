#include "image/alpha.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace img2dataset {
namespace {

// The reference's numpy expression, in float64, for one channel.
int ReferenceFlatten(int colour, int alpha) {
  const double v = std::clamp(alpha / 255.0 * colour + 255 - alpha, 0.0, 255.0);
  return static_cast<int>(std::nearbyint(v));
}

TEST(FlattenAlphaOntoWhite, EqualsTheReferenceFormulaForEveryEightBitPair) {
  cv::Mat bgra(256, 256, CV_8UC4);
  for (int alpha = 0; alpha < 256; ++alpha) {
    for (int colour = 0; colour < 256; ++colour) {
      bgra.at<cv::Vec4b>(alpha, colour) = cv::Vec4b(colour, 255 - colour, colour / 2, alpha);
    }
  }
  const cv::Mat out = FlattenAlphaOntoWhite(bgra);
  ASSERT_EQ(out.type(), CV_8UC3);
  int mismatches = 0;
  for (int alpha = 0; alpha < 256; ++alpha) {
    for (int colour = 0; colour < 256; ++colour) {
      const cv::Vec3b& got = out.at<cv::Vec3b>(alpha, colour);
      const int channels[3] = {colour, 255 - colour, colour / 2};
      for (int c = 0; c < 3; ++c) mismatches += got[c] != ReferenceFlatten(channels[c], alpha);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(FlattenAlphaOntoWhite, SixteenBitValuesClipAsInTheReference) {
  cv::Mat bgra(1, 2, CV_16UC4);
  // alpha 65535: 65535/255 * 1000 + 255 - 65535 > 255, 0 + 255 - 65535 < 0: both clip.
  bgra.at<cv::Vec4w>(0, 0) = cv::Vec4w(1000, 0, 65535, 65535);
  bgra.at<cv::Vec4w>(0, 1) = cv::Vec4w(0, 0, 0, 0);  // transparent: white
  const cv::Mat out = FlattenAlphaOntoWhite(bgra);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 255));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 255, 255));
}

}  // namespace
}  // namespace img2dataset
