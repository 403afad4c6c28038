// The network's timing and routing rules, in memory: a fake clock, a transport whose hops end
// when the test says, a resolver that answers when the test says.
#include "fetch/dispatcher.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace img2dataset {
namespace {

class FakeTransport final : public Transport {
 public:
  void Start(const Hop& hop) override {
    running[hop.ticket] = hop;
    started.push_back(hop);
  }
  void Stop(uint64_t ticket) override {
    running.erase(ticket);
    stopped.push_back(ticket);
  }
  bool HeadersArrived(uint64_t ticket) const override { return with_headers.count(ticket) > 0; }

  std::map<uint64_t, Hop> running;
  std::vector<Hop> started;
  std::vector<uint64_t> stopped;
  std::set<uint64_t> with_headers;
};

class FakeResolver final : public Resolver {
 public:
  void Lookup(const std::string& host) override { lookups.push_back(host); }
  std::vector<std::string> lookups;
};

class FakeClient final : public FetchClient {
 public:
  explicit FakeClient(std::vector<std::string> urls, TimePoint start_by = TimePoint::max())
      : urls_(std::move(urls)), start_by_(start_by) {}
  std::optional<FetchRequest> NextRequest() override {
    if (next_ == urls_.size()) return std::nullopt;
    FetchRequest request{next_, urls_[next_], start_by_};
    ++next_;
    return request;
  }
  void OnResponse(FetchResponse response) override {
    responses.emplace(response.index, std::move(response));
  }
  bool Finished() const override { return next_ == urls_.size(); }
  bool Cancelled() const override { return cancelled; }

  std::map<size_t, FetchResponse> responses;
  bool cancelled = false;

 private:
  std::vector<std::string> urls_;
  TimePoint start_by_;
  size_t next_ = 0;
};

HopOutcome Body(std::string body) {
  HopOutcome outcome;
  outcome.http_status = 200;
  outcome.body = std::move(body);
  return outcome;
}

HopOutcome Status(long status, double retry_after_s = 0) {
  HopOutcome outcome;
  outcome.http_status = status;
  outcome.error_class = status >= 500 ? ErrorClass::kHttp5xx : ErrorClass::kHttp4xx;
  outcome.error_message = "HTTP Error " + std::to_string(status);
  outcome.retry_after_s = retry_after_s;
  return outcome;
}

HopOutcome Redirect(std::string location) {
  HopOutcome outcome;
  outcome.http_status = 302;
  outcome.redirect_url = std::move(location);
  return outcome;
}

DnsAnswer Address(std::string address) {
  DnsAnswer answer;
  answer.addresses = {std::move(address)};
  answer.ttl = Seconds(300);
  return answer;
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    options_.allow_private_addresses = true;
    options_.timeout_s = 10;
  }
  Dispatcher& Make() {
    dispatcher_.emplace(options_, clock_, transport_, resolver_);
    return *dispatcher_;
  }
  // The ticket of the running hop for `url`; 0 when there is none.
  uint64_t RunningTicket(const std::string& url) const {
    for (const auto& [ticket, hop] : transport_.running) {
      if (hop.url.url == url) return ticket;
    }
    return 0;
  }

  FetchOptions options_;
  FakeClock clock_;
  FakeTransport transport_;
  FakeResolver resolver_;
  std::optional<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, OneLookupPerHostThenEveryRequestConnects) {
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://img.test/a.jpg", "http://img.test/b.jpg"});
  dispatcher.AddClient(&client);
  EXPECT_TRUE(dispatcher.Step().empty());
  EXPECT_EQ(resolver_.lookups, std::vector<std::string>{"img.test"});
  EXPECT_TRUE(transport_.started.empty());
  EXPECT_EQ(dispatcher.lookups().requests_waiting(), 2U);

  dispatcher.OnDnsAnswer("img.test", Address("127.0.0.2"));
  EXPECT_EQ(dispatcher.lookups().requests_waiting(), 0U);
  ASSERT_EQ(transport_.started.size(), 2U);
  EXPECT_EQ(transport_.started[0].address, "127.0.0.2");
  EXPECT_DOUBLE_EQ(transport_.started[0].remaining_s, 60);  // 6 x timeout_s

  dispatcher.OnHopEnd(RunningTicket("http://img.test/a.jpg"), Body("A"));
  dispatcher.OnHopEnd(RunningTicket("http://img.test/b.jpg"), Body("B"));
  EXPECT_EQ(dispatcher.Step(), std::vector<FetchClient*>{&client});
  ASSERT_EQ(client.responses.size(), 2U);
  EXPECT_TRUE(client.responses[0].ok());
  EXPECT_EQ(client.responses[0].body, "A");
  EXPECT_EQ(client.responses[1].http_status, 200);
  EXPECT_EQ(dispatcher.jobs(), 0U);
}

TEST_F(DispatcherTest, ADnsFailureIsRememberedForTheHost) {
  Dispatcher& dispatcher = Make();
  FakeClient first({"http://gone.test/a.jpg"});
  dispatcher.AddClient(&first);
  dispatcher.Step();
  DnsAnswer failure;
  failure.error = "cannot resolve gone.test: Domain name not found";
  failure.permanent = true;
  dispatcher.OnDnsAnswer("gone.test", failure);
  EXPECT_EQ(first.responses[0].error_class, ErrorClass::kDns);
  EXPECT_EQ(first.responses[0].error_message, failure.error);

  FakeClient second({"http://gone.test/b.jpg"});
  dispatcher.AddClient(&second);
  dispatcher.Step();
  EXPECT_EQ(resolver_.lookups.size(), 1U);  // answered from the cache
  EXPECT_EQ(second.responses[0].error_class, ErrorClass::kDns);
}

TEST_F(DispatcherTest, ATransientDnsFailureIsNotRememberedForTheHost) {
  Dispatcher& dispatcher = Make();
  FakeClient first({"http://flaky.test/a.jpg"});
  dispatcher.AddClient(&first);
  dispatcher.Step();
  DnsAnswer failure;
  failure.error = "cannot resolve flaky.test: Timeout while contacting DNS servers";
  failure.permanent = false;
  dispatcher.OnDnsAnswer("flaky.test", failure);
  EXPECT_EQ(first.responses[0].error_class, ErrorClass::kDns);

  FakeClient second({"http://flaky.test/b.jpg"});
  dispatcher.AddClient(&second);
  dispatcher.Step();
  EXPECT_EQ(resolver_.lookups.size(), 2U);  // looked up again, not failed from a cache
  EXPECT_TRUE(second.responses.empty());
}

TEST_F(DispatcherTest, AHostGetsAtMostItsConnectionCap) {
  options_.max_connections_per_host = 2;
  Dispatcher& dispatcher = Make();
  FakeClient client(
      {"http://127.0.0.1/1", "http://127.0.0.1/2", "http://127.0.0.1/3", "http://127.0.0.2/4"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  EXPECT_EQ(transport_.running.size(), 3U);  // two of 127.0.0.1, and 127.0.0.2's
  EXPECT_EQ(RunningTicket("http://127.0.0.1/3"), 0U);

  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/1"), Body("1"));
  dispatcher.Step();
  EXPECT_NE(RunningTicket("http://127.0.0.1/3"), 0U);
}

TEST_F(DispatcherTest, NoResponseHeadersWithinTheFirstByteLimit) {
  options_.first_byte_timeout_s = 5;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/slow", "http://127.0.0.1/talking"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  const uint64_t slow = RunningTicket("http://127.0.0.1/slow");
  transport_.with_headers.insert(RunningTicket("http://127.0.0.1/talking"));

  clock_.Advance(Seconds(4.9));
  dispatcher.Sweep();
  EXPECT_TRUE(transport_.stopped.empty());
  clock_.Advance(Seconds(0.2));
  dispatcher.Sweep();
  EXPECT_EQ(transport_.stopped, std::vector<uint64_t>{slow});
  EXPECT_EQ(client.responses[0].error_class, ErrorClass::kTimeout);
  EXPECT_EQ(client.responses[0].error_message, "no response headers within 5 s");
  EXPECT_EQ(client.responses.count(1), 0U);  // its headers came: it streams on
}

TEST_F(DispatcherTest, TheDeadlineCoversEveryRedirectHop) {
  options_.total_timeout_s = 10;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/a"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  clock_.Advance(Seconds(4));
  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/a"), Redirect("http://127.0.0.1/b"));
  dispatcher.Step();
  const uint64_t second = RunningTicket("http://127.0.0.1/b");
  ASSERT_NE(second, 0U);
  EXPECT_DOUBLE_EQ(transport_.running[second].remaining_s, 6);  // what the first hop left

  clock_.Advance(Seconds(7));
  dispatcher.OnHopEnd(second, Redirect("http://127.0.0.1/c"));
  dispatcher.Step();
  EXPECT_EQ(client.responses[0].error_class, ErrorClass::kTimeout);
  EXPECT_EQ(client.responses[0].error_message, "request deadline of 10 s passed");
}

TEST_F(DispatcherTest, TheDeadlineStartsWhenTheRequestLeavesItsHostsQueue) {
  options_.max_connections_per_host = 1;
  options_.total_timeout_s = 10;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/first", "http://127.0.0.1/second"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  clock_.Advance(Seconds(30));  // the second waits for the slot far beyond its deadline
  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/first"), Body("1"));
  dispatcher.Step();
  const uint64_t second = RunningTicket("http://127.0.0.1/second");
  ASSERT_NE(second, 0U);
  EXPECT_DOUBLE_EQ(transport_.running[second].remaining_s, 10);
}

TEST_F(DispatcherTest, RedirectsAreFollowedUpToTheCapAndLoopsEnd) {
  options_.max_redirects = 2;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/loop", "http://127.0.0.1/far", "http://127.0.0.1/bad"});
  dispatcher.AddClient(&client);
  dispatcher.Step();

  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/loop"), Redirect("http://127.0.0.1/x"));
  dispatcher.Step();
  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/x"), Redirect("http://127.0.0.1/loop"));
  EXPECT_EQ(client.responses[0].error_class, ErrorClass::kRedirectLoop);
  EXPECT_EQ(client.responses[0].error_message, "redirect loop back to http://127.0.0.1/loop");

  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/far"), Redirect("http://127.0.0.1/f1"));
  dispatcher.Step();
  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/f1"), Redirect("http://127.0.0.1/f2"));
  dispatcher.Step();
  ASSERT_NE(RunningTicket("http://127.0.0.1/f2"), 0U);  // two redirects followed
  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/f2"), Redirect("http://127.0.0.1/f3"));
  EXPECT_EQ(client.responses[1].error_message, "more than 2 redirects");

  dispatcher.OnHopEnd(RunningTicket("http://127.0.0.1/bad"), Redirect("ftp://127.0.0.1/x"));
  EXPECT_EQ(client.responses[2].error_class, ErrorClass::kInvalidUrl);
}

TEST_F(DispatcherTest, A429PausesItsHostForRetryAfter) {
  options_.max_backoff_s = 60;
  options_.max_connections_per_host = 1;
  Dispatcher& capped = Make();
  FakeClient client({"http://127.0.0.1/a", "http://127.0.0.1/b"});
  capped.AddClient(&client);
  capped.Step();
  capped.OnHopEnd(RunningTicket("http://127.0.0.1/a"), Status(429, 30));
  capped.Step();
  EXPECT_EQ(client.responses[0].error_class, ErrorClass::kHttp4xx);
  EXPECT_EQ(RunningTicket("http://127.0.0.1/b"), 0U);
  ASSERT_TRUE(capped.NextWakeup().has_value());
  EXPECT_EQ(*capped.NextWakeup() - clock_.Now(), Seconds(30));

  clock_.Advance(Seconds(29));
  capped.Step();
  EXPECT_EQ(RunningTicket("http://127.0.0.1/b"), 0U);
  clock_.Advance(Seconds(1));
  capped.Step();
  EXPECT_NE(RunningTicket("http://127.0.0.1/b"), 0U);
}

TEST_F(DispatcherTest, PrivateAddressesAreRefusedUnlessAllowed) {
  options_.allow_private_addresses = false;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://10.1.2.3/a.jpg", "http://meta.test/b.jpg"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  dispatcher.OnDnsAnswer("meta.test", Address("169.254.169.254"));
  EXPECT_TRUE(transport_.started.empty());
  EXPECT_EQ(client.responses[0].error_class, ErrorClass::kBlockedAddress);
  EXPECT_EQ(client.responses[0].error_message,
            "refused to connect to private address 10.1.2.3 (set allow_private_addresses=True "
            "to allow it)");
  EXPECT_EQ(client.responses[1].error_class, ErrorClass::kBlockedAddress);
}

TEST_F(DispatcherTest, RobotsTxtIsFetchedOncePerOriginFirst) {
  options_.respect_robots_txt = true;
  options_.user_agent_token = "img2dataset";
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/private/a.jpg", "http://127.0.0.1/b.jpg"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  ASSERT_EQ(transport_.started.size(), 1U);
  EXPECT_EQ(transport_.started[0].url.url, "http://127.0.0.1:80/robots.txt");

  dispatcher.OnHopEnd(transport_.started[0].ticket, Body("User-agent: *\nDisallow: /private\n"));
  dispatcher.Step();
  EXPECT_EQ(client.responses[0].error_class, ErrorClass::kRobotsTxt);
  EXPECT_NE(RunningTicket("http://127.0.0.1/b.jpg"), 0U);
  EXPECT_EQ(transport_.started.size(), 2U);
}

TEST_F(DispatcherTest, TheShardWatchdogEndsWhatIsStillQueued) {
  options_.max_connections_per_host = 1;
  options_.shard_timeout_s = 5;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/1", "http://127.0.0.1/2", "http://127.0.0.1/3"},
                    clock_.Now() + Seconds(5));
  dispatcher.AddClient(&client);
  dispatcher.Step();
  EXPECT_EQ(*dispatcher.NextWakeup() - clock_.Now(), Seconds(5));
  clock_.Advance(Seconds(5));
  dispatcher.Step();
  EXPECT_EQ(client.responses.size(), 2U);
  EXPECT_EQ(client.responses[1].error_class, ErrorClass::kTimeout);
  EXPECT_EQ(client.responses[2].error_message, ShardTimeoutMessage(5));
  EXPECT_NE(RunningTicket("http://127.0.0.1/1"), 0U);  // started: runs to its own deadline
}

TEST_F(DispatcherTest, ACancelledClientEndsEverythingAtOnce) {
  options_.max_connections_per_host = 1;
  Dispatcher& dispatcher = Make();
  FakeClient client({"http://127.0.0.1/1", "http://127.0.0.1/2", "http://dns.test/3"});
  dispatcher.AddClient(&client);
  dispatcher.Step();
  client.cancelled = true;
  EXPECT_EQ(dispatcher.Step(), std::vector<FetchClient*>{&client});
  EXPECT_EQ(transport_.stopped.size(), 1U);
  ASSERT_EQ(client.responses.size(), 3U);
  for (const auto& [index, response] : client.responses) {
    EXPECT_EQ(response.error_message, "cancelled");
  }
  dispatcher.OnDnsAnswer("dns.test", Address("127.0.0.3"));  // late: nothing left to start
  EXPECT_EQ(transport_.started.size(), 1U);
  EXPECT_EQ(dispatcher.jobs(), 0U);
}

}  // namespace
}  // namespace img2dataset
