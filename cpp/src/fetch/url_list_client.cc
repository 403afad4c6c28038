#include "fetch/url_list_client.h"

#include <utility>

namespace img2dataset {

UrlListClient::UrlListClient(const std::vector<std::string>& urls, int retries)
    : urls_(urls), retries_(retries), attempts_(urls.size(), 0), responses_(urls.size()) {}

std::optional<FetchRequest> UrlListClient::NextRequest() {
  size_t index = 0;
  if (next_ < urls_.size()) {
    index = next_++;
  } else if (!retry_queue_.empty()) {
    index = retry_queue_.front();
    retry_queue_.pop_front();
  } else {
    return std::nullopt;
  }
  ++attempts_[index];
  ++in_flight_;
  return FetchRequest{index, urls_[index]};
}

void UrlListClient::OnResponse(FetchResponse response) {
  --in_flight_;
  const size_t index = response.index;
  if (!response.ok() && response.transient() && attempts_[index] <= retries_) {
    retry_queue_.push_back(index);
    return;
  }
  responses_[index] = std::move(response);
}

bool UrlListClient::Finished() const {
  return next_ == urls_.size() && retry_queue_.empty() && in_flight_ == 0;
}

Result<std::vector<FetchResponse>> FetchUrls(Fetcher& fetcher, const std::vector<std::string>& urls,
                                             int retries) {
  UrlListClient client(urls, retries);
  RETURN_NOT_OK(fetcher.Run(client));
  return client.TakeResponses();
}

}  // namespace img2dataset
