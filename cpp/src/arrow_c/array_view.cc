#include "arrow_c/array_view.h"

#include <cstring>
#include <string>

namespace img2dataset {

namespace {

template <typename T>
T Load(const void* buffer, int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char*>(buffer) + index * static_cast<int64_t>(sizeof(T)),
              sizeof(T));
  return value;
}

}  // namespace

ArrayView::ArrayView(const ArrowSchema& schema, const ArrowArray& array)
    : schema_(&schema), array_(&array), kind_(Kind::kOther) {
  const std::string_view f = schema.format;
  if (f == "n") {
    kind_ = Kind::kNull;
  } else if (f == "b") {
    kind_ = Kind::kBool;
  } else if (f.size() == 1 && std::strchr("csil", f[0]) != nullptr) {  // int8 .. int64
    kind_ = Kind::kInt;
    width_ = f == "c" ? 1 : f == "s" ? 2 : f == "i" ? 4 : 8;
  } else if (f.size() == 1 && std::strchr("CSIL", f[0]) != nullptr) {  // uint8 .. uint64
    kind_ = Kind::kUInt;
    width_ = f == "C" ? 1 : f == "S" ? 2 : f == "I" ? 4 : 8;
  } else if (f == "f" || f == "g") {
    kind_ = Kind::kFloat;
    width_ = f == "f" ? 4 : 8;
  } else if (f == "u" || f == "U" || f == "z" || f == "Z") {
    kind_ = f == "u" || f == "U" ? Kind::kString : Kind::kBinary;
    width_ = f == "u" || f == "z" ? 4 : 8;
  } else if (f == "+l" || f == "+L") {
    kind_ = Kind::kList;
    width_ = f == "+l" ? 4 : 8;
  } else if (f.substr(0, 3) == "+w:") {
    kind_ = Kind::kList;
    list_size_ = std::stoll(std::string(f.substr(3)));
  } else if (f == "+s") {
    kind_ = Kind::kStruct;
  }
}

bool ArrayView::IsValid(int64_t i) const {
  if (kind_ == Kind::kNull) return false;
  const auto* validity = static_cast<const uint8_t*>(array_->buffers[0]);
  const int64_t row = array_->offset + i;
  return validity == nullptr || (validity[row / 8] & (1u << (row % 8))) != 0;
}

bool ArrayView::BoolAt(int64_t i) const {
  const int64_t row = array_->offset + i;
  return (static_cast<const uint8_t*>(array_->buffers[1])[row / 8] & (1u << (row % 8))) != 0;
}

int64_t ArrayView::IntAt(int64_t i) const {
  const void* values = array_->buffers[1];
  const int64_t row = array_->offset + i;
  switch (width_) {
    case 1:
      return Load<int8_t>(values, row);
    case 2:
      return Load<int16_t>(values, row);
    case 4:
      return Load<int32_t>(values, row);
    default:
      return Load<int64_t>(values, row);
  }
}

uint64_t ArrayView::UIntAt(int64_t i) const {
  const void* values = array_->buffers[1];
  const int64_t row = array_->offset + i;
  switch (width_) {
    case 1:
      return Load<uint8_t>(values, row);
    case 2:
      return Load<uint16_t>(values, row);
    case 4:
      return Load<uint32_t>(values, row);
    default:
      return Load<uint64_t>(values, row);
  }
}

double ArrayView::FloatAt(int64_t i) const {
  const int64_t row = array_->offset + i;
  return width_ == 4 ? Load<float>(array_->buffers[1], row) : Load<double>(array_->buffers[1], row);
}

std::string_view ArrayView::BytesAt(int64_t i) const {
  const int64_t row = array_->offset + i;
  const void* offsets = array_->buffers[1];
  const int64_t begin = width_ == 4 ? Load<int32_t>(offsets, row) : Load<int64_t>(offsets, row);
  const int64_t end =
      width_ == 4 ? Load<int32_t>(offsets, row + 1) : Load<int64_t>(offsets, row + 1);
  return {static_cast<const char*>(array_->buffers[2]) + begin, static_cast<size_t>(end - begin)};
}

std::pair<int64_t, int64_t> ArrayView::ListRange(int64_t i) const {
  const int64_t row = array_->offset + i;
  if (list_size_ > 0 || width_ == 0) return {row * list_size_, (row + 1) * list_size_};
  const void* offsets = array_->buffers[1];
  if (width_ == 4) return {Load<int32_t>(offsets, row), Load<int32_t>(offsets, row + 1)};
  return {Load<int64_t>(offsets, row), Load<int64_t>(offsets, row + 1)};
}

}  // namespace img2dataset
