#include "image/image_processor.h"

#include <utility>

#include "image/image_decode.h"
#include "image/image_encode.h"
#include "image/image_plan.h"
#include "image/image_transform.h"

namespace img2dataset {

// The stages, shaped like libvips' thumbnail: plan from the header (image_plan.h), decode
// (image_decode.h, the decoder table), transform (image_transform.h), encode (image_encode.h).
ProcessedImage ImageProcessor::Process(std::string_view bytes, const BoundingBoxes* boxes) const {
  if (options_.disable_all_reencoding) {
    ProcessedImage result;
    result.keep_original = true;
    return result;
  }
  if (boxes != nullptr && !boxes->error.empty()) {
    return ImageFailure(ErrorClass::kInvalidBbox, boxes->error);
  }
  ImagePlan plan;
  if (std::optional<ProcessedImage> rejected = PlanImage(bytes, boxes, options_, &plan)) {
    return *std::move(rejected);
  }
  DecodedImage decoded = DecodeImage(bytes, options_, &plan);
  if (decoded.done) return *std::move(decoded.done);
  if (decoded.image.empty()) return ImageFailure(ErrorClass::kDecode, "Image decoding error");

  const cv::Mat image = TransformImage(options_, std::move(decoded.image), &plan);
  ProcessedImage result;
  result.original_width = plan.width;
  result.original_height = plan.height;
  result.width = image.cols;
  result.height = image.rows;
  if (!plan.encode_needed) {
    result.keep_original = true;
    return result;
  }
  return EncodeImage(options_, image, std::move(result));
}

}  // namespace img2dataset
