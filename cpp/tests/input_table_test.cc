#include "shard/input_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace img2dataset {
namespace {

// A hand-built string column (utf8 "u" with int32 offsets, or large_utf8 "U" with int64), the
// way pyarrow would export it. The structs point into this object: keep it alive while they are
// read. Release callbacks stay null: ImportShardRows must not call them.
template <typename Offset>
struct StringColumn {
  StringColumn(const char* format, const char* name,
               const std::vector<std::optional<std::string>>& values, int64_t slice_offset = 0)
      : offsets{0} {
    bool any_null = false;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i]) {
        validity[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
        chars += *values[i];
      } else {
        any_null = true;
      }
      offsets.push_back(static_cast<Offset>(chars.size()));
    }
    buffers[0] = any_null ? validity : nullptr;
    buffers[1] = offsets.data();
    buffers[2] = chars.data();
    schema = ArrowSchema{format,  name,    nullptr, ARROW_FLAG_NULLABLE, 0, nullptr,
                         nullptr, nullptr, nullptr};
    array = ArrowArray{static_cast<int64_t>(values.size()) - slice_offset,
                       -1,
                       slice_offset,
                       3,
                       0,
                       buffers,
                       nullptr,
                       nullptr,
                       nullptr,
                       nullptr};
  }

  uint8_t validity[8] = {};
  std::vector<Offset> offsets;
  std::string chars;
  const void* buffers[3] = {};
  ArrowSchema schema{};
  ArrowArray array{};
};

using Utf8 = StringColumn<int32_t>;
using LargeUtf8 = StringColumn<int64_t>;

// A struct array ("+s") over the given children.
struct Batch {
  Batch(std::vector<ArrowSchema*> child_schemas, std::vector<ArrowArray*> child_arrays,
        int64_t length)
      : schemas(std::move(child_schemas)), arrays(std::move(child_arrays)) {
    schema =
        ArrowSchema{"+s",           "",      nullptr, 0,      static_cast<int64_t>(schemas.size()),
                    schemas.data(), nullptr, nullptr, nullptr};
    array = ArrowArray{
        length,        0,       0,       1,      static_cast<int64_t>(arrays.size()), buffers,
        arrays.data(), nullptr, nullptr, nullptr};
  }

  std::vector<ArrowSchema*> schemas;
  std::vector<ArrowArray*> arrays;
  const void* buffers[1] = {nullptr};
  ArrowSchema schema{};
  ArrowArray array{};
};

TEST(ImportShardRowsTest, ReadsUrlsAndLargeUtf8CaptionsWithNulls) {
  Utf8 url("u", "url", {"http://a/1.jpg", std::nullopt, "http://c/3.png"});
  LargeUtf8 caption("U", "caption", {"a cat", "", std::nullopt});
  Batch batch({&url.schema, &caption.schema}, {&url.array, &caption.array}, 3);
  ShardInput input;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, false, &input).ok());
  EXPECT_EQ(input.urls, (std::vector<std::string>{"http://a/1.jpg", "", "http://c/3.png"}));
  EXPECT_EQ(input.captions, (std::vector<std::optional<std::string>>{"a cat", "", std::nullopt}));
}

TEST(ImportShardRowsTest, WithoutCaptionColumnCaptionsStayEmpty) {
  Utf8 url("u", "url", {"http://a/1.jpg"});
  Batch batch({&url.schema}, {&url.array}, 1);
  ShardInput input;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, false, &input).ok());
  EXPECT_EQ(input.urls, std::vector<std::string>{"http://a/1.jpg"});
  EXPECT_TRUE(input.captions.empty());
}

TEST(ImportShardRowsTest, OtherColumnsAreIgnoredInAnyOrder) {
  Utf8 extra("u", "similarity", {"0.3", "0.4"});
  Utf8 caption("u", "caption", {"x", "y"});
  LargeUtf8 url("U", "url", {"http://a", "http://b"});
  Batch batch({&extra.schema, &caption.schema, &url.schema},
              {&extra.array, &caption.array, &url.array}, 2);
  ShardInput input;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, false, &input).ok());
  EXPECT_EQ(input.urls, (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_EQ(input.captions, (std::vector<std::optional<std::string>>{"x", "y"}));
}

TEST(ImportShardRowsTest, NonAsciiAndEmbeddedNulBytesAreCopiedExactly) {
  const std::string with_nul("a\0b", 3);
  Utf8 url("u", "url", {"http://h/\xc3\xa9.jpg"});
  Utf8 caption("u", "caption", {with_nul});
  Batch batch({&url.schema, &caption.schema}, {&url.array, &caption.array}, 1);
  ShardInput input;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, false, &input).ok());
  EXPECT_EQ(input.urls[0], "http://h/\xc3\xa9.jpg");
  EXPECT_EQ(input.captions[0], with_nul);
}

TEST(ImportShardRowsTest, SlicedChildColumnHonoursItsOffset) {
  Utf8 url("u", "url", {"skipped", std::nullopt, "http://b", "http://c"}, /*slice_offset=*/1);
  Batch batch({&url.schema}, {&url.array}, 3);
  ShardInput input;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, false, &input).ok());
  EXPECT_EQ(input.urls, (std::vector<std::string>{"", "http://b", "http://c"}));
}

TEST(ImportShardRowsTest, EmptyBatchGivesNoRows) {
  Utf8 url("u", "url", {});
  Batch batch({&url.schema}, {&url.array}, 0);
  ShardInput input;
  input.urls = {"stale"};
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, false, &input).ok());
  EXPECT_TRUE(input.urls.empty());
}

TEST(ImportShardRowsTest, MissingUrlColumnIsInvalid) {
  Utf8 caption("u", "caption", {"x"});
  Batch batch({&caption.schema}, {&caption.array}, 1);
  ShardInput input;
  const Status status = ImportShardRows(batch.schema, batch.array, false, &input);
  EXPECT_EQ(status.code(), StatusCode::kInvalid);
  EXPECT_NE(status.message().find("'url'"), std::string::npos) << status.message();
}

TEST(ImportShardRowsTest, UrlColumnNameIsCaseSensitive) {
  Utf8 url("u", "URL", {"http://a"});
  Batch batch({&url.schema}, {&url.array}, 1);
  ShardInput input;
  EXPECT_EQ(ImportShardRows(batch.schema, batch.array, false, &input).code(), StatusCode::kInvalid);
}

TEST(ImportShardRowsTest, NonStringUrlColumnIsInvalid) {
  const int64_t values[2] = {1, 2};
  const void* buffers[2] = {nullptr, values};
  ArrowSchema url_schema{"l", "url", nullptr, 0, 0, nullptr, nullptr, nullptr, nullptr};
  ArrowArray url_array{2, 0, 0, 2, 0, buffers, nullptr, nullptr, nullptr, nullptr};
  Batch batch({&url_schema}, {&url_array}, 2);
  ShardInput input;
  const Status status = ImportShardRows(batch.schema, batch.array, false, &input);
  EXPECT_EQ(status.code(), StatusCode::kInvalid);
  EXPECT_NE(status.message().find("'l'"), std::string::npos) << status.message();
}

TEST(ImportShardRowsTest, BinaryCaptionColumnIsInvalid) {
  Utf8 url("u", "url", {"http://a"});
  Utf8 caption("z", "caption", {"x"});  // binary, not utf8
  Batch batch({&url.schema, &caption.schema}, {&url.array, &caption.array}, 1);
  ShardInput input;
  EXPECT_EQ(ImportShardRows(batch.schema, batch.array, false, &input).code(), StatusCode::kInvalid);
}

TEST(ImportShardRowsTest, NonStructTopLevelIsInvalid) {
  Utf8 url("u", "url", {"http://a"});
  ShardInput input;
  EXPECT_EQ(ImportShardRows(url.schema, url.array, false, &input).code(), StatusCode::kInvalid);
}

TEST(ImportShardRowsTest, SchemaAndArrayChildCountMismatchIsInvalid) {
  Utf8 url("u", "url", {"http://a"});
  Batch batch({&url.schema}, {&url.array}, 1);
  batch.array.n_children = 0;
  ShardInput input;
  EXPECT_EQ(ImportShardRows(batch.schema, batch.array, false, &input).code(), StatusCode::kInvalid);
}

TEST(ImportShardRowsTest, SlicedStructArrayIsInvalid) {
  Utf8 url("u", "url", {"http://a", "http://b"});
  Batch batch({&url.schema}, {&url.array}, 1);
  batch.array.offset = 1;
  ShardInput input;
  EXPECT_EQ(ImportShardRows(batch.schema, batch.array, false, &input).code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace img2dataset

namespace img2dataset {
namespace {

// An int64 column ("l") without nulls.
struct Int64Column {
  Int64Column(const char* name, std::vector<int64_t> column) : values(std::move(column)) {
    buffers[1] = values.data();
    schema = ArrowSchema{"l", name, nullptr, 0, 0, nullptr, nullptr, nullptr, nullptr};
    array = ArrowArray{static_cast<int64_t>(values.size()),
                       0,
                       0,
                       2,
                       0,
                       buffers,
                       nullptr,
                       nullptr,
                       nullptr,
                       nullptr};
  }

  std::vector<int64_t> values;
  const void* buffers[2] = {};
  ArrowSchema schema{};
  ArrowArray array{};
};

TEST(ImportShardRowsTest, ExtraColumnsBecomeJsonMembersAndFeatures) {
  Utf8 url("u", "url", {"http://a/1.jpg", "http://b/2.jpg"});
  Utf8 tag("u", "tag", {"x\xc3\xa9", std::nullopt});
  Int64Column count("count", {7, -1});
  Batch extra({&tag.schema, &count.schema}, {&tag.array, &count.array}, 2);
  extra.schema.name = "extra_columns";
  Batch batch({&url.schema, &extra.schema}, {&url.array, &extra.array}, 2);
  ShardInput input;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, /*with_features=*/true, &input).ok());
  ASSERT_EQ(input.json_members.size(), 2u);
  EXPECT_EQ(*input.json_members[0], "\n    \"tag\": \"x\\u00e9\",\n    \"count\": 7");
  EXPECT_EQ(*input.json_members[1], "\n    \"tag\": null,\n    \"count\": -1");
  EXPECT_EQ(input.extra_column_names, (std::vector<std::string>{"tag", "count"}));
  ASSERT_EQ(input.extra_features.size(), 2u);
  EXPECT_EQ(input.extra_features[0][0], std::string("\x0a\x05\x0a\x03x\xc3\xa9", 7));
  EXPECT_EQ(input.extra_features[0][1], std::string("\x1a\x03\x0a\x01\x07", 5));
  EXPECT_EQ(input.extra_features[1][0], std::string("\x0a\x02\x0a\x00", 4));  // null: b""
  EXPECT_TRUE(input.Validate().ok());

  ShardInput without;
  ASSERT_TRUE(ImportShardRows(batch.schema, batch.array, /*with_features=*/false, &without).ok());
  EXPECT_EQ(without.json_members, input.json_members);
  EXPECT_TRUE(without.extra_features.empty());
  EXPECT_TRUE(without.extra_column_names.empty());
}

TEST(ImportShardRowsTest, ExtraColumnOfAnUnwrittenTypeIsInvalid) {
  Utf8 url("u", "url", {"http://a/1.jpg"});
  Int64Column stamp("stamp", {1});
  stamp.schema.format = "tsu:";  // timestamp: the front passes it as strings
  Batch extra({&stamp.schema}, {&stamp.array}, 1);
  extra.schema.name = "extra_columns";
  Batch batch({&url.schema, &extra.schema}, {&url.array, &extra.array}, 1);
  ShardInput input;
  const Status status = ImportShardRows(batch.schema, batch.array, false, &input);
  EXPECT_EQ(status.code(), StatusCode::kInvalid);
  EXPECT_NE(status.message().find("stamp"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace img2dataset
