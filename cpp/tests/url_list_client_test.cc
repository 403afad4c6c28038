#include "fetch/url_list_client.h"

#include <gtest/gtest.h>

#include <memory>

#include "fake_fetcher.h"

namespace img2dataset {
namespace {

using testing::Failed;
using testing::FakeFetcher;
using testing::FakeWeb;
using testing::Ok;

TEST(UrlListClientTest, ReturnsOneResponsePerUrlInListOrder) {
  auto web = std::make_shared<FakeWeb>();
  web->Serve("http://a/1", Ok("one"));
  web->Serve("http://a/2", Ok("two"));
  FakeFetcher fetcher(web);
  Result<std::vector<FetchResponse>> responses =
      FetchUrls(fetcher, {"http://a/2", "http://a/missing", "http://a/1"}, 0);
  ASSERT_TRUE(responses.ok());
  ASSERT_EQ(responses->size(), 3u);
  EXPECT_EQ((*responses)[0].body, "two");
  EXPECT_EQ((*responses)[1].error_class, ErrorClass::kHttp4xx);
  EXPECT_EQ((*responses)[2].body, "one");
}

TEST(UrlListClientTest, RetriesOnlyTransientFailuresUpToRetries) {
  auto web = std::make_shared<FakeWeb>();
  web->ServeSequence("http://flaky/x", {Failed(ErrorClass::kHttp5xx, "HTTP Error 503", 503),
                                        Failed(ErrorClass::kTimeout, "timed out"), Ok("x")});
  web->Serve("http://gone/y", testing::NotFound());
  FakeFetcher fetcher(web);
  Result<std::vector<FetchResponse>> responses =
      FetchUrls(fetcher, {"http://flaky/x", "http://gone/y"}, 2);
  ASSERT_TRUE(responses.ok());
  EXPECT_EQ((*responses)[0].body, "x");
  EXPECT_EQ(web->Attempts("http://flaky/x"), 3);
  EXPECT_EQ(web->Attempts("http://gone/y"), 1);  // a 404 is not retried
}

TEST(UrlListClientTest, GivesUpAfterRetriesWithTheLastFailure) {
  auto web = std::make_shared<FakeWeb>();
  web->Serve("http://down/z", Failed(ErrorClass::kConnect, "refused"));
  FakeFetcher fetcher(web);
  Result<std::vector<FetchResponse>> responses = FetchUrls(fetcher, {"http://down/z"}, 1);
  ASSERT_TRUE(responses.ok());
  EXPECT_EQ((*responses)[0].error_class, ErrorClass::kConnect);
  EXPECT_EQ(web->Attempts("http://down/z"), 2);
}

TEST(UrlListClientTest, EmptyListFinishesAtOnce) {
  FakeFetcher fetcher(std::make_shared<FakeWeb>());
  Result<std::vector<FetchResponse>> responses = FetchUrls(fetcher, {}, 3);
  ASSERT_TRUE(responses.ok());
  EXPECT_TRUE(responses->empty());
}

}  // namespace
}  // namespace img2dataset
