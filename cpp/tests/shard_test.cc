#include "img2dataset/shard.h"

#include <gtest/gtest.h>

namespace img2dataset {
namespace {

TEST(ShardInputTest, OptionalColumnsAreAbsentOrOneValuePerUrl) {
  ShardInput input;
  input.urls = {"http://a/1", "http://a/2"};
  EXPECT_TRUE(input.Validate().ok());
  input.captions = {"one", std::nullopt};
  input.row_indices = {4, 7};
  EXPECT_TRUE(input.Validate().ok());

  ShardInput short_hashes = input;
  short_hashes.expected_hashes = {"ab"};
  EXPECT_EQ(short_hashes.Validate().message(), "shard has 2 URLs but 1 expected hashes");
  ShardInput long_boxes = input;
  long_boxes.bounding_boxes.resize(3);
  EXPECT_EQ(long_boxes.Validate().message(), "shard has 2 URLs but 3 bounding box lists");
  ShardInput short_members = input;
  short_members.json_members = {"\"a\": 1"};
  EXPECT_EQ(short_members.Validate().message(), "shard has 2 URLs but 1 json_members values");
}

TEST(ShardNameTest, ZeroPaddedToTheShardCountsDigits) {
  EXPECT_EQ(ShardName(12, 5), "00012");
  EXPECT_EQ(ShardName(123456, 5), "123456");
}

}  // namespace
}  // namespace img2dataset
