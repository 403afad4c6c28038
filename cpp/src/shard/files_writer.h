// output_format="files": a folder per shard holding <key>.<ext>, <key>.json, [<key>.txt] for
// every successful sample.
#pragma once

#include <memory>
#include <string>

#include "shard/sample_writer.h"

namespace img2dataset {

class FilesWriter final : public SampleWriter {
 public:
  static Result<std::unique_ptr<SampleWriter>> Make(const std::string& staging_dir,
                                                    const std::string& shard_name);
  ~FilesWriter() override;

  void Add(const SampleRecord& record) override;
  Status status() const override { return status_; }
  Status Finish() override;
  void Abandon() override;
  std::vector<std::string> files() const override { return {shard_name_}; }

 private:
  FilesWriter(std::string partial_dir, std::string final_dir, std::string shard_name)
      : partial_dir_(std::move(partial_dir)),
        final_dir_(std::move(final_dir)),
        shard_name_(std::move(shard_name)) {}

  std::string partial_dir_;
  std::string final_dir_;
  std::string shard_name_;
  Status status_;
  bool finished_ = false;
};

}  // namespace img2dataset
