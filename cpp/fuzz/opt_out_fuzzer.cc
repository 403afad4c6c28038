// X-Robots-Tag values against opt-out policies, with and without a user agent token, and the
// string helpers that compare their directives.
#include <string>
#include <string_view>

#include "fetch/opt_out.h"
#include "fuzz_check.h"
#include "util/strings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  static const OptOutPolicy kWithToken({"noai", "noimageai", "noindex"}, "img2dataset");
  static const OptOutPolicy kWithoutToken({"noai", "noimageai"}, "");
  static const OptOutPolicy kDisabled({}, "img2dataset");
  kWithToken.Disallows(value);
  kWithoutToken.Disallows(value);
  FUZZ_CHECK(!kDisabled.Disallows(value));

  const std::string lower = TrimLower(value);
  FUZZ_CHECK(lower.size() <= value.size());
  FUZZ_CHECK(TrimLower(lower) == lower);  // idempotent
  FUZZ_CHECK(EqualsNoCase(value, AsciiLower(value)));
  FUZZ_CHECK(StartsWithNoCase(value, AsciiLower(value.substr(0, value.size() / 2))));
  return 0;
}
