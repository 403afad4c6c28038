#include "util/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace img2dataset {
namespace {

TEST(HexDigestTest, Md5MatchesRfc1321Vectors) {
  EXPECT_EQ(HexDigest(HashAlgorithm::kMd5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexDigest(HashAlgorithm::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(HexDigestTest, Sha256MatchesFips180Vectors) {
  EXPECT_EQ(HexDigest(HashAlgorithm::kSha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexDigest(HashAlgorithm::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HexDigestTest, Sha512MatchesFips180Vectors) {
  EXPECT_EQ(HexDigest(HashAlgorithm::kSha512, ""),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  EXPECT_EQ(HexDigest(HashAlgorithm::kSha512, "abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(HexDigestTest, EmbeddedNulBytesAreHashed) {
  // A binary body must not be cut at its first NUL.
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(HexDigest(HashAlgorithm::kSha256, with_nul), HexDigest(HashAlgorithm::kSha256, "a"));
  EXPECT_EQ(HexDigest(HashAlgorithm::kMd5, with_nul), "70350f6027bce3713f6b76473084309b");
}

TEST(StreamingDigestTest, PiecesGiveTheOneShotDigestAndResetStartsOver) {
  for (const HashAlgorithm algorithm :
       {HashAlgorithm::kMd5, HashAlgorithm::kSha256, HashAlgorithm::kSha512}) {
    StreamingDigest digest(algorithm);
    digest.Update("ab");
    digest.Update("");
    digest.Update("c");
    EXPECT_EQ(digest.HexFinal(), HexDigest(algorithm, "abc"));
    digest.Reset();
    digest.Update("xyz");
    EXPECT_EQ(digest.HexFinal(), HexDigest(algorithm, "xyz"));
  }
}

}  // namespace
}  // namespace img2dataset
