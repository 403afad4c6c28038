// Turns one download response into the sample's result and, on success, its stored record:
// image processing, EXIF, hash and the per-sample JSON, in the reference's order.
//
// Thread safety: Process is const; it runs on the CPU pool, many samples at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fetch/fetcher.h"
#include "image/image_processor.h"
#include "img2dataset/options.h"
#include "img2dataset/sample.h"

namespace img2dataset {

struct ProcessedSample {
  SampleResult result;
  // Set for successes, what the shard's writer stores: the image and its <key>.json (files,
  // webdataset), or the Example holding both (tfrecord). Parquet's image is in result.image.
  std::string image;    // the stored bytes (the body itself when kept as downloaded)
  std::string json;     // <key>.json text
  std::string example;  // serialized tf.train.Example
};

// The optional input columns of one row: each points to the row's value when the input has the
// column, nullptr otherwise.
struct RowColumns {
  const std::optional<std::string>* caption = nullptr;
  const std::optional<std::string>* expected_hash = nullptr;
  const std::optional<BoundingBoxes>* bounding_boxes = nullptr;
  const std::optional<std::string>* json_members = nullptr;
  // tfrecord: the extra columns' features, one per ShardInput::extra_column_names.
  const std::vector<std::string>* extra_features = nullptr;
};

class SampleProcessor {
 public:
  // `extra_column_names`: ShardInput::extra_column_names, outliving the processor.
  SampleProcessor(const EngineOptions& options, const std::vector<std::string>& extra_column_names)
      : options_(options), images_(options.image), extra_column_names_(extra_column_names) {}

  ProcessedSample Process(std::string key, const std::string& url, const RowColumns& row,
                          FetchResponse response) const;

 private:
  std::string MetadataJson(const SampleResult& result, const std::string& url,
                           const RowColumns& row) const;
  // The tfrecord Example: key, image, txt (with a caption column), then the metadata entries.
  std::string MetadataExample(const SampleResult& result, const std::string& url,
                              const RowColumns& row, std::string_view image) const;
  // Stores the processed image and metadata where the output format wants them.
  void Store(ProcessedSample& sample, const std::string& url, const RowColumns& row,
             std::string image) const;

  EngineOptions options_;
  ImageProcessor images_;
  const std::vector<std::string>& extra_column_names_;
};

}  // namespace img2dataset
