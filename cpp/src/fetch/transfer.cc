#include "fetch/transfer.h"

#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string_view>

#include "fetch/address_policy.h"
#include "fetch/opt_out.h"
#include "fetch/timeouts.h"

namespace img2dataset {

namespace {

// A refused response (an HTTP error, an opt-out) whose announced body is at most this long is
// read and dropped, which keeps its connection for the host's next request; a longer one, or one
// of unknown length, is cut off, which closes the connection.
constexpr int64_t kMaxDrainedBytes = 64 << 10;

ErrorClass HttpErrorClass(long status) {
  if (status == 429) return ErrorClass::kHttp429;
  return status >= 500 ? ErrorClass::kHttp5xx : ErrorClass::kHttp4xx;
}

ErrorClass CurlErrorClass(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return ErrorClass::kInvalidUrl;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ErrorClass::kDns;
    case CURLE_COULDNT_CONNECT:
      return ErrorClass::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorClass::kTimeout;
    case CURLE_FILESIZE_EXCEEDED:  // a Content-Length above the cap
      return ErrorClass::kTooLarge;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return ErrorClass::kTls;
    default:
      return ErrorClass::kNetwork;
  }
}

long ToMs(double seconds) { return static_cast<long>(std::ceil(seconds * 1000)); }

}  // namespace

Transfer::Transfer(CURL* easy, const TransferSettings& settings)
    : easy_(easy), settings_(settings), headers_(settings.opt_out) {
  if (settings.options->stream_hash != HashAlgorithm::kNone) {
    digest_ = std::make_unique<StreamingDigest>(settings.options->stream_hash);
  }
}

Transfer::~Transfer() {
  if (resolve_ != nullptr) curl_slist_free_all(resolve_);
}

void Transfer::Configure(const Hop& hop) {
  const FetchOptions& options = *settings_.options;
  CURL* easy = easy_;
  ticket_ = hop.ticket;
  if (!hop.url.host_is_ip) {
    // Hand our answer to curl's own cache ("+": it expires there, so that cache stays small).
    // Unlike CURLOPT_CONNECT_TO, this keeps curl's connection pool keyed by host name: with
    // CONNECT_TO every name served from one address shares one bucket, and curl polls each
    // idle connection of it on every new transfer (measured: 300 poll() calls per fetch).
    const bool v6 = hop.address.find(':') != std::string::npos;
    const std::string entry = "+" + hop.url.host + ":" + std::to_string(hop.url.port) + ":" +
                              (v6 ? "[" + hop.address + "]" : hop.address);
    resolve_ = curl_slist_append(nullptr, entry.c_str());
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve_);
  }
  curl_easy_setopt(easy, CURLOPT_URL, hop.url.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_SHARE, settings_.share);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // the dispatcher follows redirects
  curl_easy_setopt(easy, CURLOPT_USERAGENT, settings_.user_agent.c_str());
  // Over TLS, wait for the host's first connection to say (ALPN) whether it multiplexes HTTP/2
  // rather than open one connection per transfer. Plain HTTP is HTTP/1.1 (no h2c): waiting there
  // held every other transfer to the host until the first one's response came, however slow.
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, hop.url.scheme == "https" ? 1L : 0L);
  // Ask for the bytes as they are, as the reference does; decode gzip/deflate/br anyway when a
  // server sends them compressed.
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "identity");
  // Refuse at once a Content-Length above the cap (the write callback covers the others).
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options.max_body_bytes));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ToMs(ConnectTimeoutS(options)));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, std::max(1L, ToMs(hop.remaining_s)));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options.min_bytes_per_second);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(std::ceil(options.timeout_s))));
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Transfer::OnOpenSocket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  if (options.ignore_ssl_certificate) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!options.ca_bundle.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_bundle.c_str());
}

HopOutcome Transfer::Finish(CURLcode code) {
  const ResponseHead& head = headers_.head();
  HopOutcome outcome;
  outcome.http_status = head.status;
  outcome.retry_after_s = head.retry_after_s;
  const long status = head.status;
  char* redirect = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_REDIRECT_URL, &redirect);
  if (code == CURLE_OK && status >= 300 && status < 400 && redirect != nullptr) {
    outcome.redirect_url = redirect;
    return outcome;
  }
  if (code == CURLE_OK && status >= 400) abort_ = Abort::kHttpError;
  if (code == CURLE_OK && status >= 200 && status < 300 && abort_ == Abort::kNone) {
    outcome.body = std::move(body_);
    if (digest_ != nullptr) outcome.hash = digest_->HexFinal();
    return outcome;
  }
  auto fail = [&](ErrorClass error_class, std::string message) {
    outcome.error_class = error_class;
    outcome.error_message = std::move(message);
    return outcome;
  };
  switch (abort_) {
    case Abort::kHttpError:
      return fail(HttpErrorClass(status), "HTTP Error " + std::to_string(status) + ": " +
                                              (head.reason.empty() ? "error" : head.reason));
    case Abort::kOptedOut:
      return fail(ErrorClass::kOptedOut, "Use of image disallowed by X-Robots-Tag directive");
    case Abort::kTooLarge:
      return fail(ErrorClass::kTooLarge, TooLargeMessage());
    case Abort::kBlocked:
      return fail(ErrorClass::kBlockedAddress, blocked_message_);
    case Abort::kNone:
      break;
  }
  if (code == CURLE_OK) {  // 1xx or a 3xx without Location
    return fail(ErrorClass::kNetwork, "unexpected HTTP status " + std::to_string(status));
  }
  if (CurlErrorClass(code) == ErrorClass::kTooLarge) {
    return fail(ErrorClass::kTooLarge, TooLargeMessage());
  }
  return fail(CurlErrorClass(code),
              error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code));
}

std::string Transfer::TooLargeMessage() const {
  return "body larger than " + std::to_string(settings_.options->max_body_bytes) + " bytes";
}

bool Transfer::DrainsRefusedBody() const {
  const int64_t length = headers_.head().content_length;
  return length >= 0 && length <= kMaxDrainedBytes;
}

// curl callbacks, on the loop thread.

size_t Transfer::OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* self = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (!self->headers_.Feed(line, std::time(nullptr))) return line.size();
  // The end of one response's headers.
  self->headers_done_ = true;
  const ResponseHead& head = self->headers_.head();
  if (head.status >= 300 && head.status < 400) return line.size();
  if (head.status >= 400) self->abort_ = Abort::kHttpError;
  if (head.status < 400 && head.opted_out) self->abort_ = Abort::kOptedOut;
  if (self->abort_ != Abort::kNone && !self->DrainsRefusedBody()) return 0;
  return line.size();
}

size_t Transfer::OnBody(char* data, size_t size, size_t count, void* user) {
  auto* self = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (self->abort_ == Abort::kHttpError || self->abort_ == Abort::kOptedOut) {
    self->drained_ += static_cast<int64_t>(n);  // refused: dropped (DrainsRefusedBody)
    return self->drained_ <= kMaxDrainedBytes ? n : 0;
  }
  if (static_cast<int64_t>(self->body_.size() + n) > self->settings_.options->max_body_bytes) {
    self->abort_ = Abort::kTooLarge;
    return 0;
  }
  self->body_.append(data, n);
  if (self->digest_ != nullptr) self->digest_->Update(std::string_view(data, n));
  return n;
}

curl_socket_t Transfer::OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* self = static_cast<Transfer*>(user);
  const AddressKind kind = ClassifyAddress(&address->addr);
  if (!AddressAllowed(kind, self->settings_.options->allow_private_addresses)) {
    self->abort_ = Abort::kBlocked;
    self->blocked_message_ = BlockedAddressMessage(kind, FormatIpAddress(&address->addr));
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

}  // namespace img2dataset
