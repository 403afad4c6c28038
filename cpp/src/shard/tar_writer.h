// output_format="webdataset": one POSIX tar per shard, written with libarchive.
//
// Members: <key>.<ext>, <key>.json, [<key>.txt] per successful sample, mode 0444, owner
// "bigdata", no directory entries — as the reference's webdataset TarWriter writes them.
#pragma once

#include <memory>
#include <string>

#include "shard/sample_writer.h"

struct archive;

namespace img2dataset {

class TarWriter final : public SampleWriter {
 public:
  static Result<std::unique_ptr<SampleWriter>> Make(const std::string& staging_dir,
                                                    const std::string& shard_name);
  ~TarWriter() override;

  void Add(const SampleRecord& record) override;
  Status status() const override { return status_; }
  Status Finish() override;
  void Abandon() override;
  std::vector<std::string> files() const override;

 private:
  TarWriter(archive* archive, std::string partial_path, std::string final_path, std::string name);
  Status ArchiveError(const std::string& what) const;

  archive* archive_;
  std::string partial_path_;
  std::string final_path_;
  std::string name_;  // "00012.tar"
  Status status_;
  bool finished_ = false;
};

}  // namespace img2dataset
