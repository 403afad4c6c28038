// The Python extension module `img2dataset._engine`: a thin, mechanical binding.
//
// Class tree:
//   FetchOptions, ImageOptions, OutputOptions, EngineOptions  plain option structs
//   ResizeMode, Interpolation, EncodeFormat, OutputFormat, HashAlgorithm  enums
//   Engine(options)
//     .run_shard(shard_id, rows, staging_dir) -> ShardRun  (GIL released while it runs)
//   ShardRun
//     .files                      names written in staging_dir
//     .__arrow_c_array__()        per-sample results (Arrow PyCapsule protocol, one-shot)
//
// Rows come in and results go out through the Arrow C Data Interface; validation and
// documentation live in python/img2dataset/options.py.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <memory>

#include "image/exif.h"
#include "img2dataset/engine.h"
#include "shard/arrow_c_abi.h"
#include "shard/input_table.h"
#include "shard/result_table.h"
#include "util/key.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace img2dataset {
namespace {

// Raises the builtin exception that matches the Status code.
[[noreturn]] void RaiseStatus(const Status& status) {
  PyObject* type = PyExc_RuntimeError;
  switch (status.code()) {
    case StatusCode::kInvalid:
      type = PyExc_ValueError;
      break;
    case StatusCode::kIOError:
      type = PyExc_OSError;
      break;
    case StatusCode::kNotFound:
      type = PyExc_FileNotFoundError;
      break;
    case StatusCode::kUnsupported:
      type = PyExc_NotImplementedError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, status.message().c_str());
  throw nb::python_error();
}

void DeleteSchemaCapsule(PyObject* capsule) {
  auto* schema = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsule, "arrow_schema"));
  if (schema->release != nullptr) schema->release(schema);
  delete schema;
}

void DeleteArrayCapsule(PyObject* capsule) {
  auto* array = static_cast<ArrowArray*>(PyCapsule_GetPointer(capsule, "arrow_array"));
  if (array->release != nullptr) array->release(array);
  delete array;
}

// The result of one shard; hands its result table to pyarrow once.
class ShardRun {
 public:
  ShardRun(const ShardOutput& output, const OutputOptions& options)
      : files_(output.files), bytes_downloaded_(output.bytes_downloaded) {
    ExportResultTable(output.samples, options, schema_.get(), array_.get());
  }

  const std::vector<std::string>& files() const { return files_; }
  int64_t bytes_downloaded() const { return bytes_downloaded_; }

  nb::tuple ArrowCArray(nb::handle /*requested_schema*/) {
    if (!schema_) throw nb::value_error("the results of this shard were already exported");
    nb::object schema =
        nb::steal(PyCapsule_New(schema_.release(), "arrow_schema", DeleteSchemaCapsule));
    nb::object array =
        nb::steal(PyCapsule_New(array_.release(), "arrow_array", DeleteArrayCapsule));
    return nb::make_tuple(schema, array);
  }

  ~ShardRun() {
    if (schema_ && schema_->release) schema_->release(schema_.get());
    if (array_ && array_->release) array_->release(array_.get());
  }

 private:
  std::vector<std::string> files_;
  int64_t bytes_downloaded_ = 0;
  std::unique_ptr<ArrowSchema> schema_ = std::make_unique<ArrowSchema>();
  std::unique_ptr<ArrowArray> array_ = std::make_unique<ArrowArray>();
};

ShardInput ImportRows(int64_t shard_id, nb::handle rows, const std::string& staging_dir) {
  if (!nb::hasattr(rows, "__arrow_c_array__")) {
    throw nb::type_error("rows must implement __arrow_c_array__ (a pyarrow.RecordBatch)");
  }
  nb::tuple capsules = nb::cast<nb::tuple>(rows.attr("__arrow_c_array__")());
  auto* schema = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsules[0].ptr(), "arrow_schema"));
  auto* array = static_cast<ArrowArray*>(PyCapsule_GetPointer(capsules[1].ptr(), "arrow_array"));
  if (schema == nullptr || array == nullptr) throw nb::python_error();
  ShardInput input;
  input.shard_id = shard_id;
  input.staging_dir = staging_dir;
  Status status = ImportShardRows(*schema, *array, &input);
  if (!status.ok()) RaiseStatus(status);
  return input;
}

std::unique_ptr<Engine> MakeEngineOrRaise(const EngineOptions& options) {
  Result<std::unique_ptr<Engine>> engine = Engine::Make(options);
  if (!engine.ok()) RaiseStatus(engine.status());
  return std::move(engine).value();
}

std::unique_ptr<ShardRun> RunShard(Engine& engine, int64_t shard_id, nb::handle rows,
                                   const std::string& staging_dir) {
  const ShardInput input = ImportRows(shard_id, rows, staging_dir);
  Result<ShardOutput> output = Status::Internal("not run");
  {
    nb::gil_scoped_release release;
    output = engine.RunShard(input);
  }
  if (!output.ok()) RaiseStatus(output.status());
  return std::make_unique<ShardRun>(*output, engine.options().output);
}

}  // namespace
}  // namespace img2dataset

NB_MODULE(_engine, m) {
  using namespace img2dataset;
  m.doc() = "img2dataset C++ engine";

  nb::enum_<ResizeMode>(m, "ResizeMode")
      .value("no", ResizeMode::kNo)
      .value("keep_ratio", ResizeMode::kKeepRatio)
      .value("keep_ratio_largest", ResizeMode::kKeepRatioLargest)
      .value("center_crop", ResizeMode::kCenterCrop)
      .value("border", ResizeMode::kBorder);
  nb::enum_<Interpolation>(m, "Interpolation")
      .value("nearest", Interpolation::kNearest)
      .value("linear", Interpolation::kLinear)
      .value("cubic", Interpolation::kCubic)
      .value("area", Interpolation::kArea)
      .value("lanczos4", Interpolation::kLanczos4);
  nb::enum_<EncodeFormat>(m, "EncodeFormat")
      .value("jpg", EncodeFormat::kJpg)
      .value("png", EncodeFormat::kPng)
      .value("webp", EncodeFormat::kWebp);
  nb::enum_<ImagePipeline>(m, "ImagePipeline")
      .value("fast", ImagePipeline::kFast)
      .value("exact", ImagePipeline::kExact);
  nb::enum_<OutputFormat>(m, "OutputFormat")
      .value("files", OutputFormat::kFiles)
      .value("webdataset", OutputFormat::kWebdataset)
      .value("dummy", OutputFormat::kDummy);
  nb::enum_<HashAlgorithm>(m, "HashAlgorithm")
      .value("none", HashAlgorithm::kNone)
      .value("md5", HashAlgorithm::kMd5)
      .value("sha256", HashAlgorithm::kSha256)
      .value("sha512", HashAlgorithm::kSha512);

  nb::class_<FetchOptions>(m, "FetchOptions")
      .def(nb::init<>())
      .def_rw("thread_count", &FetchOptions::thread_count)
      .def_rw("timeout_s", &FetchOptions::timeout_s)
      .def_rw("retries", &FetchOptions::retries)
      .def_rw("user_agent_token", &FetchOptions::user_agent_token)
      .def_rw("disallowed_header_directives", &FetchOptions::disallowed_header_directives)
      .def_rw("ignore_ssl_certificate", &FetchOptions::ignore_ssl_certificate)
      .def_rw("max_body_bytes", &FetchOptions::max_body_bytes)
      .def_rw("max_redirects", &FetchOptions::max_redirects)
      .def_rw("connect_timeout_s", &FetchOptions::connect_timeout_s)
      .def_rw("first_byte_timeout_s", &FetchOptions::first_byte_timeout_s)
      .def_rw("total_timeout_s", &FetchOptions::total_timeout_s)
      .def_rw("min_bytes_per_second", &FetchOptions::min_bytes_per_second)
      .def_rw("user_agent", &FetchOptions::user_agent)
      .def_rw("ca_bundle", &FetchOptions::ca_bundle)
      .def_rw("allow_private_addresses", &FetchOptions::allow_private_addresses)
      .def_rw("dns_servers", &FetchOptions::dns_servers)
      .def_rw("dns_timeout_s", &FetchOptions::dns_timeout_s)
      .def_rw("max_connections_per_host", &FetchOptions::max_connections_per_host)
      .def_rw("max_requests_per_second_per_host", &FetchOptions::max_requests_per_second_per_host)
      .def_rw("max_backoff_s", &FetchOptions::max_backoff_s)
      .def_rw("respect_robots_txt", &FetchOptions::respect_robots_txt)
      .def_rw("shard_timeout_s", &FetchOptions::shard_timeout_s);
  nb::class_<ImageOptions>(m, "ImageOptions")
      .def(nb::init<>())
      .def_rw("image_size", &ImageOptions::image_size)
      .def_rw("resize_mode", &ImageOptions::resize_mode)
      .def_rw("resize_only_if_bigger", &ImageOptions::resize_only_if_bigger)
      .def_rw("upscale_interpolation", &ImageOptions::upscale_interpolation)
      .def_rw("downscale_interpolation", &ImageOptions::downscale_interpolation)
      .def_rw("encode_quality", &ImageOptions::encode_quality)
      .def_rw("encode_format", &ImageOptions::encode_format)
      .def_rw("skip_reencode", &ImageOptions::skip_reencode)
      .def_rw("disable_all_reencoding", &ImageOptions::disable_all_reencoding)
      .def_rw("min_image_size", &ImageOptions::min_image_size)
      .def_rw("max_image_area", &ImageOptions::max_image_area)
      .def_rw("max_aspect_ratio", &ImageOptions::max_aspect_ratio)
      .def_rw("pipeline", &ImageOptions::pipeline)
      .def_rw("apply_exif_orientation", &ImageOptions::apply_exif_orientation)
      .def_rw("max_image_pixels", &ImageOptions::max_image_pixels);
  nb::class_<OutputOptions>(m, "OutputOptions")
      .def(nb::init<>())
      .def_rw("output_format", &OutputOptions::output_format)
      .def_rw("number_sample_per_shard", &OutputOptions::number_sample_per_shard)
      .def_rw("oom_shard_count", &OutputOptions::oom_shard_count)
      .def_rw("save_caption", &OutputOptions::save_caption)
      .def_rw("extract_exif", &OutputOptions::extract_exif)
      .def_rw("compute_hash", &OutputOptions::compute_hash);
  nb::class_<EngineOptions>(m, "EngineOptions")
      .def(nb::init<>())
      .def_rw("fetch", &EngineOptions::fetch)
      .def_rw("image", &EngineOptions::image)
      .def_rw("output", &EngineOptions::output);

  nb::class_<ShardRun>(m, "ShardRun")
      .def_prop_ro("files", &ShardRun::files)
      .def_prop_ro("bytes_downloaded", &ShardRun::bytes_downloaded)
      .def("__arrow_c_array__", &ShardRun::ArrowCArray, "requested_schema"_a = nb::none());

  nb::class_<Engine>(m, "Engine")
      .def_prop_ro("options", &Engine::options)
      .def(
          "counters",
          [](const Engine& engine) {
            const EngineCounters c = engine.counters();
            nb::dict classes;
            for (const auto& [name, count] : c.error_classes) classes[name.c_str()] = count;
            nb::dict counters;
            counters["samples"] = c.samples;
            counters["successes"] = c.successes;
            counters["failed_to_download"] = c.failed_to_download;
            counters["failed_to_resize"] = c.failed_to_resize;
            counters["bytes_downloaded"] = c.bytes_downloaded;
            counters["error_classes"] = classes;
            return counters;
          },
          "Running totals over every shard run so far or running: samples, successes, "
          "failures, bytes downloaded, failures by error class.");
  m.def("make_engine", &MakeEngineOrRaise, "options"_a,
        "Creates the engine: one network loop per shard run, one CPU pool for the process.");
  m.def("run_shard", &RunShard, "engine"_a, "shard_id"_a, "rows"_a, "staging_dir"_a,
        "Downloads, processes and writes one shard into staging_dir; releases the GIL.");
  m.def("shard_name", &ShardName, "shard_id"_a, "oom_shard_count"_a);
  m.def("sample_key", &SampleKey, "shard_id"_a, "index"_a, "number_sample_per_shard"_a,
        "oom_shard_count"_a);
  m.def(
      "extract_exif_json",
      [](nb::bytes image) {
        return ExtractExifJson(std::string_view(image.c_str(), image.size()));
      },
      "image"_a,
      "The exif column's value for these image bytes: JSON text, or None where the reference's "
      "exifread raises.");
}
