#include "shard/sample_writer.h"

#include <algorithm>

#include "shard/files_writer.h"
#include "shard/tar_writer.h"
#include "shard/tfrecord_writer.h"

namespace img2dataset {

namespace {

// output_format="dummy": nothing is stored, only the metadata rows are returned. Also
// output_format="parquet": its images travel in the result table, no file is written here.
class DummyWriter final : public SampleWriter {
 public:
  void Add(const SampleRecord&) override {}
  Status status() const override { return Status::OK(); }
  Status Finish() override { return Status::OK(); }
  void Abandon() override {}
  std::vector<std::string> files() const override { return {}; }
};

}  // namespace

std::vector<std::pair<std::string, std::string_view>> SampleMembers(const SampleRecord& record) {
  std::vector<std::pair<std::string, std::string_view>> members;
  members.emplace_back(std::string(record.extension), record.image);
  members.emplace_back("json", record.json);
  if (record.caption) members.emplace_back("txt", *record.caption);
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return members;
}

Result<std::unique_ptr<SampleWriter>> MakeSampleWriter(OutputFormat format,
                                                       const std::string& staging_dir,
                                                       const std::string& shard_name) {
  switch (format) {
    case OutputFormat::kWebdataset:
      return TarWriter::Make(staging_dir, shard_name);
    case OutputFormat::kFiles:
      return FilesWriter::Make(staging_dir, shard_name);
    case OutputFormat::kTfrecord:
      return TfrecordWriter::Make(staging_dir, shard_name);
    case OutputFormat::kParquet:
    case OutputFormat::kDummy:
      return std::unique_ptr<SampleWriter>(new DummyWriter());
  }
  return Status::Invalid("unknown output format");
}

}  // namespace img2dataset
