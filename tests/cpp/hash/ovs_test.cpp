#include "fwd/hash/ovs.hpp"

#include <gtest/gtest.h>

#include "guarded_frame.hpp"
#include "test_frames.hpp"
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using fwd::hash::Trace;
using fwd::hash::TraceStep;
using fwd::net::Bytes;
using fwd::net::Mac;
using fwd::net::PacketMeta;
namespace ovs = fwd::hash::ovs;
using ovs::BondMode;
using ovs::FlowKey;

namespace {


Bytes bytes(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

std::uint32_t tcp(const std::vector<std::uint8_t>& f, std::uint32_t basis = 0) {
  return ovs::hash(bytes(f), PacketMeta{}, BondMode::balance_tcp, basis);
}
std::uint32_t slb(const std::vector<std::uint8_t>& f, std::uint16_t vlan, std::uint32_t basis = 0) {
  PacketMeta m;
  m.output_vlan = vlan;
  return ovs::hash(bytes(f), m, BondMode::balance_slb, basis);
}


// Eth header 001b21ccdd02 <- 001b21aabb01, used by the hand-built frames below.
constexpr std::string_view kMacs = "001b21ccdd02 001b21aabb01";

std::vector<std::uint8_t> eth(std::string_view rest) { return hex(std::string(kMacs) + std::string(rest)); }

std::string rep(std::string_view byte_hex, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += byte_hex;
  return s;
}

// The same IPv4 TCP 10.0.0.1:12345 -> 10.0.0.2:80 behind various L2 encapsulations.
constexpr std::string_view kV4Tcp =
    "4500 0028 1234 0000 4006 549a 0a000001 0a000002"
    "3039 0050 00000001 00000000 5002 ffff 0000 0000";

void expect_v4_tcp(const FlowKey& k) {
  EXPECT_EQ(k.dl_type, 0x0800);
  EXPECT_EQ(k.nw_src[0], 10);
  EXPECT_EQ(k.nw_src[3], 1);
  EXPECT_EQ(k.nw_dst[3], 2);
  EXPECT_EQ(k.nw_proto, 6);
  EXPECT_EQ(k.tp_src, 12345);
  EXPECT_EQ(k.tp_dst, 80);
  EXPECT_EQ(k.nw_frag, 0);
}

}  // namespace

// --- primitives and worked examples -----------------------------------------------------------

TEST(OvsBond, PrimitivesAreTheGenericMurmurMix) {
  // hash_add64 is two hash_add calls, low word first; hash_finish is fmix32 after the XOR.
  const std::uint64_t d = 0x0123456789abcdefULL;
  EXPECT_EQ(ovs::hash_add64(7, d), ovs::hash_add(ovs::hash_add(7, 0x89abcdefu), 0x01234567u));
  EXPECT_EQ(ovs::hash_finish(0, 0), 0u);  // fmix32(0) == 0
  EXPECT_NE(ovs::hash_add(0, 0), 0u);     // the + 0xe6546b64 constant
  EXPECT_EQ(ovs::hash_add(0, 0), 0xe6546b64u);
  static_assert(ovs::hash_finish(0x12345678u, 0x12345678u) == 0u);
}

TEST(OvsBond, SpecWorkedExample95) {
  // §9.5: OVS 3.1 generic on F1, basis 0.
  EXPECT_EQ(slb(F1, 0), 0xfed15e38u);
  EXPECT_EQ(slb(F1, 0) & 0xff, 56u);
  EXPECT_EQ(ovs::hash_mac(Mac::from_u64(0x002590112233ULL), 0, 0), 0xfed15e38u);
  EXPECT_EQ(tcp(F1), 0xeac6d4a2u);
  EXPECT_EQ(tcp(F1) & 0xff, 162u);
}

TEST(OvsBond, SlbHashesTheOutputVlanNotTheFramesTag) {
  // F1 with an in-band tag for VLAN 80 (real OVS, vector seed_synack_vlan80, basis 42, vlan 80).
  const auto tagged = hex(
      "00005e000101 002590112233 8100 0050 0800"
      "4500 0028 1234 0000 4006 9738 c0a85002 c0a80011"
      "0050 78ac 00000001 00000000 5012 ffff 0000 0000");
  EXPECT_EQ(slb(tagged, 80, 42), 0x5e657d58u);
  // The frame's own tag is irrelevant: only the source MAC and the output VLAN count.
  EXPECT_EQ(slb(tagged, 0), slb(F1, 0));
  EXPECT_EQ(slb(F1, 80, 42), 0x5e657d58u);
  EXPECT_NE(slb(F1, 81, 42), 0x5e657d58u);
  EXPECT_EQ(slb(F1, 80, 42), ovs::hash_mac(Mac::from_u64(0x002590112233ULL), 80, 42));
  // vector vlan100_v4_tcp: basis 1, vlan 100.
  EXPECT_EQ(slb(eth("8100 0064 0800" + std::string(kV4Tcp)), 100, 1), 0x80cf54c8u);
}

TEST(OvsBond, SlbShortFrameHashesMacZero) {
  // vector trunc_v4tcp_len13: 13 bytes, MAC 0 (not the 6 source bytes that are present).
  const auto f = hex("001b21ccdd02001b21aabb0108");
  EXPECT_EQ(slb(f, 0), 0x63852afcu);
  EXPECT_EQ(slb(f, 0), ovs::hash_mac(Mac{}, 0, 0));
  EXPECT_EQ(slb({}, 5, 9), ovs::hash_mac(Mac{}, 5, 9));
}

TEST(OvsBond, TcpVectorsFromRealOvs) {
  // A sample of the public vectors, as regression anchors for each extraction path.
  EXPECT_EQ(tcp(hex("00005e000101002590112233810000500800450000281234000040069738c0a85002c0a80011"
                    "005078ac00000001000000005012ffff00000000"), 42), 0x2274de3fu);
  EXPECT_EQ(tcp(eth("88a8 012c 8100 0064 0800" + std::string(kV4Tcp))), 0x46a41e5fu);
  EXPECT_EQ(tcp(eth("0800 4500 0024 1234 0000 4001 54a3 0a000001 0a000002 0800 0000 4242 0001"
                    "6162636465666768 00000000000000000000"), 1), 0x800c8539u);  // ICMP echo
  EXPECT_EQ(tcp(hex("ffffffffffff001b21aabb0108060001080006040001001b21aabb010a000001000000000000"
                    "0a000002000000000000000000000000000000000000")), 0x60cd981au);  // ARP request
  EXPECT_EQ(tcp(hex("0180c200000e001b21aabb0188cc020704001b21aabb0100000000000000000000000000000000"
                    "000000000000000000000000000000000000000000")), 0x087fcd5cu);  // LLDP
}

// --- extraction -------------------------------------------------------------------------------

TEST(OvsExtract, ShortFramesAreAllZero) {
  for (std::size_t n : {0u, 1u, 12u, 13u}) {
    const std::vector<std::uint8_t> f(F1.begin(), F1.begin() + static_cast<long>(n));
    const FlowKey k = ovs::extract(bytes(f));
    EXPECT_EQ(k.dl_type, 0) << n;
    EXPECT_EQ(k.stop, FlowKey::Stop::short_frame);
    // Neither IP nor ARP: the hash is the finished basis.
    EXPECT_EQ(tcp(f, 42), ovs::hash_finish(42, 42)) << n;
  }
  EXPECT_EQ(tcp(hex("001b21ccdd02001b21aabb01"), 42), 0u);  // vector trunc_v4tcp_len12
}

TEST(OvsExtract, VlanStripping) {
  expect_v4_tcp(ovs::extract(bytes(eth("8100 0064 0800" + std::string(kV4Tcp)))));
  expect_v4_tcp(ovs::extract(bytes(eth("88a8 0064 0800" + std::string(kV4Tcp)))));
  expect_v4_tcp(ovs::extract(bytes(eth("88a8 012c 8100 0064 0800" + std::string(kV4Tcp)))));
  expect_v4_tcp(ovs::extract(bytes(eth("8100 012c 8100 0064 0800" + std::string(kV4Tcp)))));
  expect_v4_tcp(ovs::extract(bytes(eth("8100 012c 88a8 0064 0800" + std::string(kV4Tcp)))));
  // A third tag is not stripped: dl_type is its TPID and no IP fields follow.
  const FlowKey three = ovs::extract(bytes(eth("8100 0001 8100 0002 8100 0003 0800" + std::string(kV4Tcp))));
  EXPECT_EQ(three.dl_type, 0x8100);
  EXPECT_EQ(three.nw_proto, 0);
  EXPECT_EQ(three.stop, FlowKey::Stop::no_l3);
  // A tag is stripped only when the tag and the following type are present (18 bytes).
  const auto tagged = eth("8100 0064 0800" + std::string(kV4Tcp));
  for (std::size_t n = 14; n <= 17; ++n) {
    const std::vector<std::uint8_t> f(tagged.begin(), tagged.begin() + static_cast<long>(n));
    EXPECT_EQ(ovs::extract(bytes(f)).dl_type, 0x8100) << n;
  }
  const std::vector<std::uint8_t> f18(tagged.begin(), tagged.begin() + 18);
  EXPECT_EQ(ovs::extract(bytes(f18)).dl_type, 0x0800);
  EXPECT_EQ(ovs::extract(bytes(f18)).stop, FlowKey::Stop::ipv4_sanity);
  EXPECT_EQ(tcp(hex("001b21ccdd02001b21aabb018100006408"), 1), 0xdd4449c2u);  // trunc_vlan_v4udp_len17
}

TEST(OvsExtract, Ieee8023LlcSnap) {
  // SNAP with the Ethernet OUI carries a real ethertype, and IP is parsed behind it.
  const FlowKey snap = ovs::extract(bytes(eth("0030 aaaa03 000000 0800" + std::string(kV4Tcp))));
  expect_v4_tcp(snap);
  EXPECT_EQ(snap.dl_type_offset, 20);
  EXPECT_EQ(snap.nw_src_offset, 22 + 12);
  // Plain LLC (not SNAP), a foreign OUI, a SNAP type below 0x0600 and a header cut short all
  // give FLOW_DL_TYPE_NONE.
  EXPECT_EQ(ovs::extract(bytes(eth("0026 424203 000000000000 0000"))).dl_type, 0x05ff);
  EXPECT_EQ(ovs::extract(bytes(eth("0030 aaaa03 00000c 0800" + std::string(kV4Tcp)))).dl_type, 0x05ff);
  EXPECT_EQ(ovs::extract(bytes(eth("0030 aaaa03 000000 05dc 0000"))).dl_type, 0x05ff);
  EXPECT_EQ(ovs::extract(bytes(eth("0030 aaaa03 000000 08"))).dl_type, 0x05ff);
  EXPECT_EQ(ovs::extract(bytes(eth("0030"))).dl_type, 0x05ff);
  // vector ieee8023_llc_len (basis 42): not IP, so hash_finish(42, 42) == 0.
  const auto llc = hex("0180c2000000001b21aabb010026424203" + std::string(86, '0'));
  EXPECT_EQ(tcp(llc, 42), 0u);
}

TEST(OvsExtract, Ipv4SanityFailuresZeroL3ButKeepDlType) {
  // ihl 4 (vector v4_bad_ihl4_tcp, basis 1).
  const auto ihl4 = eth("0800 4400 0028 1234 0000 4006 559a 0a000001 0a000002 08ae 0d05"
                        "00000001 00000000 5002 ffff 0000 0000 0000 0000 0000");
  FlowKey k = ovs::extract(bytes(ihl4));
  EXPECT_EQ(k.dl_type, 0x0800);
  EXPECT_EQ(k.nw_src[0], 0);
  EXPECT_EQ(k.nw_proto, 0);
  EXPECT_EQ(k.stop, FlowKey::Stop::ipv4_sanity);
  EXPECT_EQ(tcp(ihl4, 1), 0xb67dea7cu);
  // All three zero words are still hashed (unlike the non-IP branch).
  EXPECT_EQ(tcp(ihl4, 1),
            ovs::hash_finish(ovs::hash_add(ovs::hash_add(ovs::hash_add(1, 0), 0), 0), 42));
  // total_length beyond the frame; total_length below the header length; ihl*4 beyond the frame.
  EXPECT_EQ(ovs::extract(bytes(eth("0800 4500 0100 1234 0000 4006 0000 0a000001 0a000002"))).stop,
            FlowKey::Stop::ipv4_sanity);
  EXPECT_EQ(ovs::extract(bytes(eth("0800 4500 0010 1234 0000 4006 0000 0a000001 0a000002"))).stop,
            FlowKey::Stop::ipv4_sanity);
  EXPECT_EQ(ovs::extract(bytes(eth("0800 4f00 0014 1234 0000 4006 0000 0a000001 0a000002"))).stop,
            FlowKey::Stop::ipv4_sanity);
}

TEST(OvsExtract, Ipv4PaddingIsNotPayload) {
  // UDP with total_length 28: an 8-byte header and no payload, then Ethernet padding.
  const auto udp = eth("0800 4500 001c 1234 0000 4011 0000 0a000001 0a000002 3039 0035 0008 0000"
                       "0000 0000 0000 0000 0000 0000 0000 0000 0000");
  FlowKey k = ovs::extract(bytes(udp));
  EXPECT_EQ(k.tp_src, 12345);
  EXPECT_EQ(k.tp_dst, 53);
  // TCP whose total_length leaves only 10 bytes of header: the padding does not complete it.
  const auto tcp_short = eth("0800 4500 001e 1234 0000 4006 0000 0a000001 0a000002"
                             "3039 0050 0000 0001 0000 0000 5002 ffff 0000 0000");
  k = ovs::extract(bytes(tcp_short));
  EXPECT_EQ(k.nw_proto, 6);
  EXPECT_EQ(k.tp_src, 0);
  EXPECT_EQ(k.stop, FlowKey::Stop::l4_truncated);
}

TEST(OvsExtract, Ipv4Fragments) {
  // vector v4_frag_middle_udp: offset != 0, MF set.
  const auto middle = eth("0800 4500 003c 1234 2005 4011 3476 0a000001 0a000002" + rep("42", 40));
  FlowKey k = ovs::extract(bytes(middle));
  EXPECT_EQ(k.nw_frag, ovs::nw_frag::any | ovs::nw_frag::later);
  EXPECT_EQ(k.nw_proto, 17);
  EXPECT_EQ(k.tp_src, 0);
  EXPECT_EQ(k.stop, FlowKey::Stop::later_fragment);
  EXPECT_EQ(tcp(middle), 0x00d2b9c5u);
  // First fragment (MF only): ports are there.
  const auto first = eth("0800 4500 003c 1234 2000 4011 0000 0a000001 0a000002 0457 08ae 0028 0000" +
                         rep("41", 32));
  k = ovs::extract(bytes(first));
  EXPECT_EQ(k.nw_frag, ovs::nw_frag::any);
  EXPECT_EQ(k.tp_src, 1111);
  EXPECT_EQ(k.tp_dst, 2222);
  // DF is not a fragment.
  EXPECT_EQ(ovs::extract(bytes(eth("0800 4500 0028 1234 4000 4006 0000 0a000001 0a000002"
                                   "3039 0050 00000001 00000000 5002 ffff 0000 0000"))).nw_frag, 0);
}

TEST(OvsExtract, IcmpTypeAndCodeArePorts) {
  const auto unreach = eth("0800 4500 001c 1234 0000 4001 0000 0a000001 0a000002 0303 0000 0000 0000");
  const FlowKey k = ovs::extract(bytes(unreach));
  EXPECT_EQ(k.tp_src, 3);
  EXPECT_EQ(k.tp_dst, 3);
  // The ports word is the two network-order 16-bit fields: bytes 00 03 00 03.
  std::uint32_t h = 0;
  h = ovs::hash_add(h, 0x0100000a);
  h = ovs::hash_add(h, 0x0200000a);
  h = ovs::hash_add(h, 1);
  h = ovs::hash_add(h, 0x03000300);
  EXPECT_EQ(tcp(unreach), ovs::hash_finish(h, 42));
  // IGMP type/code are extracted but IGMP is not in the hashed port set.
  const auto igmp = eth("0800 4500 001c 1234 0000 0102 0000 0a000001 e0000016 2200 0000 0000 0000");
  EXPECT_EQ(ovs::extract(bytes(igmp)).tp_src, 0x22);
  std::uint32_t g = ovs::hash_add(ovs::hash_add(ovs::hash_add(0, 0x0100000a), 0x160000e0), 2);
  EXPECT_EQ(tcp(igmp), ovs::hash_finish(g, 42));
}

TEST(OvsExtract, Ipv6ExtensionHeaders) {
  const std::string v6 = "20010db8000000000000000000000001 20010db8000000000000000000000002";
  // Hop-by-hop then TCP (vector v6_hbh_tcp, basis 42).
  const auto hbh = eth("86dd 6005 5555 001c 00 40" + v6 + "0600 0104 0000 0000 03e8 07d0 00000001 00000000 5002 ffff 0000 0000");
  FlowKey k = ovs::extract(bytes(hbh));
  EXPECT_EQ(k.nw_proto, 6);
  EXPECT_EQ(k.nw_proto_offset, 54);
  EXPECT_EQ(k.tp_src, 1000);
  EXPECT_EQ(k.tp_dst, 2000);
  EXPECT_EQ(tcp(hbh, 42), 0x01930dc9u);
  // AH counts its length in 4-byte units plus 2: len 1 -> 12 bytes, then UDP.
  const auto ah = eth("86dd 6000 0000 0014 33 40" + v6 + "1101 0000 00000001 00000001 0457 08ae 0008 0000");
  k = ovs::extract(bytes(ah));
  EXPECT_EQ(k.nw_proto, 17);
  EXPECT_EQ(k.tp_src, 1111);
  // Routing (43) then destination options (60) then UDP.
  const auto chain = eth("86dd 6000 0000 0018 2b 40" + v6 + "3c00 0000 0000 0000 1100 0000 0000 0000 0457 08ae 0008 0000");
  k = ovs::extract(bytes(chain));
  EXPECT_EQ(k.nw_proto, 17);
  EXPECT_EQ(k.tp_dst, 2222);
  // An extension header longer than the payload: addresses stay, nw_proto is zero.
  const auto cut = eth("86dd 6000 0000 0008 00 40" + v6 + "0601 0000 0000 0000");
  k = ovs::extract(bytes(cut));
  EXPECT_EQ(k.stop, FlowKey::Stop::ipv6_ext_header);
  EXPECT_EQ(k.nw_src[15], 1);
  EXPECT_EQ(k.nw_proto, 0);
  // Fewer than 8 bytes left for the next extension header.
  EXPECT_EQ(ovs::extract(bytes(eth("86dd 6000 0000 0004 00 40" + v6 + "0600 0000"))).stop,
            FlowKey::Stop::ipv6_ext_header);
  // Payload length past the frame: every L3 field zero.
  k = ovs::extract(bytes(eth("86dd 6000 0000 0100 06 40" + v6)));
  EXPECT_EQ(k.stop, FlowKey::Stop::ipv6_sanity);
  EXPECT_EQ(k.dl_type, 0x86dd);
  EXPECT_EQ(k.nw_src[0], 0);
}

TEST(OvsExtract, Ipv6Fragments) {
  const std::string v6 = "20010db8000000000000000000000001 20010db8000000000000000000000002";
  // vectors v6_frag_first_udp / v6_frag_later_udp.
  const auto first_frame =
      eth("86dd 6000 0000 0020 2c 40" + v6 + "1100 0001 deadbeef 0457 08ae 0018 0000" + rep("71", 16));
  ASSERT_EQ(first_frame.size(), 86u);
  FlowKey k = ovs::extract(bytes(first_frame));
  EXPECT_EQ(k.nw_frag, ovs::nw_frag::any);
  EXPECT_EQ(k.nw_proto, 17);
  EXPECT_EQ(k.tp_src, 1111);
  EXPECT_EQ(tcp(first_frame), 0x2df30abcu);
  const auto later_frame =
      eth("86dd 6000 0000 0020 2c 40" + v6 + "1100 0320 deadbeef 12345678" + rep("72", 20));
  ASSERT_EQ(later_frame.size(), 86u);
  k = ovs::extract(bytes(later_frame));
  EXPECT_EQ(k.nw_frag, ovs::nw_frag::any | ovs::nw_frag::later);
  EXPECT_EQ(k.nw_proto, 44);
  EXPECT_EQ(k.nw_proto_offset, 20);
  EXPECT_EQ(k.tp_src, 0);
  EXPECT_EQ(tcp(later_frame), 0x438acf48u);
}

TEST(OvsExtract, Icmpv6NeighborSolicitation) {
  // vector v6_icmp6_ns (basis 0xdeadbeef).
  const auto ns = hex(
      "3333ff000002001b21aabb0186dd6000000000183a40"
      "20010db8000000000000000000000001 ff0200000000000000000001ff000002"
      "8700000000000000 20010db8000000000000000000000002");
  const FlowKey k = ovs::extract(bytes(ns));
  EXPECT_EQ(k.nw_proto, 58);
  EXPECT_EQ(k.tp_src, 135);
  EXPECT_EQ(tcp(ns, 0xdeadbeef), 0x779de58au);
}

TEST(OvsExtract, Icmpv6NeedsItsEightByteDataHeader) {
  // OVS 3.1 requires sizeof(struct icmp6_data_header) = 8 bytes before it reads type/code.
  const std::string v6 = "20010db8000000000000000000000001 20010db8000000000000000000000002";
  EXPECT_EQ(ovs::extract(bytes(eth("86dd 6000 0000 0008 3a 40" + v6 + "8000 0000 0001 0001"))).tp_src, 128);
  const FlowKey k = ovs::extract(bytes(eth("86dd 6000 0000 0004 3a 40" + v6 + "8000 0000")));
  EXPECT_EQ(k.nw_proto, 58);
  EXPECT_EQ(k.tp_src, 0);
  EXPECT_EQ(k.stop, FlowKey::Stop::l4_truncated);
}

TEST(OvsExtract, Arp) {
  const auto req = hex("ffffffffffff001b21aabb01 0806 0001 0800 06 04 0001 001b21aabb01 0a000001"
                       "000000000000 0a000002" + std::string(36, '0'));
  FlowKey k = ovs::extract(bytes(req));
  EXPECT_EQ(k.dl_type, 0x0806);
  EXPECT_EQ(k.nw_src[3], 1);
  EXPECT_EQ(k.nw_dst[3], 2);
  EXPECT_EQ(k.nw_proto, 1);
  EXPECT_EQ(k.nw_src_offset, 28);
  EXPECT_EQ(k.nw_dst_offset, 38);
  // An opcode above 255 leaves nw_proto 0 but keeps the addresses.
  auto big_op = req;
  big_op[20] = 0x01;
  k = ovs::extract(bytes(big_op));
  EXPECT_EQ(k.nw_proto, 0);
  EXPECT_EQ(k.nw_src[3], 1);
  // Malformed (hardware length 8) or short ARP: zeros, yet dl_type 0x0806 still hashes 3 words.
  auto bad = req;
  bad[18] = 8;
  k = ovs::extract(bytes(bad));
  EXPECT_EQ(k.stop, FlowKey::Stop::arp_malformed);
  EXPECT_EQ(k.nw_src[3], 0);
  EXPECT_EQ(tcp(bad, 3), ovs::hash_finish(ovs::hash_add(ovs::hash_add(ovs::hash_add(3, 0), 0), 0), 42));
  const std::vector<std::uint8_t> short_arp(req.begin(), req.begin() + 41);
  EXPECT_EQ(ovs::extract(bytes(short_arp)).stop, FlowKey::Stop::arp_malformed);
}

TEST(OvsExtract, NonIpTypesHashToTheFinishedBasis) {
  // MPLS, PPPoE session, LLDP, slow protocols: hash_finish(basis, 42), proto and ports unused.
  for (const char* type : {"8847", "8864", "88cc", "8809", "8035"}) {
    const auto f = eth(std::string(type) + std::string(92, '1'));
    EXPECT_EQ(tcp(f, 0x1234), ovs::hash_finish(0x1234, 42)) << type;
  }
}

// --- truncation and tracing ---------------------------------------------------------------------

TEST(OvsExtract, TruncationNeverReadsPastTheFrame) {
  const std::string v6 = "20010db8000000000000000000000001 20010db8000000000000000000000002";
  const std::vector<std::vector<std::uint8_t>> frames = {
      F1,
      eth("88a8 012c 8100 0064 0800" + std::string(kV4Tcp)),
      eth("0030 aaaa03 000000 0800" + std::string(kV4Tcp)),
      eth("86dd 6000 0000 002c 00 40" + v6 + "2b00 0000 0000 0000 2c00 0000 0000 0000 0600 0000 0000 0000"
          "0457 08ae 00000001 00000000 5002 ffff 0000 0000"),
      hex("ffffffffffff001b21aabb01 0806 0001 0800 06 04 0001 001b21aabb01 0a000001 000000000000 0a000002"),
  };
  for (const auto& f : frames) {
    for (std::size_t n = 0; n <= f.size(); ++n) {
      Guarded g(f, n);  // a read past the frame faults
      const FlowKey k = ovs::extract(g.bytes());
      for (BondMode mode : {BondMode::balance_slb, BondMode::balance_tcp}) {
        const std::uint32_t h = ovs::hash(g.bytes(), PacketMeta{}, mode, 7);
        Trace tr;
        EXPECT_EQ(ovs::hash(g.bytes(), PacketMeta{}, mode, 7, tr), h);
        for (const TraceStep& s : tr.steps) {
          if (s.kind == TraceStep::Kind::field && s.in_frame) {
            EXPECT_LE(s.offset + s.bytes.size(), n);
          }
        }
      }
      (void)k;
    }
  }
  // F1 cut anywhere: zero below 14 bytes; dl_type IPv4 with zero L3 fields until the whole
  // total_length (54 bytes) is present; complete beyond.
  for (std::size_t n = 0; n <= F1.size(); ++n) {
    const std::vector<std::uint8_t> f(F1.begin(), F1.begin() + static_cast<long>(n));
    const FlowKey k = ovs::extract(bytes(f));
    EXPECT_EQ(k.dl_type, n < 14 ? 0 : 0x0800) << n;
    EXPECT_EQ(k.nw_proto, n < 54 ? 0 : 6) << n;
    EXPECT_EQ(k.tp_src, n < 54 ? 0 : 80) << n;
  }
}

TEST(OvsTrace, TcpTraceNamesEveryField) {
  Trace tr;
  const std::uint32_t h = ovs::hash(bytes(F1), PacketMeta{}, BondMode::balance_tcp, 0, tr);
  EXPECT_EQ(h, 0xeac6d4a2u);
  std::vector<std::pair<std::string, std::size_t>> fields;
  for (const TraceStep& s : tr.steps)
    if (s.kind == TraceStep::Kind::field) fields.emplace_back(s.name, s.offset);
  const std::vector<std::pair<std::string, std::size_t>> want = {
      {"dl_type", 12}, {"nw_src", 26}, {"nw_dst", 30}, {"nw_proto", 23}, {"tp_src,tp_dst", 34}};
  EXPECT_EQ(fields, want);
  ASSERT_FALSE(tr.steps.empty());
  EXPECT_EQ(tr.steps.back().name, "hash_finish(h, 42)");
  EXPECT_EQ(tr.steps.back().hash, h);
}

TEST(OvsTrace, TracedEqualsUntracedAndNotesDecisions) {
  const std::string v6 = "20010db8000000000000000000000001 20010db8000000000000000000000002";
  const auto ihl4 = eth("0800 4400 0028 1234 0000 4006 559a 0a000001 0a000002 08ae 0d05"
                        "00000001 00000000 5002 ffff 0000 0000 0000 0000 0000");
  const auto later = eth("0800 4500 003c 1234 2005 4011 3476 0a000001 0a000002" + std::string(80, '4'));
  const auto v6frag = eth("86dd 6000 0000 000c 2c 40" + v6 + "1100 0320 deadbeef 12345678");
  auto has_note = [](const Trace& tr, std::string_view text) {
    for (const TraceStep& s : tr.steps)
      if (s.kind == TraceStep::Kind::note && s.name.find(text) != std::string::npos) return true;
    return false;
  };
  Trace a, b, c;
  EXPECT_EQ(ovs::hash(bytes(ihl4), PacketMeta{}, BondMode::balance_tcp, 5, a), tcp(ihl4, 5));
  EXPECT_TRUE(has_note(a, "IPv4 sanity check failed: L3 fields zero"));
  EXPECT_EQ(ovs::hash(bytes(later), PacketMeta{}, BondMode::balance_tcp, 5, b), tcp(later, 5));
  EXPECT_TRUE(has_note(b, "later fragment: no ports"));
  EXPECT_EQ(ovs::hash(bytes(v6frag), PacketMeta{}, BondMode::balance_tcp, 5, c), tcp(v6frag, 5));
  EXPECT_TRUE(has_note(c, "later fragment"));
  int words = 0;
  for (const TraceStep& s : c.steps)
    if (s.kind == TraceStep::Kind::field && s.name.rfind("ipv6_", 0) == 0) ++words;
  EXPECT_EQ(words, 8);

  PacketMeta m;
  m.output_vlan = 80;
  Trace d;
  EXPECT_EQ(ovs::hash(bytes(F1), m, BondMode::balance_slb, 42, d), slb(F1, 80, 42));
  ASSERT_GE(d.steps.size(), 4u);
  bool saw_mac = false, saw_vlan = false;
  for (const TraceStep& s : d.steps) {
    if (s.name == "dl_src") {
      saw_mac = true;
      EXPECT_EQ(s.offset, 6u);
      EXPECT_EQ(s.bytes, std::vector<std::uint8_t>(F1.begin() + 6, F1.begin() + 12));
    }
    if (s.name == "output_vlan") {
      saw_vlan = true;
      EXPECT_FALSE(s.in_frame);
      EXPECT_EQ(s.bytes, (std::vector<std::uint8_t>{0x00, 0x50}));
    }
  }
  EXPECT_TRUE(saw_mac);
  EXPECT_TRUE(saw_vlan);
  EXPECT_EQ(d.steps.back().hash, slb(F1, 80, 42));
}
