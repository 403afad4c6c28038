// Reads the rows of a shard from an Arrow record batch (a struct array) received through the C
// Data Interface: a "url" column and optional "caption" and "expected_hash" columns, utf8 or
// large_utf8, an optional int64 "row_index" column, an optional "bbox" column, a list of
// [x_min, y_min, x_max, y_max] lists of float64 or float32, and an optional "extra_columns"
// struct column holding the columns kept with each sample (shard/extra_columns.h).
#pragma once

#include "arrow_c/arrow_c_abi.h"
#include "img2dataset/shard.h"

namespace img2dataset {

// Copies the columns into `input`; the extra columns become json_members and, when
// `with_features` (output_format="tfrecord"), extra_features. Does not release the structs.
// A null URL becomes an empty string (it then fails as an invalid URL).
Status ImportShardRows(const ArrowSchema& schema, const ArrowArray& array, bool with_features,
                       ShardInput* input);

}  // namespace img2dataset
