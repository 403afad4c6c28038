// Sample keys and shard names, exactly as the reference img2dataset builds them.
#pragma once

#include <cstdint>
#include <string>

namespace img2dataset {

// ceil(log10(number_sample_per_shard)): 10000 -> 4, 1000 -> 3, 5000 -> 4, 10 -> 1, 1 -> 0.
// REQUIRES: number_sample_per_shard > 0
int SampleDigits(int64_t number_sample_per_shard);

// str(shard_id * 10^SampleDigits + index), left-padded with zeros to
// SampleDigits + oom_shard_count digits (a minimum width: larger numbers grow).
std::string SampleKey(int64_t shard_id, int64_t index, int64_t number_sample_per_shard,
                      int oom_shard_count);

// Left-pads the decimal value with zeros to `width` digits.
std::string ZeroPadded(int64_t value, int width);

}  // namespace img2dataset
