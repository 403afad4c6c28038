#include "fetch/fetcher.h"

#include <cstdint>
#include <cstdio>

#include "fetch/timeouts.h"

namespace img2dataset {

bool FetchResponse::transient() const {
  switch (error_class) {
    case ErrorClass::kDns:
    case ErrorClass::kConnect:
    case ErrorClass::kTimeout:
    case ErrorClass::kNetwork:
    case ErrorClass::kHttp5xx:
    case ErrorClass::kHttp429:
      return true;
    default:
      return false;
  }
}

std::string FormatSeconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", seconds);
  return buffer;
}

std::string ShardTimeoutMessage(double shard_timeout_s) {
  return "shard watchdog: not downloaded within shard_timeout of " +
         std::to_string(static_cast<int64_t>(shard_timeout_s)) + " s";
}

}  // namespace img2dataset
