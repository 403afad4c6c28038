// DNS for the dispatcher: answers from the cache, and one lookup in flight per host name, which
// every request for that name waits on.
//
// Thread safety: the network thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fetch/dns_cache.h"
#include "fetch/resolver.h"
#include "util/clock.h"

namespace img2dataset {

class HostLookups {
 public:
  HostLookups(Resolver& resolver, const Clock& clock)
      : resolver_(resolver), cache_(DnsCacheOptions{}, clock) {}

  enum class Outcome { kAddress, kFailure, kWaiting };
  // kAddress: *result is the address to connect to; kFailure: *result is the cached error;
  // kWaiting: `ticket` waits for the host's lookup (started now unless one is in flight), and
  // comes back from Answered. The answer may come from inside this call.
  Outcome Find(const std::string& host, uint64_t ticket, std::string* result);

  // The resolver's answer for `host`, cached (a transient failure is not: dns_cache.h), and the
  // tickets that waited for it: with `error` set, each of them fails with it; otherwise each is
  // looked up again, from the cache.
  struct Waiters {
    std::vector<uint64_t> tickets;
    std::optional<std::string> error;
  };
  Waiters Answered(const std::string& host, DnsAnswer answer);

  // Requests waiting for a lookup now (the run's limit hints).
  size_t requests_waiting() const { return requests_waiting_; }

 private:
  Resolver& resolver_;
  DnsCache cache_;
  std::unordered_map<std::string, std::vector<uint64_t>> waiting_;  // by host
  size_t requests_waiting_ = 0;                                     // over every host
};

}  // namespace img2dataset
