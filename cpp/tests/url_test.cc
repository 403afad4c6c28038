#include "fetch/url.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "img2dataset/status.h"

namespace img2dataset {
namespace {

using namespace std::string_literals;

// Parses what must be accepted; a failure names the input and curl's complaint.
HttpUrl MustParse(std::string_view text) {
  Result<HttpUrl> url = ParseHttpUrl(text);
  EXPECT_TRUE(url.ok()) << "'" << text << "': " << url.status().ToString();
  return url.ok() ? std::move(url).value() : HttpUrl{};
}

TEST(UrlTest, HttpUrlWithDefaultPort) {
  const HttpUrl url = MustParse("http://example.com/images/a.jpg");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_EQ(url.port, 80);
  EXPECT_FALSE(url.host_is_ip);
  EXPECT_EQ(url.url, "http://example.com/images/a.jpg");
}

TEST(UrlTest, HttpsUrlWithDefaultPort) {
  const HttpUrl url = MustParse("https://example.com/a.png?size=large");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.url, "https://example.com/a.png?size=large");
}

TEST(UrlTest, SchemeIsCaseInsensitive) {
  EXPECT_EQ(MustParse("HTTP://example.com/").scheme, "http");
  EXPECT_EQ(MustParse("HtTpS://example.com/").scheme, "https");
  EXPECT_EQ(MustParse("HTTPS://example.com/").port, 443);
}

TEST(UrlTest, ExplicitPortOverridesTheDefault) {
  EXPECT_EQ(MustParse("http://example.com:8080/x").port, 8080);
  EXPECT_EQ(MustParse("https://example.com:80/x").port, 80);
  EXPECT_EQ(MustParse("http://example.com:443/x").port, 443);
  EXPECT_EQ(MustParse("http://example.com:65535/x").port, 65535);
  EXPECT_EQ(MustParse("http://example.com:/x").port, 80);  // an empty port is the default
}

TEST(UrlTest, HostIsLowerCasedPathIsNot) {
  const HttpUrl url = MustParse("http://Example.COM/Path/IMG.JPG");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_NE(url.url.find("/Path/IMG.JPG"), std::string::npos) << url.url;
}

TEST(UrlTest, PercentEncodedHostIsDecodedThenLowerCased) {
  EXPECT_EQ(MustParse("http://%45xample.com/").host, "example.com");
}

TEST(UrlTest, InternationalisedHostIsPunycode) {
  // What goes to DNS and into the request line: the ACE form, lower-cased.
  const HttpUrl url = MustParse(
      "http://B\xc3\xbc"
      "cher.DE/x");
  EXPECT_EQ(url.host, "xn--bcher-kva.de");
  EXPECT_EQ(url.url, "http://xn--bcher-kva.de/x");
  EXPECT_EQ(MustParse("https://\xe4\xbe\x8b\xe5\xad\x90.\xe6\xb5\x8b\xe8\xaf\x95/").host,
            "xn--fsqu00a.xn--0zwm56d");
}

TEST(UrlTest, PunycodeHostIsKept) {
  EXPECT_EQ(MustParse("http://xn--bcher-kva.de/x").host, "xn--bcher-kva.de");
}

TEST(UrlTest, HostThatIsNoValidIdnIsInvalid) {
  // An unpaired UTF-8 continuation byte: no domain name at all.
  const Result<HttpUrl> url = ParseHttpUrl(
      "http://b\x80"
      "cher.de/x");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("internationalised domain name"), std::string::npos)
      << url.status().message();
}

TEST(UrlTest, Ipv6LiteralHostLosesItsBrackets) {
  const HttpUrl url = MustParse("http://[::1]:8080/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_TRUE(url.host_is_ip);
  EXPECT_EQ(url.url, "http://[::1]:8080/x");
}

TEST(UrlTest, Ipv6LiteralIsLowerCased) {
  const HttpUrl url = MustParse("http://[::FFFF:127.0.0.1]/");
  EXPECT_EQ(url.host, "::ffff:127.0.0.1");
  EXPECT_TRUE(url.host_is_ip);
}

TEST(UrlTest, Ipv6ZoneIdIsNotPartOfTheHost) {
  const HttpUrl url = MustParse("http://[fe80::1%25eth0]/");
  EXPECT_EQ(url.host, "fe80::1");
  EXPECT_TRUE(url.host_is_ip);
}

TEST(UrlTest, HostIsIpOnlyForAddressLiterals) {
  EXPECT_TRUE(MustParse("http://127.0.0.1/").host_is_ip);
  EXPECT_TRUE(MustParse("http://169.254.169.254/latest/meta-data/").host_is_ip);
  EXPECT_TRUE(MustParse("https://[2001:4860:4860::8888]/").host_is_ip);
  EXPECT_FALSE(MustParse("http://localhost/").host_is_ip);
  EXPECT_FALSE(MustParse("http://example.com/").host_is_ip);
  EXPECT_FALSE(MustParse("http://1.2.3.4.example.com/").host_is_ip);
}

TEST(UrlTest, NumericIpv4FormsAreNormalisedToDottedQuads) {
  // curl rewrites these before connecting, so they are IP literals, not names to resolve.
  for (const char* text : {"http://2130706433/", "http://0x7f.1/", "http://127.1/"}) {
    const HttpUrl url = MustParse(text);
    EXPECT_EQ(url.host, "127.0.0.1") << text;
    EXPECT_TRUE(url.host_is_ip) << text;
  }
}

TEST(UrlTest, UserinfoIsNotTheHost) {
  const HttpUrl url = MustParse("http://trusted.example@127.0.0.1/a.jpg");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_TRUE(url.host_is_ip);
  EXPECT_EQ(MustParse("http://user:pass@example.com:81/").host, "example.com");
}

TEST(UrlTest, SurroundingWhitespaceIsIgnored) {
  const HttpUrl url = MustParse(" \t http://example.com/a.jpg \r\n");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_EQ(url.url, "http://example.com/a.jpg");
}

TEST(UrlTest, SpacesInThePathArePercentEncoded) {
  EXPECT_EQ(MustParse("http://example.com/my image.jpg").url, "http://example.com/my%20image.jpg");
  EXPECT_EQ(MustParse("http://example.com/a b/c d").url, "http://example.com/a%20b/c%20d");
}

TEST(UrlTest, NonAsciiPathIsPercentEncoded) {
  EXPECT_EQ(MustParse("http://example.com/caf\xc3\xa9.jpg").url,
            "http://example.com/caf%c3%a9.jpg");
}

TEST(UrlTest, TargetIsPathAndQueryWithoutFragment) {
  EXPECT_EQ(MustParse("http://example.com/a/b.jpg?x=1&y=2#top").target, "/a/b.jpg?x=1&y=2");
  EXPECT_EQ(MustParse("http://u:p@example.com:8080/a.jpg").target, "/a.jpg");
  EXPECT_EQ(MustParse("http://[::1]:8080/x").target, "/x");
}

TEST(UrlTest, TargetOfBareHostIsSlash) {
  EXPECT_EQ(MustParse("http://example.com").target, "/");
  EXPECT_EQ(MustParse("http://example.com?q=1").target, "/?q=1");
}

TEST(UrlTest, TargetIsEncodedLikeTheUrl) {
  EXPECT_EQ(MustParse("http://example.com/my image.jpg").target, "/my%20image.jpg");
}

TEST(UrlTest, OriginNamesSchemeHostAndPort) {
  EXPECT_EQ(MustParse("https://example.com/a/b.jpg").origin(), "https://example.com:443");
  EXPECT_EQ(MustParse("http://Example.com/").origin(), "http://example.com:80");
  EXPECT_EQ(MustParse("http://example.com:8080/x").origin(), "http://example.com:8080");
  EXPECT_EQ(MustParse("http://[::1]:8080/x").origin(), "http://[::1]:8080");
  EXPECT_EQ(MustParse("https://10.0.0.1/x").origin(), "https://10.0.0.1:443");
}

TEST(UrlTest, OriginIgnoresUserinfoPathQueryAndFragment) {
  EXPECT_EQ(MustParse("https://u:p@example.com/a?b=c#d").origin(), "https://example.com:443");
}

void ExpectInvalid(std::string_view text) {
  const Result<HttpUrl> url = ParseHttpUrl(text);
  ASSERT_FALSE(url.ok()) << "'" << text << "' parsed as " << url->url;
  EXPECT_EQ(url.status().code(), StatusCode::kInvalid) << "'" << text << "'";
  EXPECT_FALSE(url.status().message().empty()) << "'" << text << "'";
}

TEST(UrlTest, EmptyAndBlankAreInvalid) {
  ExpectInvalid("");
  ExpectInvalid("   ");
  ExpectInvalid(" \t\r\n");
  EXPECT_EQ(ParseHttpUrl("   ").status().message(), "empty URL");
}

TEST(UrlTest, OtherSchemesAreInvalid) {
  for (const char* text :
       {"ftp://x/y", "file:///etc/passwd", "data:image/png;base64,AAAA", "javascript:alert(1)",
        "gopher://example.com/", "ws://example.com/", "httpx://example.com/"}) {
    ExpectInvalid(text);
  }
  EXPECT_EQ(ParseHttpUrl("ftp://x/y").status().message(),
            "unsupported URL scheme 'ftp' (only http and https)");
  EXPECT_EQ(ParseHttpUrl("file:///etc/passwd").status().message(),
            "unsupported URL scheme 'file' (only http and https)");
}

TEST(UrlTest, UrlWithoutHostIsInvalid) {
  ExpectInvalid("http://");
  ExpectInvalid("https://");
  ExpectInvalid("http://:80/");
}

TEST(UrlTest, TextWithoutSchemeIsInvalid) {
  ExpectInvalid("not a url");
  ExpectInvalid("example.com/a.jpg");  // no scheme is guessed
  ExpectInvalid("//example.com/a.jpg");
  ExpectInvalid("/images/a.jpg");
}

TEST(UrlTest, SpaceInTheHostIsInvalid) {
  // curl refuses it ("Bad hostname") rather than encoding it: a host cannot contain a space.
  ExpectInvalid("http://exa mple.com/");
  ExpectInvalid("http://exa%20mple.com/");
  ExpectInvalid("http://example.com\t/");
}

// Regression, found by the url fuzzer: "%7f" was decoded into the host, and the normalised URL
// was one curl refuses.
TEST(UrlTest, PercentEncodedControlCharacterInTheHostIsInvalid) {
  ExpectInvalid("http://%7fq.example/");
  ExpectInvalid("http:/%7fq.\xab");
}

TEST(UrlTest, MalformedPortIsInvalid) {
  ExpectInvalid("http://example.com:65536/");
  ExpectInvalid("http://example.com:99999999999999999999/");
  ExpectInvalid("http://example.com:80x/");
  ExpectInvalid("http://example.com:-1/");
}

TEST(UrlTest, MalformedIpv6LiteralIsInvalid) {
  ExpectInvalid("http://[::1/");
  ExpectInvalid("http://[::g]/");
  ExpectInvalid("http://[127.0.0.1]/");
}

TEST(UrlTest, UrlLongerThanTheLimitIsInvalid) {
  const std::string prefix = "http://example.com/";
  const std::string at_limit = prefix + std::string(kMaxUrlBytes - prefix.size(), 'a');
  EXPECT_TRUE(ParseHttpUrl(at_limit).ok());
  const Result<HttpUrl> over = ParseHttpUrl(at_limit + "a");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "URL of 65537 bytes is longer than the limit of 65536 bytes");
}

TEST(UrlTest, EmbeddedNulIsInvalid) {
  // Regression: curl reads a C string, so everything after the NUL was dropped silently and
  // "http://example.com/a.jpg\0..." was fetched as http://example.com/a.jpg.
  ExpectInvalid("http://example.com/a.jpg\0.html"s);
  ExpectInvalid("http://example.com\0@evil.example/"s);
  ExpectInvalid("\0"s);
}

}  // namespace
}  // namespace img2dataset
