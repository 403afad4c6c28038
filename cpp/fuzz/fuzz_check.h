// Shared by the fuzz targets: the input cap and an invariant check that fails the run.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>

namespace img2dataset::fuzz {

// Inputs above this are skipped: real bodies are larger, but coverage is in the first bytes and
// long inputs only slow each run down.
constexpr std::size_t kMaxInputBytes = 1 << 20;

}  // namespace img2dataset::fuzz

// Aborts (a crash for libFuzzer, which saves the input) when `condition` is false.
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
