// Read-only access to the values of an array received through the Arrow C Data Interface: one
// (schema, array) pair, its children, and typed reads of row `i` for the layouts the engine reads
// (nulls, booleans, integers, floats, utf8/binary in both offset widths, lists, structs).
//
// Thread safety: a view is a pair of pointers; it reads buffers the producer keeps alive.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "arrow_c/arrow_c_abi.h"

namespace img2dataset {

class ArrayView {
 public:
  enum class Kind { kNull, kBool, kInt, kUInt, kFloat, kString, kBinary, kList, kStruct, kOther };

  // REQUIRES: schema and array describe the same array and outlive the view.
  ArrayView(const ArrowSchema& schema, const ArrowArray& array);

  Kind kind() const { return kind_; }
  std::string_view format() const { return schema_->format; }
  std::string_view name() const { return schema_->name != nullptr ? schema_->name : ""; }
  int64_t length() const { return array_->length; }
  // A dictionary-encoded array: kind() is then that of its indices, not of its values.
  bool dictionary_encoded() const { return schema_->dictionary != nullptr; }

  int64_t num_children() const { return schema_->n_children; }
  ArrayView child(int64_t k) const { return {*schema_->children[k], *array_->children[k]}; }

  bool IsValid(int64_t i) const;
  // REQUIRES: the matching kind, and IsValid(i) (a null slot holds an unspecified value).
  bool BoolAt(int64_t i) const;
  int64_t IntAt(int64_t i) const;             // kInt
  uint64_t UIntAt(int64_t i) const;           // kUInt
  double FloatAt(int64_t i) const;            // kFloat: float16 is kOther, float32 widened
  std::string_view BytesAt(int64_t i) const;  // kString, kBinary
  // kList: the [begin, end) rows of child(0) that make row i.
  std::pair<int64_t, int64_t> ListRange(int64_t i) const;
  // kStruct: the row of each child that holds row i (the struct's own offset applies to them).
  int64_t StructChildRow(int64_t i) const { return array_->offset + i; }

 private:
  const ArrowSchema* schema_;
  const ArrowArray* array_;
  Kind kind_;
  int width_ = 0;          // bytes per value (integers, floats), per offset (strings, lists)
  int64_t list_size_ = 0;  // fixed-size lists
};

}  // namespace img2dataset
