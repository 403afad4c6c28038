// Admits shard runs to the network: the local distributor's processes_count shards hand out
// downloads at once, and a shard in its tail lends its idle share to the next one.
//
// A shard is "starting" from its admission until every first attempt of it has been handed to
// the network (ShardRunner::LeaveStarting). What is left then is its tail: a few slow
// downloads, retries, samples on the CPU pool. Run one after another, every shard's tail leaves
// the link idle but for its stragglers (on a long, lossy path: retransmission timeouts of
// seconds). The gate admits the next shard as soon as fewer than `max_starting` shards are
// starting and fewer than `max_starting × thread_count` downloads are in flight, and every
// shard run asks HasDownloadRoom before it starts a download: the engine as a whole never has
// more in flight than `processes_count` shards of `thread_count` would, tails or not. The shards
// open at once stay bounded by the caller's threads.
//
// Thread safety: every method may be called from any thread. Enter blocks its caller.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace img2dataset {

class ShardGate {
 public:
  // `max_starting` 0: no gate, every run is admitted at once (a cluster executor, whose engine
  // sees one shard per task). `in_flight` reads the engine's downloads in flight.
  ShardGate(int max_starting, int64_t max_in_flight, std::function<int64_t()> in_flight);

  // Blocks until the run may start its downloads; false when `cancelled` was set meanwhile.
  // Runs are admitted in the order they entered. A true return must be paired with Leave().
  bool Enter(const std::atomic<bool>& cancelled);
  // The run admitted by Enter is no longer starting.
  void Leave();
  // Whether the engine may start one more download (below the budget, or no gate). Lock-free:
  // asked before every download.
  bool HasDownloadRoom() const { return max_starting_ <= 0 || in_flight_() < max_in_flight_; }

  // Runs admitted and still starting.
  int64_t starting() const;

 private:
  bool HasRoom() const;  // REQUIRES: mu_ held; a run may be admitted

  const int max_starting_;
  const int64_t max_in_flight_;
  const std::function<int64_t()> in_flight_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  int64_t starting_ = 0;      // GUARDED_BY(mu_)
  uint64_t next_ticket_ = 0;  // GUARDED_BY(mu_) taken by each Enter
  uint64_t admitting_ = 0;    // GUARDED_BY(mu_) the ticket whose turn it is
};

}  // namespace img2dataset
