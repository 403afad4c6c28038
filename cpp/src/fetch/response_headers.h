// What a response's header block says that the network acts on, parsed line by line as libcurl
// hands the lines over (status line, fields, the blank line that ends the block).
//
// The input is the server's, so untrusted: every field is optional, malformed values are
// ignored, never trusted half-way. Pure and in memory: unit-tested and fuzzed
// (cpp/fuzz/response_headers_fuzzer.cc).
//
// Thread safety: a parser belongs to one transfer; OptOutPolicy is read-only.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace img2dataset {

class OptOutPolicy;

struct ResponseHead {
  long status = 0;               // 0 until a well-formed status line arrived
  std::string reason;            // the status line's reason phrase, possibly empty
  int64_t content_length = -1;   // -1: not announced (or not a number)
  double retry_after_s = 0;      // Retry-After as seconds from now, >= 0; 0: none
  std::string content_encoding;  // lower-cased, as announced; empty: none
  bool opted_out = false;        // an X-Robots-Tag directive forbids using the image
};

class ResponseHeaderParser {
 public:
  // `opt_out` may be null: no X-Robots-Tag check.
  explicit ResponseHeaderParser(const OptOutPolicy* opt_out) : opt_out_(opt_out) {}

  // Feeds one header line as received, line break included. A status line starts a new head
  // (each response of a redirect or an interim 1xx has its own). `now` is the wall-clock time,
  // for a Retry-After given as a date. Returns true when the line is the blank line that ends a
  // header block.
  bool Feed(std::string_view line, std::time_t now);

  const ResponseHead& head() const { return head_; }

 private:
  void Field(std::string_view name, std::string_view value, std::time_t now);

  const OptOutPolicy* opt_out_;
  ResponseHead head_;
};

// "HTTP/1.1 404 Not Found" -> 404 and "Not Found"; false unless the line starts with "HTTP/"
// and has a three-digit code.
bool ParseStatusLine(std::string_view line, long* status, std::string* reason);

// A Content-Length value: decimal digits only, within int64; -1 otherwise.
int64_t ParseContentLength(std::string_view value);

// A Retry-After value, delta-seconds or an HTTP-date, as seconds after `now` (>= 0, finite);
// -1 when it is neither.
double ParseRetryAfter(std::string_view value, std::time_t now);

}  // namespace img2dataset
