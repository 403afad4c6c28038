// Per-host politeness: which queued request may start now.
//
// Each host has a window of transfers in flight that adapts to how it answers (AIMD, as TCP's
// congestion window), an optional request rate, and a pause after 429/503 answers (Retry-After
// honoured, bounded). Hosts are served round-robin, so a host with thousands of queued URLs, or
// one that is backing off, never holds up the others.
//
// The window rule (docs/network.md, "Politeness"):
//   - a host starts at initial_connections_per_host transfers in flight;
//   - each answer that is not a sign of overload, while requests of the host wait for the window,
//     grows it: by one per answer (doubling each round trip) until the host first struggles, by
//     one per window of answers after that;
//   - a sign of overload (429, 503 and other 5xx answers, timeouts, refused or failed
//     connections) halves it, at least one; the transfers already in flight then answer without
//     changing it again, since they were started under the old window;
//   - max_connections_per_host is the ceiling the window never passes.
// A host is forgotten once idle; one whose window was cut is remembered for a minute first.
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
#include <unordered_set>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace img2dataset {

struct HostPolicy {
  int max_connections_per_host = 64;           // the ceiling of a host's window
  int initial_connections_per_host = 8;        // where a host's window starts (at most the ceiling)
  double max_requests_per_second = 0;          // per host; 0: no limit
  Duration max_backoff = Seconds(60);          // longest pause of a host, whatever Retry-After says
  Duration remember_cut_window = Seconds(60);  // how long an idle host keeps a window it cut
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
  // starting at one second, doubled once a round of transfers in flight together), at most
  // max_backoff, and halve its window.
  void BackOff(const std::string& host, Duration retry_after);
  // The host struggled (a 5xx answer, a timeout, a failed connection): its window halves.
  void Struggled(const std::string& host);
  // The host answered normally: its back-off delay starts from one second again, and its window
  // grows if requests wait for it.
  void Succeeded(const std::string& host);

  // The host's window now (initial_connections_per_host for a host not seen yet).
  int Window(const std::string& host) const;

  // The earliest time a host with queued requests stops backing off or gets a rate token.
  std::optional<TimePoint> NextWakeup() const;
  size_t queued() const { return queued_; }
  size_t hosts() const { return hosts_.size(); }

  // Hosts held at max_connections_per_host: requests of theirs wait while the ceiling's worth
  // are in flight, so the user's cap, not the host, sets their pace (the run's limit hints).
  size_t hosts_at_ceiling() const { return at_ceiling_.size(); }
  bool AtCeiling(const std::string& host) const { return at_ceiling_.count(host) > 0; }
  // One of them; empty when there is none.
  std::string AHostAtCeiling() const;

 private:
  struct Host {
    std::deque<uint64_t> queue;
    int active = 0;
    double window = 0;                // transfers allowed in flight (set on creation)
    double growth_threshold = 1e9;    // below: slow start (+1 an answer); above: +1 a window
    int round_answers = 0;            // answers counted toward the next +1 above it
    int answers_before_next_cut = 0;  // transfers in flight at the last cut, still answering
    TimePoint not_before{};           // back-off or rate limit
    TimePoint remember_until{};       // a cut window is kept until then
    int backoff_level = 0;
    bool in_ring = false;
    bool forget_pending = false;  // in forget_queue_
  };
  int Ceiling() const;
  int InitialWindow() const;
  Host& StateOf(const std::string& host);
  // An answer of a transfer started before the window's last cut: counted off, and true.
  static bool StartedBeforeTheCut(Host& state);
  void Cut(Host& state);
  int Cap(const Host& state) const;
  void MaybeForget(const std::string& host);
  // Keeps at_ceiling_ true to the host's queue and transfers in flight.
  void UpdateAtCeiling(const std::string& host, const Host& state);
  void ForgetExpired(TimePoint now);

  HostPolicy policy_;
  const Clock& clock_;
  std::unordered_map<std::string, Host> hosts_;
  std::deque<std::string> ring_;  // hosts with queued requests, in service order
  std::unordered_set<std::string> at_ceiling_;
  size_t queued_ = 0;
  // Idle hosts kept only until their pause ends (forgetting them sooner would lift it), by the
  // time it ends; swept on Pop() and Release().
  using PendingForget = std::pair<TimePoint, std::string>;
  std::priority_queue<PendingForget, std::vector<PendingForget>, std::greater<>> forget_queue_;
};

}  // namespace img2dataset
