#include "image/image_plan.h"

#include <algorithm>
#include <string>

#include "image/orientation.h"

namespace img2dataset {

namespace {

ImageFormat TargetFormat(EncodeFormat format) {
  switch (format) {
    case EncodeFormat::kJpg:
      return ImageFormat::kJpeg;
    case EncodeFormat::kPng:
      return ImageFormat::kPng;
    case EncodeFormat::kWebp:
      return ImageFormat::kWebp;
  }
  return ImageFormat::kJpeg;
}

// The decompression-bomb guard, on the image as stored.
std::optional<ProcessedImage> TooLarge(int width, int height, const ImageOptions& options) {
  if (int64_t{width} * height <= options.max_image_pixels) return std::nullopt;
  return ImageFailure(ErrorClass::kTooLarge, "image of " + std::to_string(width) + "x" +
                                                 std::to_string(height) +
                                                 " pixels is above max_image_pixels (" +
                                                 std::to_string(options.max_image_pixels) + ")");
}

// The size filters of the reference, on the upright dimensions.
std::optional<ProcessedImage> Filtered(int width, int height, const ImageOptions& options) {
  if (std::min(width, height) < options.min_image_size) {
    return ImageFailure(ErrorClass::kFiltered, "image too small");
  }
  if (static_cast<double>(width) * height > options.max_image_area) {
    return ImageFailure(ErrorClass::kFiltered, "image area too large");
  }
  if (static_cast<double>(std::max(width, height)) / std::min(width, height) >
      options.max_aspect_ratio) {
    return ImageFailure(ErrorClass::kFiltered, "aspect ratio too large");
  }
  return std::nullopt;
}

}  // namespace

ProcessedImage ImageFailure(ErrorClass error_class, std::string message) {
  ProcessedImage result;
  result.error_class = error_class;
  result.error_message = std::move(message);
  return result;
}

std::optional<ProcessedImage> PlanImage(std::string_view bytes, const BoundingBoxes* boxes,
                                        const ImageOptions& options, ImagePlan* plan) {
  plan->format = SniffImageFormat(bytes);
  plan->decoder = FindDecoder(plan->format);
  if (plan->decoder == nullptr) {
    if (plan->format == ImageFormat::kUnknown) {
      return ImageFailure(ErrorClass::kDecode, "Image decoding error");  // not an image
    }
    return ImageFailure(ErrorClass::kUnsupportedFormat,
                        std::string("unsupported image format: ") + ImageFormatName(plan->format));
  }
  const std::optional<ImageInfo> info = plan->decoder->probe(bytes);
  if (!info || info->width <= 0 || info->height <= 0) {
    return ImageFailure(ErrorClass::kDecode, "Image decoding error");
  }
  plan->info = *info;
  if (std::optional<ProcessedImage> rejected = TooLarge(info->width, info->height, options)) {
    return rejected;
  }
  if (options.apply_exif_orientation && plan->format == ImageFormat::kJpeg) {
    plan->orientation = ExifOrientation(bytes);
  }
  plan->swap_axes = OrientationSwapsAxes(plan->orientation);
  plan->width = plan->swap_axes ? info->height : info->width;
  plan->height = plan->swap_axes ? info->width : info->height;
  if (std::optional<ProcessedImage> rejected = Filtered(plan->width, plan->height, options)) {
    return rejected;
  }
  plan->resize = PlanResize(plan->width, plan->height, options);
  // Blurred pixels are always stored: the reference wrote the original bytes when skip_reencode
  // left nothing else to change, unblurred.
  plan->boxes = boxes != nullptr && !boxes->boxes.empty() ? boxes : nullptr;
  plan->encode_needed = plan->boxes != nullptr || !options.skip_reencode ||
                        plan->format != TargetFormat(options.encode_format) || plan->resize.acts ||
                        plan->orientation != 1;
  return std::nullopt;
}

}  // namespace img2dataset
