// One hop of a request, as the dispatcher hands it to the transport, and how it ended.
#pragma once

#include <cstdint>
#include <string>

#include "fetch/url.h"
#include "img2dataset/sample.h"

namespace img2dataset {

struct Hop {
  uint64_t ticket = 0;  // the dispatcher's request
  HttpUrl url;
  std::string address;     // where to connect: the host's resolved address or its IP literal
  double remaining_s = 0;  // left of the request's deadline, > 0
};

struct HopOutcome {
  long http_status = 0;      // 0 when no response arrived
  std::string redirect_url;  // a 3xx with a Location: the dispatcher decides whether to follow
  ErrorClass error_class = ErrorClass::kNone;  // kNone and no redirect_url: `body` is the image
  std::string error_message;
  std::string body;
  std::string hash;          // FetchOptions::stream_hash of the body; empty if none
  double retry_after_s = 0;  // the server's Retry-After, seconds

  bool redirect() const { return error_class == ErrorClass::kNone && !redirect_url.empty(); }
};

}  // namespace img2dataset
