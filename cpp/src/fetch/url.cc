#include "fetch/url.h"

#include <curl/curl.h>
#include <idn2.h>
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

// The ACE form of an internationalised host (bücher.example: xn--bcher-kva.example), as browsers
// and the reference's urllib send it to DNS and in the request: IDNA2008 with UTS #46 mapping
// (case folded, non-transitional, as browsers do), by libidn2. ASCII hosts are left as they are.
Result<std::string> AsciiHost(const std::string& host) {
  if (std::all_of(host.begin(), host.end(), [](char c) { return (c & 0x80) == 0; })) return host;
  char* ace = nullptr;
  const int code = idn2_to_ascii_8z(host.c_str(), &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, decltype(&idn2_free)> owned(ace, &idn2_free);
  if (code != IDN2_OK) {
    return Status::Invalid(std::string("URL host is not a valid internationalised domain name (") +
                           idn2_strerror(code) + ")");
  }
  return std::string(ace);
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
  if (trimmed.size() > kMaxUrlBytes) {
    return Status::Invalid("URL of " + std::to_string(trimmed.size()) +
                           " bytes is longer than the limit of " + std::to_string(kMaxUrlBytes) +
                           " bytes");
  }
  // curl reads a C string: the part after a NUL would be dropped silently.
  if (trimmed.find('\0') != std::string::npos) return Status::Invalid("URL contains a NUL byte");
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  // URL-encode spaces and other unsafe bytes rather than rejecting them.
  const CURLUcode code = curl_url_set(url.get(), CURLUPART_URL, trimmed.c_str(), CURLU_URLENCODE);
  if (code == CURLUE_UNSUPPORTED_SCHEME) {
    // libcurl is built for HTTP(S) only (third_party/curl.cmake): it refuses the other schemes
    // itself, without naming them.
    std::string scheme = trimmed.substr(0, trimmed.find(':'));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](char c) { return AsciiLower(c); });
    return Status::Invalid("unsupported URL scheme '" + scheme + "' (only http and https)");
  }
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
  ASSIGN_OR_RETURN(const std::string ascii_host, AsciiHost(result.host));
  if (ascii_host != result.host) {
    result.host = ascii_host;
    curl_url_set(url.get(), CURLUPART_HOST, ascii_host.c_str(), 0);
  }
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
