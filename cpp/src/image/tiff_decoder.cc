#include "image/tiff_decoder.h"

#include <tiffio.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "image/orientation.h"

namespace img2dataset {

namespace {

// The most libtiff may allocate at once while reading a directory: its tag arrays (strip
// offsets, colour maps) are far smaller for any real image.
constexpr tmsize_t kDirectoryAllocationCap = tmsize_t{64} << 20;
// Sides above this are refused (cv::Mat sizes are ints; the engine's pixel limit is far lower).
constexpr uint32_t kMaxSide = uint32_t{1} << 30;

// ---- libtiff over a buffer in memory ----

struct MemoryFile {
  std::string_view bytes;
  uint64_t offset = 0;
};

tmsize_t ReadProc(thandle_t handle, void* out, tmsize_t size) {
  auto* file = static_cast<MemoryFile*>(handle);
  if (size <= 0 || file->offset >= file->bytes.size()) return 0;
  const size_t n =
      std::min<uint64_t>(static_cast<uint64_t>(size), file->bytes.size() - file->offset);
  std::memcpy(out, file->bytes.data() + file->offset, n);
  file->offset += n;
  return static_cast<tmsize_t>(n);
}

tmsize_t WriteProc(thandle_t, void*, tmsize_t) { return 0; }  // opened read-only

toff_t SeekProc(thandle_t handle, toff_t offset, int whence) {
  auto* file = static_cast<MemoryFile*>(handle);
  const uint64_t base = whence == SEEK_SET   ? 0
                        : whence == SEEK_CUR ? file->offset
                        : whence == SEEK_END ? file->bytes.size()
                                             : std::numeric_limits<uint64_t>::max();
  // toff_t is unsigned: a negative relative offset arrives as its two's complement.
  const uint64_t target = base + offset;
  if (base == std::numeric_limits<uint64_t>::max() ||
      target > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<toff_t>(-1);
  }
  file->offset = target;  // past the end is allowed; reads there return nothing
  return target;
}

int CloseProc(thandle_t) { return 0; }

toff_t SizeProc(thandle_t handle) { return static_cast<MemoryFile*>(handle)->bytes.size(); }

// Strips are read in place from the caller's buffer. libtiff never writes to a mapping of a file
// opened for reading (it copies the strip first when it must reverse its bits).
int MapProc(thandle_t handle, void** base, toff_t* size) {
  auto* file = static_cast<MemoryFile*>(handle);
  *base = const_cast<char*>(file->bytes.data());
  *size = file->bytes.size();
  return 1;
}

void UnmapProc(thandle_t, void*, toff_t) {}

// Drops the message and tells libtiff it was handled, so that the process-wide handlers are not
// called: nothing is printed, and no global state is touched.
int DropMessage(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

struct OptionsFreer {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};

// Opens `file` and reads its first directory; null when libtiff cannot. Any single allocation
// libtiff makes is capped at `allocation_cap` bytes.
TiffPtr Open(MemoryFile& file, tmsize_t allocation_cap) {
  const std::unique_ptr<TIFFOpenOptions, OptionsFreer> options(TIFFOpenOptionsAlloc());
  if (options == nullptr) return nullptr;
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), &DropMessage, nullptr);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), &DropMessage, nullptr);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), allocation_cap);
  return TiffPtr(TIFFClientOpenExt("memory", "r", &file, &ReadProc, &WriteProc, &SeekProc,
                                   &CloseProc, &SizeProc, &MapProc, &UnmapProc, options.get()));
}

// ---- what the first directory holds ----

// The 16-bit path: samples as stored, in the layouts OpenCV keeps at 16 bits.
bool IsSixteenBitPath(TIFF* tif, uint16_t photometric, uint16_t samples) {
  uint16_t bits = 0, format = 0, planar = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  if (bits != 16 || planar != PLANARCONFIG_CONTIG ||
      (format != SAMPLEFORMAT_UINT && format != SAMPLEFORMAT_INT)) {
    return false;
  }
  return (photometric == PHOTOMETRIC_MINISBLACK && samples == 1) ||
         (photometric == PHOTOMETRIC_RGB && (samples == 3 || samples == 4));
}

// The first directory as the decode sees it: the stored size, the orientation to apply, and the
// image the decode makes (upright: axes swapped for orientations 5 to 8).
struct Directory {
  uint32_t width = 0, height = 0;  // as stored
  int orientation = ORIENTATION_TOPLEFT;
  ImageInfo info;
};

std::optional<Directory> Describe(TIFF* tif) {
  uint32_t width = 0, height = 0;
  uint16_t photometric = 0, samples = 0;
  if (TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) != 1 ||
      TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height) != 1 ||
      TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) != 1 ||
      TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples) != 1) {
    return std::nullopt;
  }
  if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide) return std::nullopt;
  Directory directory;
  directory.width = width;
  directory.height = height;
  uint16_t orientation = ORIENTATION_TOPLEFT;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
  directory.orientation = orientation;
  ImageInfo& info = directory.info;
  const bool swap = OrientationSwapsAxes(orientation);
  info.width = static_cast<int>(swap ? height : width);
  info.height = static_cast<int>(swap ? width : height);
  info.animated = TIFFLastDirectory(tif) == 0;
  if (IsSixteenBitPath(tif, photometric, samples)) {
    info.depth = 16;
    info.channels = samples;
    return directory;
  }
  // Everything else goes through libtiff's RGBA interface; its setup tells whether the image has
  // alpha (allocating only small colour maps).
  char message[1024];
  if (TIFFRGBAImageOK(tif, message) != 1) return std::nullopt;
  TIFFRGBAImage image;
  if (TIFFRGBAImageBegin(&image, tif, /*stop_on_error=*/1, message) != 1) return std::nullopt;
  const bool alpha = image.alpha != 0;
  TIFFRGBAImageEnd(&image);
  const bool grey = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
  info.depth = 8;
  info.channels = alpha ? 4 : grey ? 1 : 3;
  return directory;
}

bool SameImage(const ImageInfo& a, const ImageInfo& b) {
  return a.width == b.width && a.height == b.height && a.channels == b.channels &&
         a.depth == b.depth;
}

// ---- decoding ----

// The stored raster, rows in file order (libtiff is asked for the file's own orientation, so that
// it flips nothing).
cv::Mat DecodeRgba(TIFF* tif, const Directory& directory) {
  const ImageInfo& info = directory.info;
  cv::Mat rgba(static_cast<int>(directory.height), static_cast<int>(directory.width), CV_8UC4);
  // ABGR words, that is R, G, B, A bytes in memory on the little-endian hosts the engine runs on.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "TIFFReadRGBA's byte order");
  if (TIFFReadRGBAImageOriented(tif, directory.width, directory.height,
                                reinterpret_cast<uint32_t*>(rgba.data), directory.orientation,
                                /*stop_on_error=*/1) != 1) {
    return {};
  }
  cv::Mat out;
  if (info.channels == 4) {
    cv::cvtColor(rgba, out, cv::COLOR_RGBA2BGRA);
  } else if (info.channels == 3) {
    cv::cvtColor(rgba, out, cv::COLOR_RGBA2BGR);
  } else {
    cv::extractChannel(rgba, out, 0);  // grey: R = G = B
  }
  return out;
}

// `pixels` pixels of `channels` 16-bit samples, RGB(A) to BGR(A).
void CopyRow16(const uint16_t* in, uint16_t* out, int pixels, int channels) {
  if (channels == 1) {
    std::memcpy(out, in, sizeof(uint16_t) * static_cast<size_t>(pixels));
    return;
  }
  for (int x = 0; x < pixels; ++x, in += channels, out += channels) {
    out[0] = in[2];
    out[1] = in[1];
    out[2] = in[0];
    if (channels == 4) out[3] = in[3];
  }
}

// The stored samples, rows in file order.
cv::Mat DecodeSixteenBit(TIFF* tif, const Directory& directory) {
  const int channels = directory.info.channels;
  const uint32_t width = directory.width, height = directory.height;
  const uint64_t row_bytes = uint64_t{2} * channels * width;
  const uint64_t image_bytes = row_bytes * height;
  cv::Mat out(static_cast<int>(height), static_cast<int>(width), CV_MAKETYPE(CV_16U, channels));
  if (TIFFIsTiled(tif)) {
    uint32_t tile_width = 0, tile_height = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_height);
    const uint64_t tile_bytes = TIFFTileSize64(tif);
    // A tile far larger than the image is a bomb, not a layout.
    if (tile_width == 0 || tile_height == 0 ||
        tile_bytes != uint64_t{2} * channels * tile_width * tile_height ||
        tile_bytes > image_bytes + (uint64_t{16} << 20)) {
      return {};
    }
    std::vector<uint16_t> tile(tile_bytes / 2);
    for (uint32_t y = 0; y < height; y += tile_height) {
      for (uint32_t x = 0; x < width; x += tile_width) {
        if (TIFFReadTile(tif, tile.data(), x, y, 0, 0) != static_cast<tmsize_t>(tile_bytes)) {
          return {};
        }
        const uint32_t rows = std::min(tile_height, height - y);
        const int pixels = static_cast<int>(std::min(tile_width, width - x));
        for (uint32_t r = 0; r < rows; ++r) {
          CopyRow16(tile.data() + size_t{r} * tile_width * channels,
                    out.ptr<uint16_t>(static_cast<int>(y + r)) + size_t{x} * channels, pixels,
                    channels);
        }
      }
    }
    return out;
  }
  if (TIFFScanlineSize64(tif) != row_bytes) return {};
  uint32_t rows_per_strip = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::clamp<uint32_t>(rows_per_strip, 1, height);
  std::vector<uint16_t> strip(row_bytes * rows_per_strip / 2);
  for (uint32_t y = 0; y < height; y += rows_per_strip) {
    const uint32_t rows = std::min(rows_per_strip, height - y);
    const auto bytes = static_cast<tmsize_t>(row_bytes * rows);
    if (TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, 0), strip.data(), bytes) != bytes) {
      return {};
    }
    for (uint32_t r = 0; r < rows; ++r) {
      CopyRow16(strip.data() + r * row_bytes / 2, out.ptr<uint16_t>(static_cast<int>(y + r)),
                static_cast<int>(width), channels);
    }
  }
  return out;
}

}  // namespace

std::optional<ImageInfo> ProbeTiff(std::string_view bytes) {
  MemoryFile file{bytes};
  const TiffPtr tif = Open(file, kDirectoryAllocationCap);
  if (tif == nullptr) return std::nullopt;
  const std::optional<Directory> directory = Describe(tif.get());
  if (!directory) return std::nullopt;
  return directory->info;
}

cv::Mat DecodeTiff(std::string_view bytes, const ImageInfo& info) {
  if (info.width <= 0 || info.height <= 0) return {};
  // libtiff's own buffers (a strip or tile, colour maps) stay below the image's raw size: at most
  // 4 samples of 16 bits per pixel, plus the directory's allowance.
  const uint64_t raw_bytes =
      uint64_t{8} * static_cast<uint64_t>(info.width) * static_cast<uint64_t>(info.height);
  const auto cap = static_cast<tmsize_t>(
      std::min<uint64_t>(raw_bytes + kDirectoryAllocationCap, uint64_t{1} << 62));
  MemoryFile file{bytes};
  const TiffPtr tif = Open(file, cap);
  if (tif == nullptr) return {};
  const std::optional<Directory> directory = Describe(tif.get());
  if (!directory || !SameImage(directory->info, info)) return {};
  cv::Mat stored = info.depth == 16 ? DecodeSixteenBit(tif.get(), *directory)
                                    : DecodeRgba(tif.get(), *directory);
  if (stored.empty() || directory->orientation == ORIENTATION_TOPLEFT) return stored;
  return ApplyOrientation(stored, directory->orientation);
}

}  // namespace img2dataset
