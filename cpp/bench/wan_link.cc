// wan_link: an emulated wide-area link between two network namespaces, in user space, for
// bench/wan_bench.py. This machine's kernel has no sch_netem, so the link is two TUN devices,
// one in each namespace, and this process between them: every IP packet one side sends is read
// from its device and written into the other's after the link has done to it what a long path
// does.
//
//   wan_link --netns CLIENT_NS:DEVICE --netns SERVER_NS:DEVICE --delay-ms 50 [--jitter-ms 5]
//            [--rate-mbit 200] [--loss 0.005] [--buffer-kb 512] [--seed 1] [--stats FILE]
//
// Each direction, independently, in this order:
//   loss        a packet is dropped with probability --loss (a lossy path, not congestion);
//   bottleneck  it waits for the link to be free and takes size / rate to send (--rate-mbit);
//               when the bytes already waiting exceed --buffer-kb it is dropped instead (a
//               router's tail-drop buffer: what a burst of new connections overflows);
//   delay       it arrives --delay-ms (one way: half the round trip) later, plus a jitter drawn
//               uniformly from [-jitter, +jitter], never before the packet ahead of it (paths
//               jitter without reordering).
//
// The devices are created here (the first --netns is the client's side, the second the
// server's); the caller gives them addresses and routes once "ready" is printed on stdout. On
// SIGTERM or SIGINT the counters of both directions are written to --stats as one JSON object:
//   {"client_to_server": {"packets": N, "bytes": N, "lost": N, "overflowed": N,
//                         "bytes_per_slot": [N, ...]},
//    "server_to_client": {...}}
// where bytes_per_slot[i] is what the direction delivered in the i-th 100 ms since the link
// started (how busy it was over time), and the process exits 0.
//
// Single-threaded: one poll loop over both devices, woken by arrivals and by the next delivery.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

volatile std::sig_atomic_t stop_requested = 0;

void RequestStop(int /*signal*/) { stop_requested = 1; }

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "wan_link: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

struct Options {
  std::vector<std::pair<std::string, std::string>> sides;  // (namespace, device)
  double delay_ms = 0;
  double jitter_ms = 0;
  double rate_mbit = 200;
  double loss = 0;
  double buffer_kb = 512;
  unsigned seed = 1;
  std::string stats_path;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: wan_link --netns NS:DEVICE --netns NS:DEVICE --delay-ms MS [--jitter-ms MS]"
               " [--rate-mbit MBIT] [--loss P] [--buffer-kb KB] [--seed N] [--stats FILE]\n");
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) Usage();
    const char* value = argv[++i];
    if (flag == "--netns") {
      const std::string_view side = value;
      const auto colon = side.find(':');
      if (colon == std::string_view::npos) Usage();
      options.sides.emplace_back(side.substr(0, colon), side.substr(colon + 1));
    } else if (flag == "--delay-ms") {
      options.delay_ms = std::atof(value);
    } else if (flag == "--jitter-ms") {
      options.jitter_ms = std::atof(value);
    } else if (flag == "--rate-mbit") {
      options.rate_mbit = std::atof(value);
    } else if (flag == "--loss") {
      options.loss = std::atof(value);
    } else if (flag == "--buffer-kb") {
      options.buffer_kb = std::atof(value);
    } else if (flag == "--seed") {
      options.seed = static_cast<unsigned>(std::atoi(value));
    } else if (flag == "--stats") {
      options.stats_path = value;
    } else {
      Usage();
    }
  }
  if (options.sides.size() != 2 || options.rate_mbit <= 0 || options.loss < 0 ||
      options.loss >= 1 || options.jitter_ms < 0 || options.jitter_ms > options.delay_ms) {
    Usage();
  }
  return options;
}

// A TUN device (IP packets, no extra header) created inside the named namespace. The file
// descriptor keeps the device where it was made; this process returns to its own namespace.
int OpenTun(const std::string& netns, const std::string& device) {
  const int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (home < 0 || target < 0) Fail("opening the network namespace " + netns);
  if (setns(target, CLONE_NEWNET) != 0) Fail("entering the network namespace " + netns);
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) Fail("opening /dev/net/tun");
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::snprintf(request.ifr_name, IFNAMSIZ, "%s", device.c_str());
  if (ioctl(fd, TUNSETIFF, &request) != 0) Fail("creating the TUN device " + device);
  if (setns(home, CLONE_NEWNET) != 0) Fail("returning to this process's network namespace");
  close(home);
  close(target);
  return fd;
}

constexpr Nanos kSlot = std::chrono::milliseconds(100);

struct Counters {
  std::uint64_t packets = 0;  // delivered
  std::uint64_t bytes = 0;    // delivered
  std::uint64_t lost = 0;
  std::uint64_t overflowed = 0;
  std::vector<std::uint64_t> bytes_per_slot;  // delivered, per kSlot since the start
};

// One direction of the link: packets read from `from` are written to `to` at their delivery
// time.
class Direction {
 public:
  Direction(int from, int to, const Options& options, unsigned seed, Clock::time_point start)
      : start_(start),
        from_(from),
        to_(to),
        delay_(Nanos(static_cast<std::int64_t>(options.delay_ms * 1e6))),
        jitter_ns_(options.jitter_ms * 1e6),
        nanos_per_byte_(8e3 / options.rate_mbit),
        buffer_bytes_(options.buffer_kb * 1024),
        loss_(options.loss),
        random_(seed) {}

  // Reads every packet waiting on the input device and queues those the link keeps.
  void Receive(Clock::time_point now) {
    for (;;) {
      const ssize_t size = read(from_, scratch_.data(), scratch_.size());
      if (size < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        Fail("reading a packet");
      }
      Admit({scratch_.begin(), scratch_.begin() + size}, now);
    }
  }

  // Writes the packets whose time has come.
  void Deliver(Clock::time_point now) {
    while (!queue_.empty() && queue_.front().deliver_at <= now) {
      const auto& packet = queue_.front().bytes;
      // A full receive queue on the other side drops the packet, as a congested host would.
      if (write(to_, packet.data(), packet.size()) >= 0) {
        ++counters_.packets;
        counters_.bytes += packet.size();
        const auto slot = static_cast<std::size_t>((now - start_) / kSlot);
        if (counters_.bytes_per_slot.size() <= slot) counters_.bytes_per_slot.resize(slot + 1);
        counters_.bytes_per_slot[slot] += packet.size();
      }
      queue_.pop_front();
    }
  }

  // When the next packet is due; `max()` when none waits.
  Clock::time_point NextDelivery() const {
    return queue_.empty() ? Clock::time_point::max() : queue_.front().deliver_at;
  }

  const Counters& counters() const { return counters_; }
  int input() const { return from_; }

 private:
  static constexpr std::size_t kMaxPacket = 65536;

  struct Queued {
    Clock::time_point deliver_at;
    std::vector<std::uint8_t> bytes;
  };

  void Admit(std::vector<std::uint8_t> packet, Clock::time_point now) {
    if (loss_ > 0 && uniform_(random_) < loss_) {
      ++counters_.lost;
      return;
    }
    // The bytes still waiting for the bottleneck are the time until it is free, times its rate.
    const auto backlog = std::max(Nanos(0), link_free_at_ - now);
    const auto size = static_cast<double>(packet.size());
    if (static_cast<double>(backlog.count()) / nanos_per_byte_ + size > buffer_bytes_) {
      ++counters_.overflowed;
      return;
    }
    const auto sent_at =
        std::max(link_free_at_, now) + Nanos(static_cast<std::int64_t>(nanos_per_byte_ * size));
    link_free_at_ = sent_at;
    const auto jitter = Nanos(static_cast<std::int64_t>(jitter_ns_ * (2 * uniform_(random_) - 1)));
    const auto arrives = std::max(sent_at + delay_ + jitter, last_delivery_);
    last_delivery_ = arrives;
    queue_.push_back({arrives, std::move(packet)});
  }

  Clock::time_point start_;
  int from_;
  int to_;
  Nanos delay_;
  double jitter_ns_;
  double nanos_per_byte_;
  double buffer_bytes_;
  double loss_;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  Clock::time_point link_free_at_{};
  Clock::time_point last_delivery_{};
  std::deque<Queued> queue_;
  std::vector<std::uint8_t> scratch_ = std::vector<std::uint8_t>(kMaxPacket);
  Counters counters_;
};

void WriteStats(const std::string& path, const Direction& up, const Direction& down) {
  if (path.empty()) return;
  FILE* out = std::fopen(path.c_str(), "w");
  if (out == nullptr) Fail("writing " + path);
  const auto print = [out](const char* name, const Counters& c, const char* end) {
    std::fprintf(out,
                 "\"%s\": {\"packets\": %llu, \"bytes\": %llu, \"lost\": %llu, "
                 "\"overflowed\": %llu, \"bytes_per_slot\": [",
                 name, static_cast<unsigned long long>(c.packets),
                 static_cast<unsigned long long>(c.bytes), static_cast<unsigned long long>(c.lost),
                 static_cast<unsigned long long>(c.overflowed));
    for (std::size_t i = 0; i < c.bytes_per_slot.size(); ++i) {
      std::fprintf(out, "%s%llu", i == 0 ? "" : ", ",
                   static_cast<unsigned long long>(c.bytes_per_slot[i]));
    }
    std::fprintf(out, "]}%s", end);
  };
  std::fputc('{', out);
  print("client_to_server", up.counters(), ", ");
  print("server_to_client", down.counters(), "}\n");
  std::fclose(out);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  const int client = OpenTun(options.sides[0].first, options.sides[0].second);
  const int server = OpenTun(options.sides[1].first, options.sides[1].second);
  std::signal(SIGTERM, RequestStop);
  std::signal(SIGINT, RequestStop);

  const auto start = Clock::now();
  Direction up(client, server, options, options.seed, start);
  Direction down(server, client, options, options.seed + 1, start);
  std::printf("ready\n");
  std::fflush(stdout);

  while (stop_requested == 0) {
    const auto now = Clock::now();
    const auto next = std::min(up.NextDelivery(), down.NextDelivery());
    timespec wait{1, 0};  // at most a second, to notice a signal that came between polls
    if (next != Clock::time_point::max()) {
      const auto nanos = std::clamp<std::int64_t>((next - now).count(), 0, 1'000'000'000);
      wait = {static_cast<time_t>(nanos / 1'000'000'000), static_cast<long>(nanos % 1'000'000'000)};
    }
    pollfd fds[2] = {{up.input(), POLLIN, 0}, {down.input(), POLLIN, 0}};
    if (ppoll(fds, 2, &wait, nullptr) < 0 && errno != EINTR) Fail("polling the devices");
    const auto woke = Clock::now();
    if ((fds[0].revents & POLLIN) != 0) up.Receive(woke);
    if ((fds[1].revents & POLLIN) != 0) down.Receive(woke);
    up.Deliver(woke);
    down.Deliver(woke);
  }
  WriteStats(options.stats_path, up, down);
  return 0;
}
