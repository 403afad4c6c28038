// The network stage: downloads bodies for a client that hands out URLs and takes responses.
//
// Thread safety: Run may be called from several threads at once, one client each; it blocks
// until that client is finished. A Fetcher calls each client from one thread at a time (the
// network loop's, or Run's own for simple fetchers), never concurrently. Wakeup may be called
// from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "img2dataset/options.h"
#include "img2dataset/sample.h"
#include "img2dataset/status.h"
#include "util/clock.h"

namespace img2dataset {

struct FetchRequest {
  size_t index = 0;  // the caller's id for the request
  std::string url;
  // A request still waiting for its host (a connection slot, a back-off, a rate limit) at this
  // time is answered with class timeout and ShardTimeoutMessage instead of being started: the
  // shard watchdog's bound also covers the requests already handed out.
  TimePoint start_by = TimePoint::max();
};

// The message of a row the shard watchdog ended (FetchOptions::shard_timeout_s).
std::string ShardTimeoutMessage(double shard_timeout_s);

struct FetchResponse {
  size_t index = 0;
  ErrorClass error_class = ErrorClass::kNone;  // kNone: `body` holds the downloaded bytes
  std::string error_message;
  long http_status = 0;  // final status code, 0 when no response arrived
  std::string body;
  std::string hash;  // lowercase hex of FetchOptions::stream_hash over the body; empty if none

  bool ok() const { return error_class == ErrorClass::kNone; }
  // Worth another attempt: the same request may well succeed later.
  bool transient() const;
};

class FetchClient {
 public:
  virtual ~FetchClient() = default;
  // The next request to start, or nullopt when there is nothing to start right now (all handed
  // out, or the client wants to slow down).
  virtual std::optional<FetchRequest> NextRequest() = 0;
  virtual void OnResponse(FetchResponse response) = 0;
  // True when no request is in flight and none will come: Run returns.
  virtual bool Finished() const = 0;
  // True once the client gave up (the run is stopping): the fetcher ends every request of the
  // client now, started or queued, answering each with class network and "cancelled", and
  // asks for no more. Read from the fetcher's thread; the client calls Wakeup() when it flips.
  virtual bool Cancelled() const { return false; }
};

// What holds the network back right now (the engine's counters, the run's limit hints).
struct FetchGauges {
  // Hosts with requests waiting while max_connections_per_host of theirs are in flight.
  int64_t hosts_at_ceiling = 0;
  std::string host_at_ceiling;  // one of them; empty when there is none
  // Requests handed to the network that wait for their host's window (or its pause).
  int64_t queued_at_hosts = 0;
  // Requests handed to the network that wait for their host's DNS lookup.
  int64_t waiting_for_dns = 0;
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // Keeps up to FetchOptions::thread_count requests in flight until client.Finished().
  virtual Status Run(FetchClient& client) = 0;
  // Makes a Run that is waiting for network events ask the client for requests again.
  virtual void Wakeup() = 0;
  // Safe to call from any thread.
  virtual FetchGauges gauges() const { return {}; }
};

// The engine's network loop: one thread driving libcurl's multi-socket interface and c-ares on
// epoll, shared by every shard of the engine (fetch/network.cc).
Result<std::unique_ptr<Fetcher>> MakeNetwork(const FetchOptions& options);

}  // namespace img2dataset
