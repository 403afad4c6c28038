#include "shard/result_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace img2dataset {
namespace {

// Exported schema and array, released when the test is done with them.
struct Exported {
  ArrowSchema schema{};
  ArrowArray array{};
  ~Exported() {
    if (array.release) array.release(&array);
    if (schema.release) schema.release(&schema);
  }

  int Column(const std::string& name) const {
    for (int64_t i = 0; i < schema.n_children; ++i) {
      if (name == schema.children[i]->name) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (int64_t i = 0; i < schema.n_children; ++i) names.emplace_back(schema.children[i]->name);
    return names;
  }
  std::vector<std::string> Formats() const {
    std::vector<std::string> formats;
    for (int64_t i = 0; i < schema.n_children; ++i) {
      formats.emplace_back(schema.children[i]->format);
    }
    return formats;
  }
  bool Valid(const ArrowArray& column, int64_t row) const {
    const auto* validity = static_cast<const uint8_t*>(column.buffers[0]);
    return validity == nullptr || (validity[row / 8] >> (row % 8)) & 1;
  }
  std::optional<std::string> String(const std::string& name, int64_t row) const {
    const ArrowArray& column = *array.children[Column(name)];
    EXPECT_EQ(column.n_buffers, 3);
    if (!Valid(column, row)) return std::nullopt;
    const auto* offsets = static_cast<const int32_t*>(column.buffers[1]);
    const auto* chars = static_cast<const char*>(column.buffers[2]);
    return std::string(chars + offsets[row], static_cast<size_t>(offsets[row + 1] - offsets[row]));
  }
  std::optional<int32_t> Int(const std::string& name, int64_t row) const {
    const ArrowArray& column = *array.children[Column(name)];
    EXPECT_EQ(column.n_buffers, 2);
    if (!Valid(column, row)) return std::nullopt;
    return static_cast<const int32_t*>(column.buffers[1])[row];
  }
  int64_t NullCount(const std::string& name) const {
    return array.children[Column(name)]->null_count;
  }
};

SampleResult Success(std::string key) {
  SampleResult s;
  s.key = std::move(key);
  s.status = SampleStatus::kSuccess;
  s.width = 256;
  s.height = 128;
  s.original_width = 1024;
  s.original_height = 512;
  s.exif = R"({"Image Make": "Canon"})";
  s.hash = "abc123";
  return s;
}

SampleResult Failure(std::string key, SampleStatus status, ErrorClass error_class,
                     std::string message) {
  SampleResult s;
  s.key = std::move(key);
  s.status = status;
  s.error_class = error_class;
  s.error_message = std::move(message);
  return s;
}

OutputOptions WithExifAndSha256() {
  OutputOptions options;
  options.extract_exif = true;
  options.compute_hash = HashAlgorithm::kSha256;
  return options;
}

TEST(ExportResultTableTest, StructOfReferenceColumnsThenErrorClass) {
  Exported t;
  ExportResultTable({Success("000000000")}, WithExifAndSha256(), &t.schema, &t.array);
  EXPECT_STREQ(t.schema.format, "+s");
  EXPECT_EQ(t.schema.n_children, 10);
  EXPECT_EQ(t.Names(), (std::vector<std::string>{"key", "status", "error_message", "width",
                                                 "height", "original_width", "original_height",
                                                 "exif", "sha256", "error_class"}));
  EXPECT_EQ(t.Formats(),
            (std::vector<std::string>{"u", "u", "u", "i", "i", "i", "i", "u", "u", "u"}));
  for (int64_t i = 0; i < t.schema.n_children; ++i) {
    EXPECT_EQ(t.schema.children[i]->flags & ARROW_FLAG_NULLABLE, ARROW_FLAG_NULLABLE);
    EXPECT_EQ(t.schema.children[i]->n_children, 0);
  }
  EXPECT_EQ(t.array.length, 1);
  EXPECT_EQ(t.array.null_count, 0);
  EXPECT_EQ(t.array.offset, 0);
  EXPECT_EQ(t.array.n_buffers, 1);
  EXPECT_EQ(t.array.buffers[0], nullptr);
  EXPECT_EQ(t.array.n_children, 10);
  for (int64_t i = 0; i < t.array.n_children; ++i) {
    EXPECT_EQ(t.array.children[i]->length, 1);
    EXPECT_EQ(t.array.children[i]->offset, 0);
  }
}

TEST(ExportResultTableTest, SuccessRowHasValuesAndNullErrorMessage) {
  Exported t;
  ExportResultTable({Success("000000000")}, WithExifAndSha256(), &t.schema, &t.array);
  EXPECT_EQ(t.String("key", 0), "000000000");
  EXPECT_EQ(t.String("status", 0), "success");
  EXPECT_EQ(t.String("error_message", 0), std::nullopt);
  EXPECT_EQ(t.Int("width", 0), 256);
  EXPECT_EQ(t.Int("height", 0), 128);
  EXPECT_EQ(t.Int("original_width", 0), 1024);
  EXPECT_EQ(t.Int("original_height", 0), 512);
  EXPECT_EQ(t.String("exif", 0), R"({"Image Make": "Canon"})");
  EXPECT_EQ(t.String("sha256", 0), "abc123");
  EXPECT_EQ(t.String("error_class", 0), std::nullopt);
}

TEST(ExportResultTableTest, HttpErrorClassCarriesTheStatusCode) {
  Exported t;
  SampleResult failure = Failure("000000000", SampleStatus::kFailedToDownload, ErrorClass::kHttp5xx,
                                 "HTTP Error 503: Service Unavailable");
  failure.http_status = 503;
  ExportResultTable({failure}, WithExifAndSha256(), &t.schema, &t.array);
  EXPECT_EQ(t.String("error_class", 0), "http_503");
}

TEST(ExportResultTableTest, FailureRowsHaveNullsWhereReferenceHasNone) {
  Exported t;
  ExportResultTable({Failure("000000000", SampleStatus::kFailedToDownload, ErrorClass::kHttp4xx,
                             "HTTP Error 404: Not Found"),
                     Success("000000001"),
                     Failure("000000002", SampleStatus::kFailedToResize, ErrorClass::kDecode,
                             "Image decoding error")},
                    WithExifAndSha256(), &t.schema, &t.array);
  ASSERT_EQ(t.array.length, 3);
  EXPECT_EQ(t.String("status", 0), "failed_to_download");
  EXPECT_EQ(t.String("error_message", 0), "HTTP Error 404: Not Found");
  EXPECT_EQ(t.String("error_class", 0), "http_4xx");  // no status code known
  EXPECT_EQ(t.String("status", 2), "failed_to_resize");
  EXPECT_EQ(t.String("error_message", 2), "Image decoding error");
  EXPECT_EQ(t.String("error_class", 2), "decode");
  for (const int64_t row : {0, 2}) {
    SCOPED_TRACE(row);
    EXPECT_EQ(t.Int("width", row), std::nullopt);
    EXPECT_EQ(t.Int("height", row), std::nullopt);
    EXPECT_EQ(t.Int("original_width", row), std::nullopt);
    EXPECT_EQ(t.Int("original_height", row), std::nullopt);
    EXPECT_EQ(t.String("exif", row), std::nullopt);
    EXPECT_EQ(t.String("sha256", row), std::nullopt);
  }
  EXPECT_EQ(t.Int("width", 1), 256);
  EXPECT_EQ(t.String("sha256", 1), "abc123");
  EXPECT_EQ(t.NullCount("width"), 2);
  EXPECT_EQ(t.NullCount("error_message"), 1);
  EXPECT_EQ(t.NullCount("key"), 0);
  EXPECT_EQ(t.NullCount("status"), 0);
}

TEST(ExportResultTableTest, ColumnsWithoutNullsMayOmitValidityBitmap) {
  Exported t;
  ExportResultTable({Success("000000000"), Success("000000001")}, WithExifAndSha256(), &t.schema,
                    &t.array);
  EXPECT_EQ(t.array.children[t.Column("key")]->buffers[0], nullptr);
  EXPECT_EQ(t.array.children[t.Column("width")]->buffers[0], nullptr);
  EXPECT_NE(t.array.children[t.Column("error_message")]->buffers[0], nullptr);
}

TEST(ExportResultTableTest, StringOffsetsAreCumulative) {
  Exported t;
  ExportResultTable({Success("a"), Success("bcd"), Success("")}, WithExifAndSha256(), &t.schema,
                    &t.array);
  const ArrowArray& key = *t.array.children[t.Column("key")];
  const auto* offsets = static_cast<const int32_t*>(key.buffers[1]);
  EXPECT_EQ(std::vector<int32_t>(offsets, offsets + 4), (std::vector<int32_t>{0, 1, 4, 4}));
  EXPECT_EQ(std::string(static_cast<const char*>(key.buffers[2]), 4), "abcd");
}

TEST(ExportResultTableTest, ValidityBitmapSpansSeveralBytes) {
  std::vector<SampleResult> samples;
  for (int i = 0; i < 19; ++i) {
    const std::string key = std::to_string(i);
    samples.push_back(i % 3 == 0 ? Success(key)
                                 : Failure(key, SampleStatus::kFailedToDownload,
                                           ErrorClass::kTimeout, "timed out"));
  }
  Exported t;
  ExportResultTable(samples, WithExifAndSha256(), &t.schema, &t.array);
  for (int64_t row = 0; row < 19; ++row) {
    SCOPED_TRACE(row);
    EXPECT_EQ(t.Int("width", row).has_value(), row % 3 == 0);
    EXPECT_EQ(t.String("error_message", row).has_value(), row % 3 != 0);
  }
  EXPECT_EQ(t.NullCount("width"), 12);
}

TEST(ExportResultTableTest, NoExifAndNoHashColumnsWhenDisabled) {
  OutputOptions options;
  options.extract_exif = false;
  options.compute_hash = HashAlgorithm::kNone;
  Exported t;
  ExportResultTable({Success("000000000")}, options, &t.schema, &t.array);
  EXPECT_EQ(t.Names(),
            (std::vector<std::string>{"key", "status", "error_message", "width", "height",
                                      "original_width", "original_height", "error_class"}));
  EXPECT_EQ(t.array.n_children, 8);
}

TEST(ExportResultTableTest, HashColumnIsNamedAfterAlgorithm) {
  OutputOptions options;
  options.extract_exif = false;
  options.compute_hash = HashAlgorithm::kMd5;
  Exported t;
  ExportResultTable({Success("000000000")}, options, &t.schema, &t.array);
  EXPECT_EQ(t.Names()[7], "md5");
  EXPECT_EQ(t.String("md5", 0), "abc123");
}

TEST(ExportResultTableTest, EmptyShardExportsZeroRows) {
  Exported t;
  ExportResultTable({}, WithExifAndSha256(), &t.schema, &t.array);
  EXPECT_EQ(t.array.length, 0);
  EXPECT_EQ(t.array.n_children, 10);
  const ArrowArray& key = *t.array.children[0];
  EXPECT_EQ(key.length, 0);
  EXPECT_EQ(static_cast<const int32_t*>(key.buffers[1])[0], 0);
}

TEST(ExportResultTableTest, ReleaseMarksStructsReleasedInEitherOrder) {
  for (const bool array_first : {true, false}) {
    ArrowSchema schema{};
    ArrowArray array{};
    ExportResultTable({Success("k")}, WithExifAndSha256(), &schema, &array);
    ASSERT_NE(schema.release, nullptr);
    ASSERT_NE(array.release, nullptr);
    if (array_first) {
      array.release(&array);
      EXPECT_EQ(array.release, nullptr);
      // The schema stays usable after the array is gone.
      EXPECT_STREQ(schema.children[0]->name, "key");
      schema.release(&schema);
    } else {
      schema.release(&schema);
      EXPECT_EQ(schema.release, nullptr);
      const ArrowArray& key = *array.children[0];
      EXPECT_EQ(std::string(static_cast<const char*>(key.buffers[2]), 1), "k");
      array.release(&array);
    }
    EXPECT_EQ(schema.release, nullptr);
    EXPECT_EQ(array.release, nullptr);
  }
}

TEST(ExportResultTableTest, ChildMovedOutOutlivesItsReleasedParents) {
  // The C Data Interface lets a consumer move children out, release the parents at once and
  // keep using the children (to keep a subset of the columns) until it releases them.
  ArrowSchema schema{};
  ArrowArray array{};
  ExportResultTable({Success("k")}, WithExifAndSha256(), &schema, &array);
  ArrowSchema moved_schema = *schema.children[1];
  schema.children[1]->release = nullptr;
  ArrowArray moved_array = *array.children[1];
  array.children[1]->release = nullptr;
  array.release(&array);
  schema.release(&schema);

  EXPECT_STREQ(moved_schema.name, "status");
  EXPECT_STREQ(moved_schema.format, "u");
  ASSERT_EQ(moved_array.length, 1);
  const auto* offsets = static_cast<const int32_t*>(moved_array.buffers[1]);
  EXPECT_EQ(std::string(static_cast<const char*>(moved_array.buffers[2]) + offsets[0],
                        static_cast<size_t>(offsets[1] - offsets[0])),
            "success");
  ASSERT_NE(moved_array.release, nullptr);
  moved_array.release(&moved_array);
  EXPECT_EQ(moved_array.release, nullptr);
  ASSERT_NE(moved_schema.release, nullptr);
  moved_schema.release(&moved_schema);
  EXPECT_EQ(moved_schema.release, nullptr);
}

}  // namespace
}  // namespace img2dataset
