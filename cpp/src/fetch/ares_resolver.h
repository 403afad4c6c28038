// The Resolver on c-ares: lookups multiplexed on the network's event loop, at most
// kMaxLookupsInFlight at once (the rest wait in order).
//
// Thread safety: the network thread only.
#pragma once

#include <ares.h>

#include <deque>
#include <optional>
#include <string>

#include "fetch/event_loop.h"
#include "fetch/resolver.h"
#include "img2dataset/options.h"
#include "img2dataset/status.h"
#include "util/clock.h"

namespace img2dataset {

class AresResolver final : public Resolver, private EventLoop::Handler {
 public:
  // A burst of thousands of new host names would otherwise overflow the resolver's receive
  // buffer and turn into DNS timeouts.
  static constexpr int kMaxLookupsInFlight = 128;

  AresResolver(EventLoop& loop, const Clock& clock, Callback on_answer)
      : loop_(loop), clock_(clock), on_answer_(std::move(on_answer)) {}
  ~AresResolver() override;
  AresResolver(const AresResolver&) = delete;
  AresResolver& operator=(const AresResolver&) = delete;

  // The system's servers (/etc/resolv.conf) unless FetchOptions::dns_servers names some.
  Status Init(const FetchOptions& options);

  void Lookup(const std::string& host) override;

  // When c-ares next needs ProcessTimeouts (a retry, a timeout), or nullopt when idle.
  std::optional<TimePoint> NextTimeout() const;
  void ProcessTimeouts();

 private:
  struct Query {
    AresResolver* resolver;
    std::string host;
  };
  void Start(const std::string& host);
  static void OnAnswer(void* arg, int status, int timeouts, ares_addrinfo* result);
  static void OnSocket(void* user, ares_socket_t fd, int readable, int writable);
  void OnReady(int fd, bool readable, bool writable, bool error) override;

  EventLoop& loop_;
  const Clock& clock_;
  Callback on_answer_;
  ares_channel channel_ = nullptr;
  int in_flight_ = 0;
  std::deque<std::string> backlog_;
};

}  // namespace img2dataset
