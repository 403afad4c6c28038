#include "fetch/url.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

#include "fetch/address_policy.h"
#include "util/strings.h"

namespace img2dataset {

namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};

std::string Part(CURLU* url, CURLUPart part, unsigned int flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK || raw == nullptr) return {};
  std::unique_ptr<char, CurlStringDeleter> owned(raw);
  return raw;
}

}  // namespace

std::string HttpUrl::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string origin = scheme;
  origin.append("://");
  if (v6) origin.append(1, '[');
  origin.append(host);
  if (v6) origin.append(1, ']');
  origin.append(1, ':').append(std::to_string(port));
  return origin;
}

Result<HttpUrl> ParseHttpUrl(std::string_view text) {
  const std::string trimmed(TrimWhitespace(text));
  if (trimmed.empty()) return Status::Invalid("empty URL");
  // curl reads a C string: the part after a NUL would be dropped silently.
  if (trimmed.find('\0') != std::string::npos) return Status::Invalid("URL contains a NUL byte");
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  // URL-encode spaces and other unsafe bytes rather than rejecting them.
  const CURLUcode code = curl_url_set(url.get(), CURLUPART_URL, trimmed.c_str(), CURLU_URLENCODE);
  if (code != CURLUE_OK) {
    return Status::Invalid(std::string("malformed URL: ") + curl_url_strerror(code));
  }
  HttpUrl result;
  result.scheme = Part(url.get(), CURLUPART_SCHEME);
  std::transform(result.scheme.begin(), result.scheme.end(), result.scheme.begin(),
                 [](char c) { return AsciiLower(c); });
  if (result.scheme != "http" && result.scheme != "https") {
    return Status::Invalid("unsupported URL scheme '" + result.scheme + "' (only http and https)");
  }
  result.host = Part(url.get(), CURLUPART_HOST);
  if (result.host.empty()) return Status::Invalid("URL has no host");
  // curl decodes a percent-encoded DEL ("%7f") into the host, yet refuses the URL it then writes
  // ("Bad hostname"): such a host would only fail later, at the request.
  if (std::any_of(result.host.begin(), result.host.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; })) {
    return Status::Invalid("URL host contains a control character");
  }
  if (result.host.front() == '[' && result.host.back() == ']') {
    result.host = result.host.substr(1, result.host.size() - 2);
  }
  std::transform(result.host.begin(), result.host.end(), result.host.begin(),
                 [](char c) { return AsciiLower(c); });
  const std::string port = Part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  result.port = port.empty() ? 0 : std::stoi(port);
  result.url = Part(url.get(), CURLUPART_URL);
  // curl always reports a path ("/" at least).
  const std::string path = Part(url.get(), CURLUPART_PATH);
  const std::string query = Part(url.get(), CURLUPART_QUERY);
  result.target = query.empty() ? path : path + '?' + query;
  sockaddr_storage address;
  result.host_is_ip = ParseIpAddress(result.host, &address);
  return result;
}

}  // namespace img2dataset
