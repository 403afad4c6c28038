#include "image/image_transform.h"

#include <opencv2/imgproc.hpp>
#include <utility>

#include "image/alpha.h"
#include "image/area_resize.h"
#include "image/bbox_blur.h"
#include "image/orientation.h"

namespace img2dataset {

namespace {

int CvInterpolation(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::kNearest:
      return cv::INTER_NEAREST;
    case Interpolation::kLinear:
      return cv::INTER_LINEAR;
    case Interpolation::kCubic:
      return cv::INTER_CUBIC;
    case Interpolation::kArea:
      return cv::INTER_AREA;
    case Interpolation::kLanczos4:
      return cv::INTER_LANCZOS4;
  }
  return cv::INTER_AREA;
}

// The resampling step. The fast pipeline shrinks 8-bit images with its own area filter (the same
// filter as OpenCV's INTER_AREA, several times faster); everything else goes through OpenCV.
cv::Mat Scale(const cv::Mat& image, const ResizePlan& plan, ImagePipeline pipeline) {
  cv::Mat scaled;
  if (pipeline == ImagePipeline::kFast && plan.interpolation == Interpolation::kArea &&
      image.depth() == CV_8U && image.channels() != 2 &&
      AreaResizeApplies(image.cols, image.rows, plan.scaled_width, plan.scaled_height)) {
    scaled.create(plan.scaled_height, plan.scaled_width, image.type());
    AreaResize(ConstPixelView{image.data, image.cols, image.rows, static_cast<int>(image.step)},
               PixelView{scaled.data, scaled.cols, scaled.rows, static_cast<int>(scaled.step)},
               image.channels());
    return scaled;
  }
  cv::resize(image, scaled, cv::Size(plan.scaled_width, plan.scaled_height), 0, 0,
             CvInterpolation(plan.interpolation));
  return scaled;
}

// 8 bits, upright, no alpha.
cv::Mat Normalise(const ImageOptions& options, cv::Mat image, ImagePlan* plan) {
  // 16-bit images (PNG, TIFF) become 8-bit by scaling when the output format has 8 bits; the
  // reference's encoder saturated them instead, which turns most of them white. The exact
  // pipeline keeps that behaviour; PNG output keeps the 16 bits in both.
  if (options.pipeline == ImagePipeline::kFast && image.depth() == CV_16U &&
      options.encode_format != EncodeFormat::kPng) {
    image.convertTo(image, CV_8U, 1.0 / 257);
  }
  if (plan->orientation != 1) image = ApplyOrientation(image, plan->orientation);
  if (image.channels() == 4) {
    image = FlattenAlphaOntoWhite(image);
    plan->encode_needed = true;
  }
  return image;
}

}  // namespace

cv::Mat TransformImage(const ImageOptions& options, cv::Mat image, ImagePlan* plan) {
  image = Normalise(options, std::move(image), plan);
  const ResizePlan& resize = plan->resize;
  if (resize.acts && (resize.scaled_width != image.cols || resize.scaled_height != image.rows)) {
    image = Scale(image, resize, options.pipeline);
  }
  // After scaling, before the crop or the padding, as the reference does.
  if (plan->boxes != nullptr) {
    image = BlurBoundingBoxes(image, OrientBoundingBoxes(*plan->boxes, plan->orientation));
  }
  if (resize.acts && resize.crop) {
    image = image(cv::Rect(resize.crop_x, resize.crop_y, resize.crop_width, resize.crop_height))
                .clone();
  }
  if (resize.acts && resize.pad) {
    cv::Mat padded;
    cv::copyMakeBorder(image, padded, resize.pad_top, resize.pad_bottom, resize.pad_left,
                       resize.pad_right, cv::BORDER_CONSTANT, cv::Scalar(255, 255, 255));
    image = padded;
  }
  return image;
}

}  // namespace img2dataset
