#include "fetch/host_scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/clock.h"

namespace img2dataset {
namespace {

using std::chrono::milliseconds;

// "a.example:1": host and ticket of one Pop(), or "none".
std::string PopOne(HostScheduler& scheduler) {
  const std::optional<HostScheduler::Started> started = scheduler.Pop();
  if (!started) return "none";
  return started->host + ":" + std::to_string(started->ticket);
}

// Pops until nothing may start.
std::vector<std::string> PopAll(HostScheduler& scheduler) {
  std::vector<std::string> popped;
  for (std::string next = PopOne(scheduler); next != "none"; next = PopOne(scheduler)) {
    popped.push_back(next);
  }
  return popped;
}

class HostSchedulerTest : public ::testing::Test {
 protected:
  // How long from now until NextWakeup(), or a negative duration when there is none.
  Duration UntilWakeup(const HostScheduler& scheduler) const {
    const std::optional<TimePoint> wakeup = scheduler.NextWakeup();
    return wakeup ? *wakeup - clock_.Now() : Seconds(-1);
  }

  FakeClock clock_;
};

TEST_F(HostSchedulerTest, EmptySchedulerStartsNothing) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_FALSE(scheduler.NextWakeup().has_value());
  EXPECT_EQ(scheduler.queued(), 0u);
  EXPECT_EQ(scheduler.hosts(), 0u);
}

TEST_F(HostSchedulerTest, RequestsOfOneHostStartInPushOrder) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  for (uint64_t ticket : {5, 3, 9, 1}) scheduler.Push("a.example", ticket);
  EXPECT_EQ(PopAll(scheduler),
            (std::vector<std::string>{"a.example:5", "a.example:3", "a.example:9", "a.example:1"}));
}

TEST_F(HostSchedulerTest, HostsAreServedRoundRobin) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("a.example", 2);
  scheduler.Push("a.example", 3);
  scheduler.Push("b.example", 11);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:1", "b.example:11",
                                                         "a.example:2", "a.example:3"}));
}

TEST_F(HostSchedulerTest, RoundRobinOverThreeHosts) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("a.example", 2);
  scheduler.Push("a.example", 3);
  scheduler.Push("b.example", 11);
  scheduler.Push("b.example", 12);
  scheduler.Push("c.example", 21);
  EXPECT_EQ(PopAll(scheduler),
            (std::vector<std::string>{"a.example:1", "b.example:11", "c.example:21", "a.example:2",
                                      "b.example:12", "a.example:3"}));
}

TEST_F(HostSchedulerTest, HostPushedAgainAfterDrainingJoinsTheEndOfTheRing) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("b.example", 11);
  scheduler.Push("b.example", 12);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.Push("a.example", 2);
  EXPECT_EQ(PopAll(scheduler),
            (std::vector<std::string>{"b.example:11", "a.example:2", "b.example:12"}));
}

TEST_F(HostSchedulerTest, ConnectionCapHoldsRequestsUntilRelease) {
  HostPolicy policy;
  policy.max_connections_per_host = 2;
  HostScheduler scheduler(policy, clock_);
  for (uint64_t ticket : {1, 2, 3, 4}) scheduler.Push("a.example", ticket);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:1", "a.example:2"}));
  EXPECT_EQ(scheduler.queued(), 2u);
  // Waiting for a connection slot is no timed wake-up.
  EXPECT_FALSE(scheduler.NextWakeup().has_value());
  scheduler.Release("a.example");
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:3"}));
  scheduler.Release("a.example");
  scheduler.Release("a.example");
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:4"}));
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST_F(HostSchedulerTest, HostAtItsCapDoesNotHoldUpOthers) {
  HostPolicy policy;
  policy.max_connections_per_host = 1;
  HostScheduler scheduler(policy, clock_);
  for (uint64_t ticket : {1, 2, 3}) scheduler.Push("a.example", ticket);
  scheduler.Push("b.example", 11);
  scheduler.Push("b.example", 12);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:1", "b.example:11"}));
  scheduler.Release("b.example");
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"b.example:12"}));
}

TEST_F(HostSchedulerTest, AHostIsAtTheCeilingWhileRequestsWaitForItsFullWindow) {
  HostPolicy policy;
  policy.max_connections_per_host = 2;
  policy.initial_connections_per_host = 2;
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("a.example", 2);
  scheduler.Push("b.example", 11);
  EXPECT_EQ(PopAll(scheduler).size(), 3u);
  EXPECT_EQ(scheduler.hosts_at_ceiling(), 0u);  // the ceiling's worth in flight, none waiting

  scheduler.Push("a.example", 3);
  EXPECT_EQ(scheduler.hosts_at_ceiling(), 1u);
  EXPECT_TRUE(scheduler.AtCeiling("a.example"));
  EXPECT_EQ(scheduler.AHostAtCeiling(), "a.example");

  scheduler.Release("a.example");  // room: no longer held, until the waiting one starts
  EXPECT_EQ(scheduler.hosts_at_ceiling(), 0u);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:3"}));
  EXPECT_EQ(scheduler.hosts_at_ceiling(), 0u);
  EXPECT_EQ(scheduler.AHostAtCeiling(), "");
}

TEST_F(HostSchedulerTest, AWindowBelowTheCeilingIsNotTheUsersCap) {
  HostPolicy policy;
  policy.max_connections_per_host = 4;
  policy.initial_connections_per_host = 1;  // the adaptive window, not the user's cap, holds it
  HostScheduler scheduler(policy, clock_);
  for (uint64_t ticket : {1, 2, 3}) scheduler.Push("a.example", ticket);
  EXPECT_EQ(PopAll(scheduler).size(), 1u);
  EXPECT_EQ(scheduler.hosts_at_ceiling(), 0u);
}

TEST_F(HostSchedulerTest, ReleaseOfUnknownHostIsHarmless) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Release("never-seen.example");
  EXPECT_EQ(scheduler.hosts(), 0u);
  scheduler.Push("a.example", 1);
  scheduler.Release("never-seen.example");
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:1"}));
}

TEST_F(HostSchedulerTest, ExtraReleaseDoesNotGrantExtraSlots) {
  HostPolicy policy;
  policy.max_connections_per_host = 1;
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("a.example", 2);
  scheduler.Push("a.example", 3);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.Release("a.example");
  scheduler.Release("a.example");  // one too many
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:2"}));
}

TEST_F(HostSchedulerTest, RateLimitSpacesRequestsOfAHost) {
  HostPolicy policy;
  policy.max_requests_per_second = 2;
  HostScheduler scheduler(policy, clock_);
  for (uint64_t ticket : {1, 2, 3}) scheduler.Push("a.example", ticket);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:1"}));
  EXPECT_EQ(UntilWakeup(scheduler), milliseconds(500));
  clock_.Advance(milliseconds(499));
  EXPECT_EQ(PopOne(scheduler), "none");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:2"}));
  EXPECT_EQ(UntilWakeup(scheduler), milliseconds(500));
  clock_.Advance(milliseconds(500));
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:3"}));
  EXPECT_FALSE(scheduler.NextWakeup().has_value());  // nothing left to wait for
}

TEST_F(HostSchedulerTest, RateLimitDoesNotDelayOtherHosts) {
  HostPolicy policy;
  policy.max_requests_per_second = 2;
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("a.example", 2);
  scheduler.Push("b.example", 11);
  scheduler.Push("c.example", 21);
  EXPECT_EQ(PopAll(scheduler),
            (std::vector<std::string>{"a.example:1", "b.example:11", "c.example:21"}));
}

TEST_F(HostSchedulerTest, ReleasedHostKeepsItsRateLimit) {
  HostPolicy policy;
  policy.max_requests_per_second = 2;
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.Release("a.example");  // a fast transfer: nothing queued, nothing in flight
  scheduler.Push("a.example", 2);
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_EQ(UntilWakeup(scheduler), milliseconds(500));
  clock_.Advance(milliseconds(500));
  EXPECT_EQ(PopOne(scheduler), "a.example:2");
}

TEST_F(HostSchedulerTest, RetryAfterPausesOnlyThatHost) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  for (uint64_t ticket : {1, 2}) scheduler.Push("a.example", ticket);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.BackOff("a.example", Seconds(3));
  scheduler.Release("a.example");
  scheduler.Push("b.example", 11);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"b.example:11"}));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(3));
  clock_.Advance(milliseconds(2999));
  scheduler.Push("b.example", 12);
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"b.example:12"}));
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"a.example:2"}));
}

TEST_F(HostSchedulerTest, RetryAfterIsCappedAtMaxBackoff) {
  HostPolicy policy;
  policy.max_backoff = Seconds(10);
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  scheduler.BackOff("a.example", Seconds(86400));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(10));
  clock_.Advance(Seconds(10));
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
}

TEST_F(HostSchedulerTest, ShorterBackOffDoesNotShortenAPause) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.BackOff("a.example", Seconds(10));
  scheduler.BackOff("a.example", Seconds(1));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(10));
  clock_.Advance(Seconds(9));
  EXPECT_EQ(PopOne(scheduler), "none");
}

TEST_F(HostSchedulerTest, NextWakeupIsTheEarliestPausedHost) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("b.example", 11);
  scheduler.BackOff("a.example", Seconds(7));
  scheduler.BackOff("b.example", Seconds(4));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(4));
  clock_.Advance(Seconds(4));
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"b.example:11"}));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(3));
}

TEST_F(HostSchedulerTest, PausedHostWithNothingQueuedNeedsNoWakeup) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.BackOff("a.example", Seconds(5));
  EXPECT_FALSE(scheduler.NextWakeup().has_value());
}

// Pops one request of a.example, answers it with 429 and no Retry-After, and returns the pause.
Duration BackOffOnce(HostScheduler& scheduler, FakeClock& clock) {
  const std::optional<HostScheduler::Started> started = scheduler.Pop();
  EXPECT_TRUE(started.has_value());
  scheduler.BackOff("a.example", Duration::zero());
  scheduler.Release("a.example");
  const std::optional<TimePoint> wakeup = scheduler.NextWakeup();
  if (!wakeup) return Seconds(-1);
  const Duration pause = *wakeup - clock.Now();
  clock.Advance(pause);
  return pause;
}

TEST_F(HostSchedulerTest, BackOffWithoutRetryAfterDoubles) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  for (uint64_t ticket = 1; ticket <= 5; ++ticket) scheduler.Push("a.example", ticket);
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(1));
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(2));
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(4));
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(8));
}

TEST_F(HostSchedulerTest, NegativeRetryAfterIsTreatedAsNone) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.BackOff("a.example", Seconds(-30));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(1));
}

TEST_F(HostSchedulerTest, DoublingIsCappedAtMaxBackoff) {
  HostPolicy policy;
  policy.max_backoff = Seconds(5);
  HostScheduler scheduler(policy, clock_);
  for (uint64_t ticket = 1; ticket <= 50; ++ticket) scheduler.Push("a.example", ticket);
  std::vector<Duration> pauses;
  pauses.reserve(6);
  for (int i = 0; i < 6; ++i) pauses.push_back(BackOffOnce(scheduler, clock_));
  EXPECT_EQ(pauses, (std::vector<Duration>{Seconds(1), Seconds(2), Seconds(4), Seconds(5),
                                           Seconds(5), Seconds(5)}));
  // Far past the level where 2^level seconds would overflow a Duration: still the cap.
  for (int i = 0; i < 40; ++i) BackOffOnce(scheduler, clock_);
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(5));
}

TEST_F(HostSchedulerTest, SucceededRestartsTheDoublingFromOneSecond) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  for (uint64_t ticket = 1; ticket <= 5; ++ticket) scheduler.Push("a.example", ticket);
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(1));
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(2));
  scheduler.Succeeded("a.example");
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(1));
  EXPECT_EQ(BackOffOnce(scheduler, clock_), Seconds(2));
}

TEST_F(HostSchedulerTest, SucceededOfUnknownHostIsHarmless) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Succeeded("never-seen.example");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

TEST_F(HostSchedulerTest, DoublingIsPerHost) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("b.example", 11);
  scheduler.BackOff("a.example", Duration::zero());
  scheduler.BackOff("a.example", Duration::zero());
  scheduler.BackOff("b.example", Duration::zero());
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(1));  // b.example; a.example waits 2 s
  clock_.Advance(Seconds(1));
  EXPECT_EQ(PopAll(scheduler), (std::vector<std::string>{"b.example:11"}));
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(1));
}

TEST_F(HostSchedulerTest, QueuedAndHostsCount) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  for (uint64_t ticket : {1, 2, 3}) scheduler.Push("a.example", ticket);
  scheduler.Push("b.example", 11);
  scheduler.Push("b.example", 12);
  EXPECT_EQ(scheduler.queued(), 5u);
  EXPECT_EQ(scheduler.hosts(), 2u);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  EXPECT_EQ(scheduler.queued(), 4u);
  EXPECT_EQ(PopAll(scheduler).size(), 4u);
  EXPECT_EQ(scheduler.queued(), 0u);
  EXPECT_EQ(scheduler.hosts(), 2u);  // both still have transfers in flight
}

TEST_F(HostSchedulerTest, IdleHostsAreForgotten) {
  HostScheduler scheduler(HostPolicy{}, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("a.example", 2);
  scheduler.Push("b.example", 11);
  EXPECT_EQ(PopAll(scheduler).size(), 3u);
  scheduler.Release("b.example");
  EXPECT_EQ(scheduler.hosts(), 1u);
  scheduler.Release("a.example");
  EXPECT_EQ(scheduler.hosts(), 1u);  // one transfer of a.example still in flight
  scheduler.Release("a.example");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

TEST_F(HostSchedulerTest, RateLimitedHostIsForgottenOnceItsPauseEnds) {
  // Regression: a host released before its rate-limit interval ended was kept forever, so with
  // max_requests_per_second set every host ever fetched stayed in memory.
  HostPolicy policy;
  policy.max_requests_per_second = 2;
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("b.example", 11);
  EXPECT_EQ(PopAll(scheduler).size(), 2u);
  scheduler.Release("a.example");
  scheduler.Release("b.example");
  EXPECT_EQ(scheduler.hosts(), 2u);  // forgetting them now would lift their rate limit
  clock_.Advance(milliseconds(500));
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

// The pause alone: a host whose window a 429/503 cut is not remembered beyond its pause (that is
// ACutWindowIsRememberedForAMinuteOnceIdle's).
HostPolicy PauseOnly() {
  HostPolicy policy;
  policy.remember_cut_window = Duration::zero();
  return policy;
}

TEST_F(HostSchedulerTest, BackedOffHostIsForgottenOnceItsPauseEnds) {
  // Regression: a host answering 429/503 without Retry-After kept its doubling level, and so its
  // entry, until a later success that never came.
  HostScheduler scheduler(PauseOnly(), clock_);
  scheduler.Push("a.example", 1);
  scheduler.Push("b.example", 11);
  EXPECT_EQ(PopAll(scheduler).size(), 2u);
  scheduler.BackOff("a.example", Duration::zero());
  scheduler.BackOff("b.example", Seconds(30));
  scheduler.Release("a.example");
  scheduler.Release("b.example");
  EXPECT_EQ(scheduler.hosts(), 2u);
  clock_.Advance(Seconds(1));
  scheduler.Release("unknown.example");  // any Release also forgets hosts whose pause ended
  EXPECT_EQ(scheduler.hosts(), 1u);
  clock_.Advance(Seconds(29));
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

TEST_F(HostSchedulerTest, BackOffOfIdleHostIsForgottenOnceItsPauseEnds) {
  HostScheduler scheduler(PauseOnly(), clock_);
  scheduler.BackOff("a.example", Seconds(2));
  EXPECT_EQ(scheduler.hosts(), 1u);
  clock_.Advance(Seconds(2));
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

TEST_F(HostSchedulerTest, PauseExtendedWhileIdleIsStillHonoured) {
  HostScheduler scheduler(PauseOnly(), clock_);
  scheduler.Push("a.example", 1);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.BackOff("a.example", Seconds(2));
  scheduler.Release("a.example");
  scheduler.BackOff("a.example", Seconds(10));
  clock_.Advance(Seconds(2));
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_EQ(scheduler.hosts(), 1u);  // still paused: not forgotten
  scheduler.Push("a.example", 2);
  EXPECT_EQ(PopOne(scheduler), "none");
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(8));
  clock_.Advance(Seconds(8));
  EXPECT_EQ(PopOne(scheduler), "a.example:2");
  scheduler.Release("a.example");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

TEST_F(HostSchedulerTest, HostQueuedAgainDuringItsPauseIsNotForgotten) {
  HostPolicy policy;
  policy.max_requests_per_second = 1;
  HostScheduler scheduler(policy, clock_);
  scheduler.Push("a.example", 1);
  EXPECT_EQ(PopOne(scheduler), "a.example:1");
  scheduler.Release("a.example");
  scheduler.Push("a.example", 2);
  clock_.Advance(Seconds(1));
  EXPECT_EQ(PopOne(scheduler), "a.example:2");
  EXPECT_EQ(scheduler.hosts(), 1u);
  scheduler.Push("a.example", 3);
  EXPECT_EQ(PopOne(scheduler), "none");  // the rate limit survived the sweep
  clock_.Advance(Seconds(1));
  EXPECT_EQ(PopOne(scheduler), "a.example:3");
}

// ---------------------------------------------------------------------------------------------
// The adaptive window (AIMD).

// Ends every transfer in flight of `host` with `answer` ("ok", "struggled" or "429"), each
// answer then its release, as the dispatcher does; returns how many ended.
int AnswerAll(HostScheduler& scheduler, const std::string& host, int in_flight,
              const std::string& answer) {
  for (int i = 0; i < in_flight; ++i) {
    if (answer == "ok") scheduler.Succeeded(host);
    if (answer == "struggled") scheduler.Struggled(host);
    if (answer == "429") scheduler.BackOff(host, Seconds(1));
    scheduler.Release(host);
  }
  return in_flight;
}

void PushMany(HostScheduler& scheduler, const std::string& host, int count) {
  for (int ticket = 1; ticket <= count; ++ticket) scheduler.Push(host, ticket);
}

HostPolicy Adaptive(int initial, int ceiling) {
  HostPolicy policy;
  policy.initial_connections_per_host = initial;
  policy.max_connections_per_host = ceiling;
  return policy;
}

TEST_F(HostSchedulerTest, AHostStartsAtItsInitialWindow) {
  HostScheduler scheduler(Adaptive(4, 64), clock_);
  PushMany(scheduler, "a.example", 20);
  EXPECT_EQ(PopAll(scheduler).size(), 4u);
  EXPECT_EQ(scheduler.Window("a.example"), 4);
  EXPECT_EQ(scheduler.Window("unseen.example"), 4);
}

TEST_F(HostSchedulerTest, HealthyAnswersDoubleTheWindowEachRoundUntilTheCeiling) {
  HostScheduler scheduler(Adaptive(4, 20), clock_);
  PushMany(scheduler, "a.example", 200);
  std::vector<size_t> rounds;
  for (int round = 0; round < 4; ++round) {
    const size_t started = PopAll(scheduler).size();
    rounds.push_back(started);
    AnswerAll(scheduler, "a.example", static_cast<int>(started), "ok");
  }
  EXPECT_EQ(rounds, (std::vector<size_t>{4, 8, 16, 20}));  // the ceiling is never passed
  EXPECT_EQ(scheduler.Window("a.example"), 20);
}

TEST_F(HostSchedulerTest, AWindowGrowsOnlyWhileRequestsWaitForIt) {
  HostScheduler scheduler(Adaptive(4, 64), clock_);
  for (int round = 0; round < 5; ++round) {
    scheduler.Push("a.example", round * 2 + 1);
    scheduler.Push("a.example", round * 2 + 2);
    AnswerAll(scheduler, "a.example", static_cast<int>(PopAll(scheduler).size()), "ok");
  }
  EXPECT_EQ(scheduler.Window("a.example"), 4);  // two at a time never filled it
}

TEST_F(HostSchedulerTest, OverloadHalvesTheWindowOnceForTheTransfersInFlight) {
  HostScheduler scheduler(Adaptive(16, 64), clock_);
  PushMany(scheduler, "a.example", 100);
  ASSERT_EQ(PopAll(scheduler).size(), 16u);
  // All 16 time out: they were started under the window of 16, which halves once.
  AnswerAll(scheduler, "a.example", 16, "struggled");
  EXPECT_EQ(scheduler.Window("a.example"), 8);
  // The next round struggles too: halved again.
  ASSERT_EQ(PopAll(scheduler).size(), 8u);
  AnswerAll(scheduler, "a.example", 8, "struggled");
  EXPECT_EQ(scheduler.Window("a.example"), 4);
}

TEST_F(HostSchedulerTest, AfterACutTheWindowGrowsByOneARound) {
  HostScheduler scheduler(Adaptive(16, 64), clock_);
  PushMany(scheduler, "a.example", 200);
  ASSERT_EQ(PopAll(scheduler).size(), 16u);
  scheduler.Struggled("a.example");  // one of 16 fails: 8
  scheduler.Release("a.example");
  AnswerAll(scheduler, "a.example", 15, "ok");  // started before the cut: no change
  EXPECT_EQ(scheduler.Window("a.example"), 8);
  std::vector<int> windows;
  for (int round = 0; round < 3; ++round) {
    AnswerAll(scheduler, "a.example", static_cast<int>(PopAll(scheduler).size()), "ok");
    windows.push_back(scheduler.Window("a.example"));
  }
  EXPECT_EQ(windows, (std::vector<int>{9, 10, 11}));
}

TEST_F(HostSchedulerTest, TooManyRequestsPausesAndHalves) {
  HostScheduler scheduler(Adaptive(8, 64), clock_);
  PushMany(scheduler, "a.example", 50);
  ASSERT_EQ(PopAll(scheduler).size(), 8u);
  AnswerAll(scheduler, "a.example", 8, "429");
  EXPECT_EQ(scheduler.Window("a.example"), 4);
  EXPECT_EQ(PopOne(scheduler), "none");  // paused for its Retry-After
  clock_.Advance(Seconds(1));
  EXPECT_EQ(PopAll(scheduler).size(), 4u);
}

TEST_F(HostSchedulerTest, ARoundOfUnavailableAnswersDoublesThePauseOnce) {
  HostScheduler scheduler(Adaptive(8, 64), clock_);
  PushMany(scheduler, "a.example", 50);
  ASSERT_EQ(PopAll(scheduler).size(), 8u);
  for (int i = 0; i < 8; ++i) {  // eight 503s without Retry-After, in flight together
    scheduler.BackOff("a.example", Duration::zero());
    scheduler.Release("a.example");
  }
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(1));  // not 2^7 s
  clock_.Advance(Seconds(1));
  ASSERT_EQ(PopAll(scheduler).size(), 4u);
  for (int i = 0; i < 4; ++i) {
    scheduler.BackOff("a.example", Duration::zero());
    scheduler.Release("a.example");
  }
  EXPECT_EQ(UntilWakeup(scheduler), Seconds(2));
  EXPECT_EQ(scheduler.Window("a.example"), 2);
}

TEST_F(HostSchedulerTest, TheWindowNeverFallsBelowOne) {
  HostScheduler scheduler(Adaptive(2, 64), clock_);
  PushMany(scheduler, "a.example", 50);
  for (int round = 0; round < 5; ++round) {
    AnswerAll(scheduler, "a.example", static_cast<int>(PopAll(scheduler).size()), "struggled");
  }
  EXPECT_EQ(scheduler.Window("a.example"), 1);
  EXPECT_EQ(PopAll(scheduler).size(), 1u);
}

TEST_F(HostSchedulerTest, TheCeilingIsHardAndBoundsTheInitialWindow) {
  HostScheduler scheduler(Adaptive(8, 3), clock_);
  PushMany(scheduler, "a.example", 50);
  for (int round = 0; round < 5; ++round) {
    const size_t started = PopAll(scheduler).size();
    EXPECT_EQ(started, 3u);
    AnswerAll(scheduler, "a.example", static_cast<int>(started), "ok");
  }
}

TEST_F(HostSchedulerTest, HostsAdaptEachOnItsOwn) {
  HostScheduler scheduler(Adaptive(4, 64), clock_);
  for (uint64_t ticket = 1; ticket <= 100; ++ticket) {
    scheduler.Push("healthy.example", ticket);
    scheduler.Push("failing.example", 1000 + ticket);
  }
  for (int round = 0; round < 3; ++round) {
    int healthy = 0, failing = 0;
    for (const std::string& started : PopAll(scheduler)) {
      ++(started.rfind("healthy", 0) == 0 ? healthy : failing);
    }
    AnswerAll(scheduler, "healthy.example", healthy, "ok");
    AnswerAll(scheduler, "failing.example", failing, "struggled");
  }
  EXPECT_EQ(scheduler.Window("healthy.example"), 32);
  EXPECT_EQ(scheduler.Window("failing.example"), 1);
}

TEST_F(HostSchedulerTest, ACutWindowIsRememberedForAMinuteOnceIdle) {
  HostScheduler scheduler(Adaptive(8, 64), clock_);
  PushMany(scheduler, "a.example", 8);
  AnswerAll(scheduler, "a.example", static_cast<int>(PopAll(scheduler).size()), "struggled");
  EXPECT_EQ(scheduler.hosts(), 1u);  // idle, but its window of 4 is kept
  clock_.Advance(Seconds(30));
  scheduler.Push("a.example", 9);
  EXPECT_EQ(PopOne(scheduler), "a.example:9");
  EXPECT_EQ(scheduler.Window("a.example"), 4);
  scheduler.Release("a.example");
  clock_.Advance(Seconds(61));
  EXPECT_EQ(PopOne(scheduler), "none");  // sweeps
  EXPECT_EQ(scheduler.hosts(), 0u);
  EXPECT_EQ(scheduler.Window("a.example"), 8);  // forgotten: a fresh start
}

TEST_F(HostSchedulerTest, AHealthyHostIdleIsForgottenAtOnce) {
  HostScheduler scheduler(Adaptive(8, 64), clock_);
  scheduler.Push("a.example", 1);
  AnswerAll(scheduler, "a.example", static_cast<int>(PopAll(scheduler).size()), "ok");
  EXPECT_EQ(scheduler.hosts(), 0u);
}

}  // namespace
}  // namespace img2dataset
