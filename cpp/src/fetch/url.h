// HTTP(S) URLs as the fetcher needs them: scheme, host and port, parsed by libcurl's URL API.
//
// Thread safety: free functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "img2dataset/status.h"

namespace img2dataset {

struct HttpUrl {
  std::string url;     // normalised by curl (as it will be requested)
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case, IPv6 literals without brackets
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path and "?query", as sent in the request line ("/a/b.jpg?x=1")
  bool host_is_ip = false;

  // "https://example.com:443": the unit of robots.txt and of connection reuse.
  std::string origin() const;
};

// Longest URL fetched, in bytes once trimmed: longer ones fail their row as invalid_url. Web
// servers refuse request lines far shorter (nginx: 8 KiB); the bound keeps a stray multi-megabyte
// line of an input file from reaching the network at all.
inline constexpr size_t kMaxUrlBytes = size_t{64} << 10;

// Invalid for anything but a well-formed http or https URL with a host, of at most kMaxUrlBytes.
// Surrounding whitespace is ignored.
Result<HttpUrl> ParseHttpUrl(std::string_view text);

}  // namespace img2dataset
