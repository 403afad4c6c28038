// Runs the hops the dispatcher starts and tells it how each ended. The libcurl implementation
// is curl_transport.h; the dispatcher's tests use a fake whose transfers end when told to.
#pragma once

#include <cstdint>
#include <functional>

#include "fetch/hop.h"

namespace img2dataset {

class Transport {
 public:
  using Callback = std::function<void(uint64_t ticket, HopOutcome outcome)>;
  virtual ~Transport() = default;
  // Starts the hop; its end goes to the callback, once, unless it is stopped first.
  virtual void Start(const Hop& hop) = 0;
  // Ends a running hop at once, without a callback. No-op when `ticket` has none.
  virtual void Stop(uint64_t ticket) = 0;
  // True once the running hop of `ticket` has its response headers.
  virtual bool HeadersArrived(uint64_t ticket) const = 0;
};

}  // namespace img2dataset
