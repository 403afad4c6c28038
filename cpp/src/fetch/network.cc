// The network loop: one thread per engine drives every download of every shard.
//
// libcurl's multi-socket interface (CurlTransport) and c-ares (AresResolver) share one epoll set
// (EventLoop), so thousands of transfers and lookups are in flight on one thread. What starts
// when is the Dispatcher's decision: curl never queues a transfer, so its timeouts only count
// time spent on the network. Redirects are followed by the dispatcher, not by curl, so that
// every hop goes through our DNS, the address policy and the per-host limits, and loops are
// detected; every socket curl opens is checked against the address policy too (Transfer).
#include <ares.h>
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "fetch/ares_resolver.h"
#include "fetch/curl_transport.h"
#include "fetch/dispatcher.h"
#include "fetch/event_loop.h"
#include "fetch/fetcher.h"
#include "fetch/opt_out.h"
#include "util/clock.h"

namespace img2dataset {

namespace {

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

class Network final : public Fetcher {
 public:
  explicit Network(const FetchOptions& options)
      : options_(options),
        opt_out_(options.disallowed_header_directives, options.user_agent_token),
        clock_(SteadyClock::Instance()),
        transport_(loop_, clock_, Settings(),
                   [this](uint64_t ticket, HopOutcome outcome) {
                     dispatcher_.OnHopEnd(ticket, std::move(outcome));
                   }),
        resolver_(loop_, clock_,
                  [this](const std::string& host, DnsAnswer answer) {
                    dispatcher_.OnDnsAnswer(host, std::move(answer));
                  }),
        dispatcher_(options, clock_, transport_, resolver_) {}

  ~Network() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    Wakeup();
    if (thread_.joinable()) thread_.join();
  }

  Status Init() {
    RETURN_NOT_OK(loop_.Init());
    RETURN_NOT_OK(transport_.Init());
    RETURN_NOT_OK(resolver_.Init(options_));
    thread_ = std::thread([this] { Loop(); });
    return Status::OK();
  }

  Status Run(FetchClient& client) override {
    std::unique_lock<std::mutex> lock(mu_);
    arriving_.push_back(&client);
    Wakeup();
    done_cv_.wait(lock, [&] { return finished_.count(&client) > 0; });
    finished_.erase(&client);
    return Status::OK();
  }

  void Wakeup() override { loop_.Wakeup(); }

  FetchGauges gauges() const override {
    std::lock_guard<std::mutex> lock(gauges_mu_);
    return gauges_;
  }

 private:
  TransferSettings Settings() const {
    TransferSettings settings;
    settings.options = &options_;
    settings.opt_out = &opt_out_;
    settings.user_agent =
        options_.user_agent.empty() ? UserAgent(options_.user_agent_token) : options_.user_agent;
    return settings;
  }

  void Loop() {
    TimePoint next_sweep = clock_.Now() + Dispatcher::kSweepInterval;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) break;
        for (FetchClient* client : arriving_) dispatcher_.AddClient(client);
        arriving_.clear();
      }
      if (std::vector<FetchClient*> finished = dispatcher_.Step(); !finished.empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        finished_.insert(finished.begin(), finished.end());
        done_cv_.notify_all();
      }
      PublishGauges();
      loop_.Wait(WaitMilliseconds(next_sweep));
      resolver_.ProcessTimeouts();
      transport_.ProcessTimeout();
      if (clock_.Now() >= next_sweep) {
        dispatcher_.Sweep();
        next_sweep = clock_.Now() + Dispatcher::kSweepInterval;
      }
      transport_.CollectFinished();
    }
  }

  // Copies the scheduler's state for gauges(); the host named stays the same while it is held.
  void PublishGauges() {
    const HostScheduler& scheduler = dispatcher_.scheduler();
    std::lock_guard<std::mutex> lock(gauges_mu_);
    gauges_.hosts_at_ceiling = static_cast<int64_t>(scheduler.hosts_at_ceiling());
    gauges_.queued_at_hosts = static_cast<int64_t>(scheduler.queued());
    gauges_.waiting_for_dns = static_cast<int64_t>(dispatcher_.lookups().requests_waiting());
    if (gauges_.hosts_at_ceiling == 0) {
      gauges_.host_at_ceiling.clear();
    } else if (!scheduler.AtCeiling(gauges_.host_at_ceiling)) {
      gauges_.host_at_ceiling = scheduler.AHostAtCeiling();
    }
  }

  int WaitMilliseconds(TimePoint next_sweep) const {
    TimePoint wake = next_sweep;
    for (const std::optional<TimePoint>& due :
         {transport_.NextTimeout(), resolver_.NextTimeout(), dispatcher_.NextWakeup()}) {
      if (due) wake = std::min(wake, *due);
    }
    // Rounded up: a wait of less than a millisecond rounded down to 0 would spin the loop
    // (epoll_wait returning at once) until the timer is due.
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(wake - clock_.Now()).count();
    return static_cast<int>(std::clamp<int64_t>((us + 999) / 1000, 0, 1000));
  }

  // Declared in construction order: the dispatcher refers to the transport and the resolver,
  // which refer to the loop; destroyed the other way round, after the thread stopped.
  FetchOptions options_;
  OptOutPolicy opt_out_;
  const Clock& clock_;
  EventLoop loop_;
  CurlTransport transport_;
  AresResolver resolver_;
  Dispatcher dispatcher_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable done_cv_;
  std::vector<FetchClient*> arriving_;         // GUARDED_BY(mu_)
  std::unordered_set<FetchClient*> finished_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                      // GUARDED_BY(mu_)

  mutable std::mutex gauges_mu_;
  FetchGauges gauges_;  // GUARDED_BY(gauges_mu_)
};

}  // namespace

Result<std::unique_ptr<Fetcher>> MakeNetwork(const FetchOptions& options) {
  GlobalInitOnce();
  auto network = std::make_unique<Network>(options);
  RETURN_NOT_OK(network->Init());
  return std::unique_ptr<Fetcher>(std::move(network));
}

}  // namespace img2dataset
