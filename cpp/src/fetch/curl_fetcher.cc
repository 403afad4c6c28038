// libcurl multi-interface fetcher: one multi handle per Run, driven by curl_multi_poll.
//
// Each transfer checks its response headers as they arrive: a final status of 400 or more, or an
// X-Robots-Tag opt-out, aborts the transfer before any body byte is read. Bodies are capped at
// max_body_bytes while streaming, whatever Content-Length says.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "fetch/fetcher.h"
#include "fetch/opt_out.h"

namespace img2dataset {

bool FetchResponse::transient() const {
  switch (error_class) {
    case ErrorClass::kDns:
    case ErrorClass::kConnect:
    case ErrorClass::kTimeout:
    case ErrorClass::kNetwork:
    case ErrorClass::kHttp5xx:
    case ErrorClass::kHttp429:
      return true;
    default:
      return false;
  }
}

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

ErrorClass HttpErrorClass(long status) {
  if (status == 429) return ErrorClass::kHttp429;
  return status >= 500 ? ErrorClass::kHttp5xx : ErrorClass::kHttp4xx;
}

// Why a transfer was aborted by one of our callbacks (curl then reports CURLE_WRITE_ERROR).
enum class Abort { kNone, kHttpError, kOptedOut, kTooLarge };

struct Transfer {
  CURL* easy = nullptr;
  FetchResponse response;
  const OptOutPolicy* opt_out = nullptr;
  int64_t max_body_bytes = 0;
  // Headers of the response being received (redirects reset them).
  long status = 0;
  std::string reason;
  bool opted_out = false;
  Abort abort = Abort::kNone;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // status line of a new response (first or after redirect)
    t->status = 0;
    t->reason.clear();
    t->opted_out = false;
    const auto space = line.find(' ');
    if (space != std::string_view::npos) {
      std::string_view rest = line.substr(space + 1);
      t->status = std::strtol(std::string(rest.substr(0, 3)).c_str(), nullptr, 10);
      if (rest.size() > 4) t->reason = std::string(TrimView(rest.substr(4)));
    }
    return line.size();
  }
  if (StartsWithNoCase(line, "x-robots-tag:")) {
    if (t->opt_out->Disallows(TrimView(line.substr(13)))) t->opted_out = true;
    return line.size();
  }
  if (TrimView(line).empty()) {  // end of this response's headers
    const bool redirect = t->status >= 300 && t->status < 400;
    if (redirect) return line.size();
    if (t->status >= 400) {
      t->abort = Abort::kHttpError;
      return 0;
    }
    if (t->opted_out) {
      t->abort = Abort::kOptedOut;
      return 0;
    }
  }
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (static_cast<int64_t>(t->response.body.size() + n) > t->max_body_bytes) {
    t->abort = Abort::kTooLarge;
    return 0;
  }
  t->response.body.append(data, n);
  return n;
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

class CurlFetcher final : public Fetcher {
 public:
  CurlFetcher(const FetchOptions& options, CURLM* multi)
      : options_(options),
        opt_out_(options.disallowed_header_directives, options.user_agent_token),
        user_agent_(UserAgent(options.user_agent_token)),
        multi_(multi) {}

  ~CurlFetcher() override {
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
  }

  Status Run(FetchClient& client) override {
    int in_flight = 0;
    while (!client.Finished()) {
      while (in_flight < options_.thread_count) {
        std::optional<FetchRequest> request = client.NextRequest();
        if (!request) break;
        Start(std::move(*request));
        ++in_flight;
      }
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi_, &running);
      if (mc != CURLM_OK) return Status::Internal(curl_multi_strerror(mc));
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        std::unique_ptr<Transfer> transfer = Finish(msg->easy_handle, msg->data.result);
        --in_flight;
        client.OnResponse(std::move(transfer->response));
      }
      if (client.Finished()) break;
      // Wait for sockets, a timer, or Wakeup(); bounded so new requests are picked up soon.
      mc = curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
      if (mc != CURLM_OK) return Status::Internal(curl_multi_strerror(mc));
    }
    return Status::OK();
  }

  void Wakeup() override { curl_multi_wakeup(multi_); }

 private:
  CURL* AcquireEasy() {
    if (idle_.empty()) return curl_easy_init();
    CURL* easy = idle_.back();
    idle_.pop_back();
    curl_easy_reset(easy);
    return easy;
  }

  void Start(FetchRequest request) {
    auto transfer = std::make_unique<Transfer>();
    transfer->response.index = request.index;
    transfer->opt_out = &opt_out_;
    transfer->max_body_bytes = options_.max_body_bytes;
    CURL* easy = transfer->easy = AcquireEasy();

    const auto timeout_ms = static_cast<long>(std::ceil(options_.timeout_s * 1000));
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error_buffer);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent_.c_str());
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    // A stall of `timeout` (less than 1 byte/s over that window) ends the transfer...
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(std::ceil(options_.timeout_s))));
    // ...and so does a slow drip that never stalls.
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(timeout_ms * FetchOptions::kTotalDeadlineFactor));
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    if (options_.ignore_ssl_certificate) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_multi_add_handle(multi_, easy);
    transfer.release();  // owned through CURLOPT_PRIVATE until Finish
  }

  std::unique_ptr<Transfer> Finish(CURL* easy, CURLcode code) {
    Transfer* raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &raw);
    std::unique_ptr<Transfer> transfer(raw);
    curl_multi_remove_handle(multi_, easy);
    idle_.push_back(easy);

    FetchResponse& response = transfer->response;
    response.http_status = transfer->status;
    if (code == CURLE_OK && transfer->status >= 400) transfer->abort = Abort::kHttpError;
    if (code == CURLE_OK && transfer->abort == Abort::kNone) return transfer;

    response.body.clear();
    switch (transfer->abort) {
      case Abort::kHttpError:
        response.error_class = HttpErrorClass(transfer->status);
        response.error_message = "HTTP Error " + std::to_string(transfer->status) + ": " +
                                 (transfer->reason.empty() ? "error" : transfer->reason);
        break;
      case Abort::kOptedOut:
        response.error_class = ErrorClass::kOptedOut;
        response.error_message = "Use of image disallowed by X-Robots-Tag directive";
        break;
      case Abort::kTooLarge:
        response.error_class = ErrorClass::kTooLarge;
        response.error_message =
            "body larger than " + std::to_string(options_.max_body_bytes) + " bytes";
        break;
      case Abort::kNone:
        response.error_class = CurlErrorClass(code);
        response.error_message =
            transfer->error_buffer[0] != '\0' ? transfer->error_buffer : curl_easy_strerror(code);
        break;
    }
    return transfer;
  }

  FetchOptions options_;
  OptOutPolicy opt_out_;
  std::string user_agent_;
  CURLM* multi_;
  std::vector<CURL*> idle_;  // easy handles kept for reuse
};

}  // namespace

Result<std::unique_ptr<Fetcher>> MakeCurlFetcher(const FetchOptions& options) {
  GlobalInitOnce();
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return Status::Internal("curl_multi_init failed");
  return std::unique_ptr<Fetcher>(new CurlFetcher(options, multi));
}

}  // namespace img2dataset
