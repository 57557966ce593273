// Tests of fwd/sim/traffic.hpp: PingResult arithmetic, the ping's 16-bit sequence wrap, the
// connection generator's rate.
#include "fwd/sim/traffic.hpp"

#include <gtest/gtest.h>

#include "fwd/sim/network.hpp"

namespace {

using fwd::Time;
using namespace fwd::sim;

TEST(PingResult, LostSeqsGapsAndSummary) {
  PingResult r;
  r.sent = 6;
  r.received = 3;
  r.send_ns = {0, 1'000'000, 12'000'000, 23'000'000, 34'000'000, 35'000'000};
  r.rtt_ns = {24'000, -1, -1, -1, 17'000, 31'000};
  EXPECT_EQ(r.lost(), 3u);
  EXPECT_EQ(r.lost_seqs(), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(r.lost_gaps_ms(), (std::vector<double>{11.0, 11.0}));
  const std::string s = r.summary("192.168.80.254");
  EXPECT_NE(s.find("6 packets transmitted, 3 packets received, 50.0% packet loss"), std::string::npos) << s;
  EXPECT_NE(s.find("round-trip min/avg/max/stddev = 0.017/0.024/0.031/0.006 ms"), std::string::npos) << s;
}

TEST(PingResult, SeedLossLineRoundsLikePing) {
  PingResult r;
  r.sent = 100000;
  r.received = 99944;
  EXPECT_NE(r.summary("x").find("100000 packets transmitted, 99944 packets received, 0.1% packet loss"), std::string::npos);
}

Network& pair(Network& net) {
  Host& a = net.add_host({.name = "a", .stack_delay = Time::from_us(1)});
  Host& b = net.add_host({.name = "b", .stack_delay = Time::from_us(1)});
  a.add_nic("em0", fwd::net::Mac::parse("02:00:00:00:00:0a"));
  b.add_nic("em0", fwd::net::Mac::parse("02:00:00:00:00:0b"));
  a.add_address("em0", "10.0.0.1/24");
  b.add_address("em0", "10.0.0.2/24");
  b.apps().listen(80);
  net.connect("a:em0", "b:em0");
  return net;
}

TEST(Ping, SequenceNumbersWrapAfter65536) {
  Network net;
  pair(net);
  net.host("a").apps().ping_flood({.dst = fwd::net::Ipv4::parse("10.0.0.2"), .count = 70000, .first_seq = 65000});
  net.run_until(Time::from_s(30));
  const auto& r = net.host("a").apps().ping_result(0);
  EXPECT_EQ(r.sent, 70000u);
  EXPECT_EQ(r.received, 70000u);
  EXPECT_TRUE(r.finished);
  for (std::uint32_t i = 1; i < r.sent; ++i) ASSERT_EQ(r.rtt_ns[i], 3'000) << i;  // 1 us out + 1 us stack + 1 us back
}

TEST(Ping, StopsAfterCountAndWaitsForStragglers) {
  Network net;
  pair(net);
  net.host("a").apps().ping_flood({.dst = fwd::net::Ipv4::parse("10.0.0.2"), .count = 10, .start = Time::from_ms(1)});
  net.run_until(Time::from_s(1));
  const auto& r = net.host("a").apps().ping_result(0);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.sent, 10u);
  EXPECT_EQ(r.send_errors, 0u);
}

TEST(TcpConnects, FixedRateCountAndRoundRobin) {
  Network net;
  pair(net);
  TcpConnectConfig c;
  c.dsts = {fwd::net::Ipv4::parse("10.0.0.2"), fwd::net::Ipv4::parse("10.0.0.2")};
  c.rate_per_s = 200;
  c.start = Time::from_ms(10);
  c.until = Time::from_ms(510);
  net.host("a").apps().tcp_connects(c);
  net.run_until(Time::from_s(2));
  const auto& r = net.host("a").apps().tcp_result(0);
  EXPECT_EQ(r.attempts.size(), 100u);
  EXPECT_EQ(r.established(), 100u);
  EXPECT_EQ(r.attempts[1].started_ns - r.attempts[0].started_ns, 5'000'000);
}

TEST(TcpConnects, PoissonUsesTheNetworkSeed) {
  auto run = [](std::uint64_t seed) {
    Network net({.seed = seed});
    pair(net);
    net.host("a").apps().tcp_connects({.dst = fwd::net::Ipv4::parse("10.0.0.2"), .rate_per_s = 1000, .until = Time::from_s(1),
                                .poisson = true});
    net.run_until(Time::from_s(2));
    return net.host("a").apps().tcp_result(0).attempts.size();
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
  EXPECT_NEAR(static_cast<double>(run(3)), 1000.0, 120.0);
}

TEST(Traffic, BadConfigurationThrows) {
  Network net;
  pair(net);
  EXPECT_THROW(net.host("a").apps().ping_flood({.dst = fwd::net::Ipv4::parse("10.0.0.2"), .count = 0}), fwd::Error);
  EXPECT_THROW(net.host("a").apps().ping_flood({.dst = fwd::net::Ipv4::parse("172.16.0.1")}), fwd::Error);  // no route
  EXPECT_THROW(net.host("a").apps().tcp_connects({.dst = fwd::net::Ipv4::parse("10.0.0.2"), .rate_per_s = 0}), fwd::Error);
  EXPECT_THROW(net.host("a").apps().ping_result(5), fwd::Error);
}

}  // namespace
