#include "image/orientation.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <string>

#include "test_util.h"

namespace img2dataset {
namespace {

using testing::ByteOrder;
using testing::OrientationApp1;

// An OpenCV JPEG (JFIF APP0 first) with `segment` inserted after its SOI marker.
std::string JpegWith(const std::string& segment) {
  const std::string jpeg = testing::Encode(testing::SolidBgr(8, 8, cv::Scalar(0, 0, 255)), ".jpg");
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

TEST(ExifOrientationTest, ReadsEveryValueInBothByteOrders) {
  for (const ByteOrder order : {ByteOrder::kLittle, ByteOrder::kBig}) {
    for (int orientation = 1; orientation <= 8; ++orientation) {
      EXPECT_EQ(ExifOrientation(JpegWith(OrientationApp1(orientation, order))), orientation)
          << (order == ByteOrder::kLittle ? "II " : "MM ") << orientation;
    }
  }
}

TEST(ExifOrientationTest, AbsentTagIsOne) { EXPECT_EQ(ExifOrientation(JpegWith("")), 1); }

TEST(ExifOrientationTest, OutOfRangeValuesAreOne) {
  for (const int value : {0, 9, 0xFFFF}) {
    EXPECT_EQ(ExifOrientation(JpegWith(OrientationApp1(value, ByteOrder::kLittle))), 1) << value;
    EXPECT_EQ(ExifOrientation(JpegWith(OrientationApp1(value, ByteOrder::kBig))), 1) << value;
  }
}

TEST(ExifOrientationTest, WrongTypeIsOne) {
  EXPECT_EQ(ExifOrientation(JpegWith(OrientationApp1(6, ByteOrder::kLittle, /*LONG*/ 4))), 1);
}

TEST(ExifOrientationTest, NonJpegIsOne) {
  const std::string app1 = OrientationApp1(6, ByteOrder::kLittle);
  EXPECT_EQ(ExifOrientation(""), 1);
  EXPECT_EQ(ExifOrientation("\xFF\xD8"), 1);
  // The EXIF block alone, and after a PNG signature: not a JPEG, not parsed.
  EXPECT_EQ(ExifOrientation(app1.substr(4)), 1);
  EXPECT_EQ(ExifOrientation("\x89PNG\r\n\x1A\n" + app1), 1);
}

TEST(ExifOrientationTest, TruncatedExifIsOneOrTheValue) {
  // Cut anywhere inside the segment: never a crash, never a value other than 1 or the tag's.
  const std::string jpeg = JpegWith(OrientationApp1(6, ByteOrder::kBig));
  for (size_t length = 0; length < 60; ++length) {
    const int orientation = ExifOrientation(jpeg.substr(0, length));
    EXPECT_TRUE(orientation == 1 || orientation == 6) << length;
  }
}

// A 2-wide, 3-tall image with distinct values:  0 1
//                                                2 3
//                                                4 5
cv::Mat TwoByThree() {
  cv::Mat image(3, 2, CV_8UC1);
  for (int i = 0; i < 6; ++i) image.at<uchar>(i / 2, i % 2) = static_cast<uchar>(i);
  return image;
}

TEST(ApplyOrientationTest, TopLeftPixelMovesAsTheExifSpecSays) {
  // Where the stored top-left pixel (value 0) is displayed, and the displayed size.
  const struct {
    int orientation;
    cv::Point top_left_goes_to;
    cv::Size size;
  } kCases[] = {
      {1, {0, 0}, {2, 3}},  // as stored
      {2, {1, 0}, {2, 3}},  // mirror horizontal
      {3, {1, 2}, {2, 3}},  // rotate 180
      {4, {0, 2}, {2, 3}},  // mirror vertical
      {5, {0, 0}, {3, 2}},  // transpose
      {6, {2, 0}, {3, 2}},  // rotate 90 CW
      {7, {2, 1}, {3, 2}},  // transverse
      {8, {0, 1}, {3, 2}},  // rotate 90 CCW
  };
  for (const auto& c : kCases) {
    const cv::Mat out = ApplyOrientation(TwoByThree(), c.orientation);
    ASSERT_EQ(out.size(), c.size) << c.orientation;
    EXPECT_EQ(out.at<uchar>(c.top_left_goes_to), 0) << c.orientation;
  }
}

TEST(ApplyOrientationTest, EveryPixelFollowsTheSpec) {
  // Stored (x, y) of a W x H image is displayed at these coordinates.
  const int w = 2, h = 3;
  const auto displayed = [&](int orientation, int x, int y) -> cv::Point {
    switch (orientation) {
      case 2:
        return {w - 1 - x, y};
      case 3:
        return {w - 1 - x, h - 1 - y};
      case 4:
        return {x, h - 1 - y};
      case 5:
        return {y, x};
      case 6:
        return {h - 1 - y, x};
      case 7:
        return {h - 1 - y, w - 1 - x};
      case 8:
        return {y, w - 1 - x};
      default:
        return {x, y};
    }
  };
  const cv::Mat source = TwoByThree();
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const cv::Mat out = ApplyOrientation(source, orientation);
    ASSERT_EQ(out.size(), OrientationSwapsAxes(orientation) ? cv::Size(h, w) : cv::Size(w, h));
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        EXPECT_EQ(out.at<uchar>(displayed(orientation, x, y)), source.at<uchar>(y, x))
            << "orientation " << orientation << " pixel " << x << "," << y;
      }
    }
  }
}

TEST(ApplyOrientationTest, InvalidOrientationLeavesTheImage) {
  const cv::Mat source = TwoByThree();
  for (const int orientation : {0, 1, 9, -1}) {
    const cv::Mat out = ApplyOrientation(source, orientation);
    ASSERT_EQ(out.size(), source.size());
    EXPECT_EQ(cv::norm(out, source, cv::NORM_INF), 0);
  }
}

TEST(ApplyOrientationTest, ColourChannelsMoveTogether) {
  cv::Mat bgr(1, 2, CV_8UC3);
  bgr.at<cv::Vec3b>(0, 0) = cv::Vec3b(1, 2, 3);
  bgr.at<cv::Vec3b>(0, 1) = cv::Vec3b(4, 5, 6);
  const cv::Mat out = ApplyOrientation(bgr, 6);
  ASSERT_EQ(out.size(), cv::Size(1, 2));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
  EXPECT_EQ(out.at<cv::Vec3b>(1, 0), cv::Vec3b(4, 5, 6));
}

TEST(OrientationSwapsAxesTest, FiveToEightSwap) {
  for (int orientation = 0; orientation <= 9; ++orientation) {
    EXPECT_EQ(OrientationSwapsAxes(orientation), orientation >= 5 && orientation <= 8);
  }
}

}  // namespace
}  // namespace img2dataset
