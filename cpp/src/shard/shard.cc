#include "img2dataset/shard.h"

#include <string>

namespace img2dataset {

namespace {

// Invalid unless `column` is empty (absent) or has `rows` values.
Status CheckColumn(size_t column, size_t rows, const char* what) {
  if (column == 0 || column == rows) return Status::OK();
  return Status::Invalid("shard has " + std::to_string(rows) + " URLs but " +
                         std::to_string(column) + " " + what);
}

}  // namespace

Status ShardInput::Validate() const {
  const size_t rows = urls.size();
  RETURN_NOT_OK(CheckColumn(captions.size(), rows, "captions"));
  RETURN_NOT_OK(CheckColumn(expected_hashes.size(), rows, "expected hashes"));
  RETURN_NOT_OK(CheckColumn(bounding_boxes.size(), rows, "bounding box lists"));
  RETURN_NOT_OK(CheckColumn(json_members.size(), rows, "json_members values"));
  RETURN_NOT_OK(CheckColumn(extra_features.size(), rows, "extra feature rows"));
  for (const auto& features : extra_features) {
    if (features.size() != extra_column_names.size()) {
      return Status::Invalid("a row has " + std::to_string(features.size()) +
                             " extra features for " + std::to_string(extra_column_names.size()) +
                             " extra columns");
    }
  }
  RETURN_NOT_OK(CheckColumn(row_indices.size(), rows, "row indices"));
  return Status::OK();
}

}  // namespace img2dataset
