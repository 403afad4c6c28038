// Helpers shared by the tests: a scoped temporary directory, synthetic encoded images, files.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace img2dataset::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/img2dataset_test_XXXXXX";
    const char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Encodes `image` with OpenCV; `extension` is ".jpg", ".png", ".webp", ...
inline std::string Encode(const cv::Mat& image, const std::string& extension,
                          const std::vector<int>& params = {}) {
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes, params)) << "cannot encode " << extension;
  return std::string(bytes.begin(), bytes.end());
}

// A width x height BGR image of one colour.
inline cv::Mat SolidBgr(int width, int height, cv::Scalar colour) {
  return cv::Mat(height, width, CV_8UC3, colour);
}

// A width x height 8-bit BGR (channels 3) or BGRA (4) image of smooth gradients, each channel
// its own direction, alpha included: what lossy encoders keep close to and lossless ones exact.
inline cv::Mat Gradient(int width, int height, int channels) {
  cv::Mat image(height, width, CV_8UC(channels));
  for (int y = 0; y < height; ++y) {
    auto* row = image.ptr<uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      uint8_t* pixel = row + x * channels;
      pixel[0] = static_cast<uint8_t>(x * 255 / std::max(1, width - 1));
      pixel[1] = static_cast<uint8_t>(y * 255 / std::max(1, height - 1));
      pixel[2] = static_cast<uint8_t>((x + y) * 255 / std::max(1, width + height - 2));
      if (channels == 4) pixel[3] = static_cast<uint8_t>(255 - x * 191 / std::max(1, width - 1));
    }
  }
  return image;
}

// The mean absolute difference per channel value of two images of the same size and type.
inline double MeanAbsoluteError(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.type(), b.type());
  if (a.size() != b.size() || a.type() != b.type() || a.empty()) return 1e9;
  return cv::norm(a, b, cv::NORM_L1) / (static_cast<double>(a.total()) * a.channels());
}

// Rewrites the width and height of the 'ispe' boxes (ISO/IEC 23008-12 image spatial extents) of
// an AVIF or HEIF file, found by name: all of them, or with `only` those that claim that size.
// Returns how many it rewrote.
inline int SetIspe(std::string& file, uint32_t width, uint32_t height,
                   std::optional<std::pair<uint32_t, uint32_t>> only = std::nullopt) {
  const auto load = [&](size_t at) {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(file[at + i]);
    return value;
  };
  int rewritten = 0;
  for (size_t at = file.find("ispe"); at != std::string::npos; at = file.find("ispe", at + 4)) {
    // "ispe", version and flags (4 bytes), width and height (4 bytes each, big-endian).
    if (at < 4 || at + 16 > file.size()) continue;
    if (only && (load(at + 8) != only->first || load(at + 12) != only->second)) continue;
    for (int i = 0; i < 4; ++i) {
      file[at + 8 + i] = static_cast<char>((width >> (24 - 8 * i)) & 0xFF);
      file[at + 12 + i] = static_cast<char>((height >> (24 - 8 * i)) & 0xFF);
    }
    ++rewritten;
  }
  return rewritten;
}

inline cv::Mat Decode(const std::string& bytes, int flags = cv::IMREAD_UNCHANGED) {
  const std::vector<uchar> buffer(bytes.begin(), bytes.end());
  return cv::imdecode(buffer, flags);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// Names of the entries of `dir`, sorted.
inline std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// One member of a tar, as libarchive reads it back.
struct TarMember {
  std::string name;
  std::string data;
  int mode = 0;  // permission bits
  std::string uname, gname;
  bool regular_file = false;
};

// Reads every member of the tar at `path`; a read error fails the calling test.
inline std::vector<TarMember> ReadTar(const std::string& path) {
  std::vector<TarMember> members;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, path.c_str(), 10240) != ARCHIVE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << archive_error_string(a);
    archive_read_free(a);
    return members;
  }
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
    TarMember member;
    member.name = archive_entry_pathname(entry);
    member.mode = static_cast<int>(archive_entry_perm(entry));
    member.uname = archive_entry_uname(entry) ? archive_entry_uname(entry) : "";
    member.gname = archive_entry_gname(entry) ? archive_entry_gname(entry) : "";
    member.regular_file = archive_entry_filetype(entry) == AE_IFREG;
    member.data.resize(static_cast<size_t>(archive_entry_size(entry)));
    if (!member.data.empty()) {
      const la_ssize_t read = archive_read_data(a, member.data.data(), member.data.size());
      EXPECT_EQ(read, static_cast<la_ssize_t>(member.data.size())) << member.name;
    }
    members.push_back(std::move(member));
  }
  EXPECT_EQ(rc, ARCHIVE_EOF) << "reading " << path << ": " << archive_error_string(a);
  archive_read_free(a);
  return members;
}

inline std::vector<std::string> MemberNames(const std::vector<TarMember>& members) {
  std::vector<std::string> names;
  for (const TarMember& member : members) names.push_back(member.name);
  return names;
}

enum class ByteOrder { kLittle, kBig };

inline void Put(std::string& out, uint32_t value, int bytes, ByteOrder order) {
  for (int i = 0; i < bytes; ++i) {
    const int shift = order == ByteOrder::kLittle ? 8 * i : 8 * (bytes - 1 - i);
    out += static_cast<char>((value >> shift) & 0xFF);
  }
}

// An APP1 Exif segment whose IFD0 holds one Orientation entry of TIFF type `type` (3: SHORT).
inline std::string OrientationApp1(int orientation, ByteOrder order, int type = 3) {
  std::string tiff = order == ByteOrder::kLittle ? "II" : "MM";
  Put(tiff, 42, 2, order);
  Put(tiff, 8, 4, order);  // IFD0 offset
  Put(tiff, 1, 2, order);  // one entry
  Put(tiff, 0x0112, 2, order);
  Put(tiff, type, 2, order);
  Put(tiff, 1, 4, order);  // one value, stored in the entry
  if (type == 3) {
    Put(tiff, orientation, 2, order);
    Put(tiff, 0, 2, order);
  } else {
    Put(tiff, orientation, 4, order);
  }
  Put(tiff, 0, 4, order);  // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::string segment = "\xFF\xE1";
  Put(segment, static_cast<uint32_t>(payload.size() + 2), 2, ByteOrder::kBig);
  return segment + payload;
}

// Checks shared by the decoder table's entries (image/decoder.h): `probe` and `decode` are an
// entry's functions, `bytes` a valid file of its format.

// Cut anywhere, the file probes to nothing or decodes to nothing; nothing crashes.
template <typename Probe, typename Decode>
void ExpectTruncationFailsCleanly(const std::string& bytes, Probe probe, Decode decode) {
  for (const size_t size :
       {size_t{0}, size_t{12}, size_t{40}, bytes.size() / 2, bytes.size() - 16, bytes.size() - 1}) {
    const std::string truncated = bytes.substr(0, std::min(size, bytes.size()));
    const auto info = probe(truncated);
    if (info) {
      EXPECT_TRUE(decode(truncated, *info).empty()) << "cut at " << size;
    }
  }
}

// Every `stride`-th byte flipped in turn: probe and decode say no, or decode something of the
// probed size; they never crash. Probes above 4 megapixels are not decoded (the engine's limit
// refuses them first).
template <typename Probe, typename Decode>
void ExpectBitFlipsFailCleanly(const std::string& bytes, size_t stride, Probe probe,
                               Decode decode) {
  for (size_t at = 0; at < bytes.size(); at += stride) {
    std::string corrupt = bytes;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0xFF);
    const auto info = probe(corrupt);
    if (!info || int64_t{info->width} * info->height > 4'000'000) continue;
    const cv::Mat image = decode(corrupt, *info);
    if (!image.empty()) {
      EXPECT_EQ(image.size(), cv::Size(info->width, info->height)) << at;
    }
  }
}

// The engine decodes one image per core: four threads probing and decoding at once all get the
// pixels of a single-threaded decode.
template <typename Probe, typename Decode>
void ExpectThreadsAgree(const std::string& bytes, Probe probe, Decode decode) {
  const auto info = probe(bytes);
  ASSERT_TRUE(info.has_value());
  const cv::Mat expected = decode(bytes, *info);
  ASSERT_FALSE(expected.empty());
  std::vector<int> same(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < same.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        const auto mine = probe(bytes);
        const cv::Mat image = mine ? decode(bytes, *mine) : cv::Mat();
        same[t] += !image.empty() && cv::norm(image, expected, cv::NORM_INF) == 0;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const int count : same) EXPECT_EQ(count, 8);
}

}  // namespace img2dataset::testing
