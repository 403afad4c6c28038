#include "image/image_decode.h"

#include <string>
#include <utility>

#include "image/area_resize.h"
#include "image/jpeg_decoder.h"

namespace img2dataset {

namespace {

ProcessedImage Unchanged(const ImagePlan& plan) {
  ProcessedImage result;
  result.keep_original = true;
  result.original_width = result.width = plan.width;
  result.original_height = result.height = plan.height;
  return result;
}

// The 1/denominator at which the JPEG decodes: keep twice the resolution the resize needs, so
// that area resampling then hides the DCT scaling.
int ScaleDenominator(const JpegHeader& jpeg, const ImagePlan& plan) {
  const ResizePlan& resize = plan.resize;
  if (!resize.acts || !resize.resample(plan.width, plan.height)) return 1;
  const int need_w = 2 * resize.scaled_width, need_h = 2 * resize.scaled_height;
  return JpegScaleDenominator(jpeg, plan.swap_axes ? need_h : need_w,
                              plan.swap_axes ? need_w : need_h);
}

// The common cases — a colour JPEG shrunk, or re-encoded at its size, into a JPEG — never leave
// YUV. nullopt when the image does not qualify or its data is corrupt.
std::optional<ProcessedImage> ResizeInYuv(std::string_view bytes, const JpegHeader& jpeg,
                                          int denominator, const ImageOptions& options,
                                          const ImagePlan& plan) {
  const ResizePlan& resize = plan.resize;
  const bool shrinks = resize.acts && resize.resample(plan.width, plan.height);
  const bool fits = shrinks ? resize.interpolation == Interpolation::kArea &&
                                  AreaResizeApplies(plan.width, plan.height, resize.scaled_width,
                                                    resize.scaled_height)
                            : plan.encode_needed;
  if (!jpeg.yuv420 || plan.orientation != 1 || options.encode_format != EncodeFormat::kJpg ||
      !fits || plan.boxes != nullptr) {
    return std::nullopt;
  }
  YuvResize yuv;
  yuv.denominator = denominator;
  yuv.scaled_width = resize.scaled_width;
  yuv.scaled_height = resize.scaled_height;
  yuv.canvas_width = resize.width;
  yuv.canvas_height = resize.height;
  yuv.crop = resize.crop;
  yuv.left = resize.crop ? resize.crop_x : resize.pad_left;
  yuv.top = resize.crop ? resize.crop_y : resize.pad_top;
  yuv.quality = options.encode_quality;
  std::optional<std::string> encoded = ResizeJpegInYuv(bytes, jpeg, yuv);
  if (!encoded) return std::nullopt;
  ProcessedImage result;
  result.encoded = std::move(*encoded);
  result.original_width = plan.width;
  result.original_height = plan.height;
  result.width = resize.width;
  result.height = resize.height;
  return result;
}

// The fast pipeline's JPEG decode; nullopt when the header is one it leaves to the table's
// decoder (CMYK).
std::optional<DecodedImage> DecodeFastJpeg(std::string_view bytes, const ImageOptions& options,
                                           ImagePlan* plan) {
  const std::optional<JpegHeader> jpeg = ReadJpegHeader(bytes);
  if (!jpeg || jpeg->cmyk) return std::nullopt;
  const int denominator = ScaleDenominator(*jpeg, *plan);
  DecodedImage decoded;
  decoded.done = ResizeInYuv(bytes, *jpeg, denominator, options, *plan);
  if (decoded.done) return decoded;
  // Kept as downloaded: only the proof that the file decodes is needed, as the reference's
  // decode gives it. The 1/8 scale reads every coefficient, where a corrupt file fails, and
  // skips most of the rest.
  if (!plan->encode_needed && !DecodeJpeg(bytes, *jpeg, 8).empty()) {
    decoded.done = Unchanged(*plan);
    return decoded;
  }
  decoded.image = DecodeJpeg(bytes, *jpeg, denominator);
  if (decoded.image.empty()) return std::nullopt;  // corrupt: the table's decoder recovers
  if (denominator > 1) plan->encode_needed = true;
  return decoded;
}

}  // namespace

DecodedImage DecodeImage(std::string_view bytes, const ImageOptions& options, ImagePlan* plan) {
  if (options.pipeline == ImagePipeline::kFast && plan->format == ImageFormat::kJpeg) {
    if (std::optional<DecodedImage> decoded = DecodeFastJpeg(bytes, options, plan)) {
      return *std::move(decoded);
    }
  }
  DecodedImage decoded;
  decoded.image = plan->decoder->decode(bytes, plan->info);
  // A decoder never gives more than its probe said; the check keeps the guard true regardless.
  if (!decoded.image.empty() &&
      (decoded.image.cols != plan->info.width || decoded.image.rows != plan->info.height)) {
    decoded.image = cv::Mat();
  }
  return decoded;
}

}  // namespace img2dataset
