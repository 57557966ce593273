#include "fwd/hash/dpdk.hpp"

#include <gtest/gtest.h>

#include "guarded_frame.hpp"
#include "test_frames.hpp"
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using fwd::hash::Trace;
using fwd::hash::TraceStep;
using fwd::net::Bytes;
namespace dpdk = fwd::hash::dpdk;
using dpdk::XmitPolicy;

namespace {


Bytes bytes(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

std::vector<std::uint8_t> prefix(const std::vector<std::uint8_t>& f, std::size_t n) {
  return {f.begin(), f.begin() + static_cast<long>(n)};
}

std::uint32_t h(const std::vector<std::uint8_t>& f, XmitPolicy p) {
  const dpdk::Result r = dpdk::hash(bytes(f), p);
  EXPECT_TRUE(r.defined);
  return r.hash;
}

std::uint32_t fold(std::uint32_t x) {
  x ^= x >> 16;
  return x ^ (x >> 8);
}


// F1's IP packet behind other L2 headers.
constexpr std::string_view kF1Ip =
    "4500 0028 1234 0000 4006 9738 c0a85002 c0a80011"
    "0050 78ac 00000001 00000000 5012 ffff 0000 0000";
std::vector<std::uint8_t> f1_behind(std::string_view l2_after_macs) {
  return hex("00005e000101 002590112233" + std::string(l2_after_macs) + std::string(kF1Ip));
}

constexpr std::string_view kV6 = "20010db8000000000000000000000001 20010db8000000000000000000000002";

}  // namespace

TEST(DpdkBond, SpecWorkedExample94AndF1) {
  // §9.4: l34 on F1. L3 = 0x0250a8c0 ^ 0x1100a8c0, L4 = 0x5000 ^ 0xac78.
  EXPECT_EQ(h(F1, XmitPolicy::l34), 0x1343bfc7u);
  EXPECT_EQ(h(F1, XmitPolicy::l34), fold(0x0250a8c0u ^ 0x1100a8c0u ^ 0x5000u ^ 0xac78u));
  // l2: src ^ dst as three little-endian 16-bit words = 0x06ed, then h ^= h >> 8 (vector 1771).
  EXPECT_EQ(h(F1, XmitPolicy::l2), 0x06ebu);
  // l23: fold(ETH ^ L3) (vector 323175848).
  EXPECT_EQ(h(F1, XmitPolicy::l23), fold(0x06edu ^ 0x0250a8c0u ^ 0x1100a8c0u));
  EXPECT_EQ(h(F1, XmitPolicy::l23), 323175848u);
  EXPECT_EQ(h(F1, XmitPolicy::l34) % 4, 3u);  // vector index with 4 members
}

TEST(DpdkBond, VlanSkipping) {
  const std::uint32_t l23 = h(F1, XmitPolicy::l23), l34 = h(F1, XmitPolicy::l34);
  for (const char* tags : {"8100 0050 0800", "88a8 0050 0800", "88a8 012c 8100 0064 0800",
                           "8100 012c 8100 0064 0800"}) {
    const auto f = f1_behind(tags);
    EXPECT_EQ(h(f, XmitPolicy::l2), 0x06ebu) << tags;
    EXPECT_EQ(h(f, XmitPolicy::l23), l23) << tags;
    EXPECT_EQ(h(f, XmitPolicy::l34), l34) << tags;
  }
  // The second tag must be 0x8100: after 0x88a8 the type 0x88a8 is not IP, so L3 = 0.
  for (const char* tags : {"8100 012c 88a8 0064 0800", "88a8 012c 88a8 0064 0800"}) {
    const auto f = f1_behind(tags);
    EXPECT_EQ(h(f, XmitPolicy::l23), fold(0x06ed)) << tags;
    EXPECT_EQ(h(f, XmitPolicy::l34), 0u) << tags;
  }
  // At most two tags: a third one hides the IP header.
  EXPECT_EQ(h(f1_behind("8100 0001 8100 0002 8100 0003 0800"), XmitPolicy::l34), 0u);
}

TEST(DpdkBond, L34IgnoresMacsAndL23IgnoresPorts) {
  auto other_macs = F1;
  for (std::size_t i = 6; i < 12; ++i) other_macs[i] ^= 0x5a;  // the source MAC only
  EXPECT_EQ(h(other_macs, XmitPolicy::l34), h(F1, XmitPolicy::l34));
  EXPECT_NE(h(other_macs, XmitPolicy::l23), h(F1, XmitPolicy::l23));
  auto other_ports = F1;
  other_ports[34] = 0x12;
  EXPECT_EQ(h(other_ports, XmitPolicy::l23), h(F1, XmitPolicy::l23));
  EXPECT_NE(h(other_ports, XmitPolicy::l34), h(F1, XmitPolicy::l34));
}

TEST(DpdkBond, UdpNeedsOnePayloadByte) {
  // vector qinq_8100_8100_v4_udp: the UDP header ends the frame exactly, so no ports.
  const auto f = hex("001b21ccdd02001b21aabb01 8100 012c 8100 0064 0800"
                     "4500 001c 1234 0000 4011 549b 0a000001 0a000002 3039 0035 0008 0000");
  EXPECT_EQ(h(f, XmitPolicy::l34), 0x03030303u);
  EXPECT_EQ(h(f, XmitPolicy::l34), fold(0x0100000au ^ 0x0200000au));
  auto longer = f;
  longer.push_back(0);
  EXPECT_EQ(h(longer, XmitPolicy::l34), fold(0x0100000au ^ 0x0200000au ^ 0x3930u ^ 0x3500u));
  // TCP only needs its 20 bytes (th + 20 <= len).
  const auto tcp = prefix(F1, 54);
  EXPECT_EQ(h(tcp, XmitPolicy::l34), 0x1343bfc7u);
  EXPECT_EQ(h(prefix(F1, 53), XmitPolicy::l34), fold(0x0250a8c0u ^ 0x1100a8c0u));
}

TEST(DpdkBond, Ipv4FragmentsAndUnvalidatedIhl) {
  // vector v4_frag_first_udp: MF set, so even the first fragment has no ports.
  const auto first = hex("001b21ccdd02001b21aabb01 0800 4500 003c 1234 2000 4011 347b 0a000001 0a000002"
                         "0457 08ae 0028 0000" + std::string(64, '4'));
  EXPECT_EQ(h(first, XmitPolicy::l34), 0x03030303u);
  // vector v4_bad_ihl0_udp: ihl 0 puts the "UDP header" at the IP header itself.
  const auto ihl0 = hex("001b21ccdd02001b21aabb01 0800 4000 001c 1234 0000 4011 599b 0a000001 0a000002"
                        "08ae 0d05 0008 0000" + std::string(36, '0'));
  EXPECT_EQ(h(ihl0, XmitPolicy::l34), 0x03031f5fu);
  EXPECT_EQ(h(ihl0, XmitPolicy::l34), fold(0x0100000au ^ 0x0200000au ^ 0x0040u ^ 0x1c00u));
  // vector v4_bad_ihl4_tcp: ihl 4 reads the ports 4 bytes early (the IPv4 dst address).
  const auto ihl4 = hex("001b21ccdd02001b21aabb01 0800 4400 0028 1234 0000 4006 559a 0a000001 0a000002"
                        "08ae 0d05 00000001 00000000 5002 ffff 0000 0000 0000 0000 0000");
  EXPECT_EQ(h(ihl4, XmitPolicy::l34), 0x0303010bu);
}

TEST(DpdkBond, Ipv6PortsWithoutExtensionHeaders) {
  const auto tcp6 = hex("001b21ccdd02001b21aabb01 86dd 6000 0000 0014 06 40" + std::string(kV6) +
                        "3039 0050 00000001 00000000 5002 ffff 0000 0000");
  EXPECT_EQ(h(tcp6, XmitPolicy::l23), 0x03036600u);  // vector v6_tcp_0
  EXPECT_EQ(h(tcp6, XmitPolicy::l34), 0x03036a5au);
  // Hop-by-hop first: the next header is 0, so no ports (vector v6_hbh_tcp).
  const auto hbh = hex("001b21ccdd02001b21aabb01 86dd 6005 5555 001c 00 40" + std::string(kV6) +
                       "0600 0104 0000 0000 03e8 07d0 00000001 00000000 5002 ffff 0000 0000");
  EXPECT_EQ(h(hbh, XmitPolicy::l34), 0x03030303u);
}

TEST(DpdkBond, DefinedOnlyWhenEveryByteReadIsPresent) {
  // F1 cut at n: l2 reads bytes 0..11; l23/l34 read up to the IPv4 addresses (26..33). The
  // TCP ports are bounds-checked by DPDK itself.
  for (std::size_t n = 0; n <= F1.size(); ++n) {
    const auto f = prefix(F1, n);
    EXPECT_EQ(dpdk::hash(bytes(f), XmitPolicy::l2).defined, n >= 12) << n;
    EXPECT_EQ(dpdk::hash(bytes(f), XmitPolicy::l23).defined, n >= 34) << n;
    EXPECT_EQ(dpdk::hash(bytes(f), XmitPolicy::l34).defined, n >= 34) << n;
    if (n >= 34) {
      EXPECT_EQ(dpdk::hash(bytes(f), XmitPolicy::l34).hash, n >= 54 ? 0x1343bfc7u : fold(0x13500000u));
    }
  }
  // Missing bytes count as zero: l2 over 6 bytes is the destination MAC alone.
  const auto r = dpdk::hash(bytes(prefix(F1, 6)), XmitPolicy::l2);
  EXPECT_FALSE(r.defined);
  EXPECT_EQ(r.hash, (0x0000u ^ 0x005eu ^ 0x0101u) ^ ((0x0000u ^ 0x005eu ^ 0x0101u) >> 8));
  // IPv6 TCP: l23 needs 54 bytes, l34 reads the ports unchecked and needs 58.
  const auto tcp6 = hex("001b21ccdd02001b21aabb01 86dd 6001 2345 0014 06 40" + std::string(kV6) +
                        "04d2 0050 00000001 00000000 5002 ffff 0000 0000");
  EXPECT_FALSE(dpdk::hash(bytes(prefix(tcp6, 53)), XmitPolicy::l23).defined);
  EXPECT_TRUE(dpdk::hash(bytes(prefix(tcp6, 54)), XmitPolicy::l23).defined);
  EXPECT_FALSE(dpdk::hash(bytes(prefix(tcp6, 57)), XmitPolicy::l34).defined);
  EXPECT_EQ(h(prefix(tcp6, 58), XmitPolicy::l34), 0x03038185u);  // vector trunc_v6tcp_len58
  // A 14-byte non-IP frame is fully defined for l34 (only the type is read).
  EXPECT_TRUE(dpdk::hash(bytes(hex("001b21ccdd02001b21aabb01 88cc")), XmitPolicy::l34).defined);
  // A tagged frame cut inside the tag: the inner type lies past the end.
  EXPECT_FALSE(dpdk::hash(bytes(hex("001b21ccdd02001b21aabb01 8100 0064")), XmitPolicy::l34).defined);
}

TEST(DpdkBond, TruncationNeverReadsPastTheFrame) {
  const std::vector<std::vector<std::uint8_t>> frames = {
      F1,
      f1_behind("88a8 012c 8100 0064 0800"),
      hex("001b21ccdd02001b21aabb01 86dd 6000 0000 0014 06 40" + std::string(kV6) +
          "3039 0050 00000001 00000000 5002 ffff 0000 0000"),
      hex("001b21ccdd02001b21aabb01 8100 0064 0800 4500 001c 1234 0000 4011 0000 0a000001 0a000002"
          "3039 0035 0008 0000 00"),
  };
  for (const auto& f : frames) {
    for (std::size_t n = 0; n <= f.size(); ++n) {
      const auto copy = prefix(f, n);
      Guarded g(f, n);  // a read past the frame faults
      for (XmitPolicy p : {XmitPolicy::l2, XmitPolicy::l23, XmitPolicy::l34}) {
        const dpdk::Result r = dpdk::hash(g.bytes(), p);
        Trace tr;
        const dpdk::Result t = dpdk::hash(g.bytes(), p, tr);
        EXPECT_EQ(t.hash, r.hash);
        EXPECT_EQ(t.defined, r.defined);
        EXPECT_EQ(dpdk::hash(bytes(copy), p).hash, r.hash);
        for (const TraceStep& s : tr.steps) {
          // A field DPDK reads wholly past the end is traced at its offset with no bytes.
          if (s.kind == TraceStep::Kind::field && !s.bytes.empty()) {
            EXPECT_LE(s.offset + s.bytes.size(), n);
          }
        }
      }
    }
  }
}

TEST(DpdkTrace, TracedEqualsUntracedWithFieldsAndSteps) {
  Trace tr;
  const dpdk::Result r = dpdk::hash(bytes(F1), XmitPolicy::l34, tr);
  EXPECT_EQ(r.hash, 0x1343bfc7u);
  EXPECT_TRUE(r.defined);
  std::vector<std::pair<std::string, std::size_t>> fields;
  for (const TraceStep& s : tr.steps)
    if (s.kind == TraceStep::Kind::field) fields.emplace_back(s.name, s.offset);
  const std::vector<std::pair<std::string, std::size_t>> want = {
      {"ether_type", 12}, {"ipv4_src", 26}, {"ipv4_dst", 30}, {"tcp ports", 34}};
  EXPECT_EQ(fields, want);
  ASSERT_FALSE(tr.steps.empty());
  EXPECT_EQ(tr.steps.back().hash, r.hash);

  for (XmitPolicy p : {XmitPolicy::l2, XmitPolicy::l23}) {
    Trace t2;
    EXPECT_EQ(dpdk::hash(bytes(F1), p, t2).hash, dpdk::hash(bytes(F1), p).hash);
    EXPECT_GE(t2.steps.size(), 3u);
    EXPECT_EQ(t2.steps.back().hash, dpdk::hash(bytes(F1), p).hash);
  }

  // A read past the end is explained.
  Trace t3;
  const dpdk::Result cut = dpdk::hash(bytes(prefix(F1, 30)), XmitPolicy::l23, t3);
  EXPECT_FALSE(cut.defined);
  bool noted = false;
  for (const TraceStep& s : t3.steps)
    if (s.kind == TraceStep::Kind::note && s.name.find("past the end") != std::string::npos) noted = true;
  EXPECT_TRUE(noted);
}
