// The decoder table (image/decoder.h): one entry per format, each on its own library.
#include "image/avif_decoder.h"
#include "image/bmp_decoder.h"
#include "image/decoder.h"
#include "image/gif_decoder.h"
#include "image/heif_decoder.h"
#include "image/image_header.h"
#include "image/jpeg_decoder.h"
#include "image/jxl_decoder.h"
#include "image/libjpeg_decoder.h"
#include "image/libpng_decoder.h"
#include "image/png_decoder.h"
#include "image/tiff_decoder.h"
#include "image/webp_decoder.h"

namespace img2dataset {

namespace {

std::optional<ImageInfo> FromSize(std::optional<ImageSize> size, int channels) {
  if (!size) return std::nullopt;
  ImageInfo info;
  info.width = size->width;
  info.height = size->height;
  info.channels = channels;
  return info;
}

std::optional<ImageInfo> ProbeJpeg(std::string_view bytes) {
  const std::optional<JpegHeader> header = ReadJpegHeader(bytes);
  if (!header) return std::nullopt;
  return FromSize(ImageSize{header->width, header->height}, header->gray ? 1 : 3);
}

// TurboJPEG first (it gives up on a warning), then libjpeg as OpenCV drives it, which recovers
// what it can of a damaged file and converts CMYK, as in the reference.
cv::Mat DecodeJpegImage(std::string_view bytes, const ImageInfo& info) {
  const std::optional<JpegHeader> header = ReadJpegHeader(bytes);
  cv::Mat image;
  if (header && !header->cmyk) image = DecodeJpeg(bytes, *header, 1);
  return image.empty() ? DecodeJpegWithLibjpeg(bytes, info.width, info.height) : image;
}

// IHDR: width, height, bit depth, colour type (grey 0, RGB 2, palette 3, grey+alpha 4, RGBA 6).
std::optional<ImageInfo> ProbePng(std::string_view b) {
  if (b.size() < 26 || b.substr(12, 4) != "IHDR") return std::nullopt;
  const std::optional<ImageSize> size = ReadImageSize(b, ImageFormat::kPng);
  const int depth = static_cast<uint8_t>(b[24]), colour = static_cast<uint8_t>(b[25]);
  std::optional<ImageInfo> info = FromSize(size, colour == 0 ? 1 : colour == 2 ? 3 : 4);
  if (info) info->depth = depth == 16 ? 16 : 8;
  return info;
}

// The fast path for the common 8-bit files, libpng for every other.
cv::Mat DecodePngImage(std::string_view bytes, const ImageInfo& info) {
  cv::Mat image = DecodePng(bytes);
  return image.empty() ? DecodePngWithLibpng(bytes, info.width, info.height) : image;
}

// The logical screen, which the first frame is painted on.
std::optional<ImageInfo> ProbeGif(std::string_view bytes) {
  return FromSize(ReadImageSize(bytes, ImageFormat::kGif), 4);
}

cv::Mat DecodeGifImage(std::string_view bytes, const ImageInfo& /*info*/) {
  return DecodeGifFirstFrame(bytes);
}

// clang-format off
constexpr Decoder kDecoders[] = {
    {ImageFormat::kJpeg, ProbeJpeg, DecodeJpegImage},
    {ImageFormat::kPng, ProbePng, DecodePngImage},
    {ImageFormat::kGif, ProbeGif, DecodeGifImage},
    {ImageFormat::kWebp, ProbeWebp, DecodeWebp},
    {ImageFormat::kBmp, ProbeBmp, DecodeBmp},
    {ImageFormat::kTiff, ProbeTiff, DecodeTiff},
    {ImageFormat::kAvif, ProbeAvif, DecodeAvif},
    {ImageFormat::kHeif, ProbeHeif, DecodeHeif},
    {ImageFormat::kJxl, ProbeJxl, DecodeJxl},
};
// clang-format on

}  // namespace

const Decoder* FindDecoder(ImageFormat format) {
  for (const Decoder& decoder : kDecoders) {
    if (decoder.format == format) return &decoder;
  }
  return nullptr;
}

}  // namespace img2dataset
