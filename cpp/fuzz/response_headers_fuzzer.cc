// Response header blocks as a server may send them, line by line as libcurl hands them over:
// the parser never crashes and what it keeps is always within range.
#include <cmath>
#include <string>
#include <string_view>

#include "fetch/opt_out.h"
#include "fetch/response_headers.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const OptOutPolicy kPolicy({"noai", "noimageai"}, "img2dataset");
  ResponseHeaderParser parser(&kPolicy);
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    end = end == std::string_view::npos ? input.size() : end + 1;
    parser.Feed(input.substr(start, end - start), 1445412480);
    start = end;
    const ResponseHead& head = parser.head();
    FUZZ_CHECK(head.status >= 0 && head.status <= 999);
    FUZZ_CHECK(head.content_length >= -1);
    FUZZ_CHECK(std::isfinite(head.retry_after_s) && head.retry_after_s >= 0);
  }
  ParseContentLength(input);
  const double retry = ParseRetryAfter(input, 1445412480);
  FUZZ_CHECK(retry == -1 || (std::isfinite(retry) && retry >= 0));
  return 0;
}
