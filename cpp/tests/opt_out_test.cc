#include "fetch/opt_out.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/strings.h"

namespace img2dataset {
namespace {

const std::vector<std::string> kDefaultDirectives = {"noai", "noimageai", "noindex",
                                                     "noimageindex"};

TEST(OptOutPolicyTest, NoaiDisallows) {
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_TRUE(policy.Disallows("noai"));
  EXPECT_TRUE(policy.Disallows("noimageai"));
  EXPECT_TRUE(policy.Disallows("noimageindex"));
}

TEST(OptOutPolicyTest, DirectivesAreCaseInsensitive) {
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_TRUE(policy.Disallows("NoAI"));
  EXPECT_TRUE(policy.Disallows("NOINDEX"));
}

TEST(OptOutPolicyTest, AnyDirectiveOfACommaSeparatedListDisallows) {
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_TRUE(policy.Disallows("noindex, nofollow"));
  EXPECT_TRUE(policy.Disallows("nofollow,noindex"));
  EXPECT_TRUE(policy.Disallows("  nofollow ,\tnoai  "));
}

TEST(OptOutPolicyTest, PermissiveDirectivesAreAllowed) {
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_FALSE(policy.Disallows("all"));
  EXPECT_FALSE(policy.Disallows("nofollow, noarchive"));
  EXPECT_FALSE(policy.Disallows(""));
  EXPECT_FALSE(policy.Disallows(" , ,"));
}

TEST(OptOutPolicyTest, DirectiveMustMatchWholeNotAsSubstring) {
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_FALSE(policy.Disallows("noaix"));
  EXPECT_FALSE(policy.Disallows("xnoai"));
  EXPECT_FALSE(policy.Disallows("no ai"));
}

TEST(OptOutPolicyTest, AgentScopedHeaderAppliesOnlyToConfiguredToken) {
  const OptOutPolicy policy(kDefaultDirectives, "img2dataset");
  EXPECT_TRUE(policy.Disallows("img2dataset: noai"));
  EXPECT_TRUE(policy.Disallows("IMG2DATASET: noai"));
  EXPECT_TRUE(policy.Disallows("img2dataset : noai"));
  EXPECT_FALSE(policy.Disallows("googlebot: noindex"));
  EXPECT_FALSE(policy.Disallows("img2dataset: all"));
}

TEST(OptOutPolicyTest, ConfiguredTokenIsTrimmedAndLowerCased) {
  const OptOutPolicy policy(kDefaultDirectives, "  Img2Dataset ");
  EXPECT_TRUE(policy.Disallows("img2dataset: noai"));
}

TEST(OptOutPolicyTest, AgentScopedHeaderIgnoredWithoutConfiguredToken) {
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_FALSE(policy.Disallows("img2dataset: noai"));
  EXPECT_FALSE(policy.Disallows("googlebot: noindex"));
}

TEST(OptOutPolicyTest, EmptyAgentPrefixIsNotTheMissingToken) {
  // ": noai" is scoped to the agent "", which never equals an unset token (the reference compares
  // "" with None).
  const OptOutPolicy policy(kDefaultDirectives, "");
  EXPECT_FALSE(policy.Disallows(": noai"));
  EXPECT_FALSE(policy.Disallows("  : noai"));
}

TEST(OptOutPolicyTest, OnlyTheFirstColonSeparatesTheAgent) {
  const OptOutPolicy policy(kDefaultDirectives, "img2dataset");
  EXPECT_TRUE(policy.Disallows("img2dataset: nofollow, noai"));
  // The rest, colons included, is the directive list: "noai: extra" is no "noai" (as in the
  // reference).
  EXPECT_FALSE(policy.Disallows("img2dataset: noai: extra"));
  EXPECT_FALSE(policy.Disallows("unavailable_after: 25 Jun 2010 15:00:00 PST"));
}

TEST(OptOutPolicyTest, UnscopedHeaderAppliesWhateverTheToken) {
  const OptOutPolicy policy(kDefaultDirectives, "img2dataset");
  EXPECT_TRUE(policy.Disallows("noai"));
}

TEST(OptOutPolicyTest, EmptyDirectiveListDisablesTheCheck) {
  const OptOutPolicy policy({}, "img2dataset");
  EXPECT_FALSE(policy.enabled());
  EXPECT_FALSE(policy.Disallows("noai"));
  EXPECT_FALSE(policy.Disallows("img2dataset: noai"));
}

TEST(OptOutPolicyTest, BlankDirectivesAreDroppedFromTheList) {
  const OptOutPolicy policy({"", "  "}, "");
  EXPECT_FALSE(policy.enabled());
  EXPECT_FALSE(policy.Disallows(""));
}

TEST(OptOutPolicyTest, ConfiguredDirectivesAreNormalised) {
  const OptOutPolicy policy({" NoAI "}, "");
  EXPECT_TRUE(policy.enabled());
  EXPECT_TRUE(policy.Disallows("noai"));
  EXPECT_FALSE(policy.Disallows("noindex"));
}

TEST(UserAgentTest, WithoutTokenIsTheReferenceFirefoxString) {
  EXPECT_EQ(UserAgent(""),
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0");
  EXPECT_EQ(UserAgent("   "),
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0");
}

TEST(UserAgentTest, TokenIsAppendedLowerCasedAndTrimmed) {
  EXPECT_EQ(UserAgent(" Img2Dataset "),
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0"
            " (compatible; img2dataset; +https://github.com/rom1504/img2dataset)");
}

TEST(TrimLowerTest, TrimsWhitespaceAndLowersAsciiOnly) {
  EXPECT_EQ(TrimLower(" \tAbC\r\n"), "abc");
  EXPECT_EQ(TrimLower(""), "");
  EXPECT_EQ(TrimLower(" \t "), "");
  EXPECT_EQ(TrimLower("\xc3\x89"), "\xc3\x89");
}

}  // namespace
}  // namespace img2dataset
