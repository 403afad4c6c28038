#include "image/tiff_decoder.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <tiffio.h>

#include <chrono>
#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Decode;
using testing::Encode;

// A deterministic pattern of every sample value range, `type` CV_8UC* or CV_16UC*.
cv::Mat Pattern(int width, int height, int type) {
  cv::Mat image(height, width, type);
  const int channels = image.channels();
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const int value = x * 37 + y * 91 + c * 53;
        if (image.depth() == CV_16U) {
          image.ptr<uint16_t>(y)[x * channels + c] = static_cast<uint16_t>(value * 257 % 65536);
        } else {
          image.ptr<uint8_t>(y)[x * channels + c] = static_cast<uint8_t>(value % 256);
        }
      }
    }
  }
  return image;
}

// Probes, then decodes with the probe's answer; an empty Mat when the probe fails.
cv::Mat ProbeAndDecode(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeTiff(bytes);
  if (!info) return {};
  return DecodeTiff(bytes, *info);
}

// The decode equals OpenCV's, sample for sample, and the probe says what the decode gave.
void ExpectSameAsOpenCv(const std::string& bytes) {
  const std::optional<ImageInfo> info = ProbeTiff(bytes);
  ASSERT_TRUE(info.has_value());
  const cv::Mat ours = DecodeTiff(bytes, *info);
  const cv::Mat theirs = Decode(bytes);
  ASSERT_FALSE(ours.empty());
  ASSERT_FALSE(theirs.empty());
  ASSERT_EQ(ours.type(), theirs.type());
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0);
  EXPECT_EQ(info->width, ours.cols);
  EXPECT_EQ(info->height, ours.rows);
  EXPECT_EQ(info->channels, ours.channels());
  EXPECT_EQ(info->depth, ours.depth() == CV_16U ? 16 : 8);
}

// ---- files written with libtiff, for layouts OpenCV does not write ----

struct TiffLayout {
  uint16_t photometric = PHOTOMETRIC_RGB;
  uint16_t compression = COMPRESSION_NONE;
  uint16_t orientation = ORIENTATION_TOPLEFT;
  uint16_t extra_sample = 0;  // EXTRASAMPLE_* of a last sample, or none (0 extra samples)
  bool has_extra = false;
  bool tiled = false;  // 16 x 16 tiles
  bool separate = false;
  int pages = 1;
};

// `image` holds the samples in file order (RGB, not BGR).
std::string WriteTiff(const cv::Mat& image, const TiffLayout& layout) {
  const testing::ScopedTempDir dir;
  const std::string path = dir.Join("image.tif");
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  EXPECT_NE(tif, nullptr);
  if (tif == nullptr) return {};
  const int channels = image.channels();
  const int bits = image.depth() == CV_16U ? 16 : 8;
  const size_t sample_bytes = static_cast<size_t>(bits / 8);
  for (int page = 0; page < layout.pages; ++page) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(image.cols));
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(image.rows));
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(bits));
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(channels));
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, layout.photometric);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, layout.compression);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, layout.orientation);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG,
                 layout.separate ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG);
    if (layout.has_extra) {
      const uint16_t extra[] = {layout.extra_sample};
      TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, extra);
    }
    if (layout.tiled) {
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, 16u);
      TIFFSetField(tif, TIFFTAG_TILELENGTH, 16u);
      std::vector<uint8_t> tile(16 * 16 * channels * sample_bytes, 0);
      for (int ty = 0; ty < image.rows; ty += 16) {
        for (int tx = 0; tx < image.cols; tx += 16) {
          std::fill(tile.begin(), tile.end(), 0);
          for (int y = ty; y < std::min(ty + 16, image.rows); ++y) {
            const size_t pixels = static_cast<size_t>(std::min(16, image.cols - tx));
            std::memcpy(tile.data() + (y - ty) * 16 * channels * sample_bytes,
                        image.ptr(y) + tx * channels * sample_bytes,
                        pixels * channels * sample_bytes);
          }
          EXPECT_GT(TIFFWriteTile(tif, tile.data(), tx, ty, 0, 0), 0);
        }
      }
    } else {
      TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 3u);
      if (layout.separate) {
        std::vector<uint8_t> row(image.cols * sample_bytes);
        for (int c = 0; c < channels; ++c) {
          for (int y = 0; y < image.rows; ++y) {
            for (int x = 0; x < image.cols; ++x) {
              std::memcpy(row.data() + x * sample_bytes,
                          image.ptr(y) + (x * channels + c) * sample_bytes, sample_bytes);
            }
            EXPECT_EQ(TIFFWriteScanline(tif, row.data(), y, static_cast<uint16_t>(c)), 1);
          }
        }
      } else {
        for (int y = 0; y < image.rows; ++y) {
          EXPECT_EQ(TIFFWriteScanline(tif, const_cast<uint8_t*>(image.ptr(y)), y, 0), 1);
        }
      }
    }
    EXPECT_EQ(TIFFWriteDirectory(tif), 1);
  }
  TIFFClose(tif);
  return testing::ReadFile(path);
}

// ---- hand-built directories, for what no writer makes ----

enum TiffType : uint16_t { kShort = 3, kLong = 4, kSlong = 9, kLong8 = 16 };

struct Entry {
  uint16_t tag;
  TiffType type;
  uint64_t value;  // one value
};

// A little-endian file of one directory holding `entries` in the given order (duplicates and
// disorder included), then `pixels` at offset 8 (classic) or 16 (BigTIFF): StripOffsets entries
// should say so.
std::string HandBuiltTiff(bool big, const std::vector<Entry>& entries, const std::string& pixels) {
  using testing::ByteOrder;
  using testing::Put;
  std::string out = "II";
  const uint32_t pixels_at = big ? 16 : 8;
  uint64_t ifd_at = pixels_at + pixels.size();
  ifd_at += ifd_at & 1;
  if (big) {
    Put(out, 43, 2, ByteOrder::kLittle);
    Put(out, 8, 2, ByteOrder::kLittle);
    Put(out, 0, 2, ByteOrder::kLittle);
    Put(out, static_cast<uint32_t>(ifd_at), 4, ByteOrder::kLittle);
    Put(out, 0, 4, ByteOrder::kLittle);
  } else {
    Put(out, 42, 2, ByteOrder::kLittle);
    Put(out, static_cast<uint32_t>(ifd_at), 4, ByteOrder::kLittle);
  }
  out += pixels;
  if (out.size() & 1) out += '\0';
  Put(out, static_cast<uint32_t>(entries.size()), 2, ByteOrder::kLittle);
  if (big) out.resize(out.size() + 6, '\0');  // the 8-byte count's upper bytes
  for (const Entry& e : entries) {
    Put(out, e.tag, 2, ByteOrder::kLittle);
    Put(out, e.type, 2, ByteOrder::kLittle);
    Put(out, 1, 4, ByteOrder::kLittle);
    if (big) Put(out, 0, 4, ByteOrder::kLittle);  // the count's upper half
    const int size = e.type == kShort ? 2 : e.type == kLong8 ? 8 : 4;
    Put(out, static_cast<uint32_t>(e.value), std::min(size, 4), ByteOrder::kLittle);
    if (size == 8) Put(out, static_cast<uint32_t>(e.value >> 32), 4, ByteOrder::kLittle);
    out.resize(out.size() + (big ? 8 : 4) - size, '\0');  // the value field's padding
  }
  Put(out, 0, 4, ByteOrder::kLittle);  // no next directory
  if (big) Put(out, 0, 4, ByteOrder::kLittle);
  return out;
}

// An 8-bit grey image of `width` x `height` in one uncompressed strip of `pixels`.
std::vector<Entry> GreyEntries(bool big, uint64_t width, uint64_t height, uint64_t strip_bytes,
                               TiffType size_type = kLong) {
  return {{256, size_type, width},  {257, size_type, height},
          {258, kShort, 8},         {259, kShort, COMPRESSION_NONE},
          {262, kShort, 1},         {273, kLong, big ? 16u : 8u},
          {277, kShort, 1},         {278, size_type, height},
          {279, kLong, strip_bytes}};
}

std::string Pixels(size_t n) {
  std::string pixels;
  for (size_t i = 0; i < n; ++i) pixels += static_cast<char>(i * 7);
  return pixels;
}

// ---- OpenCV-written files ----

TEST(TiffDecoderTest, EightBitGreyBgrAndBgraAreOpenCvs) {
  for (const int type : {CV_8UC1, CV_8UC3, CV_8UC4}) {
    SCOPED_TRACE(type);
    ExpectSameAsOpenCv(Encode(Pattern(37, 21, type), ".tiff"));
  }
}

TEST(TiffDecoderTest, SixteenBitKeepsSixteenBitsAsOpenCvDoes) {
  for (const int type : {CV_16UC1, CV_16UC3, CV_16UC4}) {
    SCOPED_TRACE(type);
    const std::string bytes = Encode(Pattern(29, 17, type), ".tiff");
    ExpectSameAsOpenCv(bytes);
    EXPECT_EQ(ProbeTiff(bytes)->depth, 16);
  }
}

TEST(TiffDecoderTest, EveryCompressionOpenCvWritesIsOpenCvs) {
  for (const int compression :
       {COMPRESSION_NONE, COMPRESSION_LZW, COMPRESSION_ADOBE_DEFLATE, COMPRESSION_PACKBITS}) {
    SCOPED_TRACE(compression);
    for (const int type : {CV_8UC3, CV_16UC1}) {
      ExpectSameAsOpenCv(
          Encode(Pattern(40, 30, type), ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, compression}));
    }
  }
}

TEST(TiffDecoderTest, LosslessPixelsRoundTrip) {
  const cv::Mat bgr = Pattern(23, 19, CV_8UC3);
  const cv::Mat out = ProbeAndDecode(Encode(bgr, ".tiff"));
  ASSERT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(out, bgr, cv::NORM_INF), 0);
  const cv::Mat grey16 = Pattern(23, 19, CV_16UC1);
  const cv::Mat out16 = ProbeAndDecode(Encode(grey16, ".tiff"));
  ASSERT_EQ(out16.type(), CV_16UC1);
  EXPECT_EQ(cv::norm(out16, grey16, cv::NORM_INF), 0);
}

// ---- libtiff-written layouts ----

TEST(TiffDecoderTest, TiledImagesAreOpenCvs) {
  TiffLayout layout;
  layout.tiled = true;
  layout.compression = COMPRESSION_ADOBE_DEFLATE;
  ExpectSameAsOpenCv(WriteTiff(Pattern(40, 20, CV_8UC3), layout));
  ExpectSameAsOpenCv(WriteTiff(Pattern(40, 20, CV_16UC3), layout));
  layout.photometric = PHOTOMETRIC_MINISBLACK;
  ExpectSameAsOpenCv(WriteTiff(Pattern(33, 17, CV_16UC1), layout));
}

TEST(TiffDecoderTest, SeparatePlanesAreOpenCvs) {
  TiffLayout layout;
  layout.separate = true;
  ExpectSameAsOpenCv(WriteTiff(Pattern(21, 13, CV_8UC3), layout));
}

TEST(TiffDecoderTest, BottomUpOrientationIsTurnedAsOpenCvDoes) {
  for (const uint16_t orientation :
       {ORIENTATION_BOTLEFT, ORIENTATION_BOTRIGHT, ORIENTATION_TOPRIGHT, ORIENTATION_LEFTBOT}) {
    SCOPED_TRACE(orientation);
    TiffLayout layout;
    layout.orientation = orientation;
    ExpectSameAsOpenCv(WriteTiff(Pattern(19, 11, CV_8UC3), layout));
  }
}

TEST(TiffDecoderTest, RgbaWithUnassociatedAlphaIsPremultipliedAsOpenCvDoes) {
  TiffLayout layout;
  layout.has_extra = true;
  layout.extra_sample = EXTRASAMPLE_UNASSALPHA;
  const std::string bytes = WriteTiff(Pattern(17, 9, CV_8UC4), layout);
  ExpectSameAsOpenCv(bytes);
  EXPECT_EQ(ProbeTiff(bytes)->channels, 4);
}

TEST(TiffDecoderTest, SixteenBitRgbaKeepsAlphaAsStored) {
  TiffLayout layout;
  layout.has_extra = true;
  layout.extra_sample = EXTRASAMPLE_UNASSALPHA;
  const cv::Mat rgba = Pattern(17, 9, CV_16UC4);
  const std::string bytes = WriteTiff(rgba, layout);
  ExpectSameAsOpenCv(bytes);
  const cv::Mat out = ProbeAndDecode(bytes);
  ASSERT_EQ(out.type(), CV_16UC4);
  const cv::Vec4w in = rgba.at<cv::Vec4w>(3, 5);
  EXPECT_EQ(out.at<cv::Vec4w>(3, 5), cv::Vec4w(in[2], in[1], in[0], in[3]));
}

// OpenCV drops the alpha of grey + alpha; the probe and decode keep it, as BGRA.
TEST(TiffDecoderTest, GreyWithAlphaIsBgra) {
  cv::Mat grey_alpha(8, 6, CV_8UC2);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 6; ++x) grey_alpha.at<cv::Vec2b>(y, x) = cv::Vec2b(x * 40, 255 - y * 30);
  }
  TiffLayout layout;
  layout.photometric = PHOTOMETRIC_MINISBLACK;
  layout.has_extra = true;
  layout.extra_sample = EXTRASAMPLE_ASSOCALPHA;  // stored premultiplied: libtiff keeps the values
  const std::string bytes = WriteTiff(grey_alpha, layout);
  const std::optional<ImageInfo> info = ProbeTiff(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->channels, 4);
  const cv::Mat out = DecodeTiff(bytes, *info);
  ASSERT_EQ(out.type(), CV_8UC4);
  const uint8_t g = static_cast<uint8_t>(5 * 40), a = static_cast<uint8_t>(255 - 7 * 30);
  EXPECT_EQ(out.at<cv::Vec4b>(7, 5), cv::Vec4b(g, g, g, a));
}

TEST(TiffDecoderTest, WhiteIsZeroGreyIsInverted) {
  TiffLayout layout;
  layout.photometric = PHOTOMETRIC_MINISWHITE;
  const cv::Mat grey = Pattern(10, 10, CV_8UC1);
  const std::string bytes = WriteTiff(grey, layout);
  ExpectSameAsOpenCv(bytes);
  const cv::Mat out = ProbeAndDecode(bytes);
  EXPECT_EQ(out.at<uint8_t>(4, 3), 255 - grey.at<uint8_t>(4, 3));
}

TEST(TiffDecoderTest, MultiPageFileIsAnimatedAndDecodesItsFirstPage) {
  TiffLayout layout;
  layout.pages = 3;
  const std::string bytes = WriteTiff(Pattern(12, 8, CV_8UC3), layout);
  EXPECT_TRUE(ProbeTiff(bytes)->animated);
  ExpectSameAsOpenCv(bytes);
  EXPECT_FALSE(ProbeTiff(Encode(Pattern(12, 8, CV_8UC3), ".tiff"))->animated);
}

// ---- hand-built directories ----

TEST(TiffDecoderTest, BigTiffIsRead) {
  const std::string bytes = HandBuiltTiff(true, GreyEntries(true, 16, 4, 64), Pixels(64));
  const std::optional<ImageInfo> info = ProbeTiff(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 16);
  EXPECT_EQ(info->height, 4);
  ExpectSameAsOpenCv(bytes);
  // LONG8 sizes, legal in BigTIFF only
  ExpectSameAsOpenCv(HandBuiltTiff(true, GreyEntries(true, 16, 4, 64, kLong8), Pixels(64)));
}

TEST(TiffDecoderTest, SignedLongSizesAreRead) {
  const std::string bytes = HandBuiltTiff(false, GreyEntries(false, 16, 4, 64, kSlong), Pixels(64));
  const std::optional<ImageInfo> info = ProbeTiff(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 16);
  EXPECT_EQ(info->height, 4);
  ExpectSameAsOpenCv(bytes);
}

// The hand-written header reader took the last of two ImageWidth entries, libtiff takes the
// first: a 24000-wide image passed the size limits as 16 wide. Probe and decode now agree.
TEST(TiffDecoderTest, RegressionImageWidthTwiceProbesAsLibtiffDecodes) {
  std::vector<Entry> entries = GreyEntries(false, 24000, 16, 256);
  entries.insert(entries.begin() + 1, Entry{256, kLong, 16});
  const std::string bytes = HandBuiltTiff(false, entries, Pixels(256));
  const std::optional<ImageInfo> info = ProbeTiff(bytes);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 24000);
  EXPECT_EQ(info->height, 16);
  const cv::Mat out = DecodeTiff(bytes, *info);
  if (!out.empty()) {
    EXPECT_EQ(out.size(), cv::Size(24000, 16));
  }
}

TEST(TiffDecoderTest, BombProbesToItsClaimWithoutAllocating) {
  for (const bool big : {false, true}) {
    SCOPED_TRACE(big);
    const std::string bytes = HandBuiltTiff(
        big, GreyEntries(big, 60000, 60000, 3'600'000'000u, big ? kLong8 : kLong), Pixels(16));
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const auto start = std::chrono::steady_clock::now();
    std::optional<ImageInfo> info;
    for (int i = 0; i < 20; ++i) info = ProbeTiff(bytes);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->width, 60000);
    EXPECT_EQ(info->height, 60000);
    EXPECT_LT(elapsed, std::chrono::seconds(1));
    EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 32 * 1024);  // KiB: no 3.6 GB buffer touched
  }
}

TEST(TiffDecoderTest, DirectoryUnlikeTheProbeIsRefused) {
  const std::string bytes = Encode(Pattern(20, 10, CV_8UC3), ".tiff");
  const ImageInfo info = *ProbeTiff(bytes);
  std::vector<ImageInfo> others(4, info);
  others[0].width = 21;
  others[1].height = 60000;
  others[2].channels = 4;
  others[3].depth = 16;
  for (const ImageInfo& other : others) EXPECT_TRUE(DecodeTiff(bytes, other).empty());
  EXPECT_FALSE(DecodeTiff(bytes, info).empty());
}

// ---- broken input ----

int global_messages = 0;
void CountMessage(const char*, const char*, va_list) { ++global_messages; }

TEST(TiffDecoderTest, TruncatedAndCorruptFilesFailQuietly) {
  const std::vector<std::string> files = {
      Encode(Pattern(40, 30, CV_8UC3), ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, COMPRESSION_LZW}),
      Encode(Pattern(40, 30, CV_16UC4), ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, COMPRESSION_NONE}),
      HandBuiltTiff(true, GreyEntries(true, 16, 4, 64), Pixels(64)),
  };
  // Our handlers are per open file: libtiff's process-wide ones must never hear of these files.
  global_messages = 0;
  const TIFFErrorHandler old_error = TIFFSetErrorHandler(&CountMessage);
  const TIFFErrorHandler old_warning = TIFFSetWarningHandler(&CountMessage);
  int failed = 0;
  for (const std::string& file : files) {
    for (size_t length = 0; length < file.size(); length += 7) {
      const std::string prefix = file.substr(0, length);
      const std::optional<ImageInfo> info = ProbeTiff(prefix);
      if (!info) {
        ++failed;
        continue;
      }
      const cv::Mat out = DecodeTiff(prefix, *info);
      if (out.empty()) {
        ++failed;
      } else {
        EXPECT_EQ(out.size(), cv::Size(info->width, info->height));
      }
    }
    for (size_t at = 0; at < file.size(); at += 5) {
      std::string flipped = file;
      flipped[at] = static_cast<char>(flipped[at] ^ 0x5A);
      const std::optional<ImageInfo> info = ProbeTiff(flipped);
      if (!info) continue;
      const cv::Mat out = DecodeTiff(flipped, *info);
      if (!out.empty()) {
        EXPECT_EQ(out.size(), cv::Size(info->width, info->height));
      }
    }
  }
  TIFFSetErrorHandler(old_error);
  TIFFSetWarningHandler(old_warning);
  EXPECT_GT(failed, 0);
  EXPECT_EQ(global_messages, 0);
}

TEST(TiffDecoderTest, StripPastTheEndOfTheFileIsCorruptAsForOpenCv) {
  std::vector<Entry> entries = GreyEntries(false, 16, 4, 64);
  const size_t size = HandBuiltTiff(false, entries, Pixels(64)).size();
  entries[5].value = size - 20;  // StripOffsets: 64 bytes from 20 before the end
  const std::string bytes = HandBuiltTiff(false, entries, Pixels(64));
  ASSERT_TRUE(ProbeTiff(bytes).has_value());
  EXPECT_TRUE(ProbeAndDecode(bytes).empty());
  EXPECT_TRUE(Decode(bytes).empty());
}

TEST(TiffDecoderTest, NotTiffIsNullopt) {
  EXPECT_FALSE(ProbeTiff("").has_value());
  EXPECT_FALSE(ProbeTiff(std::string("II*\0", 4)).has_value());
  EXPECT_FALSE(ProbeTiff(Encode(Pattern(8, 8, CV_8UC3), ".png")).has_value());
}

}  // namespace
}  // namespace img2dataset
