#include "image/bbox_blur.h"

#include <gtest/gtest.h>

#include <limits>
#include <opencv2/imgproc.hpp>

namespace img2dataset {
namespace {

BoundingBoxes Boxes(std::vector<std::array<double, 4>> boxes, bool single_precision = false) {
  BoundingBoxes result;
  result.boxes = std::move(boxes);
  result.single_precision = single_precision;
  return result;
}

cv::Mat Noise(int width, int height, int channels) {
  cv::Mat image(height, width, CV_8UC(channels));
  cv::RNG rng(7);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  return image;
}

// The reference contract's worked example: 389x535, one float32 box.
TEST(PlanBlur, ReferenceWorkedExample) {
  const BlurPlan plan =
      PlanBlur(Boxes({{0.60154241, 0.41308412, 0.85604113, 0.61121494}}, true), 389, 535);
  ASSERT_EQ(plan.regions.size(), 1u);
  EXPECT_EQ(plan.regions[0], cv::Rect(223, 210, 343 - 223, 337 - 210));  // cols 223..342
  EXPECT_EQ(plan.kernel, 23);                                            // sigma 10.6
}

TEST(PlanBlur, BoxPrecisionFollowsTheColumnType) {
  // 0.60154241 * 389 is 234.0000 in float32 and 233.99999 in float64.
  const BlurPlan single = PlanBlur(Boxes({{0.60154241, 0, 0.7, 1}}, true), 389, 535);
  const BlurPlan dual = PlanBlur(Boxes({{0.60154241, 0, 0.7, 1}}, false), 389, 535);
  ASSERT_EQ(single.regions.size(), 1u);
  ASSERT_EQ(dual.regions.size(), 1u);
  EXPECT_NE(single.regions[0].x, dual.regions[0].x);
}

TEST(PlanBlur, ClipsToTheImageAndKeepsTheLastRowAndColumnOut) {
  const BlurPlan plan = PlanBlur(Boxes({{0, 0, 1, 1}}), 100, 50);
  ASSERT_EQ(plan.regions.size(), 1u);
  EXPECT_EQ(plan.regions[0], cv::Rect(0, 0, 99, 49));  // clipped to width-1, height-1, half-open
  EXPECT_EQ(plan.kernel, 21);                          // largest side 100: sigma 10
}

TEST(PlanBlur, KernelIsAtLeastThreeAndOdd) {
  EXPECT_EQ(PlanBlur(Boxes({{0.5, 0.5, 0.5, 0.5}}), 100, 100).kernel, 3);
  EXPECT_EQ(PlanBlur(Boxes({{0.1, 0.1, 0.2, 0.15}}), 100, 100).kernel, 3);   // sigma 1: 2*1+1
  EXPECT_EQ(PlanBlur(Boxes({{0.1, 0.1, 0.25, 0.15}}), 100, 100).kernel, 5);  // sigma 1.5: 2*2+1
  for (const int size : {37, 64, 101, 640}) {
    EXPECT_EQ(PlanBlur(Boxes({{0, 0, 0.5, 0.5}}), size, size).kernel % 2, 1) << size;
  }
}

TEST(PlanBlur, AnyDoubleGivesRegionsInsideTheImage) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const bool single : {false, true}) {
    const BlurPlan plan = PlanBlur(
        Boxes({{-inf, nan, inf, 1e300}, {nan, nan, nan, nan}, {-1e300, 0.2, 0.3, inf}}, single), 64,
        48);
    for (const cv::Rect& region : plan.regions) {
      EXPECT_GE(region.x, 0);
      EXPECT_GE(region.y, 0);
      EXPECT_LE(region.x + region.width, 63);
      EXPECT_LE(region.y + region.height, 47);
    }
    EXPECT_GE(plan.kernel, 3);
    EXPECT_EQ(plan.kernel % 2, 1);
  }
}

TEST(BlurBoundingBoxes, BlursInsideAndLeavesFarPixelsExactlyAlone) {
  const cv::Mat image = Noise(200, 120, 3);
  const cv::Mat out = BlurBoundingBoxes(image, Boxes({{0.25, 0.25, 0.5, 0.5}}));
  ASSERT_EQ(out.size(), image.size());
  ASSERT_EQ(out.type(), CV_8UC3);
  // Box 50..100 x 30..60, enlarged by 5: 45..105 x 25..65; kernel 11 reaches 5 further.
  const cv::Rect inside(60, 35, 30, 20), far_away(150, 0, 50, 120);
  EXPECT_GT(cv::norm(out(inside), image(inside), cv::NORM_L1) / inside.area(), 20.0);
  EXPECT_EQ(cv::norm(out(far_away), image(far_away), cv::NORM_INF), 0.0);
  // Blurred noise is smoother than noise.
  cv::Mat gray_in, gray_out;
  cv::cvtColor(image(inside), gray_in, cv::COLOR_BGR2GRAY);
  cv::cvtColor(out(inside), gray_out, cv::COLOR_BGR2GRAY);
  cv::Scalar mean_in, std_in, mean_out, std_out;
  cv::meanStdDev(gray_in, mean_in, std_in);
  cv::meanStdDev(gray_out, mean_out, std_out);
  EXPECT_LT(std_out[0], std_in[0] / 2);
}

TEST(BlurBoundingBoxes, NoBoxesIsUnchangedAndGrayStaysGray) {
  const cv::Mat image = Noise(40, 30, 1);
  EXPECT_EQ(cv::norm(BlurBoundingBoxes(image, Boxes({})), image, cv::NORM_INF), 0.0);
  const cv::Mat out = BlurBoundingBoxes(image, Boxes({{0, 0, 1, 1}}));
  EXPECT_EQ(out.type(), CV_8UC1);
  EXPECT_GT(cv::norm(out, image, cv::NORM_L1), 0.0);
}

TEST(BlurBoundingBoxes, ConvertsBackByTruncationLikeTheReference) {
  // A flat image blurs to itself in float; x/255*255 in float32 can land just below x, and the
  // reference truncates: the result is x or x-1, never x+1.
  const cv::Mat flat(50, 50, CV_8UC1, cv::Scalar(77));
  const cv::Mat out = BlurBoundingBoxes(flat, Boxes({{0.1, 0.1, 0.9, 0.9}}));
  double low = 0, high = 0;
  cv::minMaxLoc(out, &low, &high);
  EXPECT_GE(low, 76);
  EXPECT_LE(high, 77);
}

TEST(OrientBoundingBoxes, FollowsThePixels) {
  // A box in the stored image's top-left corner; after each orientation it sits where
  // ApplyOrientation moves that corner.
  const BoundingBoxes corner = Boxes({{0.0, 0.0, 0.2, 0.1}});
  const std::array<double, 4> expected[9] = {
      {},                     // unused
      {0.0, 0.0, 0.2, 0.1},   // 1
      {0.8, 0.0, 1.0, 0.1},   // 2 mirror left-right
      {0.8, 0.9, 1.0, 1.0},   // 3 rotate 180
      {0.0, 0.9, 0.2, 1.0},   // 4 mirror top-bottom
      {0.0, 0.0, 0.1, 0.2},   // 5 transpose
      {0.9, 0.0, 1.0, 0.2},   // 6 rotate 90 clockwise: top-left goes top-right
      {0.9, 0.8, 1.0, 1.0},   // 7 transverse
      {0.0, 0.8, 0.1, 1.0}};  // 8 rotate 90 counter-clockwise: top-left goes bottom-left
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const auto box = OrientBoundingBoxes(corner, orientation).boxes.at(0);
    for (int k = 0; k < 4; ++k) {
      EXPECT_NEAR(box[static_cast<size_t>(k)], expected[orientation][static_cast<size_t>(k)], 1e-12)
          << "orientation " << orientation << " coordinate " << k;
    }
  }
}

}  // namespace
}  // namespace img2dataset
