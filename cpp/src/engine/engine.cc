#include "img2dataset/engine.h"

#include <atomic>
#include <chrono>
#include <opencv2/core.hpp>

#include "engine/cpu_pool.h"
#include "engine/engine_internal.h"
#include "engine/live_counters.h"
#include "engine/shard_gate.h"
#include "engine/shard_runner.h"
#include "shard/sample_writer.h"

namespace img2dataset {

namespace {

class EngineImpl final : public Engine {
 public:
  EngineImpl(const EngineOptions& options, std::unique_ptr<Fetcher> fetcher, int cpu_threads,
             const Clock& clock)
      : options_(options),
        clock_(clock),
        gate_(options.starting_shards,
              int64_t{options.starting_shards} * options.fetch.thread_count,
              [this] { return counters_.downloads_in_flight(); }),
        fetcher_(std::move(fetcher)),
        pool_(cpu_threads) {}

  Result<ShardOutput> RunShard(const ShardInput& input) override {
    RETURN_NOT_OK(input.Validate());
    const TimePoint entered = clock_.Now();
    if (!gate_.Enter(cancelled_)) return Status::Cancelled("the engine was cancelled");
    const double waited_s = std::chrono::duration<double>(clock_.Now() - entered).count();
    Result<std::unique_ptr<SampleWriter>> made =
        MakeSampleWriter(options_.output.output_format, input.staging_dir,
                         ShardName(input.shard_id, options_.output.oom_shard_count));
    if (!made.ok() || cancelled_.load()) {
      gate_.Leave();
      if (!made.ok()) return made.status();
      return Status::Cancelled("the engine was cancelled");
    }
    const std::unique_ptr<SampleWriter> writer = std::move(made).value();
    ShardRunner runner(options_, input, pool_, *fetcher_, *writer, counters_, gate_, cancelled_,
                       clock_);
    Result<std::vector<SampleResult>> samples = runner.Run();
    if (!samples.ok()) {
      writer->Abandon();
      return samples.status();
    }
    RETURN_NOT_OK(writer->Finish());
    return ShardOutput{std::move(samples).value(), writer->files(), runner.bytes_downloaded(),
                       waited_s};
  }

  const EngineOptions& options() const override { return options_; }

  EngineCounters counters() const override {
    EngineCounters counters = counters_.Snapshot();
    counters.shards_starting = gate_.starting();
    FetchGauges network = fetcher_->gauges();
    counters.hosts_at_ceiling = network.hosts_at_ceiling;
    counters.queued_at_hosts = network.queued_at_hosts;
    counters.waiting_for_dns = network.waiting_for_dns;
    counters.host_at_ceiling = std::move(network.host_at_ceiling);
    return counters;
  }

  void Cancel() override {
    cancelled_.store(true);
    fetcher_->Wakeup();  // the network loop ends the shards' downloads
  }

 private:
  EngineOptions options_;
  const Clock& clock_;
  LiveCounters counters_;
  ShardGate gate_;
  std::atomic<bool> cancelled_{false};
  // Declared before the pool: pool tasks wake the fetcher, so it must outlive them.
  std::unique_ptr<Fetcher> fetcher_;
  CpuPool pool_;
};

}  // namespace

Result<std::unique_ptr<Engine>> MakeEngine(const EngineOptions& options,
                                           const FetcherFactory& make_fetcher, int cpu_threads,
                                           const Clock& clock) {
  RETURN_NOT_OK(ValidateOptions(options));
  // The engine parallelises across images; OpenCV's own threads would oversubscribe the cores.
  cv::setNumThreads(0);
  EngineOptions effective = options;
  // Digest the body while it streams in, instead of in a second pass over it.
  effective.fetch.stream_hash = options.output.compute_hash;
  ASSIGN_OR_RETURN(std::unique_ptr<Fetcher> fetcher, make_fetcher(effective.fetch));
  return std::unique_ptr<Engine>(new EngineImpl(effective, std::move(fetcher), cpu_threads, clock));
}

Result<std::unique_ptr<Engine>> Engine::Make(const EngineOptions& options) {
  return MakeEngine(options, MakeNetwork, /*cpu_threads=*/0);
}

}  // namespace img2dataset
