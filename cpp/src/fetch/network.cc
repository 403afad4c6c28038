// The network loop: one thread per engine drives every download of every shard.
//
//   clients (shards) --NextRequest--> jobs --HostScheduler--> DNS (cache, c-ares) --> curl
//        ^                                                                              |
//        +------------------------------ OnResponse <-- redirects re-queued <-----------+
//
// libcurl's multi-socket interface and c-ares share one epoll set, so thousands of transfers and
// lookups are in flight on one thread. Our own queue (the HostScheduler) decides what starts:
// curl never queues a transfer, so its timeouts only count time spent on the network.
//
// Redirects are followed here, not by curl, so that every hop goes through our DNS, the address
// policy and the per-host limits, and loops are detected. Every socket curl opens is checked
// against the address policy in the open-socket callback, whatever produced the address.
#include <ares.h>
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fetch/address_policy.h"
#include "fetch/dns_cache.h"
#include "fetch/fetcher.h"
#include "fetch/host_scheduler.h"
#include "fetch/opt_out.h"
#include "fetch/robots_txt.h"
#include "fetch/url.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/strings.h"

namespace img2dataset {

namespace {

constexpr int kMaxEpollEvents = 256;
constexpr auto kSweepInterval = std::chrono::milliseconds(100);
// A refused response (an HTTP error, an opt-out) whose announced body is at most this long is
// read and dropped, which keeps its connection for the host's next request; a longer one, or one
// of unknown length, is cut off, which closes the connection.
constexpr int64_t kMaxDrainedBytes = 64 << 10;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ares_library_init(ARES_LIB_INIT_ALL);
    // Thousands of sockets in flight need more than the usual 1024 descriptors.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  });
}

ErrorClass HttpErrorClass(long status) {
  if (status == 429) return ErrorClass::kHttp429;
  return status >= 500 ? ErrorClass::kHttp5xx : ErrorClass::kHttp4xx;
}

ErrorClass CurlErrorClass(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return ErrorClass::kInvalidUrl;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ErrorClass::kDns;
    case CURLE_COULDNT_CONNECT:
      return ErrorClass::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorClass::kTimeout;
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorClass::kTooLarge;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return ErrorClass::kTls;
    default:
      return ErrorClass::kNetwork;
  }
}

std::string FormatSeconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", seconds);
  return buffer;
}

// Why one of our callbacks stopped a transfer (curl then reports a write error).
enum class Abort { kNone, kHttpError, kOptedOut, kTooLarge, kBlocked };

struct Client;

// What the curl callbacks of every transfer need from the network's options.
struct TransferSettings {
  const OptOutPolicy* opt_out = nullptr;
  int64_t max_body_bytes = 0;
  bool allow_private_addresses = false;
};

// One FetchRequest, across its redirect hops and its transfer.
struct Job {
  uint64_t ticket = 0;
  Client* client = nullptr;  // nullptr: the engine's own robots.txt request
  const TransferSettings* settings = nullptr;
  FetchResponse response;  // index set at creation; filled when the job ends
  HttpUrl url;             // the current hop
  std::vector<std::string> visited;
  std::string robots_origin;   // set on robots.txt requests: the origin they are for
  TimePoint deadline{};        // the whole request, redirects included; set when it first starts
  std::string scheduled_host;  // holds a slot of this host while non-empty (or is queued for one)
  bool queued = false;         // in the host scheduler's queue, waiting for a slot

  // The current transfer.
  CURL* easy = nullptr;
  curl_slist* resolve = nullptr;
  TimePoint hop_started;
  bool headers_done = false;
  long status = 0;
  int64_t content_length = -1;  // of the current response; -1 when not announced
  int64_t drained = 0;          // body bytes of a refused response read and dropped
  std::string reason;
  bool opted_out = false;
  double retry_after_s = 0;
  Abort abort = Abort::kNone;
  std::string blocked_message;
  std::unique_ptr<StreamingDigest> digest;  // set when FetchOptions::stream_hash is
  char error_buffer[CURL_ERROR_SIZE] = {};

  ~Job() {
    if (resolve != nullptr) curl_slist_free_all(resolve);
  }
};

struct Client {
  FetchClient* client = nullptr;
  size_t outstanding = 0;  // jobs created and not yet answered
  bool done = false;
  Status status;
  // FetchRequest::start_by of its requests (a shard's watchdog), and whether the requests still
  // queued then were failed.
  TimePoint start_by = TimePoint::max();
  bool expired = false;
  bool cancelled = false;  // its jobs were ended by CancelJobs
};

class Network final : public Fetcher {
 public:
  explicit Network(const FetchOptions& options)
      : options_(options),
        opt_out_(options.disallowed_header_directives, options.user_agent_token),
        user_agent_(options.user_agent.empty() ? UserAgent(options.user_agent_token)
                                               : options.user_agent),
        clock_(SteadyClock::Instance()),
        settings_{&opt_out_, options.max_body_bytes, options.allow_private_addresses},
        dns_cache_(DnsCacheOptions{}, clock_),
        scheduler_(
            HostPolicy{options.max_connections_per_host, options.max_requests_per_second_per_host,
                       Seconds(options.max_backoff_s)},
            clock_) {}

  ~Network() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    Wakeup();
    if (thread_.joinable()) thread_.join();
    for (auto& [ticket, job] : jobs_) {
      if (job->easy != nullptr) {
        curl_multi_remove_handle(multi_, job->easy);
        curl_easy_cleanup(job->easy);
      }
    }
    for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    if (share_ != nullptr) curl_share_cleanup(share_);
    if (channel_ != nullptr) ares_destroy(channel_);
    if (wake_fd_ >= 0) close(wake_fd_);
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  Status Init() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0) {
      return Status::IOError(std::string("cannot create the network loop: ") +
                             std::strerror(errno));
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake_fd_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);

    multi_ = curl_multi_init();
    share_ = curl_share_init();
    if (multi_ == nullptr || share_ == nullptr) return Status::Internal("curl init failed");
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Network::OnCurlSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Network::OnCurlTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    // Keep idle connections for reuse: the default (4 per transfer in flight) drops them once a
    // transfer is removed, which costs a new TCP (and TLS) connection per request of a host.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 4096L);

    ares_options ares{};
    ares.sock_state_cb = &Network::OnAresSocket;
    ares.sock_state_cb_data = this;
    ares.timeout = static_cast<int>(options_.dns_timeout_s * 1000);
    ares.tries = 2;
    const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    if (ares_init_options(&channel_, &ares, mask) != ARES_SUCCESS) {
      return Status::Internal("c-ares initialisation failed");
    }
    if (!options_.dns_servers.empty()) {
      std::string csv;
      for (const std::string& server : options_.dns_servers) {
        csv += (csv.empty() ? "" : ",") + server;
      }
      if (ares_set_servers_ports_csv(channel_, csv.c_str()) != ARES_SUCCESS) {
        return Status::Invalid("dns_servers: cannot use '" + csv +
                               "'; expected addresses such as 127.0.0.1 or 127.0.0.1:5353");
      }
    }
    thread_ = std::thread([this] { Loop(); });
    return Status::OK();
  }

  Status Run(FetchClient& client) override {
    Client state;
    state.client = &client;
    std::unique_lock<std::mutex> lock(mu_);
    arriving_.push_back(&state);
    Wakeup();
    done_cv_.wait(lock, [&] { return state.done; });
    return state.status;
  }

  void Wakeup() override {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  }

 private:
  // ---------------------------------------------------------------------------------------------
  // The loop.
  void Loop() {
    epoll_event events[kMaxEpollEvents];
    TimePoint next_sweep = clock_.Now() + kSweepInterval;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) break;
        for (Client* client : arriving_) clients_.push_back(client);
        arriving_.clear();
      }
      PullRequests();
      ExpireQueued();
      StartJobs();
      FinishClients();

      const int wait_ms = WaitMilliseconds(next_sweep);
      const int n = epoll_wait(epoll_fd_, events, kMaxEpollEvents, wait_ms);
      for (int i = 0; i < n; ++i) Dispatch(events[i]);
      ProcessTimeouts();
      if (clock_.Now() >= next_sweep) {
        Sweep();
        next_sweep = clock_.Now() + kSweepInterval;
      }
      CollectCompleted();
    }
  }

  int WaitMilliseconds(TimePoint next_sweep) const {
    TimePoint wake = next_sweep;
    if (curl_timer_) wake = std::min(wake, *curl_timer_);
    if (const auto scheduler_wake = scheduler_.NextWakeup()) wake = std::min(wake, *scheduler_wake);
    for (const Client* client : clients_) {
      if (!client->expired) wake = std::min(wake, client->start_by);
    }
    timeval max{1, 0};
    timeval tv{};
    // ares_timeout returns &max when no query is pending, &tv otherwise: reading tv regardless
    // made every idle wait 0 ms, a busy loop whenever downloads were waiting on the network.
    if (const timeval* due = ares_timeout(channel_, &max, &tv)) {
      wake = std::min(wake, clock_.Now() + std::chrono::seconds(due->tv_sec) +
                                std::chrono::microseconds(due->tv_usec));
    }
    // Rounded up: a wait of less than a millisecond rounded down to 0 would spin the loop
    // (epoll_wait returning at once) until the timer is due.
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(wake - clock_.Now()).count();
    return static_cast<int>(std::clamp<int64_t>((us + 999) / 1000, 0, 1000));
  }

  void Dispatch(const epoll_event& event) {
    const int fd = event.data.fd;
    if (fd == wake_fd_) {
      uint64_t count;
      [[maybe_unused]] ssize_t n = read(wake_fd_, &count, sizeof(count));
      return;
    }
    const auto owner = socket_owners_.find(fd);
    if (owner == socket_owners_.end()) return;
    const bool readable = event.events & (EPOLLIN | EPOLLHUP | EPOLLERR);
    const bool writable = event.events & (EPOLLOUT | EPOLLERR);
    if (owner->second == Owner::kAres) {
      ares_process_fd(channel_, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
      return;
    }
    int flags = 0;
    if (event.events & EPOLLIN) flags |= CURL_CSELECT_IN;
    if (event.events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    if (event.events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
    int running = 0;
    curl_multi_socket_action(multi_, fd, flags, &running);
  }

  void ProcessTimeouts() {
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    if (curl_timer_ && clock_.Now() >= *curl_timer_) {
      curl_timer_.reset();
      int running = 0;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests in, responses out.
  void PullRequests() {
    for (Client* client : clients_) {
      if (!client->cancelled && client->client->Cancelled()) CancelJobs(client);
      while (!client->done && !client->cancelled &&
             client->outstanding < static_cast<size_t>(options_.thread_count)) {
        std::optional<FetchRequest> request = client->client->NextRequest();
        if (!request) break;
        ++client->outstanding;
        client->start_by = std::min(client->start_by, request->start_by);
        auto job = std::make_unique<Job>();
        job->ticket = next_ticket_++;
        job->client = client;
        job->settings = &settings_;
        job->response.index = request->index;
        Job* raw = job.get();
        jobs_.emplace(raw->ticket, std::move(job));
        Result<HttpUrl> url = ParseHttpUrl(request->url);
        if (!url.ok()) {
          Fail(raw, ErrorClass::kInvalidUrl, url.status().message());
          continue;
        }
        Schedule(raw, std::move(url).value());
      }
    }
  }

  void Schedule(Job* job, HttpUrl url) {
    job->url = std::move(url);
    job->scheduled_host = job->url.host;
    job->queued = true;
    scheduler_.Push(job->url.host, job->ticket);
  }

  // Ends a job that may still be queued for its host: a queued job holds no slot, and its ticket
  // is released when it comes out of the queue (StartJobs).
  void FailWherever(Job* job, ErrorClass error_class, std::string message) {
    if (job->queued) job->scheduled_host.clear();
    Fail(job, error_class, std::move(message));
  }

  void Deliver(Job* job) {
    Client* client = job->client;
    FetchResponse response = std::move(job->response);
    const std::string origin = job->robots_origin;
    jobs_.erase(job->ticket);
    if (client == nullptr) {
      RobotsArrived(origin, response);
      return;
    }
    --client->outstanding;
    client->client->OnResponse(std::move(response));
  }

  void Fail(Job* job, ErrorClass error_class, std::string message) {
    ReleaseHost(job);
    job->response.error_class = error_class;
    job->response.error_message = std::move(message);
    job->response.body.clear();
    job->response.hash.clear();
    Deliver(job);
  }

  void ReleaseHost(Job* job) {
    if (job->scheduled_host.empty()) return;
    scheduler_.Release(job->scheduled_host);
    job->scheduled_host.clear();
  }

  void FinishClients() {
    for (auto it = clients_.begin(); it != clients_.end();) {
      Client* client = *it;
      if (client->outstanding == 0 && client->client->Finished()) {
        it = clients_.erase(it);
        std::lock_guard<std::mutex> lock(mu_);
        client->done = true;
        done_cv_.notify_all();
      } else {
        ++it;
      }
    }
  }

  // Ends every job of a client that gave up: transfers are stopped where they are, queued
  // requests leave their host's queue when they come out of it (StartJobs releases them).
  void CancelJobs(Client* client) {
    client->cancelled = true;
    std::vector<Job*> jobs;
    for (auto& [ticket, job] : jobs_) {
      if (job->client == client) jobs.push_back(job.get());
    }
    for (Job* job : jobs) {
      if (job->easy != nullptr) {
        curl_multi_remove_handle(multi_, job->easy);
        idle_easy_.push_back(job->easy);
        job->easy = nullptr;
      }
      FailWherever(job, ErrorClass::kNetwork, "cancelled");
    }
  }

  // A client's requests still waiting for their host when its start_by passes (a host backing
  // off for an hour, a one-host shard behind its connection cap) end now, so that the shard
  // watchdog bounds the whole shard: what has started runs to its request deadline at most.
  void ExpireQueued() {
    const TimePoint now = clock_.Now();
    for (Client* client : clients_) {
      if (client->expired || now < client->start_by) continue;
      client->expired = true;
      std::vector<Job*> queued;
      for (auto& [ticket, job] : jobs_) {
        if (job->client == client && job->queued) queued.push_back(job.get());
      }
      for (Job* job : queued) {
        FailWherever(job, ErrorClass::kTimeout, ShardTimeoutMessage(options_.shard_timeout_s));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Host scheduling, robots.txt and DNS.
  void StartJobs() {
    while (std::optional<HostScheduler::Started> started = scheduler_.Pop()) {
      const auto it = jobs_.find(started->ticket);
      if (it == jobs_.end()) {
        scheduler_.Release(started->host);
        continue;
      }
      Job* job = it->second.get();
      job->queued = false;
      // The deadline starts when the request first leaves our queue: time spent waiting for a
      // connection slot of its host is not the server's fault.
      if (job->deadline == TimePoint{}) job->deadline = clock_.Now() + Seconds(TotalTimeout());
      if (clock_.Now() >= job->deadline) {
        Fail(job, ErrorClass::kTimeout,
             "request deadline of " + FormatSeconds(TotalTimeout()) + " s passed");
        continue;
      }
      if (options_.respect_robots_txt && job->client != nullptr && !RobotsAllow(job)) continue;
      Resolve(job);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // robots.txt: fetched once per origin by a request of the engine's own; the jobs of that
  // origin wait for it without holding a connection slot.

  // True when the job may go on now; otherwise it failed or waits for its origin's robots.txt.
  bool RobotsAllow(Job* job) {
    const std::string origin = job->url.origin();
    const auto cached = robots_cache_.find(origin);
    if (cached != robots_cache_.end()) {
      if (cached->second.Allowed(options_.user_agent_token, job->url.target)) return true;
      Fail(job, ErrorClass::kRobotsTxt, "disallowed by " + origin + "/robots.txt");
      return false;
    }
    ReleaseHost(job);
    std::vector<uint64_t>& waiting = robots_waiting_[origin];
    waiting.push_back(job->ticket);
    if (waiting.size() == 1) {
      auto robots = std::make_unique<Job>();
      robots->ticket = next_ticket_++;
      robots->settings = &settings_;
      robots->robots_origin = origin;
      Result<HttpUrl> url = ParseHttpUrl(origin + "/robots.txt");
      Job* raw = robots.get();
      jobs_.emplace(raw->ticket, std::move(robots));
      if (url.ok()) {
        Schedule(raw, std::move(url).value());
      } else {
        Fail(raw, ErrorClass::kInvalidUrl, url.status().message());
      }
    }
    return false;
  }

  // RFC 9309 §2.3.1: a 2xx body is the rules; a 4xx means there are none; a 5xx or a network
  // failure means the site is unreachable, so nothing may be fetched.
  void RobotsArrived(const std::string& origin, const FetchResponse& response) {
    const long status = response.http_status;
    RobotsTxt rules = response.ok()                     ? RobotsTxt::Parse(response.body)
                      : (status >= 400 && status < 500) ? RobotsTxt::AllowAll()
                                                        : RobotsTxt::DisallowAll();
    if (robots_cache_.size() >= kMaxRobotsEntries) robots_cache_.erase(robots_cache_.begin());
    robots_cache_.insert_or_assign(origin, std::move(rules));
    std::vector<uint64_t> waiting = std::move(robots_waiting_[origin]);
    robots_waiting_.erase(origin);
    for (uint64_t ticket : waiting) {
      const auto it = jobs_.find(ticket);
      if (it != jobs_.end()) Schedule(it->second.get(), it->second->url);
    }
  }

  void Resolve(Job* job) {
    if (job->url.host_is_ip) {
      Connect(job, job->url.host);
      return;
    }
    std::string result;
    switch (dns_cache_.Find(job->url.host, &result)) {
      case DnsCache::Lookup::kAddress:
        Connect(job, result);
        return;
      case DnsCache::Lookup::kFailure:
        Fail(job, ErrorClass::kDns, result);
        return;
      case DnsCache::Lookup::kMiss:
        break;
    }
    std::vector<uint64_t>& waiting = dns_waiting_[job->url.host];
    waiting.push_back(job->ticket);
    if (waiting.size() > 1) return;  // a lookup of this host is already in flight or queued
    StartLookup(job->url.host);
  }

  // At most kMaxLookupsInFlight lookups at once: a burst of thousands of new host names would
  // otherwise overflow the resolver's receive buffer and turn into DNS timeouts.
  static constexpr int kMaxLookupsInFlight = 128;

  void StartLookup(const std::string& host) {
    if (lookups_in_flight_ >= kMaxLookupsInFlight) {
      lookup_backlog_.push_back(host);
      return;
    }
    ++lookups_in_flight_;
    auto* lookup = new DnsLookup{this, host};
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &Network::OnResolved, lookup);
  }

  struct DnsLookup {
    Network* network;
    std::string host;
  };

  static void OnResolved(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
    std::unique_ptr<DnsLookup> lookup(static_cast<DnsLookup*>(arg));
    Network* self = lookup->network;
    if (status == ARES_EDESTRUCTION) {
      if (result != nullptr) ares_freeaddrinfo(result);
      return;
    }
    std::vector<std::string> v4, v6;
    int ttl = std::numeric_limits<int>::max();
    if (status == ARES_SUCCESS && result != nullptr) {
      for (ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
        const std::string address = FormatIpAddress(node->ai_addr);
        auto& family = node->ai_family == AF_INET6 ? v6 : v4;
        if (std::find(family.begin(), family.end(), address) == family.end()) {
          family.push_back(address);
        }
        ttl = std::min(ttl, node->ai_ttl);
      }
    }
    if (result != nullptr) ares_freeaddrinfo(result);
    // IPv4 first: many machines have no IPv6 route, and an AAAA answer would fail them half the
    // time. IPv6 is used when a host has no IPv4 address.
    std::vector<std::string>& addresses = v4.empty() ? v6 : v4;
    if (!addresses.empty()) {
      self->dns_cache_.InsertAddresses(lookup->host, std::move(addresses), Seconds(ttl));
    } else {
      const bool permanent =
          status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_SUCCESS;
      std::string message = "cannot resolve " + lookup->host + ": " +
                            (status == ARES_SUCCESS ? "no address" : ares_strerror(status));
      self->dns_cache_.InsertFailure(lookup->host, std::move(message), permanent);
    }
    std::vector<uint64_t> waiting = std::move(self->dns_waiting_[lookup->host]);
    self->dns_waiting_.erase(lookup->host);
    --self->lookups_in_flight_;
    while (!self->lookup_backlog_.empty() && self->lookups_in_flight_ < kMaxLookupsInFlight) {
      const std::string next = std::move(self->lookup_backlog_.front());
      self->lookup_backlog_.pop_front();
      self->StartLookup(next);
    }
    for (uint64_t ticket : waiting) {
      const auto it = self->jobs_.find(ticket);
      if (it != self->jobs_.end()) self->Resolve(it->second.get());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Transfers.
  bool CheckAddress(Job* job, const std::string& address) {
    sockaddr_storage storage;
    if (!ParseIpAddress(address, &storage)) return true;
    const AddressKind kind = ClassifyAddress(reinterpret_cast<sockaddr*>(&storage));
    if (AddressAllowed(kind, options_.allow_private_addresses)) return true;
    Fail(job, ErrorClass::kBlockedAddress, BlockedMessage(kind, address));
    return false;
  }

  static std::string BlockedMessage(AddressKind kind, const std::string& address) {
    std::string message =
        "refused to connect to " + std::string(AddressKindName(kind)) + " address " + address;
    if (kind == AddressKind::kLoopback || kind == AddressKind::kPrivate) {
      message += " (set allow_private_addresses=True to allow it)";
    }
    return message;
  }

  CURL* AcquireEasy() {
    if (idle_easy_.empty()) return curl_easy_init();
    CURL* easy = idle_easy_.back();
    idle_easy_.pop_back();
    curl_easy_reset(easy);
    return easy;
  }

  void Connect(Job* job, const std::string& address) {
    if (!CheckAddress(job, address)) return;
    const double remaining_s = std::chrono::duration<double>(job->deadline - clock_.Now()).count();
    if (remaining_s <= 0) {
      Fail(job, ErrorClass::kTimeout,
           "request deadline of " + FormatSeconds(TotalTimeout()) + " s passed");
      return;
    }
    CURL* easy = job->easy = AcquireEasy();
    job->hop_started = clock_.Now();
    job->headers_done = false;
    job->status = 0;
    job->content_length = -1;
    job->drained = 0;
    job->reason.clear();
    job->opted_out = false;
    job->abort = Abort::kNone;
    job->retry_after_s = 0;
    job->error_buffer[0] = '\0';
    job->response.body.clear();
    if (options_.stream_hash != HashAlgorithm::kNone) {
      if (job->digest == nullptr)
        job->digest = std::make_unique<StreamingDigest>(options_.stream_hash);
      job->digest->Reset();
    }
    if (job->resolve != nullptr) curl_slist_free_all(job->resolve);
    job->resolve = nullptr;
    if (!job->url.host_is_ip) {
      // Hand our answer to curl's own cache ("+": it expires there, so that cache stays small).
      // Unlike CURLOPT_CONNECT_TO, this keeps curl's connection pool keyed by host name: with
      // CONNECT_TO every name served from one address shares one bucket, and curl polls each
      // idle connection of it on every new transfer (measured: 300 poll() calls per fetch).
      const bool v6 = address.find(':') != std::string::npos;
      const std::string entry = "+" + job->url.host + ":" + std::to_string(job->url.port) + ":" +
                                (v6 ? "[" + address + "]" : address);
      job->resolve = curl_slist_append(nullptr, entry.c_str());
      curl_easy_setopt(easy, CURLOPT_RESOLVE, job->resolve);
    }

    curl_easy_setopt(easy, CURLOPT_URL, job->url.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, job);
    curl_easy_setopt(easy, CURLOPT_SHARE, share_);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, job->error_buffer);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent_.c_str());
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    // Ask for the bytes as they are, as the reference does; decode gzip/deflate/br anyway when a
    // server sends them compressed.
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "identity");
    // Refuse at once a Content-Length above the cap (the write callback covers the others).
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_body_bytes));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ToMs(ConnectTimeout()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, std::max(1L, ToMs(remaining_s)));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options_.min_bytes_per_second);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(std::ceil(options_.timeout_s))));
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Network::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, job);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Network::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Network::OnOpenSocket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, job);
    if (options_.ignore_ssl_certificate) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!options_.ca_bundle.empty()) {
      curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    }
    curl_multi_add_handle(multi_, easy);
  }

  std::string TooLargeMessage() const {
    return "body larger than " + std::to_string(options_.max_body_bytes) + " bytes";
  }

  static long ToMs(double seconds) { return static_cast<long>(std::ceil(seconds * 1000)); }
  double ConnectTimeout() const {
    return options_.connect_timeout_s > 0 ? options_.connect_timeout_s : options_.timeout_s;
  }
  double FirstByteTimeout() const {
    return options_.first_byte_timeout_s > 0 ? options_.first_byte_timeout_s : options_.timeout_s;
  }
  double TotalTimeout() const {
    return options_.total_timeout_s > 0 ? options_.total_timeout_s
                                        : options_.timeout_s * FetchOptions::kTotalDeadlineFactor;
  }

  // Stops transfers that got no response headers in time (curl has no such limit).
  void Sweep() {
    const TimePoint now = clock_.Now();
    const Duration limit = Seconds(FirstByteTimeout());
    std::vector<Job*> late;
    for (auto& [ticket, job] : jobs_) {
      if (job->easy != nullptr && !job->headers_done && now - job->hop_started > limit) {
        late.push_back(job.get());
      }
    }
    for (Job* job : late) {
      curl_multi_remove_handle(multi_, job->easy);
      idle_easy_.push_back(job->easy);
      job->easy = nullptr;
      Fail(job, ErrorClass::kTimeout,
           "no response headers within " + FormatSeconds(FirstByteTimeout()) + " s");
    }
  }

  void CollectCompleted() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Job* job = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &job);
      Complete(job, message->data.result);
    }
  }

  void Complete(Job* job, CURLcode code) {
    CURL* easy = job->easy;
    char* redirect = nullptr;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &redirect);
    const std::string redirect_url = redirect != nullptr ? redirect : "";
    curl_multi_remove_handle(multi_, easy);
    idle_easy_.push_back(easy);
    job->easy = nullptr;

    const long status = job->status;
    job->response.http_status = status;
    if (status == 429 || status == 503) {
      scheduler_.BackOff(job->url.host, Seconds(job->retry_after_s));
    } else if (status >= 200 && status < 400) {
      scheduler_.Succeeded(job->url.host);
    }

    if (code == CURLE_OK && status >= 300 && status < 400 && !redirect_url.empty()) {
      FollowRedirect(job, redirect_url);
      return;
    }
    if (code == CURLE_OK && status >= 400) job->abort = Abort::kHttpError;
    if (code == CURLE_OK && status >= 200 && status < 300 && job->abort == Abort::kNone) {
      ReleaseHost(job);
      if (job->digest != nullptr) job->response.hash = job->digest->HexFinal();
      Deliver(job);
      return;
    }

    switch (job->abort) {
      case Abort::kHttpError:
        Fail(job, HttpErrorClass(status),
             "HTTP Error " + std::to_string(status) + ": " +
                 (job->reason.empty() ? "error" : job->reason));
        return;
      case Abort::kOptedOut:
        Fail(job, ErrorClass::kOptedOut, "Use of image disallowed by X-Robots-Tag directive");
        return;
      case Abort::kTooLarge:
        Fail(job, ErrorClass::kTooLarge, TooLargeMessage());
        return;
      case Abort::kBlocked:
        Fail(job, ErrorClass::kBlockedAddress, job->blocked_message);
        return;
      case Abort::kNone:
        break;
    }
    if (code == CURLE_OK) {  // 1xx or a 3xx without Location
      Fail(job, ErrorClass::kNetwork, "unexpected HTTP status " + std::to_string(status));
      return;
    }
    if (CurlErrorClass(code) == ErrorClass::kTooLarge) {  // Content-Length above the cap
      Fail(job, ErrorClass::kTooLarge, TooLargeMessage());
      return;
    }
    Fail(job, CurlErrorClass(code),
         job->error_buffer[0] != '\0' ? job->error_buffer : curl_easy_strerror(code));
  }

  void FollowRedirect(Job* job, const std::string& target) {
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

  // ---------------------------------------------------------------------------------------------
  // curl callbacks (all on the loop thread).
  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* job = static_cast<Job*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      job->status = 0;
      job->content_length = -1;
      job->reason.clear();
      job->opted_out = false;
      const auto space = line.find(' ');
      if (space != std::string_view::npos) {
        const std::string_view rest = line.substr(space + 1);
        job->status = std::strtol(std::string(rest.substr(0, 3)).c_str(), nullptr, 10);
        if (rest.size() > 4) job->reason = std::string(TrimWhitespace(rest.substr(4)));
      }
      return line.size();
    }
    if (StartsWithNoCase(line, "x-robots-tag:")) {
      if (job->settings->opt_out->Disallows(TrimWhitespace(line.substr(13)))) job->opted_out = true;
      return line.size();
    }
    if (StartsWithNoCase(line, "content-length:")) {
      const std::string value(TrimWhitespace(line.substr(15)));
      char* end = nullptr;
      const long long length = std::strtoll(value.c_str(), &end, 10);
      if (end != value.c_str() && *end == '\0' && length >= 0) job->content_length = length;
      return line.size();
    }
    if (StartsWithNoCase(line, "retry-after:")) {
      const std::string value(TrimWhitespace(line.substr(12)));
      char* end = nullptr;
      const double seconds = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && *end == '\0') {
        job->retry_after_s = std::max(0.0, seconds);
      } else if (const time_t when = curl_getdate(value.c_str(), nullptr); when > 0) {
        job->retry_after_s = std::max<double>(0, static_cast<double>(when - std::time(nullptr)));
      }
      return line.size();
    }
    if (TrimWhitespace(line).empty()) {  // end of this response's headers
      job->headers_done = true;
      if (job->status >= 300 && job->status < 400) return line.size();
      if (job->status >= 400) job->abort = Abort::kHttpError;
      if (job->status < 400 && job->opted_out) job->abort = Abort::kOptedOut;
      if (job->abort != Abort::kNone && !DrainsRefusedBody(*job)) return 0;
    }
    return line.size();
  }

  static bool DrainsRefusedBody(const Job& job) {
    return job.content_length >= 0 && job.content_length <= kMaxDrainedBytes;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* job = static_cast<Job*>(user);
    const size_t n = size * count;
    if (job->abort == Abort::kHttpError || job->abort == Abort::kOptedOut) {
      job->drained += static_cast<int64_t>(n);  // refused: dropped (DrainsRefusedBody)
      return job->drained <= kMaxDrainedBytes ? n : 0;
    }
    if (static_cast<int64_t>(job->response.body.size() + n) > job->settings->max_body_bytes) {
      job->abort = Abort::kTooLarge;
      return 0;
    }
    job->response.body.append(data, n);
    if (job->digest != nullptr) job->digest->Update(std::string_view(data, n));
    return n;
  }

  static curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
    auto* job = static_cast<Job*>(user);
    const AddressKind kind = ClassifyAddress(&address->addr);
    if (!AddressAllowed(kind, job->settings->allow_private_addresses)) {
      job->abort = Abort::kBlocked;
      job->blocked_message = BlockedMessage(kind, FormatIpAddress(&address->addr));
      return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
  }

  enum class Owner { kCurl, kAres };

  void Watch(int fd, Owner owner, bool in, bool out) {
    epoll_event event{};
    event.events = (in ? uint32_t{EPOLLIN} : 0u) | (out ? uint32_t{EPOLLOUT} : 0u);
    event.data.fd = fd;
    const bool known = socket_owners_.count(fd) > 0;
    socket_owners_[fd] = owner;
    if (epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) != 0) {
      epoll_ctl(epoll_fd_, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
    }
  }

  void Unwatch(int fd) {
    socket_owners_.erase(fd);
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  }

  static int OnCurlSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* /*s*/) {
    auto* self = static_cast<Network*>(user);
    if (what == CURL_POLL_REMOVE) {
      self->Unwatch(fd);
    } else {
      self->Watch(fd, Owner::kCurl, what & CURL_POLL_IN, what & CURL_POLL_OUT);
    }
    return 0;
  }

  static int OnCurlTimer(CURLM* /*multi*/, long timeout_ms, void* user) {
    auto* self = static_cast<Network*>(user);
    if (timeout_ms < 0) {
      self->curl_timer_.reset();
    } else {
      self->curl_timer_ = self->clock_.Now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  static void OnAresSocket(void* user, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Network*>(user);
    if (!readable && !writable) {
      self->Unwatch(fd);
    } else {
      self->Watch(fd, Owner::kAres, readable, writable);
    }
  }

  FetchOptions options_;
  OptOutPolicy opt_out_;
  std::string user_agent_;
  const Clock& clock_;
  TransferSettings settings_;

  // Loop-thread state.
  DnsCache dns_cache_;
  HostScheduler scheduler_;
  std::unordered_map<uint64_t, std::unique_ptr<Job>> jobs_;
  std::unordered_map<std::string, std::vector<uint64_t>> dns_waiting_;
  int lookups_in_flight_ = 0;
  std::deque<std::string> lookup_backlog_;
  static constexpr size_t kMaxRobotsEntries = 100000;
  std::unordered_map<std::string, RobotsTxt> robots_cache_;  // by origin
  std::unordered_map<std::string, std::vector<uint64_t>> robots_waiting_;
  std::unordered_map<int, Owner> socket_owners_;
  std::list<Client*> clients_;
  std::vector<CURL*> idle_easy_;
  std::optional<TimePoint> curl_timer_;
  uint64_t next_ticket_ = 1;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;
  ares_channel channel_ = nullptr;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable done_cv_;
  std::vector<Client*> arriving_;  // GUARDED_BY(mu_)
  bool stopping_ = false;          // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<Fetcher>> MakeNetwork(const FetchOptions& options) {
  GlobalInitOnce();
  auto network = std::make_unique<Network>(options);
  RETURN_NOT_OK(network->Init());
  return std::unique_ptr<Fetcher>(std::move(network));
}

}  // namespace img2dataset
