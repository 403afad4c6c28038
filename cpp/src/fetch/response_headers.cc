#include "fetch/response_headers.h"

#include <curl/curl.h>

#include <charconv>
#include <cmath>

#include "fetch/opt_out.h"
#include "util/strings.h"

namespace img2dataset {

bool ParseStatusLine(std::string_view line, long* status, std::string* reason) {
  if (!line.starts_with("HTTP/")) return false;
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view rest = line.substr(space + 1);
  if (rest.size() < 3) return false;
  long code = 0;
  for (const char c : rest.substr(0, 3)) {
    if (c < '0' || c > '9') return false;
    code = code * 10 + (c - '0');
  }
  if (rest.size() > 3 && rest[3] != ' ' && rest[3] != '\r' && rest[3] != '\n') return false;
  *status = code;
  *reason = std::string(TrimWhitespace(rest.substr(3)));
  return true;
}

int64_t ParseContentLength(std::string_view value) {
  value = TrimWhitespace(value);
  int64_t length = -1;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
  const bool digits_only = !value.empty() && value.front() != '-';
  if (error != std::errc() || end != value.data() + value.size() || !digits_only) return -1;
  return length;
}

double ParseRetryAfter(std::string_view value, std::time_t now) {
  value = TrimWhitespace(value);
  if (value.empty()) return -1;
  double seconds = 0;
  const auto [end, error] =
      std::from_chars(value.data(), value.data() + value.size(), seconds, std::chars_format::fixed);
  if (error == std::errc() && end == value.data() + value.size()) {
    return std::isfinite(seconds) ? std::max(0.0, seconds) : -1;
  }
  const std::string date(value);  // curl_getdate wants a terminated string
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when <= 0) return -1;
  return std::max(0.0, static_cast<double>(when - now));
}

bool ResponseHeaderParser::Feed(std::string_view line, std::time_t now) {
  long status = 0;
  std::string reason;
  if (ParseStatusLine(line, &status, &reason)) {
    head_ = ResponseHead{};
    head_.status = status;
    head_.reason = std::move(reason);
    return false;
  }
  const std::string_view trimmed = TrimWhitespace(line);
  if (trimmed.empty()) return true;
  const size_t colon = trimmed.find(':');
  if (colon != std::string_view::npos) {
    Field(trimmed.substr(0, colon), TrimWhitespace(trimmed.substr(colon + 1)), now);
  }
  return false;
}

void ResponseHeaderParser::Field(std::string_view name, std::string_view value, std::time_t now) {
  if (EqualsNoCase(name, "content-length")) {
    head_.content_length = ParseContentLength(value);
  } else if (EqualsNoCase(name, "retry-after")) {
    if (const double seconds = ParseRetryAfter(value, now); seconds >= 0) {
      head_.retry_after_s = seconds;
    }
  } else if (EqualsNoCase(name, "content-encoding")) {
    head_.content_encoding = TrimLower(value);
  } else if (EqualsNoCase(name, "x-robots-tag")) {
    if (opt_out_ != nullptr && opt_out_->Disallows(value)) head_.opted_out = true;
  }
}

}  // namespace img2dataset
