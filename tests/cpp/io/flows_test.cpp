// fwd/io/capture.hpp and fwd/io/flows.hpp: captures are built here byte by byte (the real captures
// compared with tshark live in tests/data/captures and are checked from Python).
#include "fwd/io/flows.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fwd/net/build.hpp"

using namespace fwd;
using namespace fwd::io;
using Buf = std::vector<std::uint8_t>;

namespace {
void le16(Buf& v, std::uint16_t x) { v.push_back(x & 0xff); v.push_back(x >> 8); }
void le32(Buf& v, std::uint32_t x) { for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i))); }
void be32(Buf& v, std::uint32_t x) { for (int i = 3; i >= 0; --i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i))); }

struct Rec {
  std::uint32_t sec, frac;
  Buf data;
  std::uint32_t wire = 0;  // 0: data.size()
};

Buf make_pcap(std::uint32_t linktype, const std::vector<Rec>& recs, bool nano = false, bool big_endian = false) {
  Buf v;
  auto put = [&](std::uint32_t x) { big_endian ? be32(v, x) : le32(v, x); };
  put(nano ? 0xa1b23c4d : 0xa1b2c3d4);
  if (big_endian) { v.push_back(0); v.push_back(2); v.push_back(0); v.push_back(4); }
  else { le16(v, 2); le16(v, 4); }
  put(0); put(0); put(262144); put(linktype);
  for (const auto& r : recs) {
    put(r.sec); put(r.frac); put(static_cast<std::uint32_t>(r.data.size()));
    put(r.wire ? r.wire : static_cast<std::uint32_t>(r.data.size()));
    v.insert(v.end(), r.data.begin(), r.data.end());
  }
  return v;
}

// pcapng: one section, the given interfaces (linktype, tsresol byte, tsoffset), then EPBs.
struct Itf { std::uint16_t linktype; std::uint8_t tsresol; std::int64_t offset_s = 0; };
struct Epb { std::uint32_t itf; std::uint64_t units; Buf data; std::uint32_t wire = 0; };
Buf pcapng(const std::vector<Itf>& itfs, const std::vector<Epb>& pkts) {
  Buf v;
  le32(v, 0x0a0d0d0a); le32(v, 28); le32(v, 0x1a2b3c4d); le16(v, 1); le16(v, 0);
  le32(v, 0xffffffff); le32(v, 0xffffffff); le32(v, 28);
  for (const auto& i : itfs) {
    le32(v, 1); le32(v, 20 + 8 + 12 + 4); le16(v, i.linktype); le16(v, 0); le32(v, 0);
    le16(v, 9); le16(v, 1); v.push_back(i.tsresol); v.push_back(0); v.push_back(0); v.push_back(0);
    le16(v, 14); le16(v, 8); le32(v, static_cast<std::uint32_t>(i.offset_s)); le32(v, static_cast<std::uint32_t>(static_cast<std::uint64_t>(i.offset_s) >> 32));
    le32(v, 0);
    le32(v, 20 + 8 + 12 + 4);
  }
  for (const auto& p : pkts) {
    const std::uint32_t padded = static_cast<std::uint32_t>((p.data.size() + 3) / 4 * 4), len = 32 + padded;
    le32(v, 6); le32(v, len); le32(v, p.itf);
    le32(v, static_cast<std::uint32_t>(p.units >> 32)); le32(v, static_cast<std::uint32_t>(p.units));
    le32(v, static_cast<std::uint32_t>(p.data.size())); le32(v, p.wire ? p.wire : static_cast<std::uint32_t>(p.data.size()));
    v.insert(v.end(), p.data.begin(), p.data.end());
    v.resize(v.size() + padded - p.data.size(), 0);
    le32(v, len);
  }
  return v;
}

net::Mac mac(const char* s) { return net::Mac::parse(s); }
Buf tcp4(const char* src, const char* dst, std::uint16_t sp, std::uint16_t dp, int vlan = -1, std::size_t pad = 0) {
  net::FrameBuilder b;
  b.eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"));
  if (vlan >= 0) b.vlan(static_cast<std::uint16_t>(vlan));
  b.ipv4(net::Ipv4::parse(src), net::Ipv4::parse(dst)).tcp(sp, dp);
  if (pad) b.payload(Buf(pad, 0xab));
  return b.build();
}
Buf udp6(const char* src, const char* dst, std::uint16_t sp, std::uint16_t dp, std::uint32_t label) {
  net::Ipv6Fields f;
  f.flow_label = label;
  return net::FrameBuilder().eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
      .ipv6(net::Ipv6::parse(src), net::Ipv6::parse(dst), f).udp(sp, dp).build();
}
// Linux cooked v2 header in front of an Ethernet frame's payload.
Buf sll2_of(const Buf& eth, std::uint8_t pkttype = 4) {
  Buf v = {eth[12], eth[13], 0, 0, 0, 0, 0, 3, 0, 1, pkttype, 6};
  v.insert(v.end(), eth.begin() + 6, eth.begin() + 12);
  v.push_back(0); v.push_back(0);
  v.insert(v.end(), eth.begin() + 14, eth.end());
  return v;
}
Buf sll1_of(const Buf& eth) {
  Buf v = {0, 4, 0, 1, 0, 6};
  v.insert(v.end(), eth.begin() + 6, eth.begin() + 12);
  v.push_back(0); v.push_back(0);
  v.push_back(eth[12]); v.push_back(eth[13]);
  v.insert(v.end(), eth.begin() + 14, eth.end());
  return v;
}

FlowTable flows_of(const Buf& cap) {
  CaptureReader r(net::Bytes(cap.data(), cap.size()), "test");
  FlowTable t;
  add_capture(t, r);
  return t;
}
std::string error_of(const Buf& cap) {
  try {
    flows_of(cap);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fwd_flows_test_" + std::to_string(::getpid()) + "_" + name)).string();
}
}  // namespace

TEST(Flows, UnidirectionalFlowsWithPacketsBytesAndTimes) {
  const auto a = tcp4("10.0.0.1", "10.0.0.2", 1000, 80, -1, 100);
  const auto b = tcp4("10.0.0.2", "10.0.0.1", 80, 1000);
  const auto t = flows_of(make_pcap(1, {{10, 5, a, 1514}, {10, 7, b}, {11, 0, a, 1500}, {9, 999999, a}}));
  ASSERT_EQ(t.flows().size(), 2u);
  const Flow& f = t.flows()[0];
  EXPECT_EQ(f.packets, 3u);
  EXPECT_EQ(f.bytes, 1514u + 1500u + a.size());  // original lengths, not captured ones
  EXPECT_EQ(f.first_ns, 9'999'999'000);           // out-of-order records: min and max
  EXPECT_EQ(f.last_ns, 11'000'000'000);
  EXPECT_EQ(f.key.ip_version, 4);
  EXPECT_EQ(f.key.ip_proto, 6);
  EXPECT_EQ(f.key.src_port, 1000);
  EXPECT_EQ(f.key.dst_port, 80);
  EXPECT_EQ(f.key.src_mac, 0x020000000001u);
  EXPECT_EQ(f.key.dst_mac, 0x020000000002u);
  EXPECT_EQ(f.key.vlan, -1);
  EXPECT_EQ(std::vector<std::uint8_t>(f.key.src_ip, f.key.src_ip + 4), (Buf{10, 0, 0, 1}));
  EXPECT_EQ(t.flows()[1].packets, 1u);
  EXPECT_EQ(t.flows()[1].key.src_port, 80);
  EXPECT_EQ(t.records(), 4u);
  EXPECT_EQ(t.skipped_total(), 0u);
}

TEST(Flows, VlanIpv6FlowLabelAndNanosecondBigEndianPcap) {
  const auto v = tcp4("10.0.0.1", "10.0.0.2", 1, 2, 0x2064);
  const auto six = udp6("2001:db8::1", "2001:db8::2", 5353, 53, 0xabcde);
  const auto t = flows_of(make_pcap(1, {{1, 7, v}, {1, 8, six}}, /*nano=*/true, /*big_endian=*/true));
  ASSERT_EQ(t.flows().size(), 2u);
  EXPECT_EQ(t.flows()[0].key.vlan, 0x2064);
  EXPECT_EQ(t.flows()[0].first_ns, 1'000'000'007);
  EXPECT_EQ(t.flows()[1].key.ip_version, 6);
  EXPECT_EQ(t.flows()[1].key.ip_proto, 17);
  EXPECT_EQ(t.flows()[1].flow_label, 0xabcdeu);
  EXPECT_EQ(t.flows()[1].key.src_ip[0], 0x20);
  EXPECT_EQ(t.flows()[1].key.dst_ip[15], 2);
}

TEST(Flows, LinuxCookedV1AndV2GiveTheSameFlowsAsEthernetBarTheDestinationMac) {
  const auto a = tcp4("10.1.0.1", "10.1.0.2", 4000, 443, -1, 10);
  const auto six = udp6("fd00::1", "fd00::2", 1, 2, 7);
  for (int lt : {linktype::linux_sll, linktype::linux_sll2}) {
    auto conv = [&](const Buf& e) { return lt == linktype::linux_sll ? sll1_of(e) : sll2_of(e); };
    const auto t = flows_of(make_pcap(static_cast<std::uint32_t>(lt), {{0, 0, conv(a)}, {0, 1, conv(six)}, {0, 2, conv(a)}}));
    ASSERT_EQ(t.flows().size(), 2u) << lt;
    EXPECT_EQ(t.flows()[0].packets, 2u);
    EXPECT_EQ(t.flows()[0].key.src_mac, 0x020000000001u);
    EXPECT_EQ(t.flows()[0].key.dst_mac, 0u);
    EXPECT_EQ(t.flows()[0].key.dst_port, 443);
    EXPECT_EQ(t.flows()[0].bytes, 2 * conv(a).size());
    EXPECT_EQ(t.flows()[1].flow_label, 7u);
  }
  // A VLAN tag libpcap re-inserted after the cooked header.
  Buf tagged = sll2_of(tcp4("10.1.0.1", "10.1.0.2", 1, 2));
  tagged[0] = 0x81; tagged[1] = 0x00;
  const Buf tag = {0x00, 0x64, 0x08, 0x00};
  tagged.insert(tagged.begin() + 20, tag.begin(), tag.end());
  const auto t = flows_of(make_pcap(276, {{0, 0, tagged}}));
  ASSERT_EQ(t.flows().size(), 1u);
  EXPECT_EQ(t.flows()[0].key.vlan, 100);
  EXPECT_EQ(t.flows()[0].key.src_port, 1);
}

TEST(Flows, EveryUnclassifiedFrameIsCountedByReason) {
  const auto a = tcp4("10.0.0.1", "10.0.0.2", 1, 2);
  const auto arp = net::FrameBuilder().eth(mac("ff:ff:ff:ff:ff:ff"), mac("02:00:00:00:00:01"))
                       .arp(1, mac("02:00:00:00:00:01"), net::Ipv4::parse("10.0.0.1"), net::Mac(), net::Ipv4::parse("10.0.0.2")).build();
  const auto lldp = net::FrameBuilder().eth(mac("01:80:c2:00:00:0e"), mac("02:00:00:00:00:01")).ethertype(0x88cc).payload(Buf(20, 0)).build();
  Buf short_ip(a.begin(), a.begin() + 30);          // IPv4 header cut
  Buf short_l4(a.begin(), a.begin() + 14 + 20 + 2);  // ports cut
  Buf bad = a;
  bad[14] = 0x65;  // version 6 under ethertype IPv4
  const auto t = flows_of(make_pcap(1, {{0, 0, a}, {0, 0, arp}, {0, 0, lldp}, {0, 0, short_ip}, {0, 0, short_l4},
                                   {0, 0, bad}, {0, 0, Buf(10, 0)}, {0, 0, {}}}));
  EXPECT_EQ(t.flows().size(), 1u);
  EXPECT_EQ(t.records(), 8u);
  EXPECT_EQ(t.skipped(SkipReason::arp), 1u);
  EXPECT_EQ(t.skipped(SkipReason::not_ip), 1u);
  EXPECT_EQ(t.skipped(SkipReason::truncated_ip), 1u);
  EXPECT_EQ(t.skipped(SkipReason::truncated_transport), 1u);
  EXPECT_EQ(t.skipped(SkipReason::bad_ip), 1u);
  EXPECT_EQ(t.skipped(SkipReason::truncated_link), 2u);
  EXPECT_EQ(t.records(), t.flows()[0].packets + t.skipped_total());
  // Unknown link types are counted per link type, not refused.
  const auto u = flows_of(make_pcap(105, {{0, 0, a}, {0, 0, a}}));
  EXPECT_EQ(u.skipped(SkipReason::unknown_linktype), 2u);
  ASSERT_EQ(u.unknown_linktypes().size(), 1u);
  EXPECT_EQ(u.unknown_linktypes()[0].first, 105);
}

TEST(Flows, FragmentsAndIcmpEcho) {
  net::Ipv4Fields later;
  later.fragment_offset = 185;
  later.protocol = 17;
  const auto frag = net::FrameBuilder().eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
                        .ipv4(net::Ipv4::parse("10.0.0.1"), net::Ipv4::parse("10.0.0.2"), later).payload(Buf(40, 1)).build();
  const auto ping = net::FrameBuilder().eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01"))
                        .ipv4(net::Ipv4::parse("10.0.0.1"), net::Ipv4::parse("10.0.0.2")).icmp(8, 0, 0x1234, 1).build();
  const auto t = flows_of(make_pcap(1, {{0, 0, frag}, {0, 0, ping}}));
  ASSERT_EQ(t.flows().size(), 2u);
  EXPECT_EQ(t.later_fragments(), 1u);
  EXPECT_EQ(t.flows()[0].key.ip_proto, 17);
  EXPECT_EQ(t.flows()[0].key.src_port, 0);  // no transport header in a later fragment
  EXPECT_EQ(t.flows()[1].key.src_port, 0x1234);
}

TEST(Flows, PcapngInterfacesWithTheirOwnLinkTypesAndResolutions) {
  const auto a = tcp4("10.0.0.1", "10.0.0.2", 1, 2);
  // Interface 0: Ethernet, microseconds, offset 100 s; interface 1: SLL2, 2^-10 s.
  const auto cap = pcapng({{1, 6, 100}, {276, 0x80 | 10}}, {{0, 1'500'000, a}, {1, 3 * 1024 + 512, sll2_of(a)}});
  CaptureReader r(net::Bytes(cap.data(), cap.size()), "ng");
  CaptureRecord rec;
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.timestamp_ns, 101'500'000'000);
  EXPECT_EQ(rec.linktype, 1);
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.timestamp_ns, 3'500'000'000);
  EXPECT_EQ(rec.linktype, 276);
  EXPECT_EQ(rec.interface, 1u);
  EXPECT_FALSE(r.next(rec));
  EXPECT_EQ(r.format(), "pcapng");
  const auto t = flows_of(cap);
  EXPECT_EQ(t.flows().size(), 2u);  // the cooked copy has no destination MAC: a flow of its own
}

TEST(Flows, PcapngTimestampsOutOfRangeAreErrorsNotWrappedValues) {
  const auto a = tcp4("10.0.0.1", "10.0.0.2", 1, 2);
  // tsresol 0: units are seconds; 2^62 s is far beyond int64 nanoseconds.
  const auto e = error_of(pcapng({{1, 0}}, {{0, std::uint64_t{1} << 62, a}}));
  EXPECT_NE(e.find("outside the int64 nanosecond range"), std::string::npos) << e;
  // The largest representable second still reads.
  const auto ok = flows_of(pcapng({{1, 0}}, {{0, 9'223'372'035, a}}));
  EXPECT_EQ(ok.flows()[0].first_ns, 9'223'372'035'000'000'000);
  // Resolutions finer than a nanosecond divide (10^-12 s).
  const auto pico = flows_of(pcapng({{1, 12}}, {{0, 5'000'000, a}}));
  EXPECT_EQ(pico.flows()[0].first_ns, 5'000);
}

TEST(Flows, CorruptAndTruncatedCaptures) {
  const auto a = tcp4("10.0.0.1", "10.0.0.2", 1, 2);
  // A capture cut inside its last record: the flows so far, the cut record counted.
  auto cut = make_pcap(1, {{0, 0, a}, {0, 0, a}});
  cut.resize(cut.size() - 5);
  const auto t = flows_of(cut);
  EXPECT_EQ(t.flows()[0].packets, 1u);
  EXPECT_EQ(t.truncated_records(), 1u);
  // Not a capture; too short; absurd captured length; bad pcapng block length; unknown interface.
  EXPECT_NE(error_of(Buf(40, 'x')).find("unknown magic number 78787878"), std::string::npos);
  EXPECT_NE(error_of(Buf(2, 0xa1)).find("too short"), std::string::npos);
  auto huge = make_pcap(1, {{0, 0, a}});
  huge[24 + 8] = 0xff; huge[24 + 11] = 0x7f;
  EXPECT_NE(error_of(huge).find("captured length"), std::string::npos) << error_of(huge);
  auto ng = pcapng({{1, 6}}, {{0, 0, a}});
  ng[28 + 44 + 4] = 13;  // EPB length not a multiple of 4
  EXPECT_NE(error_of(ng).find("a multiple of 4"), std::string::npos) << error_of(ng);
  const auto noitf = pcapng({{1, 6}}, {{3, 0, a}});
  EXPECT_NE(error_of(noitf).find("names interface 3"), std::string::npos) << error_of(noitf);
}

TEST(Flows, StreamsAFileInSmallChunksWithTheSameResult) {
  std::vector<Rec> recs;
  for (std::uint16_t i = 0; i < 3000; ++i) recs.push_back({i, 0, tcp4("10.0.0.1", "10.0.0.2", static_cast<std::uint16_t>(i % 700), 80, -1, i % 300)});
  recs.push_back({0, 0, Buf(20000, 0)});  // one record larger than the chunk
  const auto cap = make_pcap(1, recs);
  const auto path = tmp("stream.pcap");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(cap.data()), static_cast<std::streamsize>(cap.size()));
  const auto streamed = read_flows(path, FlowTable::default_max_flows, 4096);
  const auto whole = flows_of(cap);
  ASSERT_EQ(streamed.flows().size(), 700u);
  ASSERT_EQ(whole.flows().size(), 700u);
  for (std::size_t i = 0; i < 700; ++i) {
    EXPECT_EQ(std::memcmp(&streamed.flows()[i], &whole.flows()[i], sizeof(Flow)), 0) << i;
  }
  EXPECT_EQ(streamed.records(), 3001u);
  EXPECT_EQ(streamed.skipped(SkipReason::truncated_link), 0u);
  EXPECT_EQ(streamed.skipped(SkipReason::not_ip), 1u);  // ethertype 0 (an 802.3 length)
  std::filesystem::remove(path);
  EXPECT_THROW(read_flows("/nonexistent/x.pcap"), FileError);
}

TEST(Flows, TooManyFlowsIsAClearError) {
  std::vector<Rec> recs;
  for (std::uint16_t i = 0; i < 5; ++i) recs.push_back({0, 0, tcp4("10.0.0.1", "10.0.0.2", i, 80)});
  const auto cap = make_pcap(1, recs);
  CaptureReader r(net::Bytes(cap.data(), cap.size()));
  FlowTable t(4);
  try {
    add_capture(t, r);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than 4 distinct flows"), std::string::npos) << e.what();
  }
}

TEST(Flows, PcapngSectionsRestartInterfaceIds) {
  // Two sections back to back (as `cat a.pcapng b.pcapng` makes): interface 0 of the second
  // section is its own (Linux cooked v2), not the first section's Ethernet.
  const auto a = tcp4("10.0.0.1", "10.0.0.2", 1, 2);
  auto cap = pcapng({{1, 6}}, {{0, 1, a}});
  const auto second = pcapng({{276, 9}}, {{0, 5, sll2_of(a)}});
  cap.insert(cap.end(), second.begin(), second.end());
  CaptureReader r(net::Bytes(cap.data(), cap.size()));
  CaptureRecord rec;
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.linktype, 1);
  EXPECT_EQ(rec.timestamp_ns, 1000);
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.linktype, 276);
  EXPECT_EQ(rec.interface, 0u);
  EXPECT_EQ(rec.timestamp_ns, 5);
  EXPECT_FALSE(r.next(rec));
  EXPECT_EQ(r.truncated_tail(), 0u);
  EXPECT_EQ(flows_of(cap).flows().size(), 2u);
}
