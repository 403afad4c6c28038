#include "shard/extra_columns.h"

#include <cmath>
#include <optional>
#include <string_view>
#include <tuple>

#include "shard/tf_example.h"
#include "util/python_json.h"
#include "util/python_repr.h"

namespace img2dataset {

namespace {

using Kind = ArrayView::Kind;

bool IsNumber(Kind kind) {
  return kind == Kind::kBool || kind == Kind::kInt || kind == Kind::kUInt;
}

// json.dumps's float: repr, with JavaScript's names for the non-finite values.
std::string JsonFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return PythonFloatRepr(value);
}

void AppendIndent(std::string& out, int depth) { out.append(static_cast<size_t>(depth) * 4, ' '); }

// Appends value `i` of `v` as json.dumps writes it: with indent=4 at nesting `depth` when
// `indent`, else on one line with ", " and ": " separators.
void AppendJson(std::string& out, const ArrayView& v, int64_t i, bool indent, int depth) {
  if (!v.IsValid(i)) {
    out += "null";
    return;
  }
  switch (v.kind()) {
    case Kind::kBool:
      out += v.BoolAt(i) ? "true" : "false";
      return;
    case Kind::kInt:
      out += std::to_string(v.IntAt(i));
      return;
    case Kind::kUInt:
      out += std::to_string(v.UIntAt(i));
      return;
    case Kind::kFloat:
      out += JsonFloat(v.FloatAt(i));
      return;
    case Kind::kString:
      AppendPythonJsonString(out, v.BytesAt(i));
      return;
    case Kind::kBinary:  // default=str: the bytes' repr, as a string
      AppendPythonJsonString(out, PythonBytesRepr(v.BytesAt(i)));
      return;
    default:
      break;
  }
  const bool list = v.kind() == Kind::kList;
  int64_t begin = 0, end = v.num_children();
  if (list) std::tie(begin, end) = v.ListRange(i);
  if (begin == end) {
    out += list ? "[]" : "{}";
    return;
  }
  out += list ? '[' : '{';
  for (int64_t k = begin; k < end; ++k) {
    if (k > begin) out += indent ? "," : ", ";
    if (indent) {
      out += '\n';
      AppendIndent(out, depth + 1);
    }
    if (list) {
      AppendJson(out, v.child(0), k, indent, depth + 1);
    } else {
      const ArrayView field = v.child(k);
      AppendPythonJsonString(out, field.name());
      out += ": ";
      AppendJson(out, field, v.StructChildRow(i), indent, depth + 1);
    }
  }
  if (indent) {
    out += '\n';
    AppendIndent(out, depth);
  }
  out += list ? ']' : '}';
}

std::string OneLineJson(const ArrayView& v, int64_t i) {
  std::string text;
  AppendJson(text, v, i, /*indent=*/false, 0);
  return text;
}

// A list value: int64_list, float_list or bytes_list when its elements allow, else nullopt.
std::optional<std::string> ListFeature(const ArrayView& items, int64_t begin, int64_t end) {
  if (begin == end) return std::nullopt;
  bool all_valid = true;
  for (int64_t k = begin; k < end; ++k) all_valid = all_valid && items.IsValid(k);
  if (IsNumber(items.kind()) && all_valid) {
    std::vector<int64_t> values;
    for (int64_t k = begin; k < end; ++k) {
      values.push_back(items.kind() == Kind::kBool  ? int64_t{items.BoolAt(k)}
                       : items.kind() == Kind::kInt ? items.IntAt(k)
                                                    : static_cast<int64_t>(items.UIntAt(k)));
    }
    return Int64Feature(values);
  }
  if (items.kind() == Kind::kFloat && all_valid) {
    std::vector<float> values;
    for (int64_t k = begin; k < end; ++k) values.push_back(static_cast<float>(items.FloatAt(k)));
    return FloatFeature(values);
  }
  if (items.kind() == Kind::kString || items.kind() == Kind::kBinary ||
      items.kind() == Kind::kNull) {
    std::vector<std::string_view> values;
    for (int64_t k = begin; k < end; ++k) {
      values.push_back(items.IsValid(k) ? items.BytesAt(k) : std::string_view());
    }
    return BytesFeature(values);
  }
  return std::nullopt;
}

std::string Feature(const ArrayView& v, int64_t i) {
  if (!v.IsValid(i)) return BytesFeature({std::string_view()});
  switch (v.kind()) {
    case Kind::kBool:
      return Int64Feature({int64_t{v.BoolAt(i)}});
    case Kind::kInt:
      return Int64Feature({v.IntAt(i)});
    case Kind::kUInt:
      return Int64Feature({static_cast<int64_t>(v.UIntAt(i))});
    case Kind::kFloat:
      return FloatFeature({static_cast<float>(v.FloatAt(i))});
    case Kind::kString:
    case Kind::kBinary:
      return BytesFeature({v.BytesAt(i)});
    case Kind::kList: {
      const auto [begin, end] = v.ListRange(i);
      if (auto feature = ListFeature(v.child(0), begin, end)) return *std::move(feature);
      break;
    }
    default:
      break;
  }
  const std::string text = OneLineJson(v, i);
  return BytesFeature({std::string_view(text)});
}

Status CheckValue(const ArrayView& v, std::string_view column) {
  if (v.dictionary_encoded() || v.kind() == Kind::kOther) {
    return Status::Invalid("column '" + std::string(column) + "' has Arrow format '" +
                           std::string(v.format()) + "', which the engine does not write");
  }
  for (int64_t k = 0; k < v.num_children(); ++k) RETURN_NOT_OK(CheckValue(v.child(k), column));
  return Status::OK();
}

}  // namespace

Status CheckExtraColumns(const ArrayView& columns) {
  if (columns.kind() != Kind::kStruct) {
    return Status::Invalid("the extra columns must be a struct column");
  }
  for (int64_t c = 0; c < columns.num_children(); ++c) {
    RETURN_NOT_OK(CheckValue(columns.child(c), columns.child(c).name()));
  }
  return Status::OK();
}

std::string ExtraColumnsJsonMembers(const ArrayView& columns, int64_t row) {
  std::string members;
  const int64_t at = columns.StructChildRow(row);
  for (int64_t c = 0; c < columns.num_children(); ++c) {
    const ArrayView column = columns.child(c);
    if (c > 0) members += ',';
    members += "\n    ";
    AppendPythonJsonString(members, column.name());
    members += ": ";
    AppendJson(members, column, at, /*indent=*/true, 1);
  }
  return members;
}

std::vector<std::string> ExtraColumnsFeatures(const ArrayView& columns, int64_t row) {
  std::vector<std::string> features;
  const int64_t at = columns.StructChildRow(row);
  for (int64_t c = 0; c < columns.num_children(); ++c)
    features.push_back(Feature(columns.child(c), at));
  return features;
}

}  // namespace img2dataset
