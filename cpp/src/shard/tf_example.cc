#include "shard/tf_example.h"

#include <cstring>
#include <utility>

namespace img2dataset {

namespace {

// Tags of length-delimited fields (wire type 2) by field number: (number << 3) | 2.
// Field 1: Example.features, Features.feature, a map entry's key, Feature.bytes_list, *List.value.
// Field 2: a map entry's value, Feature.float_list. Field 3: Feature.int64_list.
constexpr char kField1Bytes = 0x0a;
constexpr char kField2Bytes = 0x12;
constexpr char kField3Bytes = 0x1a;

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

// Size of a length-delimited field whose payload is `payload_size` bytes: tag, length, payload.
size_t DelimitedSize(size_t payload_size) { return 1 + VarintSize(payload_size) + payload_size; }

void AppendDelimitedHeader(std::string& out, char tag, size_t payload_size) {
  out += tag;
  AppendVarint(out, payload_size);
}

// A Feature holding one list message of `list_size` bytes under `tag`, the list's body written by
// `append_list`; the result is allocated once.
template <typename AppendList>
std::string ListFeature(char tag, size_t list_size, AppendList append_list) {
  std::string feature;
  feature.reserve(DelimitedSize(list_size));
  AppendDelimitedHeader(feature, tag, list_size);
  append_list(feature);
  return feature;
}

// A list of scalars as a packed repeated field 1: nothing at all when empty, as protobuf writes it.
size_t PackedListSize(size_t packed_size) {
  return packed_size == 0 ? 0 : DelimitedSize(packed_size);
}

}  // namespace

std::string BytesFeature(const std::vector<std::string_view>& values) {
  size_t list_size = 0;
  for (std::string_view value : values) list_size += DelimitedSize(value.size());
  return ListFeature(kField1Bytes, list_size, [&](std::string& out) {
    for (std::string_view value : values) {
      AppendDelimitedHeader(out, kField1Bytes, value.size());
      out.append(value);
    }
  });
}

std::string Int64Feature(const std::vector<int64_t>& values) {
  // A negative int64 is the varint of its two's-complement uint64: always 10 bytes.
  size_t packed_size = 0;
  for (int64_t value : values) packed_size += VarintSize(static_cast<uint64_t>(value));
  return ListFeature(kField3Bytes, PackedListSize(packed_size), [&](std::string& out) {
    if (packed_size == 0) return;
    AppendDelimitedHeader(out, kField1Bytes, packed_size);
    for (int64_t value : values) AppendVarint(out, static_cast<uint64_t>(value));
  });
}

std::string FloatFeature(const std::vector<float>& values) {
  static_assert(sizeof(float) == 4, "float must be IEEE-754 binary32");
  const size_t packed_size = 4 * values.size();
  return ListFeature(kField2Bytes, PackedListSize(packed_size), [&](std::string& out) {
    if (packed_size == 0) return;
    AppendDelimitedHeader(out, kField1Bytes, packed_size);
    for (float value : values) {
      uint32_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((bits >> shift) & 0xff);
    }
  });
}

void TfExample::Set(std::string_view name, std::string feature) {
  auto it = features_.find(name);
  if (it == features_.end()) {
    features_.emplace(std::string(name), std::move(feature));
  } else {
    it->second = std::move(feature);
  }
}

std::string TfExample::Serialize() const {
  // Sizes first, so that the Example (an image of ~100 KB in it) is allocated and copied once.
  // std::map orders std::string keys as unsigned bytes, the order deterministic protobuf uses.
  auto entry_size = [](const std::string& name, const std::string& feature) {
    return DelimitedSize(name.size()) + DelimitedSize(feature.size());
  };
  size_t features_size = 0;
  for (const auto& [name, feature] : features_) {
    features_size += DelimitedSize(entry_size(name, feature));
  }
  std::string out;
  out.reserve(DelimitedSize(features_size));
  AppendDelimitedHeader(out, kField1Bytes, features_size);
  for (const auto& [name, feature] : features_) {
    AppendDelimitedHeader(out, kField1Bytes, entry_size(name, feature));
    AppendDelimitedHeader(out, kField1Bytes, name.size());
    out.append(name);
    AppendDelimitedHeader(out, kField2Bytes, feature.size());
    out.append(feature);
  }
  return out;
}

}  // namespace img2dataset
