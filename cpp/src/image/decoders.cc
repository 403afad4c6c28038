// The decoder table (image/decoder.h).
#include <opencv2/imgcodecs.hpp>

#include "image/decoder.h"
#include "image/gif_decoder.h"
#include "image/image_header.h"
#include "image/jpeg_decoder.h"
#include "image/libjpeg_decoder.h"
#include "image/libpng_decoder.h"
#include "image/png_decoder.h"

namespace img2dataset {

namespace {

// OpenCV's decoder, until WebP, BMP and TIFF have their own.
cv::Mat DecodeWithOpenCv(std::string_view body) {
  try {
    const cv::Mat raw(1, static_cast<int>(body.size()), CV_8UC1,
                      const_cast<char*>(body.data()));  // imdecode only reads it
    return cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    return {};  // OpenCV throws on some corrupt inputs: undecodable, like the others
  }
}

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

std::optional<ImageInfo> ProbeWebp(std::string_view bytes) {
  return FromSize(ReadImageSize(bytes, ImageFormat::kWebp), 3);
}

std::optional<ImageInfo> ProbeBmp(std::string_view bytes) {
  return FromSize(ReadImageSize(bytes, ImageFormat::kBmp), 3);
}

std::optional<ImageInfo> ProbeTiff(std::string_view bytes) {
  return FromSize(ReadImageSize(bytes, ImageFormat::kTiff), 3);
}

cv::Mat DecodeOther(std::string_view bytes, const ImageInfo& /*info*/) {
  return DecodeWithOpenCv(bytes);
}

constexpr Decoder kDecoders[] = {
    {ImageFormat::kJpeg, ProbeJpeg, DecodeJpegImage}, {ImageFormat::kPng, ProbePng, DecodePngImage},
    {ImageFormat::kGif, ProbeGif, DecodeGifImage},    {ImageFormat::kWebp, ProbeWebp, DecodeOther},
    {ImageFormat::kBmp, ProbeBmp, DecodeOther},       {ImageFormat::kTiff, ProbeTiff, DecodeOther},
};

}  // namespace

const Decoder* FindDecoder(ImageFormat format) {
  for (const Decoder& decoder : kDecoders) {
    if (decoder.format == format) return &decoder;
  }
  return nullptr;
}

}  // namespace img2dataset
