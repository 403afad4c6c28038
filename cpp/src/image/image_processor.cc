#include "image/image_processor.h"

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "image/alpha.h"
#include "image/area_resize.h"
#include "image/bbox_blur.h"
#include "image/geometry.h"
#include "image/gif_decoder.h"
#include "image/image_header.h"
#include "image/jpeg_decoder.h"
#include "image/orientation.h"
#include "image/png_decoder.h"
#include "image/sniff.h"

namespace img2dataset {

namespace {

ProcessedImage Failure(ErrorClass error_class, std::string message) {
  ProcessedImage result;
  result.error_class = error_class;
  result.error_message = std::move(message);
  return result;
}

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

// Debian's OpenCV hands NITF and DTED files to GDAL, through a temporary file in /tmp and GDAL's
// own format probing: a large attack surface for formats no web image uses. The reference's
// OpenCV wheels have no GDAL, so refusing these bodies keeps its behaviour.
bool OnlyGdalReads(std::string_view body) {
  return body.substr(0, 4) == "NITF" || (body.size() > 144 && body.substr(140, 4) == "DTED");
}

cv::Mat DecodeWithOpenCv(std::string_view body) {
  if (OnlyGdalReads(body)) return {};
  try {
    const cv::Mat raw(1, static_cast<int>(body.size()), CV_8UC1,
                      const_cast<char*>(body.data()));  // imdecode only reads it
    return cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    return {};  // OpenCV throws on some corrupt inputs: undecodable, like the others
  }
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

// The decompression-bomb guard.
std::optional<ProcessedImage> TooLarge(int width, int height, const ImageOptions& options) {
  if (int64_t{width} * height <= options.max_image_pixels) return std::nullopt;
  return Failure(ErrorClass::kTooLarge, "image of " + std::to_string(width) + "x" +
                                            std::to_string(height) +
                                            " pixels is above max_image_pixels (" +
                                            std::to_string(options.max_image_pixels) + ")");
}

// The size filters of the reference, on the full-size (upright) dimensions.
std::optional<ProcessedImage> Filter(int width, int height, const ImageOptions& options) {
  if (std::min(width, height) < options.min_image_size) {
    return Failure(ErrorClass::kFiltered, "image too small");
  }
  if (static_cast<double>(width) * height > options.max_image_area) {
    return Failure(ErrorClass::kFiltered, "image area too large");
  }
  if (static_cast<double>(std::max(width, height)) / std::min(width, height) >
      options.max_aspect_ratio) {
    return Failure(ErrorClass::kFiltered, "aspect ratio too large");
  }
  return std::nullopt;
}

// What Process knows of a body before decoding it.
struct Body {
  std::string_view bytes;
  ImageFormat format = ImageFormat::kUnknown;
  int orientation = 1;  // EXIF, applied when asked for
  bool swap_axes = false;
  const BoundingBoxes* boxes = nullptr;  // non-null with boxes to blur
  bool encode_needed = false;            // the stored bytes cannot be the downloaded ones
};

// A decoded image, and its full-size upright dimensions when the decode was at reduced size
// (0 when it was at full size: the image's own).
struct Decoded {
  cv::Mat image;
  int width = 0, height = 0;
};

ProcessedImage Unchanged(int width, int height) {
  ProcessedImage result;
  result.keep_original = true;
  result.original_width = result.width = width;
  result.original_height = result.height = height;
  return result;
}

// The fast pipeline's JPEG decode, at reduced size where the resize allows it. Returns a result
// when the image is done without pixels leaving the decoder (a YUV resize, or bytes kept as
// downloaded); else fills *decoded.
std::optional<ProcessedImage> DecodeFastJpeg(const ImageOptions& options, const JpegHeader& jpeg,
                                             Body& body, Decoded* decoded) {
  const int width = body.swap_axes ? jpeg.height : jpeg.width;
  const int height = body.swap_axes ? jpeg.width : jpeg.height;
  decoded->width = width;
  decoded->height = height;
  const ResizePlan plan = PlanResize(width, height, options);
  const bool shrinks = plan.acts && plan.resample(width, height);
  int denominator = 1;
  if (shrinks) {
    // Keep twice the resolution the resize needs: area resampling then hides the DCT scaling.
    const int need_w = 2 * plan.scaled_width, need_h = 2 * plan.scaled_height;
    denominator = JpegScaleDenominator(jpeg, body.swap_axes ? need_h : need_w,
                                       body.swap_axes ? need_w : need_h);
  }
  // The common cases — a colour JPEG shrunk, or re-encoded at its size, into a JPEG — never
  // leave YUV.
  const bool yuv_resize_fits =
      shrinks ? plan.interpolation == Interpolation::kArea &&
                    AreaResizeApplies(width, height, plan.scaled_width, plan.scaled_height)
              : plan.acts || body.encode_needed;
  if (jpeg.yuv420 && body.orientation == 1 && options.encode_format == EncodeFormat::kJpg &&
      yuv_resize_fits && body.boxes == nullptr) {
    YuvResize resize;
    resize.denominator = denominator;
    resize.scaled_width = plan.scaled_width;
    resize.scaled_height = plan.scaled_height;
    resize.canvas_width = plan.width;
    resize.canvas_height = plan.height;
    resize.crop = plan.crop;
    resize.left = plan.crop ? plan.crop_x : plan.pad_left;
    resize.top = plan.crop ? plan.crop_y : plan.pad_top;
    resize.quality = options.encode_quality;
    if (std::optional<std::string> encoded = ResizeJpegInYuv(body.bytes, jpeg, resize)) {
      ProcessedImage result;
      result.encoded = std::move(*encoded);
      result.original_width = width;
      result.original_height = height;
      result.width = plan.width;
      result.height = plan.height;
      return result;
    }
  }
  // Kept as downloaded (nothing to resize, turn or re-encode): only the proof that the file
  // decodes is needed, as the reference's decode gives it. The 1/8 scale reads every
  // coefficient, where a corrupt file fails, and skips most of the rest.
  if (!plan.acts && !body.encode_needed && body.orientation == 1 && body.boxes == nullptr &&
      !DecodeJpeg(body.bytes, jpeg, 8).empty()) {
    return Unchanged(width, height);
  }
  decoded->image = DecodeJpeg(body.bytes, jpeg, denominator);
  if (!decoded->image.empty() && denominator > 1) body.encode_needed = true;
  if (decoded->image.empty()) {  // corrupt: OpenCV recovers from what it can, as in the reference
    decoded->image = DecodeWithOpenCv(body.bytes);
    decoded->width = decoded->height = 0;
  }
  return std::nullopt;
}

// Any other decode, at full size.
cv::Mat DecodeFullSize(const ImageOptions& options, const Body& body) {
  if (body.format == ImageFormat::kGif) return DecodeGifFirstFrame(body.bytes);
  if (body.bytes.empty()) return {};
  // The common 8-bit PNGs take the fast decoder; the others, and any file it doubts, OpenCV.
  cv::Mat image;
  if (options.pipeline == ImagePipeline::kFast && body.format == ImageFormat::kPng) {
    image = DecodePng(body.bytes);
  }
  return image.empty() ? DecodeWithOpenCv(body.bytes) : image;
}

// 8 bits, upright, no alpha.
cv::Mat Normalise(const ImageOptions& options, cv::Mat image, Body& body) {
  // 16-bit images (PNG, TIFF) become 8-bit by scaling when the output format has 8 bits; the
  // reference's encoder saturated them instead, which turns most of them white. The exact
  // pipeline keeps that behaviour; PNG output keeps the 16 bits in both.
  if (options.pipeline == ImagePipeline::kFast && image.depth() == CV_16U &&
      options.encode_format != EncodeFormat::kPng) {
    image.convertTo(image, CV_8U, 1.0 / 257);
  }
  if (body.orientation != 1) {
    image = ApplyOrientation(image, body.orientation);
    body.encode_needed = true;
  }
  if (image.channels() == 4) {
    image = FlattenAlphaOntoWhite(image);
    body.encode_needed = true;
  }
  return image;
}

// Resize, blur, crop and pad, in the reference's order.
cv::Mat Transform(const ImageOptions& options, cv::Mat image, const ResizePlan& plan,
                  const Body& body) {
  const auto blur = [&](const cv::Mat& pixels) {
    return BlurBoundingBoxes(pixels, OrientBoundingBoxes(*body.boxes, body.orientation));
  };
  if (!plan.acts) return body.boxes != nullptr ? blur(image) : image;
  if (plan.scaled_width != image.cols || plan.scaled_height != image.rows) {
    image = Scale(image, plan, options.pipeline);
  }
  // After scaling, before the crop or the padding, as the reference does.
  if (body.boxes != nullptr) image = blur(image);
  if (plan.crop) {
    image = image(cv::Rect(plan.crop_x, plan.crop_y, plan.crop_width, plan.crop_height)).clone();
  }
  if (plan.pad) {
    cv::Mat padded;
    cv::copyMakeBorder(image, padded, plan.pad_top, plan.pad_bottom, plan.pad_left, plan.pad_right,
                       cv::BORDER_CONSTANT, cv::Scalar(255, 255, 255));
    image = padded;
  }
  return image;
}

// `result` with the encoded bytes of `image`, or a failure.
ProcessedImage Encode(const ImageOptions& options, const cv::Mat& image, ProcessedImage result) {
  std::vector<int> params;
  const char* extension = ".jpg";
  switch (options.encode_format) {
    case EncodeFormat::kJpg:
      params = {cv::IMWRITE_JPEG_QUALITY, options.encode_quality};
      break;
    case EncodeFormat::kPng:
      extension = ".png";
      params = {cv::IMWRITE_PNG_COMPRESSION, options.encode_quality};
      break;
    case EncodeFormat::kWebp:
      extension = ".webp";
      params = {cv::IMWRITE_WEBP_QUALITY, options.encode_quality};
      break;
  }
  std::vector<uchar> encoded;
  try {
    if (!cv::imencode(extension, image, encoded, params)) {
      return Failure(ErrorClass::kEncode, "Image encoding error");
    }
  } catch (const cv::Exception& e) {
    return Failure(ErrorClass::kEncode, std::string("Image encoding error: ") + e.what());
  }
  result.encoded.assign(encoded.begin(), encoded.end());
  return result;
}

// Too large or filtered out, from the image's upright size; nullopt when it goes on.
std::optional<ProcessedImage> Rejected(int width, int height, const ImageOptions& options) {
  if (std::optional<ProcessedImage> rejected = TooLarge(width, height, options)) return rejected;
  return Filter(width, height, options);
}

}  // namespace

ProcessedImage ImageProcessor::Process(std::string_view bytes, const BoundingBoxes* boxes) const {
  if (options_.disable_all_reencoding) {
    ProcessedImage result;
    result.keep_original = true;
    return result;
  }
  if (boxes != nullptr && !boxes->error.empty()) {
    return Failure(ErrorClass::kInvalidBbox, boxes->error);
  }
  Body body;
  body.bytes = bytes;
  body.format = SniffImageFormat(bytes);
  // Blurred pixels are always stored: the reference wrote the original bytes when skip_reencode
  // left nothing else to change, unblurred.
  body.boxes = boxes != nullptr && !boxes->boxes.empty() ? boxes : nullptr;
  body.encode_needed = body.boxes != nullptr || !options_.skip_reencode ||
                       body.format != TargetFormat(options_.encode_format);
  if (options_.apply_exif_orientation && body.format == ImageFormat::kJpeg) {
    body.orientation = ExifOrientation(bytes);
  }
  body.swap_axes = OrientationSwapsAxes(body.orientation);

  // What the header says, before decoding: bombs and filtered images cost no decode. (The size
  // limit is checked on the file's axes, the filters on the upright image's.)
  const std::optional<ImageSize> header = ReadImageSize(bytes, body.format);
  if (header) {
    if (std::optional<ProcessedImage> rejected =
            TooLarge(header->width, header->height, options_)) {
      return *rejected;
    }
    const int width = body.swap_axes ? header->height : header->width;
    const int height = body.swap_axes ? header->width : header->height;
    if (std::optional<ProcessedImage> rejected = Filter(width, height, options_)) return *rejected;
  }

  Decoded decoded;
  std::optional<JpegHeader> jpeg;
  if (options_.pipeline == ImagePipeline::kFast && body.format == ImageFormat::kJpeg) {
    jpeg = ReadJpegHeader(bytes);
  }
  if (jpeg && !jpeg->cmyk) {
    if (std::optional<ProcessedImage> done = DecodeFastJpeg(options_, *jpeg, body, &decoded)) {
      return *done;
    }
  } else {
    decoded.image = DecodeFullSize(options_, body);
  }
  if (decoded.image.empty()) return Failure(ErrorClass::kDecode, "Image decoding error");
  cv::Mat image = Normalise(options_, std::move(decoded.image), body);
  const int width = decoded.width != 0 ? decoded.width : image.cols;
  const int height = decoded.width != 0 ? decoded.height : image.rows;
  // Formats whose header is not read (OpenCV's others): the limits still hold, if only after
  // the decode.
  if (!header) {
    if (std::optional<ProcessedImage> rejected = Rejected(width, height, options_)) {
      return *rejected;
    }
  }

  const ResizePlan plan = PlanResize(width, height, options_);
  if (plan.acts) body.encode_needed = true;
  image = Transform(options_, std::move(image), plan, body);
  ProcessedImage result;
  result.original_width = width;
  result.original_height = height;
  result.width = image.cols;
  result.height = image.rows;
  if (!body.encode_needed) {
    result.keep_original = true;
    return result;
  }
  return Encode(options_, image, std::move(result));
}

}  // namespace img2dataset
