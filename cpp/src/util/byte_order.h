// Reading multi-byte integers stored in a fixed byte order (file headers, addresses).
#pragma once

#include <cstdint>

namespace img2dataset {

// The 32-bit unsigned integer stored big-endian at `bytes` (4 bytes are read).
inline uint32_t LoadBigEndian32(const void* bytes) {
  const auto* b = static_cast<const unsigned char*>(bytes);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

}  // namespace img2dataset
