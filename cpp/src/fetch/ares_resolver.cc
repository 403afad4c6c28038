#include "fetch/ares_resolver.h"

#include <netdb.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "fetch/address_policy.h"

namespace img2dataset {

AresResolver::~AresResolver() {
  if (channel_ != nullptr) ares_destroy(channel_);  // pending queries end with ARES_EDESTRUCTION
}

Status AresResolver::Init(const FetchOptions& options) {
  ares_options ares{};
  ares.sock_state_cb = &AresResolver::OnSocket;
  ares.sock_state_cb_data = this;
  // Three tries per server, c-ares doubling the wait each round (1, 2 and 4 s by default): on a
  // lossy link one lost query or answer is retried rather than failing the host, and costs the
  // URLs waiting for it a second, not more (measured on an emulated lossy link:
  // bench/wan_bench.py, docs/benchmarks.md).
  ares.timeout = static_cast<int>(options.dns_timeout_s * 1000);
  ares.tries = 3;
  const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (ares_init_options(&channel_, &ares, mask) != ARES_SUCCESS) {
    return Status::Internal("c-ares initialisation failed");
  }
  if (options.dns_servers.empty()) return Status::OK();
  std::string csv;
  for (const std::string& server : options.dns_servers) csv += (csv.empty() ? "" : ",") + server;
  if (ares_set_servers_ports_csv(channel_, csv.c_str()) != ARES_SUCCESS) {
    return Status::Invalid("dns_servers: cannot use '" + csv +
                           "'; expected addresses such as 127.0.0.1 or 127.0.0.1:5353");
  }
  return Status::OK();
}

void AresResolver::Lookup(const std::string& host) {
  if (in_flight_ >= kMaxLookupsInFlight) {
    backlog_.push_back(host);
    return;
  }
  Start(host);
}

void AresResolver::Start(const std::string& host) {
  ++in_flight_;
  auto* query = new Query{this, host};
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &AresResolver::OnAnswer, query);
}

std::optional<TimePoint> AresResolver::NextTimeout() const {
  timeval max{1, 0};
  timeval tv{};
  // ares_timeout returns &max when no query is pending, &tv otherwise: reading tv regardless
  // made every idle wait 0 ms, a busy loop whenever downloads were waiting on the network.
  const timeval* due = ares_timeout(channel_, &max, &tv);
  if (due == nullptr || due == &max) return std::nullopt;
  return clock_.Now() + std::chrono::seconds(due->tv_sec) + std::chrono::microseconds(due->tv_usec);
}

void AresResolver::ProcessTimeouts() {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void AresResolver::OnAnswer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Query> query(static_cast<Query*>(arg));
  AresResolver* self = query->resolver;
  std::unique_ptr<ares_addrinfo, void (*)(ares_addrinfo*)> owned(result, &ares_freeaddrinfo);
  if (status == ARES_EDESTRUCTION) return;  // the resolver is going away

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
  DnsAnswer answer;
  // IPv4 first: many machines have no IPv6 route, and an AAAA answer would fail them half the
  // time. IPv6 is used when a host has no IPv4 address.
  answer.addresses = std::move(v4.empty() ? v6 : v4);
  answer.ttl = Seconds(ttl);
  if (answer.addresses.empty()) {
    answer.permanent = status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_SUCCESS;
    answer.error = "cannot resolve " + query->host + ": " +
                   (status == ARES_SUCCESS ? "no address" : ares_strerror(status));
  }
  --self->in_flight_;
  while (!self->backlog_.empty() && self->in_flight_ < kMaxLookupsInFlight) {
    const std::string next = std::move(self->backlog_.front());
    self->backlog_.pop_front();
    self->Start(next);
  }
  self->on_answer_(query->host, std::move(answer));
}

void AresResolver::OnSocket(void* user, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<AresResolver*>(user);
  if (!readable && !writable) {
    self->loop_.Unwatch(fd);
  } else {
    self->loop_.Watch(fd, readable != 0, writable != 0, self);
  }
}

void AresResolver::OnReady(int fd, bool readable, bool writable, bool error) {
  ares_process_fd(channel_, readable || error ? fd : ARES_SOCKET_BAD,
                  writable || error ? fd : ARES_SOCKET_BAD);
}

}  // namespace img2dataset
