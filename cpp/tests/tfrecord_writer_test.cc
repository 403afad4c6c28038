#include "shard/tfrecord_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "shard/sample_writer.h"
#include "test_util.h"
#include "util/crc32c.h"

namespace img2dataset {
namespace {

using testing::Exists;
using testing::ListDir;
using testing::ReadFile;
using testing::ScopedTempDir;

std::unique_ptr<SampleWriter> MakeTfrecord(const std::string& dir) {
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kTfrecord, dir, "00000");
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return writer.ok() ? std::move(writer).value() : nullptr;
}

SampleRecord Record(std::string_view example) {
  SampleRecord record;
  record.key = "000000000";
  record.example = example;
  return record;
}

uint64_t LoadLittleEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The records of a TFRecord file, every length and CRC checked; a bad frame fails the test.
std::vector<std::string> ReadRecords(const std::string& path) {
  const std::string file = ReadFile(path);
  std::string_view rest(file);
  std::vector<std::string> records;
  while (!rest.empty()) {
    if (rest.size() < 12) {
      ADD_FAILURE() << "truncated header at record " << records.size();
      break;
    }
    const uint64_t length = LoadLittleEndian(rest.substr(0, 8));
    EXPECT_EQ(LoadLittleEndian(rest.substr(8, 4)), MaskedCrc32c(rest.substr(0, 8)))
        << "length CRC of record " << records.size();
    rest.remove_prefix(12);
    if (rest.size() < length + 4) {
      ADD_FAILURE() << "truncated body at record " << records.size();
      break;
    }
    const std::string_view data = rest.substr(0, length);
    EXPECT_EQ(LoadLittleEndian(rest.substr(length, 4)), MaskedCrc32c(data))
        << "data CRC of record " << records.size();
    records.emplace_back(data);
    rest.remove_prefix(length + 4);
  }
  return records;
}

TEST(TfrecordWriterTest, RecordsAreFramedWithLengthsAndMaskedCrcs) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  const std::string binary("\x0a\x00\xff\x12", 4);
  const std::string large(3 << 20, '\x5a');  // bigger than the writer's buffer
  writer->Add(Record("first"));
  writer->Add(Record(binary));
  writer->Add(Record(""));
  writer->Add(Record(large));
  writer->Add(Record("last"));
  ASSERT_TRUE(writer->status().ok());
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ReadRecords(dir.Join("00000.tfrecord")),
            (std::vector<std::string>{"first", binary, "", large, "last"}));
}

TEST(TfrecordWriterTest, FrameBytesOfOneRecord) {
  // Length 3 as 8 little-endian bytes, its masked CRC, the bytes, theirs: 12 + 3 + 4 bytes.
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("abc"));
  ASSERT_TRUE(writer->Finish().ok());
  const std::string file = ReadFile(dir.Join("00000.tfrecord"));
  ASSERT_EQ(file.size(), 19u);
  EXPECT_EQ(file.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  const uint32_t length_crc = MaskedCrc32c(file.substr(0, 8));
  EXPECT_EQ(file.substr(8, 4), std::string({static_cast<char>(length_crc & 0xff),
                                            static_cast<char>((length_crc >> 8) & 0xff),
                                            static_cast<char>((length_crc >> 16) & 0xff),
                                            static_cast<char>(length_crc >> 24)}));
  EXPECT_EQ(file.substr(12, 3), "abc");
  EXPECT_EQ(LoadLittleEndian(file.substr(15, 4)), MaskedCrc32c("abc"));
}

TEST(TfrecordWriterTest, OnlyPartialFileExistsBeforeFinish) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("x"));
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000.tfrecord.partial"});
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"00000.tfrecord"});
}

TEST(TfrecordWriterTest, FilesNamesTheTfrecord) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(writer->files(), std::vector<std::string>{"00000.tfrecord"});
}

TEST(TfrecordWriterTest, ShardWithoutSuccessesIsAnEmptyFile) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_TRUE(Exists(dir.Join("00000.tfrecord")));
  EXPECT_EQ(ReadFile(dir.Join("00000.tfrecord")), "");
}

TEST(TfrecordWriterTest, AbandonRemovesThePartialFile) {
  ScopedTempDir dir;
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("x"));
  writer->Abandon();
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(TfrecordWriterTest, DestroyingUnfinishedWriterRemovesThePartialFile) {
  ScopedTempDir dir;
  {
    std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
    ASSERT_NE(writer, nullptr);
    writer->Add(Record("x"));
  }
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(TfrecordWriterTest, MissingStagingDirIsIOError) {
  ScopedTempDir dir;
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kTfrecord, dir.Join("missing/deeper"), "00000");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
  EXPECT_NE(writer.status().message().find("00000.tfrecord.partial"), std::string::npos)
      << writer.status().message();
}

TEST(TfrecordWriterTest, StagingPathThatIsAFileIsIOError) {
  ScopedTempDir dir;
  { std::ofstream(dir.Join("plain_file")) << "x"; }
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kTfrecord, dir.Join("plain_file"), "00000");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
}

TEST(TfrecordWriterTest, WriteErrorIsStickyAndFinishFails) {
  // The partial name links to /dev/full, where every write fails with ENOSPC: a full disk.
  ScopedTempDir dir;
  if (!Exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  std::filesystem::create_symlink("/dev/full", dir.Join("00000.tfrecord.partial"));
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  writer->Add(Record(std::string(3 << 20, 'x')));  // past the buffer: written at once
  ASSERT_FALSE(writer->status().ok());
  EXPECT_EQ(writer->status().code(), StatusCode::kIOError);
  const std::string first = writer->status().message();
  EXPECT_NE(first.find("00000.tfrecord.partial"), std::string::npos) << first;
  writer->Add(Record("more"));
  EXPECT_EQ(writer->status().message(), first);
  const Status finished = writer->Finish();
  EXPECT_EQ(finished.code(), StatusCode::kIOError);
  EXPECT_EQ(finished.message(), first);
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(TfrecordWriterTest, BufferedWriteErrorShowsAtFinish) {
  // A small record stays in the buffer: the full disk is found when Finish() flushes it.
  ScopedTempDir dir;
  if (!Exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  std::filesystem::create_symlink("/dev/full", dir.Join("00000.tfrecord.partial"));
  std::unique_ptr<SampleWriter> writer = MakeTfrecord(dir.path());
  ASSERT_NE(writer, nullptr);
  writer->Add(Record("small"));
  EXPECT_TRUE(writer->status().ok());
  EXPECT_EQ(writer->Finish().code(), StatusCode::kIOError);
  EXPECT_FALSE(Exists(dir.Join("00000.tfrecord")));
}

TEST(MakeSampleWriterTest, ParquetWritesNoFile) {
  ScopedTempDir dir;
  Result<std::unique_ptr<SampleWriter>> writer =
      MakeSampleWriter(OutputFormat::kParquet, dir.path(), "00000");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  (*writer)->Add(Record("x"));
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE((*writer)->files().empty());
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

}  // namespace
}  // namespace img2dataset
