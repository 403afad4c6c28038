#include "fetch/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "util/byte_order.h"

namespace img2dataset {

namespace {

AddressKind ClassifyV4(uint32_t a) {  // host byte order
  const auto in = [a](uint32_t network, int bits) {
    return (a >> (32 - bits)) == (network >> (32 - bits));
  };
  if (in(0x00000000, 8)) return AddressKind::kUnspecified;  // 0.0.0.0/8
  if (in(0x7F000000, 8)) return AddressKind::kLoopback;     // 127.0.0.0/8
  if (in(0xA9FE0000, 16)) return AddressKind::kLinkLocal;   // 169.254.0.0/16
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0x64400000, 10)) {
    return AddressKind::kPrivate;  // 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier NAT)
  }
  if (in(0xE0000000, 4)) return AddressKind::kMulticast;  // 224.0.0.0/4
  if (in(0xF0000000, 4)) return AddressKind::kReserved;   // 240.0.0.0/4 and broadcast
  return AddressKind::kPublic;
}

AddressKind ClassifyV6(const in6_addr& address) {
  const uint8_t* b = address.s6_addr;
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0) {
    return b[15] == 1   ? AddressKind::kLoopback
           : b[15] == 0 ? AddressKind::kUnspecified
                        : AddressKind::kReserved;
  }
  const auto v4_at = [b](int i) { return LoadBigEndian32(b + i); };
  // Forms that embed an IPv4 address are judged as that address, or a NAT64 gateway or a 6to4
  // relay would carry a request to a private or link-local IPv4 address.
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  static constexpr uint8_t kNat64Prefix[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMappedPrefix, 12) == 0 || std::memcmp(b, kNat64Prefix, 12) == 0 ||
      std::memcmp(b, kZero, 12) == 0) {  // ::ffff:a.b.c.d, 64:ff9b::a.b.c.d, ::a.b.c.d
    return ClassifyV4(v4_at(12));
  }
  if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(v4_at(2));  // 6to4: 2002:a.b.c.d::/48
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return AddressKind::kLinkLocal;  // fe80::/10
  if ((b[0] & 0xFE) == 0xFC) return AddressKind::kPrivate;                    // fc00::/7
  if (b[0] == 0xFF) return AddressKind::kMulticast;                           // ff00::/8
  return AddressKind::kPublic;
}

}  // namespace

const char* AddressKindName(AddressKind kind) {
  switch (kind) {
    case AddressKind::kPublic:
      return "public";
    case AddressKind::kLoopback:
      return "loopback";
    case AddressKind::kPrivate:
      return "private";
    case AddressKind::kLinkLocal:
      return "link-local";
    case AddressKind::kUnspecified:
      return "unspecified";
    case AddressKind::kMulticast:
      return "multicast";
    case AddressKind::kReserved:
      return "reserved";
  }
  return "reserved";
}

AddressKind ClassifyAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return ClassifyV4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return ClassifyV6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return AddressKind::kReserved;
}

bool ParseIpAddress(std::string_view text, sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  // inet_pton reads a C string: "127.0.0.1\0junk" must not parse as 127.0.0.1.
  if (text.find('\0') != std::string_view::npos) return false;
  const std::string s(text);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, s.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, s.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    return true;
  }
  return false;
}

std::string FormatIpAddress(const sockaddr* address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, buffer,
              sizeof(buffer));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, buffer,
              sizeof(buffer));
  }
  return buffer;
}

std::string BlockedAddressMessage(AddressKind kind, const std::string& address) {
  std::string message =
      "refused to connect to " + std::string(AddressKindName(kind)) + " address " + address;
  if (kind == AddressKind::kLoopback || kind == AddressKind::kPrivate) {
    message += " (set allow_private_addresses=True to allow it)";
  }
  return message;
}

}  // namespace img2dataset
