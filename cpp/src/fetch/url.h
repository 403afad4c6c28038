// HTTP(S) URLs as the fetcher needs them: scheme, host and port, parsed by libcurl's URL API.
//
// Thread safety: free functions.
#pragma once

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

// Invalid for anything but a well-formed http or https URL with a host. Surrounding whitespace
// is ignored.
Result<HttpUrl> ParseHttpUrl(std::string_view text);

}  // namespace img2dataset
