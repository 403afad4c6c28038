#include "fetch/host_scheduler.h"

#include <algorithm>

namespace img2dataset {

int HostScheduler::Ceiling() const { return std::max(1, policy_.max_connections_per_host); }

int HostScheduler::InitialWindow() const {
  return std::clamp(policy_.initial_connections_per_host, 1, Ceiling());
}

HostScheduler::Host& HostScheduler::StateOf(const std::string& host) {
  const auto [it, inserted] = hosts_.try_emplace(host);
  if (inserted) it->second.window = InitialWindow();
  return it->second;
}

int HostScheduler::Cap(const Host& state) const {
  return std::clamp(static_cast<int>(state.window), 1, Ceiling());
}

int HostScheduler::Window(const std::string& host) const {
  const auto it = hosts_.find(host);
  return it == hosts_.end() ? InitialWindow() : Cap(it->second);
}

bool HostScheduler::StartedBeforeTheCut(Host& state) {
  if (state.answers_before_next_cut == 0) return false;
  --state.answers_before_next_cut;
  return true;
}

void HostScheduler::Push(const std::string& host, uint64_t ticket) {
  Host& state = StateOf(host);
  state.queue.push_back(ticket);
  ++queued_;
  if (!state.in_ring) {
    state.in_ring = true;
    ring_.push_back(host);
  }
  UpdateAtCeiling(host, state);
}

std::optional<HostScheduler::Started> HostScheduler::Pop() {
  const TimePoint now = clock_.Now();
  ForgetExpired(now);
  for (size_t visited = 0, n = ring_.size(); visited < n; ++visited) {
    std::string host = std::move(ring_.front());
    ring_.pop_front();
    Host& state = hosts_[host];
    const bool ready = state.active < Cap(state) && now >= state.not_before;
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
    UpdateAtCeiling(host, state);
    return Started{std::move(host), ticket};
  }
  return std::nullopt;
}

void HostScheduler::Release(const std::string& host) {
  ForgetExpired(clock_.Now());
  const auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  it->second.active = std::max(0, it->second.active - 1);
  UpdateAtCeiling(host, it->second);
  MaybeForget(host);
}

void HostScheduler::UpdateAtCeiling(const std::string& host, const Host& state) {
  if (!state.queue.empty() && state.active >= Ceiling()) {
    at_ceiling_.insert(host);
  } else {
    at_ceiling_.erase(host);
  }
}

std::string HostScheduler::AHostAtCeiling() const {
  return at_ceiling_.empty() ? std::string() : *at_ceiling_.begin();
}

// Halves the window, unless the answer comes from a transfer started before the last cut.
void HostScheduler::Cut(Host& state) {
  if (StartedBeforeTheCut(state)) return;
  state.window = std::max(1.0, state.window / 2);
  state.growth_threshold = state.window;
  state.round_answers = 0;
  state.answers_before_next_cut = std::max(0, state.active - 1);  // this answer's is done
  state.remember_until = clock_.Now() + policy_.remember_cut_window;
}

void HostScheduler::Struggled(const std::string& host) {
  const auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  Cut(it->second);
  MaybeForget(host);
}

void HostScheduler::BackOff(const std::string& host, Duration retry_after) {
  Host& state = StateOf(host);
  // The answers of one round (transfers in flight together) double the pause once, as they
  // halve the window once: sixteen 503s at once are one sign, not sixteen.
  const bool same_round = state.answers_before_next_cut > 0;
  Cut(state);
  Duration delay = retry_after;
  if (delay <= Duration::zero()) {
    if (same_round) {
      MaybeForget(host);
      return;
    }
    delay = Seconds(1) * (1 << std::min(state.backoff_level, 16));
    ++state.backoff_level;
  }
  delay = std::min(delay, policy_.max_backoff);
  state.not_before = std::max(state.not_before, clock_.Now() + delay);
  MaybeForget(host);  // a host with nothing queued or in flight is dropped once the pause ends
}

void HostScheduler::Succeeded(const std::string& host) {
  const auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  Host& state = it->second;
  state.backoff_level = 0;
  if (StartedBeforeTheCut(state)) return;
  // Growing only while requests wait for the window: a host that never fills it earns nothing.
  const double ceiling = Ceiling();
  if (state.queue.empty() || state.window >= ceiling) return;
  if (state.window < state.growth_threshold) {
    state.window += 1;  // slow start
  } else if (++state.round_answers >= Cap(state)) {
    state.window += 1;  // one a window of answers
    state.round_answers = 0;
  }
  state.window = std::min(state.window, ceiling);
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
  // An idle host past its pause, and past the time a cut window is kept, has no state worth
  // keeping: its back-off doubling only matters while it still has requests.
  const TimePoint until = std::max(state.not_before, state.remember_until);
  if (until <= clock_.Now()) {
    hosts_.erase(it);
  } else if (!state.forget_pending) {
    state.forget_pending = true;
    forget_queue_.emplace(until, host);
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
