// HTTP(S) URL parsing (libcurl's URL API) and the invariants the fetcher relies on.
#include <string_view>

#include "fetch/url.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > std::size_t{64} * 1024) return 0;  // URLs are short; curl refuses above 8 MB anyway
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<HttpUrl> parsed = ParseHttpUrl(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(!parsed.status().ok());
    return 0;
  }
  const HttpUrl& url = parsed.value();
  FUZZ_CHECK(url.scheme == "http" || url.scheme == "https");
  FUZZ_CHECK(!url.host.empty());
  FUZZ_CHECK(url.port >= 0 && url.port <= 65535);  // curl accepts an explicit port 0
  FUZZ_CHECK(!url.target.empty() && url.target.front() == '/');
  FUZZ_CHECK(!url.origin().empty());
  // The normalised URL is what gets requested: it must parse again, to the same origin.
  const Result<HttpUrl> again = ParseHttpUrl(url.url);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.value().origin() == url.origin());
  return 0;
}
