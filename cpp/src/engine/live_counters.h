// Running totals of an engine over every shard it has run or is running, read by the Python
// front for live progress while shards are in flight.
//
// Thread safety: Record* may be called from any thread; Snapshot reads each counter on its own
// (relaxed atomics), so a snapshot is not consistent across counters, only each one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "img2dataset/engine.h"
#include "img2dataset/sample.h"

namespace img2dataset {

class LiveCounters {
 public:
  void RecordBytes(int64_t bytes) { bytes_downloaded_.fetch_add(bytes, kOrder); }
  void RecordSample(const SampleResult& result);
  // The gauge EngineCounters::downloads_in_flight: +1 or -1.
  void AddDownloadsInFlight(int64_t delta) { downloads_in_flight_.fetch_add(delta, kOrder); }
  int64_t downloads_in_flight() const { return downloads_in_flight_.load(kOrder); }
  // The gauge EngineCounters::shards_waiting_for_cpu: +1 or -1.
  void AddShardsWaitingForCpu(int64_t delta) { waiting_for_cpu_.fetch_add(delta, kOrder); }
  EngineCounters Snapshot() const;

 private:
  static constexpr std::memory_order kOrder = std::memory_order_relaxed;
  static constexpr size_t kClasses = static_cast<size_t>(ErrorClass::kUnsupportedFormat) + 1;

  std::atomic<int64_t> samples_{0};
  std::atomic<int64_t> successes_{0};
  std::atomic<int64_t> failed_to_download_{0};
  std::atomic<int64_t> failed_to_resize_{0};
  std::atomic<int64_t> bytes_downloaded_{0};
  std::atomic<int64_t> downloads_in_flight_{0};
  std::atomic<int64_t> waiting_for_cpu_{0};
  std::array<std::atomic<int64_t>, kClasses> by_class_{};
};

}  // namespace img2dataset
