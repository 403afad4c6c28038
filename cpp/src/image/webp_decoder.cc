#include "image/webp_decoder.h"

#include <webp/decode.h>
#include <webp/demux.h>

#include <cstdint>
#include <memory>

namespace img2dataset {

namespace {

const uint8_t* Data(std::string_view bytes) {
  return reinterpret_cast<const uint8_t*>(bytes.data());
}

struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* decoder) const { WebPAnimDecoderDelete(decoder); }
};

// The first frame on the canvas. WebPAnimDecoder keeps two canvases of its own; the frame is
// copied out of them.
cv::Mat DecodeFirstFrame(std::string_view bytes, const ImageInfo& info) {
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) return {};
  options.color_mode = MODE_BGRA;  // not premultiplied, as a still's BGRA
  options.use_threads = 0;         // the engine decodes on its own threads
  const WebPData data{Data(bytes), bytes.size()};
  const std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> decoder(
      WebPAnimDecoderNew(&data, &options));
  if (decoder == nullptr) return {};
  WebPAnimInfo anim;
  if (!WebPAnimDecoderGetInfo(decoder.get(), &anim) ||
      anim.canvas_width != static_cast<uint32_t>(info.width) ||
      anim.canvas_height != static_cast<uint32_t>(info.height) || anim.frame_count == 0) {
    return {};
  }
  uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) || canvas == nullptr) return {};
  return cv::Mat(info.height, info.width, CV_8UC4, canvas).clone();
}

}  // namespace

std::optional<ImageInfo> ProbeWebp(std::string_view bytes) {
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(Data(bytes), bytes.size(), &features) != VP8_STATUS_OK ||
      features.width <= 0 || features.height <= 0) {
    return std::nullopt;
  }
  ImageInfo info;
  info.width = features.width;
  info.height = features.height;
  info.animated = features.has_animation != 0;
  info.channels = features.has_alpha || info.animated ? 4 : 3;
  info.depth = 8;
  return info;
}

cv::Mat DecodeWebp(std::string_view bytes, const ImageInfo& info) {
  const std::optional<ImageInfo> probed = ProbeWebp(bytes);
  if (!probed || probed->width != info.width || probed->height != info.height ||
      probed->channels != info.channels || probed->animated != info.animated || info.depth != 8) {
    return {};
  }
  if (info.animated) return DecodeFirstFrame(bytes, info);
  cv::Mat out(info.height, info.width, CV_MAKETYPE(CV_8U, info.channels));
  const size_t size = out.total() * out.elemSize();
  const auto stride = static_cast<int>(out.step);
  const uint8_t* decoded =
      info.channels == 4 ? WebPDecodeBGRAInto(Data(bytes), bytes.size(), out.data, size, stride)
                         : WebPDecodeBGRInto(Data(bytes), bytes.size(), out.data, size, stride);
  if (decoded == nullptr) return {};
  return out;
}

}  // namespace img2dataset
