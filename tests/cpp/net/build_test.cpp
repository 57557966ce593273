#include "fwd/net/build.hpp"

#include <gtest/gtest.h>

#include "fwd/error.hpp"
#include "fwd/net/packet.hpp"
#include "test_frames.hpp"

using namespace fwd::net;

TEST(FrameBuilder, RebuildsTheSeedSynAckByteForByte) {
  // F1 of the spec: the web server's SYN-ACK, as captured except its TCP checksum (zero there).
  const auto f = FrameBuilder()
                     .eth(Mac::parse("00:00:5e:00:01:01"), Mac::parse("00:25:90:11:22:33"))
                     .ipv4(Ipv4::parse("192.168.80.2"), Ipv4::parse("192.168.0.17"), {.ttl = 64, .id = 0x1234})
                     .tcp(80, 30892, {.seq = 1, .ack = 0, .flags = 0x12, .window = 0xffff})
                     .build();
  auto expect = hex("00005e0001010025901122330800450000281234000040069738c0a85002c0a80011"
                         "005078ac00000001000000005012ffff00000000000000000000");
  ASSERT_EQ(f.size(), 60u);
  auto g = f;
  g[50] = g[51] = 0;  // TCP checksum
  EXPECT_EQ(to_hex(g), to_hex(expect));
  // The TCP checksum verifies: sum over pseudo-header and segment is 0xffff.
  std::uint32_t pseudo = 0xc0a8 + 0x5002 + 0xc0a8 + 0x0011 + 6 + 20;
  EXPECT_EQ(internet_checksum(Bytes(f.data() + 34, 20), pseudo), 0);
}

TEST(FrameBuilder, TagsIpv6UdpAndLengths) {
  const auto f = FrameBuilder()
                     .eth(Mac::broadcast(), Mac::parse("02:00:00:00:00:01"))
                     .vlan(0x0064, 0x88a8)
                     .vlan(0xa00a)
                     .ipv6(Ipv6::parse("2001:db8::1"), Ipv6::parse("2001:db8::2"), {.flow_label = 0x12345})
                     .udp(5353, 53)
                     .payload(hex("01020304"))
                     .build();
  const PacketView v(f);
  EXPECT_EQ(v.tag_count(), 2u);
  EXPECT_EQ(v.tag_tpid(0), 0x88a8);
  EXPECT_EQ(v.tag_tci(1), 0xa00a);
  ASSERT_TRUE(v.has_ipv6());
  EXPECT_EQ(v.ipv6_flow_label(), 0x12345u);
  EXPECT_EQ(v.ip_proto(), ipproto::udp);
  EXPECT_EQ(v.src_port(), 5353);
  EXPECT_EQ(v.dst_port(), 53);
  EXPECT_EQ(be16(f.data() + 22 + 4), 12);  // IPv6 payload length: UDP header + 4 bytes
  EXPECT_EQ(f.size(), 22u + 40 + 12);      // longer than 60: no padding
}

TEST(FrameBuilder, ArpAndIcmpAndCarp) {
  const Mac a = Mac::parse("02:00:00:00:00:0a");
  const auto req = FrameBuilder().eth(Mac::broadcast(), a)
                       .arp(1, a, Ipv4::parse("10.0.0.1"), Mac{}, Ipv4::parse("10.0.0.2")).build();
  EXPECT_TRUE(PacketView(req).has_arp());
  EXPECT_EQ(req.size(), 60u);
  const auto ping = FrameBuilder().eth(Mac::broadcast(), a)
                        .ipv4(Ipv4::parse("10.0.0.1"), Ipv4::parse("10.0.0.2")).icmp(8, 0, 0x1234, 1).build();
  EXPECT_EQ(internet_checksum(Bytes(ping.data() + 34, 8)), 0);  // ICMP checksum verifies
  const auto adv = FrameBuilder().eth(Mac::parse("01:00:5e:00:00:12"), Mac::parse("00:00:5e:00:01:01"))
                       .ipv4(Ipv4::parse("10.0.0.1"), Ipv4::parse("224.0.0.18")).carp(1, 1, 100).build();
  const PacketView c(adv);
  EXPECT_EQ(c.ip_proto(), ipproto::carp);
  EXPECT_EQ(c.ttl(), 255);
  EXPECT_EQ(internet_checksum(Bytes(adv.data() + 34, 36)), 0);
}

TEST(FrameBuilder, RefusesImpossibleStacks) {
  EXPECT_THROW(FrameBuilder().tcp(1, 2).build(), fwd::Error);
  EXPECT_THROW(FrameBuilder().eth(Mac{}, Mac{}).tcp(1, 2).build(), fwd::Error);
  EXPECT_THROW(FrameBuilder().ipv6({}, {}, {.flow_label = 1 << 20}), fwd::Error);
}
