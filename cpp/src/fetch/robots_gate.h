// respect_robots_txt: robots.txt is fetched once per origin, and the requests of an origin wait
// for it (without holding a connection slot of their host), then go on or fail as its rules say.
// The gate only keeps the rules and the waiting requests; the dispatcher fetches robots.txt.
//
// Thread safety: the network thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "fetch/robots_txt.h"
#include "fetch/url.h"

namespace img2dataset {

struct FetchResponse;

class RobotsGate {
 public:
  static constexpr size_t kMaxOrigins = 100000;  // rules kept; the oldest go first

  explicit RobotsGate(std::string user_agent_token) : token_(std::move(user_agent_token)) {}

  enum class Verdict {
    kAllowed,
    kDisallowed,
    kWait,       // the request waits for its origin's robots.txt, which is being fetched
    kWaitFetch,  // the same, and the caller must fetch the origin's robots.txt now
  };
  // What request `ticket` for `url` may do now.
  Verdict Check(const HttpUrl& url, uint64_t ticket);

  // The origin's robots.txt arrived (or failed: RFC 9309 §2.3.1, a 4xx means no rules, a 5xx
  // or a network failure that nothing may be fetched). Returns the requests that waited for it:
  // each is checked again.
  std::vector<uint64_t> Arrived(const std::string& origin, const FetchResponse& response);

 private:
  std::string token_;
  std::unordered_map<std::string, RobotsTxt> rules_;                // by origin
  std::unordered_map<std::string, std::vector<uint64_t>> waiting_;  // by origin
};

}  // namespace img2dataset
