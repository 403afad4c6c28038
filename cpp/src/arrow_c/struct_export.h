// A record batch built column by column in memory and handed over as an Arrow C Data Interface
// struct array (what pyarrow.RecordBatch._import_from_c reads without a copy). The buffers stay
// alive until the consumer releases the schema, the array and every child it moved out.
//
// Thread safety: a builder belongs to one thread; the exported structs may be released from any.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_c/arrow_c_abi.h"

namespace img2dataset {

class StructExport {
 public:
  // One nullable column: utf8 ("u"), large_binary ("Z": 64-bit offsets, for a shard's images)
  // or int32 ("i").
  class Column {
   public:
    // utf8 or large_binary.
    void AddString(const std::optional<std::string_view>& value);
    void AddInt(const std::optional<int>& value);
    // Room for `rows` values of `bytes` in all, so that appending never copies what is there.
    void Reserve(size_t rows, size_t bytes);

   private:
    friend class StructExport;
    void SetValid(bool valid);

    std::string name_;
    std::string format_;
    int64_t rows_ = 0;
    std::vector<uint8_t> validity_;
    int64_t null_count_ = 0;
    std::vector<int32_t> offsets_{0};        // utf8
    std::vector<int64_t> large_offsets_{0};  // large_binary
    std::string chars_;                      // utf8, large_binary
    std::vector<int32_t> values_;            // int32
    std::vector<const void*> buffers_;
  };

  StructExport();
  ~StructExport();
  StructExport(const StructExport&) = delete;
  StructExport& operator=(const StructExport&) = delete;

  // A new last column. The reference stays valid until Export.
  Column& AddColumn(std::string name, std::string format);

  // Fills *schema and *array with the columns (each of `rows` values); the caller, or whoever it
  // hands them to, calls their release callbacks. The builder is spent.
  void Export(int64_t rows, ArrowSchema* schema, ArrowArray* array);

 private:
  struct Table;
  std::shared_ptr<Table> table_;
};

}  // namespace img2dataset
