// CRC-32C (Castagnoli, the iSCSI polynomial), hardware-accelerated by Intel ISA-L, and the
// masked form TFRecord frames carry.
//
// Thread safety: free functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace img2dataset {

// The standard CRC-32C of `data` (initial value and final xor 0xFFFFFFFF):
// Crc32c("123456789") == 0xE3069283. Any length, inputs over INT_MAX bytes included.
uint32_t Crc32c(std::string_view data);

// TFRecord's masked CRC, ((crc >> 15) | (crc << 17)) + 0xa282ead8 of Crc32c(data): a CRC stored
// next to the bytes it covers is masked so that CRCs of data holding CRCs stay well distributed.
uint32_t MaskedCrc32c(std::string_view data);

}  // namespace img2dataset
