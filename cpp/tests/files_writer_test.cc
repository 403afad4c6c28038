#include "shard/files_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shard/sample_writer.h"
#include "test_util.h"

namespace img2dataset {
namespace {

using testing::Exists;
using testing::ListDir;
using testing::ReadFile;
using testing::ScopedTempDir;

std::unique_ptr<SampleWriter> MakeFiles(const ScopedTempDir& dir) {
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kFiles, dir.path(), "00000");
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return writer.ok() ? std::move(writer).value() : nullptr;
}

SampleRecord Record(std::string_view key, std::string_view image,
                    std::optional<std::string_view> caption, std::string_view json) {
  SampleRecord record;
  record.key = key;
  record.image = image;
  record.extension = "jpg";
  record.caption = caption;
  record.json = json;
  return record;
}

TEST(FilesWriterTest, FinishLeavesOneFolderWithFilesPerSample) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  const std::string image0("\xFF\xD8\xFF\0bytes", 9);
  writer->Add(Record("000000000", image0, "a cat", "{\"a\": 1}"));
  writer->Add(Record("000000001", "img1", "dog", "{}"));
  ASSERT_TRUE(writer->Finish().ok());

  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000"});
  const std::string shard = dir.Join("00000");
  EXPECT_EQ(ListDir(shard),
            (std::vector<std::string>{"000000000.jpg", "000000000.json", "000000000.txt",
                                      "000000001.jpg", "000000001.json", "000000001.txt"}));
  EXPECT_EQ(ReadFile(shard + "/000000000.jpg"), image0);
  EXPECT_EQ(ReadFile(shard + "/000000000.json"), "{\"a\": 1}");
  EXPECT_EQ(ReadFile(shard + "/000000000.txt"), "a cat");
  EXPECT_EQ(ReadFile(shard + "/000000001.txt"), "dog");
  EXPECT_EQ(writer->files(), std::vector<std::string>{"00000"});
}

TEST(FilesWriterTest, OnlyPartialFolderExistsBeforeFinish) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", std::nullopt, "{}"));
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000.partial"});
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000"});
}

TEST(FilesWriterTest, ShardWithoutSuccessesIsAnEmptyFolder) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_TRUE(Exists(dir.Join("00000")));
  EXPECT_TRUE(ListDir(dir.Join("00000")).empty());
}

TEST(FilesWriterTest, AbandonRemovesThePartialFolder) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", "c", "{}"));
  writer->Abandon();
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(FilesWriterTest, DestroyingUnfinishedWriterRemovesThePartialFolder) {
  ScopedTempDir dir;
  {
    std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
    ASSERT_NE(writer, nullptr);
    writer->Add(Record("000000000", "x", "c", "{}"));
  }
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(FilesWriterTest, NullCaptionWritesNoTxtFile) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", std::nullopt, "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ListDir(dir.Join("00000")),
            (std::vector<std::string>{"000000000.jpg", "000000000.json"}));
}

TEST(FilesWriterTest, EmptyCaptionWritesEmptyTxtFile) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", "", "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  const std::string txt = dir.Join("00000/000000000.txt");
  ASSERT_TRUE(Exists(txt));
  EXPECT_EQ(ReadFile(txt), "");
}

TEST(FilesWriterTest, LeftoverPartialFolderFromACrashIsReplaced) {
  ScopedTempDir dir;
  std::filesystem::create_directory(dir.Join("00000.partial"));
  { std::ofstream(dir.Join("00000.partial/stale.jpg")) << "old"; }
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", std::nullopt, "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ListDir(dir.Join("00000")),
            (std::vector<std::string>{"000000000.jpg", "000000000.json"}));
}

TEST(FilesWriterTest, FinishReplacesAnOlderFolderOfTheSameShard) {
  ScopedTempDir dir;
  std::filesystem::create_directory(dir.Join("00000"));
  { std::ofstream(dir.Join("00000/old.jpg")) << "old"; }
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("000000000", "x", std::nullopt, "{}"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ListDir(dir.Join("00000")),
            (std::vector<std::string>{"000000000.jpg", "000000000.json"}));
}

TEST(FilesWriterTest, MissingStagingDirIsIOError) {
  ScopedTempDir dir;
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kFiles, dir.Join("missing/deeper"), "00000");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
  EXPECT_NE(writer.status().message().find("00000.partial"), std::string::npos)
      << writer.status().message();
}

TEST(FilesWriterTest, WriteFailureIsStickyAndFinishReportsIt) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeFiles(dir);
  ASSERT_NE(writer, nullptr);
  // A key naming a sub-directory that does not exist cannot be written.
  writer->Add(Record("no_such_dir/000000000", "x", std::nullopt, "{}"));
  EXPECT_EQ(writer->status().code(), StatusCode::kIOError);
  writer->Add(Record("000000001", "y", std::nullopt, "{}"));  // ignored after the error
  const Status finished = writer->Finish();
  EXPECT_EQ(finished.code(), StatusCode::kIOError);
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

}  // namespace
}  // namespace img2dataset
