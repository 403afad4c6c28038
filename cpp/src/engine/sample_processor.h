// Turns one download response into the sample's result and, on success, its stored record:
// image processing, EXIF, hash and the per-sample JSON, in the reference's order.
//
// Thread safety: Process is const; it runs on the CPU pool, many samples at once.
#pragma once

#include <optional>
#include <string>

#include "fetch/fetcher.h"
#include "image/image_processor.h"
#include "img2dataset/options.h"
#include "img2dataset/sample.h"

namespace img2dataset {

struct ProcessedSample {
  SampleResult result;
  // Set for successes: what the writer stores.
  std::string image;  // the stored bytes (the body itself when kept as downloaded)
  std::string json;   // <key>.json text
};

// The optional input columns of one row: each points to the row's value when the input has the
// column, nullptr otherwise.
struct RowColumns {
  const std::optional<std::string>* caption = nullptr;
  const std::optional<std::string>* expected_hash = nullptr;
  const std::optional<BoundingBoxes>* bounding_boxes = nullptr;
  const std::optional<std::string>* json_members = nullptr;
};

class SampleProcessor {
 public:
  explicit SampleProcessor(const EngineOptions& options)
      : options_(options), images_(options.image) {}

  ProcessedSample Process(std::string key, const std::string& url, const RowColumns& row,
                          FetchResponse response) const;

 private:
  std::string MetadataJson(const SampleResult& result, const std::string& url,
                           const RowColumns& row) const;

  EngineOptions options_;
  ImageProcessor images_;
};

}  // namespace img2dataset
