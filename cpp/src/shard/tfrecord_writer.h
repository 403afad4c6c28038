// output_format="tfrecord": one TFRecord file per shard, a record per successful sample holding
// its serialized tf.train.Example (SampleRecord::example, built with shard/tf_example.h).
//
// Each record is framed as TensorFlow's TFRecordWriter frames it (no compression):
//   uint64 length, little-endian
//   uint32 MaskedCrc32c of those 8 length bytes, little-endian
//   the `length` bytes
//   uint32 MaskedCrc32c of the bytes, little-endian
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "shard/sample_writer.h"

namespace img2dataset {

class TfrecordWriter final : public SampleWriter {
 public:
  // Creates <staging_dir>/<shard_name>.tfrecord.partial; Finish() renames it <shard_name>.tfrecord.
  static Result<std::unique_ptr<SampleWriter>> Make(const std::string& staging_dir,
                                                    const std::string& shard_name);
  ~TfrecordWriter() override;

  void Add(const SampleRecord& record) override;
  Status status() const override { return status_; }
  Status Finish() override;
  void Abandon() override;
  std::vector<std::string> files() const override { return {name_}; }

 private:
  TfrecordWriter(std::FILE* file, std::unique_ptr<char[]> buffer, std::string partial_path,
                 std::string final_path, std::string name);
  void Write(const void* bytes, size_t size);

  std::FILE* file_;
  // stdio's buffer, so that the small header and footer of a record cost no write of their own;
  // it must outlive file_.
  std::unique_ptr<char[]> buffer_;
  std::string partial_path_;
  std::string final_path_;
  std::string name_;  // "00012.tfrecord"
  Status status_;
  bool finished_ = false;
};

}  // namespace img2dataset
