#include "img2dataset/options.h"

#include <string>

namespace img2dataset {

Status ValidateOptions(const EngineOptions& options) {
  if (options.fetch.thread_count <= 0) {
    return Status::Invalid("thread_count must be a positive integer, got " +
                           std::to_string(options.fetch.thread_count));
  }
  if (!(options.fetch.timeout_s > 0)) {
    return Status::Invalid("timeout must be a positive number of seconds, got " +
                           std::to_string(options.fetch.timeout_s));
  }
  if (options.fetch.retries < 0) {
    return Status::Invalid("retries must be >= 0, got " + std::to_string(options.fetch.retries));
  }
  if (options.image.image_size <= 0) {
    return Status::Invalid("image_size must be a positive integer, got " +
                           std::to_string(options.image.image_size));
  }
  if (options.output.number_sample_per_shard <= 0) {
    return Status::Invalid("number_sample_per_shard must be a positive integer, got " +
                           std::to_string(options.output.number_sample_per_shard));
  }
  if (options.output.oom_shard_count < 0) {
    return Status::Invalid("oom_shard_count must be >= 0, got " +
                           std::to_string(options.output.oom_shard_count));
  }
  if (options.starting_shards < 0) {
    return Status::Invalid("starting_shards must be 0 or a positive integer, got " +
                           std::to_string(options.starting_shards));
  }
  return Status::OK();
}

const char* EncodeFormatExtension(EncodeFormat format) {
  switch (format) {
    case EncodeFormat::kJpg:
      return "jpg";
    case EncodeFormat::kPng:
      return "png";
    case EncodeFormat::kWebp:
      return "webp";
  }
  return "jpg";
}

const char* HashAlgorithmName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kNone:
      return "";
    case HashAlgorithm::kMd5:
      return "md5";
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kSha512:
      return "sha512";
  }
  return "";
}

}  // namespace img2dataset
