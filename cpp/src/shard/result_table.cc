#include "shard/result_table.h"

#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace img2dataset {

namespace {

// One exported column: owns its buffers until the consumer releases the array.
struct Column {
  std::string name;
  std::string format;  // "u" (utf8) or "i" (int32)
  std::vector<uint8_t> validity;
  int64_t null_count = 0;
  std::vector<int32_t> offsets{0};  // utf8
  std::string chars;                // utf8
  std::vector<int32_t> values;      // int32
  std::vector<const void*> buffers;

  void SetValid(size_t row, bool valid) {
    if (validity.size() <= row / 8) validity.resize(row / 8 + 1, 0);
    if (valid) {
      validity[row / 8] |= static_cast<uint8_t>(1u << (row % 8));
    } else {
      ++null_count;
    }
  }
  void AddString(size_t row, const std::optional<std::string_view>& value) {
    SetValid(row, value.has_value());
    if (value) chars.append(value->data(), value->size());
    offsets.push_back(static_cast<int32_t>(chars.size()));
  }
  void AddInt(size_t row, const std::optional<int>& value) {
    SetValid(row, value.has_value());
    values.push_back(value.value_or(0));
  }
};

struct TablePrivate {
  std::vector<std::unique_ptr<Column>> columns;
  std::vector<ArrowSchema> child_schemas;
  std::vector<ArrowSchema*> child_schema_pointers;
  std::vector<ArrowArray> child_arrays;
  std::vector<ArrowArray*> child_array_pointers;
  const void* struct_buffers[1] = {nullptr};
};

// The schema, the array and each of their children share one TablePrivate; whichever is
// released last frees it. Children hold their own reference because a consumer may move them
// out and release the parents first (C Data Interface, "Moving child arrays").
struct SharedPrivate {
  std::shared_ptr<TablePrivate> table;
};

void ReleaseChildSchema(ArrowSchema* schema) {
  delete static_cast<SharedPrivate*>(schema->private_data);
  schema->release = nullptr;
}
void ReleaseChildArray(ArrowArray* array) {
  delete static_cast<SharedPrivate*>(array->private_data);
  array->release = nullptr;
}

void ReleaseSchema(ArrowSchema* schema) {
  for (int64_t i = 0; i < schema->n_children; ++i) {
    if (schema->children[i]->release) schema->children[i]->release(schema->children[i]);
  }
  delete static_cast<SharedPrivate*>(schema->private_data);
  schema->release = nullptr;
}

void ReleaseArray(ArrowArray* array) {
  for (int64_t i = 0; i < array->n_children; ++i) {
    if (array->children[i]->release) array->children[i]->release(array->children[i]);
  }
  delete static_cast<SharedPrivate*>(array->private_data);
  array->release = nullptr;
}

// "http_404" for HTTP errors, so that statistics tell a 404 from a 403; the class name otherwise.
std::string ErrorClassLabel(const SampleResult& s) {
  const bool http = s.error_class == ErrorClass::kHttp4xx ||
                    s.error_class == ErrorClass::kHttp5xx || s.error_class == ErrorClass::kHttp429;
  if (http && s.http_status > 0) return "http_" + std::to_string(s.http_status);
  return ErrorClassName(s.error_class);
}

}  // namespace

void ExportResultTable(const std::vector<SampleResult>& samples, const OutputOptions& options,
                       ArrowSchema* schema, ArrowArray* array) {
  auto table = std::make_shared<TablePrivate>();
  const auto add_column = [&](std::string name, std::string format) -> Column& {
    auto column = std::make_unique<Column>();
    column->name = std::move(name);
    column->format = std::move(format);
    table->columns.push_back(std::move(column));
    return *table->columns.back();
  };
  Column& key = add_column("key", "u");
  Column& status = add_column("status", "u");
  Column& error_message = add_column("error_message", "u");
  Column& width = add_column("width", "i");
  Column& height = add_column("height", "i");
  Column& original_width = add_column("original_width", "i");
  Column& original_height = add_column("original_height", "i");
  Column* exif = options.extract_exif ? &add_column("exif", "u") : nullptr;
  Column* hash = options.compute_hash != HashAlgorithm::kNone
                     ? &add_column(HashAlgorithmName(options.compute_hash), "u")
                     : nullptr;
  Column& error_class = add_column("error_class", "u");

  const auto view = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
    if (!s) return std::nullopt;
    return std::string_view(*s);
  };
  for (size_t row = 0; row < samples.size(); ++row) {
    const SampleResult& s = samples[row];
    const bool success = s.status == SampleStatus::kSuccess;
    key.AddString(row, s.key);
    status.AddString(row, std::string_view(SampleStatusName(s.status)));
    error_message.AddString(
        row, success ? std::nullopt : std::optional<std::string_view>(s.error_message));
    width.AddInt(row, s.width);
    height.AddInt(row, s.height);
    original_width.AddInt(row, s.original_width);
    original_height.AddInt(row, s.original_height);
    if (exif) exif->AddString(row, view(s.exif));
    if (hash) hash->AddString(row, view(s.hash));
    const std::string label = ErrorClassLabel(s);
    error_class.AddString(row, success ? std::nullopt : std::optional<std::string_view>(label));
  }

  const size_t n = table->columns.size();
  table->child_schemas.resize(n);
  table->child_arrays.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Column& c = *table->columns[i];
    c.validity.resize((samples.size() + 7) / 8, 0);
    const bool is_string = c.format == "u";
    c.buffers = {c.null_count > 0 ? c.validity.data() : nullptr,
                 is_string ? static_cast<const void*>(c.offsets.data())
                           : static_cast<const void*>(c.values.data())};
    if (is_string) c.buffers.push_back(c.chars.data());

    table->child_schemas[i] = ArrowSchema{c.format.c_str(),
                                          c.name.c_str(),
                                          nullptr,
                                          ARROW_FLAG_NULLABLE,
                                          0,
                                          nullptr,
                                          nullptr,
                                          ReleaseChildSchema,
                                          new SharedPrivate{table}};
    table->child_arrays[i] = ArrowArray{static_cast<int64_t>(samples.size()),
                                        c.null_count,
                                        0,
                                        static_cast<int64_t>(c.buffers.size()),
                                        0,
                                        c.buffers.data(),
                                        nullptr,
                                        nullptr,
                                        ReleaseChildArray,
                                        new SharedPrivate{table}};
  }
  for (size_t i = 0; i < n; ++i) {
    table->child_schema_pointers.push_back(&table->child_schemas[i]);
    table->child_array_pointers.push_back(&table->child_arrays[i]);
  }

  *schema = ArrowSchema{"+s",
                        "",
                        nullptr,
                        0,
                        static_cast<int64_t>(n),
                        table->child_schema_pointers.data(),
                        nullptr,
                        ReleaseSchema,
                        new SharedPrivate{table}};
  *array = ArrowArray{static_cast<int64_t>(samples.size()),
                      0,
                      0,
                      1,
                      static_cast<int64_t>(n),
                      table->struct_buffers,
                      table->child_array_pointers.data(),
                      nullptr,
                      ReleaseArray,
                      new SharedPrivate{table}};
}

}  // namespace img2dataset
