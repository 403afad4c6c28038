// Options of the engine, grouped by pipeline stage.
//
// Thread safety: plain values. The engine copies what it needs when a shard starts.
//
// Every field has the default of the reference img2dataset `download()` parameter of the same
// name. Validation with user-facing messages happens once, in the Python front
// (python/img2dataset/options.py); the engine re-checks only what would make it misbehave
// (see ValidateOptions).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "img2dataset/status.h"

namespace img2dataset {

// ---------------------------------------------------------------------------------------------
// Fetch: how URLs are downloaded.
enum class HashAlgorithm { kNone, kMd5, kSha256, kSha512 };

struct FetchOptions {
  // Transfers in flight at once for one shard. Performance: more hides latency; each in-flight
  // transfer holds a connection and a body buffer (up to max_body_bytes).
  int thread_count = 256;
  // Seconds. The reference's per-socket timeout: it bounds the connection set-up, the wait for
  // the response headers and any stall of the body (less than min_bytes_per_second over this
  // window), unless the specific limits below are set.
  double timeout_s = 10;
  double connect_timeout_s = 0;     // 0: timeout_s
  double first_byte_timeout_s = 0;  // from the start of the request to its headers; 0: timeout_s
  // Hard deadline of one request, redirects included, however the server trickles; 0: 6 ×
  // timeout_s.
  double total_timeout_s = 0;
  static constexpr double kTotalDeadlineFactor = 6;
  long min_bytes_per_second = 1;
  // Extra attempts for a failed download (total attempts = retries + 1). Only transient failures
  // (timeouts, connection errors, DNS failures, 5xx, 429) are retried, after the first attempt of
  // every other URL of the shard.
  int retries = 0;
  // Replaces the whole User-Agent header when set.
  std::string user_agent;
  // Appended to the User-Agent as "(compatible; <token>; +https://github.com/rom1504/img2dataset)"
  // and matched against agent-scoped X-Robots-Tag directives. Empty: none.
  std::string user_agent_token;
  // X-Robots-Tag directives that forbid the use of an image; lower-cased. Empty: no check.
  std::vector<std::string> disallowed_header_directives = {"noai", "noimageai", "noindex",
                                                           "noimageindex"};
  // Disable TLS certificate and host name verification.
  bool ignore_ssl_certificate = false;
  // PEM file of certificate authorities to trust instead of the system's; empty: the system's.
  std::string ca_bundle;
  // Bodies larger than this fail with class too_large; enforced while streaming.
  int64_t max_body_bytes = 64LL << 20;
  // Redirects followed before failing.
  int max_redirects = 10;
  // Connect to loopback and private addresses (10/8, 172.16/12, 192.168/16, 127/8, fc00::/7, ...).
  // Link-local and metadata addresses are refused regardless.
  bool allow_private_addresses = false;
  // DNS servers as "ip" or "ip:port"; empty: the system's (/etc/resolv.conf).
  std::vector<std::string> dns_servers;
  double dns_timeout_s = 1;  // the first try's; three tries per server, each twice the last
  // Politeness, per host name.
  int max_connections_per_host = 64;  // the ceiling of the adaptive window (host_scheduler.h)
  double max_requests_per_second_per_host = 0;  // 0: no limit
  double max_backoff_s = 60;  // longest pause of a host after 429/503, whatever Retry-After says
  // Fetch robots.txt once per origin and skip URLs it disallows for user_agent_token.
  bool respect_robots_txt = false;
  // Per-shard watchdog, seconds: rows not started by then fail with class timeout instead of
  // being downloaded, so a shard ends at most one request deadline later. 0: no watchdog.
  double shard_timeout_s = 3600;
  // Digest computed while the body streams in (FetchResponse::hash); kNone: none.
  HashAlgorithm stream_hash = HashAlgorithm::kNone;
};

// ---------------------------------------------------------------------------------------------
// Image: how a downloaded body becomes the stored image.
enum class ResizeMode { kNo, kKeepRatio, kKeepRatioLargest, kCenterCrop, kBorder };
enum class Interpolation { kNearest, kLinear, kCubic, kArea, kLanczos4 };
enum class EncodeFormat { kJpg, kPng, kWebp };
// kFast: JPEGs decoded at reduced size (DCT scaling, keeping at least twice the resolution the
// resize needs), then area-resampled. kExact: every image decoded at full size, as the reference
// does, for pixel parity with it.
enum class ImagePipeline { kFast, kExact };

struct ImageOptions {
  int image_size = 256;  // pixels, the target S of every resize mode
  ResizeMode resize_mode = ResizeMode::kBorder;
  bool resize_only_if_bigger = false;
  Interpolation upscale_interpolation = Interpolation::kLanczos4;
  Interpolation downscale_interpolation = Interpolation::kArea;
  // JPEG/WebP quality (0-100; WebP > 100 is lossless), PNG compression level (0-9).
  int encode_quality = 95;
  EncodeFormat encode_format = EncodeFormat::kJpg;
  // Keep the downloaded bytes when no pixel changes and they already are in encode_format.
  bool skip_reencode = false;
  // Store the downloaded bytes untouched: no decode, no filter, no resize.
  bool disable_all_reencoding = false;
  int min_image_size = 0;  // pixels: reject when min(W, H) is smaller
  double max_image_area = std::numeric_limits<double>::infinity();    // pixels: reject W*H above
  double max_aspect_ratio = std::numeric_limits<double>::infinity();  // reject max/min above
  ImagePipeline pipeline = ImagePipeline::kFast;
  // Turn JPEGs upright per their EXIF Orientation tag (the reference ignores it).
  bool apply_exif_orientation = true;
  // Decompression-bomb guard: images with more pixels than this fail, refused from their header
  // before decoding (JPEG, PNG, WebP, GIF, BMP, TIFF), else after decoding.
  int64_t max_image_pixels = 100'000'000;
};

// ---------------------------------------------------------------------------------------------
// Output: what is written for each sample.
// kParquet: the engine writes no file; each success's stored bytes come back in the result
// table's image column (the front writes the parquet file). kTfrecord: <shard>.tfrecord, one
// tf.train.Example per success.
enum class OutputFormat { kFiles, kWebdataset, kParquet, kTfrecord, kDummy };

struct OutputOptions {
  OutputFormat output_format = OutputFormat::kFiles;
  int number_sample_per_shard = 10000;  // defines the key width
  int oom_shard_count = 5;              // digits of the shard part of names and keys
  // Write a <key>.txt caption file per success (empty when the sample has no caption).
  bool save_caption = false;
  bool extract_exif = true;
  HashAlgorithm compute_hash = HashAlgorithm::kSha256;
};

struct EngineOptions {
  FetchOptions fetch;
  ImageOptions image;
  OutputOptions output;
  // Shard runs handing out their first downloads at once (the local distributor's
  // processes_count); 0: no limit, every RunShard starts at once (cluster executors). With N, a
  // run waits until fewer than N others are starting and fewer than N × thread_count downloads
  // are in flight, so that shards in their tails lend their idle share to the next shards
  // (engine/shard_gate.h). Memory: each run waiting or in its tail holds its rows and results.
  int starting_shards = 0;
};

// Rejects values the engine cannot run with (non-positive sizes and counts). The Python front
// validates first with friendlier messages; this is the engine's own guard.
Status ValidateOptions(const EngineOptions& options);

const char* EncodeFormatExtension(EncodeFormat format);  // "jpg", "png", "webp"
const char* HashAlgorithmName(HashAlgorithm algorithm);  // "md5", ...; "" for kNone

}  // namespace img2dataset
