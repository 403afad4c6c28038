#include "shard/result_table.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_c/struct_export.h"

namespace img2dataset {

namespace {

// "http_404" for HTTP errors, so that statistics tell a 404 from a 403; the class name otherwise.
std::string ErrorClassLabel(const SampleResult& s) {
  const bool http = s.error_class == ErrorClass::kHttp4xx ||
                    s.error_class == ErrorClass::kHttp5xx || s.error_class == ErrorClass::kHttp429;
  if (http && s.http_status > 0) return "http_" + std::to_string(s.http_status);
  return ErrorClassName(s.error_class);
}

std::optional<std::string_view> View(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

}  // namespace

void ExportResultTable(std::vector<SampleResult> samples, const OutputOptions& options,
                       ArrowSchema* schema, ArrowArray* array) {
  StructExport table;
  auto& key = table.AddColumn("key", "u");
  auto& status = table.AddColumn("status", "u");
  auto& error_message = table.AddColumn("error_message", "u");
  auto& width = table.AddColumn("width", "i");
  auto& height = table.AddColumn("height", "i");
  auto& original_width = table.AddColumn("original_width", "i");
  auto& original_height = table.AddColumn("original_height", "i");
  auto* exif = options.extract_exif ? &table.AddColumn("exif", "u") : nullptr;
  auto* hash = options.compute_hash != HashAlgorithm::kNone
                   ? &table.AddColumn(HashAlgorithmName(options.compute_hash), "u")
                   : nullptr;
  auto& error_class = table.AddColumn("error_class", "u");
  auto* image =
      options.output_format == OutputFormat::kParquet ? &table.AddColumn("image", "Z") : nullptr;
  if (image != nullptr) {
    size_t bytes = 0;
    for (const SampleResult& s : samples) bytes += s.image.size();
    image->Reserve(samples.size(), bytes);
  }
  for (SampleResult& s : samples) {
    const bool success = s.status == SampleStatus::kSuccess;
    key.AddString(s.key);
    status.AddString(std::string_view(SampleStatusName(s.status)));
    error_message.AddString(success ? std::nullopt
                                    : std::optional<std::string_view>(s.error_message));
    width.AddInt(s.width);
    height.AddInt(s.height);
    original_width.AddInt(s.original_width);
    original_height.AddInt(s.original_height);
    if (exif != nullptr) exif->AddString(View(s.exif));
    if (hash != nullptr) hash->AddString(View(s.hash));
    const std::string label = ErrorClassLabel(s);
    error_class.AddString(success ? std::nullopt : std::optional<std::string_view>(label));
    if (image != nullptr) {
      image->AddString(success ? std::optional<std::string_view>(s.image) : std::nullopt);
      std::string().swap(s.image);
    }
  }
  table.Export(static_cast<int64_t>(samples.size()), schema, array);
}

}  // namespace img2dataset
