#include "engine/sample_processor.h"

#include "image/exif.h"
#include "shard/tf_example.h"
#include "util/hash.h"
#include "util/python_json.h"
#include "util/strings.h"

namespace img2dataset {

ProcessedSample SampleProcessor::Process(std::string key, const std::string& url,
                                         const RowColumns& row, FetchResponse response) const {
  const std::optional<std::string>* expected_hash = row.expected_hash;
  ProcessedSample sample;
  SampleResult& result = sample.result;
  result.key = std::move(key);
  result.http_status = static_cast<int>(response.http_status);
  if (!response.ok()) {
    result.status = SampleStatus::kFailedToDownload;
    result.error_class = response.error_class;
    result.error_message = std::move(response.error_message);
    return sample;
  }

  std::optional<std::string> digest;
  if (options_.output.compute_hash != HashAlgorithm::kNone) {
    // Usually digested while streaming; fetchers that do not (test fakes) leave it empty.
    digest = !response.hash.empty() ? std::move(response.hash)
                                    : HexDigest(options_.output.compute_hash, response.body);
  }
  if (expected_hash != nullptr &&
      (!expected_hash->has_value() || !digest || !EqualsNoCase(**expected_hash, *digest))) {
    result.status = SampleStatus::kFailedToDownload;
    result.error_class = ErrorClass::kHashMismatch;
    result.error_message = "hash mismatch";
    return sample;
  }

  const BoundingBoxes* boxes = row.bounding_boxes != nullptr && row.bounding_boxes->has_value()
                                   ? &**row.bounding_boxes
                                   : nullptr;
  ProcessedImage image = images_.Process(response.body, boxes);
  if (!image.ok()) {
    result.status = SampleStatus::kFailedToResize;
    result.error_class = image.error_class;
    result.error_message = std::move(image.error_message);
    return sample;
  }

  result.status = SampleStatus::kSuccess;
  result.width = image.width;
  result.height = image.height;
  result.original_width = image.original_width;
  result.original_height = image.original_height;
  // EXIF and hash describe the downloaded bytes, not the stored ones.
  if (options_.output.extract_exif) result.exif = ExtractExifJson(response.body);
  result.hash = std::move(digest);
  Store(sample, url, row,
        image.keep_original ? std::move(response.body) : std::move(image.encoded));
  return sample;
}

void SampleProcessor::Store(ProcessedSample& sample, const std::string& url, const RowColumns& row,
                            std::string image) const {
  switch (options_.output.output_format) {
    case OutputFormat::kParquet:
      sample.result.image = std::move(image);
      return;
    case OutputFormat::kTfrecord:
      sample.example = MetadataExample(sample.result, url, row, image);
      return;
    case OutputFormat::kDummy:
      return;
    case OutputFormat::kFiles:
    case OutputFormat::kWebdataset:
      sample.image = std::move(image);
      sample.json = MetadataJson(sample.result, url, row);
      return;
  }
}

std::string SampleProcessor::MetadataExample(const SampleResult& result, const std::string& url,
                                             const RowColumns& row, std::string_view image) const {
  const auto bytes = [](std::string_view value) { return BytesFeature({value}); };
  const auto optional_bytes = [&](const std::optional<std::string>& value) {
    return bytes(value ? std::string_view(*value) : std::string_view());
  };
  const auto optional_int = [&](const std::optional<int>& value) {
    return value ? Int64Feature({*value}) : bytes("");  // None: empty bytes, as the reference
  };
  TfExample example;
  example.Set("key", bytes(result.key));
  example.Set(EncodeFormatExtension(options_.image.encode_format), bytes(image));
  const bool has_caption = row.caption != nullptr && row.caption->has_value();
  if (options_.output.save_caption) {
    example.Set("txt", bytes(has_caption ? std::string_view(**row.caption) : ""));
  }
  // The metadata entries, as in <key>.json (MetadataJson); the Example sorts them by name.
  if (row.extra_features != nullptr) {
    for (size_t c = 0; c < extra_column_names_.size(); ++c) {
      example.Set(extra_column_names_[c], (*row.extra_features)[c]);
    }
  }
  if (row.caption != nullptr) example.Set("caption", optional_bytes(*row.caption));
  example.Set("url", bytes(url));
  example.Set("key", bytes(result.key));
  example.Set("status", bytes(SampleStatusName(result.status)));
  example.Set("error_message", bytes(""));
  example.Set("width", optional_int(result.width));
  example.Set("height", optional_int(result.height));
  example.Set("original_width", optional_int(result.original_width));
  example.Set("original_height", optional_int(result.original_height));
  if (options_.output.extract_exif) example.Set("exif", optional_bytes(result.exif));
  if (options_.output.compute_hash != HashAlgorithm::kNone) {
    example.Set(HashAlgorithmName(options_.output.compute_hash), optional_bytes(result.hash));
  }
  return example.Serialize();
}

std::string SampleProcessor::MetadataJson(const SampleResult& result, const std::string& url,
                                          const RowColumns& row) const {
  PythonJsonObject json(PythonJsonObject::Layout::kIndent4);
  const auto add_optional_int = [&](const char* name, const std::optional<int>& value) {
    if (value) {
      json.AddInt(name, *value);
    } else {
      json.AddNull(name);
    }
  };
  const auto add_optional_string = [&](std::string_view name,
                                       const std::optional<std::string>& value) {
    if (value) {
      json.AddString(name, *value);
    } else {
      json.AddNull(name);
    }
  };
  // Input columns first (the other columns, caption, url), then the engine's, as the reference
  // orders them.
  if (row.json_members != nullptr && row.json_members->has_value()) {
    json.AddRawMembers(**row.json_members);
  }
  if (row.caption != nullptr) add_optional_string("caption", *row.caption);
  json.AddString("url", url);
  json.AddString("key", result.key);
  json.AddString("status", SampleStatusName(result.status));
  json.AddNull("error_message");
  add_optional_int("width", result.width);
  add_optional_int("height", result.height);
  add_optional_int("original_width", result.original_width);
  add_optional_int("original_height", result.original_height);
  if (options_.output.extract_exif) add_optional_string("exif", result.exif);
  if (options_.output.compute_hash != HashAlgorithm::kNone) {
    add_optional_string(HashAlgorithmName(options_.output.compute_hash), result.hash);
  }
  return json.Finish();
}

}  // namespace img2dataset
