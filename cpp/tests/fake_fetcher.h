// A Fetcher that serves canned responses from memory, for engine tests without a network.
//
// FakeWeb holds the responses and counts attempts; the fetchers it makes (one per shard, through
// Factory()) share it, so a test can inspect attempts after the shard is done.
//
// Thread safety: FakeWeb is internally synchronised; a FakeFetcher is driven by one Run thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/engine_internal.h"
#include "fetch/fetcher.h"

namespace img2dataset::testing {

inline FetchResponse Ok(std::string body) {
  FetchResponse response;
  response.http_status = 200;
  response.body = std::move(body);
  return response;
}

inline FetchResponse Failed(ErrorClass error_class, std::string message, long http_status = 0) {
  FetchResponse response;
  response.error_class = error_class;
  response.error_message = std::move(message);
  response.http_status = http_status;
  return response;
}

inline FetchResponse NotFound() {
  return Failed(ErrorClass::kHttp4xx, "HTTP Error 404: Not Found", 404);
}

inline FetchResponse TimedOut() { return Failed(ErrorClass::kTimeout, "timed out"); }

class FakeWeb {
 public:
  // Every attempt at `url` gets `response`.
  void Serve(const std::string& url, FetchResponse response) {
    ServeSequence(url, {std::move(response)});
  }

  // Attempt k (from 0) at `url` gets responses[k]; later attempts get the last one.
  void ServeSequence(const std::string& url, std::vector<FetchResponse> responses) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_[url] = std::move(responses);
  }

  // Makes Run return `status` right after the `count`-th response it hands out.
  void FailRunAfter(int count, Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_after_ = count;
    fail_status_ = std::move(status);
  }

  // Called with each requested URL before it is answered, on the fetcher's thread (a test
  // advances its fake clock there).
  void OnRequest(std::function<void(const std::string& url)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    on_request_ = std::move(hook);
  }

  // The response to one request. A URL without a canned response is a 404, as on a real server.
  FetchResponse Answer(const FetchRequest& request) {
    std::function<void(const std::string&)> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hook = on_request_;
    }
    if (hook) hook(request.url);
    std::lock_guard<std::mutex> lock(mu_);
    const int attempt = attempts_[request.url]++;
    requested_.push_back(request.url);
    FetchResponse response = NotFound();
    const auto it = responses_.find(request.url);
    if (it != responses_.end() && !it->second.empty()) {
      response = it->second[std::min<size_t>(attempt, it->second.size() - 1)];
    }
    response.index = request.index;
    return response;
  }

  // Status Run must return after `answered` responses, if the test asked for a failure.
  std::optional<Status> RunFailure(int answered) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_after_ >= 0 && answered >= fail_after_) return fail_status_;
    return std::nullopt;
  }

  int Attempts(const std::string& url) const {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = attempts_.find(url);
    return it == attempts_.end() ? 0 : it->second;
  }

  // Every requested URL, in request order.
  std::vector<std::string> Requested() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requested_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<FetchResponse>> responses_;  // GUARDED_BY(mu_)
  std::map<std::string, int> attempts_;                          // GUARDED_BY(mu_)
  std::vector<std::string> requested_;                           // GUARDED_BY(mu_)
  int fail_after_ = -1;                                          // GUARDED_BY(mu_)
  Status fail_status_;                                           // GUARDED_BY(mu_)
  std::function<void(const std::string&)> on_request_;           // GUARDED_BY(mu_)
};

// Follows the FetchClient protocol: while the client is not finished, start every request it
// hands out (answered at once, so at most one is ever in flight), and idle ~1 ms when it has
// none to give (its processing backlog is full, or retries wait for answers).
class FakeFetcher final : public Fetcher {
 public:
  explicit FakeFetcher(std::shared_ptr<FakeWeb> web) : web_(std::move(web)) {}

  Status Run(FetchClient& client) override {
    int answered = 0;
    while (!client.Finished()) {
      bool started = false;
      while (std::optional<FetchRequest> request = client.NextRequest()) {
        started = true;
        client.OnResponse(web_->Answer(*request));
        if (std::optional<Status> failure = web_->RunFailure(++answered)) return *failure;
      }
      if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::OK();
  }

  void Wakeup() override {}

 private:
  std::shared_ptr<FakeWeb> web_;
};

// Fetchers serving from `web`; the factory keeps it alive.
inline FetcherFactory MakeFakeFetcherFactory(std::shared_ptr<FakeWeb> web) {
  return [web](const FetchOptions&) -> Result<std::unique_ptr<Fetcher>> {
    return std::unique_ptr<Fetcher>(new FakeFetcher(web));
  };
}

}  // namespace img2dataset::testing
