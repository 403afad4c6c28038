#include "image/gif_decoder.h"

#include <gif_lib.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace img2dataset {

namespace {

struct Reader {
  std::string_view bytes;
  size_t offset = 0;
};

int Read(GifFileType* gif, GifByteType* out, int length) {
  auto* reader = static_cast<Reader*>(gif->UserData);
  const size_t n =
      std::min<size_t>(static_cast<size_t>(length), reader->bytes.size() - reader->offset);
  std::memcpy(out, reader->bytes.data() + reader->offset, n);
  reader->offset += n;
  return static_cast<int>(n);
}

// A cap on the canvas, checked before allocating it (the header is attacker-controlled).
constexpr int64_t kMaxPixels = 100'000'000;

}  // namespace

cv::Mat DecodeGifFirstFrame(std::string_view bytes) {
  Reader reader{bytes};
  int error = 0;
  GifFileType* gif = DGifOpen(&reader, &Read, &error);
  if (gif == nullptr) return {};
  struct Closer {
    GifFileType* gif;
    ~Closer() {
      int ignored = 0;
      DGifCloseFile(gif, &ignored);
    }
  } closer{gif};

  const int width = gif->SWidth;
  const int height = gif->SHeight;
  if (width <= 0 || height <= 0 || int64_t{width} * height > kMaxPixels) return {};

  // Read records up to the first image only: an animation's later frames are never decoded.
  GifRecordType record;
  int transparent = -1;
  do {
    if (DGifGetRecordType(gif, &record) == GIF_ERROR) return {};
    if (record == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* extension = nullptr;
      if (DGifGetExtension(gif, &code, &extension) == GIF_ERROR) return {};
      while (extension != nullptr) {
        if (code == GRAPHICS_EXT_FUNC_CODE && extension[0] >= 4 && (extension[1] & 1)) {
          transparent = extension[4];
        }
        if (DGifGetExtensionNext(gif, &extension) == GIF_ERROR) return {};
      }
    }
  } while (record != IMAGE_DESC_RECORD_TYPE && record != TERMINATE_RECORD_TYPE);
  if (record != IMAGE_DESC_RECORD_TYPE || DGifGetImageDesc(gif) == GIF_ERROR) return {};

  const GifImageDesc& frame = gif->Image;
  const ColorMapObject* palette = frame.ColorMap != nullptr ? frame.ColorMap : gif->SColorMap;
  if (palette == nullptr || frame.Width <= 0 || frame.Height <= 0 ||
      int64_t{frame.Width} * frame.Height > kMaxPixels) {
    return {};
  }
  // Rows go straight onto the canvas through a one-row buffer: a frame far larger than its
  // canvas (the descriptor is attacker-controlled too) costs no frame-sized allocation.
  cv::Mat canvas(height, width, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  std::vector<GifPixelType> row(static_cast<size_t>(frame.Width));
  const auto paint_row = [&](int y) {
    const int cy = frame.Top + y;
    if (cy < 0 || cy >= height) return;
    cv::Vec4b* out = canvas.ptr<cv::Vec4b>(cy);
    for (int x = 0; x < frame.Width; ++x) {
      const int cx = frame.Left + x;
      const int index = row[x];
      if (cx < 0 || cx >= width || index == transparent || index >= palette->ColorCount) continue;
      const GifColorType& color = palette->Colors[index];
      out[cx] = cv::Vec4b(color.Blue, color.Green, color.Red, 255);
    }
  };
  static constexpr int kOffsets[] = {0, 4, 2, 1};
  static constexpr int kSteps[] = {8, 8, 4, 2};
  for (int pass = 0; pass < (frame.Interlace ? 4 : 1); ++pass) {
    const int first = frame.Interlace ? kOffsets[pass] : 0;
    const int step = frame.Interlace ? kSteps[pass] : 1;
    for (int y = first; y < frame.Height; y += step) {
      if (DGifGetLine(gif, row.data(), frame.Width) == GIF_ERROR) return {};
      paint_row(y);
    }
  }
  return canvas;
}

}  // namespace img2dataset
