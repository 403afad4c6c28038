#include "img2dataset/engine.h"

#include <opencv2/core.hpp>

#include "engine/cpu_pool.h"
#include "engine/engine_internal.h"
#include "engine/shard_runner.h"
#include "shard/sample_writer.h"

namespace img2dataset {

namespace {

class EngineImpl final : public Engine {
 public:
  EngineImpl(const EngineOptions& options, FetcherFactory make_fetcher, int cpu_threads)
      : options_(options), make_fetcher_(std::move(make_fetcher)), pool_(cpu_threads) {}

  Result<ShardOutput> RunShard(const ShardInput& input) override {
    if (!input.captions.empty() && input.captions.size() != input.urls.size()) {
      return Status::Invalid("shard has " + std::to_string(input.urls.size()) + " URLs but " +
                             std::to_string(input.captions.size()) + " captions");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<SampleWriter> writer,
                     MakeSampleWriter(options_.output.output_format, input.staging_dir,
                                      ShardName(input.shard_id, options_.output.oom_shard_count)));
    ASSIGN_OR_RETURN(std::unique_ptr<Fetcher> fetcher, make_fetcher_(options_.fetch));

    ShardRunner runner(options_, input, pool_, *fetcher, *writer);
    Result<std::vector<SampleResult>> samples = runner.Run();
    if (!samples.ok()) {
      writer->Abandon();
      return samples.status();
    }
    RETURN_NOT_OK(writer->Finish());
    return ShardOutput{std::move(samples).value(), writer->files()};
  }

  const EngineOptions& options() const override { return options_; }

 private:
  EngineOptions options_;
  FetcherFactory make_fetcher_;
  CpuPool pool_;
};

}  // namespace

Result<std::unique_ptr<Engine>> MakeEngine(const EngineOptions& options,
                                           FetcherFactory make_fetcher, int cpu_threads) {
  RETURN_NOT_OK(ValidateOptions(options));
  // The engine parallelises across images; OpenCV's own threads would oversubscribe the cores.
  cv::setNumThreads(0);
  return std::unique_ptr<Engine>(new EngineImpl(options, std::move(make_fetcher), cpu_threads));
}

Result<std::unique_ptr<Engine>> Engine::Make(const EngineOptions& options) {
  return MakeEngine(options, MakeCurlFetcher, /*cpu_threads=*/0);
}

}  // namespace img2dataset
