#include "image/area_resize.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <tuple>
#include <vector>

namespace img2dataset {
namespace {

cv::Mat Shrink(const cv::Mat& source, int width, int height) {
  cv::Mat target(height, width, source.type(), cv::Scalar::all(7));
  AreaResize(ConstPixelView{source.data, source.cols, source.rows, static_cast<int>(source.step)},
             PixelView{target.data, target.cols, target.rows, static_cast<int>(target.step)},
             source.channels());
  return target;
}

cv::Mat OpenCvShrink(const cv::Mat& source, int width, int height) {
  cv::Mat target;
  cv::resize(source, target, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  return target;
}

// Photographs are smooth with edges; uniform noise is the hardest case for rounding, a ramp and
// a hard edge the easiest to see wrong.
cv::Mat TestImage(int width, int height, int channels, int seed) {
  cv::Mat noise(height, width, CV_8UC(channels));
  cv::RNG rng(static_cast<uint64_t>(seed));
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width / 3; ++x) {
      for (int c = 0; c < channels; ++c) {
        noise.ptr<uint8_t>(y)[x * channels + c] = static_cast<uint8_t>((x + 2 * y + c) % 256);
      }
    }
  }
  noise(cv::Rect(width / 2, 0, width - width / 2, height / 2)).setTo(cv::Scalar::all(255));
  return noise;
}

int MaxDifference(const cv::Mat& a, const cv::Mat& b) {
  double max_value = 0;
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::minMaxLoc(diff.reshape(1), nullptr, &max_value);
  return static_cast<int>(max_value);
}

using Case = std::tuple<int, int, int, int, int>;  // source w, h, target w, h, channels

class AreaResizeVsOpenCv : public testing::TestWithParam<Case> {};

// Within one level of OpenCV's INTER_AREA everywhere: integer and fractional factors, each axis
// alone, odd sizes, large factors, a one-pixel target.
TEST_P(AreaResizeVsOpenCv, WithinOneLevel) {
  const auto [sw, sh, tw, th, channels] = GetParam();
  const cv::Mat source = TestImage(sw, sh, channels, sw * 31 + th);
  const cv::Mat ours = Shrink(source, tw, th), reference = OpenCvShrink(source, tw, th);
  ASSERT_EQ(ours.size(), reference.size());
  EXPECT_LE(MaxDifference(ours, reference), 1);
}

INSTANTIATE_TEST_SUITE_P(Sizes, AreaResizeVsOpenCv,
                         testing::Values(Case{800, 560, 256, 179, 1}, Case{800, 560, 256, 179, 3},
                                         Case{401, 281, 128, 90, 1}, Case{640, 480, 320, 240, 3},
                                         Case{640, 480, 160, 120, 4}, Case{1000, 700, 384, 269, 3},
                                         Case{517, 389, 517, 100, 1}, Case{517, 389, 100, 389, 3},
                                         Case{4000, 3000, 256, 192, 1}, Case{33, 17, 1, 1, 3},
                                         Case{300, 300, 299, 299, 1}, Case{97, 61, 96, 61, 4},
                                         Case{5, 3, 5, 3, 1}));

TEST(AreaResize, FlatImageStaysFlat) {
  for (const int value : {0, 1, 127, 254, 255}) {
    const cv::Mat source(377, 523, CV_8UC3, cv::Scalar::all(value));
    const cv::Mat out = Shrink(source, 131, 97);
    double low = 0, high = 0;
    cv::minMaxLoc(out.reshape(1), &low, &high);
    EXPECT_EQ(low, value);
    EXPECT_EQ(high, value);
  }
}

TEST(AreaResize, HonoursStrides) {
  // Views into larger buffers (the YUV path writes into a padded canvas).
  const cv::Mat big = TestImage(300, 200, 1, 5);
  const cv::Mat source = big(cv::Rect(10, 20, 250, 150));
  cv::Mat canvas(120, 120, CV_8UC1, cv::Scalar(9));
  cv::Mat window = canvas(cv::Rect(7, 11, 100, 60));
  AreaResize(ConstPixelView{source.data, source.cols, source.rows, static_cast<int>(source.step)},
             PixelView{window.data, window.cols, window.rows, static_cast<int>(window.step)}, 1);
  EXPECT_LE(MaxDifference(window, OpenCvShrink(source.clone(), 100, 60)), 1);
  EXPECT_EQ(canvas.at<uint8_t>(0, 0), 9);  // outside the window: untouched
  EXPECT_EQ(canvas.at<uint8_t>(71, 107), 9);
  EXPECT_EQ(canvas.at<uint8_t>(119, 119), 9);
}

TEST(AreaResize, AppliesOnlyToShrinks) {
  EXPECT_TRUE(AreaResizeApplies(100, 100, 100, 100));
  EXPECT_TRUE(AreaResizeApplies(100, 100, 1, 1));
  EXPECT_FALSE(AreaResizeApplies(100, 100, 101, 50));
  EXPECT_FALSE(AreaResizeApplies(100, 100, 50, 101));
  EXPECT_FALSE(AreaResizeApplies(100, 100, 0, 10));
}

}  // namespace
}  // namespace img2dataset
