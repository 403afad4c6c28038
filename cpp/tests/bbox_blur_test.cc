#include "image/bbox_blur.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <opencv2/imgproc.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "util/hash.h"

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

// The image generator of the script that computed the reference vectors below
// (make_test_vectors.py, with img2dataset 1.47.0 and opencv-python 4.14 on x86-64 with AVX2):
// integer arithmetic only, so that both sides build the same bytes. Noise is the top byte of a
// splitmix64-style hash of (seed, index); "natural" images are gradients, a checkerboard and a
// little of that noise.
cv::Mat GeneratedImage(bool natural, uint64_t seed, int width, int height, int channels) {
  cv::Mat image(height, width, CV_8UC(channels));
  uint8_t* out = image.ptr<uint8_t>();
  const uint64_t count = image.total() * static_cast<uint64_t>(channels);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t h = i + seed * 0x9E3779B97F4A7C15ull;
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    const int noise = static_cast<int>(h >> 56);
    if (!natural) {
      out[i] = static_cast<uint8_t>(noise);
      continue;
    }
    const int c = static_cast<int>(i % channels), x = static_cast<int>(i / channels % width);
    const int y = static_cast<int>(i / channels / width);
    int v =
        x * (255 - 40 * c) / std::max(1, width - 1) + y * (128 + 30 * c) / std::max(1, height - 1);
    v += (x / (8 + 4 * c) + y / 12) % 2 * 40 + noise % 16;
    out[i] = static_cast<uint8_t>(v % 256);
  }
  return image;
}

std::string Sha256(const cv::Mat& image) {
  const cv::Mat bytes = image.isContinuous() ? image : image.clone();
  return HexDigest(HashAlgorithm::kSha256,
                   std::string_view(reinterpret_cast<const char*>(bytes.data),
                                    bytes.total() * bytes.elemSize()));
}

struct ReferenceVector {
  const char* name;
  bool natural;
  uint64_t seed;
  int width, height, channels;
  bool single_precision;
  std::vector<std::array<double, 4>> boxes;
  const char* sha256;  // of the reference's output, row-major, channels interleaved
};

void PrintTo(const ReferenceVector& v, std::ostream* os) { *os << v.name; }

const ReferenceVector kReferenceVectors[] = {
    // the contract's example, kernel 23; 59382 of 624345 values changed
    {"WorkedExample",
     true,
     1,
     389,
     535,
     3,
     true,
     {{0.60154241, 0.41308412, 0.85604113, 0.61121494}},
     "6e16ed4c25b10dea44b853b30d1150dadef71fd6e087bc8fedbc241b872ce7cd"},
    // kernel 17, n % 8 = 4; 24338 of 180000 values changed
    {"Rgb300x200",
     false,
     2,
     300,
     200,
     3,
     false,
     {{0.25, 0.25, 0.5, 0.5}},
     "0ccc9cd0898c05033c8aeaca02c8111e92318a0ed41a2c77f57f9f18053e598b"},
    // gray, kernel 17; 8094 of 60000 values changed
    {"Gray300x200",
     false,
     3,
     300,
     200,
     1,
     false,
     {{0.25, 0.25, 0.5, 0.5}},
     "d2a2cf62b8da4ba690ab244e2a3addc6af2a5b247b38973dfc2951dd7732ef0f"},
    // kernel 3, odd n; 15 of 10890 values changed
    {"GrayKernel3OddWidth",
     true,
     5,
     121,
     90,
     1,
     true,
     {{0.5, 0.5, 0.52, 0.53}},
     "afff17f3851b49938d3307c6d1bd2e4629d4c1477603c66ec58e01db911679c6"},
    // kernel 5, odd n: the last value rounded apart; 387 of 30150 values changed
    {"GrayKernel5OddWidth",
     false,
     15,
     201,
     150,
     1,
     false,
     {{0.1, 0.1, 0.175, 0.175}},
     "72cb0c3eb9b1a9fce0567649482cd85f21867dee688ca2496255be19581bbffa"},
    // kernel 9 (size - 1 a multiple of 4), n % 8 = 7; 5628 of 249750 values changed
    {"RgbKernel9",
     false,
     16,
     333,
     250,
     3,
     true,
     {{0.6, 0.1, 0.7, 0.2}},
     "3003db55ef67570cbeeed5cf489a7d55ef95a0a0b75a5936164ccb4e72b0de5f"},
    // kernel 15: the last two taps of the tail fused; 5867 of 14875 values changed
    {"GrayKernel15",
     true,
     102,
     175,
     85,
     1,
     false,
     {{0.15, 0.2, 0.55, 0.65}},
     "b97303dc3c59a310f27c3057120c4f15b7aaa2084e5c963255935c2726efbc64"},
    // kernel 75, n % 8 = 7; 203024 of 374625 values changed
    {"RgbKernel75",
     false,
     125,
     925,
     135,
     3,
     false,
     {{0.15, 0.2, 0.55, 0.65}},
     "27e36f002c2ad8dbe60e6becaadae2e100df163d4f7fd1a4ffb9a5b9aab8249c"},
    // kernel 81, n % 8 = 0; 359447 of 360000 values changed
    {"RgbKernel81WholeImage",
     true,
     6,
     400,
     300,
     3,
     false,
     {{0.0, 0.0, 1.0, 1.0}},
     "f55493d08be068af4f2298d4b200aec898e78ee7f7f050cc961f6155c1e0564f"},
    // kernel 181; 259438 of 260000 values changed
    {"GrayKernel181",
     true,
     126,
     1000,
     260,
     1,
     false,
     {{0.05, 0.05, 0.95, 0.9}},
     "9e001fe6d3a3949d84ac9cae7a531faf22844fee645542972d9210dfd9e6d7bb"},
    // value (23, 658, 2): 124, where OpenCV 4.6's GaussianBlur gives 125; 176761 of 682152 values
    // changed
    {"RgbBoxOverTheRightEdge",
     false,
     13158,
     661,
     344,
     3,
     false,
     {{0.7755860740811691, 0.028926561878289625, 1.0, 0.754771638010374}},
     "753b63c86690a49f805c9f2a9c014866d87d30ee3ffd033e367e195dec5ca4ff"},
    // 4 channels, boxes partly outside the image, kernel 31; 44865 of 146200 values changed
    {"FourChannelsManyBoxesFloat32",
     false,
     8931,
     85,
     430,
     4,
     true,
     {{-0.17424334846737036, 0.7914680161253982, -0.06593981057839977, 0.8810407677415191},
      {0.20542504333510603, -0.041385390056965204, 0.21089367562138148, -0.0309488510889995},
      {0.30250362077684795, -0.10154599278125358, 0.6585087941670937, 0.2510266949373536},
      {0.3591198893971171, -0.08949324117306061, 1.2129700699256252, 0.18850735500262483}},
     "100f1cfa5730cbc190eba2d3953b992d72468a9b12e0fd5466f71d23b4c51dbe"},
    // 6x8: every value in a tail; 151 of 192 values changed
    {"TinyFourChannels",
     false,
     8957,
     6,
     8,
     4,
     false,
     {{0.26422117415215485, 0.8296129765854479, 0.4111298152497246, 1.233023315481698},
      {0.7643567598442078, 0.3549097664929067, 0.8029193500921861, 0.3754224899672577},
      {0.05284667736021753, 0.30958765766043744, 0.08604644233055442, 0.42018993724321835},
      {0.6094849031397898, -0.12500508552131806, 1.5918209472232534, 0.7494776446690579}},
     "a62cfed696f7447729e0624564695cb5c56d0a709457b8289b7d7a442b934e24"},
    // width 2, kernel 9: the border reflects back and forth; 230 of 240 values changed
    {"TwoPixelsWide",
     true,
     77,
     2,
     40,
     3,
     false,
     {{-0.5, 0.1, 1.5, 0.9}},
     "162936c68e154b960de5c976181846958a05a82f31bd2ec4929da3285c83454e"}};

class MatchesTheReference : public ::testing::TestWithParam<ReferenceVector> {};

TEST_P(MatchesTheReference, BitForBit) {
  const ReferenceVector& v = GetParam();
  const cv::Mat image = GeneratedImage(v.natural, v.seed, v.width, v.height, v.channels);
  const cv::Mat out = BlurBoundingBoxes(image, Boxes(v.boxes, v.single_precision));
  ASSERT_EQ(out.size(), image.size());
  ASSERT_EQ(out.type(), image.type());
  EXPECT_EQ(Sha256(out), v.sha256);
}

INSTANTIATE_TEST_SUITE_P(BlurBoundingBoxes, MatchesTheReference,
                         ::testing::ValuesIn(kReferenceVectors),
                         [](const ::testing::TestParamInfo<ReferenceVector>& info) {
                           return std::string(info.param.name);
                         });

TEST(BlurBoundingBoxes, GeneratorMatchesTheScriptThatMadeTheVectors) {
  // First bytes of make_image("noise", 2, ...) and make_image("natural", 1, ...) in cases.py.
  const cv::Mat noise = GeneratedImage(false, 2, 300, 200, 3);
  const cv::Mat natural = GeneratedImage(true, 1, 389, 535, 3);
  EXPECT_EQ(std::vector<int>(noise.data, noise.data + 6),
            (std::vector<int>{110, 190, 191, 179, 228, 192}));
  EXPECT_EQ(std::vector<int>(natural.data, natural.data + 6),
            (std::vector<int>{2, 1, 7, 13, 14, 3}));
}

// Regression: OpenCV 4.6's cv::GaussianBlur (Debian's, which the engine links) rounds the last
// n % 8 values of each row differently from the reference's 4.14 wheel; here one of them
// crosses an integer after * 255.
TEST(BlurBoundingBoxes, LastColumnsRoundAsInTheReferencesOpenCv) {
  const cv::Mat image = GeneratedImage(false, 13158, 661, 344, 3);
  const cv::Mat out = BlurBoundingBoxes(
      image, Boxes({{0.7755860740811691, 0.028926561878289625, 1.0, 0.754771638010374}}));
  EXPECT_EQ(out.at<cv::Vec3b>(23, 658)[2], 124);  // cv::GaussianBlur of OpenCV 4.6: 125
}

// Regression: the reference converts with a float32 division by 255; convertTo's scale 1/255
// (a multiplication, an ulp off for 126 of the 256 values) returned every flat image unchanged.
TEST(BlurBoundingBoxes, FlatImagesLoseOneWhereTheReferenceDoes) {
  // value -> pixels of a flat 8x8 image, blurred whole, that come back one lower (reference).
  const std::map<int, int> lowered = {{59, 1},  {63, 1},  {103, 2}, {107, 2}, {111, 2},
                                      {115, 2}, {118, 1}, {119, 3}, {123, 2}, {126, 1},
                                      {127, 3}, {206, 2}, {214, 2}, {222, 2}, {230, 2},
                                      {236, 1}, {238, 3}, {246, 2}, {252, 1}, {254, 3}};
  for (int value = 0; value < 256; ++value) {
    const cv::Mat flat(8, 8, CV_8UC1, cv::Scalar(value));
    const cv::Mat out = BlurBoundingBoxes(flat, Boxes({{0, 0, 1, 1}}));
    const auto it = lowered.find(value);
    EXPECT_EQ(cv::countNonZero(out != value), it == lowered.end() ? 0 : it->second) << value;
    EXPECT_EQ(cv::countNonZero(out < value - 1), 0) << value;
  }
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
