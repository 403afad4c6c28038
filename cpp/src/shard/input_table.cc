#include "shard/input_table.h"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace img2dataset {

namespace {

// Reads row `i` of a utf8 ("u", int32 offsets) or large_utf8 ("U", int64 offsets) array.
template <typename Offset>
std::optional<std::string_view> StringAt(const ArrowArray& column, int64_t i) {
  const int64_t row = column.offset + i;
  const auto* validity = static_cast<const uint8_t*>(column.buffers[0]);
  if (validity != nullptr && !(validity[row / 8] & (1u << (row % 8)))) return std::nullopt;
  const auto* offsets = static_cast<const Offset*>(column.buffers[1]);
  const auto* chars = static_cast<const char*>(column.buffers[2]);
  return std::string_view(chars + offsets[row],
                          static_cast<size_t>(offsets[row + 1] - offsets[row]));
}

Status ReadStrings(const ArrowSchema& schema, const ArrowArray& column,
                   std::vector<std::optional<std::string>>* out) {
  const std::string_view format = schema.format;
  if (format != "u" && format != "U") {
    return Status::Invalid(std::string("column '") + schema.name +
                           "' must be a string column, got Arrow format '" + schema.format + "'");
  }
  out->reserve(column.length);
  for (int64_t i = 0; i < column.length; ++i) {
    const auto value = format == "u" ? StringAt<int32_t>(column, i) : StringAt<int64_t>(column, i);
    out->push_back(value ? std::optional<std::string>(*value) : std::nullopt);
  }
  return Status::OK();
}

bool IsValid(const ArrowArray& array, int64_t i) {
  const auto* validity = static_cast<const uint8_t*>(array.buffers[0]);
  const int64_t row = array.offset + i;
  return validity == nullptr || (validity[row / 8] & (1u << (row % 8)));
}

// The [begin, end) child rows of row `i` of a list ("+l"), large list ("+L") or fixed-size list
// ("+w:N") array.
std::pair<int64_t, int64_t> ListRange(const ArrowSchema& schema, const ArrowArray& array,
                                      int64_t i) {
  const std::string_view format = schema.format;
  const int64_t row = array.offset + i;
  if (format == "+l") {
    const auto* offsets = static_cast<const int32_t*>(array.buffers[1]);
    return {offsets[row], offsets[row + 1]};
  }
  if (format == "+L") {
    const auto* offsets = static_cast<const int64_t*>(array.buffers[1]);
    return {offsets[row], offsets[row + 1]};
  }
  const int64_t size = std::stoll(std::string(format.substr(3)));
  return {row * size, (row + 1) * size};
}

bool IsList(std::string_view format) {
  return format == "+l" || format == "+L" || format.substr(0, 3) == "+w:";
}

// A bbox column: a list of boxes per row, each a list of 4 numbers, float64 ("g") or float32
// ("f"), as the reference reads them from parquet. A row whose boxes do not have that shape
// keeps an error for its sample instead.
Status ReadBoundingBoxes(const ArrowSchema& schema, const ArrowArray& column,
                         std::vector<std::optional<BoundingBoxes>>* out) {
  const auto type_error = [&] {
    return Status::Invalid(std::string("column '") + schema.name +
                           "' must be a list of [x_min, y_min, x_max, y_max] lists of floats, got "
                           "Arrow format '" +
                           schema.format + "'");
  };
  if (!IsList(schema.format) || schema.n_children != 1 || column.n_children != 1) {
    return type_error();
  }
  const ArrowSchema& box_schema = *schema.children[0];
  const ArrowArray& boxes = *column.children[0];
  if (!IsList(box_schema.format) || box_schema.n_children != 1 || boxes.n_children != 1) {
    return type_error();
  }
  const ArrowSchema& value_schema = *box_schema.children[0];
  const ArrowArray& values = *boxes.children[0];
  const std::string_view value_format = value_schema.format;
  if (value_format != "g" && value_format != "f") return type_error();
  const bool single = value_format == "f";
  const auto value_at = [&](int64_t j) -> double {
    const int64_t at = values.offset + j;
    return single ? static_cast<const float*>(values.buffers[1])[at]
                  : static_cast<const double*>(values.buffers[1])[at];
  };

  out->reserve(column.length);
  for (int64_t i = 0; i < column.length; ++i) {
    if (!IsValid(column, i)) {
      out->push_back(std::nullopt);
      continue;
    }
    BoundingBoxes row;
    row.single_precision = single;
    const auto [first_box, end_box] = ListRange(schema, column, i);
    for (int64_t b = first_box; b < end_box && row.error.empty(); ++b) {
      const auto [first, end] = ListRange(box_schema, boxes, b);
      row.error = BoundingBoxShapeError(IsValid(boxes, b) ? std::optional<size_t>(end - first)
                                                          : std::nullopt);
      std::array<double, 4> box{};
      for (int k = 0; k < 4 && row.error.empty(); ++k) {
        const std::optional<double> value =
            IsValid(values, first + k) ? std::optional<double>(value_at(first + k)) : std::nullopt;
        row.error = BoundingBoxValueError(value);
        if (value) box[static_cast<size_t>(k)] = *value;
      }
      if (row.error.empty()) row.boxes.push_back(box);
    }
    out->push_back(std::move(row));
  }
  return Status::OK();
}

}  // namespace

Status ImportShardRows(const ArrowSchema& schema, const ArrowArray& array, ShardInput* input) {
  if (std::string_view(schema.format) != "+s" || schema.n_children != array.n_children) {
    return Status::Invalid("shard rows must be an Arrow record batch (struct array)");
  }
  if (array.offset != 0) return Status::Invalid("shard rows must not be a sliced struct array");
  bool has_url = false;
  for (int64_t c = 0; c < schema.n_children; ++c) {
    const ArrowSchema& child_schema = *schema.children[c];
    const ArrowArray& child = *array.children[c];
    const std::string_view name = child_schema.name ? child_schema.name : "";
    if (name == "url") {
      std::vector<std::optional<std::string>> urls;
      RETURN_NOT_OK(ReadStrings(child_schema, child, &urls));
      input->urls.clear();
      for (auto& url : urls) input->urls.push_back(url.value_or(""));
      has_url = true;
    } else if (name == "caption") {
      input->captions.clear();
      RETURN_NOT_OK(ReadStrings(child_schema, child, &input->captions));
    } else if (name == "row_index") {
      if (std::string_view(child_schema.format) != "l") {
        return Status::Invalid(std::string("column 'row_index' must be int64, got Arrow format '") +
                               child_schema.format + "'");
      }
      const auto* values = static_cast<const int64_t*>(child.buffers[1]);
      input->row_indices.assign(values + child.offset, values + child.offset + child.length);
      for (int64_t i = 0; i < child.length; ++i) {
        if (!IsValid(child, i) || input->row_indices[static_cast<size_t>(i)] < 0) {
          return Status::Invalid("column 'row_index' must hold non-negative values, no nulls");
        }
      }
    } else if (name == "json_members") {
      input->json_members.clear();
      RETURN_NOT_OK(ReadStrings(child_schema, child, &input->json_members));
    } else if (name == "bbox") {
      input->bounding_boxes.clear();
      RETURN_NOT_OK(ReadBoundingBoxes(child_schema, child, &input->bounding_boxes));
    } else if (name == "expected_hash") {
      input->expected_hashes.clear();
      RETURN_NOT_OK(ReadStrings(child_schema, child, &input->expected_hashes));
    }
  }
  if (!has_url) return Status::Invalid("shard rows have no 'url' column");
  return Status::OK();  // column lengths: ShardInput::Validate, in Engine::RunShard
}

}  // namespace img2dataset
