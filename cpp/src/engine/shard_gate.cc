#include "engine/shard_gate.h"

#include <chrono>
#include <utility>

namespace img2dataset {

namespace {
// Downloads in flight fall on the network thread, which does not notify the gate: a waiting
// run looks again this often.
constexpr auto kRecheck = std::chrono::milliseconds(20);
}  // namespace

ShardGate::ShardGate(int max_starting, int64_t max_in_flight, std::function<int64_t()> in_flight)
    : max_starting_(max_starting),
      max_in_flight_(max_in_flight),
      in_flight_(std::move(in_flight)) {}

bool ShardGate::Enter(const std::atomic<bool>& cancelled) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t ticket = next_ticket_++;
  while (!cancelled.load() && !(ticket == admitting_ && HasRoom())) {
    changed_.wait_for(lock, kRecheck);
  }
  if (ticket == admitting_) ++admitting_;
  // A cancelled run that was not at the front leaves its ticket behind: nothing is admitted
  // after a cancel, so the queue need not move on.
  if (cancelled.load()) {
    changed_.notify_all();
    return false;
  }
  ++starting_;
  changed_.notify_all();  // the next ticket's turn
  return true;
}

void ShardGate::Leave() {
  std::lock_guard<std::mutex> lock(mu_);
  --starting_;
  changed_.notify_all();
}

int64_t ShardGate::starting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return starting_;
}

bool ShardGate::HasRoom() const {
  if (max_starting_ <= 0) return true;
  return starting_ < max_starting_ && HasDownloadRoom();
}

}  // namespace img2dataset
