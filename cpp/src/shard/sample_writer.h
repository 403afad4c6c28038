// Shard writers: where successful samples go (a tar, a folder of files, a TFRecord file,
// nowhere: parquet's images go back in the result table).
//
// Thread safety: not thread-safe; the shard runner serialises calls.
//
// Shape of leveldb's TableBuilder: Add() never fails loudly — the first error is kept and later
// calls do nothing; status() reports it. Finish() makes the output complete under its final name;
// Abandon() removes what was written. Output is written under a temporary name until Finish(),
// so a crash never leaves a file that looks complete.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "img2dataset/options.h"
#include "img2dataset/status.h"

namespace img2dataset {

struct SampleRecord {
  std::string_view key;
  std::string_view image;      // the stored image bytes
  std::string_view extension;  // "jpg", "png", "webp"
  // Written as <key>.txt when set (the caption, possibly empty).
  std::optional<std::string_view> caption;
  std::string_view json;  // <key>.json
  // output_format="tfrecord": the sample's serialized tf.train.Example (shard/tf_example.h),
  // which holds the image, the caption and the metadata; the other fields are then unused.
  std::string_view example;
};

class SampleWriter {
 public:
  virtual ~SampleWriter() = default;
  virtual void Add(const SampleRecord& record) = 0;
  virtual Status status() const = 0;
  // REQUIRES: called once, and not after Abandon().
  virtual Status Finish() = 0;
  virtual void Abandon() = 0;
  // What Finish() produced, relative to the staging directory.
  virtual std::vector<std::string> files() const = 0;
};

// Writes shard `shard_name` ("00012") into the existing directory `staging_dir`.
Result<std::unique_ptr<SampleWriter>> MakeSampleWriter(OutputFormat format,
                                                       const std::string& staging_dir,
                                                       const std::string& shard_name);

// The members of one sample as (suffix, bytes), sorted by suffix as webdataset writes them:
// jpg, json, txt — or json, png, txt.
std::vector<std::pair<std::string, std::string_view>> SampleMembers(const SampleRecord& record);

}  // namespace img2dataset
