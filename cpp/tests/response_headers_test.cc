#include "fetch/response_headers.h"

#include <gtest/gtest.h>

#include <ctime>
#include <initializer_list>
#include <string>
#include <string_view>

#include "fetch/opt_out.h"

namespace img2dataset {
namespace {

constexpr std::time_t kNow = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT

// The head after feeding `lines` (each gets its CRLF); `ended` counts blank lines seen.
ResponseHead Parse(std::initializer_list<std::string_view> lines, int* ended = nullptr,
                   const OptOutPolicy* opt_out = nullptr) {
  ResponseHeaderParser parser(opt_out);
  int blanks = 0;
  for (const std::string_view line : lines) {
    if (parser.Feed(std::string(line) + "\r\n", kNow)) ++blanks;
  }
  if (ended != nullptr) *ended = blanks;
  return parser.head();
}

TEST(StatusLineTest, ReadsCodeAndReason) {
  long status = 0;
  std::string reason;
  ASSERT_TRUE(ParseStatusLine("HTTP/1.1 404 Not Found\r\n", &status, &reason));
  EXPECT_EQ(status, 404);
  EXPECT_EQ(reason, "Not Found");
  ASSERT_TRUE(ParseStatusLine("HTTP/2 200\r\n", &status, &reason));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(reason, "");
}

TEST(StatusLineTest, RefusesWhatIsNotOne) {
  long status = 7;
  std::string reason;
  for (const std::string_view line :
       {"Content-Length: 5", "HTTP/1.1", "HTTP/1.1 20", "HTTP/1.1 2x0 OK", "HTTP/1.1 2000 OK",
        "http/1.1 200 OK", "HTTP/1.1 -20 OK", ""}) {
    EXPECT_FALSE(ParseStatusLine(line, &status, &reason)) << line;
  }
  EXPECT_EQ(status, 7);
}

TEST(ContentLengthTest, DigitsOnlyWithinRange) {
  EXPECT_EQ(ParseContentLength("0"), 0);
  EXPECT_EQ(ParseContentLength(" 1234 "), 1234);
  EXPECT_EQ(ParseContentLength("9223372036854775807"), INT64_MAX);
  for (const std::string_view value :
       {"", "-1", "+5", "12abc", "1.5", "0x10", "9223372036854775808", "1 2", "abc"}) {
    EXPECT_EQ(ParseContentLength(value), -1) << value;
  }
}

TEST(RetryAfterTest, SecondsOrDate) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), 120);
  EXPECT_EQ(ParseRetryAfter("0", kNow), 0);
  EXPECT_EQ(ParseRetryAfter("1.5", kNow), 1.5);
  EXPECT_EQ(ParseRetryAfter("-3", kNow), 0);  // in the past: now
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:30:00 GMT", kNow), 120);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", kNow), 0);
  for (const std::string_view value : {"", "soon", "inf", "nan", "1e999", "0x10", "12 s"}) {
    EXPECT_EQ(ParseRetryAfter(value, kNow), -1) << value;
  }
}

TEST(ResponseHeaderParserTest, ReadsTheFieldsTheNetworkActsOn) {
  int ended = 0;
  const ResponseHead head = Parse({"HTTP/1.1 429 Too Many Requests", "content-LENGTH: 17",
                                   "Retry-After: 30", "Content-Encoding: GZIP", "X-Other: 1", ""},
                                  &ended);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(head.status, 429);
  EXPECT_EQ(head.reason, "Too Many Requests");
  EXPECT_EQ(head.content_length, 17);
  EXPECT_EQ(head.retry_after_s, 30);
  EXPECT_EQ(head.content_encoding, "gzip");
  EXPECT_FALSE(head.opted_out);
}

TEST(ResponseHeaderParserTest, EachResponseStartsAfresh) {
  // A redirect's headers, then the target's: nothing of the first survives.
  int ended = 0;
  const ResponseHead head = Parse({"HTTP/1.1 302 Found", "Content-Length: 5", "Retry-After: 9",
                                   "Location: /b", "", "HTTP/1.1 200 OK", ""},
                                  &ended);
  EXPECT_EQ(ended, 2);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.content_length, -1);
  EXPECT_EQ(head.retry_after_s, 0);
}

TEST(ResponseHeaderParserTest, MalformedValuesAreIgnored) {
  const ResponseHead head =
      Parse({"HTTP/1.1 200 OK", "Content-Length: 5", "Content-Length: lots", "Retry-After: 7",
             "Retry-After: whenever", "no colon here", ": empty name", ""});
  EXPECT_EQ(head.content_length, -1);  // the last one counts, and it is no number
  EXPECT_EQ(head.retry_after_s, 7);    // an unreadable Retry-After leaves the earlier one
}

TEST(ResponseHeaderParserTest, XRobotsTagOptOut) {
  const OptOutPolicy policy({"noai", "noimageai"}, "img2dataset");
  EXPECT_TRUE(Parse({"HTTP/1.1 200 OK", "X-Robots-Tag: noai", ""}, nullptr, &policy).opted_out);
  EXPECT_TRUE(
      Parse({"HTTP/1.1 200 OK", "x-robots-tag: img2dataset: noimageai", ""}, nullptr, &policy)
          .opted_out);
  EXPECT_FALSE(
      Parse({"HTTP/1.1 200 OK", "X-Robots-Tag: otherbot: noai", ""}, nullptr, &policy).opted_out);
  EXPECT_FALSE(Parse({"HTTP/1.1 200 OK", "X-Robots-Tag: noai", ""}).opted_out);  // no policy
}

}  // namespace
}  // namespace img2dataset
