// fwd/route/linux_hash.hpp: flow keys, lengths, symmetric ordering, byte orders per policy, the
// fast word form, ICMP errors, policy 3's combination.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

#include "fwd/error.hpp"
#include "fwd/route/ecmp.hpp"
#include "fwd/route/linux_hash.hpp"
#include "route/route_test_util.hpp"

using namespace fwd::route;
using route_test::paths;
using route_test::random_flows;

TEST(LinuxHash, FastV4FormEqualsGenericKeys) {
  std::mt19937_64 rng(2);
  for (int t = 0; t < 200; ++t) {
    const auto key = linux_mp::sip_key(static_cast<std::uint32_t>(rng()));
    linux_mp::FlowKeys k;
    k.addr_type = linux_mp::addr_v4;
    k.ip_proto = static_cast<std::uint8_t>(rng());
    k.ports = static_cast<std::uint32_t>(rng());
    const auto a = rng();
    std::memcpy(k.addrs.data(), &a, 8);
    EXPECT_EQ(linux_mp::hash_keys(k, key),
              linux_mp::hash_v4(fwd::net::le32(k.addrs.data()), fwd::net::le32(k.addrs.data() + 4), k.ip_proto, k.ports, key));
  }
}

TEST(LinuxHash, HashedLengthsAreThoseOfTheSpec) {
  linux_mp::FlowKeys k;
  std::uint8_t buf[72];
  k.addr_type = linux_mp::addr_v4;
  EXPECT_EQ(linux_mp::serialize(k, buf), 48u);
  k.addr_type = linux_mp::addr_v6;
  EXPECT_EQ(linux_mp::serialize(k, buf), 72u);
  k.addr_type = linux_mp::addr_none;
  EXPECT_EQ(linux_mp::serialize(k, buf), 40u);
}

TEST(LinuxHash, FlowAndReverseHashAlike) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=1;seed=0x1234abcd", paths(4));
  for (const Flow& f : random_flows(500, 3)) {
    Flow r = f;
    std::swap(r.src, r.dst);
    std::swap(r.sport, r.dport);
    EXPECT_EQ(e.hash(f), e.hash(r));
  }
}

TEST(LinuxHash, HashIs31Bits) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=1;seed=7", paths(2));
  for (const Flow& f : random_flows(1000, 4)) EXPECT_LT(e.hash(f), 1u << 31);
}

TEST(LinuxHash, Policy3CombinesOnlyOnTheSkbPath) {
  // IPv4 `ip route get` hashes the dummy packet: jhash_2words(outer, 0, 0) even without
  // encapsulation; socket traffic (flow path) uses the outer hash alone (spec §4.4, §4.5).
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=3;fields=0x7;seed=0x77", paths(3));
  const Flow f = Flow::v4(0x0a000001, 0xc6120005, 6, 40000, 443);
  const Explanation sock = e.explain(f, {.lookup = Lookup::socket});
  const Explanation fwd = e.explain(f, {.lookup = Lookup::forward});
  EXPECT_EQ(sock.hashed, fwd.hashed);
  EXPECT_EQ(fwd.hash, linux_mp::jhash_2words(sock.hash, 0, 0));
  EXPECT_NE(fwd.hash, sock.hash);
}

TEST(LinuxHash, FlowLabelByteOrderDependsOnThePolicy) {
  PathSet ps = paths(2, Family::ipv6);
  Flow f = Flow::make(Address::parse("2001:db8::1"), Address::parse("2001:db8:5::9"), 17, 1000, 53, 0x12345);
  // Policy 0 (flow path or fixed header): the raw network-order word, bytes 00 01 23 45.
  const auto p0 = Ecmp::from_spec("linux-6.18:policy=0", ps).explain(f).hashed;
  EXPECT_EQ(std::vector<std::uint8_t>(p0.begin() + 4, p0.begin() + 8), (std::vector<std::uint8_t>{0x00, 0x01, 0x23, 0x45}));
  // Policy 2 on a packet: the dissector's host-order value, bytes 45 23 01 00.
  const auto p2 = Ecmp::from_spec("linux-6.18:policy=2", ps).explain(f, {.lookup = Lookup::packet}).hashed;
  EXPECT_EQ(std::vector<std::uint8_t>(p2.begin() + 4, p2.begin() + 8), (std::vector<std::uint8_t>{0x45, 0x23, 0x01, 0x00}));
  // Policy 1 never hashes the label.
  const auto p1 = Ecmp::from_spec("linux-6.18:policy=1", ps).explain(f, {.lookup = Lookup::packet}).hashed;
  EXPECT_EQ(std::vector<std::uint8_t>(p1.begin() + 4, p1.begin() + 8), (std::vector<std::uint8_t>{0, 0, 0, 0}));
}

TEST(LinuxHash, IcmpErrorFollowsItsFlowUnderPolicy0) {
  // An ICMP "port unreachable" quoting 198.18.0.5 -> 10.0.0.1 hashes like that quoted flow.
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=0;seed=42", paths(8));
  std::uint8_t pkt[56] = {0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 10, 0, 0, 1,
                          3, 3, 0, 0, 0, 0, 0, 0,
                          0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 5, 10, 0, 0, 1};
  const Flow quoted = Flow::v4(0xc6120005, 0x0a000001, 17, 0, 0);
  EXPECT_EQ(e.hash(fwd::net::Bytes(pkt, sizeof pkt)), e.hash(quoted));
  pkt[20] = 8;  // an echo request instead: outer addresses
  EXPECT_EQ(e.hash(fwd::net::Bytes(pkt, sizeof pkt)), e.hash(Flow::v4(0xc0000201, 0x0a000001, 1, 0, 0)));
}
