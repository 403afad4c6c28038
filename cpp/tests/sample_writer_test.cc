#include "shard/sample_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace img2dataset {
namespace {

using testing::ListDir;
using testing::ScopedTempDir;

std::vector<std::string> Suffixes(const SampleRecord& record) {
  std::vector<std::string> suffixes;
  for (const auto& [suffix, bytes] : SampleMembers(record)) suffixes.push_back(suffix);
  return suffixes;
}

SampleRecord Record(std::string_view extension, std::optional<std::string_view> caption) {
  SampleRecord record;
  record.key = "000000000";
  record.image = "image";
  record.extension = extension;
  record.caption = caption;
  record.json = "{}";
  return record;
}

TEST(SampleMembersTest, SuffixesAreSortedAsWebdatasetWritesThem) {
  EXPECT_EQ(Suffixes(Record("jpg", "c")), (std::vector<std::string>{"jpg", "json", "txt"}));
  EXPECT_EQ(Suffixes(Record("png", "c")), (std::vector<std::string>{"json", "png", "txt"}));
  EXPECT_EQ(Suffixes(Record("webp", "c")), (std::vector<std::string>{"json", "txt", "webp"}));
}

TEST(SampleMembersTest, NullCaptionHasNoTxtButEmptyCaptionHasOne) {
  EXPECT_EQ(Suffixes(Record("jpg", std::nullopt)), (std::vector<std::string>{"jpg", "json"}));
  EXPECT_EQ(Suffixes(Record("jpg", "")), (std::vector<std::string>{"jpg", "json", "txt"}));
}

TEST(SampleMembersTest, BytesFollowTheirSuffix) {
  const auto members = SampleMembers(Record("png", "the caption"));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].second, "{}");
  EXPECT_EQ(members[1].second, "image");
  EXPECT_EQ(members[2].second, "the caption");
}

TEST(DummyWriterTest, StoresNothingAndReportsNoFiles) {
  ScopedTempDir dir;
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kDummy, dir.path(), "00000");
  ASSERT_TRUE(writer.ok());
  (*writer)->Add(Record("jpg", "c"));
  EXPECT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE((*writer)->files().empty());
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(DummyWriterTest, DoesNotNeedAStagingDir) {
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kDummy, "/nonexistent/img2dataset/staging", "00000");
  EXPECT_TRUE(writer.ok());
}

}  // namespace
}  // namespace img2dataset
