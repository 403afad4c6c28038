#include "fetch/curl_transport.h"

#include <utility>

namespace img2dataset {

CurlTransport::~CurlTransport() {
  for (auto& [ticket, transfer] : transfers_) {
    curl_multi_remove_handle(multi_, transfer->easy());
    curl_easy_cleanup(transfer->easy());
  }
  transfers_.clear();
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  if (share_ != nullptr) curl_share_cleanup(share_);
}

Status CurlTransport::Init() {
  multi_ = curl_multi_init();
  share_ = curl_share_init();
  if (multi_ == nullptr || share_ == nullptr) return Status::Internal("curl init failed");
  settings_.share = share_;
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlTransport::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlTransport::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // Keep idle connections for reuse: the default (4 per transfer in flight) drops them once a
  // transfer is removed, which costs a new TCP (and TLS) connection per request of a host.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 4096L);
  return Status::OK();
}

CURL* CurlTransport::AcquireEasy() {
  if (idle_easy_.empty()) return curl_easy_init();
  CURL* easy = idle_easy_.back();
  idle_easy_.pop_back();
  curl_easy_reset(easy);
  return easy;
}

void CurlTransport::Start(const Hop& hop) {
  auto transfer = std::make_unique<Transfer>(AcquireEasy(), settings_);
  transfer->Configure(hop);
  CURL* easy = transfer->easy();
  transfers_.insert_or_assign(hop.ticket, std::move(transfer));
  curl_multi_add_handle(multi_, easy);
}

void CurlTransport::Release(uint64_t ticket) {
  const auto it = transfers_.find(ticket);
  if (it == transfers_.end()) return;
  curl_multi_remove_handle(multi_, it->second->easy());
  idle_easy_.push_back(it->second->easy());
  transfers_.erase(it);
}

void CurlTransport::Stop(uint64_t ticket) { Release(ticket); }

bool CurlTransport::HeadersArrived(uint64_t ticket) const {
  const auto it = transfers_.find(ticket);
  return it != transfers_.end() && it->second->headers_done();
}

void CurlTransport::ProcessTimeout() {
  if (!timer_ || clock_.Now() < *timer_) return;
  timer_.reset();
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
}

void CurlTransport::CollectFinished() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    const uint64_t ticket = transfer->ticket();
    HopOutcome outcome = transfer->Finish(message->data.result);
    Release(ticket);  // before the callback, which may start the next hop of the request
    on_end_(ticket, std::move(outcome));
  }
}

void CurlTransport::OnReady(int fd, bool readable, bool writable, bool error) {
  int flags = 0;
  if (readable) flags |= CURL_CSELECT_IN;
  if (writable) flags |= CURL_CSELECT_OUT;
  if (error) flags |= CURL_CSELECT_ERR;
  int running = 0;
  curl_multi_socket_action(multi_, fd, flags, &running);
}

int CurlTransport::OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* user,
                            void* /*socket_data*/) {
  auto* self = static_cast<CurlTransport*>(user);
  if (what == CURL_POLL_REMOVE) {
    self->loop_.Unwatch(fd);
  } else {
    self->loop_.Watch(fd, (what & CURL_POLL_IN) != 0, (what & CURL_POLL_OUT) != 0, self);
  }
  return 0;
}

int CurlTransport::OnTimer(CURLM* /*multi*/, long timeout_ms, void* user) {
  auto* self = static_cast<CurlTransport*>(user);
  if (timeout_ms < 0) {
    self->timer_.reset();
  } else {
    self->timer_ = self->clock_.Now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace img2dataset
