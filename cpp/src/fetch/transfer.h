// One HTTP exchange of a request (one redirect hop): owns its libcurl easy handle while it runs,
// sets it up, reacts to curl's callbacks (headers, body, socket opening) and classifies how it
// ended. Knows nothing of queues, deadlines across hops or other transfers: the dispatcher
// decides, the transport (curl_transport.cc) multiplexes, a Transfer only transfers.
//
// Thread safety: used from the network loop's thread only.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "fetch/hop.h"
#include "fetch/response_headers.h"
#include "fetch/url.h"
#include "img2dataset/options.h"
#include "util/hash.h"

namespace img2dataset {

class OptOutPolicy;

// What every transfer of a network shares: its options and the objects built from them.
struct TransferSettings {
  const FetchOptions* options = nullptr;
  const OptOutPolicy* opt_out = nullptr;
  std::string user_agent;
  CURLSH* share = nullptr;  // TLS sessions shared between transfers
};

class Transfer {
 public:
  // `easy` is a fresh or reset handle; the transfer uses it until it is destroyed, and does not
  // free it (the transport keeps idle handles for reuse).
  Transfer(CURL* easy, const TransferSettings& settings);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Sets the handle up for `hop`, to connect to `address` (the host's resolved address, or its
  // IP literal) within `remaining_s` of the request's deadline.
  void Configure(const Hop& hop);

  CURL* easy() const { return easy_; }
  uint64_t ticket() const { return ticket_; }
  // True once the response headers of this hop have arrived.
  bool headers_done() const { return headers_done_; }

  // How the transfer ended, once curl reported `code` for it.
  HopOutcome Finish(CURLcode code);

 private:
  // Why one of our callbacks stopped the transfer (curl then reports a write error).
  enum class Abort { kNone, kHttpError, kOptedOut, kTooLarge, kBlocked };

  static size_t OnHeader(char* data, size_t size, size_t count, void* user);
  static size_t OnBody(char* data, size_t size, size_t count, void* user);
  static curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address);
  bool DrainsRefusedBody() const;
  std::string TooLargeMessage() const;

  CURL* easy_;
  const TransferSettings& settings_;
  uint64_t ticket_ = 0;
  curl_slist* resolve_ = nullptr;
  ResponseHeaderParser headers_;
  bool headers_done_ = false;
  Abort abort_ = Abort::kNone;
  int64_t drained_ = 0;  // body bytes of a refused response read and dropped
  std::string blocked_message_;
  std::string body_;
  std::unique_ptr<StreamingDigest> digest_;  // set when FetchOptions::stream_hash is
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace img2dataset
