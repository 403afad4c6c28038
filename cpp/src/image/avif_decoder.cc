#include "image/avif_decoder.h"

#include <avif/avif.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <opencv2/core.hpp>
#include <utility>
#include <vector>

#include "image/orientation.h"
#include "util/byte_order.h"

namespace img2dataset {

namespace {

struct DecoderDeleter {
  void operator()(avifDecoder* decoder) const { avifDecoderDestroy(decoder); }
};
using DecoderPtr = std::unique_ptr<avifDecoder, DecoderDeleter>;

// A decoder over `bytes` (not copied: they must outlive it) with its boxes parsed; nullptr when
// they are not a readable AVIF. `size_limit` (pixels) and `dimension_limit` (pixels per side,
// 0 for none) bound what the container may claim and what dav1d agrees to decode.
DecoderPtr Parse(std::string_view bytes, uint32_t size_limit, uint32_t dimension_limit) {
  DecoderPtr decoder(avifDecoderCreate());
  if (decoder == nullptr) return nullptr;
  // The engine runs one image per core: a decoder thread pool would only compete with it.
  decoder->maxThreads = 1;
  decoder->imageSizeLimit = size_limit;
  decoder->imageDimensionLimit = dimension_limit;
  decoder->ignoreExif = AVIF_TRUE;
  decoder->ignoreXMP = AVIF_TRUE;
  if (avifDecoderSetIOMemory(decoder.get(), reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size()) != AVIF_RESULT_OK ||
      avifDecoderParse(decoder.get()) != AVIF_RESULT_OK) {
    return nullptr;
  }
  return decoder;
}

// --- The primary item's 'ispe' box, read by the engine for the files libavif refuses to parse
// because of their size (over AVIF_DEFAULT_IMAGE_SIZE_LIMIT pixels, its ceiling in 0.11).

uint16_t LoadBigEndian16(std::string_view bytes, size_t at) {
  return static_cast<uint16_t>((static_cast<unsigned char>(bytes[at]) << 8) |
                               static_cast<unsigned char>(bytes[at + 1]));
}

// Splits the first ISO BMFF box off `rest`: its four-character type and its body. False at the
// end of `rest` or for a box that does not fit in it.
bool NextBox(std::string_view& rest, std::string_view& type, std::string_view& body) {
  if (rest.size() < 8) return false;
  uint64_t size = LoadBigEndian32(rest.data());
  size_t header = 8;
  if (size == 1) {  // a 64-bit size follows the type
    if (rest.size() < 16) return false;
    size = (uint64_t{LoadBigEndian32(rest.data() + 8)} << 32) | LoadBigEndian32(rest.data() + 12);
    header = 16;
  } else if (size == 0) {  // to the end
    size = rest.size();
  }
  if (size < header || size > rest.size()) return false;
  type = rest.substr(4, 4);
  body = rest.substr(header, static_cast<size_t>(size) - header);
  rest.remove_prefix(static_cast<size_t>(size));
  return true;
}

// The body of the first box of `type` among the boxes of `boxes`.
std::optional<std::string_view> FindBox(std::string_view boxes, std::string_view wanted) {
  std::string_view type, body;
  while (NextBox(boxes, type, body)) {
    if (type == wanted) return body;
  }
  return std::nullopt;
}

struct Extents {
  uint32_t width = 0, height = 0;
};

// meta > pitm names the primary item; meta > iprp > ipma lists its properties as indices into
// meta > iprp > ipco, one of which is its ispe (ISO/IEC 23008-12, 9.3).
std::optional<Extents> PrimaryItemExtents(std::string_view file) {
  const std::optional<std::string_view> meta = FindBox(file, "meta");
  if (!meta || meta->size() < 4) return std::nullopt;
  const std::string_view meta_boxes = meta->substr(4);  // after version and flags
  const std::optional<std::string_view> pitm = FindBox(meta_boxes, "pitm");
  const std::optional<std::string_view> iprp = FindBox(meta_boxes, "iprp");
  if (!pitm || pitm->size() < 6 || !iprp) return std::nullopt;
  const uint32_t primary = (*pitm)[0] == 0     ? LoadBigEndian16(*pitm, 4)
                           : pitm->size() >= 8 ? LoadBigEndian32(pitm->data() + 4)
                                               : 0;
  const std::optional<std::string_view> ipco = FindBox(*iprp, "ipco");
  const std::optional<std::string_view> ipma = FindBox(*iprp, "ipma");
  if (!ipco || !ipma || ipma->size() < 8) return std::nullopt;
  // ipco's properties, listed once: ipma may name them any number of times.
  std::vector<std::pair<std::string_view, std::string_view>> properties;
  std::string_view rest = *ipco, type, body;
  while (NextBox(rest, type, body)) properties.emplace_back(type, body);

  const bool long_ids = (*ipma)[0] != 0;            // version 1 and above
  const bool long_indices = ((*ipma)[3] & 1) != 0;  // flags
  const uint32_t entries = LoadBigEndian32(ipma->data() + 4);
  size_t at = 8;
  for (uint32_t entry = 0; entry < entries; ++entry) {
    if (at + (long_ids ? 5 : 3) > ipma->size()) return std::nullopt;
    const uint32_t item =
        long_ids ? LoadBigEndian32(ipma->data() + at) : LoadBigEndian16(*ipma, at);
    at += long_ids ? 4 : 2;
    const int associations = static_cast<unsigned char>((*ipma)[at++]);
    for (int a = 0; a < associations; ++a) {
      if (at + (long_indices ? 2 : 1) > ipma->size()) return std::nullopt;
      const uint32_t index = long_indices ? LoadBigEndian16(*ipma, at) & 0x7FFF
                                          : static_cast<unsigned char>((*ipma)[at]) & 0x7F;
      at += long_indices ? 2 : 1;
      if (item != primary || index == 0 || index > properties.size()) continue;
      const auto& [property, content] = properties[index - 1];  // indices count from 1
      if (property == "ispe" && content.size() >= 12) {
        return Extents{LoadBigEndian32(content.data() + 4), LoadBigEndian32(content.data() + 8)};
      }
    }
  }
  return std::nullopt;
}

bool AboveLibavifCeiling(uint64_t width, uint64_t height) {
  return width * height > AVIF_DEFAULT_IMAGE_SIZE_LIMIT;
}

// --- How the primary item is shown: its transformative properties, applied in the order
// ISO/IEC 23008-12 (6.5) gives, clap (a crop), then irot (a turn), then imir (a mirror).

struct Presentation {
  cv::Rect crop;              // of the stored image
  int orientation = 1;        // EXIF's numbering of the turn and mirror, for ApplyOrientation
  int width = 0, height = 0;  // as shown
};

// irot's angle (quarter turns anti-clockwise) and then imir's mode (none; 0: top and bottom
// exchanged; 1: left and right exchanged) as the EXIF orientation that does the same.
constexpr int kOrientationOf[4][3] = {{1, 4, 2}, {8, 5, 7}, {3, 2, 4}, {6, 7, 5}};

// A crop that takes more than this from a side is not the codec's padding (AV1 codes whole
// 8-pixel blocks; HEIC-converted files crop to 64-pixel units): it is ignored, and the stored
// image shown whole, so that the size the bomb guard sees is the size the decode allocates.
constexpr uint32_t kMaxCropPerSide = 128;

Presentation PresentationOf(const avifImage& image) {
  Presentation shown;
  shown.crop = cv::Rect(0, 0, static_cast<int>(image.width), static_cast<int>(image.height));
  avifCropRect rect;
  avifDiagnostics diagnostics;
  if ((image.transformFlags & AVIF_TRANSFORM_CLAP) != 0 &&
      avifCropRectConvertCleanApertureBox(&rect, &image.clap, image.width, image.height,
                                          image.yuvFormat, &diagnostics) &&
      rect.width > 0 && rect.height > 0 && image.width - rect.width <= kMaxCropPerSide &&
      image.height - rect.height <= kMaxCropPerSide) {
    shown.crop = cv::Rect(static_cast<int>(rect.x), static_cast<int>(rect.y),
                          static_cast<int>(rect.width), static_cast<int>(rect.height));
  }
  const int angle = (image.transformFlags & AVIF_TRANSFORM_IROT) != 0 ? image.irot.angle & 3 : 0;
  // libavif 1.0 renamed the mirror's field (Debian 12 has 0.11, the wheel 1.4).
#if AVIF_VERSION_MAJOR >= 1
  const int mirror_axis = image.imir.axis;
#else
  const int mirror_axis = image.imir.mode;
#endif
  const int mirror =
      (image.transformFlags & AVIF_TRANSFORM_IMIR) != 0 ? 1 + (mirror_axis & 1) : 0;
  shown.orientation = kOrientationOf[angle][mirror];
  const bool swap = OrientationSwapsAxes(shown.orientation);
  shown.width = swap ? shown.crop.height : shown.crop.width;
  shown.height = swap ? shown.crop.width : shown.crop.height;
  return shown;
}

}  // namespace

std::optional<ImageInfo> ProbeAvif(std::string_view bytes) {
  // The largest limit libavif accepts, and no limit per side: the probe reports what the file
  // claims, so that the engine's own size checks are the ones that refuse it.
  const DecoderPtr decoder = Parse(bytes, AVIF_DEFAULT_IMAGE_SIZE_LIMIT, 0);
  if (decoder == nullptr) {
    // libavif refuses to parse more pixels than that: the claim is read from the boxes here.
    const std::optional<Extents> claimed = PrimaryItemExtents(bytes);
    if (!claimed || !AboveLibavifCeiling(claimed->width, claimed->height) ||
        claimed->width > static_cast<uint32_t>(std::numeric_limits<int>::max()) ||
        claimed->height > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
      return std::nullopt;
    }
    ImageInfo info;
    info.width = static_cast<int>(claimed->width);
    info.height = static_cast<int>(claimed->height);
    info.channels = 3;
    return info;
  }
  const avifImage& image = *decoder->image;
  if (image.width == 0 || image.height == 0 ||
      image.width > static_cast<uint32_t>(std::numeric_limits<int>::max()) ||
      image.height > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
    return std::nullopt;
  }
  const Presentation shown = PresentationOf(image);
  ImageInfo info;
  info.width = shown.width;
  info.height = shown.height;
  info.channels = decoder->alphaPresent ? 4 : 3;
  info.depth = 8;
  info.animated = decoder->imageCount > 1;
  return info;
}

cv::Mat DecodeAvif(std::string_view bytes, const ImageInfo& info) {
  if (info.width <= 0 || info.height <= 0 || (info.channels != 3 && info.channels != 4) ||
      info.depth != 8) {
    return {};
  }
  // The boxes first, to find the stored size behind the probe's (shown) one.
  const DecoderPtr container = Parse(bytes, AVIF_DEFAULT_IMAGE_SIZE_LIMIT, 0);
  if (container == nullptr) return {};
  const uint32_t stored_width = container->image->width;
  const uint32_t stored_height = container->image->height;
  const Presentation shown = PresentationOf(*container->image);
  if (shown.width != info.width || shown.height != info.height) return {};

  // The stored size is the limit: dav1d refuses a frame above it before allocating one.
  const DecoderPtr decoder =
      Parse(bytes, stored_width * stored_height, std::max(stored_width, stored_height));
  if (decoder == nullptr || avifDecoderNextImage(decoder.get()) != AVIF_RESULT_OK) return {};
  const avifImage& image = *decoder->image;
  // The AV1 stream may disagree with the container that the probe read.
  if (image.width != stored_width || image.height != stored_height) return {};

  cv::Mat stored(static_cast<int>(stored_height), static_cast<int>(stored_width),
                 CV_8UC(info.channels));
  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, &image);
  rgb.format = info.channels == 4 ? AVIF_RGB_FORMAT_BGRA : AVIF_RGB_FORMAT_BGR;
  rgb.depth = 8;  // 10- and 12-bit images are scaled down by the conversion
  rgb.pixels = stored.data;
  rgb.rowBytes = static_cast<uint32_t>(stored.step[0]);
  if (avifImageYUVToRGB(&image, &rgb) != AVIF_RESULT_OK) return {};
  if (shown.crop.width == stored.cols && shown.crop.height == stored.rows) {
    return ApplyOrientation(stored, shown.orientation);
  }
  // A cropped view is made whole again (copied): the pipeline expects continuous rows.
  const cv::Mat cropped = stored(shown.crop);
  return shown.orientation == 1 ? cropped.clone() : ApplyOrientation(cropped, shown.orientation);
}

}  // namespace img2dataset
