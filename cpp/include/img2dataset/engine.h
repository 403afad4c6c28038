// The engine: turns the rows of one shard into stored samples.
//
// Thread safety: an Engine is shared by every shard of a process. RunShard may be called from
// several threads at once; each call blocks its thread until the shard is done. The CPU pool
// that decodes and encodes images is shared by all calls, so image work never oversubscribes the
// machine however many shards run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "img2dataset/options.h"
#include "img2dataset/sample.h"
#include "img2dataset/shard.h"
#include "img2dataset/status.h"

namespace img2dataset {

// Running totals over every shard an engine has run or is running (live progress).
struct EngineCounters {
  int64_t samples = 0;  // rows finished, whatever their status
  int64_t successes = 0;
  int64_t failed_to_download = 0;
  int64_t failed_to_resize = 0;
  int64_t bytes_downloaded = 0;  // response bodies received, retries included
  // Failures by error class ("timeout", "http_4xx", ...), classes with a count only.
  std::vector<std::pair<std::string, int64_t>> error_classes;

  // Gauges: the state at the moment of the snapshot, not totals.
  int64_t downloads_in_flight = 0;  // handed to the network, not answered yet
  int64_t queued_at_hosts = 0;      // of those, waiting for their host's window or pause
  int64_t waiting_for_dns = 0;      // of those, waiting for their host's DNS lookup
  // Shard runs with first attempts still to start. The others are in their tail: their last
  // downloads are in flight or being processed, and their share of thread_count is idle, so the
  // local distributor may open the next shard beside them (distributors/local.py).
  int64_t shards_starting = 0;
  // Shard runs holding back downloads because the CPU pool is behind (decode, resize, encode).
  int64_t shards_waiting_for_cpu = 0;
  // Hosts with requests waiting while max_connections_per_host of theirs are in flight, and one
  // of them (empty when none).
  int64_t hosts_at_ceiling = 0;
  std::string host_at_ceiling;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Returns Invalid for options the engine cannot run with.
  static Result<std::unique_ptr<Engine>> Make(const EngineOptions& options);

  // Downloads, processes and writes every row of the shard. Sample failures are part of the
  // returned samples; an error Status means the shard as a whole failed (for example the
  // staging directory is not writable) and nothing in staging_dir is valid.
  virtual Result<ShardOutput> RunShard(const ShardInput& input) = 0;

  virtual const EngineOptions& options() const = 0;

  // Safe to call from any thread, also while shards run.
  virtual EngineCounters counters() const = 0;

  // Stops the engine for good, from any thread: every RunShard running or to come returns
  // Cancelled promptly, its downloads ended where they are (started or queued) and its samples
  // not processed further; nothing of its shard in staging_dir is valid. For stopping a run
  // (Ctrl-C, SIGTERM).
  virtual void Cancel() = 0;
};

}  // namespace img2dataset
