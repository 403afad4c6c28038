#include "image/jxl_decoder.h"

#include <jxl/decode.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <opencv2/imgproc.hpp>

namespace img2dataset {

namespace {

struct DecoderDeleter {
  void operator()(JxlDecoder* decoder) const { JxlDecoderDestroy(decoder); }
};
using DecoderPtr = std::unique_ptr<JxlDecoder, DecoderDeleter>;

// A decoder over all of `bytes` (not copied: they must outlive it), for `events`; nullptr when
// libjxl refuses the settings.
DecoderPtr Open(std::string_view bytes, int events) {
  DecoderPtr decoder(JxlDecoderCreate(nullptr));
  if (decoder == nullptr) return nullptr;
  JxlDecoder* d = decoder.get();
  if (JxlDecoderSubscribeEvents(d, events) != JXL_DEC_SUCCESS ||
      JxlDecoderSetUnpremultiplyAlpha(d, JXL_TRUE) != JXL_DEC_SUCCESS ||
      JxlDecoderSetInput(d, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) !=
          JXL_DEC_SUCCESS) {
    return nullptr;
  }
  // The whole file is there: a truncated one is an error, not a wait for more input.
  JxlDecoderCloseInput(d);
  return decoder;
}

std::optional<ImageInfo> InfoOf(const JxlBasicInfo& basic) {
  if (basic.xsize == 0 || basic.ysize == 0 ||
      basic.xsize > static_cast<uint32_t>(std::numeric_limits<int>::max()) ||
      basic.ysize > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
    return std::nullopt;
  }
  // libjxl turns the image as its codestream says it is shown (orientations 5 to 8 swap the
  // axes); the size here is the one its output buffer has.
  const bool swap = basic.orientation >= JXL_ORIENT_TRANSPOSE;
  ImageInfo info;
  info.width = static_cast<int>(swap ? basic.ysize : basic.xsize);
  info.height = static_cast<int>(swap ? basic.xsize : basic.ysize);
  info.channels = basic.alpha_bits > 0 ? 4 : 3;
  info.depth = 8;
  info.animated = basic.have_animation != JXL_FALSE;
  return info;
}

bool SameInfo(const ImageInfo& a, const ImageInfo& b) {
  return a.width == b.width && a.height == b.height && a.channels == b.channels &&
         a.depth == b.depth && a.animated == b.animated;
}

}  // namespace

std::optional<ImageInfo> ProbeJxl(std::string_view bytes) {
  const DecoderPtr decoder = Open(bytes, JXL_DEC_BASIC_INFO);
  if (decoder == nullptr || JxlDecoderProcessInput(decoder.get()) != JXL_DEC_BASIC_INFO) {
    return std::nullopt;
  }
  JxlBasicInfo basic;
  if (JxlDecoderGetBasicInfo(decoder.get(), &basic) != JXL_DEC_SUCCESS) return std::nullopt;
  return InfoOf(basic);
}

cv::Mat DecodeJxl(std::string_view bytes, const ImageInfo& info) {
  if (info.width <= 0 || info.height <= 0 || (info.channels != 3 && info.channels != 4) ||
      info.depth != 8) {
    return {};
  }
  const DecoderPtr decoder = Open(bytes, JXL_DEC_BASIC_INFO | JXL_DEC_FULL_IMAGE);
  if (decoder == nullptr) return {};
  JxlDecoder* d = decoder.get();
  const JxlPixelFormat format = {static_cast<uint32_t>(info.channels), JXL_TYPE_UINT8,
                                 JXL_NATIVE_ENDIAN, 0};
  cv::Mat rgb;
  for (;;) {
    switch (JxlDecoderProcessInput(d)) {
      case JXL_DEC_BASIC_INFO: {
        JxlBasicInfo basic;
        if (JxlDecoderGetBasicInfo(d, &basic) != JXL_DEC_SUCCESS) return {};
        const std::optional<ImageInfo> header = InfoOf(basic);
        if (!header || !SameInfo(*header, info)) return {};
        break;
      }
      case JXL_DEC_NEED_IMAGE_OUT_BUFFER: {
        // Asked for once the first frame's header is read, the basic info found to be the probe's:
        // a file that ends or breaks before its first frame costs no buffer.
        size_t size = 0;
        if (JxlDecoderImageOutBufferSize(d, &format, &size) != JXL_DEC_SUCCESS ||
            size != size_t{static_cast<uint32_t>(info.width)} * static_cast<uint32_t>(info.height) *
                        static_cast<uint32_t>(info.channels)) {
          return {};
        }
        rgb.create(info.height, info.width, CV_8UC(info.channels));
        if (JxlDecoderSetImageOutBuffer(d, &format, rgb.data, size) != JXL_DEC_SUCCESS) return {};
        break;
      }
      case JXL_DEC_FULL_IMAGE: {
        if (rgb.empty()) return {};
        // The first frame (of an animation: the first one shown, composited on the canvas);
        // the rest of the file is not decoded.
        cv::Mat out;
        cv::cvtColor(rgb, out, info.channels == 4 ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
        return out;
      }
      default:
        // JXL_DEC_ERROR, JXL_DEC_NEED_MORE_INPUT (a truncated file), or JXL_DEC_SUCCESS before
        // any image (no frame at all).
        return {};
    }
  }
}

}  // namespace img2dataset
