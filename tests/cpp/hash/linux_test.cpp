// Tests for fwd/hash/linux.hpp: Linux 6.12 bonding xmit_hash_policy.
//
// Expected values come from three places: the worked examples of
// shared/specs/hash-algorithms.md §9.3, hashes the real kernel computed for the corpus frames
// (shared/vectors/linux_bond_*.jsonl, same frame names), and small reference computations written
// here from the spec (ref_fold, wire words). Frames are hex strings; every frame lives in a vector
// of exactly its size, so a read past the end shows up under a sanitizer.

#include "fwd/hash/linux.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace lb = fwd::hash::linux_bond;
using P = lb::XmitHashPolicy;
using Frame = std::vector<std::uint8_t>;

Frame hex(std::string_view s) {
  Frame f;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else continue;  // spaces separate header fields for the reader
    if (hi < 0) {
      hi = v;
    } else {
      f.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return f;
}

Frame prefix(const Frame& f, std::size_t len) { return Frame(f.begin(), f.begin() + len); }

// skb->protocol as the vector generator set it: be16(frame[12..13]) from 14 bytes on, else 0.
fwd::net::PacketMeta meta_of(const Frame& f) {
  fwd::net::PacketMeta m;
  m.protocol = f.size() >= 14 ? static_cast<std::uint16_t>(f[12] << 8 | f[13]) : 0;
  return m;
}

std::uint32_t h(const Frame& f, P policy) {
  return lb::hash(fwd::net::Bytes(f), meta_of(f), policy);
}
std::uint32_t h(const Frame& f, P policy, const fwd::net::PacketMeta& m) {
  return lb::hash(fwd::net::Bytes(f), m, policy);
}

// Spec 2.2 FOLD, written out again so the tests do not lean on the header's own helper.
constexpr std::uint32_t ref_fold(std::uint32_t v, std::uint32_t s, std::uint32_t d) {
  v = v ^ d ^ s;
  v ^= v >> 16;
  v ^= v >> 8;
  return v;
}
// Four wire bytes as an x86-64 host loads them.
constexpr std::uint32_t wire(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return std::uint32_t{a} | std::uint32_t{b} << 8 | std::uint32_t{c} << 16 | std::uint32_t{d} << 24;
}

// Spec §9: "seed_synack_web_to_client", IPv4 TCP 192.168.80.2:80 -> 192.168.0.17:30892.
const Frame F1 = hex(
    "00005e000101 002590112233 0800"
    "4500 0028 1234 0000 4006 9738 c0a85002 c0a80011"
    "0050 78ac 00000001 00000000 5012 ffff 0000 0000"
    "000000000000");
// Corpus frames (names as in shared/vectors).
const Frame v4_tcp_0 = hex(
    "001b21ccdd02 001b21aabb01 0800"
    "45000028 12340000 4006549a 0a000001 0a000002"
    "30390050 00000001 00000000 5002ffff 00000000 000000000000");
const Frame v4_gre_v4_tcp = hex(
    "001b21ccdd02 001b21aabb01 0800"
    "45000040 12340000 402f13f1 c6336401 c6336402"  // 198.51.100.1 -> .2, GRE
    "0000 0800"                                       // GRE v0, no options, IPv4
    "45000028 12340000 40065486 0a0a0001 0a0a0002"  // 10.10.0.1 -> 10.10.0.2
    "04d20016 00000001 00000000 5002ffff 00000000");
const Frame arp_request = hex(
    "ffffffffffff 001b21aabb01 0806 0001080006040001 001b21aabb01 0a000001 000000000000 0a000002"
    "000000000000000000000000000000000000");
const Frame vlan100_v4_tcp = hex(
    "001b21ccdd02 001b21aabb01 8100 0064 0800"
    "45000028 12340000 4006549a 0a000001 0a000002"
    "30390050 00000001 00000000 5002ffff 00000000");
const Frame v4_icmp_echo_id0 = hex(
    "001b21ccdd02 001b21aabb01 0800"
    "4500001c 12340000 400154ab 0a000001 0a000002"
    "08000000 00000007"  // echo request, id 0, seq 7
    "000000000000000000000000000000000000");
const Frame v4_icmp_ttl_exceeded_tcp = hex(
    "001b21ccdd02 001b21aabb01 0800"
    "45000038 12340000 40014b7e 0a090909 0a000002"  // 10.9.9.9 -> 10.0.0.2, ICMP
    "0b000000 00000000"                             // time exceeded
    "45000028 12340000 4006549a 0a000002 0a000001"  // embedded 10.0.0.2 -> 10.0.0.1 TCP
    "30390050 00000001");
const Frame v6_icmp6_unreach_udp = hex(
    "001b21ccdd02 001b21aabb01 86dd"
    "60000000 00383a40 20010db8000000000000000000000009 20010db8000000000000000000000002"
    "01040000 00000000"
    "60000000 00081140 20010db8000000000000000000000002 20010db8000000000000000000000001"
    "14e9270f 00080000");
const Frame v6_icmp6_echo = hex(
    "001b21ccdd02 001b21aabb01 86dd"
    "60000000 000c3a40 20010db8000000000000000000000001 20010db8000000000000000000000002"
    "80000000 77770003 70696e67");
const Frame v6_hbh_tcp = hex(
    "001b21ccdd02 001b21aabb01 86dd"
    "60055555 001c0040 20010db8000000000000000000000001 20010db8000000000000000000000002"
    "06000104 00000000"  // hop-by-hop, 8 bytes, next TCP
    "03e807d0 00000001 00000000 5002ffff 00000000");
const Frame pppoe_v4_tcp = hex(
    "001b21ccdd02 001b21aabb01 8864 1100 0001 002a 0021"
    "45000028 12340000 4006549a 0a000001 0a000002"
    "30390050 00000001 00000000 5002ffff 00000000");
const Frame mpls_v4_tcp = hex(
    "001b21ccdd02 001b21aabb01 8847 003e8140"
    "45000028 12340000 4006549a 0a000001 0a000002"
    "30390050 00000001 00000000 5002ffff 00000000");
const Frame lldp = hex(
    "0180c200000e 001b21aabb01 88cc 020704001b21aabb01"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000");
const Frame v4_bad_ihl4_tcp = hex(
    "001b21ccdd02 001b21aabb01 0800"
    "44000028 12340000 4006559a 0a000001 0a000002"
    "08ae0d05 00000001 00000000 5002ffff 00000000 000000000000");

// Values shared by the frames above (src MAC ..:01, dst MAC ..:02).
constexpr std::uint32_t l2_ipv4 = 0x02 ^ 0x01 ^ 0x0800;  // 0x803
constexpr std::uint32_t v4_tcp_0_l34 = 0x29a9b52d;      // kernel value (vectors)
constexpr std::uint32_t gre_outer_no_ports = 0x01818181;  // FOLD(0, 198.51.100.1, .2) >> 1

// ------------------------------------------------------------------ names

TEST(LinuxBondNames, RoundTrip) {
  for (P p : lb::all_policies) EXPECT_EQ(lb::policy_from_name(lb::name(p)), p);
  EXPECT_EQ(lb::name(P::layer2_3), "layer2+3");
  EXPECT_EQ(lb::name(P::vlan_srcmac), "vlan+srcmac");
  EXPECT_EQ(lb::policy_from_name("encap3+4"), P::encap3_4);
}

TEST(LinuxBondNames, UnknownNameThrowsListingAccepted) {
  try {
    lb::policy_from_name("layer5");
    FAIL() << "no exception";
  } catch (const fwd::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'layer5'"), std::string::npos) << what;
    for (P p : lb::all_policies) EXPECT_NE(what.find(lb::name(p)), std::string::npos) << what;
  }
  EXPECT_THROW(lb::policy_from_name("Layer2"), fwd::Error);  // case-sensitive
  EXPECT_THROW(lb::policy_from_name("layer23"), fwd::Error);
  EXPECT_THROW(lb::policy_from_name(""), fwd::Error);
}

// ------------------------------------------------------------------ worked examples (spec 9.3)

TEST(LinuxBondWorkedExamples, F1) {
  EXPECT_EQ(h(F1, P::layer2), 0x832u);
  EXPECT_EQ(h(F1, P::layer3_4), 0x5fcbe3e3u);
  EXPECT_EQ(h(F1, P::layer3_4) % 2, 1u);
  EXPECT_EQ(h(F1, P::layer3_4) % 3, 2u);
  EXPECT_EQ(h(F1, P::layer2_3), 0x13434b79u);
  EXPECT_EQ(h(F1, P::encap2_3), 0x13434b79u);
  EXPECT_EQ(h(F1, P::encap3_4), 0x5fcbe3e3u);
  // The same numbers from the spec's arithmetic: ports 0xac785000, src 0x0250a8c0, dst 0x1100a8c0.
  EXPECT_EQ(h(F1, P::layer3_4), ref_fold(0xac785000, 0x0250a8c0, 0x1100a8c0) >> 1);
  EXPECT_EQ(h(F1, P::layer2_3), ref_fold(0x832, 0x0250a8c0, 0x1100a8c0));
}

TEST(LinuxBondWorkedExamples, GreInnerTupleOnlyForEncap) {
  EXPECT_EQ(h(v4_gre_v4_tcp, P::encap3_4), 0x0a8ae3e1u);
  EXPECT_EQ(h(v4_gre_v4_tcp, P::encap2_3), 0x03030b08u);
  EXPECT_EQ(h(v4_gre_v4_tcp, P::layer3_4), 0x01818181u);
  EXPECT_EQ(h(v4_gre_v4_tcp, P::encap3_4),
            ref_fold(wire(0x04, 0xd2, 0x00, 0x16), 0x01000a0a, 0x02000a0a) >> 1);
}

TEST(LinuxBondWorkedExamples, Arp) {
  EXPECT_EQ(h(arp_request, P::encap2_3), 0x8f0u);  // FOLD(0x8f8, 0, 0)
  EXPECT_EQ(h(arp_request, P::encap3_4), 0u);
  EXPECT_EQ(h(arp_request, P::layer2_3), 0x8f8u);  // unfolded L2
  EXPECT_EQ(h(arp_request, P::layer3_4), 0x8f8u);
  EXPECT_EQ(h(arp_request, P::layer2), 0x8f8u);
}

// ------------------------------------------------------------------ truncation

TEST(LinuxBondTruncation, Ipv4TcpAtEveryLength) {
  const std::uint32_t no_ports = ref_fold(0, 0x0100000a, 0x0200000a) >> 1;
  const std::uint32_t l23 = ref_fold(l2_ipv4, 0x0100000a, 0x0200000a);
  for (std::size_t len = 0; len <= v4_tcp_0.size(); ++len) {
    SCOPED_TRACE("len " + std::to_string(len));
    const Frame f = prefix(v4_tcp_0, len);
    if (len < 14) {  // no MAC header: every policy hashes 0
      for (P p : lb::all_policies) EXPECT_EQ(h(f, p), 0u) << lb::name(p);
      continue;
    }
    EXPECT_EQ(h(f, P::layer2), l2_ipv4);
    EXPECT_EQ(h(f, P::vlan_srcmac), 0x001b21u ^ 0xaabb01u);
    if (len < 34) {  // IPv4 header cut: unfolded L2 everywhere
      for (P p : {P::layer2_3, P::layer3_4, P::encap2_3, P::encap3_4}) EXPECT_EQ(h(f, p), l2_ipv4);
    } else {
      EXPECT_EQ(h(f, P::layer2_3), l23);
      EXPECT_EQ(h(f, P::encap2_3), l23);
      const std::uint32_t want = len < 38 ? no_ports : v4_tcp_0_l34;  // ports need 4 bytes
      EXPECT_EQ(h(f, P::layer3_4), want);
      EXPECT_EQ(h(f, P::encap3_4), want);
    }
  }
}

TEST(LinuxBondTruncation, GreAtEveryLength) {
  const std::uint32_t inner_no_ports = ref_fold(0, 0x01000a0a, 0x02000a0a) >> 1;
  for (std::size_t len = 14; len <= v4_gre_v4_tcp.size(); ++len) {
    SCOPED_TRACE("len " + std::to_string(len));
    const Frame f = prefix(v4_gre_v4_tcp, len);
    // layer3+4 stops at the outer header: GRE has no ports.
    EXPECT_EQ(h(f, P::layer3_4), len < 34 ? l2_ipv4 : gre_outer_no_ports);
    std::uint32_t want;
    if (len < 58) want = l2_ipv4;  // outer IPv4, GRE base header or inner IPv4 cut: failure
    else if (len < 62) want = inner_no_ports;
    else want = 0x0a8ae3e1;
    EXPECT_EQ(h(f, P::encap3_4), want);
  }
}

TEST(LinuxBondTruncation, InBandTagAtEveryLength) {
  constexpr std::uint32_t l2_tagged = 0x02 ^ 0x01 ^ 0x8100;
  for (std::size_t len = 14; len <= vlan100_v4_tcp.size(); ++len) {
    SCOPED_TRACE("len " + std::to_string(len));
    const Frame f = prefix(vlan100_v4_tcp, len);
    EXPECT_EQ(h(f, P::layer3_4), l2_tagged);  // proto 0x8100 is not IP for the 2.4 policies
    std::uint32_t want;
    if (len < 38) want = l2_tagged;  // tag (18) or IPv4 (38) cut: failure
    else if (len < 42) want = ref_fold(0, 0x0100000a, 0x0200000a) >> 1;  // ports cut
    else want = v4_tcp_0_l34;
    EXPECT_EQ(h(f, P::encap3_4), want);
  }
}

TEST(LinuxBondTruncation, Ipv6ExtensionHeaderAtEveryLength) {
  constexpr std::uint32_t l2_v6 = 0x02 ^ 0x01 ^ 0x86dd;
  const std::uint32_t full = 0x69ea1e1f;        // kernel value (vectors)
  const std::uint32_t no_ports = 0x01818181;    // kernel layer3+4 value: addresses only
  for (std::size_t len = 14; len <= v6_hbh_tcp.size(); ++len) {
    SCOPED_TRACE("len " + std::to_string(len));
    const Frame f = prefix(v6_hbh_tcp, len);
    std::uint32_t want;
    if (len < 56) want = l2_v6;  // IPv6 header (54) or the 2 bytes of hop-by-hop cut
    else if (len < 66) want = no_ports;
    else want = full;
    EXPECT_EQ(h(f, P::encap3_4), want);
    // layer3+4 does not walk extension headers: protocol 0 has no ports.
    EXPECT_EQ(h(f, P::layer3_4), len < 54 ? l2_v6 : no_ports);
  }
}

TEST(LinuxBondTruncation, PppoeHeaderCutFails) {
  constexpr std::uint32_t l2_pppoe = 0x02 ^ 0x01 ^ 0x8864;
  for (std::size_t len = 14; len < 42; ++len) {
    SCOPED_TRACE("len " + std::to_string(len));
    EXPECT_EQ(h(prefix(pppoe_v4_tcp, len), P::encap3_4), l2_pppoe);
  }
  EXPECT_EQ(h(prefix(pppoe_v4_tcp, 42), P::encap3_4), ref_fold(0, 0x0100000a, 0x0200000a) >> 1);
}

TEST(LinuxBondTruncation, NoPolicyReadsPastAnyPrefix) {
  // Every prefix of every frame, with and without an out-of-band tag: values are checked above;
  // here the point is that nothing throws or reads outside (run under ASan to see it).
  for (const Frame* full : {&F1, &v4_gre_v4_tcp, &vlan100_v4_tcp, &v6_icmp6_unreach_udp,
                            &v4_icmp_ttl_exceeded_tcp, &pppoe_v4_tcp, &v6_hbh_tcp}) {
    for (std::size_t len = 0; len <= full->size(); ++len) {
      const Frame f = prefix(*full, len);
      for (bool tag : {false, true}) {
        auto m = meta_of(f);
        if (tag) m.vlan_tci = 100;
        for (P p : lb::all_policies) {
          fwd::hash::Trace tr;
          EXPECT_EQ(lb::hash(fwd::net::Bytes(f), m, p, tr), h(f, p, m));
        }
      }
    }
  }
}

// ------------------------------------------------------------------ ICMP

TEST(LinuxBondIcmp, EchoIdZeroIsHashedAsOne) {
  // type 8, code 0, id 0 -> 1: key 0x00010008 replaces the ports.
  const std::uint32_t want = ref_fold(0x00010008, 0x0100000a, 0x0200000a) >> 1;
  EXPECT_EQ(want, 0x01810105u);  // kernel value (vectors)
  EXPECT_EQ(h(v4_icmp_echo_id0, P::layer3_4), want);
  EXPECT_EQ(h(v4_icmp_echo_id0, P::encap3_4), want);
  Frame id1 = v4_icmp_echo_id0;
  id1[14 + 20 + 5] = 1;  // id 1 on the wire: same key
  EXPECT_EQ(h(id1, P::layer3_4), want);
  Frame id2 = v4_icmp_echo_id0;
  id2[14 + 20 + 5] = 2;
  EXPECT_EQ(h(id2, P::layer3_4), ref_fold(0x00020008, 0x0100000a, 0x0200000a) >> 1);
}

TEST(LinuxBondIcmp, ErrorReparsedInLayer23AndLayer34ButNotEncap) {
  const Frame& f = v4_icmp_ttl_exceeded_tcp;
  // Embedded 10.0.0.2 -> 10.0.0.1 replaces the outer 10.9.9.9 -> 10.0.0.2.
  EXPECT_EQ(h(f, P::layer2_3), ref_fold(l2_ipv4, 0x0200000a, 0x0100000a));
  EXPECT_EQ(h(f, P::layer2_3), 0x03030b08u);
  // layer3+4 hashes the reported flow: same value as that flow's own packets.
  EXPECT_EQ(h(f, P::layer3_4), v4_tcp_0_l34);
  // encap: outer addresses, no ports.
  EXPECT_EQ(h(f, P::encap2_3), ref_fold(l2_ipv4, 0x0909090a, 0x0200000a));
  EXPECT_EQ(h(f, P::encap2_3), 0x0b020300u);
  EXPECT_EQ(h(f, P::encap3_4), 0x05810585u);
}

TEST(LinuxBondIcmp, EmbeddedFragmentHasNoPorts) {
  Frame f = v4_icmp_ttl_exceeded_tcp;
  f[14 + 20 + 8 + 6] = 0x20;  // embedded header: MF
  EXPECT_EQ(h(f, P::layer3_4), ref_fold(0, 0x0200000a, 0x0100000a) >> 1);
}

TEST(LinuxBondIcmp, EmbeddedHeaderCutFallsBackToL2) {
  const Frame f = prefix(v4_icmp_ttl_exceeded_tcp, 14 + 20 + 8 + 19);
  EXPECT_EQ(h(f, P::layer2_3), l2_ipv4);
  EXPECT_EQ(h(f, P::layer3_4), l2_ipv4);
  EXPECT_EQ(h(f, P::encap3_4), 0x05810585u);  // encap does not look inside
}

TEST(LinuxBondIcmp, Icmpv6Error) {
  EXPECT_EQ(h(v6_icmp6_unreach_udp, P::layer2_3), 0x0303855bu);  // kernel values (vectors)
  EXPECT_EQ(h(v6_icmp6_unreach_udp, P::layer3_4), 0x0615e16bu);
  EXPECT_EQ(h(v6_icmp6_unreach_udp, P::encap2_3), 0x0b0b8d53u);
  EXPECT_EQ(h(v6_icmp6_unreach_udp, P::encap3_4), 0x05858585u);
}

TEST(LinuxBondIcmp, CutIcmpv6HeaderReadsAsErrorType0) {
  constexpr std::uint32_t l2_v6 = 0x02 ^ 0x01 ^ 0x86dd;
  const Frame f = prefix(v6_icmp6_echo, 14 + 40 + 4);
  // Type 0 < 128 is an ICMPv6 error: the embedded parse at 62 fails -> unfolded L2.
  EXPECT_EQ(h(f, P::layer2_3), l2_v6);
  EXPECT_EQ(h(f, P::layer3_4), l2_v6);
  // The dissector just has no ICMP key: addresses only.
  EXPECT_EQ(h(f, P::encap3_4), h(prefix(v6_icmp6_echo, 14 + 40), P::encap3_4));
  // Whole header: echo request id 0x7777.
  const std::uint32_t key = 128 | 0x7777u << 16;
  EXPECT_EQ(h(v6_icmp6_echo, P::layer3_4), h(v6_icmp6_echo, P::encap3_4));
  EXPECT_NE(h(v6_icmp6_echo, P::layer3_4), h(f, P::encap3_4));
  Frame other = v6_icmp6_echo;
  other[14 + 40 + 4] = 0x12;  // a different id moves the hash by exactly the key difference
  const std::uint32_t key2 = 128 | 0x1277u << 16;
  EXPECT_EQ(h(v6_icmp6_echo, P::layer3_4) ^ h(other, P::layer3_4),
            (ref_fold(key, 0, 0) >> 1) ^ (ref_fold(key2, 0, 0) >> 1));
}

// ------------------------------------------------------------------ vlan+srcmac

TEST(LinuxBondVlanSrcmac, FullTciIncludingPcp) {
  auto m = meta_of(v4_tcp_0);
  EXPECT_EQ(h(v4_tcp_0, P::vlan_srcmac, m), 0xaaa020u);  // 0x001b21 ^ 0xaabb01
  m.vlan_tci = 0xa064;                                    // PCP 5, VID 100
  EXPECT_EQ(h(v4_tcp_0, P::vlan_srcmac, m), 0xaa0044u);  // kernel value (vectors)
  m.vlan_tci = 0x0064;                                    // same VID, PCP 0: differs
  EXPECT_EQ(h(v4_tcp_0, P::vlan_srcmac, m), 0xaaa020u ^ 0x64u);
  // The other policies ignore the TCI value.
  EXPECT_EQ(h(v4_tcp_0, P::layer3_4, m), v4_tcp_0_l34);
  EXPECT_EQ(h(v4_tcp_0, P::encap3_4, m), v4_tcp_0_l34);
}

TEST(LinuxBondVlanSrcmac, InBandTagIgnoredAndShortFrameZero) {
  EXPECT_EQ(h(vlan100_v4_tcp, P::vlan_srcmac), 0xaaa020u);
  auto m = meta_of(prefix(v4_tcp_0, 13));
  m.vlan_tci = 0xa064;
  EXPECT_EQ(h(prefix(v4_tcp_0, 13), P::vlan_srcmac, m), 0u);
  // Only the source MAC counts.
  Frame f = v4_tcp_0;
  f[0] = 0xff;
  EXPECT_EQ(h(f, P::vlan_srcmac), 0xaaa020u);
}

// ------------------------------------------------------------------ encap specifics

TEST(LinuxBondEncap, Encap34ReturnsPrecomputedL4Hash) {
  auto m = meta_of(v4_tcp_0);
  m.flow_hash = 0xdeadbeef;
  m.flow_hash_is_l4 = true;
  EXPECT_EQ(h(v4_tcp_0, P::encap3_4, m), 0xdeadbeefu);  // unchanged: no fold, no shift
  EXPECT_EQ(h(lldp, P::encap3_4, m), 0xdeadbeefu);      // whatever the frame
  EXPECT_EQ(h(v4_tcp_0, P::encap2_3, m), 0x03030b08u);  // the other policies ignore it
  EXPECT_EQ(h(v4_tcp_0, P::layer3_4, m), v4_tcp_0_l34);
  m.flow_hash_is_l4 = false;  // a non-L4 skb hash is not used
  EXPECT_EQ(h(v4_tcp_0, P::encap3_4, m), v4_tcp_0_l34);
}

TEST(LinuxBondEncap, InBandTagsWalked) {
  EXPECT_EQ(h(vlan100_v4_tcp, P::encap3_4), v4_tcp_0_l34);
  EXPECT_EQ(h(vlan100_v4_tcp, P::encap2_3), ref_fold(0x02 ^ 0x01 ^ 0x8100, 0x0100000a, 0x0200000a));
  EXPECT_EQ(h(vlan100_v4_tcp, P::layer3_4), 0x02u ^ 0x01u ^ 0x8100u);
}

// k in-band 802.1Q tags in front of v4_tcp_0's IPv4/TCP.
Frame stacked_tags(int k) {
  Frame f(v4_tcp_0.begin(), v4_tcp_0.begin() + 12);
  f.push_back(0x81);
  f.push_back(0x00);
  for (int i = 0; i < k; ++i) {
    f.push_back(0x00);
    f.push_back(static_cast<std::uint8_t>(i + 1));  // VID
    f.push_back(i + 1 < k ? 0x81 : 0x08);
    f.push_back(0x00);
  }
  f.insert(f.end(), v4_tcp_0.begin() + 14, v4_tcp_0.end());
  return f;
}

TEST(LinuxBondEncap, HopLimit) {
  // 15 hand-overs are allowed: 15 tags then IPv4 is parsed.
  EXPECT_EQ(h(stacked_tags(15), P::encap3_4), v4_tcp_0_l34);
  // The 16th is refused: success with nothing parsed (src = dst = 0).
  EXPECT_EQ(h(stacked_tags(16), P::encap3_4), 0u);
  EXPECT_EQ(h(stacked_tags(16), P::encap2_3), ref_fold(0x02 ^ 0x01 ^ 0x8100, 0, 0));
  // An out-of-band tag with proto 0x8100 costs one hop without reading a byte.
  auto m = meta_of(stacked_tags(15));
  m.vlan_tci = 5;
  EXPECT_EQ(h(stacked_tags(15), P::encap3_4, m), 0u);
  m = meta_of(stacked_tags(14));
  m.vlan_tci = 5;
  EXPECT_EQ(h(stacked_tags(14), P::encap3_4, m), v4_tcp_0_l34);
}

TEST(LinuxBondEncap, Ipv6FragmentHeaderStopsTheWalk) {
  constexpr std::uint32_t l2_v6 = 0x02 ^ 0x01 ^ 0x86dd;
  const Frame first = hex(
      "001b21ccdd02 001b21aabb01 86dd"
      "60000000 00202c40 20010db8000000000000000000000001 20010db8000000000000000000000002"
      "11000001 deadbeef"  // fragment header: next UDP, offset 0, M set
      "045708ae 00180000 71717171717171717171717171717171");
  EXPECT_EQ(h(first, P::encap3_4), 0x01818181u);  // kernel value (vectors): no ports
  EXPECT_EQ(h(first, P::encap2_3), 0x0303855bu);
  EXPECT_EQ(h(first, P::layer3_4), 0x01818181u);
  // A cut fragment header is a failure for the dissector only.
  for (std::size_t len = 54; len < 62; ++len) {
    EXPECT_EQ(h(prefix(first, len), P::encap3_4), l2_v6) << len;
    EXPECT_EQ(h(prefix(first, len), P::layer3_4), 0x01818181u) << len;
  }
  EXPECT_EQ(h(prefix(first, 62), P::encap3_4), 0x01818181u);
  // Behind a hop-by-hop header the fragment header still ends the walk.
  Frame hbh(first.begin(), first.begin() + 54);
  hbh[20] = 0x00;  // next header: hop-by-hop
  const Frame opt = hex("2c000104 00000000");
  hbh.insert(hbh.end(), opt.begin(), opt.end());
  hbh.insert(hbh.end(), first.begin() + 54, first.end());
  EXPECT_EQ(h(hbh, P::encap3_4), 0x01818181u);
  EXPECT_EQ(h(prefix(hbh, 62 + 7), P::encap3_4), l2_v6);
}

TEST(LinuxBondEncap, Ipv4IhlBelow5) {
  EXPECT_EQ(h(v4_bad_ihl4_tcp, P::encap3_4), l2_ipv4);  // dissector failure
  EXPECT_EQ(h(v4_bad_ihl4_tcp, P::encap2_3), l2_ipv4);
  // The bonding IP step uses ihl 4 as is: "ports" at 14 + 16 are dst address bytes 0a 00 00 02.
  EXPECT_EQ(h(v4_bad_ihl4_tcp, P::layer3_4),
            ref_fold(wire(0x0a, 0x00, 0x00, 0x02), 0x0100000a, 0x0200000a) >> 1);
  EXPECT_EQ(h(v4_bad_ihl4_tcp, P::layer3_4), 0x00808085u);  // kernel value (vectors)
}

TEST(LinuxBondEncap, PppoeAndMplsAndLldp) {
  EXPECT_EQ(h(pppoe_v4_tcp, P::encap3_4), v4_tcp_0_l34);
  EXPECT_EQ(h(pppoe_v4_tcp, P::layer3_4), 0x02u ^ 0x01u ^ 0x8864u);
  EXPECT_EQ(h(mpls_v4_tcp, P::encap3_4), 0u);  // accepted, labels not read
  EXPECT_EQ(h(mpls_v4_tcp, P::encap2_3), 0x88ccu);
  EXPECT_EQ(h(lldp, P::encap2_3), 0x88c3u);  // not accepted: unfolded L2
  Frame bad = pppoe_v4_tcp;
  bad[14] = 0x12;  // PPPoE version/type not 1/1
  EXPECT_EQ(h(bad, P::encap3_4), 0x02u ^ 0x01u ^ 0x8864u);
  Frame lcp = pppoe_v4_tcp;
  lcp[20] = 0xc0;  // PPP protocol 0xc021 (LCP): valid, success without addresses
  EXPECT_EQ(h(lcp, P::encap3_4), 0u);
}

// v4_gre_v4_tcp with the 4-byte GRE base header replaced by `gre` (which may be longer).
Frame with_gre(std::string_view gre) {
  Frame f(v4_gre_v4_tcp.begin(), v4_gre_v4_tcp.begin() + 34);
  const Frame g = hex(gre);
  f.insert(f.end(), g.begin(), g.end());
  f.insert(f.end(), v4_gre_v4_tcp.begin() + 38, v4_gre_v4_tcp.end());
  return f;
}

TEST(LinuxBondEncap, GreVariants) {
  constexpr std::uint32_t inner = 0x0a8ae3e1;
  EXPECT_EQ(h(with_gre("a000 0800 0000 0000 00000007"), P::encap3_4), inner);  // csum + key
  EXPECT_EQ(h(with_gre("3000 0800 00000007 00000001"), P::encap3_4), inner);   // key + seq
  // PPTP: version 1, key, sequence, optional ack, then a 4-byte PPP header (0x0021 = IPv4).
  EXPECT_EQ(h(with_gre("3001 880b 0028 0001 00000001 ff030021"), P::encap3_4), inner);
  EXPECT_EQ(h(with_gre("3081 880b 0028 0001 00000001 00000000 ff030021"), P::encap3_4), inner);
  // Not entered: routing bit, version 2, version 1 without the PPTP shape. Outer pair, no ports.
  EXPECT_EQ(h(with_gre("4000 0800"), P::encap3_4), gre_outer_no_ports);
  EXPECT_EQ(h(with_gre("0002 0800"), P::encap3_4), gre_outer_no_ports);
  EXPECT_EQ(h(with_gre("0001 0800"), P::encap3_4), gre_outer_no_ports);
  // PPTP without the key flag.
  EXPECT_EQ(h(with_gre("1001 880b 00000001"), P::encap3_4), gre_outer_no_ports);
  // PPTP carrying something else than IP: inner protocol 0x880b is refused -> failure.
  EXPECT_EQ(h(with_gre("2001 880b 0028 0001 ff03c021"), P::encap3_4), l2_ipv4);
  // A GRE payload type the dissector does not accept discards the outer header too.
  EXPECT_EQ(h(with_gre("0000 88be"), P::encap3_4), l2_ipv4);
  // Key announced but cut.
  EXPECT_EQ(h(prefix(with_gre("2000 0800 00000007"), 40), P::encap3_4), l2_ipv4);
}

TEST(LinuxBondEncap, TransparentEthernetBridging) {
  Frame f = with_gre("0000 6558 020000000002 020000000001 0800");
  EXPECT_EQ(h(f, P::encap3_4), 0x0a8ae3e1u);  // inner MACs not hashed
  EXPECT_EQ(h(prefix(f, 34 + 4 + 13), P::encap3_4), l2_ipv4);  // inner Ethernet header cut
}

// ------------------------------------------------------------------ tracing

TEST(LinuxBondTrace, TracedEqualsUntracedWithSteps) {
  for (const Frame* f : {&F1, &v4_gre_v4_tcp, &arp_request, &vlan100_v4_tcp, &v4_icmp_echo_id0,
                         &v4_icmp_ttl_exceeded_tcp, &v6_icmp6_unreach_udp, &v6_hbh_tcp,
                         &pppoe_v4_tcp, &mpls_v4_tcp, &lldp, &v4_bad_ihl4_tcp}) {
    for (P p : lb::all_policies) {
      fwd::hash::Trace tr;
      EXPECT_EQ(lb::hash(fwd::net::Bytes(*f), meta_of(*f), p, tr), h(*f, p)) << lb::name(p);
      EXPECT_FALSE(tr.steps.empty()) << lb::name(p);
    }
  }
}

bool has_note(const fwd::hash::Trace& tr, std::string_view text) {
  for (const auto& s : tr.steps)
    if (s.kind == fwd::hash::TraceStep::Kind::note && s.name.find(text) != std::string::npos)
      return true;
  return false;
}

TEST(LinuxBondTrace, Layer34OnF1ExplainsEveryField) {
  fwd::hash::Trace tr;
  ASSERT_EQ(lb::hash(fwd::net::Bytes(F1), meta_of(F1), P::layer3_4, tr), 0x5fcbe3e3u);
  using K = fwd::hash::TraceStep::Kind;
  ASSERT_EQ(tr.steps.size(), 5u);
  EXPECT_EQ(tr.steps[0].kind, K::field);
  EXPECT_EQ(tr.steps[0].name, "ports");
  EXPECT_EQ(tr.steps[0].offset, 34u);
  EXPECT_EQ(tr.steps[0].bytes, (std::vector<std::uint8_t>{0x00, 0x50, 0x78, 0xac}));
  EXPECT_EQ(tr.steps[0].hash, 0xac785000u);
  EXPECT_EQ(tr.steps[1].name, "dst_ip");
  EXPECT_EQ(tr.steps[1].offset, 30u);
  EXPECT_EQ(tr.steps[2].name, "src_ip");
  EXPECT_EQ(tr.steps[2].offset, 26u);
  EXPECT_EQ(tr.steps[2].hash, 0xbf285000u);  // spec 9.3's h before folding
  EXPECT_EQ(tr.steps[3].kind, K::step);
  EXPECT_EQ(tr.steps[3].name, "fold");
  EXPECT_EQ(tr.steps[3].hash, 0xbf97c7c7u);
  EXPECT_EQ(tr.steps[4].name, ">> 1");
  EXPECT_EQ(tr.steps[4].hash, 0x5fcbe3e3u);
}

TEST(LinuxBondTrace, DecisionsAreNoted) {
  fwd::hash::Trace gre;
  lb::hash(fwd::net::Bytes(v4_gre_v4_tcp), meta_of(v4_gre_v4_tcp), P::encap3_4, gre);
  EXPECT_TRUE(has_note(gre, "GRE entered"));
  fwd::hash::Trace tag;
  lb::hash(fwd::net::Bytes(vlan100_v4_tcp), meta_of(vlan100_v4_tcp), P::layer2_3, tag);
  EXPECT_TRUE(has_note(tag, "not IP: unfolded L2 returned"));
  fwd::hash::Trace err;
  lb::hash(fwd::net::Bytes(v4_icmp_ttl_exceeded_tcp), meta_of(v4_icmp_ttl_exceeded_tcp),
           P::layer2_3, err);
  EXPECT_TRUE(has_note(err, "embedded header"));
  Frame frag = v4_tcp_0;
  frag[20] = 0x20;  // MF
  fwd::hash::Trace fr;
  lb::hash(fwd::net::Bytes(frag), meta_of(frag), P::layer3_4, fr);
  EXPECT_TRUE(has_note(fr, "IPv4 fragment: no ports"));
  fwd::hash::Trace id0;
  lb::hash(fwd::net::Bytes(v4_icmp_echo_id0), meta_of(v4_icmp_echo_id0), P::layer3_4, id0);
  EXPECT_TRUE(has_note(id0, "id 0 is hashed as 1"));
}

}  // namespace
