#include "util/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>
#include <cstddef>

namespace img2dataset {

uint32_t Crc32c(std::string_view data) {
  // crc32_iscsi neither inverts its initial value nor its result, so the state it returns can be
  // fed back for the next piece; the standard CRC starts from ~0 and inverts at the end. Its
  // length is an int: longer inputs go through in pieces.
  uint32_t state = 0xFFFFFFFFu;
  // crc32_iscsi only reads the buffer; its parameter is not const.
  auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  while (left > 0) {
    const size_t piece = std::min<size_t>(left, INT_MAX);
    state = crc32_iscsi(bytes, static_cast<int>(piece), state);
    bytes += piece;
    left -= piece;
  }
  return ~state;
}

uint32_t MaskedCrc32c(std::string_view data) {
  const uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

}  // namespace img2dataset
