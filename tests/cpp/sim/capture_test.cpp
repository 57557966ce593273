// Tests of fwd/sim/capture.hpp: tcpdump-style text of the frames the seed needs, pcap output.
#include "fwd/sim/capture.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "fwd/io/pcap.hpp"
#include "fwd/net/build.hpp"

namespace {

using fwd::Time;
using fwd::net::FrameBuilder;
using fwd::net::Ipv4;
using fwd::net::Mac;
using namespace fwd::sim;

Mac mac(const char* s) { return Mac::parse(s); }
Ipv4 ip(const char* s) { return Ipv4::parse(s); }

TEST(Capture, EchoRequestLikeTheSeedsTcpdump) {
  auto f = FrameBuilder().eth(mac("00:00:5e:00:01:02"), mac("00:25:90:5e:ed:0a")).vlan(2)
               .ipv4(ip("192.168.80.6"), ip("192.168.80.254")).icmp(8, 0, 22737, 16720)
               .payload(std::vector<std::uint8_t>(56)).build();
  EXPECT_EQ(format_frame(f),
            "00:25:90:5e:ed:0a > 00:00:5e:00:01:02, vlan 2, IPv4 (0x0800), length 102: IP 192.168.80.6 > "
            "192.168.80.254: ICMP echo request, id 22737, seq 16720, length 64");
}

TEST(Capture, ArpTcpCarpAndTruncated) {
  auto garp = FrameBuilder().eth(Mac::broadcast(), mac("90:e2:ba:0d:0a:98"))
                  .arp(1, mac("00:00:5e:00:01:02"), ip("192.168.80.254"), Mac{}, ip("192.168.80.254")).build();
  EXPECT_NE(format_frame(garp).find("ARP, Request who-has 192.168.80.254 tell 192.168.80.254 (gratuitous, sender 00:00:5e:00:01:02)"),
            std::string::npos) << format_frame(garp);
  fwd::net::TcpFields t;
  t.seq = 1053809273;
  t.ack = 1377231735;
  t.flags = 0x12;
  t.window = 0;
  auto synack = FrameBuilder().eth(mac("00:00:5e:00:01:02"), mac("00:25:90:5e:ed:02"))
                    .ipv4(ip("192.168.80.2"), ip("192.168.0.17")).tcp(80, 30892, t).build();
  EXPECT_NE(format_frame(synack).find("IP 192.168.80.2.80 > 192.168.0.17.30892: Flags [S.], seq 1053809273, ack 1377231735, win 0, length 0"),
            std::string::npos) << format_frame(synack);
  auto adv = FrameBuilder().eth(mac("01:00:5e:00:00:12"), mac("00:00:5e:00:01:02"))
                 .ipv4(ip("192.168.80.251"), ip("224.0.0.18")).carp(2, 1, 0, 7).min_size(0).build();
  EXPECT_NE(format_frame(adv).find("IP 192.168.80.251 > 224.0.0.18: CARPv2-advertise 36: vhid=2 advbase=1 advskew=0 authlen=7 counter=7"),
            std::string::npos) << format_frame(adv);
  const std::uint8_t runt[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(format_frame(fwd::net::Bytes(runt, 5)), "truncated frame, 5 bytes");
  const std::uint8_t cut[20] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45};
  EXPECT_NE(format_frame(fwd::net::Bytes(cut, 20)).find("IP, truncated"), std::string::npos);
}

TEST(Capture, TextAndPcapRoundTrip) {
  Capture c("h:em0", 64);
  auto f = FrameBuilder().eth(mac("02:00:00:00:00:02"), mac("02:00:00:00:00:01")).ipv4(ip("10.0.0.1"), ip("10.0.0.2"))
               .icmp(0, 0, 1, 2).payload(std::vector<std::uint8_t>(100)).build();
  c.add(Time::from_ns(5'432'811'123), false, f);
  c.add(Time::from_ns(5'443'833'000), true, f);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.records()[0].caplen, 64u);  // snaplen
  EXPECT_EQ(c.records()[0].length, f.size());
  const std::string text = c.to_text();
  EXPECT_EQ(text.substr(0, 11), "5.432811 < ");
  EXPECT_NE(text.find("\n5.443833 > "), std::string::npos);
  EXPECT_EQ(format_time(Time::from_ns(1'000'000'999)), "1.000000");
  const std::string path = testing::TempDir() + "/fwd_sim_capture_test.pcap";
  c.write_pcap(path);
  fwd::io::PcapReader r(path);
  fwd::io::Record v;
  ASSERT_TRUE(r.next(v));
  EXPECT_EQ(v.timestamp.ns, 5'432'811'123);
  EXPECT_EQ(v.data.size(), 64u);
  EXPECT_EQ(v.wire_length, f.size());
  ASSERT_TRUE(r.next(v));
  EXPECT_FALSE(r.next(v));
  std::remove(path.c_str());
  EXPECT_THROW(c.write_pcap("/nonexistent-dir/x.pcap"), fwd::Error);
}

}  // namespace
