// GIF decoding with giflib (Debian's OpenCV 4.6 has no GIF decoder): the first frame, on a
// canvas of the logical screen size, transparent where the frame does not paint.
//
// Thread safety: free function.
#pragma once

#include <opencv2/core.hpp>
#include <string_view>

namespace img2dataset {

// 8-bit BGRA; an empty Mat when the data is not a readable GIF.
cv::Mat DecodeGifFirstFrame(std::string_view bytes);

}  // namespace img2dataset
