#include "fetch/dns_cache.h"

#include <algorithm>

namespace img2dataset {

DnsCache::Lookup DnsCache::Find(const std::string& host, std::string* result) {
  const auto it = entries_.find(host);
  if (it == entries_.end()) return Lookup::kMiss;
  Entry& entry = it->second;
  if (clock_.Now() >= entry.expires) {
    entries_.erase(it);
    return Lookup::kMiss;
  }
  if (entry.addresses.empty()) {
    *result = entry.error;
    return Lookup::kFailure;
  }
  *result = entry.addresses[entry.next++ % entry.addresses.size()];
  return Lookup::kAddress;
}

void DnsCache::InsertAddresses(const std::string& host, std::vector<std::string> addresses,
                               Duration ttl) {
  if (addresses.empty()) {
    InsertFailure(host, "no address for " + host, /*permanent=*/true);
    return;
  }
  MakeRoom();
  ttl = std::max(options_.min_ttl, std::min(ttl, options_.max_ttl));
  entries_[host] = Entry{std::move(addresses), {}, clock_.Now() + ttl, 0};
}

void DnsCache::InsertFailure(const std::string& host, std::string message, bool permanent) {
  const Duration ttl = permanent ? options_.negative_ttl : options_.failure_ttl;
  if (ttl <= Duration::zero()) {  // not kept; nor is an answer it replaces
    entries_.erase(host);
    return;
  }
  MakeRoom();
  entries_[host] = Entry{{}, std::move(message), clock_.Now() + ttl, 0};
}

void DnsCache::MakeRoom() {
  if (entries_.size() < options_.max_entries) return;
  const TimePoint now = clock_.Now();
  std::erase_if(entries_, [now](const auto& item) { return now >= item.second.expires; });
  // Still full of live entries: drop arbitrary ones; they are looked up again when needed.
  while (!entries_.empty() && entries_.size() >= options_.max_entries) {
    entries_.erase(entries_.begin());
  }
}

}  // namespace img2dataset
