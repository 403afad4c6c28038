#include "util/key.h"

#include <gtest/gtest.h>

#include "img2dataset/shard.h"

namespace img2dataset {
namespace {

TEST(SampleDigitsTest, IsCeilOfLog10OfSamplesPerShard) {
  EXPECT_EQ(SampleDigits(10000), 4);
  EXPECT_EQ(SampleDigits(1000), 3);
  EXPECT_EQ(SampleDigits(5000), 4);
  EXPECT_EQ(SampleDigits(10), 1);
  EXPECT_EQ(SampleDigits(1), 0);
}

TEST(SampleDigitsTest, OneAbovePowerOfTenNeedsAnotherDigit) {
  EXPECT_EQ(SampleDigits(2), 1);
  EXPECT_EQ(SampleDigits(11), 2);
  EXPECT_EQ(SampleDigits(10001), 5);
}

TEST(SampleKeyTest, DefaultsGiveNineDigits) {
  EXPECT_EQ(SampleKey(1, 5, 10000, 5), "000010005");
  EXPECT_EQ(SampleKey(0, 0, 10000, 5), "000000000");
  EXPECT_EQ(SampleKey(12, 9999, 10000, 5), "000129999");
}

TEST(SampleKeyTest, OneSamplePerShardHasNoSampleDigits) {
  EXPECT_EQ(SampleKey(7, 0, 1, 5), "00007");
}

TEST(SampleKeyTest, ShardIdWiderThanItsDigitsGrowsTheKey) {
  EXPECT_EQ(SampleKey(123456, 3, 10000, 5), "1234560003");
  EXPECT_EQ(SampleKey(5, 2, 100, 0), "502");
}

TEST(SampleKeyTest, IndexBeyondSamplesPerShardSpillsIntoShardPart) {
  // Only reachable by driving the classes directly; the reference behaves the same way.
  EXPECT_EQ(SampleKey(1, 10, 10, 2), "020");
}

TEST(ShardNameTest, PadsToOomShardCountAndGrowsBeyondIt) {
  EXPECT_EQ(ShardName(12, 5), "00012");
  EXPECT_EQ(ShardName(0, 5), "00000");
  EXPECT_EQ(ShardName(123456, 5), "123456");
  EXPECT_EQ(ShardName(3, 0), "3");
}

TEST(ZeroPaddedTest, NonPositiveWidthLeavesDigitsAlone) {
  EXPECT_EQ(ZeroPadded(42, 0), "42");
  EXPECT_EQ(ZeroPadded(42, -1), "42");
  EXPECT_EQ(ZeroPadded(0, 3), "000");
}

}  // namespace
}  // namespace img2dataset
