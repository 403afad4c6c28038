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
  ++requests_waiting_;
  if (waiting.size() == 1) resolver_.Lookup(host);  // may answer at once: waiting is set
  return Outcome::kWaiting;
}

HostLookups::Waiters HostLookups::Answered(const std::string& host, DnsAnswer answer) {
  Waiters waiters;
  if (!answer.addresses.empty()) {
    cache_.InsertAddresses(host, std::move(answer.addresses), answer.ttl);
  } else {
    waiters.error = answer.error;
    cache_.InsertFailure(host, std::move(answer.error), answer.permanent);
  }
  const auto it = waiting_.find(host);
  if (it == waiting_.end()) return waiters;
  waiters.tickets = std::move(it->second);
  waiting_.erase(it);
  requests_waiting_ -= waiters.tickets.size();
  return waiters;
}

}  // namespace img2dataset
