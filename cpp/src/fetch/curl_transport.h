// The Transport on libcurl's multi-socket interface: every transfer of the network in flight at
// once on the event loop, one easy handle each (kept for reuse once a transfer ends), TLS
// sessions and idle connections shared.
//
// curl never queues a transfer: the dispatcher starts only what may run now, so curl's timeouts
// count time spent on the network only.
//
// Thread safety: the network thread only.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fetch/event_loop.h"
#include "fetch/transfer.h"
#include "fetch/transport.h"
#include "img2dataset/status.h"
#include "util/clock.h"

namespace img2dataset {

class CurlTransport final : public Transport, private EventLoop::Handler {
 public:
  // `settings.share` is filled in by Init.
  CurlTransport(EventLoop& loop, const Clock& clock, TransferSettings settings, Callback on_end)
      : loop_(loop), clock_(clock), settings_(std::move(settings)), on_end_(std::move(on_end)) {}
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Status Init();

  void Start(const Hop& hop) override;
  void Stop(uint64_t ticket) override;
  bool HeadersArrived(uint64_t ticket) const override;

  // When curl next wants ProcessTimeout, or nullopt.
  std::optional<TimePoint> NextTimeout() const { return timer_; }
  void ProcessTimeout();
  // Reports the transfers curl has finished.
  void CollectFinished();

 private:
  CURL* AcquireEasy();
  void Release(uint64_t ticket);
  void OnReady(int fd, bool readable, bool writable, bool error) override;
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* user, void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* user);

  EventLoop& loop_;
  const Clock& clock_;
  TransferSettings settings_;
  Callback on_end_;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;
  std::unordered_map<uint64_t, std::unique_ptr<Transfer>> transfers_;  // by ticket
  std::vector<CURL*> idle_easy_;
  std::optional<TimePoint> timer_;
};

}  // namespace img2dataset
