// Engine construction with its side effects injected, for tests (a fake fetcher serving canned
// responses from memory).
#pragma once

#include <functional>
#include <memory>

#include "fetch/fetcher.h"
#include "img2dataset/engine.h"
#include "util/clock.h"

namespace img2dataset {

using FetcherFactory = std::function<Result<std::unique_ptr<Fetcher>>(const FetchOptions& options)>;

// The factory is called once: every shard of the engine shares the fetcher.
// cpu_threads <= 0: one per hardware thread. `clock` times the shard watchdog; it outlives the
// engine.
Result<std::unique_ptr<Engine>> MakeEngine(const EngineOptions& options,
                                           const FetcherFactory& make_fetcher, int cpu_threads,
                                           const Clock& clock = SteadyClock::Instance());

}  // namespace img2dataset
