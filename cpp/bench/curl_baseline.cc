// curl_baseline: the plain-libcurl yardstick of bench/fetch_bench.py.
//
// Fetches every URL of a file (one a line) with one libcurl multi handle driven by
// curl_multi_socket_action on epoll, the way the engine's network loop drives it, and nothing
// else: no DNS, no scheduler of our own, no address policy, no hashing; bodies are appended to
// a buffer and dropped. What the engine spends above this, per fetch, is the cost of its own
// machinery.
//
//   curl_baseline --urls FILE [--concurrency 512] [--max-per-host 8] [--address 127.0.0.1]
//                 [--map resolve|connect-to] [--insecure]
//
// Every host name goes to --address without a lookup, by one of two means (--map):
//   resolve     CURLOPT_RESOLVE "host:port:address" for the transfer's host (the default). The
//               connection cache then keys connections by host name, as it does with real DNS,
//               and --max-per-host (CURLMOPT_MAX_HOST_CONNECTIONS) is per host name.
//   connect-to  CURLOPT_CONNECT_TO "::address:" for every transfer, as the engine does. libcurl
//               (7.88) then keys every connection by the connect-to address, so all names share
//               one bucket of the connection cache, scanned on every new transfer, and
//               --max-per-host caps the connections to the address as a whole.
//
// Prints one JSON object on stdout:
//   {"fetches": N, "ok": N, "failed": N, "cpu_s": S, "user_s": S, "system_s": S, "wall_s": S,
//    "first_error": "..."}
// where cpu_s is user + system time of this process (getrusage) and all times cover the
// transfers only, not reading the URL file. A fetch is ok when curl reports success, the status
// is 200 and the body is not empty. The exit status is 0 when every fetch was ok, 1 otherwise.
//
// Single-threaded; keep-alive connections are reused across transfers (one connection cache
// for the multi handle), easy handles are recycled, and TLS sessions are shared as in the
// engine.
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string urls_path;
  long concurrency = 512;  // transfers in flight at once
  long max_per_host = 8;   // CURLMOPT_MAX_HOST_CONNECTIONS
  std::string address = "127.0.0.1";
  bool map_with_connect_to = false;  // --map connect-to; default: --map resolve
  bool insecure = false;             // skip TLS certificate and host name checks
};

struct Transfer {
  CURL* easy = nullptr;
  std::string body;
  curl_slist* resolve = nullptr;  // --map resolve: this transfer's "host:port:address"
};

struct Loop {
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  std::optional<std::chrono::steady_clock::time_point> timer;
};

void Die(const std::string& message) {
  std::fprintf(stderr, "curl_baseline: %s\n", message.c_str());
  std::exit(2);
}

Options ParseArguments(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--urls") {
      options.urls_path = value();
    } else if (arg == "--concurrency") {
      options.concurrency = std::strtol(value().c_str(), nullptr, 10);
    } else if (arg == "--max-per-host") {
      options.max_per_host = std::strtol(value().c_str(), nullptr, 10);
    } else if (arg == "--address") {
      options.address = value();
    } else if (arg == "--map") {
      const std::string map = value();
      if (map != "resolve" && map != "connect-to") {
        Die("--map must be resolve or connect-to, got " + map);
      }
      options.map_with_connect_to = map == "connect-to";
    } else if (arg == "--insecure") {
      options.insecure = true;
    } else {
      Die("unknown argument " + arg);
    }
  }
  if (options.urls_path.empty()) Die("--urls FILE is required");
  if (options.concurrency < 1) Die("--concurrency must be a positive integer");
  if (options.max_per_host < 0) Die("--max-per-host must be 0 (no limit) or more");
  return options;
}

struct Url {
  std::string url;
  std::string resolve_entry;  // "host:port:address", for --map resolve
};

// Reads the URLs and prepares their CURLOPT_RESOLVE entries, before the clock starts.
std::vector<Url> ReadUrls(const std::string& path, const std::string& address) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<Url> urls;
  CURLU* parsed = curl_url();
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_set(parsed, CURLUPART_URL, line.c_str(), 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
      Die("cannot parse the URL " + line);
    }
    urls.push_back({line, std::string(host) + ":" + port + ":" + address});
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(parsed);
  return urls;
}

struct CpuTimes {
  double user_s = 0;
  double system_s = 0;
};

CpuTimes CpuNow() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->body.append(data, size * count);
  return size * count;
}

int OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* socket_data) {
  auto* loop = static_cast<Loop*>(user);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    curl_multi_assign(loop->multi, fd, nullptr);
    return 0;
  }
  epoll_event event{};
  event.events = ((what & CURL_POLL_IN) ? uint32_t{EPOLLIN} : 0u) |
                 ((what & CURL_POLL_OUT) ? uint32_t{EPOLLOUT} : 0u);
  event.data.fd = fd;
  if (socket_data == nullptr) {  // first time curl tells us about this socket
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &event);
    curl_multi_assign(loop->multi, fd, loop);  // any non-null marker
  } else {
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, fd, &event);
  }
  return 0;
}

int OnTimer(CURLM* /*multi*/, long timeout_ms, void* user) {
  auto* loop = static_cast<Loop*>(user);
  if (timeout_ms < 0) {
    loop->timer.reset();
  } else {
    loop->timer = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseArguments(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::vector<Url> urls = ReadUrls(options.urls_path, options.address);
  Loop loop;
  loop.multi = curl_multi_init();
  loop.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (loop.multi == nullptr || loop.epoll_fd < 0) Die("cannot create the curl multi loop");
  curl_multi_setopt(loop.multi, CURLMOPT_SOCKETFUNCTION, &OnSocket);
  curl_multi_setopt(loop.multi, CURLMOPT_SOCKETDATA, &loop);
  curl_multi_setopt(loop.multi, CURLMOPT_TIMERFUNCTION, &OnTimer);
  curl_multi_setopt(loop.multi, CURLMOPT_TIMERDATA, &loop);
  curl_multi_setopt(loop.multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_per_host);
  CURLSH* share = curl_share_init();
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  // An empty host and port match every URL: all names connect to one address, with no lookup.
  const std::string connect_to_entry = "::" + options.address + ":";
  curl_slist* connect_to = curl_slist_append(nullptr, connect_to_entry.c_str());

  const size_t slots = std::min(urls.size(), static_cast<size_t>(options.concurrency));
  std::vector<Transfer> transfers(slots);
  for (Transfer& transfer : transfers) {
    transfer.easy = curl_easy_init();
    if (transfer.easy == nullptr) Die("curl_easy_init failed");
  }
  size_t next_url = 0;
  auto start = [&](Transfer& transfer) {
    CURL* easy = transfer.easy;
    transfer.body.clear();
    const Url& url = urls[next_url++];
    curl_easy_setopt(easy, CURLOPT_URL, url.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
    if (options.map_with_connect_to) {
      curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_to);
    } else {
      // Loaded into the multi handle's DNS cache when the transfer starts.
      curl_slist_free_all(transfer.resolve);
      transfer.resolve = curl_slist_append(nullptr, url.resolve_entry.c_str());
      curl_easy_setopt(easy, CURLOPT_RESOLVE, transfer.resolve);
    }
    curl_easy_setopt(easy, CURLOPT_SHARE, share);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 60000L);
    if (options.insecure) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_multi_add_handle(loop.multi, easy);
  };

  const CpuTimes cpu_start = CpuNow();
  const auto wall_start = std::chrono::steady_clock::now();
  size_t ok = 0, failed = 0;
  std::string first_error;
  for (Transfer& transfer : transfers) start(transfer);

  std::vector<epoll_event> events(256);
  int running = 0;
  while (ok + failed < urls.size()) {
    int wait_ms = 1000;
    if (loop.timer) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *loop.timer - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 1000));
    }
    const int n =
        epoll_wait(loop.epoll_fd, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int i = 0; i < n; ++i) {
      int flags = 0;
      if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
      curl_multi_socket_action(loop.multi, events[i].data.fd, flags, &running);
    }
    if (loop.timer && std::chrono::steady_clock::now() >= *loop.timer) {
      loop.timer.reset();
      curl_multi_socket_action(loop.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(loop.multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
      long status = 0;
      curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (message->data.result == CURLE_OK && status == 200 && !transfer->body.empty()) {
        ++ok;
      } else {
        ++failed;
        if (first_error.empty()) {
          first_error = message->data.result != CURLE_OK ? curl_easy_strerror(message->data.result)
                                                         : "HTTP status " + std::to_string(status);
        }
      }
      curl_multi_remove_handle(loop.multi, transfer->easy);
      if (next_url < urls.size()) start(*transfer);
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const CpuTimes cpu_end = CpuNow();
  const double user_s = cpu_end.user_s - cpu_start.user_s;
  const double system_s = cpu_end.system_s - cpu_start.system_s;

  std::printf(
      "{\"fetches\": %zu, \"ok\": %zu, \"failed\": %zu, \"cpu_s\": %.4f, \"user_s\": %.4f, "
      "\"system_s\": %.4f, \"wall_s\": %.4f, "
      "\"first_error\": \"%s\"}\n",
      urls.size(), ok, failed, user_s + system_s, user_s, system_s, wall_s,
      JsonEscape(first_error).c_str());

  for (Transfer& transfer : transfers) {
    curl_easy_cleanup(transfer.easy);
    curl_slist_free_all(transfer.resolve);
  }
  curl_multi_cleanup(loop.multi);
  curl_share_cleanup(share);
  curl_slist_free_all(connect_to);
  close(loop.epoll_fd);
  curl_global_cleanup();
  return failed == 0 ? 0 : 1;
}
