#include "image/bbox_blur.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <vector>

// This file must be compiled without floating-point contraction (-ffp-contract=off, set in
// cpp/CMakeLists.txt): several sums below are the reference's separately rounded product-then-add,
// and a compiler that fused them into FMAs (as GCC does by default wherever the target has FMA,
// e.g. -march=native or aarch64) would move results by one unit in the last place.
//
// The loops over whole rows get an FMA clone next to the baseline one, chosen when the program
// loads. Both give the same bits, since std::fma is exact with or without the instruction; the
// clone is only faster.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define IMG2DATASET_FMA_LOOP __attribute__((target_clones("fma", "default")))
#else
#define IMG2DATASET_FMA_LOOP
#endif

namespace img2dataset {

namespace {

// trunc(value * size), the product in the precision of the box values as in the reference.
// Kept within [-size, 2 * size]: coordinates in [0, 1] are untouched, wilder ones cannot make the
// kernel (which grows with the largest box) larger than the image, and the conversion to int is
// defined for any value (NaN counts as 0).
int Edge(double value, int size, bool single_precision) {
  const double product =
      single_precision ? static_cast<double>(static_cast<float>(value) * static_cast<float>(size))
                       : value * size;
  if (std::isnan(product)) return 0;
  return static_cast<int>(std::trunc(std::clamp(product, -1.0 * size, 2.0 * size)));
}

// The reference blurs with opencv-python's cv2.GaussianBlur (4.14 wheel, CV_32F, sigma derived
// from the kernel size, BORDER_REFLECT_101), which on x86-64 with AVX2 runs OpenCV's separable
// filter as compiled for its AVX2 dispatch: the kernel from getGaussianKernel (computed exactly;
// 4.6 and 4.14 give the same floats), a horizontal pass, then a vertical pass on the horizontal
// results.
// How each output value is rounded depends on its index i in the row of n = width * channels
// floats, because the vector loops stop at a multiple of their width and the rest is done by
// scalar code that GCC compiled in its own way:
//
//   horizontal, kernel size >= 7: i < n - n % 4 (8-lane FMA loop, then a 4-lane FMA loop that
//     GCC made of OpenCV's unrolled-by-4 C loop): s = t0*k0, then s = fma(tj, kj, s) for every
//     further tap in order. The last n % 4 values: the inner loop was vectorised over taps in
//     groups of 4, each product rounded and added in order; the leftover (size - 1) % 4 taps
//     of the chain are fused.
//   horizontal, kernel size 3 or 5 (OpenCV's symmetric small-kernel filter): all values but
//     the last one of an odd n: s = fma(c, kc, (l1 + r1) * k1), then s = fma(l2 + r2, k2, s).
//     The last value of an odd n: s = c * kc, then + (lj + rj) * kj rounded one by one, the
//     taps in groups of 2, a leftover tap fused.
//   vertical: i < n - n % 8: s = c * kc, then s = fma(aj + bj, kj, s) for j = 1..radius, aj and
//     bj the rows j below and above. The last n % 8 values: products rounded, added in order.
//
// Debian's OpenCV 4.6, which the engine links, takes the fused formula for every value, so its
// cv::GaussianBlur differs from the reference by 1 to 4 ulp in the last few columns of an image
// whose width * channels is not a multiple of 8; where such a column is blended in, the
// truncation to 8 bits now and then turns that into a 1 in the output.

// OpenCV's BORDER_REFLECT_101 (cv::borderInterpolate): the row or column mirrored about its end
// pixel, repeatedly for kernels wider than the image.
int Reflect101(int p, int size) {
  if (size == 1) return 0;
  while (p < 0 || p >= size) p = p < 0 ? -p : 2 * size - 2 - p;
  return p;
}

// out[i] = t[i] * k[0], then out[i] = fma(t[i + j * step], k[j], out[i]) for j = 1..size-1.
// Blocks of 8 lanes so that GCC's SLP vectoriser turns them into one vfmadd each.
IMG2DATASET_FMA_LOOP
void RowChain(const float* __restrict t, int step, const float* __restrict k, int size,
              float* __restrict out, int count) {
  for (int i = 0; i < count; ++i) out[i] = t[i] * k[0];
  for (int j = 1; j < size; ++j) {
    const float* __restrict tj = t + static_cast<ptrdiff_t>(j) * step;
    const float w = k[j];
    int i = 0;
    for (; i + 8 <= count; i += 8) {
      for (int l = 0; l < 8; ++l) out[i + l] = std::fma(tj[i + l], w, out[i + l]);
    }
    for (; i < count; ++i) out[i] = std::fma(tj[i], w, out[i]);
  }
}

// The small-kernel horizontal formula; c points at the centre taps, k at the centre weight.
IMG2DATASET_FMA_LOOP
void RowSmall(const float* __restrict c, int step, const float* __restrict k, int radius,
              float* __restrict out, int count) {
  for (int i = 0; i < count; ++i) {
    float s = std::fma(c[i], k[0], (c[i - step] + c[i + step]) * k[1]);
    if (radius == 2) s = std::fma(c[i - 2 * step] + c[i + 2 * step], k[2], s);
    out[i] = s;
  }
}

// One of the last values of a horizontal pass; t points at its first tap.
float RowTail(const float* t, ptrdiff_t step, const float* k, int size) {
  if (size <= 5) {
    const int radius = size / 2;
    const float* c = t + radius * step;
    const float* kc = k + radius;
    const int rounded = radius / 2 * 2;
    float s = c[0] * kc[0];
    for (int j = 1; j <= radius; ++j) {
      const float pair = c[j * step] + c[-j * step];
      s = j <= rounded ? s + pair * kc[j] : std::fma(pair, kc[j], s);
    }
    return s;
  }
  const int rounded = (size - 1) / 4 * 4;
  float s = t[0] * k[0];
  for (int j = 1; j < size; ++j) {
    const float tap = t[static_cast<ptrdiff_t>(j) * step];
    s = j <= rounded ? s + tap * k[j] : std::fma(tap, k[j], s);
  }
  return s;
}

// out[i] = rows[0][i] * k[0], then out[i] = fma(rows[j][i] + rows[-j][i], k[j], out[i]).
IMG2DATASET_FMA_LOOP
void ColumnChain(const float* const* rows, int radius, const float* __restrict k,
                 float* __restrict out, int count) {
  const float* __restrict centre = rows[0];
  for (int i = 0; i < count; ++i) out[i] = centre[i] * k[0];
  for (int j = 1; j <= radius; ++j) {
    const float* __restrict a = rows[j];
    const float* __restrict b = rows[-j];
    const float w = k[j];
    int i = 0;
    for (; i + 8 <= count; i += 8) {
      for (int l = 0; l < 8; ++l) out[i + l] = std::fma(a[i + l] + b[i + l], w, out[i + l]);
    }
    for (; i < count; ++i) out[i] = std::fma(a[i] + b[i], w, out[i]);
  }
}

float ColumnTail(const float* const* rows, int radius, const float* k, int i) {
  float s = rows[0][i] * k[0];
  for (int j = 1; j <= radius; ++j) s = s + (rows[j][i] + rows[-j][i]) * k[j];
  return s;
}

// cv2.GaussianBlur(image, (size, size), 0) of the reference, for a CV_32F image of any number
// of channels.
cv::Mat GaussianBlurLikeReference(const cv::Mat& image, int size) {
  const cv::Mat kernel_mat = cv::getGaussianKernel(size, 0, CV_32F);
  const float* k = kernel_mat.ptr<float>();
  const int radius = size / 2, width = image.cols, height = image.rows;
  const int cn = image.channels(), n = width * cn;

  cv::Mat rows(height, n, CV_32F);
  std::vector<float> extended(static_cast<size_t>(width + 2 * radius) * cn);
  const int row_body = size <= 5 ? n - n % 2 : n - n % 4;
  for (int y = 0; y < height; ++y) {
    const float* in = image.ptr<float>(y);
    float* ext = extended.data();
    std::memcpy(ext + ptrdiff_t{radius} * cn, in, sizeof(float) * n);
    for (int x = -radius; x < 0; ++x) {
      std::memcpy(ext + ptrdiff_t{x + radius} * cn, in + ptrdiff_t{Reflect101(x, width)} * cn,
                  sizeof(float) * cn);
    }
    for (int x = width; x < width + radius; ++x) {
      std::memcpy(ext + ptrdiff_t{x + radius} * cn, in + ptrdiff_t{Reflect101(x, width)} * cn,
                  sizeof(float) * cn);
    }
    float* out = rows.ptr<float>(y);
    if (size <= 5) {
      RowSmall(ext + ptrdiff_t{radius} * cn, cn, k + radius, radius, out, row_body);
    } else {
      RowChain(ext, cn, k, size, out, row_body);
    }
    for (int i = row_body; i < n; ++i) out[i] = RowTail(ext + i, cn, k, size);
  }

  cv::Mat blurred(image.size(), image.type());
  std::vector<const float*> taps(2 * radius + 1);
  const int column_body = n - n % 8;
  for (int y = 0; y < height; ++y) {
    for (int j = -radius; j <= radius; ++j) {
      taps[j + radius] = rows.ptr<float>(Reflect101(y + j, height));
    }
    const float* const* centre = taps.data() + radius;
    float* out = blurred.ptr<float>(y);
    ColumnChain(centre, radius, k + radius, out, column_body);
    for (int i = column_body; i < n; ++i) out[i] = ColumnTail(centre, radius, k + radius, i);
  }
  return blurred;
}

}  // namespace

BlurPlan PlanBlur(const BoundingBoxes& boxes, int width, int height) {
  BlurPlan plan;
  int largest = 0;
  for (const auto& box : boxes.boxes) {
    int x0 = Edge(box[0], width, boxes.single_precision);
    int y0 = Edge(box[1], height, boxes.single_precision);
    int x1 = Edge(box[2], width, boxes.single_precision);
    int y1 = Edge(box[3], height, boxes.single_precision);
    const int d = std::max(x1 - x0, y1 - y0);
    largest = std::max(largest, d);
    const double margin = 0.1 * d;
    x0 = std::clamp(static_cast<int>(std::trunc(x0 - margin)), 0, width - 1);
    y0 = std::clamp(static_cast<int>(std::trunc(y0 - margin)), 0, height - 1);
    x1 = std::clamp(static_cast<int>(std::trunc(x1 + margin)), 0, width - 1);
    y1 = std::clamp(static_cast<int>(std::trunc(y1 + margin)), 0, height - 1);
    // Half-open, as numpy's mask[y0:y1, x0:x1]: the last row and column are never covered.
    if (x1 > x0 && y1 > y0) plan.regions.emplace_back(x0, y0, x1 - x0, y1 - y0);
  }
  // The reference computes sigma = largest / 10 for the kernel size only, then lets OpenCV
  // derive the Gaussian's sigma from the kernel (sigmaX = 0).
  const double sigma = 0.1 * largest;
  plan.kernel = std::max(3, static_cast<int>(2 * std::ceil(sigma) + 1));
  return plan;
}

cv::Mat BlurBoundingBoxes(const cv::Mat& source, const BoundingBoxes& boxes) {
  if (boxes.boxes.empty() || source.empty()) return source;
  // 16-bit images are blurred at 8 bits (the reference's float arithmetic assumes 8 bits and
  // wraps around on them).
  cv::Mat image = source;
  if (image.depth() != CV_8U) source.convertTo(image, CV_8U, 1.0 / 257);
  const int width = image.cols, height = image.rows, values = width * image.channels();
  // img.astype(float32) / 255.0: a true float32 division. convertTo's scale multiplies by the
  // float nearest 1/255 instead, which is an ulp off for about half of the 256 values.
  float divided[256];
  for (int v = 0; v < 256; ++v) divided[v] = static_cast<float>(v) / 255.0f;
  cv::Mat pixels(image.size(), CV_MAKETYPE(CV_32F, image.channels()));
  for (int y = 0; y < height; ++y) {
    const uint8_t* in = image.ptr<uint8_t>(y);
    float* out = pixels.ptr<float>(y);
    for (int i = 0; i < values; ++i) out[i] = divided[in[i]];
  }
  cv::Mat mask = cv::Mat::zeros(image.size(), pixels.type());
  const BlurPlan plan = PlanBlur(boxes, width, height);
  for (const cv::Rect& region : plan.regions) mask(region).setTo(cv::Scalar::all(1));
  const cv::Mat blurred = GaussianBlurLikeReference(pixels, plan.kernel);
  const cv::Mat blurred_mask = GaussianBlurLikeReference(mask, plan.kernel);

  // result = pixels * (1 - m) + blurred * m in float32, each operation rounded (numpy), then
  // * 255 truncated to 8 bits.
  cv::Mat out(image.size(), image.type());
  for (int y = 0; y < height; ++y) {
    const float* p = pixels.ptr<float>(y);
    const float* b = blurred.ptr<float>(y);
    const float* m = blurred_mask.ptr<float>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int i = 0; i < values; ++i) {
      const float result = p[i] * (1.0f - m[i]) + b[i] * m[i];
      o[i] = static_cast<uint8_t>(std::clamp(result * 255.0f, 0.0f, 255.0f));
    }
  }
  return out;
}

BoundingBoxes OrientBoundingBoxes(const BoundingBoxes& boxes, int orientation) {
  BoundingBoxes out = boxes;
  for (auto& box : out.boxes) {
    const double x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];
    switch (orientation) {
      case 2:  // mirrored left-right
        box = {1 - x1, y0, 1 - x0, y1};
        break;
      case 3:  // turned 180 degrees
        box = {1 - x1, 1 - y1, 1 - x0, 1 - y0};
        break;
      case 4:  // mirrored top-bottom
        box = {x0, 1 - y1, x1, 1 - y0};
        break;
      case 5:  // transposed: (x, y) -> (y, x)
        box = {y0, x0, y1, x1};
        break;
      case 6:  // turned 90 degrees clockwise: (x, y) -> (1 - y, x)
        box = {1 - y1, x0, 1 - y0, x1};
        break;
      case 7:  // transversed: (x, y) -> (1 - y, 1 - x)
        box = {1 - y1, 1 - x1, 1 - y0, 1 - x0};
        break;
      case 8:  // turned 90 degrees counter-clockwise: (x, y) -> (y, 1 - x)
        box = {y0, 1 - x1, y1, 1 - x0};
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace img2dataset
