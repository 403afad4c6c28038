#include "util/crc32c.h"

#include <gtest/gtest.h>
#include <isa-l/crc.h>
#include <sys/mman.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

namespace img2dataset {
namespace {

// CRC-32C one bit at a time (reflected polynomial 0x82F63B78): slow, and obviously right.
uint32_t BitwiseCrc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32cTest, CheckValueOfTheCatalogue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(BitwiseCrc32c("123456789"), 0xE3069283u);
}

TEST(Crc32cTest, EmptyInputIsZero) { EXPECT_EQ(Crc32c(""), 0u); }

TEST(Crc32cTest, MatchesRfc3720Vectors) {
  // iSCSI's test patterns (RFC 3720, B.4), as leveldb's crc32c tests check them.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending += static_cast<char>(i);
    descending += static_cast<char>(31 - i);
  }
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);
}

TEST(Crc32cTest, LargeUnalignedBuffersMatchTheBitwiseReference) {
  // Over a MiB, so the accelerated paths (folding of large blocks) all run; the odd offsets and
  // lengths start and end them off alignment.
  std::string data(3 * 512 * 1024 + 7, '\0');
  uint32_t state = 12345;
  for (char& c : data) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 24);
  }
  const std::string_view view(data);
  EXPECT_EQ(Crc32c(view), BitwiseCrc32c(view));
  EXPECT_EQ(Crc32c(view.substr(1)), BitwiseCrc32c(view.substr(1)));
  EXPECT_EQ(Crc32c(view.substr(3, 1024 * 1024 + 13)),
            BitwiseCrc32c(view.substr(3, 1024 * 1024 + 13)));
  for (size_t length = 0; length < 300; ++length) {
    SCOPED_TRACE(length);
    EXPECT_EQ(Crc32c(view.substr(5, length)), BitwiseCrc32c(view.substr(5, length)));
  }
}

TEST(Crc32cTest, InputLongerThanIntMaxIsCoveredWhole) {
  // crc32_iscsi takes an int length: past INT_MAX bytes the input goes in pieces. Zero pages
  // mapped read-only cost address space, not memory. The expected value chains ISA-L over
  // pieces of a MiB, split elsewhere than at INT_MAX.
  const size_t size = size_t{INT_MAX} + 4097;
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) GTEST_SKIP() << "cannot map " << size << " bytes";
  const std::string_view zeros(static_cast<const char*>(map), size);
  uint32_t state = 0xFFFFFFFFu;
  for (size_t offset = 0; offset < size; offset += 1 << 20) {
    const size_t piece = std::min<size_t>(size - offset, 1 << 20);
    state = crc32_iscsi(
        const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(zeros.data() + offset)),
        static_cast<int>(piece), state);
  }
  EXPECT_EQ(Crc32c(zeros), ~state);
  munmap(map, size);
}

TEST(Crc32cTest, EmbeddedNulBytesAreCovered) {
  EXPECT_NE(Crc32c(std::string("a\0b", 3)), Crc32c("a"));
  EXPECT_EQ(Crc32c(std::string("a\0b", 3)), BitwiseCrc32c(std::string("a\0b", 3)));
}

TEST(Crc32cTest, MaskedRotatesAndAddsTheTfrecordDelta) {
  // Empty: crc 0, so the mask is the delta alone.
  EXPECT_EQ(MaskedCrc32c(""), 0xA282EAD8u);
  // 0xE3069283 rotated right by 15 is 0x2507C60D; plus 0xA282EAD8 (mod 2^32).
  EXPECT_EQ(MaskedCrc32c("123456789"), 0xC78AB0E5u);
}

TEST(Crc32cTest, MaskedDiffersFromPlain) {
  const std::string data = "foo";
  EXPECT_NE(MaskedCrc32c(data), Crc32c(data));
  const uint32_t crc = Crc32c(data);
  EXPECT_EQ(MaskedCrc32c(data), ((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
}

}  // namespace
}  // namespace img2dataset
