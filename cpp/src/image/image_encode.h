// The last stage of ImageProcessor::Process: the pixels encoded in encode_format with the
// reference's settings (JPEG quality, PNG compression level, WebP quality), on the codec
// libraries (jpeg_encoder.h, png_encoder.h, webp_encoder.h), byte for byte what OpenCV wrote.
//
// Thread safety: free function.
#pragma once

#include <opencv2/core.hpp>

#include "image/image_processor.h"

namespace img2dataset {

// `result` with the encoded bytes of `image`, or an encode failure.
ProcessedImage EncodeImage(const ImageOptions& options, const cv::Mat& image,
                           ProcessedImage result);

}  // namespace img2dataset
