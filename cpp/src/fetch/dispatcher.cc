#include "fetch/dispatcher.h"

#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "fetch/address_policy.h"
#include "fetch/timeouts.h"
#include "fetch/url.h"

namespace img2dataset {

struct Dispatcher::Client {
  FetchClient* client = nullptr;
  size_t outstanding = 0;  // requests taken and not yet answered
  // FetchRequest::start_by of its requests (a shard's watchdog), and whether the requests still
  // queued then were failed.
  TimePoint start_by = TimePoint::max();
  bool expired = false;
  bool cancelled = false;  // its requests were ended by CancelJobs
};

// One FetchRequest, across its redirect hops.
struct Dispatcher::Job {
  uint64_t ticket = 0;
  Client* client = nullptr;  // nullptr: the dispatcher's own robots.txt request
  FetchResponse response;    // index set at creation; filled when the job ends
  HttpUrl url;               // the current hop
  std::vector<std::string> visited;
  std::string robots_origin;   // set on robots.txt requests: the origin they are for
  TimePoint deadline{};        // the whole request, redirects included; set when it first starts
  std::string scheduled_host;  // holds a slot of this host while non-empty (or is queued for one)
  bool queued = false;         // in the host scheduler's queue, waiting for a slot
  bool running = false;        // a hop is in the transport
  TimePoint hop_started{};
};

Dispatcher::Dispatcher(const FetchOptions& options, const Clock& clock, Transport& transport,
                       Resolver& resolver)
    : options_(options),
      clock_(clock),
      transport_(transport),
      scheduler_(
          [&options] {
            HostPolicy policy;
            policy.max_connections_per_host = options.max_connections_per_host;
            policy.max_requests_per_second = options.max_requests_per_second_per_host;
            policy.max_backoff = Seconds(options.max_backoff_s);
            return policy;
          }(),
          clock),
      lookups_(resolver, clock),
      robots_(options.user_agent_token) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::AddClient(FetchClient* client) { clients_.push_back(Client{client}); }

std::vector<FetchClient*> Dispatcher::Step() {
  for (Client& client : clients_) {
    if (!client.cancelled && client.client->Cancelled()) CancelJobs(client);
    PullRequests(client);
    ExpireQueued(client);
  }
  StartJobs();
  std::vector<FetchClient*> finished;
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->outstanding == 0 && it->client->Finished()) {
      finished.push_back(it->client);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
  return finished;
}

std::optional<TimePoint> Dispatcher::NextWakeup() const {
  std::optional<TimePoint> wake = scheduler_.NextWakeup();
  for (const Client& client : clients_) {
    if (!client.expired && client.start_by != TimePoint::max()) {
      wake = std::min(wake.value_or(TimePoint::max()), client.start_by);
    }
  }
  return wake;
}

// ---------------------------------------------------------------------------------------------
// Requests in, responses out.

void Dispatcher::PullRequests(Client& client) {
  while (!client.cancelled && client.outstanding < static_cast<size_t>(options_.thread_count)) {
    std::optional<FetchRequest> request = client.client->NextRequest();
    if (!request) return;
    ++client.outstanding;
    client.start_by = std::min(client.start_by, request->start_by);
    Job* job = NewJob(&client);
    job->response.index = request->index;
    Result<HttpUrl> url = ParseHttpUrl(request->url);
    if (!url.ok()) {
      Fail(job, ErrorClass::kInvalidUrl, url.status().message());
      continue;
    }
    Schedule(job, std::move(url).value());
  }
}

Dispatcher::Job* Dispatcher::NewJob(Client* client) {
  auto job = std::make_unique<Job>();
  job->ticket = next_ticket_++;
  job->client = client;
  Job* raw = job.get();
  jobs_.emplace(raw->ticket, std::move(job));
  return raw;
}

void Dispatcher::Schedule(Job* job, HttpUrl url) {
  job->url = std::move(url);
  job->scheduled_host = job->url.host;
  job->queued = true;
  scheduler_.Push(job->url.host, job->ticket);
}

void Dispatcher::Deliver(Job* job) {
  Client* client = job->client;
  FetchResponse response = std::move(job->response);
  const std::string origin = job->robots_origin;
  jobs_.erase(job->ticket);
  if (client == nullptr) {  // robots.txt: the requests that waited for it are checked again
    for (const uint64_t ticket : robots_.Arrived(origin, response)) {
      const auto it = jobs_.find(ticket);
      if (it != jobs_.end()) Schedule(it->second.get(), it->second->url);
    }
    return;
  }
  --client->outstanding;
  client->client->OnResponse(std::move(response));
}

void Dispatcher::Fail(Job* job, ErrorClass error_class, std::string message) {
  ReleaseHost(job);
  job->response.error_class = error_class;
  job->response.error_message = std::move(message);
  job->response.body.clear();
  job->response.hash.clear();
  Deliver(job);
}

// Ends a job that may still be queued for its host: a queued job holds no slot, and its ticket
// is released when it comes out of the queue (StartJobs).
void Dispatcher::FailWherever(Job* job, ErrorClass error_class, std::string message) {
  if (job->queued) job->scheduled_host.clear();
  if (job->running) transport_.Stop(job->ticket);
  job->running = false;
  Fail(job, error_class, std::move(message));
}

void Dispatcher::ReleaseHost(Job* job) {
  if (job->scheduled_host.empty()) return;
  scheduler_.Release(job->scheduled_host);
  job->scheduled_host.clear();
}

std::vector<Dispatcher::Job*> Dispatcher::JobsOf(const Client& client) const {
  std::vector<Job*> jobs;
  for (const auto& [ticket, job] : jobs_) {
    if (job->client == &client) jobs.push_back(job.get());
  }
  return jobs;
}

// A client that gave up: its transfers stop where they are, its queued requests end now.
void Dispatcher::CancelJobs(Client& client) {
  client.cancelled = true;
  for (Job* job : JobsOf(client)) FailWherever(job, ErrorClass::kNetwork, "cancelled");
}

// A client's requests still waiting for their host when its start_by passes (a host backing
// off for an hour, a one-host shard behind its connection cap) end now, so that the shard
// watchdog bounds the whole shard: what has started runs to its request deadline at most.
void Dispatcher::ExpireQueued(Client& client) {
  if (client.expired || clock_.Now() < client.start_by) return;
  client.expired = true;
  for (Job* job : JobsOf(client)) {
    if (job->queued) {
      FailWherever(job, ErrorClass::kTimeout, ShardTimeoutMessage(options_.shard_timeout_s));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// From the host's queue to the transport: deadline, robots.txt, DNS, address policy.

void Dispatcher::StartJobs() {
  while (std::optional<HostScheduler::Started> started = scheduler_.Pop()) {
    const auto it = jobs_.find(started->ticket);
    if (it == jobs_.end()) {  // ended while queued
      scheduler_.Release(started->host);
      continue;
    }
    Job* job = it->second.get();
    job->queued = false;
    // The deadline starts when the request first leaves our queue: time spent waiting for a
    // connection slot of its host is not the server's fault.
    const TimePoint now = clock_.Now();
    if (job->deadline == TimePoint{}) job->deadline = now + Seconds(TotalTimeoutS(options_));
    if (now >= job->deadline) {
      Fail(job, ErrorClass::kTimeout, DeadlineMessage());
      continue;
    }
    if (options_.respect_robots_txt && job->client != nullptr && !PassesRobots(job)) continue;
    Resolve(job);
  }
}

// True when the job may go on now; otherwise it failed or waits for its origin's robots.txt
// without holding a slot of its host.
bool Dispatcher::PassesRobots(Job* job) {
  switch (robots_.Check(job->url, job->ticket)) {
    case RobotsGate::Verdict::kAllowed:
      return true;
    case RobotsGate::Verdict::kDisallowed:
      Fail(job, ErrorClass::kRobotsTxt, "disallowed by " + job->url.origin() + "/robots.txt");
      return false;
    case RobotsGate::Verdict::kWaitFetch:
      ReleaseHost(job);
      FetchRobots(job->url.origin());
      return false;
    case RobotsGate::Verdict::kWait:
      ReleaseHost(job);
      return false;
  }
  return false;
}

void Dispatcher::FetchRobots(const std::string& origin) {
  Job* robots = NewJob(nullptr);
  robots->robots_origin = origin;
  Result<HttpUrl> url = ParseHttpUrl(origin + "/robots.txt");
  if (url.ok()) {
    Schedule(robots, std::move(url).value());
  } else {
    Fail(robots, ErrorClass::kInvalidUrl, url.status().message());
  }
}

void Dispatcher::Resolve(Job* job) {
  if (job->url.host_is_ip) {
    Connect(job, job->url.host);
    return;
  }
  std::string result;
  switch (lookups_.Find(job->url.host, job->ticket, &result)) {
    case HostLookups::Outcome::kAddress:
      Connect(job, result);
      return;
    case HostLookups::Outcome::kFailure:
      Fail(job, ErrorClass::kDns, result);
      return;
    case HostLookups::Outcome::kWaiting:
      return;  // back through OnDnsAnswer
  }
}

void Dispatcher::OnDnsAnswer(const std::string& host, DnsAnswer answer) {
  const HostLookups::Waiters waiters = lookups_.Answered(host, std::move(answer));
  for (const uint64_t ticket : waiters.tickets) {
    const auto job = jobs_.find(ticket);
    if (job == jobs_.end()) continue;
    if (waiters.error) {
      Fail(job->second.get(), ErrorClass::kDns, *waiters.error);
    } else {
      Resolve(job->second.get());
    }
  }
}

void Dispatcher::Connect(Job* job, const std::string& address) {
  sockaddr_storage storage{};
  if (ParseIpAddress(address, &storage)) {
    const AddressKind kind = ClassifyAddress(reinterpret_cast<sockaddr*>(&storage));
    if (!AddressAllowed(kind, options_.allow_private_addresses)) {
      Fail(job, ErrorClass::kBlockedAddress, BlockedAddressMessage(kind, address));
      return;
    }
  }
  const TimePoint now = clock_.Now();
  const double remaining_s = std::chrono::duration<double>(job->deadline - now).count();
  if (remaining_s <= 0) {
    Fail(job, ErrorClass::kTimeout, DeadlineMessage());
    return;
  }
  job->running = true;
  job->hop_started = now;
  transport_.Start(Hop{job->ticket, job->url, address, remaining_s});
}

std::string Dispatcher::DeadlineMessage() const {
  return "request deadline of " + FormatSeconds(TotalTimeoutS(options_)) + " s passed";
}

// ---------------------------------------------------------------------------------------------
// Hops that end.

void Dispatcher::OnHopEnd(uint64_t ticket, HopOutcome outcome) {
  const auto it = jobs_.find(ticket);
  if (it == jobs_.end()) return;
  Job* job = it->second.get();
  job->running = false;
  const long status = outcome.http_status;
  job->response.http_status = status;
  // How the host answered sets its window (host_scheduler.h): 429/503 pause it and halve it,
  // other 5xx answers, timeouts and failed connections halve it, any other answer grows it.
  const ErrorClass error = outcome.error_class;
  if (status == 429 || status == 503) {
    scheduler_.BackOff(job->url.host, Seconds(outcome.retry_after_s));
  } else if (status >= 500) {
    scheduler_.Struggled(job->url.host);
  } else if (status > 0) {
    scheduler_.Succeeded(job->url.host);
  } else if (error == ErrorClass::kTimeout || error == ErrorClass::kConnect ||
             error == ErrorClass::kNetwork) {
    scheduler_.Struggled(job->url.host);
  }
  if (outcome.redirect()) {
    FollowRedirect(job, outcome.redirect_url);
  } else if (outcome.error_class != ErrorClass::kNone) {
    Fail(job, outcome.error_class, std::move(outcome.error_message));
  } else {
    ReleaseHost(job);
    job->response.body = std::move(outcome.body);
    job->response.hash = std::move(outcome.hash);
    Deliver(job);
  }
}

void Dispatcher::FollowRedirect(Job* job, const std::string& target) {
  ReleaseHost(job);
  job->visited.push_back(job->url.url);
  if (static_cast<int>(job->visited.size()) > options_.max_redirects) {
    Fail(job, ErrorClass::kRedirectLoop,
         "more than " + std::to_string(options_.max_redirects) + " redirects");
    return;
  }
  Result<HttpUrl> next = ParseHttpUrl(target);
  if (!next.ok()) {
    Fail(job, ErrorClass::kInvalidUrl, "redirect to " + target + ": " + next.status().message());
    return;
  }
  if (std::find(job->visited.begin(), job->visited.end(), next->url) != job->visited.end()) {
    Fail(job, ErrorClass::kRedirectLoop, "redirect loop back to " + next->url);
    return;
  }
  Schedule(job, std::move(next).value());
}

// Stops transfers that got no response headers in time (curl has no such limit).
void Dispatcher::Sweep() {
  const TimePoint now = clock_.Now();
  const Duration limit = Seconds(FirstByteTimeoutS(options_));
  std::vector<Job*> late;
  for (const auto& [ticket, job] : jobs_) {
    if (job->running && now - job->hop_started > limit && !transport_.HeadersArrived(ticket)) {
      late.push_back(job.get());
    }
  }
  for (Job* job : late) {
    FailWherever(job, ErrorClass::kTimeout,
                 "no response headers within " + FormatSeconds(FirstByteTimeoutS(options_)) + " s");
  }
}

}  // namespace img2dataset
