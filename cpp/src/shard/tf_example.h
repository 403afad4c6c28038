// tensorflow.Example, the record output_format="tfrecord" stores per sample, encoded by hand in
// the protobuf wire format (no protobuf library): the bytes are those C++ protobuf's
// deterministic serialization produces for the same features — map entries sorted by the bytes
// of their names, each with its key and value fields written, list values packed. (Python
// protobuf orders names that share a prefix longest first, "blob" before "b"; every entry's bytes
// are the same, and readers do not depend on the order.)
//
// Thread safety: the free functions are safe from any thread; a TfExample is a value, not
// thread-safe to mutate.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace img2dataset {

// Serialized tensorflow.Feature messages, one per kind of list. An empty list still sets the
// kind: FloatFeature({}) is the two bytes 0x12 0x00.
std::string BytesFeature(const std::vector<std::string_view>& values);
std::string Int64Feature(const std::vector<int64_t>& values);
std::string FloatFeature(const std::vector<float>& values);

// A tensorflow.Example being built: features by name.
class TfExample {
 public:
  // `feature` is a serialized tensorflow.Feature (BytesFeature() and the others). Setting a name
  // again replaces its value.
  void Set(std::string_view name, std::string feature);

  // The serialized Example, its features field always present (0x0a 0x00 with no feature), its
  // entries sorted by the bytes of their names.
  std::string Serialize() const;

 private:
  std::map<std::string, std::string, std::less<>> features_;
};

}  // namespace img2dataset
