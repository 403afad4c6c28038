// The input columns kept with each sample (save_additional_columns, bbox_col): written as
// members of its <key>.json and, for output_format="tfrecord", as features of its Example.
//
// The front hands them over as one struct column whose children are those columns, in order.
// Values are written as the reference writes the Python values pyarrow's to_pylist() makes of
// them: JSON as json.dumps(indent=4) does, features as its TFRecord writer does (module docs of
// tfrecord in docs/formats.md), where it dropped the sample (an empty list, a list of lists, a
// dict, a list with nulls among numbers) the value's one-line JSON text as bytes.
//
// Thread safety: free functions over read-only views.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arrow_c/array_view.h"
#include "img2dataset/status.h"

namespace img2dataset {

// Invalid when a column (or a value nested in it) has a layout the functions below cannot
// write: dictionary-encoded arrays, temporal, decimal, map and union types, float16. The front
// turns those into strings first (as json.dumps's default=str would).
// REQUIRES: columns.kind() == kStruct.
Status CheckExtraColumns(const ArrayView& columns);

// Row `row` as the members of its <key>.json, in PythonJsonObject::AddRawMembers' kIndent4 form
// ('\n    "a": 1,\n    "b": [\n        2\n    ]'). REQUIRES: CheckExtraColumns passed.
std::string ExtraColumnsJsonMembers(const ArrayView& columns, int64_t row);

// Row `row` as one serialized tensorflow.Feature per column (shard/tf_example.h), in column
// order. REQUIRES: CheckExtraColumns passed.
std::vector<std::string> ExtraColumnsFeatures(const ArrayView& columns, int64_t row);

}  // namespace img2dataset
