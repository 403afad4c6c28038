#include "util/key.h"

#include "img2dataset/shard.h"

namespace img2dataset {

int SampleDigits(int64_t number_sample_per_shard) {
  // Integer version of ceil(log10(n)): the number of times 10^k must grow to reach n.
  int digits = 0;
  for (int64_t power = 1; power < number_sample_per_shard; power *= 10) ++digits;
  return digits;
}

std::string ZeroPadded(int64_t value, int width) {
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

std::string SampleKey(int64_t shard_id, int64_t index, int64_t number_sample_per_shard,
                      int oom_shard_count) {
  const int sample_digits = SampleDigits(number_sample_per_shard);
  int64_t scale = 1;
  for (int i = 0; i < sample_digits; ++i) scale *= 10;
  return ZeroPadded(shard_id * scale + index, sample_digits + oom_shard_count);
}

std::string ShardName(int64_t shard_id, int oom_shard_count) {
  return ZeroPadded(shard_id, oom_shard_count);
}

}  // namespace img2dataset
