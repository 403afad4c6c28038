#include "fetch/dns_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "util/clock.h"

namespace img2dataset {
namespace {

using std::chrono::milliseconds;

// "miss", "address 1.2.3.4" or "failure <message>": one comparable value per lookup.
std::string Look(DnsCache& cache, const std::string& host) {
  std::string result;
  switch (cache.Find(host, &result)) {
    case DnsCache::Lookup::kMiss:
      return "miss";
    case DnsCache::Lookup::kAddress:
      return "address " + result;
    case DnsCache::Lookup::kFailure:
      return "failure " + result;
  }
  return "?";
}

class DnsCacheTest : public ::testing::Test {
 protected:
  FakeClock clock_;
};

TEST_F(DnsCacheTest, UnknownHostIsMiss) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  EXPECT_EQ(Look(cache, "example.com"), "miss");
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(DnsCacheTest, AnswerIsKeptForItsTtl) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("example.com", {"93.184.216.34"}, Seconds(30));
  EXPECT_EQ(Look(cache, "example.com"), "address 93.184.216.34");
  clock_.Advance(milliseconds(29999));
  EXPECT_EQ(Look(cache, "example.com"), "address 93.184.216.34");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "example.com"), "miss");
  EXPECT_EQ(cache.size(), 0u);  // the expired entry is dropped by the lookup
}

TEST_F(DnsCacheTest, HostsAreCachedIndependently) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("a.example", {"1.1.1.1"}, Seconds(10));
  cache.InsertAddresses("b.example", {"2.2.2.2"}, Seconds(100));
  EXPECT_EQ(cache.size(), 2u);
  clock_.Advance(Seconds(10));
  EXPECT_EQ(Look(cache, "a.example"), "miss");
  EXPECT_EQ(Look(cache, "b.example"), "address 2.2.2.2");
  EXPECT_EQ(Look(cache, "c.example"), "miss");
}

TEST_F(DnsCacheTest, ShortTtlIsRaisedToMinTtl) {
  DnsCache cache(DnsCacheOptions{}, clock_);  // min_ttl 5 s
  cache.InsertAddresses("example.com", {"1.2.3.4"}, Seconds(1));
  clock_.Advance(milliseconds(4999));
  EXPECT_EQ(Look(cache, "example.com"), "address 1.2.3.4");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "example.com"), "miss");
}

TEST_F(DnsCacheTest, ZeroAndNegativeTtlAreRaisedToMinTtl) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("zero.example", {"1.2.3.4"}, Duration::zero());
  cache.InsertAddresses("negative.example", {"5.6.7.8"}, Seconds(-100));
  clock_.Advance(milliseconds(4999));
  EXPECT_EQ(Look(cache, "zero.example"), "address 1.2.3.4");
  EXPECT_EQ(Look(cache, "negative.example"), "address 5.6.7.8");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "zero.example"), "miss");
  EXPECT_EQ(Look(cache, "negative.example"), "miss");
}

TEST_F(DnsCacheTest, LongTtlIsCappedAtMaxTtl) {
  DnsCache cache(DnsCacheOptions{}, clock_);  // max_ttl 3600 s
  cache.InsertAddresses("example.com", {"1.2.3.4"}, Seconds(7 * 24 * 3600));
  clock_.Advance(milliseconds(3599999));
  EXPECT_EQ(Look(cache, "example.com"), "address 1.2.3.4");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "example.com"), "miss");
}

TEST_F(DnsCacheTest, ClampUsesConfiguredBounds) {
  DnsCacheOptions options;
  options.min_ttl = Seconds(2);
  options.max_ttl = Seconds(10);
  DnsCache cache(options, clock_);
  cache.InsertAddresses("short.example", {"1.1.1.1"}, Seconds(1));
  cache.InsertAddresses("long.example", {"2.2.2.2"}, Seconds(1000));
  cache.InsertAddresses("within.example", {"3.3.3.3"}, Seconds(7));
  clock_.Advance(Seconds(2));
  EXPECT_EQ(Look(cache, "short.example"), "miss");
  EXPECT_EQ(Look(cache, "long.example"), "address 2.2.2.2");
  clock_.Advance(Seconds(5));
  EXPECT_EQ(Look(cache, "within.example"), "miss");
  EXPECT_EQ(Look(cache, "long.example"), "address 2.2.2.2");
  clock_.Advance(Seconds(3));
  EXPECT_EQ(Look(cache, "long.example"), "miss");
}

TEST_F(DnsCacheTest, RotationCyclesThroughAllAddressesInOrder) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("example.com", {"10.0.0.1", "10.0.0.2", "::1"}, Seconds(60));
  std::vector<std::string> seen;
  seen.reserve(7);
  for (int i = 0; i < 7; ++i) seen.push_back(Look(cache, "example.com"));
  EXPECT_EQ(seen, (std::vector<std::string>{"address 10.0.0.1", "address 10.0.0.2", "address ::1",
                                            "address 10.0.0.1", "address 10.0.0.2", "address ::1",
                                            "address 10.0.0.1"}));
}

TEST_F(DnsCacheTest, SingleAddressIsReturnedEveryTime) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("example.com", {"1.2.3.4"}, Seconds(60));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Look(cache, "example.com"), "address 1.2.3.4");
}

TEST_F(DnsCacheTest, EmptyAnswerIsPermanentFailure) {
  DnsCache cache(DnsCacheOptions{}, clock_);  // negative_ttl 60 s
  cache.InsertAddresses("example.com", {}, Seconds(3600));
  EXPECT_EQ(Look(cache, "example.com"), "failure no address for example.com");
  // Kept negative_ttl, whatever TTL came with the empty answer.
  clock_.Advance(milliseconds(59999));
  EXPECT_EQ(Look(cache, "example.com"), "failure no address for example.com");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "example.com"), "miss");
}

TEST_F(DnsCacheTest, PermanentFailureIsKeptNegativeTtl) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertFailure("nx.example", "Domain name not found", /*permanent=*/true);
  EXPECT_EQ(Look(cache, "nx.example"), "failure Domain name not found");
  clock_.Advance(milliseconds(59999));
  EXPECT_EQ(Look(cache, "nx.example"), "failure Domain name not found");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "nx.example"), "miss");
}

TEST_F(DnsCacheTest, TransientFailureIsNotKeptByDefault) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("slow.example", {"1.1.1.1"}, Seconds(600));
  cache.InsertFailure("slow.example", "Timeout while contacting DNS servers",
                      /*permanent=*/false);
  EXPECT_EQ(Look(cache, "slow.example"), "miss");  // looked up again by the next request
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(DnsCacheTest, TransientFailureIsKeptFailureTtl) {
  DnsCacheOptions options;
  options.failure_ttl = Seconds(5);
  DnsCache cache(options, clock_);
  cache.InsertFailure("slow.example", "Timeout while contacting DNS servers",
                      /*permanent=*/false);
  clock_.Advance(milliseconds(4999));
  EXPECT_EQ(Look(cache, "slow.example"), "failure Timeout while contacting DNS servers");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "slow.example"), "miss");
}

TEST_F(DnsCacheTest, FailureTtlsUseConfiguredValues) {
  DnsCacheOptions options;
  options.negative_ttl = Seconds(3);
  options.failure_ttl = Seconds(1);
  DnsCache cache(options, clock_);
  cache.InsertFailure("nx.example", "not found", /*permanent=*/true);
  cache.InsertFailure("slow.example", "timeout", /*permanent=*/false);
  clock_.Advance(Seconds(1));
  EXPECT_EQ(Look(cache, "slow.example"), "miss");
  EXPECT_EQ(Look(cache, "nx.example"), "failure not found");
  clock_.Advance(Seconds(2));
  EXPECT_EQ(Look(cache, "nx.example"), "miss");
}

TEST_F(DnsCacheTest, EmptyFailureMessageIsStillFailure) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertFailure("example.com", "", /*permanent=*/true);
  std::string result = "untouched";
  EXPECT_EQ(cache.Find("example.com", &result), DnsCache::Lookup::kFailure);
  EXPECT_EQ(result, "");
}

TEST_F(DnsCacheTest, ReinsertReplacesAnswerAndRestartsRotationAndTtl) {
  DnsCache cache(DnsCacheOptions{}, clock_);
  cache.InsertAddresses("example.com", {"1.1.1.1", "2.2.2.2"}, Seconds(10));
  EXPECT_EQ(Look(cache, "example.com"), "address 1.1.1.1");
  clock_.Advance(Seconds(8));
  cache.InsertAddresses("example.com", {"3.3.3.3", "4.4.4.4"}, Seconds(10));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(Look(cache, "example.com"), "address 3.3.3.3");
  EXPECT_EQ(Look(cache, "example.com"), "address 4.4.4.4");
  clock_.Advance(milliseconds(9999));  // 17.999 s after the first answer
  EXPECT_EQ(Look(cache, "example.com"), "address 3.3.3.3");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Look(cache, "example.com"), "miss");
}

TEST_F(DnsCacheTest, FailureReplacesAnswerAndAnswerReplacesFailure) {
  DnsCacheOptions options;
  options.failure_ttl = Seconds(5);
  DnsCache cache(options, clock_);
  cache.InsertAddresses("example.com", {"1.1.1.1"}, Seconds(600));
  cache.InsertFailure("example.com", "server failure", /*permanent=*/false);
  EXPECT_EQ(Look(cache, "example.com"), "failure server failure");
  // The failure's own TTL applies, not what is left of the answer's.
  clock_.Advance(Seconds(5));
  EXPECT_EQ(Look(cache, "example.com"), "miss");

  cache.InsertFailure("example.com", "not found", /*permanent=*/true);
  cache.InsertAddresses("example.com", {"2.2.2.2"}, Seconds(600));
  EXPECT_EQ(Look(cache, "example.com"), "address 2.2.2.2");
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(DnsCacheTest, MaxEntriesBoundsSize) {
  DnsCacheOptions options;
  options.max_entries = 3;
  DnsCache cache(options, clock_);
  for (int i = 0; i < 20; ++i) {
    const std::string host = "host" + std::to_string(i) + ".example";
    if (i % 2 == 0) {
      cache.InsertAddresses(host, {"10.0.0." + std::to_string(i)}, Seconds(600));
    } else {
      cache.InsertFailure(host, "not found", /*permanent=*/true);
    }
    EXPECT_LE(cache.size(), 3u) << host;
    // The newest entry always survives its own insertion.
    EXPECT_NE(Look(cache, host), "miss") << host;
  }
  EXPECT_EQ(cache.size(), 3u);
}

TEST_F(DnsCacheTest, ExpiredEntriesAreEvictedBeforeLiveOnes) {
  DnsCacheOptions options;
  options.max_entries = 3;
  DnsCache cache(options, clock_);
  cache.InsertAddresses("old.example", {"1.1.1.1"}, Seconds(10));
  cache.InsertAddresses("live1.example", {"2.2.2.2"}, Seconds(600));
  cache.InsertFailure("live2.example", "not found", /*permanent=*/true);  // 60 s
  clock_.Advance(Seconds(30));  // only old.example has expired, and nobody looked it up
  EXPECT_EQ(cache.size(), 3u);
  cache.InsertAddresses("new.example", {"3.3.3.3"}, Seconds(600));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(Look(cache, "live1.example"), "address 2.2.2.2");
  EXPECT_EQ(Look(cache, "live2.example"), "failure not found");
  EXPECT_EQ(Look(cache, "new.example"), "address 3.3.3.3");
  EXPECT_EQ(Look(cache, "old.example"), "miss");
}

TEST_F(DnsCacheTest, AllExpiredEntriesAreEvictedTogether) {
  DnsCacheOptions options;
  options.max_entries = 3;
  options.negative_ttl = Seconds(10);
  DnsCache cache(options, clock_);
  cache.InsertAddresses("a.example", {"1.1.1.1"}, Seconds(10));
  cache.InsertAddresses("b.example", {"2.2.2.2"}, Seconds(10));
  cache.InsertFailure("c.example", "not found", /*permanent=*/true);
  clock_.Advance(Seconds(10));
  cache.InsertAddresses("d.example", {"4.4.4.4"}, Seconds(10));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(Look(cache, "d.example"), "address 4.4.4.4");
}

TEST_F(DnsCacheTest, ReinsertWhenFullKeepsSizeBounded) {
  DnsCacheOptions options;
  options.max_entries = 3;
  DnsCache cache(options, clock_);
  cache.InsertAddresses("a.example", {"1.1.1.1"}, Seconds(600));
  cache.InsertAddresses("b.example", {"2.2.2.2"}, Seconds(600));
  cache.InsertAddresses("c.example", {"3.3.3.3"}, Seconds(600));
  cache.InsertAddresses("a.example", {"9.9.9.9"}, Seconds(600));
  EXPECT_LE(cache.size(), 3u);
  EXPECT_EQ(Look(cache, "a.example"), "address 9.9.9.9");
}

}  // namespace
}  // namespace img2dataset
