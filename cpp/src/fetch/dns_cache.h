// In-process DNS cache: answers kept for their TTL (clamped), names that do not exist kept a
// minute (negative caching), and every address of an answer used in turn (rotation). A
// transient failure (the servers timed out, SERVFAIL) is not kept: the resolver already retried
// it with back-off (ares_resolver.cc), and the next request for the host looks it up again, so
// one lost answer never fails the host's other URLs.
//
// Thread safety: not thread-safe; owned by the network loop thread.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/clock.h"

namespace img2dataset {

struct DnsCacheOptions {
  Duration min_ttl = Seconds(5);  // very short TTLs would make every fetch a lookup
  Duration max_ttl = Seconds(3600);
  Duration negative_ttl = Seconds(60);  // NXDOMAIN and empty answers
  Duration failure_ttl = Seconds(0);    // timeouts and server failures: not kept
  size_t max_entries = 100000;
};

class DnsCache {
 public:
  enum class Lookup { kMiss, kAddress, kFailure };

  DnsCache(const DnsCacheOptions& options, const Clock& clock) : options_(options), clock_(clock) {}

  // kAddress: *result is the next address of the host's answer (rotating).
  // kFailure: *result is the cached error message.
  Lookup Find(const std::string& host, std::string* result);

  void InsertAddresses(const std::string& host, std::vector<std::string> addresses, Duration ttl);
  // `permanent`: the name does not exist (kept negative_ttl) rather than a transient failure
  // (kept failure_ttl).
  void InsertFailure(const std::string& host, std::string message, bool permanent);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::vector<std::string> addresses;  // empty: a cached failure
    std::string error;
    TimePoint expires;
    size_t next = 0;
  };
  void MakeRoom();

  DnsCacheOptions options_;
  const Clock& clock_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace img2dataset
