#include "engine/live_counters.h"

namespace img2dataset {

void LiveCounters::RecordSample(const SampleResult& result) {
  samples_.fetch_add(1, kOrder);
  switch (result.status) {
    case SampleStatus::kSuccess:
      successes_.fetch_add(1, kOrder);
      break;
    case SampleStatus::kFailedToDownload:
      failed_to_download_.fetch_add(1, kOrder);
      break;
    case SampleStatus::kFailedToResize:
      failed_to_resize_.fetch_add(1, kOrder);
      break;
  }
  const auto index = static_cast<size_t>(result.error_class);
  if (result.error_class != ErrorClass::kNone && index < kClasses) {
    by_class_[index].fetch_add(1, kOrder);
  }
}

EngineCounters LiveCounters::Snapshot() const {
  EngineCounters counters;
  counters.samples = samples_.load(kOrder);
  counters.successes = successes_.load(kOrder);
  counters.failed_to_download = failed_to_download_.load(kOrder);
  counters.failed_to_resize = failed_to_resize_.load(kOrder);
  counters.bytes_downloaded = bytes_downloaded_.load(kOrder);
  counters.downloads_in_flight = downloads_in_flight_.load(kOrder);
  counters.shards_waiting_for_cpu = waiting_for_cpu_.load(kOrder);
  for (size_t i = 1; i < kClasses; ++i) {
    const int64_t count = by_class_[i].load(kOrder);
    if (count > 0) {
      counters.error_classes.emplace_back(ErrorClassName(static_cast<ErrorClass>(i)), count);
    }
  }
  return counters;
}

}  // namespace img2dataset
