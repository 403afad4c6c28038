#include "image/jpeg_decoder.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "image/area_resize.h"

namespace img2dataset {

namespace {

// One decompressor per thread, created on first use and kept: creating one costs more than
// decoding a small image.
struct DecompressorHandle {
  tjhandle handle = tjInitDecompress();
  ~DecompressorHandle() {
    if (handle != nullptr) tjDestroy(handle);
  }
};

DecompressorHandle& ThreadDecompressor() {
  thread_local DecompressorHandle decompressor;
  return decompressor;
}

tjhandle Decompressor() { return ThreadDecompressor().handle; }

// tjDecompressHeader3 (libjpeg-turbo 2.1) returns from a libjpeg error without aborting the
// decompression: the handle stays mid-header, and every later header read on it fails ("two SOI
// markers"). After a failed read the handle is replaced.
void ResetDecompressor() {
  DecompressorHandle& decompressor = ThreadDecompressor();
  if (decompressor.handle != nullptr) tjDestroy(decompressor.handle);
  decompressor.handle = tjInitDecompress();
}

tjhandle Compressor() {
  struct Handle {
    tjhandle handle = tjInitCompress();
    ~Handle() {
      if (handle != nullptr) tjDestroy(handle);
    }
  };
  thread_local Handle handle;
  return handle.handle;
}

int ScaledSize(int size, int denominator) { return (size + denominator - 1) / denominator; }

// Three planes of a 4:2:0 image in one buffer, left uninitialised: the decoder or the resize
// writes every byte, or FillWhite does first.
struct I420 {
  int width = 0, height = 0;
  size_t size = 0;
  std::unique_ptr<uint8_t[]> data;
  uint8_t* planes[3] = {};
  int strides[3] = {};

  I420(int w, int h) : width(w), height(h) {
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    size = static_cast<size_t>(w) * h + 2 * static_cast<size_t>(cw) * ch;
    data.reset(new uint8_t[size]);
    planes[0] = data.get();
    planes[1] = planes[0] + static_cast<size_t>(w) * h;
    planes[2] = planes[1] + static_cast<size_t>(cw) * ch;
    strides[0] = w;
    strides[1] = strides[2] = cw;
  }
  void FillWhite() {
    std::fill(planes[0], planes[1], uint8_t{255});
    std::fill(planes[1], data.get() + size, uint8_t{128});
  }
  // Plane pointer of the pixel (x, y); chroma positions are halved.
  uint8_t* At(int plane, int x, int y) const {
    return plane == 0 ? planes[0] + static_cast<size_t>(y) * strides[0] + x
                      : planes[plane] + static_cast<size_t>(y / 2) * strides[plane] + x / 2;
  }
};

// Encodes the window (`left`, `top`, `width` x `height`) of `image` as a 4:2:0 JPEG.
std::optional<std::string> EncodeI420(const I420& image, int left, int top, int width, int height,
                                      int quality) {
  const unsigned char* planes[3] = {image.At(0, left, top), image.At(1, left, top),
                                    image.At(2, left, top)};
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  if (tjCompressFromYUVPlanes(Compressor(), planes, width, image.strides, height, TJSAMP_420, &jpeg,
                              &size, quality, 0) != 0) {
    tjFree(jpeg);
    return std::nullopt;
  }
  std::string encoded(reinterpret_cast<const char*>(jpeg), size);
  tjFree(jpeg);
  return encoded;
}

}  // namespace

std::optional<JpegHeader> ReadJpegHeader(std::string_view bytes) {
  tjhandle handle = Decompressor();
  if (handle == nullptr || bytes.empty()) return std::nullopt;
  int width = 0, height = 0, subsampling = -1, colorspace = -1;
  const int status = tjDecompressHeader3(
      handle, reinterpret_cast<const unsigned char*>(bytes.data()),
      static_cast<unsigned long>(bytes.size()), &width, &height, &subsampling, &colorspace);
  if (status != 0) ResetDecompressor();
  // The sizes are set once libjpeg has read the whole frame header. The call still fails after a
  // warning (stray bytes between markers) or on a subsampling TurboJPEG has no name for, yet
  // libjpeg, and so OpenCV, decodes such files: their size must reach the bomb guard.
  if (width <= 0 || height <= 0) return std::nullopt;
  JpegHeader header;
  header.width = width;
  header.height = height;
  header.gray = colorspace == TJCS_GRAY;
  header.cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  header.yuv420 = status == 0 && colorspace == TJCS_YCbCr && subsampling == TJSAMP_420;
  return header;
}

int JpegScaleDenominator(const JpegHeader& header, int min_width, int min_height) {
  for (int denominator : {8, 4, 2}) {
    if (ScaledSize(header.width, denominator) >= min_width &&
        ScaledSize(header.height, denominator) >= min_height) {
      return denominator;
    }
  }
  return 1;
}

cv::Mat DecodeJpeg(std::string_view bytes, const JpegHeader& header, int denominator) {
  tjhandle handle = Decompressor();
  if (handle == nullptr) return {};
  const int width = ScaledSize(header.width, denominator);
  const int height = ScaledSize(header.height, denominator);
  cv::Mat image(height, width, header.gray ? CV_8UC1 : CV_8UC3);
  const int status = tjDecompress2(
      handle, reinterpret_cast<const unsigned char*>(bytes.data()),
      static_cast<unsigned long>(bytes.size()), image.data, width, static_cast<int>(image.step),
      height, header.gray ? TJPF_GRAY : TJPF_BGR, TJFLAG_NOREALLOC | TJFLAG_STOPONWARNING);
  // Stop at the first warning: TurboJPEG reports a fatal error that follows a warning as a
  // warning (tjGetErrorCode), which would pass uninitialised pixels off as an image.
  if (status != 0) return {};
  return image;
}

std::optional<std::string> ResizeJpegInYuv(std::string_view bytes, const JpegHeader& header,
                                           const YuvResize& r) {
  tjhandle decompressor = Decompressor();
  if (decompressor == nullptr || Compressor() == nullptr || !header.yuv420) return std::nullopt;
  I420 decoded(ScaledSize(header.width, r.denominator), ScaledSize(header.height, r.denominator));
  if (tjDecompressToYUVPlanes(decompressor, reinterpret_cast<const unsigned char*>(bytes.data()),
                              static_cast<unsigned long>(bytes.size()), decoded.planes,
                              decoded.width, decoded.strides, decoded.height,
                              TJFLAG_STOPONWARNING) != 0) {
    return std::nullopt;  // as DecodeJpeg: a warning may hide a fatal error
  }

  // Re-encoding at the decoded size (perhaps cropped): straight from the decoded planes.
  if (decoded.width == r.scaled_width && decoded.height == r.scaled_height &&
      (r.crop || (r.canvas_width == r.scaled_width && r.canvas_height == r.scaled_height))) {
    return EncodeI420(decoded, r.crop ? r.left : 0, r.crop ? r.top : 0, r.canvas_width,
                      r.canvas_height, r.quality);
  }

  // Scale into the canvas (border) or into a buffer of the scaled size (others).
  I420 scaled(r.crop ? r.scaled_width : r.canvas_width, r.crop ? r.scaled_height : r.canvas_height);
  const int x = r.crop ? 0 : r.left, y = r.crop ? 0 : r.top;
  if (!r.crop && (r.scaled_width != r.canvas_width || r.scaled_height != r.canvas_height)) {
    scaled.FillWhite();
  }
  // Area resampling of each plane, the filter the exact path applies to BGR pixels: one and a
  // half planes instead of three channels. (libyuv's box filter is faster but measurably
  // blurrier: SSIM against the exact path fell from 0.996 to 0.989 on the bench corpus.)
  for (int plane = 0; plane < 3; ++plane) {
    const int shift = plane == 0 ? 0 : 1;
    const auto size = [shift](int v) { return (v + shift) >> shift; };
    const ConstPixelView source{decoded.planes[plane], size(decoded.width), size(decoded.height),
                                decoded.strides[plane]};
    const PixelView target{scaled.At(plane, x, y), size(r.scaled_width), size(r.scaled_height),
                           scaled.strides[plane]};
    if (AreaResizeApplies(source.width, source.height, target.width, target.height)) {
      AreaResize(source, target, 1);
    } else {  // a plane that grows: chroma rounding on an image one pixel wide
      const cv::Mat from(source.height, source.width, CV_8UC1, decoded.planes[plane],
                         static_cast<size_t>(source.stride));
      cv::Mat to(target.height, target.width, CV_8UC1, target.data,
                 static_cast<size_t>(target.stride));
      cv::resize(from, to, to.size(), 0, 0, cv::INTER_AREA);
    }
  }

  // Encode the canvas, or the crop window of the scaled image.
  return EncodeI420(scaled, r.crop ? r.left : 0, r.crop ? r.top : 0, r.canvas_width,
                    r.canvas_height, r.quality);
}

}  // namespace img2dataset
