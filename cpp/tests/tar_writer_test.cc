#include "shard/tar_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shard/sample_writer.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Exists;
using testing::ListDir;
using testing::MemberNames;
using testing::ReadTar;
using testing::ScopedTempDir;
using testing::TarMember;

std::unique_ptr<SampleWriter> MakeTar(const ScopedTempDir& dir) {
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kWebdataset, dir.path(), "00000");
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return writer.ok() ? std::move(writer).value() : nullptr;
}

SampleRecord Record(std::string_view key, std::string_view image, std::string_view extension,
                    std::optional<std::string_view> caption, std::string_view json) {
  SampleRecord record;
  record.key = key;
  record.image = image;
  record.extension = extension;
  record.caption = caption;
  record.json = json;
  return record;
}

TEST(TarWriterTest, MembersAreWrittenPerSampleInSortedSuffixOrder) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  const std::string image0("\xFF\xD8\xFF\0jpeg-bytes", 14);  // binary, with a NUL
  writer->Add(Record("000000000", image0, "jpg", "a cat", "{\"key\": \"000000000\"}"));
  writer->Add(Record("000000001", "second", "jpg", "", "{}"));
  ASSERT_TRUE(writer->status().ok());
  ASSERT_TRUE(writer->Finish().ok());

  const std::vector<TarMember> members = ReadTar(dir.Join("00000.tar"));
  EXPECT_EQ(MemberNames(members),
            (std::vector<std::string>{"000000000.jpg", "000000000.json", "000000000.txt",
                                      "000000001.jpg", "000000001.json", "000000001.txt"}));
  ASSERT_EQ(members.size(), 6u);
  EXPECT_EQ(members[0].data, image0);
  EXPECT_EQ(members[1].data, "{\"key\": \"000000000\"}");
  EXPECT_EQ(members[2].data, "a cat");
  EXPECT_EQ(members[3].data, "second");
  EXPECT_EQ(members[4].data, "{}");
  EXPECT_EQ(members[5].data, "");
}

TEST(TarWriterTest, PngMembersSortJsonFirst) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000007", "png-bytes", "png", "caption", "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(MemberNames(ReadTar(dir.Join("00000.tar"))),
            (std::vector<std::string>{"000000007.json", "000000007.png", "000000007.txt"}));
}

TEST(TarWriterTest, NoCaptionMeansNoTxtMember) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "webp-bytes", "webp", std::nullopt, "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(MemberNames(ReadTar(dir.Join("00000.tar"))),
            (std::vector<std::string>{"000000000.json", "000000000.webp"}));
}

TEST(TarWriterTest, MembersAreReadOnlyRegularFilesOwnedByBigdata) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", "jpg", std::nullopt, "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  const std::vector<TarMember> members = ReadTar(dir.Join("00000.tar"));
  ASSERT_EQ(members.size(), 2u);
  for (const TarMember& member : members) {
    SCOPED_TRACE(member.name);
    EXPECT_TRUE(member.regular_file);
    EXPECT_EQ(member.mode, 0444);
    EXPECT_EQ(member.uname, "bigdata");
    EXPECT_EQ(member.gname, "bigdata");
  }
}

TEST(TarWriterTest, LongKeyNameSurvivesTheUstarLimit) {
  // Keys grow past 100 characters only with huge shard ids; pax records must carry them.
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  const std::string key(120, '7');
  writer->Add(Record(key, "x", "jpg", std::nullopt, "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(MemberNames(ReadTar(dir.Join("00000.tar"))),
            (std::vector<std::string>{key + ".jpg", key + ".json"}));
}

TEST(TarWriterTest, OnlyPartialFileExistsBeforeFinish) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", "jpg", std::nullopt, "{}"));
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000.tar.partial"});
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000.tar"});
}

TEST(TarWriterTest, FilesNamesTheTar) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(writer->files(), std::vector<std::string>{"00000.tar"});
}

TEST(TarWriterTest, ShardWithoutSuccessesIsAnEmptyTar) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_TRUE(Exists(dir.Join("00000.tar")));
  EXPECT_TRUE(ReadTar(dir.Join("00000.tar")).empty());
}

TEST(TarWriterTest, AbandonRemovesThePartialFile) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTar(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", "jpg", std::nullopt, "{}"));
  writer->Abandon();
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(TarWriterTest, DestroyingUnfinishedWriterRemovesThePartialFile) {
  ScopedTempDir dir;
  {
    std::unique_ptr<SampleWriter> writer = MakeTar(dir);
    ASSERT_NE(writer, nullptr);
    writer->Add(Record("000000000", "x", "jpg", std::nullopt, "{}"));
  }
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(TarWriterTest, MissingStagingDirIsIOError) {
  ScopedTempDir dir;
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kWebdataset, dir.Join("missing/deeper"), "00000");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
  EXPECT_NE(writer.status().message().find("00000.tar.partial"), std::string::npos)
      << writer.status().message();
}

TEST(TarWriterTest, StagingPathThatIsAFileIsIOError) {
  ScopedTempDir dir;
  { std::ofstream(dir.Join("plain_file")) << "x"; }
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kWebdataset, dir.Join("plain_file"), "00000");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace img2dataset
