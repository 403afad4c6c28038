// Which IP addresses the engine may connect to (server-side request forgery guard).
//
// Link-local addresses (169.254.0.0/16, where cloud metadata services live, and fe80::/10),
// unspecified, multicast and reserved addresses are always refused. Loopback and private ranges
// (10/8, 172.16/12, 192.168/16, 100.64/10, 127/8, fc00::/7, ::1) are refused unless
// allow_private_addresses is set. IPv6 forms that embed an IPv4 address (mapped ::ffff:0:0/96,
// compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged as that IPv4 address.
//
// The check runs on every socket the engine opens (curl's open-socket callback), so it covers
// IP-literal URLs, every DNS answer and every redirect hop.
//
// Thread safety: free functions.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace img2dataset {

enum class AddressKind {
  kPublic,
  kLoopback,
  kPrivate,
  kLinkLocal,
  kUnspecified,
  kMulticast,
  kReserved,
};

const char* AddressKindName(AddressKind kind);  // "public", "loopback", ...

// REQUIRES: address is an AF_INET or AF_INET6 socket address; anything else is kReserved.
AddressKind ClassifyAddress(const sockaddr* address);

// Parses a textual IPv4 or IPv6 address ("127.0.0.1", "::1"); false when it is not one.
bool ParseIpAddress(std::string_view text, sockaddr_storage* out);

// "127.0.0.1", "::1".
std::string FormatIpAddress(const sockaddr* address);

// "refused to connect to loopback address 127.0.0.1 (set allow_private_addresses=True to allow
// it)": the message of a row failed with class blocked_address.
std::string BlockedAddressMessage(AddressKind kind, const std::string& address);

inline bool AddressAllowed(AddressKind kind, bool allow_private_addresses) {
  switch (kind) {
    case AddressKind::kPublic:
      return true;
    case AddressKind::kLoopback:
    case AddressKind::kPrivate:
      return allow_private_addresses;
    default:
      return false;
  }
}

}  // namespace img2dataset
