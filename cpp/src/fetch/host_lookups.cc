#include "fetch/host_lookups.h"

#include <utility>

namespace img2dataset {

HostLookups::Outcome HostLookups::Find(const std::string& host, uint64_t ticket,
                                       std::string* result) {
  switch (cache_.Find(host, result)) {
    case DnsCache::Lookup::kAddress:
      return Outcome::kAddress;
    case DnsCache::Lookup::kFailure:
      return Outcome::kFailure;
    case DnsCache::Lookup::kMiss:
      break;
  }
  std::vector<uint64_t>& waiting = waiting_[host];
  waiting.push_back(ticket);
  if (waiting.size() == 1) resolver_.Lookup(host);  // may answer at once: waiting is set
  return Outcome::kWaiting;
}

std::vector<uint64_t> HostLookups::Answered(const std::string& host, DnsAnswer answer) {
  if (!answer.addresses.empty()) {
    cache_.InsertAddresses(host, std::move(answer.addresses), answer.ttl);
  } else {
    cache_.InsertFailure(host, std::move(answer.error), answer.permanent);
  }
  const auto it = waiting_.find(host);
  if (it == waiting_.end()) return {};
  std::vector<uint64_t> waiting = std::move(it->second);
  waiting_.erase(it);
  return waiting;
}

}  // namespace img2dataset
