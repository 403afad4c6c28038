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
// and the single-item calls behind the reference's module API (img2dataset.resizer, .blurrer,
// .downloader, .writer), each crossing once with the GIL released:
//   ImageProcessor(image_options).process(body, boxes, single_precision) -> result tuple
//   blur_bounding_boxes(image, boxes, single_precision) -> new uint8 array
//   UrlFetcher(fetch_options).fetch(urls, retries) -> [(body, message, error_class, status)]
//   ShardWriter(output_format, staging_dir, shard_name).add(...), .finish(), .abandon()
//   OptOutPolicy(directives, user_agent_token).disallows(x_robots_tag_value)
//
// Rows come in and results go out through the Arrow C Data Interface; validation and
// documentation live in python/img2dataset/options.py.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <opencv2/core.hpp>

#include "arrow_c/arrow_c_abi.h"
#include "fetch/fetcher.h"
#include "fetch/opt_out.h"
#include "fetch/url_list_client.h"
#include "image/bbox_blur.h"
#include "image/exif.h"
#include "image/image_processor.h"
#include "img2dataset/engine.h"
#include "shard/input_table.h"
#include "shard/result_table.h"
#include "shard/sample_writer.h"
#include "util/key.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace img2dataset {
namespace {

// img2dataset._engine.Cancelled, a RuntimeError: what a shard run ended by Engine.cancel()
// raises.
PyObject* g_cancelled = nullptr;

// Raises the builtin exception that matches the Status code.
[[noreturn]] void RaiseStatus(const Status& status) {
  PyObject* type = PyExc_RuntimeError;
  switch (status.code()) {
    case StatusCode::kCancelled:
      type = g_cancelled;
      break;
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
  ShardRun(ShardOutput output, const OutputOptions& options)
      : files_(std::move(output.files)),
        bytes_downloaded_(output.bytes_downloaded),
        waited_s_(output.waited_s) {
    ExportResultTable(std::move(output.samples), options, schema_.get(), array_.get());
  }

  const std::vector<std::string>& files() const { return files_; }
  int64_t bytes_downloaded() const { return bytes_downloaded_; }
  double waited_s() const { return waited_s_; }

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
  double waited_s_ = 0;
  std::unique_ptr<ArrowSchema> schema_ = std::make_unique<ArrowSchema>();
  std::unique_ptr<ArrowArray> array_ = std::make_unique<ArrowArray>();
};

ShardInput ImportRows(int64_t shard_id, nb::handle rows, const std::string& staging_dir,
                      OutputFormat format) {
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
  Status status =
      ImportShardRows(*schema, *array, /*with_features=*/format == OutputFormat::kTfrecord, &input);
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
  const ShardInput input =
      ImportRows(shard_id, rows, staging_dir, engine.options().output.output_format);
  Result<ShardOutput> output = Status::Internal("not run");
  {
    nb::gil_scoped_release release;
    output = engine.RunShard(input);
  }
  if (!output.ok()) RaiseStatus(output.status());
  return std::make_unique<ShardRun>(std::move(output).value(), engine.options().output);
}

// Boxes as Python gives them: a list of boxes, each a list of coordinates (None: a null), or
// None for a null box; checked as the engine checks a bbox column.
using PyBoxes = std::vector<std::optional<std::vector<std::optional<double>>>>;

BoundingBoxes ToBoundingBoxes(const PyBoxes& rows, bool single_precision) {
  BoundingBoxes boxes;
  boxes.single_precision = single_precision;
  for (const auto& row : rows) {
    boxes.error = BoundingBoxShapeError(row ? std::optional<size_t>(row->size()) : std::nullopt);
    std::array<double, 4> box{};
    for (size_t k = 0; k < 4 && boxes.error.empty(); ++k) {
      boxes.error = BoundingBoxValueError((*row)[k]);
      if ((*row)[k]) box[k] = *(*row)[k];
    }
    if (!boxes.error.empty()) return boxes;
    boxes.boxes.push_back(box);
  }
  return boxes;
}

nb::object OptionalInt(const std::optional<int>& value) {
  return value ? nb::object(nb::int_(*value)) : nb::none();
}

// (bytes, width, height, original_width, original_height, error_message, error_class): the
// reference Resizer's tuple and the engine's class; bytes None on failure.
nb::tuple ProcessImage(const ImageProcessor& processor, nb::bytes body,
                       const std::optional<PyBoxes>& py_boxes, bool single_precision) {
  const std::string_view input(body.c_str(), body.size());
  std::optional<BoundingBoxes> boxes;
  if (py_boxes) boxes = ToBoundingBoxes(*py_boxes, single_precision);
  ProcessedImage image;
  {
    nb::gil_scoped_release release;
    image = processor.Process(input, boxes ? &*boxes : nullptr);
  }
  if (!image.ok()) {
    return nb::make_tuple(nb::none(), nb::none(), nb::none(), nb::none(), nb::none(),
                          image.error_message, ErrorClassName(image.error_class));
  }
  nb::object stored = image.keep_original
                          ? nb::object(body)
                          : nb::object(nb::bytes(image.encoded.data(), image.encoded.size()));
  return nb::make_tuple(stored, OptionalInt(image.width), OptionalInt(image.height),
                        OptionalInt(image.original_width), OptionalInt(image.original_height),
                        nb::none(), nb::none());
}

// Read-only arrays too (numpy views of PIL images are).
using Pixels = nb::ndarray<const uint8_t, nb::c_contig, nb::device::cpu>;

// The reference BoundingBoxBlurrer's call on a decoded image (H x W or H x W x C, 8 bits).
nb::ndarray<nb::numpy, uint8_t> BlurImage(Pixels image, const PyBoxes& py_boxes,
                                          bool single_precision) {
  if (image.ndim() != 2 && image.ndim() != 3) {
    throw nb::value_error("image must have 2 (H, W) or 3 (H, W, C) dimensions");
  }
  const int rows = static_cast<int>(image.shape(0)), cols = static_cast<int>(image.shape(1));
  const int channels = image.ndim() == 3 ? static_cast<int>(image.shape(2)) : 1;
  if (channels < 1 || channels > 4) throw nb::value_error("image must have 1 to 4 channels");
  const BoundingBoxes boxes = ToBoundingBoxes(py_boxes, single_precision);
  if (!boxes.error.empty()) throw nb::value_error(boxes.error.c_str());
  auto* out = new cv::Mat();
  {
    nb::gil_scoped_release release;
    // The blur only reads `source`.
    const cv::Mat source(rows, cols, CV_8UC(channels), const_cast<uint8_t*>(image.data()));
    *out = BlurBoundingBoxes(source, boxes);
    if (out->data == source.data) *out = source.clone();  // nothing to blur: still a new array
  }
  nb::capsule owner(out, [](void* p) noexcept { delete static_cast<cv::Mat*>(p); });
  const size_t shape[3] = {static_cast<size_t>(rows), static_cast<size_t>(cols),
                           static_cast<size_t>(channels)};
  return nb::ndarray<nb::numpy, uint8_t>(out->data, image.ndim(), shape, owner);
}

// One network loop for single downloads (the reference's download_image).
class UrlFetcher {
 public:
  explicit UrlFetcher(const FetchOptions& options) {
    Result<std::unique_ptr<Fetcher>> fetcher = MakeNetwork(options);
    if (!fetcher.ok()) RaiseStatus(fetcher.status());
    fetcher_ = std::move(fetcher).value();
  }

  // Per URL: (body or None, error message or None, error class, final HTTP status).
  nb::list Fetch(const std::vector<std::string>& urls, int retries) {
    Result<std::vector<FetchResponse>> responses = Status::Internal("not run");
    {
      nb::gil_scoped_release release;
      responses = FetchUrls(*fetcher_, urls, retries);
    }
    if (!responses.ok()) RaiseStatus(responses.status());
    nb::list out;
    for (const FetchResponse& response : *responses) {
      nb::object body = response.ok()
                            ? nb::object(nb::bytes(response.body.data(), response.body.size()))
                            : nb::none();
      nb::object message =
          response.ok() ? nb::none() : nb::object(nb::str(response.error_message.c_str()));
      out.append(nb::make_tuple(body, message, ErrorClassName(response.error_class),
                                response.http_status));
    }
    return out;
  }

 private:
  std::unique_ptr<Fetcher> fetcher_;
};

// A shard's tar or folder of files, written sample by sample (the reference's sample writers).
class PyShardWriter {
 public:
  PyShardWriter(OutputFormat format, const std::string& staging_dir,
                const std::string& shard_name) {
    Result<std::unique_ptr<SampleWriter>> writer =
        MakeSampleWriter(format, staging_dir, shard_name);
    if (!writer.ok()) RaiseStatus(writer.status());
    writer_ = std::move(writer).value();
  }

  void Add(const std::string& key, nb::bytes image, const std::string& extension,
           const std::optional<std::string>& caption, const std::string& json) {
    SampleRecord record;
    record.key = key;
    record.image = std::string_view(image.c_str(), image.size());
    record.extension = extension;
    if (caption) record.caption = *caption;
    record.json = json;
    {
      nb::gil_scoped_release release;
      writer_->Add(record);
    }
    if (!writer_->status().ok()) RaiseStatus(writer_->status());
  }

  std::vector<std::string> Finish() {
    Status status;
    {
      nb::gil_scoped_release release;
      status = writer_->Finish();
    }
    if (!status.ok()) RaiseStatus(status);
    return writer_->files();
  }

  void Abandon() { writer_->Abandon(); }

 private:
  std::unique_ptr<SampleWriter> writer_;
};

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
      .value("parquet", OutputFormat::kParquet)
      .value("tfrecord", OutputFormat::kTfrecord)
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
      .def_rw("output", &EngineOptions::output)
      .def_rw("starting_shards", &EngineOptions::starting_shards);

  nb::class_<ShardRun>(m, "ShardRun")
      .def_prop_ro("files", &ShardRun::files)
      .def_prop_ro("bytes_downloaded", &ShardRun::bytes_downloaded)
      .def_prop_ro("waited_s", &ShardRun::waited_s,
                   "Seconds the run waited for its turn before its first download.")
      .def("__arrow_c_array__", &ShardRun::ArrowCArray, "requested_schema"_a = nb::none());

  g_cancelled = PyErr_NewExceptionWithDoc("img2dataset._engine.Cancelled",
                                          "A shard run ended by Engine.cancel().",
                                          PyExc_RuntimeError, nullptr);
  m.attr("Cancelled") = nb::handle(g_cancelled);

  nb::class_<Engine>(m, "Engine")
      .def_prop_ro("options", &Engine::options)
      .def("cancel", &Engine::Cancel,
           "Stops the engine for good: every shard run, running or to come, raises Cancelled "
           "promptly, its downloads ended.")
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
            counters["downloads_in_flight"] = c.downloads_in_flight;
            counters["shards_starting"] = c.shards_starting;
            counters["shards_waiting_for_cpu"] = c.shards_waiting_for_cpu;
            counters["hosts_at_ceiling"] = c.hosts_at_ceiling;
            counters["queued_at_hosts"] = c.queued_at_hosts;
            counters["waiting_for_dns"] = c.waiting_for_dns;
            counters["host_at_ceiling"] = c.host_at_ceiling;
            return counters;
          },
          "Running totals over every shard run so far or running: samples, successes, "
          "failures, bytes downloaded, failures by error class; and gauges of now: "
          "downloads_in_flight, queued_at_hosts and waiting_for_dns (of those, waiting for "
          "their host, for its DNS lookup), "
          "shards_starting (shard runs with first attempts still to "
          "start), shards_waiting_for_cpu, hosts_at_ceiling (held at "
          "max_connections_per_host) and host_at_ceiling (one of them).");
  m.def("make_engine", &MakeEngineOrRaise, "options"_a,
        "Creates the engine: one network loop per shard run, one CPU pool for the process.");
  m.def("run_shard", &RunShard, "engine"_a, "shard_id"_a, "rows"_a, "staging_dir"_a,
        "Downloads, processes and writes one shard into staging_dir; releases the GIL.");
  nb::class_<ImageProcessor>(m, "ImageProcessor")
      .def(nb::init<const ImageOptions&>(), "options"_a)
      .def("process", &ProcessImage, "body"_a, "boxes"_a = nb::none(), "single_precision"_a = false,
           "Decodes, filters, resizes, blurs and encodes one image as a shard does; returns "
           "(bytes, width, height, original_width, original_height, error_message, "
           "error_class). Releases the GIL.");
  m.def("blur_bounding_boxes", &BlurImage, "image"_a, "boxes"_a, "single_precision"_a = false,
        "The image with the boxes blurred as bbox_col blurs them; a new array.");
  nb::class_<UrlFetcher>(m, "UrlFetcher")
      .def(nb::init<const FetchOptions&>(), "options"_a)
      .def("fetch", &UrlFetcher::Fetch, "urls"_a, "retries"_a = 0,
           "Downloads the URLs; per URL (body or None, error message or None, error class, "
           "HTTP status). Releases the GIL.");
  nb::class_<PyShardWriter>(m, "ShardWriter")
      .def(nb::init<OutputFormat, const std::string&, const std::string&>(), "output_format"_a,
           "staging_dir"_a, "shard_name"_a)
      .def("add", &PyShardWriter::Add, "key"_a, "image"_a, "extension"_a, "caption"_a, "json"_a)
      .def("finish", &PyShardWriter::Finish)
      .def("abandon", &PyShardWriter::Abandon);
  nb::class_<OptOutPolicy>(m, "OptOutPolicy")
      .def(nb::init<const std::vector<std::string>&, std::string_view>(), "disallowed_directives"_a,
           "user_agent_token"_a)
      .def("disallows", &OptOutPolicy::Disallows, "header_value"_a,
           "True when this X-Robots-Tag value forbids the use of the image.");
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
