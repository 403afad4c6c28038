#include "shard/input_table.h"

#include <cstring>
#include <string_view>

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
    } else if (name == "expected_hash") {
      input->expected_hashes.clear();
      RETURN_NOT_OK(ReadStrings(child_schema, child, &input->expected_hashes));
    }
  }
  if (!has_url) return Status::Invalid("shard rows have no 'url' column");
  return Status::OK();
}

}  // namespace img2dataset
