#include "fetch/host_scheduler.h"

#include <algorithm>

namespace img2dataset {

void HostScheduler::Push(const std::string& host, uint64_t ticket) {
  Host& state = hosts_[host];
  state.queue.push_back(ticket);
  ++queued_;
  if (!state.in_ring) {
    state.in_ring = true;
    ring_.push_back(host);
  }
}

std::optional<HostScheduler::Started> HostScheduler::Pop() {
  const TimePoint now = clock_.Now();
  ForgetExpired(now);
  for (size_t visited = 0, n = ring_.size(); visited < n; ++visited) {
    std::string host = std::move(ring_.front());
    ring_.pop_front();
    Host& state = hosts_[host];
    const bool ready = state.active < policy_.max_connections_per_host && now >= state.not_before;
    if (!ready) {
      ring_.push_back(std::move(host));
      continue;
    }
    const uint64_t ticket = state.queue.front();
    state.queue.pop_front();
    --queued_;
    ++state.active;
    if (policy_.max_requests_per_second > 0) {
      state.not_before = now + Seconds(1.0 / policy_.max_requests_per_second);
    }
    if (state.queue.empty()) {
      state.in_ring = false;
    } else {
      ring_.push_back(host);
    }
    return Started{std::move(host), ticket};
  }
  return std::nullopt;
}

void HostScheduler::Release(const std::string& host) {
  ForgetExpired(clock_.Now());
  const auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  it->second.active = std::max(0, it->second.active - 1);
  MaybeForget(host);
}

void HostScheduler::BackOff(const std::string& host, Duration retry_after) {
  Host& state = hosts_[host];
  Duration delay = retry_after;
  if (delay <= Duration::zero()) {
    delay = Seconds(1) * (1 << std::min(state.backoff_level, 16));
    ++state.backoff_level;
  }
  delay = std::min(delay, policy_.max_backoff);
  state.not_before = std::max(state.not_before, clock_.Now() + delay);
  MaybeForget(host);  // a host with nothing queued or in flight is dropped once the pause ends
}

void HostScheduler::Succeeded(const std::string& host) {
  const auto it = hosts_.find(host);
  if (it != hosts_.end()) it->second.backoff_level = 0;
}

std::optional<TimePoint> HostScheduler::NextWakeup() const {
  std::optional<TimePoint> earliest;
  const TimePoint now = clock_.Now();
  for (const std::string& host : ring_) {
    const Host& state = hosts_.at(host);
    if (state.not_before > now && (!earliest || state.not_before < *earliest)) {
      earliest = state.not_before;
    }
  }
  return earliest;
}

void HostScheduler::MaybeForget(const std::string& host) {
  const auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  Host& state = it->second;
  if (state.active > 0 || !state.queue.empty()) return;
  // An idle host past its pause has no state worth keeping: its back-off doubling only matters
  // while it still has requests.
  if (state.not_before <= clock_.Now()) {
    hosts_.erase(it);
  } else if (!state.forget_pending) {
    state.forget_pending = true;
    forget_queue_.emplace(state.not_before, host);
  }
}

void HostScheduler::ForgetExpired(TimePoint now) {
  while (!forget_queue_.empty() && forget_queue_.top().first <= now) {
    const std::string host = forget_queue_.top().second;
    forget_queue_.pop();
    const auto it = hosts_.find(host);
    if (it == hosts_.end() || !it->second.forget_pending) continue;
    it->second.forget_pending = false;
    MaybeForget(host);  // queued again, busy, or its pause was extended: kept (or re-queued)
  }
}

}  // namespace img2dataset
