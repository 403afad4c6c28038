#include "arrow_c/struct_export.h"

#include <utility>

namespace img2dataset {

struct StructExport::Table {
  std::vector<std::unique_ptr<Column>> columns;
  std::vector<ArrowSchema> child_schemas;
  std::vector<ArrowSchema*> child_schema_pointers;
  std::vector<ArrowArray> child_arrays;
  std::vector<ArrowArray*> child_array_pointers;
  const void* struct_buffers[1] = {nullptr};
};

namespace {

// The schema, the array and each of their children share one Table; whichever is released last
// frees it. Children hold their own reference because a consumer may move them out and release
// the parents first (C Data Interface, "Moving child arrays").
template <typename Table>
struct Shared {
  std::shared_ptr<Table> table;
};

template <typename Struct, typename Table>
void ReleaseChild(Struct* child) {
  delete static_cast<Shared<Table>*>(child->private_data);
  child->release = nullptr;
}

template <typename Struct, typename Table>
void ReleaseParent(Struct* parent) {
  for (int64_t i = 0; i < parent->n_children; ++i) {
    if (parent->children[i]->release) parent->children[i]->release(parent->children[i]);
  }
  delete static_cast<Shared<Table>*>(parent->private_data);
  parent->release = nullptr;
}

}  // namespace

void StructExport::Column::SetValid(bool valid) {
  const auto row = static_cast<size_t>(rows_++);
  if (validity_.size() <= row / 8) validity_.resize(row / 8 + 1, 0);
  if (valid) {
    validity_[row / 8] |= static_cast<uint8_t>(1U << (row % 8));
  } else {
    ++null_count_;
  }
}

void StructExport::Column::AddString(const std::optional<std::string_view>& value) {
  SetValid(value.has_value());
  if (value) chars_.append(value->data(), value->size());
  if (format_ == "Z") {
    large_offsets_.push_back(static_cast<int64_t>(chars_.size()));
  } else {
    offsets_.push_back(static_cast<int32_t>(chars_.size()));
  }
}

void StructExport::Column::Reserve(size_t rows, size_t bytes) {
  validity_.reserve(rows / 8 + 1);
  if (format_ == "Z") {
    large_offsets_.reserve(rows + 1);
  } else {
    offsets_.reserve(rows + 1);
  }
  chars_.reserve(bytes);
}

void StructExport::Column::AddInt(const std::optional<int>& value) {
  SetValid(value.has_value());
  values_.push_back(value.value_or(0));
}

StructExport::StructExport() : table_(std::make_shared<Table>()) {}
StructExport::~StructExport() = default;

StructExport::Column& StructExport::AddColumn(std::string name, std::string format) {
  auto column = std::make_unique<Column>();
  column->name_ = std::move(name);
  column->format_ = std::move(format);
  table_->columns.push_back(std::move(column));
  return *table_->columns.back();
}

void StructExport::Export(int64_t rows, ArrowSchema* schema, ArrowArray* array) {
  std::shared_ptr<Table> table = std::move(table_);
  const size_t n = table->columns.size();
  table->child_schemas.resize(n);
  table->child_arrays.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Column& c = *table->columns[i];
    c.validity_.resize((rows + 7) / 8, 0);
    const bool is_large = c.format_ == "Z";
    const bool is_string = c.format_ == "u" || is_large;
    const void* values = is_large    ? static_cast<const void*>(c.large_offsets_.data())
                         : is_string ? static_cast<const void*>(c.offsets_.data())
                                     : static_cast<const void*>(c.values_.data());
    c.buffers_ = {c.null_count_ > 0 ? c.validity_.data() : nullptr, values};
    if (is_string) c.buffers_.push_back(c.chars_.data());
    table->child_schemas[i] = ArrowSchema{c.format_.c_str(),
                                          c.name_.c_str(),
                                          nullptr,
                                          ARROW_FLAG_NULLABLE,
                                          0,
                                          nullptr,
                                          nullptr,
                                          ReleaseChild<ArrowSchema, Table>,
                                          new Shared<Table>{table}};
    table->child_arrays[i] = ArrowArray{rows,
                                        c.null_count_,
                                        0,
                                        static_cast<int64_t>(c.buffers_.size()),
                                        0,
                                        c.buffers_.data(),
                                        nullptr,
                                        nullptr,
                                        ReleaseChild<ArrowArray, Table>,
                                        new Shared<Table>{table}};
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
                        ReleaseParent<ArrowSchema, Table>,
                        new Shared<Table>{table}};
  *array = ArrowArray{rows,
                      0,
                      0,
                      1,
                      static_cast<int64_t>(n),
                      table->struct_buffers,
                      table->child_array_pointers.data(),
                      nullptr,
                      ReleaseParent<ArrowArray, Table>,
                      new Shared<Table>{table}};
}

}  // namespace img2dataset
