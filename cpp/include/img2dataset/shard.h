// The shard contract: what the engine is given for one shard (its rows, column by column) and
// what it gives back. Built by the Python front from Arrow tables (shard/input_table.h) or by
// hand; every stage below the engine reads a ShardInput and nothing else of the front.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "img2dataset/bounding_boxes.h"
#include "img2dataset/sample.h"
#include "img2dataset/status.h"

namespace img2dataset {

struct ShardInput {
  int64_t shard_id = 0;
  std::vector<std::string> urls;
  // One per URL, or empty when the input has no caption column. nullopt: a null caption.
  std::vector<std::optional<std::string>> captions;
  // One per URL, or empty: the expected hex digest of each body (compute_hash's algorithm,
  // compared case-insensitively). A mismatch or a null fails the sample with "hash mismatch".
  std::vector<std::optional<std::string>> expected_hashes;
  // One per URL, or empty when there is no bbox column: regions to blur. nullopt: a null value,
  // nothing to blur.
  std::vector<std::optional<BoundingBoxes>> bounding_boxes;
  // One per URL, or empty: the row's other input columns (save_additional_columns), already
  // written as the members of its <key>.json (see PythonJsonObject::AddRawMembers), placed
  // before caption and url as the reference orders them.
  std::vector<std::optional<std::string>> json_members;
  // output_format="tfrecord": the names of those columns and, one per URL, each one's value as a
  // serialized tensorflow.Feature (shard/extra_columns.h), in the same order. Empty otherwise.
  std::vector<std::string> extra_column_names;
  std::vector<std::vector<std::string>> extra_features;
  // One per URL, or empty: the row's position in its shard, which makes its key, when the rows
  // are a subset of the shard (retrying its failed samples). Empty: positions 0, 1, ...
  std::vector<int64_t> row_indices;
  // Existing local directory where the shard's files are written; the caller commits them.
  std::string staging_dir;

  // Invalid unless every optional column is empty or has one value per URL.
  Status Validate() const;
};

struct ShardOutput {
  // One per input row, in input order (key order).
  std::vector<SampleResult> samples;
  // Names, relative to staging_dir, of what the shard produced: "00012.tar" (webdataset),
  // "00012" (files: a directory), "00012.tfrecord". Empty for parquet and dummy output.
  std::vector<std::string> files;
  // Response bodies received for the shard, retries included.
  int64_t bytes_downloaded = 0;
  // Seconds the run waited for its turn (EngineOptions::starting_shards) before its first
  // download: the shard's own time starts after them.
  double waited_s = 0;
};

// Shard name: shard_id zero-padded to oom_shard_count digits ("00012").
std::string ShardName(int64_t shard_id, int oom_shard_count);

}  // namespace img2dataset
