// JPEG encoding with libjpeg-turbo, as OpenCV's imencode(".jpg") writes it: baseline, the
// accurate (islow) DCT, 4:2:0 chroma for colour, standard Huffman tables, a JFIF header — the
// same bytes for the same pixels.
//
// Thread safety: a free function; each thread keeps its own compressor.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>

namespace img2dataset {

// `image`: 8-bit grey or BGR. nullopt when the encoder fails.
std::optional<std::string> EncodeJpeg(const cv::Mat& image, int quality);

}  // namespace img2dataset
