#include "fetch/robots_txt.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace img2dataset {
namespace {

using namespace std::string_literals;

// Hostile bodies must stay cheap. Sanitizer builds (Debug, instrumented) are many times slower, so
// they get more: what is caught is the quadratic or exponential case, which takes far longer.
#if defined(__SANITIZE_ADDRESS__)
constexpr auto kHostileBudget = std::chrono::milliseconds(5000);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr auto kHostileBudget = std::chrono::milliseconds(5000);
#else
constexpr auto kHostileBudget = std::chrono::milliseconds(100);
#endif
#else
constexpr auto kHostileBudget = std::chrono::milliseconds(100);
#endif

// Parses `body` and asks whether "img2dataset" may fetch `path`.
bool Allowed(std::string_view body, std::string_view path,
             std::string_view user_agent_token = "img2dataset") {
  return RobotsTxt::Parse(body).Allowed(user_agent_token, path);
}

// Runs `f`, returning how long it took.
template <typename F>
std::chrono::nanoseconds TimeOf(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::steady_clock::now() - start;
}

// RFC 9309 §5.1.
constexpr std::string_view kRfcExample =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

TEST(RobotsTxtTest, RfcExampleUnknownCrawlerObeysTheGlobalGroup) {
  const RobotsTxt robots = RobotsTxt::Parse(kRfcExample);
  EXPECT_FALSE(robots.Allowed("otherbot", "/example/page.html"));
  EXPECT_FALSE(robots.Allowed("otherbot", "/images/cat.gif"));
  EXPECT_TRUE(robots.Allowed("otherbot", "/images/cat.gif?size=large"));
  EXPECT_TRUE(robots.Allowed("otherbot", "/publications/"));
  EXPECT_TRUE(robots.Allowed("otherbot", "/index.html"));
}

TEST(RobotsTxtTest, RfcExampleNamedCrawlersObeyOnlyTheirGroup) {
  const RobotsTxt robots = RobotsTxt::Parse(kRfcExample);
  EXPECT_FALSE(robots.Allowed("foobot", "/index.html"));
  EXPECT_TRUE(robots.Allowed("foobot", "/example/page.html"));
  EXPECT_TRUE(robots.Allowed("foobot", "/example/allowed.gif"));
  EXPECT_FALSE(robots.Allowed("foobot", "/example/other.gif"));

  for (const char* bot : {"barbot", "bazbot"}) {
    EXPECT_FALSE(robots.Allowed(bot, "/example/page.html")) << bot;
    EXPECT_TRUE(robots.Allowed(bot, "/example/other.html")) << bot;
    EXPECT_TRUE(robots.Allowed(bot, "/images/cat.gif")) << bot;
  }
}

TEST(RobotsTxtTest, NamedGroupWithoutRulesAllowsEverything) {
  // quxbot's group is empty: it does not fall back to the "*" group.
  const RobotsTxt robots = RobotsTxt::Parse(kRfcExample);
  EXPECT_TRUE(robots.Allowed("quxbot", "/example/page.html"));
  EXPECT_TRUE(robots.Allowed("quxbot", "/images/cat.gif"));
}

TEST(RobotsTxtTest, LongestMatchingPatternWins) {
  // RFC 9309 §5.2.
  constexpr std::string_view kBody =
      "User-Agent: img2dataset\n"
      "Allow: /example/page/\n"
      "Disallow: /example/page/disallowed.gif\n";
  EXPECT_TRUE(Allowed(kBody, "/example/page/"));
  EXPECT_TRUE(Allowed(kBody, "/example/page/other.gif"));
  EXPECT_FALSE(Allowed(kBody, "/example/page/disallowed.gif"));

  EXPECT_TRUE(Allowed("User-agent: *\nAllow: /p\nDisallow: /\n", "/page"));
  EXPECT_FALSE(Allowed("User-agent: *\nAllow: /page\nDisallow: /*.htm\n", "/page.htm"));
  EXPECT_TRUE(Allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "/"));
  EXPECT_FALSE(Allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "/page.htm"));
}

TEST(RobotsTxtTest, AllowWinsATieWithDisallow) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /folder\nAllow: /folder\n", "/folder/page"));
  EXPECT_TRUE(Allowed("User-agent: *\nAllow: /folder\nDisallow: /folder\n", "/folder/page"));
  // Equal length, different patterns.
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /*.gif\nAllow: /a*gif\n", "/a.gif"));
}

TEST(RobotsTxtTest, PatternIsAPrefixOfThePath) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /fish\n";
  for (const char* path :
       {"/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fish.php?id=anything"}) {
    EXPECT_FALSE(Allowed(kBody, path)) << path;
  }
  for (const char* path : {"/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"}) {
    EXPECT_TRUE(Allowed(kBody, path)) << path;
  }
}

TEST(RobotsTxtTest, TrailingWildcardChangesNothing) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /fish*\n";
  for (const char* path : {"/fish", "/fish.html", "/fishheads/yummy.html"}) {
    EXPECT_FALSE(Allowed(kBody, path)) << path;
  }
  EXPECT_TRUE(Allowed(kBody, "/Fish.html"));
  EXPECT_TRUE(Allowed(kBody, "/catfish"));
}

TEST(RobotsTxtTest, TrailingSlashPatternDoesNotMatchSiblingFile) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /fish/\n";
  for (const char* path : {"/fish/", "/fish/?id=anything", "/fish/salmon.htm"}) {
    EXPECT_FALSE(Allowed(kBody, path)) << path;
  }
  for (const char* path : {"/fish", "/fish.html", "/animals/fish/", "/Fish/Salmon.asp"}) {
    EXPECT_TRUE(Allowed(kBody, path)) << path;
  }
}

TEST(RobotsTxtTest, WildcardMatchesAnySequence) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /*.php\nDisallow: /fish*.png\n";
  for (const char* path :
       {"/index.php", "/folder/filename.php?parameters", "/folder/any.php.file.html",
        "/filename.php/", "/fish.png", "/fishheads/catfish.png?parameters"}) {
    EXPECT_FALSE(Allowed(kBody, path)) << path;
  }
  for (const char* path : {"/", "/windows.PHP", "/Fish.png", "/php"}) {
    EXPECT_TRUE(Allowed(kBody, path)) << path;
  }
}

TEST(RobotsTxtTest, DollarAnchorsThePatternToTheEndOfThePath) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /*.php$\nDisallow: /exact$\n";
  for (const char* path : {"/filename.php", "/folder/filename.php", "/exact"}) {
    EXPECT_FALSE(Allowed(kBody, path)) << path;
  }
  for (const char* path : {"/filename.php?parameters", "/filename.php/", "/filename.php5",
                           "/windows.PHP", "/exact/", "/exactly"}) {
    EXPECT_TRUE(Allowed(kBody, path)) << path;
  }
}

TEST(RobotsTxtTest, DollarBeforeTheEndIsALiteral) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /a$b\n";
  EXPECT_FALSE(Allowed(kBody, "/a$b"));
  EXPECT_FALSE(Allowed(kBody, "/a$bc"));
  EXPECT_TRUE(Allowed(kBody, "/a"));
  EXPECT_TRUE(Allowed(kBody, "/ab"));
}

TEST(RobotsTxtTest, QueryIsPartOfTheMatchedPath) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /*?session=\n";
  EXPECT_FALSE(Allowed(kBody, "/page?session=42"));
  EXPECT_TRUE(Allowed(kBody, "/page?id=42"));
  EXPECT_TRUE(Allowed(kBody, "/page"));
}

TEST(RobotsTxtTest, EmptyDisallowAllowsEverything) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow:\n", "/anything"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: # nothing\n", "/anything"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow:   \n", "/"));
}

TEST(RobotsTxtTest, EmptyDisallowStillEndsTheUserAgentList) {
  constexpr std::string_view kBody =
      "User-agent: img2dataset\nDisallow:\nUser-agent: otherbot\nDisallow: /\n";
  EXPECT_TRUE(Allowed(kBody, "/page", "img2dataset"));
  EXPECT_FALSE(Allowed(kBody, "/page", "otherbot"));
}

TEST(RobotsTxtTest, RobotsTxtItselfIsAlwaysAllowed) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /\n";
  EXPECT_TRUE(Allowed(kBody, "/robots.txt"));
  EXPECT_TRUE(Allowed(kBody, "/robots.txt?v=2"));
  EXPECT_FALSE(Allowed(kBody, "/robots.txt.bak"));
  EXPECT_FALSE(Allowed(kBody, "/ROBOTS.TXT"));
  EXPECT_TRUE(RobotsTxt::DisallowAll().Allowed("img2dataset", "/robots.txt"));
}

TEST(RobotsTxtTest, EmptyPathIsTheRoot) {
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /$\n", ""));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a\n", ""));
}

TEST(RobotsTxtTest, SpecificGroupReplacesTheGlobalGroup) {
  constexpr std::string_view kBody =
      "User-agent: *\nDisallow: /\n\nUser-agent: img2dataset\nDisallow: /private\n";
  EXPECT_TRUE(Allowed(kBody, "/public", "img2dataset"));
  EXPECT_FALSE(Allowed(kBody, "/private", "img2dataset"));
  EXPECT_FALSE(Allowed(kBody, "/public", "otherbot"));
}

TEST(RobotsTxtTest, UserAgentMatchingIsCaseInsensitive) {
  constexpr std::string_view kBody = "User-agent: IMG2DATASET\nDisallow: /a\n";
  EXPECT_FALSE(Allowed(kBody, "/a", "img2dataset"));
  EXPECT_FALSE(Allowed(kBody, "/a", "Img2Dataset"));
}

TEST(RobotsTxtTest, UserAgentValueMatchesByItsLeadingProductToken) {
  EXPECT_FALSE(Allowed("User-agent: img2dataset/1.0\nDisallow: /a\n", "/a"));
  EXPECT_FALSE(Allowed("User-agent: img2dataset (+https://x.org)\nDisallow: /a\n", "/a"));
  // Neither a longer token nor a prefix of the token is the token.
  EXPECT_TRUE(Allowed("User-agent: img2dataset-beta\nDisallow: /a\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: img2datasetbot\nDisallow: /a\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: img2data\nDisallow: /a\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: my-img2dataset\nDisallow: /a\n", "/a"));
}

TEST(RobotsTxtTest, AllGroupsNamingTheTokenAreCombined) {
  // RFC 9309 §2.2.1.
  constexpr std::string_view kBody =
      "user-agent: img2dataset\ndisallow: /foo\ndisallow: /bar\n\n"
      "user-agent: otherbot\ndisallow: /other\n\n"
      "user-agent: img2dataset\ndisallow: /baz\n";
  EXPECT_FALSE(Allowed(kBody, "/foo"));
  EXPECT_FALSE(Allowed(kBody, "/bar"));
  EXPECT_FALSE(Allowed(kBody, "/baz"));
  EXPECT_TRUE(Allowed(kBody, "/other"));
}

TEST(RobotsTxtTest, AllGlobalGroupsAreCombined) {
  constexpr std::string_view kBody =
      "User-agent: *\nDisallow: /a\n\nUser-agent: otherbot\nDisallow: /b\n\n"
      "User-agent: *\nDisallow: /c\nAllow: /a/public\n";
  EXPECT_FALSE(Allowed(kBody, "/a"));
  EXPECT_TRUE(Allowed(kBody, "/b"));
  EXPECT_FALSE(Allowed(kBody, "/c"));
  EXPECT_TRUE(Allowed(kBody, "/a/public"));
}

TEST(RobotsTxtTest, ConsecutiveUserAgentLinesShareOneGroup) {
  constexpr std::string_view kBody =
      "User-agent: otherbot\nUser-agent: img2dataset\nDisallow: /x\n";
  EXPECT_FALSE(Allowed(kBody, "/x", "img2dataset"));
  EXPECT_FALSE(Allowed(kBody, "/x", "otherbot"));
  EXPECT_TRUE(Allowed(kBody, "/x", "thirdbot"));
}

TEST(RobotsTxtTest, UserAgentAfterRulesStartsANewGroup) {
  constexpr std::string_view kBody =
      "User-agent: img2dataset\nDisallow: /a\nUser-agent: otherbot\nDisallow: /b\n";
  EXPECT_FALSE(Allowed(kBody, "/a"));
  EXPECT_TRUE(Allowed(kBody, "/b"));
  EXPECT_TRUE(Allowed(kBody, "/a", "otherbot"));
}

TEST(RobotsTxtTest, NoMatchingGroupAllowsEverything) {
  EXPECT_TRUE(Allowed("User-agent: otherbot\nDisallow: /\n", "/page"));
  EXPECT_TRUE(Allowed("", "/page"));
  EXPECT_TRUE(Allowed("\n\n# only comments\n", "/page"));
}

TEST(RobotsTxtTest, EmptyTokenObeysOnlyGlobalGroups) {
  constexpr std::string_view kBody =
      "User-agent: *\nDisallow: /a\n\nUser-agent: img2dataset\nDisallow: /b\n\n"
      "User-agent:\nDisallow: /c\n";
  EXPECT_FALSE(Allowed(kBody, "/a", ""));
  EXPECT_TRUE(Allowed(kBody, "/b", ""));
  EXPECT_TRUE(Allowed(kBody, "/c", ""));
}

TEST(RobotsTxtTest, StarMustStandAloneToNameEveryCrawler) {
  EXPECT_FALSE(Allowed("User-agent: * # everyone\nDisallow: /a\n", "/a"));
  EXPECT_FALSE(Allowed("User-agent: * extra words\nDisallow: /a\n", "/a"));
  EXPECT_TRUE(Allowed("User-agent: *bot\nDisallow: /a\n", "/a"));
}

TEST(RobotsTxtTest, KeysAreCaseInsensitiveAndWhitespaceIsTrimmed) {
  constexpr std::string_view kBody = "  USER-AGENT  :\timg2dataset  \n\tDisAllow :  /private \t\n";
  EXPECT_FALSE(Allowed(kBody, "/private"));
  EXPECT_TRUE(Allowed(kBody, "/public"));
}

TEST(RobotsTxtTest, CommentsAreIgnored) {
  constexpr std::string_view kBody =
      "# robots.txt for example.com\n"
      "User-agent: * # everyone\n"
      "   # indented comment\n"
      "Disallow: /a # trailing comment\n"
      "Disallow: /b#c\n"
      "# Disallow: /d\n";
  EXPECT_FALSE(Allowed(kBody, "/a"));
  EXPECT_FALSE(Allowed(kBody, "/b"));
  EXPECT_TRUE(Allowed(kBody, "/d"));
  EXPECT_TRUE(Allowed(kBody, "/c"));
}

TEST(RobotsTxtTest, CrlfAndCrLineEndsAreAccepted) {
  EXPECT_FALSE(Allowed("User-agent: *\r\nDisallow: /a\r\nDisallow: /b\r\n", "/b"));
  EXPECT_FALSE(Allowed("User-agent: *\rDisallow: /a\rDisallow: /b", "/b"));
  EXPECT_FALSE(Allowed("User-agent: *\n\rDisallow: /a\r\r\nDisallow: /b", "/b"));
  // A CR ends the pattern: it is not part of it.
  EXPECT_FALSE(Allowed("User-agent: *\r\nDisallow: /a$\r\n", "/a"));
}

TEST(RobotsTxtTest, LeadingUtf8BomIsIgnored) {
  EXPECT_FALSE(Allowed("\xEF\xBB\xBFUser-agent: *\nDisallow: /a\n", "/a"));
  EXPECT_FALSE(Allowed("\xEF\xBB\xBF\r\nUser-agent: *\r\nDisallow: /a\r\n", "/a"));
}

TEST(RobotsTxtTest, UnknownKeysDoNotEndTheGroup) {
  constexpr std::string_view kBody =
      "User-agent: img2dataset\n"
      "Crawl-delay: 10\n"
      "User-agent: otherbot\n"
      "Sitemap: https://example.com/sitemap.xml\n"
      "Disallow: /a\n"
      "Crawl-delay: 5\n"
      "Disalow: /typo\n"
      "Disallow: /b\n";
  for (const char* bot : {"img2dataset", "otherbot"}) {
    EXPECT_FALSE(Allowed(kBody, "/a", bot)) << bot;
    EXPECT_FALSE(Allowed(kBody, "/b", bot)) << bot;
    EXPECT_TRUE(Allowed(kBody, "/typo", bot)) << bot;
  }
}

TEST(RobotsTxtTest, RulesBeforeAnyUserAgentAreIgnored) {
  constexpr std::string_view kBody = "Disallow: /a\nAllow: /b\nUser-agent: *\nDisallow: /b\n";
  EXPECT_TRUE(Allowed(kBody, "/a"));
  EXPECT_FALSE(Allowed(kBody, "/b"));
}

TEST(RobotsTxtTest, LinesWithoutColonAreIgnored) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow /a\n: /b\nDisallow: /c\n";
  EXPECT_TRUE(Allowed(kBody, "/a"));
  EXPECT_TRUE(Allowed(kBody, "/b"));
  EXPECT_FALSE(Allowed(kBody, "/c"));
}

TEST(RobotsTxtTest, PercentEscapesAreCaseInsensitive) {
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /a%3cb\nDisallow: /c%3Cd\n";
  EXPECT_FALSE(Allowed(kBody, "/a%3Cb"));
  EXPECT_FALSE(Allowed(kBody, "/a%3cb"));
  EXPECT_FALSE(Allowed(kBody, "/c%3cd"));
  EXPECT_TRUE(Allowed(kBody, "/a%3db"));
}

TEST(RobotsTxtTest, EscapedUnreservedCharactersEqualTheirLiteralForm) {
  // RFC 9309 §2.2.2: "/foo/bar/%62%61%7A" is matched as "/foo/bar/baz".
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /foo/bar/baz\n", "/foo/bar/%62%61%7a"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /~user\n", "/%7Euser/page"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /%2D%2E%5F\n", "/-._"));
}

TEST(RobotsTxtTest, EscapedReservedCharactersAreNotDecoded) {
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a/b\n", "/a%2Fb"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a%2Fb\n", "/a/b"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%2Fb\n", "/a%2fb"));
  // An escaped '*' or '$' in a pattern is a literal, not a wildcard or an anchor.
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /a%2Ab\n", "/axb"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%2Ab\n", "/a%2ab"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%24\n", "/a%24/more"));
}

TEST(RobotsTxtTest, Utf8PatternMatchesItsPercentEncodedForm) {
  // RFC 9309 §2.2.2: "/foo/bar/ツ" is matched as "/foo/bar/%E3%83%84".
  constexpr std::string_view kBody = "User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n";
  EXPECT_FALSE(Allowed(kBody, "/foo/bar/%E3%83%84"));
  EXPECT_FALSE(Allowed(kBody, "/foo/bar/%e3%83%84"));
  EXPECT_FALSE(Allowed(kBody, "/foo/bar/\xE3\x83\x84"));
  EXPECT_TRUE(Allowed(kBody, "/foo/bar/%E3%83"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "/foo/bar/\xE3\x83\x84"));
}

TEST(RobotsTxtTest, StrayPercentSignIsALiteralPercent) {
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /100%\n", "/100%25"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /100%25\n", "/100%"));
  EXPECT_FALSE(Allowed("User-agent: *\nDisallow: /a%g1\n", "/a%25g1"));
  EXPECT_TRUE(Allowed("User-agent: *\nDisallow: /100%\n", "/100"));
}

TEST(RobotsTxtTest, AllowAllAllowsEverything) {
  const RobotsTxt robots = RobotsTxt::AllowAll();
  EXPECT_TRUE(robots.Allowed("img2dataset", "/"));
  EXPECT_TRUE(robots.Allowed("img2dataset", "/private/page?x=1"));
  EXPECT_TRUE(robots.Allowed("", "/private"));
}

TEST(RobotsTxtTest, DisallowAllDisallowsEverythingForEveryCrawler) {
  const RobotsTxt robots = RobotsTxt::DisallowAll();
  EXPECT_FALSE(robots.Allowed("img2dataset", "/"));
  EXPECT_FALSE(robots.Allowed("img2dataset", "/page?x=1"));
  EXPECT_FALSE(robots.Allowed("", "/page"));
  EXPECT_FALSE(robots.Allowed("otherbot", ""));
}

TEST(RobotsTxtTest, BodyBeyond500KiBIsIgnored) {
  std::string body = "User-agent: *\nDisallow: /early\n";
  while (body.size() < RobotsTxt::kMaxBodyBytes) body += "# padding padding padding padding\n";
  for (int i = 0; i < 500'000; ++i) body += "Disallow: /late\n";  // 8 MB past the limit
  bool early = true;
  bool late = false;
  const auto elapsed = TimeOf([&] {
    const RobotsTxt robots = RobotsTxt::Parse(body);
    early = robots.Allowed("img2dataset", "/early");
    late = robots.Allowed("img2dataset", "/late");
  });
  EXPECT_FALSE(early);
  EXPECT_TRUE(late);
  EXPECT_LT(elapsed, kHostileBudget);
}

// A body of `prefix`, a comment line, then `line` starting `offset` octets before the size limit.
std::string BodyWithLineAt(std::string_view prefix, std::string_view line, std::size_t offset) {
  std::string body(prefix);
  body += '#';
  body.append(RobotsTxt::kMaxBodyBytes - offset - body.size() - 1, 'x');
  body += '\n';
  body += line;
  return body;
}

TEST(RobotsTxtTest, LineCutByTheSizeLimitIsIgnored) {
  // Cut after "Disallow: /", the line would forbid everything.
  const std::string body =
      BodyWithLineAt("User-agent: *\n", "Disallow: /private\nDisallow: /late\n", 11);
  ASSERT_EQ(body.substr(RobotsTxt::kMaxBodyBytes - 11, 11), "Disallow: /");
  EXPECT_TRUE(Allowed(body, "/public"));
  EXPECT_TRUE(Allowed(body, "/private"));
}

TEST(RobotsTxtTest, LineEndingExactlyAtTheSizeLimitIsKept) {
  const std::string crlf = BodyWithLineAt("User-agent: *\n", "Disallow: /private\r\n", 18);
  EXPECT_FALSE(Allowed(crlf, "/private"));
  EXPECT_TRUE(Allowed(crlf, "/public"));
  const std::string cr = BodyWithLineAt("User-agent: *\n", "Disallow: /private\r", 19);
  EXPECT_FALSE(Allowed(cr, "/private"));
  const std::string unterminated = BodyWithLineAt("User-agent: *\n", "Disallow: /private", 18);
  EXPECT_FALSE(Allowed(unterminated, "/private"));
}

TEST(RobotsTxtTest, TenThousandStarsMatchQuickly) {
  const std::string body = "User-agent: *\nDisallow: /" + std::string(10'000, '*') + "x$\n";
  const std::string long_path = "/" + std::string(10'000, 'a');
  bool matching = true;
  bool other = false;
  const auto elapsed = TimeOf([&] {
    const RobotsTxt robots = RobotsTxt::Parse(body);
    matching = robots.Allowed("img2dataset", long_path + "x");
    other = robots.Allowed("img2dataset", long_path + "y");
  });
  EXPECT_FALSE(matching);
  EXPECT_TRUE(other);
  EXPECT_LT(elapsed, kHostileBudget);
}

TEST(RobotsTxtTest, AlternatingWildcardsDoNotBacktrack) {
  // A backtracking matcher tries every split of the a's among the stars before giving up.
  std::string pattern = "/";
  for (int i = 0; i < 5'000; ++i) pattern += "*a";
  pattern += "*b";
  const std::string body = "User-agent: *\nDisallow: " + pattern + "\n";
  const std::string path = "/" + std::string(15'000, 'a');
  bool allowed = false;
  bool disallowed = true;
  const auto elapsed = TimeOf([&] {
    const RobotsTxt robots = RobotsTxt::Parse(body);
    allowed = robots.Allowed("img2dataset", path);
    disallowed = robots.Allowed("img2dataset", path + "b");
  });
  EXPECT_TRUE(allowed);
  EXPECT_FALSE(disallowed);
  EXPECT_LT(elapsed, kHostileBudget);
}

TEST(RobotsTxtTest, LongLiteralAfterWildcardIsSearchedInLinearTime) {
  // A naive substring search compares ~16,000 octets at each of ~180,000 offsets, for each rule.
  const std::string rule = "Disallow: /*" + std::string(16'000, 'a') + "b\n";
  std::string body = "User-agent: *\n";
  while (body.size() + rule.size() < RobotsTxt::kMaxBodyBytes) body += rule;
  const std::string path = "/" + std::string(200'000, 'a');
  bool allowed = false;
  const auto elapsed = TimeOf([&] { allowed = Allowed(body, path); });
  EXPECT_TRUE(allowed);
  EXPECT_FALSE(Allowed(body, path + "b"));
  EXPECT_LT(elapsed, kHostileBudget);
}

TEST(RobotsTxtTest, VeryLongLineIsTruncatedNotRejected) {
  const std::string body =
      "User-agent: *\nDisallow: /" + std::string(400'000, 'a') + "\nDisallow: /after\n";
  bool short_path = false;
  bool long_path = true;
  bool after = true;
  const auto elapsed = TimeOf([&] {
    const RobotsTxt robots = RobotsTxt::Parse(body);
    short_path = robots.Allowed("img2dataset", "/aaaa");
    long_path = robots.Allowed("img2dataset", "/" + std::string(RobotsTxt::kMaxLineBytes, 'a'));
    after = robots.Allowed("img2dataset", "/after");
  });
  EXPECT_TRUE(short_path);
  EXPECT_FALSE(long_path);
  EXPECT_FALSE(after);
  EXPECT_LT(elapsed, kHostileBudget);
}

TEST(RobotsTxtTest, BinaryJunkIsIgnored) {
  std::string body;
  std::uint32_t state = 12345;  // fixed seed: the same junk on every run
  for (int i = 0; i < 400'000; ++i) {
    state = state * 1664525u + 1013904223u;
    body += static_cast<char>(state >> 24);
  }
  body += "\nUser-agent: *\nDisallow: /x\n";
  bool x = true;
  bool y = false;
  const auto elapsed = TimeOf([&] {
    const RobotsTxt robots = RobotsTxt::Parse(body);
    x = robots.Allowed("img2dataset", "/x");
    y = robots.Allowed("img2dataset", "/y");
    robots.Allowed("img2dataset", "/" + body.substr(0, 20'000));
  });
  EXPECT_FALSE(x);
  EXPECT_TRUE(y);
  EXPECT_LT(elapsed, kHostileBudget);
}

TEST(RobotsTxtTest, NulBytesAreOrdinaryOctets) {
  const std::string body = "User-agent: *\nDisallow: /a\0b\n\0\0\0\nDisallow: /c\n"s;
  EXPECT_FALSE(Allowed(body, "/a\0b"s));
  EXPECT_FALSE(Allowed(body, "/a%00b"));
  EXPECT_TRUE(Allowed(body, "/ab"));
  EXPECT_FALSE(Allowed(body, "/c"));
  EXPECT_TRUE(Allowed(body, "/\0"s));
}

TEST(RobotsTxtTest, ManyWildcardRulesAgainstALongPathStayFast) {
  std::string body = "User-agent: *\n";
  while (body.size() < RobotsTxt::kMaxBodyBytes - 32) body += "Allow: *a*b*c\n";
  body += "Disallow: /\n";
  const std::string path = "/" + std::string(1'000, 'a');
  bool allowed = true;
  const auto elapsed = TimeOf([&] { allowed = Allowed(body, path); });
  EXPECT_FALSE(allowed);
  EXPECT_LT(elapsed, kHostileBudget);
}

TEST(RobotsTxtTest, ManyUserAgentLinesStayFast) {
  std::string body;
  while (body.size() < RobotsTxt::kMaxBodyBytes) body += "User-agent: bot\nDisallow: /a\n";
  bool allowed = false;
  const auto elapsed = TimeOf([&] { allowed = Allowed(body, "/a"); });
  EXPECT_TRUE(allowed);
  EXPECT_FALSE(Allowed(body, "/a", "bot"));
  EXPECT_LT(elapsed, kHostileBudget);
}

}  // namespace
}  // namespace img2dataset
