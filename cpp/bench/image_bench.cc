// Compute-only image benchmark: decode + resize + encode of a corpus, one thread, for
//   default  the engine's fast pipeline (DCT-scaled JPEG decode, EXIF orientation applied),
//   exact    the engine's exact pipeline (full decode, like the reference),
//   opencv   plain OpenCV as the reference img2dataset does it (imdecode IMREAD_UNCHANGED,
//            INTER_AREA, white border, imencode),
// in three scenarios (256 border; 384 keep_ratio with resize_only_if_bigger; the same with
// skip_reencode, scenario (b) of bench/e2e_bench.py, whose ceiling it gives), plus the SSIM of
// default against exact. Prints one JSON object.
//
// Rates are compared over the images every path decodes; whole-corpus rates are printed too.
//
//   image_bench CORPUS_DIR [passes] [only]
//
// `only` (default, exact or opencv) runs that path alone and prints its rate: for profiling.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "image/image_processor.h"

namespace img2dataset {
namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<std::string> LoadCorpus(const std::string& folder) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> bodies;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    bodies.push_back(buffer.str());
  }
  return bodies;
}

struct Scenario {
  const char* name;
  int size;
  bool border;  // else keep_ratio with resize_only_if_bigger
  bool skip_reencode;
};

constexpr Scenario kScenarios[] = {
    {"256 border", 256, true, false},
    {"384 keep_ratio only_if_bigger", 384, false, false},
    {"384 keep_ratio only_if_bigger skip_reencode", 384, false, true},
};

// What the reference does with OpenCV, written independently of the engine.
std::string OpenCvBaseline(const std::string& body, const Scenario& scenario) {
  const int size = scenario.size;
  const cv::Mat raw(1, static_cast<int>(body.size()), CV_8UC1, const_cast<char*>(body.data()));
  cv::Mat image = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  if (image.empty()) return {};
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
  const int w = image.cols, h = image.rows;
  // skip_reencode: a JPEG that needs no resizing is kept as downloaded, after the decode.
  if (scenario.skip_reencode && !scenario.border && std::min(w, h) <= size &&
      body.compare(0, 3, "\xFF\xD8\xFF") == 0) {
    return body;
  }
  if (scenario.border) {
    const double s = static_cast<double>(size) / std::max(w, h);
    cv::resize(image, image,
               cv::Size(std::max(1, static_cast<int>(std::lround(w * s))),
                        std::max(1, static_cast<int>(std::lround(h * s)))),
               0, 0, std::max(w, h) > size ? cv::INTER_AREA : cv::INTER_LANCZOS4);
    const int top = (size - image.rows) / 2, left = (size - image.cols) / 2;
    cv::copyMakeBorder(image, image, top, size - image.rows - top, left, size - image.cols - left,
                       cv::BORDER_CONSTANT, cv::Scalar(255, 255, 255));
  } else if (std::min(w, h) > size) {  // keep_ratio, resize_only_if_bigger
    const double s = static_cast<double>(size) / std::min(w, h);
    cv::resize(image, image,
               cv::Size(std::max(1, static_cast<int>(std::lround(w * s))),
                        std::max(1, static_cast<int>(std::lround(h * s)))),
               0, 0, cv::INTER_AREA);
  }
  std::vector<uchar> out;
  cv::imencode(".jpg", image, out, {cv::IMWRITE_JPEG_QUALITY, 95});
  return std::string(out.begin(), out.end());
}

// Structural similarity of two 8-bit grayscale images (Wang et al. 2004, 11x11 Gaussian, 1.5).
double Ssim(const cv::Mat& a8, const cv::Mat& b8) {
  cv::Mat a, b;
  a8.convertTo(a, CV_64F);
  b8.convertTo(b, CV_64F);
  const double c1 = 6.5025, c2 = 58.5225;
  const auto blur = [](const cv::Mat& m) {
    cv::Mat out;
    cv::GaussianBlur(m, out, cv::Size(11, 11), 1.5);
    return out;
  };
  const cv::Mat mu_a = blur(a), mu_b = blur(b);
  const cv::Mat mu_a2 = mu_a.mul(mu_a), mu_b2 = mu_b.mul(mu_b), mu_ab = mu_a.mul(mu_b);
  const cv::Mat sigma_a2 = blur(a.mul(a)) - mu_a2, sigma_b2 = blur(b.mul(b)) - mu_b2;
  const cv::Mat sigma_ab = blur(a.mul(b)) - mu_ab;
  cv::Mat numerator = (2 * mu_ab + c1).mul(2 * sigma_ab + c2);
  cv::Mat denominator = (mu_a2 + mu_b2 + c1).mul(sigma_a2 + sigma_b2 + c2);
  cv::Mat map;
  cv::divide(numerator, denominator, map);
  return cv::mean(map)[0];
}

cv::Mat Gray(const std::string& encoded) {
  const cv::Mat raw(1, static_cast<int>(encoded.size()), CV_8UC1,
                    const_cast<char*>(encoded.data()));
  return cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
}

// CPU time of one path over the corpus (best pass), in total and over the images every path
// decodes: the OpenCV baseline fails fast on GIFs (Debian's OpenCV 4.6 has no GIF decoder), which
// would count as throughput otherwise.
struct Run {
  double cpu = 1e300;
  double cpu_common = 1e300;
  int ok = 0;
};

void Time(Run& run, const std::vector<std::string>& corpus, const std::vector<bool>& common,
          const std::function<bool(const std::string&)>& process) {
  double total = 0, total_common = 0;
  int ok = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const double start = ThreadCpuSeconds();
    ok += process(corpus[i]) ? 1 : 0;
    const double spent = ThreadCpuSeconds() - start;
    total += spent;
    if (common[i]) total_common += spent;
  }
  run.cpu = std::min(run.cpu, total);
  run.cpu_common = std::min(run.cpu_common, total_common);
  run.ok = ok;
}

}  // namespace
}  // namespace img2dataset

int main(int argc, char** argv) {
  using namespace img2dataset;
  if (argc < 2) {
    std::fprintf(stderr, "usage: image_bench CORPUS_DIR [passes]\n");
    return 2;
  }
  cv::setNumThreads(0);
  const std::vector<std::string> corpus = LoadCorpus(argv[1]);
  const int passes = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string only = argc > 3 ? argv[3] : "";

  std::printf("{\"images\": %zu, \"passes\": %d, \"scenarios\": [", corpus.size(), passes);
  bool first = true;
  for (const Scenario& scenario : kScenarios) {
    ImageOptions fast;
    fast.image_size = scenario.size;
    fast.resize_mode = scenario.border ? ResizeMode::kBorder : ResizeMode::kKeepRatio;
    fast.resize_only_if_bigger = !scenario.border;
    fast.skip_reencode = scenario.skip_reencode;
    fast.encode_quality = 95;
    ImageOptions exact = fast;
    exact.pipeline = ImagePipeline::kExact;
    exact.apply_exif_orientation = false;
    const ImageProcessor fast_processor(fast), exact_processor(exact);

    // Which images the baseline decodes (untimed).
    std::vector<bool> common;
    common.reserve(corpus.size());
    for (const std::string& body : corpus) {
      common.push_back(!OpenCvBaseline(body, scenario).empty());
    }
    const auto common_count = static_cast<size_t>(std::count(common.begin(), common.end(), true));

    Run run_fast, run_exact, run_opencv;
    if (!only.empty()) {
      Run& run = only == "default" ? run_fast : only == "exact" ? run_exact : run_opencv;
      for (int pass = 0; pass < passes; ++pass) {
        Time(run, corpus, common, [&](const std::string& b) {
          if (only == "opencv") return !OpenCvBaseline(b, scenario).empty();
          return (only == "default" ? fast_processor : exact_processor).Process(b).ok();
        });
      }
      std::printf("%s{\"scenario\": \"%s\", \"%s_images_per_cpu_s\": %.1f}", first ? "" : ", ",
                  scenario.name, only.c_str(), static_cast<double>(corpus.size()) / run.cpu);
      first = false;
      continue;
    }
    for (int pass = 0; pass < passes; ++pass) {  // alternate, keep each one's best pass
      Time(run_opencv, corpus, common,
           [&](const std::string& b) { return !OpenCvBaseline(b, scenario).empty(); });
      Time(run_fast, corpus, common,
           [&](const std::string& b) { return fast_processor.Process(b).ok(); });
      Time(run_exact, corpus, common,
           [&](const std::string& b) { return exact_processor.Process(b).ok(); });
    }

    std::vector<double> ssims;
    for (const std::string& body : corpus) {
      const ProcessedImage a = fast_processor.Process(body), b = exact_processor.Process(body);
      if (!a.ok() || !b.ok()) continue;
      const cv::Mat ga = Gray(a.keep_original ? body : a.encoded);
      const cv::Mat gb = Gray(b.keep_original ? body : b.encoded);
      if (ga.size() == gb.size() && !ga.empty()) ssims.push_back(Ssim(ga, gb));
    }
    double mean = 0, minimum = 1;
    for (double s : ssims)
      mean += s / static_cast<double>(ssims.size()), minimum = std::min(minimum, s);

    // Rates over the images every path decodes (the comparison), and over the whole corpus.
    const auto rate = [&](const Run& r) {
      return static_cast<double>(common_count) / r.cpu_common;
    };
    const auto rate_all = [&](const Run& r) { return static_cast<double>(corpus.size()) / r.cpu; };
    std::printf(
        "%s{\"scenario\": \"%s\", \"compared_images\": %zu, "
        "\"default_images_per_cpu_s\": %.1f, \"exact_images_per_cpu_s\": %.1f, "
        "\"opencv_images_per_cpu_s\": %.1f, \"default_over_opencv\": %.2f, "
        "\"exact_over_opencv\": %.2f, \"whole_corpus\": {\"default_images_per_cpu_s\": %.1f, "
        "\"exact_images_per_cpu_s\": %.1f, \"opencv_images_per_cpu_s\": %.1f, "
        "\"default_over_opencv\": %.2f}, \"ok\": [%d, %d, %d], "
        "\"ssim_default_vs_exact\": {\"mean\": %.4f, \"min\": %.4f, \"compared\": %zu}}",
        first ? "" : ", ", scenario.name, common_count, rate(run_fast), rate(run_exact),
        rate(run_opencv), rate(run_fast) / rate(run_opencv), rate(run_exact) / rate(run_opencv),
        rate_all(run_fast), rate_all(run_exact), rate_all(run_opencv),
        rate_all(run_fast) / rate_all(run_opencv), run_fast.ok, run_exact.ok, run_opencv.ok, mean,
        minimum, ssims.size());
    first = false;
  }
  std::printf("]}\n");
  return 0;
}
