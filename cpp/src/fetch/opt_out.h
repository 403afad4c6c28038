// X-Robots-Tag opt-out directives (noai, noimageai, ...), evaluated as soon as response headers
// arrive so that an opted-out body is never downloaded.
//
// Semantics of the reference img2dataset: each header value is split at its first ':'; a value
// with a prefix is scoped to that user agent and applies only when it equals the configured
// user_agent_token (case-insensitive); the rest is a comma-separated directive list. Unlike the
// reference, the agent prefix is trimmed, so "img2dataset : noai" matches too.
//
// Thread safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace img2dataset {

class OptOutPolicy {
 public:
  // `disallowed_directives`: lower-cased directive names; empty disables the check.
  OptOutPolicy(const std::vector<std::string>& disallowed_directives,
               std::string_view user_agent_token);

  bool enabled() const { return !disallowed_.empty(); }

  // True when one X-Robots-Tag header value forbids the use of the image.
  bool Disallows(std::string_view header_value) const;

 private:
  std::vector<std::string> disallowed_;
  std::string user_agent_token_;  // trimmed, lower-cased; empty: none configured
};

// The User-Agent header the reference sends, with " (compatible; <token>;
// +https://github.com/rom1504/img2dataset)" appended when a token is configured.
std::string UserAgent(std::string_view user_agent_token);

}  // namespace img2dataset
