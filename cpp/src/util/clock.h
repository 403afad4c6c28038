// Time as the engine sees it, behind an interface so that schedulers and caches are tested with
// a fake clock.
//
// Thread safety: SteadyClock is safe from any thread; FakeClock is for single-threaded tests.
#pragma once

#include <chrono>

namespace img2dataset {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  static const SteadyClock& Instance() {
    static const SteadyClock clock;
    return clock;
  }
};

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(Duration d) { now_ += d; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

inline Duration Seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

}  // namespace img2dataset
