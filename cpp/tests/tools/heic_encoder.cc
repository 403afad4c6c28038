// Makes the HEIC files of heif_decoder_test: the engine's libheif is built with the HEVC decoder
// only (third_party/libheif.cmake), so the test images are encoded here, in a program of its own
// linked with the system's libheif and its x265 encoder (the two libheifs never share a process).
//
//   heic_encoder IN OUT ORIENTATION GRID
//
// IN holds the images, the first the primary one, each a line "WIDTH HEIGHT CHANNELS BITS" and
// then its interleaved samples (channels 1: grey, 3: RGB, 4: RGBA; bits 8, or 10 in 16-bit
// little-endian words). They are encoded at quality 90 with full-resolution chroma, with the
// EXIF-style ORIENTATION (1-8) and, GRID 1, as libheif's default grid of one tile (0: the HEVC
// image is the primary item). OUT gets the file. Exit status 0 on success, 1 otherwise.
#include <libheif/heif.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace {

heif_error Append(heif_context*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return heif_error{heif_error_Ok, heif_suberror_Unspecified, ""};
}

bool Ok(heif_error error, const char* what) {
  if (error.code == heif_error_Ok) return true;
  std::cerr << "heic_encoder: " << what << ": " << error.message << "\n";
  return false;
}

// The next image of `input` from `position`, or nullptr at the end or on malformed input.
heif_image* ReadImage(const std::string& input, size_t& position) {
  const size_t end_of_line = input.find('\n', position);
  if (end_of_line == std::string::npos) return nullptr;
  int width = 0, height = 0, channels = 0, bits = 0;
  if (std::sscanf(input.c_str() + position, "%d %d %d %d", &width, &height, &channels, &bits) != 4)
    return nullptr;
  position = end_of_line + 1;
  const size_t sample_bytes = bits > 8 ? 2 : 1;
  const size_t row_bytes = static_cast<size_t>(width) * channels * sample_bytes;
  if (input.size() - position < row_bytes * height) return nullptr;

  const bool grey = channels == 1;
  const heif_chroma chroma = grey            ? heif_chroma_monochrome
                             : bits > 8      ? heif_chroma_interleaved_RRGGBB_LE
                             : channels == 4 ? heif_chroma_interleaved_RGBA
                                             : heif_chroma_interleaved_RGB;
  heif_image* image = nullptr;
  if (!Ok(heif_image_create(width, height, grey ? heif_colorspace_monochrome : heif_colorspace_RGB,
                            chroma, &image),
          "heif_image_create"))
    return nullptr;
  const heif_channel channel = grey ? heif_channel_Y : heif_channel_interleaved;
  heif_image_add_plane(image, channel, width, height, bits);
  int stride = 0;
  uint8_t* plane = heif_image_get_plane(image, channel, &stride);
  for (int row = 0; row < height; ++row) {
    std::memcpy(plane + static_cast<size_t>(row) * stride, input.data() + position, row_bytes);
    position += row_bytes;
  }
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: heic_encoder IN OUT ORIENTATION GRID\n";
    return 1;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto orientation = static_cast<heif_orientation>(std::atoi(argv[3]));
  const bool grid = std::atoi(argv[4]) != 0;

  heif_context* context = heif_context_alloc();
  heif_encoder* encoder = nullptr;
  bool ok = Ok(heif_context_get_encoder_for_format(context, heif_compression_HEVC, &encoder),
               "no HEVC encoder");
  int images = 0;
  if (ok) {
    heif_encoder_set_logging_level(encoder, 0);
    heif_encoder_set_lossy_quality(encoder, 90);
    heif_encoder_set_parameter_string(encoder, "chroma", "444");
    size_t position = 0;
    while (ok && position < input.size()) {
      heif_image* image = ReadImage(input, position);
      if (image == nullptr) {
        std::cerr << "heic_encoder: malformed image " << images << " in " << argv[1] << "\n";
        ok = false;
        break;
      }
      heif_encoding_options* options = heif_encoding_options_alloc();
      options->image_orientation = orientation;
      options->macOS_compatibility_workaround = grid ? 1 : 0;
      ok = Ok(heif_context_encode_image(context, image, encoder, options, nullptr), "encode");
      heif_encoding_options_free(options);
      heif_image_release(image);
      ++images;
    }
    heif_encoder_release(encoder);
  }
  std::string bytes;
  heif_writer writer{1, &Append};
  ok = ok && images > 0 && Ok(heif_context_write(context, &writer, &bytes), "write");
  heif_context_free(context);
  if (!ok) return 1;
  std::ofstream out(argv[2], std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out ? 0 : 1;
}
