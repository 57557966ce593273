#include "fwd/net/packet.hpp"

#include <gtest/gtest.h>

#include "fwd/net/build.hpp"
#include "test_frames.hpp"

using namespace fwd::net;

namespace {
std::vector<std::uint8_t> tcp_frame(Ipv4Fields f = {}) {
  return FrameBuilder().eth(Mac::parse("00:00:5e:00:01:01"), Mac::parse("00:25:90:11:22:33"))
      .vlan(100).ipv4(Ipv4::parse("10.0.0.1"), Ipv4::parse("10.0.0.2"), std::move(f)).tcp(12345, 80).build();
}
}  // namespace

TEST(PacketView, FindsEveryLayerOfATaggedTcpFrame) {
  const auto f = tcp_frame();
  const PacketView v(f);
  EXPECT_EQ(v.src_mac().to_string(), "00:25:90:11:22:33");
  EXPECT_EQ(v.outer_ethertype(), 0x8100);
  EXPECT_EQ(v.ethertype(), 0x0800);
  EXPECT_EQ(v.tag_count(), 1u);
  EXPECT_EQ(v.l3_offset(), 18u);
  EXPECT_EQ(v.ipv4_src().to_string(), "10.0.0.1");
  EXPECT_EQ(v.ip_proto(), ipproto::tcp);
  EXPECT_EQ(v.src_port(), 12345);
  EXPECT_EQ(v.dst_port(), 80);
  EXPECT_FALSE(v.is_truncated());
}

TEST(PacketView, OptionsAndFragments) {
  const auto opt = tcp_frame({.options = {1, 1, 1, 1, 1, 1, 1, 0}});
  EXPECT_EQ(PacketView(opt).l4_offset(), 18u + 28);
  EXPECT_EQ(PacketView(opt).dst_port(), 80);
  const auto first = tcp_frame({.more_fragments = true});
  EXPECT_TRUE(PacketView(first).is_fragment());
  EXPECT_FALSE(PacketView(first).is_later_fragment());
  EXPECT_TRUE(PacketView(first).has_ports());
  const auto later = tcp_frame({.fragment_offset = 3});
  EXPECT_TRUE(PacketView(later).is_later_fragment());
  EXPECT_FALSE(PacketView(later).has_ports());
  EXPECT_EQ(PacketView(later).src_port(), 0);
}

TEST(PacketView, EveryTruncationIsSafeAndReported) {
  const auto f = tcp_frame();
  for (std::size_t n = 0; n < 58; ++n) {
    const PacketView v(Bytes(f.data(), n));
    EXPECT_EQ(v.has_ports(), false) << n;  // the TCP header ends at byte 58
    if (n >= 14) {
      EXPECT_TRUE(v.is_truncated()) << n;
    }
  }
  EXPECT_TRUE(PacketView(Bytes(f.data(), 58)).has_ports());
}

TEST(PacketView, Ipv6ExtensionHeadersAreWalked) {
  // IPv6, hop-by-hop (8 bytes) then UDP 1000 -> 2000.
  auto f = hex("02000000000202000000000186dd6000000000100040"
                    "20010db8000000000000000000000001" "20010db8000000000000000000000002"
                    "1100000000000000" "03e807d000080000");
  f[20] = 0;  // next header: hop-by-hop
  const PacketView v(f);
  ASSERT_TRUE(v.has_ipv6());
  EXPECT_EQ(v.ip_proto(), ipproto::udp);
  EXPECT_EQ(v.l4_offset(), 14u + 40 + 8);
  EXPECT_EQ(v.src_port(), 1000);
  EXPECT_EQ(v.dst_port(), 2000);
}

TEST(PacketMeta, LinuxProtocolDefaultsLikeTheVectors) {
  const auto f = tcp_frame();
  PacketMeta m;
  EXPECT_EQ(m.protocol_or_default(f), 0x8100);
  EXPECT_EQ(m.protocol_or_default(Bytes(f.data(), 13)), 0);
  m.protocol = 0x0800;
  EXPECT_EQ(m.protocol_or_default(f), 0x0800);
}
