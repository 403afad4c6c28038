#include "img2dataset/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_internal.h"
#include "fake_fetcher.h"
#include "test_util.h"
#include "util/hash.h"

namespace img2dataset {
namespace {

using testing::Decode;
using testing::Encode;
using testing::Failed;
using testing::FakeWeb;
using testing::ListDir;
using testing::MemberNames;
using testing::NotFound;
using testing::Ok;
using testing::ReadTar;
using testing::ScopedTempDir;
using testing::SolidBgr;
using testing::TarMember;
using testing::TimedOut;

EngineOptions Options() {
  EngineOptions options;
  options.image.image_size = 32;
  options.image.resize_mode = ResizeMode::kBorder;
  options.image.encode_format = EncodeFormat::kJpg;
  options.output.output_format = OutputFormat::kWebdataset;
  options.output.extract_exif = true;
  options.output.compute_hash = HashAlgorithm::kSha256;
  return options;
}

class EngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> MakeTestEngine(const EngineOptions& options) {
    Result<std::unique_ptr<Engine>> engine =
        MakeEngine(options, testing::MakeFakeFetcherFactory(web_), /*cpu_threads=*/2);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  ShardInput Input(int64_t shard_id, std::vector<std::string> urls) const {
    ShardInput input;
    input.shard_id = shard_id;
    input.urls = std::move(urls);
    input.staging_dir = staging_.path();
    return input;
  }

  // Runs one shard; a shard-level error fails the test.
  ShardOutput Run(const EngineOptions& options, const ShardInput& input) {
    std::unique_ptr<Engine> engine = MakeTestEngine(options);
    if (!engine) return {};
    Result<ShardOutput> output = engine->RunShard(input);
    EXPECT_TRUE(output.ok()) << output.status().ToString();
    return output.ok() ? std::move(output).value() : ShardOutput{};
  }

  std::shared_ptr<FakeWeb> web_ = std::make_shared<FakeWeb>();
  ScopedTempDir staging_;
  const std::string jpg_ = Encode(SolidBgr(40, 20, cv::Scalar(10, 200, 30)), ".jpg");
  const std::string png_ = Encode(SolidBgr(16, 48, cv::Scalar(90, 90, 90)), ".png");
};

TEST_F(EngineTest, CountersSumEveryShardAndBytes) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  web_->Serve("http://img/missing.jpg", NotFound());
  web_->Serve("http://img/page.html", Ok("<html>not an image</html>"));
  web_->Serve("http://img/slow.jpg", TimedOut());
  std::unique_ptr<Engine> engine = MakeTestEngine(Options());
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->counters().samples, 0);
  Result<ShardOutput> first = engine->RunShard(
      Input(0, {"http://img/0.jpg", "http://img/missing.jpg", "http://img/page.html"}));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->bytes_downloaded,
            static_cast<int64_t>(jpg_.size() + std::string("<html>not an image</html>").size()));
  ScopedTempDir second_staging;
  ShardInput second = Input(1, {"http://img/0.jpg", "http://img/slow.jpg"});
  second.staging_dir = second_staging.path();
  ASSERT_TRUE(engine->RunShard(second).ok());

  const EngineCounters counters = engine->counters();
  EXPECT_EQ(counters.samples, 5);
  EXPECT_EQ(counters.successes, 2);
  EXPECT_EQ(counters.failed_to_download, 2);
  EXPECT_EQ(counters.failed_to_resize, 1);
  EXPECT_EQ(counters.bytes_downloaded, first->bytes_downloaded + static_cast<int64_t>(jpg_.size()));
  const std::vector<std::pair<std::string, int64_t>> classes = {
      {"timeout", 1}, {"http_4xx", 1}, {"decode", 1}};
  for (const auto& expected : classes) {
    EXPECT_NE(std::find(counters.error_classes.begin(), counters.error_classes.end(), expected),
              counters.error_classes.end())
        << expected.first;
  }
  EXPECT_EQ(counters.error_classes.size(), 3u);
}

TEST_F(EngineTest, ResultsAreInRowOrderWithKeysStatusesAndMessages) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  web_->Serve("http://img/missing.jpg", NotFound());
  web_->Serve("http://img/page.html", Ok("<html><body>not an image</body></html>"));
  web_->Serve("http://img/3.png", Ok(png_));
  web_->Serve("http://img/slow.jpg", TimedOut());
  const ShardOutput output =
      Run(Options(), Input(3, {"http://img/0.jpg", "http://img/missing.jpg", "http://img/page.html",
                               "http://img/3.png", "http://img/slow.jpg"}));
  ASSERT_EQ(output.samples.size(), 5u);
  const std::vector<std::string> keys = {"000030000", "000030001", "000030002", "000030003",
                                         "000030004"};
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(output.samples[i].key, keys[i]);

  const SampleResult& ok = output.samples[0];
  EXPECT_EQ(ok.status, SampleStatus::kSuccess);
  EXPECT_EQ(ok.error_class, ErrorClass::kNone);
  EXPECT_EQ(ok.error_message, "");
  EXPECT_EQ(ok.width, 32);
  EXPECT_EQ(ok.height, 32);
  EXPECT_EQ(ok.original_width, 40);
  EXPECT_EQ(ok.original_height, 20);
  EXPECT_EQ(ok.exif, "{}");

  const SampleResult& missing = output.samples[1];
  EXPECT_EQ(missing.status, SampleStatus::kFailedToDownload);
  EXPECT_EQ(missing.error_class, ErrorClass::kHttp4xx);
  EXPECT_EQ(missing.error_message, "HTTP Error 404: Not Found");
  EXPECT_FALSE(missing.width.has_value());
  EXPECT_FALSE(missing.exif.has_value());
  EXPECT_FALSE(missing.hash.has_value());

  const SampleResult& html = output.samples[2];
  EXPECT_EQ(html.status, SampleStatus::kFailedToResize);
  EXPECT_EQ(html.error_class, ErrorClass::kDecode);
  EXPECT_EQ(html.error_message, "Image decoding error");
  EXPECT_FALSE(html.hash.has_value());

  EXPECT_EQ(output.samples[3].status, SampleStatus::kSuccess);
  EXPECT_EQ(output.samples[3].original_width, 16);
  EXPECT_EQ(output.samples[3].original_height, 48);

  EXPECT_EQ(output.samples[4].status, SampleStatus::kFailedToDownload);
  EXPECT_EQ(output.samples[4].error_class, ErrorClass::kTimeout);
  EXPECT_EQ(output.samples[4].error_message, "timed out");

  EXPECT_EQ(output.files, std::vector<std::string>{"00003.tar"});
  EXPECT_EQ(ListDir(staging_.path()), std::vector<std::string>{"00003.tar"});
}

TEST_F(EngineTest, TarHoldsExactlyTheSuccesses) {
  web_->Serve("http://img/a.jpg", Ok(jpg_));
  web_->Serve("http://img/b.html", Ok("<html></html>"));
  web_->Serve("http://img/c.png", Ok(png_));
  const ShardOutput output =
      Run(Options(),
          Input(0, {"http://img/a.jpg", "http://img/b.html", "http://img/c.png", "http://x"}));
  ASSERT_EQ(output.samples.size(), 4u);
  std::vector<TarMember> members = ReadTar(staging_.Join("00000.tar"));
  std::sort(members.begin(), members.end(),
            [](const TarMember& a, const TarMember& b) { return a.name < b.name; });
  EXPECT_EQ(MemberNames(members), (std::vector<std::string>{"000000000.jpg", "000000000.json",
                                                            "000000002.jpg", "000000002.json"}));
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(Decode(members[0].data).size(), cv::Size(32, 32));
  EXPECT_EQ(Decode(members[2].data).size(), cv::Size(32, 32));
}

TEST_F(EngineTest, SampleJsonIsPythonIndent4OfTheReferenceMetadata) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  Run(Options(), Input(0, {"http://img/0.jpg"}));
  const std::vector<TarMember> members = ReadTar(staging_.Join("00000.tar"));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].name, "000000000.json");
  EXPECT_EQ(members[1].data,
            "{\n"
            "    \"url\": \"http://img/0.jpg\",\n"
            "    \"key\": \"000000000\",\n"
            "    \"status\": \"success\",\n"
            "    \"error_message\": null,\n"
            "    \"width\": 32,\n"
            "    \"height\": 32,\n"
            "    \"original_width\": 40,\n"
            "    \"original_height\": 20,\n"
            "    \"exif\": \"{}\",\n"
            "    \"sha256\": \"" +
                HexDigest(HashAlgorithm::kSha256, jpg_) +
                "\"\n"
                "}");
}

TEST_F(EngineTest, CaptionsGoFirstInJsonAndIntoTxtWhenSaved) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  web_->Serve("http://img/1.jpg", Ok(jpg_));
  EngineOptions options = Options();
  options.output.save_caption = true;
  options.output.extract_exif = false;
  options.output.compute_hash = HashAlgorithm::kNone;
  ShardInput input = Input(0, {"http://img/0.jpg", "http://img/1.jpg"});
  input.captions = {"a \"cat\"", std::nullopt};
  Run(options, input);
  std::vector<TarMember> members = ReadTar(staging_.Join("00000.tar"));
  std::sort(members.begin(), members.end(),
            [](const TarMember& a, const TarMember& b) { return a.name < b.name; });
  ASSERT_EQ(MemberNames(members),
            (std::vector<std::string>{"000000000.jpg", "000000000.json", "000000000.txt",
                                      "000000001.jpg", "000000001.json", "000000001.txt"}));
  EXPECT_EQ(members[2].data, "a \"cat\"");
  EXPECT_EQ(members[5].data, "");
  EXPECT_EQ(members[1].data.rfind("{\n    \"caption\": \"a \\\"cat\\\"\",\n    \"url\": ", 0), 0u)
      << members[1].data;
  EXPECT_EQ(members[4].data.rfind("{\n    \"caption\": null,\n    \"url\": ", 0), 0u)
      << members[4].data;
  EXPECT_EQ(members[1].data.find("exif"), std::string::npos);
  EXPECT_EQ(members[1].data.find("sha256"), std::string::npos);
}

TEST_F(EngineTest, CaptionsAreNotStoredAsTxtUnlessSaveCaption) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  ShardInput input = Input(0, {"http://img/0.jpg"});
  input.captions = {"a cat"};
  Run(Options(), input);
  const std::vector<TarMember> members = ReadTar(staging_.Join("00000.tar"));
  EXPECT_EQ(MemberNames(members), (std::vector<std::string>{"000000000.jpg", "000000000.json"}));
}

TEST_F(EngineTest, TransientFailureSucceedsWithinRetries) {
  web_->ServeSequence("http://img/flaky.jpg", {TimedOut(), TimedOut(), Ok(jpg_)});
  EngineOptions options = Options();
  options.fetch.retries = 2;
  const ShardOutput output = Run(options, Input(0, {"http://img/flaky.jpg"}));
  ASSERT_EQ(output.samples.size(), 1u);
  EXPECT_EQ(output.samples[0].status, SampleStatus::kSuccess);
  EXPECT_EQ(web_->Attempts("http://img/flaky.jpg"), 3);
}

TEST_F(EngineTest, TransientFailureFailsWhenRetriesRunOut) {
  web_->ServeSequence("http://img/flaky.jpg", {TimedOut(), TimedOut(), Ok(jpg_)});
  EngineOptions options = Options();
  options.fetch.retries = 1;
  const ShardOutput output = Run(options, Input(0, {"http://img/flaky.jpg"}));
  ASSERT_EQ(output.samples.size(), 1u);
  EXPECT_EQ(output.samples[0].status, SampleStatus::kFailedToDownload);
  EXPECT_EQ(output.samples[0].error_class, ErrorClass::kTimeout);
  EXPECT_EQ(web_->Attempts("http://img/flaky.jpg"), 2);
  EXPECT_TRUE(ReadTar(staging_.Join("00000.tar")).empty());
}

TEST_F(EngineTest, WithoutRetriesEachUrlIsAttemptedOnce) {
  web_->ServeSequence("http://img/flaky.jpg", {TimedOut(), Ok(jpg_)});
  const ShardOutput output = Run(Options(), Input(0, {"http://img/flaky.jpg"}));
  EXPECT_EQ(output.samples[0].error_class, ErrorClass::kTimeout);
  EXPECT_EQ(web_->Attempts("http://img/flaky.jpg"), 1);
}

TEST_F(EngineTest, OnlyTransientClassesAreRetried) {
  const struct {
    ErrorClass error_class;
    bool transient;
  } kCases[] = {
      {ErrorClass::kDns, true},         {ErrorClass::kConnect, true},
      {ErrorClass::kTimeout, true},     {ErrorClass::kNetwork, true},
      {ErrorClass::kHttp5xx, true},     {ErrorClass::kHttp429, true},
      {ErrorClass::kInvalidUrl, false}, {ErrorClass::kTls, false},
      {ErrorClass::kHttp4xx, false},    {ErrorClass::kTooLarge, false},
      {ErrorClass::kOptedOut, false},
  };
  std::vector<std::string> urls;
  for (const auto& c : kCases) {
    const std::string url = std::string("http://img/") + ErrorClassName(c.error_class);
    web_->ServeSequence(url, {Failed(c.error_class, "first attempt fails"), Ok(jpg_)});
    urls.push_back(url);
  }
  EngineOptions options = Options();
  options.fetch.retries = 3;
  const ShardOutput output = Run(options, Input(0, urls));
  ASSERT_EQ(output.samples.size(), urls.size());
  for (size_t i = 0; i < urls.size(); ++i) {
    SCOPED_TRACE(urls[i]);
    EXPECT_EQ(web_->Attempts(urls[i]), kCases[i].transient ? 2 : 1);
    EXPECT_EQ(output.samples[i].status,
              kCases[i].transient ? SampleStatus::kSuccess : SampleStatus::kFailedToDownload);
    if (!kCases[i].transient) {
      EXPECT_EQ(output.samples[i].error_class, kCases[i].error_class);
      EXPECT_EQ(output.samples[i].error_message, "first attempt fails");
    }
  }
}

TEST_F(EngineTest, RetriesRunAfterFirstAttemptOfEveryOtherRow) {
  web_->ServeSequence("http://img/0", {TimedOut(), Ok(jpg_)});
  for (const char* url : {"http://img/1", "http://img/2", "http://img/3"})
    web_->Serve(url, Ok(jpg_));
  EngineOptions options = Options();
  options.fetch.retries = 1;
  Run(options, Input(0, {"http://img/0", "http://img/1", "http://img/2", "http://img/3"}));
  EXPECT_EQ(web_->Requested(),
            (std::vector<std::string>{"http://img/0", "http://img/1", "http://img/2",
                                      "http://img/3", "http://img/0"}));
}

TEST_F(EngineTest, HashColumnIsLowercaseHexSha256OfDownloadedBytes) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  const ShardOutput output = Run(Options(), Input(0, {"http://img/0.jpg"}));
  ASSERT_EQ(output.samples.size(), 1u);
  ASSERT_TRUE(output.samples[0].hash.has_value());
  const std::string& hash = *output.samples[0].hash;
  EXPECT_EQ(hash, HexDigest(HashAlgorithm::kSha256, jpg_));
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  // Not the hash of what was stored: the image was re-encoded at 32x32.
  const std::vector<TarMember> members = ReadTar(staging_.Join("00000.tar"));
  ASSERT_FALSE(members.empty());
  EXPECT_NE(hash, HexDigest(HashAlgorithm::kSha256, members[0].data));
}

TEST_F(EngineTest, Md5HashOptionGivesMd5Digest) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  EngineOptions options = Options();
  options.output.compute_hash = HashAlgorithm::kMd5;
  const ShardOutput output = Run(options, Input(0, {"http://img/0.jpg"}));
  EXPECT_EQ(output.samples[0].hash, HexDigest(HashAlgorithm::kMd5, jpg_));
}

TEST_F(EngineTest, NoHashAndNoExifWhenDisabled) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  EngineOptions options = Options();
  options.output.compute_hash = HashAlgorithm::kNone;
  options.output.extract_exif = false;
  const ShardOutput output = Run(options, Input(0, {"http://img/0.jpg"}));
  EXPECT_EQ(output.samples[0].status, SampleStatus::kSuccess);
  EXPECT_FALSE(output.samples[0].hash.has_value());
  EXPECT_FALSE(output.samples[0].exif.has_value());
}

TEST_F(EngineTest, DisableAllReencodingStoresBodyAsIs) {
  const std::string body = "<html>stored anyway</html>";
  web_->Serve("http://img/0.jpg", Ok(body));
  EngineOptions options = Options();
  options.image.disable_all_reencoding = true;
  const ShardOutput output = Run(options, Input(0, {"http://img/0.jpg"}));
  ASSERT_EQ(output.samples.size(), 1u);
  EXPECT_EQ(output.samples[0].status, SampleStatus::kSuccess);
  EXPECT_FALSE(output.samples[0].width.has_value());
  const std::vector<TarMember> members = ReadTar(staging_.Join("00000.tar"));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].data, body);
  EXPECT_NE(members[1].data.find("\"width\": null"), std::string::npos) << members[1].data;
}

TEST_F(EngineTest, SurroundingWhitespaceOfUrlIsTrimmedForTheRequest) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  const ShardOutput output = Run(Options(), Input(0, {"  http://img/0.jpg\t\n"}));
  EXPECT_EQ(output.samples[0].status, SampleStatus::kSuccess);
  EXPECT_EQ(web_->Requested(), std::vector<std::string>{"http://img/0.jpg"});
}

TEST_F(EngineTest, ShardWatchdogFailsRowsNotStartedInTime) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  EngineOptions options = Options();
  options.fetch.shard_timeout_s = 1e-9;  // already passed when the first row would start
  const ShardOutput output = Run(options, Input(0, {"http://img/0.jpg", "http://img/1.jpg"}));
  ASSERT_EQ(output.samples.size(), 2u);
  for (const SampleResult& sample : output.samples) {
    EXPECT_EQ(sample.status, SampleStatus::kFailedToDownload);
    EXPECT_EQ(sample.error_class, ErrorClass::kTimeout);
    EXPECT_EQ(sample.error_message, "shard watchdog: not downloaded within shard_timeout of 0 s");
  }
  EXPECT_EQ(web_->Attempts("http://img/0.jpg"), 0);
}

TEST_F(EngineTest, ShardWatchdogCountsFromTheShardsStartOnTheEnginesClock) {
  for (int i = 0; i < 4; ++i) web_->Serve("http://img/" + std::to_string(i) + ".jpg", Ok(jpg_));
  FakeClock clock;
  web_->OnRequest([&clock](const std::string& url) {
    if (url == "http://img/1.jpg") clock.Advance(Seconds(61));  // this download takes 61 s
  });
  EngineOptions options = Options();
  options.fetch.shard_timeout_s = 60;
  Result<std::unique_ptr<Engine>> engine =
      MakeEngine(options, testing::MakeFakeFetcherFactory(web_), /*cpu_threads=*/1, clock);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const Result<ShardOutput> output = (*engine)->RunShard(
      Input(0, {"http://img/0.jpg", "http://img/1.jpg", "http://img/2.jpg", "http://img/3.jpg"}));
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(output->samples[0].status, SampleStatus::kSuccess);
  EXPECT_EQ(output->samples[1].status, SampleStatus::kSuccess);  // started in time
  for (const size_t row : {2, 3}) {
    EXPECT_EQ(output->samples[row].error_class, ErrorClass::kTimeout);
    EXPECT_EQ(output->samples[row].error_message,
              "shard watchdog: not downloaded within shard_timeout of 60 s");
  }
  EXPECT_EQ(web_->Attempts("http://img/2.jpg"), 0);
}

TEST_F(EngineTest, VerifyHashMismatchIsADownloadFailureWithoutHash) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  web_->Serve("http://img/1.jpg", Ok(jpg_));
  ShardInput input = Input(0, {"http://img/0.jpg", "http://img/1.jpg", "http://img/0.jpg"});
  const std::string digest = HexDigest(HashAlgorithm::kSha256, jpg_);
  std::string upper = digest;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  input.expected_hashes = {upper, std::string(64, '0'), std::nullopt};
  const ShardOutput output = Run(Options(), input);
  ASSERT_EQ(output.samples.size(), 3u);
  EXPECT_EQ(output.samples[0].status, SampleStatus::kSuccess);  // compared case-insensitively
  EXPECT_EQ(output.samples[0].hash, digest);
  for (const size_t row : {1u, 2u}) {
    EXPECT_EQ(output.samples[row].status, SampleStatus::kFailedToDownload);
    EXPECT_EQ(output.samples[row].error_class, ErrorClass::kHashMismatch);
    EXPECT_EQ(output.samples[row].error_message, "hash mismatch");
    EXPECT_EQ(output.samples[row].hash, std::nullopt);
  }
}

TEST_F(EngineTest, EmptyShardWritesEmptyTar) {
  const ShardOutput output = Run(Options(), Input(0, {}));
  EXPECT_TRUE(output.samples.empty());
  EXPECT_EQ(output.files, std::vector<std::string>{"00000.tar"});
  EXPECT_TRUE(ReadTar(staging_.Join("00000.tar")).empty());
}

TEST_F(EngineTest, FilesFormatWritesShardFolder) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  EngineOptions options = Options();
  options.output.output_format = OutputFormat::kFiles;
  const ShardOutput output = Run(options, Input(12, {"http://img/0.jpg", "http://img/404"}));
  EXPECT_EQ(output.files, std::vector<std::string>{"00012"});
  EXPECT_EQ(ListDir(staging_.Join("00012")),
            (std::vector<std::string>{"000120000.jpg", "000120000.json"}));
}

TEST_F(EngineTest, DummyFormatWritesNothingButReportsResults) {
  web_->Serve("http://img/0.jpg", Ok(jpg_));
  EngineOptions options = Options();
  options.output.output_format = OutputFormat::kDummy;
  const ShardOutput output = Run(options, Input(0, {"http://img/0.jpg"}));
  ASSERT_EQ(output.samples.size(), 1u);
  EXPECT_EQ(output.samples[0].status, SampleStatus::kSuccess);
  EXPECT_TRUE(output.files.empty());
  EXPECT_TRUE(ListDir(staging_.path()).empty());
}

TEST_F(EngineTest, ShardLargerThanProcessingBacklogCompletes) {
  // More rows than the runner keeps pending: it must pause and resume downloads.
  std::vector<std::string> urls;
  for (int i = 0; i < 60; ++i) {
    urls.push_back("http://img/" + std::to_string(i) + ".jpg");
    web_->Serve(urls.back(), Ok(jpg_));
  }
  const ShardOutput output = Run(Options(), Input(0, urls));
  ASSERT_EQ(output.samples.size(), 60u);
  for (const SampleResult& sample : output.samples) {
    EXPECT_EQ(sample.status, SampleStatus::kSuccess) << sample.key;
  }
  EXPECT_EQ(ReadTar(staging_.Join("00000.tar")).size(), 120u);
}

TEST_F(EngineTest, ShardsRunConcurrentlyOnOneEngine) {
  for (int i = 0; i < 8; ++i) web_->Serve("http://img/" + std::to_string(i), Ok(jpg_));
  std::unique_ptr<Engine> engine = MakeTestEngine(Options());
  ASSERT_NE(engine, nullptr);
  std::vector<Result<ShardOutput>> outputs(3, Status::Internal("not run"));
  std::vector<std::thread> threads;
  threads.reserve(3);
  for (int shard = 0; shard < 3; ++shard) {
    threads.emplace_back([&, shard] {
      std::vector<std::string> urls(8);
      for (int i = 0; i < 8; ++i) urls[i] = "http://img/" + std::to_string(i);
      outputs[shard] = engine->RunShard(Input(shard, urls));
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int shard = 0; shard < 3; ++shard) {
    ASSERT_TRUE(outputs[shard].ok()) << outputs[shard].status().ToString();
    EXPECT_EQ(outputs[shard]->samples.size(), 8u);
    EXPECT_EQ(outputs[shard]->samples[7].key, "0000" + std::to_string(shard) + "0007");
  }
  EXPECT_EQ(ListDir(staging_.path()),
            (std::vector<std::string>{"00000.tar", "00001.tar", "00002.tar"}));
}

TEST_F(EngineTest, CaptionCountMismatchIsInvalid) {
  std::unique_ptr<Engine> engine = MakeTestEngine(Options());
  ASSERT_NE(engine, nullptr);
  ShardInput input = Input(0, {"http://img/0.jpg", "http://img/1.jpg"});
  input.captions = {"only one"};
  const Result<ShardOutput> output = engine->RunShard(input);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(output.status().message(), "shard has 2 URLs but 1 captions");
  EXPECT_TRUE(ListDir(staging_.path()).empty());
  EXPECT_TRUE(web_->Requested().empty());
}

TEST_F(EngineTest, UnwritableStagingDirIsIOError) {
  std::unique_ptr<Engine> engine = MakeTestEngine(Options());
  ASSERT_NE(engine, nullptr);
  ShardInput input = Input(0, {"http://img/0.jpg"});
  input.staging_dir = staging_.Join("does/not/exist");
  const Result<ShardOutput> output = engine->RunShard(input);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), StatusCode::kIOError);
  EXPECT_TRUE(web_->Requested().empty());
}

TEST_F(EngineTest, FetcherErrorFailsShardAndLeavesNoOutput) {
  // Big enough images that processing is still under way when the fetcher gives up.
  cv::Mat noise(600, 800, CV_8UC3);
  cv::randu(noise, 0, 255);
  const std::string big = Encode(noise, ".png");
  std::vector<std::string> urls;
  for (int i = 0; i < 6; ++i) {
    urls.push_back("http://img/" + std::to_string(i) + ".png");
    web_->Serve(urls.back(), Ok(big));
  }
  web_->FailRunAfter(4, Status::Internal("event loop broke"));
  std::unique_ptr<Engine> engine = MakeTestEngine(Options());
  ASSERT_NE(engine, nullptr);
  const Result<ShardOutput> output = engine->RunShard(Input(0, urls));
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), StatusCode::kInternal);
  EXPECT_EQ(output.status().message(), "event loop broke");
  EXPECT_TRUE(ListDir(staging_.path()).empty());
}

TEST_F(EngineTest, InvalidOptionsAreRejectedWhenTheEngineIsMade) {
  EngineOptions options = Options();
  options.image.image_size = -3;
  const Result<std::unique_ptr<Engine>> engine =
      MakeEngine(options, testing::MakeFakeFetcherFactory(web_), 1);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(engine.status().message(), "image_size must be a positive integer, got -3");
}

TEST_F(EngineTest, FetcherFactoryErrorFailsEngineCreation) {
  const Result<std::unique_ptr<Engine>> engine = MakeEngine(
      Options(),
      [](const FetchOptions&) -> Result<std::unique_ptr<Fetcher>> {
        return Status::Internal("curl_multi_init failed");
      },
      1);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace img2dataset

namespace img2dataset {
namespace {

// Takes every request and answers none until the client gives up, as a network of hung
// servers would; then ends them all, as the real network's CancelJobs does.
class HangingFetcher final : public Fetcher {
 public:
  Status Run(FetchClient& client) override {
    std::vector<size_t> open;
    while (!client.Finished()) {
      while (std::optional<FetchRequest> request = client.NextRequest()) {
        open.push_back(request->index);
      }
      if (client.Cancelled()) {
        for (size_t index : open) {
          FetchResponse response = testing::Failed(ErrorClass::kNetwork, "cancelled");
          response.index = index;
          client.OnResponse(std::move(response));
        }
        open.clear();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::OK();
  }
  void Wakeup() override {}
};

TEST(EngineCancelTest, CancelEndsARunningShardPromptlyAndLeavesNoOutput) {
  testing::ScopedTempDir staging;
  Result<std::unique_ptr<Engine>> made = MakeEngine(
      Options(),
      [](const FetchOptions&) -> Result<std::unique_ptr<Fetcher>> {
        return std::unique_ptr<Fetcher>(new HangingFetcher());
      },
      /*cpu_threads=*/2);
  ASSERT_TRUE(made.ok());
  Engine& engine = **made;
  ShardInput input;
  input.shard_id = 3;
  input.urls = std::vector<std::string>(500, "http://hung.test/x.jpg");
  input.staging_dir = staging.path();

  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    engine.Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  Result<ShardOutput> output = engine.RunShard(input);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), StatusCode::kCancelled);
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // loose: catches a run that waits for the servers
  EXPECT_TRUE(testing::ListDir(staging.path()).empty());  // the partial tar was removed

  // Cancelled for good: a shard started later ends at once.
  Result<ShardOutput> later = engine.RunShard(input);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace img2dataset
