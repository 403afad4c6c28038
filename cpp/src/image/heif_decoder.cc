#include "image/heif_decoder.h"

#include <libheif/heif.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <opencv2/imgproc.hpp>

namespace img2dataset {

namespace {

// libheif registers its built-in codecs at load time, but asks every user to call heif_init()
// before anything else; its reference count is never brought back to zero here, so the codecs
// stay registered for the life of the process.
void InitLibheifOnce() {
  [[maybe_unused]] static const bool initialised = [] {
    heif_init(nullptr);
    return true;
  }();
}

struct ContextDeleter {
  void operator()(heif_context* context) const { heif_context_free(context); }
};
struct HandleDeleter {
  void operator()(heif_image_handle* handle) const { heif_image_handle_release(handle); }
};
struct ImageDeleter {
  void operator()(heif_image* image) const { heif_image_release(image); }
};
struct OptionsDeleter {
  void operator()(heif_decoding_options* options) const { heif_decoding_options_free(options); }
};

// The boxes of `bytes` (not copied: they must outlive the context) and the primary image's
// handle; no pixels are decoded. `max_side` bounds the width and height that any image item of
// the file may claim, and the canvas of a grid.
struct Parsed {
  std::unique_ptr<heif_context, ContextDeleter> context;
  std::unique_ptr<heif_image_handle, HandleDeleter> primary;
};
std::optional<Parsed> Parse(std::string_view bytes, int max_side) {
  InitLibheifOnce();
  Parsed parsed;
  parsed.context.reset(heif_context_alloc());
  if (parsed.context == nullptr) return std::nullopt;
  heif_context* context = parsed.context.get();
  heif_context_set_maximum_image_size_limit(context, max_side);
  // 0: grid tiles are decoded on this thread (1 would start one thread of libheif's own).
  heif_context_set_max_decoding_threads(context, 0);
  if (heif_context_read_from_memory_without_copy(context, bytes.data(), bytes.size(), nullptr)
          .code != heif_error_Ok) {
    return std::nullopt;
  }
  heif_image_handle* primary = nullptr;
  if (heif_context_get_primary_image_handle(context, &primary).code != heif_error_Ok ||
      primary == nullptr) {
    return std::nullopt;
  }
  parsed.primary.reset(primary);
  return parsed;
}

// The size the image is shown at (clap, irot applied), which the decode gives. A crop beyond the
// codec's padding reports the stored size (ispe) instead, what decoding costs, so that the bomb
// guard sees it; such a file then fails to decode (the sizes disagree).
bool DisplayedSize(const heif_image_handle* primary, int* width, int* height) {
  const int stored_w = heif_image_handle_get_ispe_width(primary);
  const int stored_h = heif_image_handle_get_ispe_height(primary);
  const int shown_w = heif_image_handle_get_width(primary);
  const int shown_h = heif_image_handle_get_height(primary);
  if (stored_w <= 0 || stored_h <= 0 || shown_w <= 0 || shown_h <= 0) return false;
  constexpr int kPadding = 128;  // HEVC pads to its 64-pixel coding tree units
  const bool honest = std::max(stored_w, stored_h) <= std::max(shown_w, shown_h) + kPadding &&
                      std::min(stored_w, stored_h) <= std::min(shown_w, shown_h) + kPadding;
  *width = honest ? shown_w : stored_w;
  *height = honest ? shown_h : stored_h;
  return true;
}

}  // namespace

std::optional<ImageInfo> ProbeHeif(std::string_view bytes) {
  // No practical limit here: the probe reports what the file claims, however large, so that the
  // engine's own size checks are the ones that refuse it (nothing is decoded).
  const std::optional<Parsed> parsed = Parse(bytes, std::numeric_limits<int>::max());
  if (!parsed) return std::nullopt;
  const heif_image_handle* primary = parsed->primary.get();
  ImageInfo info;
  if (!DisplayedSize(primary, &info.width, &info.height)) return std::nullopt;
  info.channels = heif_image_handle_has_alpha_channel(primary) ? 4 : 3;
  info.depth = 8;
  info.animated = heif_context_get_number_of_top_level_images(parsed->context.get()) > 1;
  return info;
}

cv::Mat DecodeHeif(std::string_view bytes, const ImageInfo& info) {
  if (info.width <= 0 || info.height <= 0 || (info.channels != 3 && info.channels != 4) ||
      info.depth != 8 || std::max(info.width, info.height) == std::numeric_limits<int>::max()) {
    return {};
  }
  // libheif refuses an item side above the limit and a grid canvas side at or above it: one
  // more than the probe's larger side lets exactly the probed size through.
  const std::optional<Parsed> parsed = Parse(bytes, std::max(info.width, info.height) + 1);
  if (!parsed) return {};
  const heif_image_handle* primary = parsed->primary.get();
  const bool alpha = info.channels == 4;
  int width = 0, height = 0;
  if (!DisplayedSize(primary, &width, &height) || width != info.width || height != info.height ||
      (heif_image_handle_has_alpha_channel(primary) != 0) != alpha) {
    return {};
  }

  const std::unique_ptr<heif_decoding_options, OptionsDeleter> options(
      heif_decoding_options_alloc());
  if (options == nullptr) return {};
  // Cropped (clap: the codec's padding) and turned (irot, imir) as the file says it is shown:
  // HEIC has no EXIF orientation to apply later.
  options->ignore_transformations = 0;
  options->convert_hdr_to_8bit = 1;
  heif_image* decoded = nullptr;
  const heif_error error = heif_decode_image(
      primary, &decoded, heif_colorspace_RGB,
      alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, options.get());
  const std::unique_ptr<heif_image, ImageDeleter> image(decoded);
  if (error.code != heif_error_Ok || image == nullptr) return {};

  // The coded stream may disagree with the boxes that the probe read.
  int stride = 0;
  const uint8_t* plane =
      heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  if (plane == nullptr ||
      heif_image_get_width(image.get(), heif_channel_interleaved) != info.width ||
      heif_image_get_height(image.get(), heif_channel_interleaved) != info.height ||
      heif_image_get_bits_per_pixel(image.get(), heif_channel_interleaved) != 8 * info.channels ||
      stride < info.width * info.channels) {
    return {};
  }
  const cv::Mat rgb(info.height, info.width, CV_8UC(info.channels), const_cast<uint8_t*>(plane),
                    static_cast<size_t>(stride));
  cv::Mat out;
  cv::cvtColor(rgb, out, alpha ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
  return out;
}

}  // namespace img2dataset
