// Per-host politeness: which queued request may start now.
//
// Each host has a cap on transfers in flight, an optional request rate, and a back-off window
// after 429/503 answers (Retry-After honoured, bounded). Hosts are served round-robin, so a host
// with thousands of queued URLs, or one that is backing off, never holds up the others.
//
// Thread safety: not thread-safe; owned by the network loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace img2dataset {

struct HostPolicy {
  int max_connections_per_host = 16;
  double max_requests_per_second = 0;  // per host; 0: no limit
  Duration max_backoff = Seconds(60);  // longest pause of a host, whatever Retry-After says
};

class HostScheduler {
 public:
  HostScheduler(const HostPolicy& policy, const Clock& clock) : policy_(policy), clock_(clock) {}

  void Push(const std::string& host, uint64_t ticket);

  struct Started {
    std::string host;
    uint64_t ticket;
  };
  // A request whose host may start one now (and counts it as in flight), or nullopt.
  std::optional<Started> Pop();

  // A transfer of `host` ended.
  void Release(const std::string& host);
  // The host answered 429/503: pause it for `retry_after` (or, when zero, a doubling delay
  // starting at one second), at most max_backoff.
  void BackOff(const std::string& host, Duration retry_after);
  // The host answered normally: its back-off delay starts from one second again.
  void Succeeded(const std::string& host);

  // The earliest time a host with queued requests stops backing off or gets a rate token.
  std::optional<TimePoint> NextWakeup() const;
  size_t queued() const { return queued_; }
  size_t hosts() const { return hosts_.size(); }

 private:
  struct Host {
    std::deque<uint64_t> queue;
    int active = 0;
    TimePoint not_before{};  // back-off or rate limit
    int backoff_level = 0;
    bool in_ring = false;
    bool forget_pending = false;  // in forget_queue_
  };
  void MaybeForget(const std::string& host);
  void ForgetExpired(TimePoint now);

  HostPolicy policy_;
  const Clock& clock_;
  std::unordered_map<std::string, Host> hosts_;
  std::deque<std::string> ring_;  // hosts with queued requests, in service order
  size_t queued_ = 0;
  // Idle hosts kept only until their pause ends (forgetting them sooner would lift it), by the
  // time it ends; swept on Pop() and Release().
  using PendingForget = std::pair<TimePoint, std::string>;
  std::priority_queue<PendingForget, std::vector<PendingForget>, std::greater<>> forget_queue_;
};

}  // namespace img2dataset
