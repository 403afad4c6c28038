#include "image/area_resize.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The loops over whole rows get an AVX2 clone next to the baseline one, chosen when the program
// loads: the build itself stays portable to any x86-64.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define IMG2DATASET_ROW_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define IMG2DATASET_ROW_LOOP
#endif

namespace img2dataset {

namespace {

// Weights are in Q14: the weights of one output pixel sum to exactly 1 << 14.
constexpr int kWeightBits = 14;
constexpr int32_t kOne = 1 << kWeightBits;
// Rows combined (Q14 weights on 8-bit values) are kept in Q7 between the two passes: 16-bit
// signed values (at most 255 << 7), which the horizontal pass multiplies with pmaddwd.
constexpr int kMiddleBits = 7;
constexpr int kNarrowShift = kWeightBits - kMiddleBits;
constexpr int kOutputShift = kWeightBits + kMiddleBits;

// Which source pixels make up each output pixel along one axis, and how much each counts.
// Output i covers source [i*S/D, (i+1)*S/D); in units of 1/D that is [i*S, (i+1)*S), and source
// pixel j covers [j*D, (j+1)*D): all the arithmetic is on integers.
struct AxisTaps {
  int taps = 0;                 // per output pixel, padded with zero weights to the widest
  std::vector<int> first;       // first source pixel of each output pixel
  std::vector<int16_t> weight;  // weight[i * taps + k]: tap k of output i

  AxisTaps(int source, int target) {
    const int64_t s = source, d = target;
    for (int64_t i = 0; i < d; ++i) {
      const int64_t begin = i * s / d, end = ((i + 1) * s + d - 1) / d;
      taps = std::max(taps, static_cast<int>(end - begin));
    }
    // Pad to the widths the vector kernels take, where the image is wide enough.
    for (const int width : {4, 8}) {
      if (taps < width && width <= source) {
        taps = width;
        break;
      }
    }
    first.resize(static_cast<size_t>(target));
    weight.assign(static_cast<size_t>(target) * taps, 0);
    for (int64_t i = 0; i < d; ++i) {
      const int64_t lo = i * s, hi = (i + 1) * s;
      const int64_t begin = lo / d, end = (hi + d - 1) / d;
      // Near the far edge the padded window would run past the image: slide it back, the
      // extra taps in front weigh nothing. So every window lies inside the source.
      const int64_t start = std::min(begin, s - taps);
      int16_t* w = &weight[static_cast<size_t>(i) * taps];
      int32_t sum = 0;
      int64_t heaviest = 0;
      for (int64_t j = begin; j < end; ++j) {
        const int64_t overlap = std::min((j + 1) * d, hi) - std::max(j * d, lo);
        const int64_t k = j - start;
        w[k] = static_cast<int16_t>((overlap * kOne + s / 2) / s);
        sum += w[k];
        if (w[k] > w[heaviest]) heaviest = k;
      }
      w[heaviest] = static_cast<int16_t>(w[heaviest] + kOne - sum);  // flat stays flat
      first[static_cast<size_t>(i)] = static_cast<int>(start);
    }
  }
};

// The rows of one output row combined in one pass, when they are few (shrinks up to about 3x,
// which covers what follows a DCT-scaled decode): each source byte is read once and the result
// written once, no intermediate sums.
template <int kRows>
inline __attribute__((always_inline)) void CombineFewRows(const uint8_t* const* rows,
                                                          const int32_t* weights,
                                                          int16_t* __restrict out, int n) {
  const uint8_t* __restrict r[kRows];
  for (int k = 0; k < kRows; ++k) r[k] = rows[k];
  for (int x = 0; x < n; ++x) {
    int32_t sum = 1 << (kNarrowShift - 1);
    for (int k = 0; k < kRows; ++k) sum += weights[k] * r[k][x];
    out[x] = static_cast<int16_t>(sum >> kNarrowShift);
  }
}

IMG2DATASET_ROW_LOOP
void CombineRows1(const uint8_t* const* rows, const int32_t* weights, int16_t* out, int n) {
  CombineFewRows<1>(rows, weights, out, n);
}
IMG2DATASET_ROW_LOOP
void CombineRows2(const uint8_t* const* rows, const int32_t* weights, int16_t* out, int n) {
  CombineFewRows<2>(rows, weights, out, n);
}
IMG2DATASET_ROW_LOOP
void CombineRows3(const uint8_t* const* rows, const int32_t* weights, int16_t* out, int n) {
  CombineFewRows<3>(rows, weights, out, n);
}
IMG2DATASET_ROW_LOOP
void CombineRows4(const uint8_t* const* rows, const int32_t* weights, int16_t* out, int n) {
  CombineFewRows<4>(rows, weights, out, n);
}

// More rows: summed into 32-bit accumulators a row at a time.
IMG2DATASET_ROW_LOOP
void StartRow(const uint8_t* __restrict source, int32_t weight, int32_t* __restrict sum, int n) {
  for (int x = 0; x < n; ++x) sum[x] = weight * source[x];
}

IMG2DATASET_ROW_LOOP
void AddRow(const uint8_t* __restrict source, int32_t weight, int32_t* __restrict sum, int n) {
  for (int x = 0; x < n; ++x) sum[x] += weight * source[x];
}

IMG2DATASET_ROW_LOOP
void NarrowRow(const int32_t* __restrict sum, int16_t* __restrict row, int n) {
  for (int x = 0; x < n; ++x) {
    row[x] = static_cast<int16_t>((sum[x] + (1 << (kNarrowShift - 1))) >> kNarrowShift);
  }
}

// One row of combined source rows (Q7) for output row `y`.
void CombineRows(const ConstPixelView& source, const AxisTaps& y_taps, int y, int n,
                 std::vector<int32_t>& sum, int16_t* out) {
  const int16_t* w = &y_taps.weight[static_cast<size_t>(y) * y_taps.taps];
  const int first = y_taps.first[static_cast<size_t>(y)];
  const uint8_t* rows[4];
  int32_t weights[4];
  int count = 0;
  for (int k = 0; k < y_taps.taps; ++k) {
    if (w[k] == 0) continue;
    const uint8_t* in = source.data + static_cast<ptrdiff_t>(first + k) * source.stride;
    if (count < 4) {
      rows[count] = in;
      weights[count] = w[k];
    } else {
      if (count == 4) {
        StartRow(rows[0], weights[0], sum.data(), n);
        for (int i = 1; i < 4; ++i) AddRow(rows[i], weights[i], sum.data(), n);
      }
      AddRow(in, w[k], sum.data(), n);
    }
    ++count;
  }
  switch (count) {
    case 1:
      return CombineRows1(rows, weights, out, n);
    case 2:
      return CombineRows2(rows, weights, out, n);
    case 3:
      return CombineRows3(rows, weights, out, n);
    case 4:
      return CombineRows4(rows, weights, out, n);
    default:
      return NarrowRow(sum.data(), out, n);
  }
}

uint8_t OutputValue(int32_t sum) {
  return static_cast<uint8_t>((sum + (1 << (kOutputShift - 1))) >> kOutputShift);
}

// One output row from one row of combined source rows, along x: any channel count and width.
template <int kChannels>
void ShrinkRow(const int16_t* row, const AxisTaps& x_taps, uint8_t* out, int from, int width) {
  const int taps = x_taps.taps;
  for (int x = from; x < width; ++x) {
    const int16_t* in =
        row + static_cast<ptrdiff_t>(x_taps.first[static_cast<size_t>(x)]) * kChannels;
    const int16_t* w = &x_taps.weight[static_cast<size_t>(x) * taps];
    int32_t sum[kChannels] = {};
    for (int k = 0; k < taps; ++k) {
      for (int c = 0; c < kChannels; ++c) sum[c] += w[k] * in[k * kChannels + c];
    }
    for (int c = 0; c < kChannels; ++c) out[x * kChannels + c] = OutputValue(sum[c]);
  }
}

#if defined(__SSE2__)
// One channel, 4 or 8 taps, eight output pixels at a time in SSE2 (every x86-64 has it): each
// output's window is one load, multiplied by its weights with pmaddwd; the sums of four outputs
// are gathered in one register, and eight outputs leave in one 8-byte store.
__m128i Scaled(__m128i sums) {  // 0..255 afterwards: the packs below cannot saturate
  return _mm_srai_epi32(_mm_add_epi32(sums, _mm_set1_epi32(1 << (kOutputShift - 1))), kOutputShift);
}

void StoreEight(uint8_t* out, __m128i low_sums, __m128i high_sums) {
  const __m128i words = _mm_packs_epi32(Scaled(low_sums), Scaled(high_sums));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(words, words));
}

// The sums of outputs x .. x+3, 4 taps each.
inline __m128i FourSums4(const int16_t* row, const int* first, const int16_t* weight, int x) {
  const auto window = [&](int i) {
    return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + first[x + i]));
  };
  const auto weights = [&](int i) {
    return _mm_loadu_si128(
        reinterpret_cast<const __m128i*>(weight + 4 * static_cast<ptrdiff_t>(x + i)));
  };
  // [x0 taps 0-1, x0 taps 2-3, x1 taps 0-1, x1 taps 2-3], then the same for x2 and x3.
  const __m128 p01 =
      _mm_castsi128_ps(_mm_madd_epi16(_mm_unpacklo_epi64(window(0), window(1)), weights(0)));
  const __m128 p23 =
      _mm_castsi128_ps(_mm_madd_epi16(_mm_unpacklo_epi64(window(2), window(3)), weights(2)));
  const __m128i low = _mm_castps_si128(_mm_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0)));
  const __m128i high = _mm_castps_si128(_mm_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm_add_epi32(low, high);
}

// The sums of outputs x .. x+3, 8 taps each.
inline __m128i FourSums8(const int16_t* row, const int* first, const int16_t* weight, int x) {
  const auto partial = [&](int i) {  // 4 partial sums of output x + i
    return _mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + first[x + i])),
                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(
                              weight + 8 * static_cast<ptrdiff_t>(x + i))));
  };
  const __m128i p0 = partial(0), p1 = partial(1), p2 = partial(2), p3 = partial(3);
  // Transpose-and-add: [a0+a2, b0+b2, a1+a3, b1+b3] for each pair, then the halves.
  const __m128i u01 = _mm_add_epi32(_mm_unpacklo_epi32(p0, p1), _mm_unpackhi_epi32(p0, p1));
  const __m128i u23 = _mm_add_epi32(_mm_unpacklo_epi32(p2, p3), _mm_unpackhi_epi32(p2, p3));
  return _mm_add_epi32(_mm_unpacklo_epi64(u01, u23), _mm_unpackhi_epi64(u01, u23));
}

template <int kTaps>
void ShrinkGrayRow(const int16_t* row, const AxisTaps& x_taps, uint8_t* out, int width) {
  const auto four_sums = kTaps == 4 ? FourSums4 : FourSums8;
  const int* first = x_taps.first.data();
  const int16_t* weight = x_taps.weight.data();
  int x = 0;
  for (; x + 8 <= width; x += 8) {
    StoreEight(out + x, four_sums(row, first, weight, x), four_sums(row, first, weight, x + 4));
  }
  ShrinkRow<1>(row, x_taps, out, x, width);
}
#endif

template <int kChannels>
void ShrinkRowAnyTaps(const int16_t* row, const AxisTaps& x_taps, uint8_t* out, int width) {
#if defined(__SSE2__)
  if constexpr (kChannels == 1) {
    if (x_taps.taps == 4) return ShrinkGrayRow<4>(row, x_taps, out, width);
    if (x_taps.taps == 8) return ShrinkGrayRow<8>(row, x_taps, out, width);
  }
#endif
  ShrinkRow<kChannels>(row, x_taps, out, 0, width);
}

template <int kChannels>
void Resize(const ConstPixelView& source, const PixelView& target) {
  const AxisTaps x_taps(source.width, target.width), y_taps(source.height, target.height);
  const int n = source.width * kChannels;
  std::vector<int32_t> sum(static_cast<size_t>(n));
  std::vector<int16_t> row(static_cast<size_t>(n));
  for (int y = 0; y < target.height; ++y) {
    CombineRows(source, y_taps, y, n, sum, row.data());
    ShrinkRowAnyTaps<kChannels>(
        row.data(), x_taps, target.data + static_cast<ptrdiff_t>(y) * target.stride, target.width);
  }
}

}  // namespace

bool AreaResizeApplies(int source_width, int source_height, int target_width, int target_height) {
  return target_width > 0 && target_height > 0 && target_width <= source_width &&
         target_height <= source_height;
}

void AreaResize(const ConstPixelView& source, const PixelView& target, int channels) {
  switch (channels) {
    case 1:
      Resize<1>(source, target);
      break;
    case 3:
      Resize<3>(source, target);
      break;
    default:
      Resize<4>(source, target);
      break;
  }
}

}  // namespace img2dataset
