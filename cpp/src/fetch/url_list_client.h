// Downloads a plain list of URLs through a Fetcher and hands back every response: the
// single-image calls of the reference's module API (img2dataset.downloader.download_image), where
// no shard, processing or writer is involved.
//
// Transient failures are retried as a shard retries them: up to `retries` more attempts, each
// queued behind the first attempt of every other URL.
//
// Thread safety: FetchUrls may run on several threads at once, each with its own list; the
// Fetcher serialises the client's calls.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "fetch/fetcher.h"
#include "img2dataset/status.h"

namespace img2dataset {

class UrlListClient final : public FetchClient {
 public:
  // REQUIRES: `urls` outlives the client.
  UrlListClient(const std::vector<std::string>& urls, int retries);

  std::optional<FetchRequest> NextRequest() override;
  void OnResponse(FetchResponse response) override;
  bool Finished() const override;

  // One response per URL, in list order. REQUIRES: Finished().
  std::vector<FetchResponse> TakeResponses() { return std::move(responses_); }

 private:
  const std::vector<std::string>& urls_;
  const int retries_;
  size_t next_ = 0;
  size_t in_flight_ = 0;
  std::deque<size_t> retry_queue_;
  std::vector<int> attempts_;
  std::vector<FetchResponse> responses_;
};

// Fetches every URL of `urls`; an error Status only when the fetcher itself failed.
Result<std::vector<FetchResponse>> FetchUrls(Fetcher& fetcher, const std::vector<std::string>& urls,
                                             int retries);

}  // namespace img2dataset
