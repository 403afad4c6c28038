// Host names to addresses, asynchronously: the dispatcher asks, the answer comes back through
// a callback on the network thread. The c-ares implementation is ares_resolver.h; tests use a
// fake that answers when told to.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "util/clock.h"

namespace img2dataset {

struct DnsAnswer {
  std::vector<std::string> addresses;  // preferred family first; empty: the lookup failed
  Duration ttl{};
  std::string error;       // when it failed: "cannot resolve <host>: <why>"
  bool permanent = false;  // the name does not exist (rather than a transient failure)
};

class Resolver {
 public:
  using Callback = std::function<void(const std::string& host, DnsAnswer answer)>;
  virtual ~Resolver() = default;
  // Starts a lookup of `host`; its answer goes to the callback, once. REQUIRES: no lookup of
  // `host` is in flight (the dispatcher coalesces).
  virtual void Lookup(const std::string& host) = 0;
};

}  // namespace img2dataset
