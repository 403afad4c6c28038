// What the engine reports for each input row of a shard.
//
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>

namespace img2dataset {

// The reference's `status` column.
enum class SampleStatus { kSuccess, kFailedToDownload, kFailedToResize };

// Why a sample failed, for statistics; finer than SampleStatus and stable across versions,
// unlike error messages.
enum class ErrorClass {
  kNone,
  kInvalidUrl,         // not an http(s) URL, or malformed
  kDns,                // the host name did not resolve
  kConnect,            // connection refused or unreachable
  kTls,                // handshake or certificate failure
  kTimeout,            // connect, first byte, stall or total deadline
  kRedirectLoop,       // a redirect came back to a URL already visited, or too many redirects
  kBlockedAddress,     // the host resolved to an address the policy refuses (link-local, private)
  kRobotsTxt,          // robots.txt disallows the URL (respect_robots_txt)
  kHashMismatch,       // the digest of the body differs from the expected one (verify_hash)
  kHttp4xx,            // 4xx other than 429
  kHttp429,            // too many requests
  kHttp5xx,            // server error
  kNetwork,            // any other transfer error (truncated body, reset, bad response)
  kTooLarge,           // body above max_body_bytes
  kOptedOut,           // X-Robots-Tag forbids the use
  kDecode,             // not an image, or a corrupt one
  kFiltered,           // rejected by min_image_size / max_image_area / max_aspect_ratio
  kEncode,             // the encoder failed
  kInvalidBbox,        // the row's bbox_col value is not a list of [x0, y0, x1, y1] boxes
  kUnsupportedFormat,  // an image format outside the decoder table (SVG, JPEG 2000, HDR, ...)
};

const char* SampleStatusName(SampleStatus status);   // "success", "failed_to_download", ...
const char* ErrorClassName(ErrorClass error_class);  // "", "dns", "http_4xx", ...

struct SampleResult {
  std::string key;
  SampleStatus status = SampleStatus::kFailedToDownload;
  ErrorClass error_class = ErrorClass::kNone;
  std::string error_message;  // empty on success
  // Pixel sizes; unset for failures and with disable_all_reencoding.
  std::optional<int> width, height, original_width, original_height;
  std::optional<std::string> exif;  // JSON object text; set on success when extract_exif
  std::optional<std::string> hash;  // lowercase hex of the downloaded bytes; success only
  int http_status = 0;              // final HTTP status, 0 when no response arrived
  // output_format="parquet": a success's stored image bytes (the result table's image column).
  // Empty otherwise: the shard's writer stored them.
  std::string image;
};

}  // namespace img2dataset
