// The network's decisions, apart from any socket: which request starts when (per-host slots,
// rates and back-off), its deadline across redirect hops, the first-byte limit, redirects and
// their loops, robots.txt, the address policy, DNS coalescing, the shard watchdog and
// cancellation. It drives a Transport and a Resolver and reads a Clock, all injected: its tests
// run it in memory with fakes (cpp/tests/dispatcher_test.cc), as network.cc runs it on epoll.
//
//   clients --NextRequest--> jobs --HostScheduler--> RobotsGate --> HostLookups --> Transport
//      ^                                                                                     |
//      +-------------------------- OnResponse <-- redirects scheduled again <----------------+
//
// Thread safety: one thread (the network's); clients are called from it.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fetch/fetcher.h"
#include "fetch/hop.h"
#include "fetch/host_lookups.h"
#include "fetch/host_scheduler.h"
#include "fetch/resolver.h"
#include "fetch/robots_gate.h"
#include "fetch/transport.h"
#include "img2dataset/options.h"
#include "util/clock.h"

namespace img2dataset {

class Dispatcher {
 public:
  Dispatcher(const FetchOptions& options, const Clock& clock, Transport& transport,
             Resolver& resolver);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Serves `client` from now on, until Step reports it finished.
  void AddClient(FetchClient* client);

  // Takes new requests, ends what expired or was cancelled, starts what may start. Returns the
  // clients that are finished: every request answered and client->Finished().
  std::vector<FetchClient*> Step();

  // The transport's and the resolver's callbacks.
  void OnHopEnd(uint64_t ticket, HopOutcome outcome);
  void OnDnsAnswer(const std::string& host, DnsAnswer answer);

  // Ends the hops that got no response headers within the first-byte limit; the caller runs it
  // every kSweepInterval.
  static constexpr auto kSweepInterval = std::chrono::milliseconds(100);
  void Sweep();

  // When Step has something to do at the latest, with no event in between (a host's back-off
  // or rate limit ending, a client's start_by), or nullopt.
  std::optional<TimePoint> NextWakeup() const;

  size_t jobs() const { return jobs_.size(); }
  const HostScheduler& scheduler() const { return scheduler_; }
  const HostLookups& lookups() const { return lookups_; }

 private:
  struct Client;
  struct Job;

  void PullRequests(Client& client);
  Job* NewJob(Client* client);
  void Schedule(Job* job, HttpUrl url);
  void StartJobs();
  bool PassesRobots(Job* job);
  void FetchRobots(const std::string& origin);
  void Resolve(Job* job);
  void Connect(Job* job, const std::string& address);
  void FollowRedirect(Job* job, const std::string& target);
  void ExpireQueued(Client& client);
  void CancelJobs(Client& client);
  void Fail(Job* job, ErrorClass error_class, std::string message);
  void FailWherever(Job* job, ErrorClass error_class, std::string message);
  void Deliver(Job* job);
  void ReleaseHost(Job* job);
  std::vector<Job*> JobsOf(const Client& client) const;
  std::string DeadlineMessage() const;

  FetchOptions options_;
  const Clock& clock_;
  Transport& transport_;
  HostScheduler scheduler_;
  HostLookups lookups_;
  RobotsGate robots_;
  std::list<Client> clients_;
  std::unordered_map<uint64_t, std::unique_ptr<Job>> jobs_;  // by ticket
  uint64_t next_ticket_ = 1;
};

}  // namespace img2dataset
