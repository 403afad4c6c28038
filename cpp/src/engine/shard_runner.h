// Runs one shard: hands URLs to the fetcher, sends each response to the CPU pool for
// processing, writes successes through the shard's writer, and collects one result per row.
//
// Retries of transient download failures are queued behind the first attempt of every other
// row, so a flaky host does not hold up the rest of the shard. Processing is bounded in count
// and bytes: when the CPU pool falls behind, the runner stops starting downloads.
//
// Thread safety: Run is called once, from one thread; the callbacks it registers run on the CPU
// pool and synchronise through mu_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "engine/cpu_pool.h"
#include "engine/live_counters.h"
#include "engine/sample_processor.h"
#include "engine/shard_gate.h"
#include "fetch/fetcher.h"
#include "img2dataset/engine.h"
#include "shard/sample_writer.h"
#include "util/clock.h"

namespace img2dataset {

class ShardRunner final : public FetchClient {
 public:
  // Processing backlog that makes the runner pause new downloads.
  static constexpr size_t kMaxPendingBytes = 256u << 20;

  // REQUIRES: input, pool, fetcher, writer, gate, cancelled and clock outlive the runner, and
  // the gate admitted the run (ShardGate::Enter); the runner leaves it. `clock` times the shard
  // watchdog (FetchOptions::shard_timeout_s).
  ShardRunner(const EngineOptions& options, const ShardInput& input, CpuPool& pool,
              Fetcher& fetcher, SampleWriter& writer, LiveCounters& counters, ShardGate& gate,
              const std::atomic<bool>& cancelled, const Clock& clock);

  // Returns one result per input row, in row order, once every sample is written; Cancelled as
  // soon as `cancelled` is set and the fetcher and the CPU pool are done with the runner.
  Result<std::vector<SampleResult>> Run();

  // Response bodies received, retries included. Complete once Run has returned.
  int64_t bytes_downloaded() const { return bytes_downloaded_; }

  std::optional<FetchRequest> NextRequest() override;
  void OnResponse(FetchResponse response) override;
  bool Finished() const override;
  bool Cancelled() const override { return cancelled_.load(); }

 private:
  // Sends a response (downloaded or not) to the CPU pool for processing.
  void Submit(FetchResponse response);
  // Watchdog: fails every row not started yet.
  void ExpireUnstartedRows();
  // Leaves the gate, once: every first attempt started (or expired), or the run ended.
  void LeaveStarting();
  void Complete(size_t index, ProcessedSample sample);

  const EngineOptions& options_;
  const ShardInput& input_;
  CpuPool& pool_;
  Fetcher& fetcher_;
  SampleWriter& writer_;
  LiveCounters& counters_;
  ShardGate& gate_;
  const std::atomic<bool>& cancelled_;
  const Clock& clock_;
  SampleProcessor processor_;
  const size_t max_pending_samples_;

  // Fetch-side state, touched only by the fetcher's thread (through the FetchClient calls).
  TimePoint watchdog_;  // max() when there is none
  size_t next_row_ = 0;
  size_t in_flight_ = 0;
  std::deque<size_t> retry_queue_;
  std::vector<int> attempts_;
  bool starting_ = true;  // admitted by the gate, not left yet
  int64_t bytes_downloaded_ = 0;

  std::mutex mu_;
  std::condition_variable all_done_;
  std::vector<SampleResult> results_;  // GUARDED_BY(mu_)
  size_t pending_samples_ = 0;         // GUARDED_BY(mu_) submitted, not yet completed
  size_t pending_bytes_ = 0;           // GUARDED_BY(mu_)
  size_t completed_ = 0;               // GUARDED_BY(mu_)
  // NextRequest held back because of the backlog: the next completion wakes the fetcher.
  bool starved_ = false;  // GUARDED_BY(mu_)
};

}  // namespace img2dataset
