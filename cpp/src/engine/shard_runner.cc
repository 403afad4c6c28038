#include "engine/shard_runner.h"

#include <algorithm>

#include "util/key.h"
#include "util/strings.h"

namespace img2dataset {

ShardRunner::ShardRunner(const EngineOptions& options, const ShardInput& input, CpuPool& pool,
                         Fetcher& fetcher, SampleWriter& writer, LiveCounters& counters,
                         ShardGate& gate, const std::atomic<bool>& cancelled, const Clock& clock)
    : options_(options),
      input_(input),
      pool_(pool),
      fetcher_(fetcher),
      writer_(writer),
      counters_(counters),
      gate_(gate),
      cancelled_(cancelled),
      clock_(clock),
      processor_(options, input.extra_column_names),
      max_pending_samples_(static_cast<size_t>(std::max(64, 16 * pool.size()))),
      watchdog_(options.fetch.shard_timeout_s > 0
                    ? clock.Now() + Seconds(options.fetch.shard_timeout_s)
                    : TimePoint::max()),
      attempts_(input.urls.size(), 0),
      results_(input.urls.size()) {}

std::optional<FetchRequest> ShardRunner::NextRequest() {
  if (cancelled_.load()) return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_samples_ >= max_pending_samples_ || pending_bytes_ >= kMaxPendingBytes) {
      if (!starved_) counters_.AddShardsWaitingForCpu(1);
      starved_ = true;
      return std::nullopt;  // the CPU pool is behind: let it catch up
    }
  }
  if (clock_.Now() >= watchdog_) {
    ExpireUnstartedRows();
    return std::nullopt;
  }
  // Other shards' tails hold the engine's budget: the next answer (on this thread) frees room.
  if (!gate_.HasDownloadRoom()) return std::nullopt;
  size_t row = 0;
  if (next_row_ < input_.urls.size()) {
    row = next_row_++;
    if (next_row_ == input_.urls.size()) LeaveStarting();
  } else if (!retry_queue_.empty()) {
    row = retry_queue_.front();
    retry_queue_.pop_front();
  } else {
    return std::nullopt;
  }
  ++attempts_[row];
  ++in_flight_;
  counters_.AddDownloadsInFlight(1);
  return FetchRequest{row, std::string(TrimWhitespace(input_.urls[row])), watchdog_};
}

void ShardRunner::OnResponse(FetchResponse response) {
  --in_flight_;
  counters_.AddDownloadsInFlight(-1);
  const size_t row = response.index;
  const auto bytes = static_cast<int64_t>(response.body.size());
  bytes_downloaded_ += bytes;
  counters_.RecordBytes(bytes);
  if (cancelled_.load()) return;  // the shard is abandoned: nothing more to process
  if (!response.ok() && response.transient() && attempts_[row] <= options_.fetch.retries) {
    retry_queue_.push_back(row);
    return;
  }
  Submit(std::move(response));
}

void ShardRunner::ExpireUnstartedRows() {
  std::vector<size_t> rows(retry_queue_.begin(), retry_queue_.end());
  retry_queue_.clear();
  for (; next_row_ < input_.urls.size(); ++next_row_) rows.push_back(next_row_);
  LeaveStarting();
  for (const size_t row : rows) {
    FetchResponse response;
    response.index = row;
    response.error_class = ErrorClass::kTimeout;
    response.error_message = ShardTimeoutMessage(options_.fetch.shard_timeout_s);
    Submit(std::move(response));
  }
}

void ShardRunner::Submit(FetchResponse response) {
  const size_t row = response.index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_samples_;
    pending_bytes_ += response.body.size();
  }
  pool_.Submit([this, row, response = std::move(response)]() mutable {
    const size_t bytes = response.body.size();
    if (cancelled_.load()) {  // abandoned meanwhile: not worth decoding
      std::lock_guard<std::mutex> lock(mu_);
      pending_bytes_ -= bytes;
      --pending_samples_;
      all_done_.notify_all();
      return;
    }
    RowColumns columns;
    if (!input_.captions.empty()) columns.caption = &input_.captions[row];
    if (!input_.expected_hashes.empty()) columns.expected_hash = &input_.expected_hashes[row];
    if (!input_.bounding_boxes.empty()) columns.bounding_boxes = &input_.bounding_boxes[row];
    if (!input_.json_members.empty()) columns.json_members = &input_.json_members[row];
    if (!input_.extra_features.empty()) columns.extra_features = &input_.extra_features[row];
    ProcessedSample sample = processor_.Process(
        SampleKey(input_.shard_id,
                  input_.row_indices.empty() ? static_cast<int64_t>(row) : input_.row_indices[row],
                  options_.output.number_sample_per_shard, options_.output.oom_shard_count),
        input_.urls[row], columns, std::move(response));
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_bytes_ -= bytes;
    }
    Complete(row, std::move(sample));
  });
}

void ShardRunner::Complete(size_t row, ProcessedSample sample) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sample.result.status == SampleStatus::kSuccess) {
    SampleRecord record;
    record.key = sample.result.key;
    record.image = sample.image;
    record.extension = EncodeFormatExtension(options_.image.encode_format);
    record.json = sample.json;
    record.example = sample.example;
    if (options_.output.save_caption) {
      const bool has = !input_.captions.empty() && input_.captions[row].has_value();
      record.caption = has ? std::string_view(*input_.captions[row]) : std::string_view();
    }
    writer_.Add(record);
  }
  counters_.RecordSample(sample.result);
  results_[row] = std::move(sample.result);
  --pending_samples_;
  ++completed_;
  // Both under the lock: once Run sees the last completion it destroys the fetcher and us.
  if (starved_) {
    starved_ = false;
    counters_.AddShardsWaitingForCpu(-1);
    fetcher_.Wakeup();  // room in the backlog: more downloads may start
  }
  if (completed_ == input_.urls.size() || pending_samples_ == 0) all_done_.notify_all();
}

void ShardRunner::LeaveStarting() {
  if (!starting_) return;
  starting_ = false;
  gate_.Leave();
}

bool ShardRunner::Finished() const {
  if (cancelled_.load()) return in_flight_ == 0;
  return next_row_ == input_.urls.size() && retry_queue_.empty() && in_flight_ == 0;
}

Result<std::vector<SampleResult>> ShardRunner::Run() {
  const Status fetched = fetcher_.Run(*this);
  LeaveStarting();  // the fetcher is done with the runner: no race with NextRequest
  std::unique_lock<std::mutex> lock(mu_);
  // Samples already on the CPU pool use this runner, the fetcher and the writer: wait for them
  // even when the fetcher failed, or they would run after the caller destroyed all three.
  // Cancel() notifies no runner: the wait looks at the flag every 50 ms.
  while (!all_done_.wait_for(lock, std::chrono::milliseconds(50), [&] {
    return pending_samples_ == 0 &&
           (!fetched.ok() || cancelled_.load() || completed_ == input_.urls.size());
  })) {
  }
  if (starved_) {  // held back to the end (a cancel, a failed fetcher): no longer waiting
    starved_ = false;
    counters_.AddShardsWaitingForCpu(-1);
  }
  if (cancelled_.load()) return Status::Cancelled("the shard was cancelled");
  RETURN_NOT_OK(fetched);
  return std::move(results_);
}

}  // namespace img2dataset
