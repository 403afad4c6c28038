// The per-sample results of a shard exported as an Arrow record batch (a struct array) through
// the C Data Interface, so that Python reads them with pyarrow without copying row by row.
//
// Columns, in order: key, status, error_message (utf8), width, height, original_width,
// original_height (int32), then exif (utf8) when extract_exif, then the hash column named after
// compute_hash (utf8) when set, then error_class (utf8: null for successes, "http_404" for HTTP
// errors, the ErrorClassName otherwise; an addition to the reference metadata), then, for
// output_format="parquet", image (large_binary: the stored bytes, null for failures).
#pragma once

#include <vector>

#include "arrow_c/arrow_c_abi.h"
#include "img2dataset/options.h"
#include "img2dataset/sample.h"

namespace img2dataset {

// Fills *schema and *array; the caller (or whoever it hands them to) calls their release
// callbacks. Takes the samples so that each image is freed once copied into the table.
void ExportResultTable(std::vector<SampleResult> samples, const OutputOptions& options,
                       ArrowSchema* schema, ArrowArray* array);

}  // namespace img2dataset
