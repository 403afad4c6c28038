#include "fetch/robots_gate.h"

#include <utility>

#include "fetch/fetcher.h"

namespace img2dataset {

RobotsGate::Verdict RobotsGate::Check(const HttpUrl& url, uint64_t ticket) {
  const std::string origin = url.origin();
  const auto known = rules_.find(origin);
  if (known != rules_.end()) {
    return known->second.Allowed(token_, url.target) ? Verdict::kAllowed : Verdict::kDisallowed;
  }
  std::vector<uint64_t>& waiting = waiting_[origin];
  waiting.push_back(ticket);
  return waiting.size() == 1 ? Verdict::kWaitFetch : Verdict::kWait;
}

std::vector<uint64_t> RobotsGate::Arrived(const std::string& origin,
                                          const FetchResponse& response) {
  const long status = response.http_status;
  RobotsTxt rules = response.ok()                     ? RobotsTxt::Parse(response.body)
                    : (status >= 400 && status < 500) ? RobotsTxt::AllowAll()
                                                      : RobotsTxt::DisallowAll();
  if (rules_.size() >= kMaxOrigins) rules_.erase(rules_.begin());
  rules_.insert_or_assign(origin, std::move(rules));
  const auto it = waiting_.find(origin);
  if (it == waiting_.end()) return {};
  std::vector<uint64_t> waiting = std::move(it->second);
  waiting_.erase(it);
  return waiting;
}

}  // namespace img2dataset
