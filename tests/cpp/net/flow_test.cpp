#include "fwd/net/flow.hpp"

#include <gtest/gtest.h>

#include "fwd/error.hpp"
#include "fwd/net/packet.hpp"

using namespace fwd::net;

TEST(FlowRecord, BecomesTheFrameItDescribes) {
  FlowRecord r{};
  r.src_mac = 0x002590112233;
  r.dst_mac = 0x00005e000101;
  r.vlan = 0xa064;  // PCP 5, VID 100
  r.ip_version = 4;
  r.ip_proto = 17;
  r.src_port = 5353;
  r.dst_port = 53;
  const std::uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
  std::copy(s, s + 4, r.src_ip);
  std::copy(d, d + 4, r.dst_ip);
  const auto f = frame_for_flow(r);
  const PacketView v(f);
  EXPECT_EQ(v.src_mac().to_u64(), 0x002590112233u);
  EXPECT_EQ(v.tag_count(), 1u);
  EXPECT_EQ(v.tag_tci(0), 0xa064);
  EXPECT_EQ(v.ipv4_dst().to_string(), "10.0.0.2");
  EXPECT_EQ(v.ip_proto(), 17);
  EXPECT_EQ(v.dst_port(), 53);
}

TEST(FlowRecord, NonIpAndBadRecords) {
  FlowRecord r{};
  r.vlan = -1;
  r.eth_type = 0x88cc;
  EXPECT_EQ(PacketView(frame_for_flow(r)).ethertype(), 0x88cc);
  r.ip_version = 5;
  EXPECT_THROW(frame_for_flow(r), fwd::Error);
  r.ip_version = 4;
  r.vlan = 70000;
  EXPECT_THROW(frame_for_flow(r), fwd::Error);
}
