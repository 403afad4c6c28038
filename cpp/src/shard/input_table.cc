#include "shard/input_table.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "arrow_c/array_view.h"
#include "shard/extra_columns.h"

namespace img2dataset {

namespace {

using Kind = ArrayView::Kind;

// A utf8 or large_utf8 column, nulls as nullopt.
Status ReadStrings(const ArrayView& column, std::vector<std::optional<std::string>>* out) {
  if (column.kind() != Kind::kString || column.dictionary_encoded()) {
    return Status::Invalid("column '" + std::string(column.name()) +
                           "' must be a string column, got Arrow format '" +
                           std::string(column.format()) + "'");
  }
  out->reserve(static_cast<size_t>(column.length()));
  for (int64_t i = 0; i < column.length(); ++i) {
    out->push_back(column.IsValid(i) ? std::optional<std::string>(column.BytesAt(i))
                                     : std::nullopt);
  }
  return Status::OK();
}

// A bbox column: a list of boxes per row, each a list of 4 numbers, float64 ("g") or float32
// ("f"), as the reference reads them from parquet. A row whose boxes do not have that shape
// keeps an error for its sample instead.
Status ReadBoundingBoxes(const ArrayView& column, std::vector<std::optional<BoundingBoxes>>* out) {
  const auto type_error = [&] {
    return Status::Invalid("column '" + std::string(column.name()) +
                           "' must be a list of [x_min, y_min, x_max, y_max] lists of floats, got "
                           "Arrow format '" +
                           std::string(column.format()) + "'");
  };
  if (column.kind() != Kind::kList || column.num_children() != 1) return type_error();
  const ArrayView boxes = column.child(0);
  if (boxes.kind() != Kind::kList || boxes.num_children() != 1) return type_error();
  const ArrayView values = boxes.child(0);
  if (values.kind() != Kind::kFloat) return type_error();

  out->reserve(static_cast<size_t>(column.length()));
  for (int64_t i = 0; i < column.length(); ++i) {
    if (!column.IsValid(i)) {
      out->push_back(std::nullopt);
      continue;
    }
    BoundingBoxes row;
    row.single_precision = values.format() == "f";
    const auto [first_box, end_box] = column.ListRange(i);
    for (int64_t b = first_box; b < end_box && row.error.empty(); ++b) {
      const auto [first, end] = boxes.ListRange(b);
      row.error = BoundingBoxShapeError(boxes.IsValid(b) ? std::optional<size_t>(end - first)
                                                         : std::nullopt);
      std::array<double, 4> box{};
      for (int k = 0; k < 4 && row.error.empty(); ++k) {
        const std::optional<double> value = values.IsValid(first + k)
                                                ? std::optional<double>(values.FloatAt(first + k))
                                                : std::nullopt;
        row.error = BoundingBoxValueError(value);
        if (value) box[static_cast<size_t>(k)] = *value;
      }
      if (row.error.empty()) row.boxes.push_back(box);
    }
    out->push_back(std::move(row));
  }
  return Status::OK();
}

Status ReadRowIndices(const ArrayView& column, std::vector<int64_t>* out) {
  if (column.format() != "l") {
    return Status::Invalid("column 'row_index' must be int64, got Arrow format '" +
                           std::string(column.format()) + "'");
  }
  out->clear();
  for (int64_t i = 0; i < column.length(); ++i) {
    if (!column.IsValid(i) || column.IntAt(i) < 0) {
      return Status::Invalid("column 'row_index' must hold non-negative values, no nulls");
    }
    out->push_back(column.IntAt(i));
  }
  return Status::OK();
}

Status ReadExtraColumns(const ArrayView& columns, bool with_features, ShardInput* input) {
  RETURN_NOT_OK(CheckExtraColumns(columns));
  input->json_members.clear();
  input->extra_column_names.clear();
  input->extra_features.clear();
  for (int64_t c = 0; c < columns.num_children(); ++c) {
    input->extra_column_names.emplace_back(columns.child(c).name());
  }
  for (int64_t i = 0; i < columns.length(); ++i) {
    input->json_members.emplace_back(ExtraColumnsJsonMembers(columns, i));
    if (with_features) input->extra_features.push_back(ExtraColumnsFeatures(columns, i));
  }
  if (!with_features) input->extra_column_names.clear();
  return Status::OK();
}

}  // namespace

Status ImportShardRows(const ArrowSchema& schema, const ArrowArray& array, bool with_features,
                       ShardInput* input) {
  if (std::string_view(schema.format) != "+s" || schema.n_children != array.n_children) {
    return Status::Invalid("shard rows must be an Arrow record batch (struct array)");
  }
  if (array.offset != 0) return Status::Invalid("shard rows must not be a sliced struct array");
  bool has_url = false;
  for (int64_t c = 0; c < schema.n_children; ++c) {
    const ArrayView column(*schema.children[c], *array.children[c]);
    const std::string_view name = column.name();
    if (name == "url") {
      std::vector<std::optional<std::string>> urls;
      RETURN_NOT_OK(ReadStrings(column, &urls));
      input->urls.clear();
      for (auto& url : urls) input->urls.push_back(url.value_or(""));
      has_url = true;
    } else if (name == "caption") {
      input->captions.clear();
      RETURN_NOT_OK(ReadStrings(column, &input->captions));
    } else if (name == "row_index") {
      RETURN_NOT_OK(ReadRowIndices(column, &input->row_indices));
    } else if (name == "extra_columns") {
      RETURN_NOT_OK(ReadExtraColumns(column, with_features, input));
    } else if (name == "bbox") {
      input->bounding_boxes.clear();
      RETURN_NOT_OK(ReadBoundingBoxes(column, &input->bounding_boxes));
    } else if (name == "expected_hash") {
      input->expected_hashes.clear();
      RETURN_NOT_OK(ReadStrings(column, &input->expected_hashes));
    }
  }
  if (!has_url) return Status::Invalid("shard rows have no 'url' column");
  return Status::OK();  // column lengths: ShardInput::Validate, in Engine::RunShard
}

}  // namespace img2dataset
