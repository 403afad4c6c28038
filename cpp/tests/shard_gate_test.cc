#include "engine/shard_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace img2dataset {
namespace {

using std::chrono::milliseconds;

// Polls `condition` for up to two seconds: the gate rechecks every 20 ms.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

// A shard run entering the gate on a thread of its own; the destructor waits for Enter to return.
class WaitingRun {
 public:
  WaitingRun(ShardGate& gate, const std::atomic<bool>& cancelled)
      : thread_([this, &gate, &cancelled] {
          result_ = gate.Enter(cancelled);
          returned_ = true;
        }) {}
  ~WaitingRun() { thread_.join(); }

  bool admitted() const { return returned_ && result_; }
  bool refused() const { return returned_ && !result_; }

 private:
  std::atomic<bool> result_{false};
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

TEST(ShardGate, WithoutALimitEveryRunIsAdmittedAtOnce) {
  std::atomic<bool> cancelled{false};
  ShardGate gate(0, 0, [] { return int64_t{1000}; });
  EXPECT_TRUE(gate.Enter(cancelled));
  EXPECT_TRUE(gate.Enter(cancelled));
  EXPECT_TRUE(gate.Enter(cancelled));
  EXPECT_EQ(gate.starting(), 3);
}

TEST(ShardGate, ARunWaitsUntilAStartingShardReachesItsTail) {
  std::atomic<bool> cancelled{false};
  ShardGate gate(1, 256, [] { return int64_t{0}; });
  ASSERT_TRUE(gate.Enter(cancelled));
  WaitingRun second(gate, cancelled);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(second.admitted());

  gate.Leave();  // the first shard handed out its last first attempt
  EXPECT_TRUE(Eventually([&] { return second.admitted(); }));
  EXPECT_EQ(gate.starting(), 1);
  gate.Leave();
}

TEST(ShardGate, ARunWaitsWhileTheTailsFillTheDownloadBudget) {
  std::atomic<bool> cancelled{false};
  std::atomic<int64_t> in_flight{20};  // two shards' worth of budget in their tails
  ShardGate gate(2, 20, [&] { return in_flight.load(); });
  WaitingRun run(gate, cancelled);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(run.admitted());

  in_flight = 19;  // one straggler answered: no notification, the gate looks again
  EXPECT_TRUE(Eventually([&] { return run.admitted(); }));
  gate.Leave();
}

TEST(ShardGate, RunsAreAdmittedInTheOrderTheyEntered) {
  std::atomic<bool> cancelled{false};
  ShardGate gate(1, 256, [] { return int64_t{0}; });
  ASSERT_TRUE(gate.Enter(cancelled));
  WaitingRun second(gate, cancelled);
  std::this_thread::sleep_for(milliseconds(50));  // second takes its ticket first
  WaitingRun third(gate, cancelled);
  std::this_thread::sleep_for(milliseconds(50));

  gate.Leave();
  ASSERT_TRUE(Eventually([&] { return second.admitted(); }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(third.admitted());

  gate.Leave();
  EXPECT_TRUE(Eventually([&] { return third.admitted(); }));
  gate.Leave();
  EXPECT_EQ(gate.starting(), 0);
}

TEST(ShardGate, CancellingRefusesTheWaitingRuns) {
  std::atomic<bool> cancelled{false};
  ShardGate gate(1, 256, [] { return int64_t{0}; });
  ASSERT_TRUE(gate.Enter(cancelled));
  WaitingRun second(gate, cancelled);
  WaitingRun third(gate, cancelled);
  std::this_thread::sleep_for(milliseconds(50));

  cancelled = true;
  EXPECT_TRUE(Eventually([&] { return second.refused() && third.refused(); }));
  EXPECT_FALSE(gate.Enter(cancelled));
  EXPECT_EQ(gate.starting(), 1);  // only the run admitted before the cancel
  gate.Leave();
}

}  // namespace
}  // namespace img2dataset
