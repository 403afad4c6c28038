#include "fetch/address_policy.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <string>
#include <string_view>
#include <vector>

namespace img2dataset {
namespace {

using namespace std::string_literals;

// The kind's name, so that a failure prints "link-local" rather than an enum value.
std::string KindOf(std::string_view text) {
  sockaddr_storage address;
  if (!ParseIpAddress(text, &address)) return "unparsed";
  return AddressKindName(ClassifyAddress(reinterpret_cast<const sockaddr*>(&address)));
}

struct KindCase {
  const char* address;
  AddressKind kind;
};

void ExpectKinds(const std::vector<KindCase>& cases) {
  for (const KindCase& c : cases) {
    EXPECT_EQ(KindOf(c.address), AddressKindName(c.kind)) << c.address;
  }
}

TEST(AddressPolicyTest, ClassifiesIpv4Ranges) {
  ExpectKinds({
      {"127.0.0.1", AddressKind::kLoopback},
      {"127.255.255.254", AddressKind::kLoopback},
      {"10.0.0.1", AddressKind::kPrivate},
      {"172.16.0.1", AddressKind::kPrivate},
      {"172.31.255.255", AddressKind::kPrivate},
      {"172.32.0.1", AddressKind::kPublic},
      {"192.168.1.1", AddressKind::kPrivate},
      {"100.64.0.1", AddressKind::kPrivate},  // carrier-grade NAT
      {"100.128.0.1", AddressKind::kPublic},
      {"169.254.169.254", AddressKind::kLinkLocal},  // cloud metadata service
      {"169.254.0.1", AddressKind::kLinkLocal},
      {"0.0.0.0", AddressKind::kUnspecified},
      {"224.0.0.1", AddressKind::kMulticast},
      {"240.0.0.1", AddressKind::kReserved},
      {"255.255.255.255", AddressKind::kReserved},
      {"8.8.8.8", AddressKind::kPublic},
  });
}

TEST(AddressPolicyTest, Ipv4RangeBoundariesAreExact) {
  ExpectKinds({
      {"0.255.255.255", AddressKind::kUnspecified},  // 0/8 is "this network"
      {"1.0.0.0", AddressKind::kPublic},
      {"9.255.255.255", AddressKind::kPublic},
      {"11.0.0.0", AddressKind::kPublic},
      {"100.63.255.255", AddressKind::kPublic},
      {"100.127.255.255", AddressKind::kPrivate},
      {"126.255.255.255", AddressKind::kPublic},
      {"128.0.0.0", AddressKind::kPublic},
      {"169.253.255.255", AddressKind::kPublic},
      {"169.255.0.0", AddressKind::kPublic},
      {"172.15.255.255", AddressKind::kPublic},
      {"192.167.255.255", AddressKind::kPublic},
      {"192.169.0.0", AddressKind::kPublic},
      {"223.255.255.255", AddressKind::kPublic},
      {"239.255.255.255", AddressKind::kMulticast},
  });
}

TEST(AddressPolicyTest, ClassifiesIpv6Ranges) {
  ExpectKinds({
      {"::1", AddressKind::kLoopback},
      {"::", AddressKind::kUnspecified},
      {"fe80::1", AddressKind::kLinkLocal},
      {"febf::1", AddressKind::kLinkLocal},
      // fec0::/10 is the deprecated site-local range (RFC 3879); the policy does not list it, so
      // it is judged public like any other unicast address.
      {"fec0::1", AddressKind::kPublic},
      {"fc00::1", AddressKind::kPrivate},
      {"fd00:ec2::254", AddressKind::kPrivate},  // AWS IPv6 metadata service, inside fc00::/7
      {"ff02::1", AddressKind::kMulticast},
      {"2001:4860:4860::8888", AddressKind::kPublic},
  });
}

TEST(AddressPolicyTest, Ipv6RangeBoundariesAreExact) {
  ExpectKinds({
      {"::2", AddressKind::kReserved},  // neither :: nor ::1 in ::/120
      {"fbff:ffff::1", AddressKind::kPublic},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddressKind::kPrivate},
      {"fe00::1", AddressKind::kPublic},
      {"fe7f::1", AddressKind::kPublic},
      {"ff00::", AddressKind::kMulticast},
  });
}

TEST(AddressPolicyTest, Ipv4MappedIpv6IsJudgedAsIpv4) {
  ExpectKinds({
      {"::ffff:127.0.0.1", AddressKind::kLoopback},
      {"::ffff:7f00:1", AddressKind::kLoopback},  // the same address written in hex
      {"::ffff:169.254.169.254", AddressKind::kLinkLocal},
      {"::ffff:10.0.0.1", AddressKind::kPrivate},
      {"::ffff:0.0.0.0", AddressKind::kUnspecified},
      {"::ffff:224.0.0.1", AddressKind::kMulticast},
      {"::ffff:8.8.8.8", AddressKind::kPublic},
  });
}

TEST(AddressPolicyTest, UnknownAddressFamilyIsReserved) {
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  EXPECT_EQ(ClassifyAddress(reinterpret_cast<const sockaddr*>(&unix_address)),
            AddressKind::kReserved);
  sockaddr_storage unspecified{};
  unspecified.ss_family = AF_UNSPEC;
  EXPECT_EQ(ClassifyAddress(reinterpret_cast<const sockaddr*>(&unspecified)),
            AddressKind::kReserved);
}

TEST(AddressPolicyTest, KindNames) {
  EXPECT_STREQ(AddressKindName(AddressKind::kPublic), "public");
  EXPECT_STREQ(AddressKindName(AddressKind::kLoopback), "loopback");
  EXPECT_STREQ(AddressKindName(AddressKind::kPrivate), "private");
  EXPECT_STREQ(AddressKindName(AddressKind::kLinkLocal), "link-local");
  EXPECT_STREQ(AddressKindName(AddressKind::kUnspecified), "unspecified");
  EXPECT_STREQ(AddressKindName(AddressKind::kMulticast), "multicast");
  EXPECT_STREQ(AddressKindName(AddressKind::kReserved), "reserved");
}

TEST(AddressPolicyTest, PublicIsAlwaysAllowed) {
  EXPECT_TRUE(AddressAllowed(AddressKind::kPublic, /*allow_private_addresses=*/false));
  EXPECT_TRUE(AddressAllowed(AddressKind::kPublic, /*allow_private_addresses=*/true));
}

TEST(AddressPolicyTest, LoopbackAndPrivateOnlyWhenPrivateAddressesAllowed) {
  for (const AddressKind kind : {AddressKind::kLoopback, AddressKind::kPrivate}) {
    EXPECT_FALSE(AddressAllowed(kind, /*allow_private_addresses=*/false)) << AddressKindName(kind);
    EXPECT_TRUE(AddressAllowed(kind, /*allow_private_addresses=*/true)) << AddressKindName(kind);
  }
}

TEST(AddressPolicyTest, LinkLocalUnspecifiedMulticastReservedNeverAllowed) {
  for (const AddressKind kind : {AddressKind::kLinkLocal, AddressKind::kUnspecified,
                                 AddressKind::kMulticast, AddressKind::kReserved}) {
    EXPECT_FALSE(AddressAllowed(kind, /*allow_private_addresses=*/false)) << AddressKindName(kind);
    EXPECT_FALSE(AddressAllowed(kind, /*allow_private_addresses=*/true)) << AddressKindName(kind);
  }
}

TEST(AddressPolicyTest, MetadataServiceRefusedEvenWithPrivateAddressesAllowed) {
  for (const char* text : {"169.254.169.254", "::ffff:169.254.169.254", "fe80::a9fe:a9fe"}) {
    sockaddr_storage address;
    ASSERT_TRUE(ParseIpAddress(text, &address)) << text;
    EXPECT_FALSE(AddressAllowed(ClassifyAddress(reinterpret_cast<const sockaddr*>(&address)),
                                /*allow_private_addresses=*/true))
        << text;
  }
}

TEST(AddressPolicyTest, ParseSetsTheAddressFamily) {
  sockaddr_storage address;
  ASSERT_TRUE(ParseIpAddress("127.0.0.1", &address));
  EXPECT_EQ(address.ss_family, AF_INET);
  ASSERT_TRUE(ParseIpAddress("::1", &address));
  EXPECT_EQ(address.ss_family, AF_INET6);
  ASSERT_TRUE(ParseIpAddress("::ffff:127.0.0.1", &address));
  EXPECT_EQ(address.ss_family, AF_INET6);
}

TEST(AddressPolicyTest, ParseRejectsWhatIsNotAnAddress) {
  for (const std::string_view text :
       {"localhost", "1.2.3", "", "::g", "127.0.0.1:80", "[::1]", " 127.0.0.1", "127.0.0.1 ",
        "127.1", "0x7f.0.0.1", "01.2.3.4", "256.1.1.1", "1.2.3.4.5", "fe80::1%eth0",
        "::1::", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3", "http://127.0.0.1/"}) {
    sockaddr_storage address;
    EXPECT_FALSE(ParseIpAddress(text, &address)) << "'" << text << "'";
  }
}

TEST(AddressPolicyTest, ParseRejectsEmbeddedNul) {
  // Regression: the text was handed to inet_pton as a C string, so "127.0.0.1\0junk" parsed as
  // 127.0.0.1.
  sockaddr_storage address;
  EXPECT_FALSE(ParseIpAddress("127.0.0.1\0junk"s, &address));
  EXPECT_FALSE(ParseIpAddress("::1\0"s, &address));
  EXPECT_FALSE(ParseIpAddress("\0"s, &address));
}

TEST(AddressPolicyTest, FormatRoundTrips) {
  for (const char* text :
       {"127.0.0.1", "8.8.8.8", "0.0.0.0", "255.255.255.255", "::1", "::", "fe80::1",
        "fd00:ec2::254", "2001:4860:4860::8888", "::ffff:127.0.0.1"}) {
    sockaddr_storage address;
    ASSERT_TRUE(ParseIpAddress(text, &address)) << text;
    EXPECT_EQ(FormatIpAddress(reinterpret_cast<const sockaddr*>(&address)), text);
  }
}

TEST(AddressPolicyTest, FormatCanonicalisesIpv6) {
  sockaddr_storage address;
  ASSERT_TRUE(ParseIpAddress("2001:0DB8:0000:0000::0001", &address));
  EXPECT_EQ(FormatIpAddress(reinterpret_cast<const sockaddr*>(&address)), "2001:db8::1");
}

TEST(AddressPolicyTest, FormatOfUnknownFamilyIsEmpty) {
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  EXPECT_EQ(FormatIpAddress(reinterpret_cast<const sockaddr*>(&unix_address)), "");
}

TEST(AddressPolicyTest, Ipv6FormsEmbeddingIpv4AreJudgedAsTheIpv4Address) {
  const auto kind = [](const char* text) {
    sockaddr_storage storage;
    EXPECT_TRUE(ParseIpAddress(text, &storage)) << text;
    return ClassifyAddress(reinterpret_cast<const sockaddr*>(&storage));
  };
  EXPECT_EQ(kind("64:ff9b::169.254.169.254"), AddressKind::kLinkLocal);  // NAT64
  EXPECT_EQ(kind("64:ff9b::10.0.0.1"), AddressKind::kPrivate);
  EXPECT_EQ(kind("64:ff9b::8.8.8.8"), AddressKind::kPublic);
  EXPECT_EQ(kind("2002:a9fe:a9fe::1"), AddressKind::kLinkLocal);  // 6to4 of 169.254.169.254
  EXPECT_EQ(kind("2002:0808:0808::1"), AddressKind::kPublic);
  EXPECT_EQ(kind("::127.0.0.1"), AddressKind::kLoopback);  // IPv4-compatible (deprecated)
  EXPECT_EQ(kind("::10.1.2.3"), AddressKind::kPrivate);
}

}  // namespace
}  // namespace img2dataset
