// The batched path trace (walks wait at multipath routes; hashes and choices in route-layer
// batches) equals the per-flow walk it replaced, output array by output array, on random flows
// through a random-ish fabric: mixed ECMP systems and policies, equal and different seeds, dead
// and link-down paths, a bond hashing the rewritten L2 header, a switch LAG, routing loops, TTL
// expiry, no route, not-for-us and non-IP frames, IPv6, receive hashes, originated flows.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>
#include <set>

#include "fwd/net/build.hpp"
#include "fwd/path/fabric.hpp"
#include "fwd/path/trace.hpp"
#include "path/per_flow_trace.inc"

using namespace fwd;
using namespace fwd::path;

namespace {

const char* const specs[] = {"linux-6.18:policy=1;seed=0x1234abcd", "linux-6.18:policy=0;seed=0x1234abcd",
                             "linux-6.18:policy=2;seed=9",          "linux-6.18:policy=3;fields=0x37;seed=5",
                             "linux-6.12:policy=1;boot_seed=77",    "linux-6.18:policy=1;seed=0x1234abcd;ignore_routes_with_linkdown=1",
                             "freebsd-13",                           "vendor"};

// c (two uplinks, multipath default) -> t1 -> t2-0..3 (one over a layer2 bond, one behind a
// switch LAG) -> t3-ij -> s; 198.19/16 loops between t2 and t3; 198.20/16 has no route at t3;
// t1 sends 198.18.128/17 to t2-0 alone and owns 198.18.255/24.
// `plain`: the bond and the switch are plain links (the fabric the tracer's IPv4 lane takes).
Fabric fabric(std::mt19937& rng, bool failures, bool plain = false) {
  Fabric f;
  auto spec = [&] { return std::string(specs[rng() % std::size(specs)]); };
  const NodeId c = f.add_node("c", NodeKind::host), t1 = f.add_node("t1", NodeKind::router);
  const NodeId s = f.add_node("s", NodeKind::host);
  f.add_local(s, "198.18.0.0/16");
  std::vector<NextHop> up;
  for (int k = 0; k < 2; ++k) {
    const PortId a = f.add_port(c, fmt::format("c{}", k)), b = f.add_port(t1, fmt::format("cli{}", k),
                                                                           net::Mac::parse(fmt::format("02:00:00:00:00:0{}", k + 1)));
    f.connect(a, b);
    f.add_address(a, fmt::format("10.0.{}.2/24", k));
    f.add_address(b, fmt::format("10.0.{}.1/24", k));
    up.push_back({Address::parse(fmt::format("10.0.{}.1", k)), a, 1});
  }
  f.add_route(c, "default", up);
  f.set_ecmp(c, 4, spec());
  std::vector<NextHop> h1;
  unsigned sink = 0;
  for (unsigned i = 0; i < 4; ++i) {
    const NodeId t2 = f.add_node(fmt::format("t2-{}", i), NodeKind::router);
    PortId a, b;
    if (i == 1 && !plain) {  // a bond hashing the header t1 rewrote
      const PortId a0 = f.add_port(t1, "b0"), a1 = f.add_port(t1, "b1"), b0 = f.add_port(t2, "u0"), b1 = f.add_port(t2, "u1");
      f.connect(a0, b0);
      f.connect(a1, b1);
      a = f.add_lag(t1, "bond1", "linux-6.12:802.3ad", std::vector<PortId>{a0, a1}, net::Mac::parse("02:00:00:00:01:01"));
      b = f.add_lag(t2, "bond0", "linux-6.12:802.3ad", std::vector<PortId>{b0, b1}, net::Mac::parse("02:00:00:00:01:02"));
    } else if (i == 2 && !plain) {  // through a switch with LAGs on both sides
      const NodeId sw = f.add_node("sw", NodeKind::switch_);
      a = f.add_port(t1, "t1-2");
      b = f.add_port(t2, "up");
      const PortId p0 = f.add_port(sw, "p0"), p1 = f.add_port(sw, "p1"), p2 = f.add_port(sw, "p2");
      f.connect(a, p0);
      f.connect(b, p1);
      (void)p2;
      f.add_lag(sw, "to-t1", "vendor:modulo", std::vector<PortId>{p0});
      f.add_lag(sw, "to-t2", "linux-6.12:802.3ad;xmit_hash_policy=layer2", std::vector<PortId>{p1});
    } else {
      a = f.add_port(t1, fmt::format("t1-{}", i));
      b = f.add_port(t2, "up");
      f.connect(a, b);
    }
    f.add_address(a, fmt::format("10.1.{}.1/24", i));
    f.add_address(b, fmt::format("10.1.{}.2/24", i));
    h1.push_back({Address::parse(fmt::format("10.1.{}.2", i)), a, 1 + static_cast<std::uint32_t>(rng() % 3)});
    std::vector<NextHop> h2;
    for (unsigned j = 0; j < 3; ++j) {
      const NodeId t3 = f.add_node(fmt::format("t3-{}{}", i, j), NodeKind::router);
      const PortId x = f.add_port(t2, fmt::format("d{}", j)), y = f.add_port(t3, "up");
      f.connect(x, y);
      f.add_address(x, fmt::format("10.2.{}.1/24", i * 4 + j));
      f.add_address(y, fmt::format("10.2.{}.2/24", i * 4 + j));
      h2.push_back({Address::parse(fmt::format("10.2.{}.2", i * 4 + j)), x, 1});
      std::vector<NextHop> h3;
      for (unsigned m = 0; m < 2; ++m, ++sink) {
        const PortId p = f.add_port(t3, fmt::format("d{}", m)), q = f.add_port(s, fmt::format("s{}", sink));
        f.connect(p, q);
        f.add_address(p, fmt::format("10.3.{}.1/24", sink));
        f.add_address(q, fmt::format("10.3.{}.2/24", sink));
        h3.push_back({Address::parse(fmt::format("10.3.{}.2", sink)), p, 1});
      }
      f.add_route(t3, "198.18.0.0/16", h3);
      f.add_route(t3, "198.19.0.0/16", {{Address::parse(fmt::format("10.2.{}.1", i * 4 + j)), y, 1}});
      f.set_ecmp(t3, 4, spec());
      if (failures && rng() % 4 == 0) f.set_admin(f.port_id(t3, "d1"), false);
      if (failures && i == 3 && j == 2)  // every next hop dead
        for (const char* d : {"d0", "d1"}) f.set_admin(f.port_id(t3, d), false);
    }
    f.add_route(t2, "198.18.0.0/16", h2);
    f.add_route(t2, "198.19.0.0/16", h2);
    f.add_route(t2, "198.20.0.0/16", h2);
    f.set_ecmp(t2, 4, spec());
    if (failures && i == 3) f.set_link_up(f.link_of(f.port_id(t2, "d0")), false);
  }
  f.add_route(t1, "198.16.0.0/14", h1);
  f.set_ecmp(t1, 4, spec());
  // Prefixes inside t1's /14, so one flow's match is not the next one's: a more specific route
  // (half of 198.18/16) and a local /24 that ends its flows at t1.
  f.add_route(t1, "198.18.128.0/17", {{Address::parse("10.1.0.2"), f.port_id(t1, "t1-0"), 1}});
  f.add_local(t1, "198.18.255.0/24");
  if (failures) f.set_admin(f.port_id(t1, "t1-0"), false);
  if (failures) f.set_node_up(f.node_id("t3-21"), false);
  f.compile();
  return f;
}

struct Frames {
  std::vector<std::uint8_t> data;
  std::vector<std::uint32_t> lengths;
  std::size_t stride = 128;
  hash::Policy::Batch view() const { return {data.data(), stride, lengths.size(), lengths.data()}; }
};

Frames random_frames(std::mt19937& rng, std::size_t n) {
  Frames b;
  b.data.assign(n * b.stride, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned kind = rng() % 20;
    const net::Mac to = net::Mac::parse(kind == 0 ? "02:00:00:00:00:99" : (rng() & 1) ? "02:00:00:00:00:01" : "02:00:00:00:00:02");
    const net::Mac from = net::Mac::parse("02:00:00:00:00:aa");
    const std::uint32_t dst = (kind == 1 ? 0xc6130000u : kind == 2 ? 0xc6140000u : kind == 3 ? 0x08080808u : 0xc6120000u) |
                              (rng() & 0xffff);
    net::Ipv4Fields fl;
    fl.ttl = static_cast<std::uint8_t>(kind == 4 ? 1 + rng() % 4 : 64);
    if (kind == 5) fl.more_fragments = true;  // first fragment: no ports hashed
    net::FrameBuilder fb;
    fb.eth(to, from);
    std::vector<std::uint8_t> f;
    const auto sp = static_cast<std::uint16_t>(1024 + rng() % 60000), dp = static_cast<std::uint16_t>(1 + rng() % 65535);
    if (kind == 6)
      f = fb.ipv6(net::Ipv6::parse("2001:db8::1"), net::Ipv6::parse("2001:db8::2")).udp(sp, dp).build();
    else if (kind == 7)
      f = fb.arp(1, from, net::Ipv4{0x0a000002}, net::Mac{}, net::Ipv4{0x0a000001}).build();
    else if (kind == 8)
      f = fb.ipv4(net::Ipv4{0x0a000002}, net::Ipv4{dst}, fl).icmp(8, 0, 1, 2).build();
    else if (kind == 9)
      f = fb.ipv4(net::Ipv4{0x64400000u | (rng() & 0xffff)}, net::Ipv4{dst}, fl).udp(sp, dp).build();
    else
      f = fb.ipv4(net::Ipv4{0x64400000u | (rng() & 0xffff)}, net::Ipv4{dst}, fl).tcp(sp, dp).build();
    std::copy(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(std::min(f.size(), b.stride)), b.data.begin() + static_cast<std::ptrdiff_t>(i * b.stride));
    b.lengths.push_back(static_cast<std::uint32_t>(std::min(f.size(), b.stride)));
  }
  return b;
}

void expect_equal(const Paths& a, const Paths& b, const Fabric& f, std::set<int>& reasons, bool some_delivered = true) {
  ASSERT_EQ(a.count, b.count);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < a.count; ++i) {
    dropped += a.drop[i] != 0;
    reasons.insert(a.drop[i]);
    ASSERT_EQ(a.drop[i], b.drop[i]) << i << ": " << a.describe(f, i) << " | " << b.describe(f, i);
    ASSERT_EQ(a.n_hops[i], b.n_hops[i]) << i;
    ASSERT_EQ(a.end_node[i], b.end_node[i]) << i;
    ASSERT_EQ(a.end_port[i], b.end_port[i]) << i;
    ASSERT_EQ(a.drop_node[i], b.drop_node[i]) << i;
    for (std::size_t h = 0; h < a.max_hops; ++h) {
      const std::size_t k = i * a.max_hops + h;
      ASSERT_EQ(a.hop_node[k], b.hop_node[k]) << i << " hop " << h << ": " << a.describe(f, i) << " | " << b.describe(f, i);
      ASSERT_EQ(a.hop_dev[k], b.hop_dev[k]) << i << " hop " << h;
      ASSERT_EQ(a.hop_port[k], b.hop_port[k]) << i << " hop " << h;
      ASSERT_EQ(a.hop_nexthop[k], b.hop_nexthop[k]) << i << " hop " << h;
      ASSERT_EQ(a.hop_rx_hash[k], b.hop_rx_hash[k]) << i << " hop " << h;
    }
  }
  EXPECT_GT(dropped, 0u);
  if (some_delivered) EXPECT_LT(dropped, a.count);
}

}  // namespace

TEST(PathTraceBatch, EqualsThePerFlowWalk) {
  std::mt19937 rng(2026);
  std::set<int> reasons;
  for (int round = 0; round < 12; ++round) {
    const Fabric f = fabric(rng, round % 3 != 0);
    const std::size_t n = 3000 + rng() % 3000;  // more than one chunk of the batched walk
    const Frames b = random_frames(rng, n);
    // Per-flow ingress ports (either client-facing port of t1), or originated at c.
    std::vector<std::int32_t> ports(n);
    for (auto& p : ports) p = f.port_id((rng() & 1) ? "t1:cli0" : "t1:cli1");
    std::vector<std::uint32_t> rx(n * f.nodes().size(), 0);
    TraceOptions opt;
    if (round % 2) {  // receive hashes on some flows at some nodes (policy 1 routers use L4 ones)
      for (auto& v : rx) v = rng() % 3 == 0 ? static_cast<std::uint32_t>(rng()) : 0;
      opt = TraceOptions{rx.data(), f.nodes().size()};
    }
    for (const bool originated : {false, true}) {
      const Ingress in = originated ? Ingress{.node = f.node_id("c")} : Ingress{.ports = ports.data()};
      const std::size_t hops = (originated ? 5 : 4) + round % 3;  // c adds a hop; 4 + 0 also runs out
      Paths batched(n, hops), per_flow(n, hops);
      trace(f, b.view(), in, batched.out(), opt);
      reference::trace_per_flow(f, b.view(), in, per_flow.out(), opt);
      SCOPED_TRACE(fmt::format("round {} originated {}", round, originated));
      expect_equal(batched, per_flow, f, reasons);
    }
  }
  // The comparison covered deliveries and the drops the fabric was built to cause.
  for (Drop d : {Drop::delivered, Drop::no_route, Drop::ttl_exceeded, Drop::not_for_us, Drop::loop, Drop::not_ip,
                 Drop::no_live_nexthop, Drop::link_down})
    EXPECT_TRUE(reasons.count(static_cast<int>(d))) << name(d);
}

// Without LAGs and switches the tracer's IPv4 lane takes the forwarded IPv4 flows and hands the
// rest (drops, IPv6, ARP, originated flows) to the general walker: together still the per-flow walk.
TEST(PathTraceBatch, Ipv4LaneEqualsThePerFlowWalk) {
  std::mt19937 rng(1204);
  std::set<int> reasons;
  for (int round = 0; round < 12; ++round) {
    const Fabric f = fabric(rng, round % 3 != 0, true);
    ASSERT_TRUE(f.tables().fast_ok);
    const std::size_t n = 3000 + rng() % 3000;
    const Frames b = random_frames(rng, n);
    std::vector<std::int32_t> ports(n);
    for (auto& p : ports) p = f.port_id((rng() & 1) ? "t1:cli0" : "t1:cli1");
    for (const int ingress : {0, 1, 2}) {  // one port for all, a port per flow, originated at c
      const Ingress in = ingress == 0   ? Ingress{.port = f.port_id("t1:cli1")}
                         : ingress == 1 ? Ingress{.ports = ports.data()}
                                        : Ingress{.node = f.node_id("c")};
      // 3 hops: every delivery runs out at s (too_many_hops); 4 and 5 suffice for forwarded flows.
      const std::size_t hops = (ingress == 2 ? 5 : 3) + round % 3;
      Paths lane(n, hops), per_flow(n, hops);
      trace(f, b.view(), in, lane.out());
      reference::trace_per_flow(f, b.view(), in, per_flow.out(), TraceOptions{});
      SCOPED_TRACE(fmt::format("round {} ingress {}", round, ingress));
      expect_equal(lane, per_flow, f, reasons, hops > 3);
    }
  }
  for (Drop d : {Drop::delivered, Drop::no_route, Drop::ttl_exceeded, Drop::not_for_us, Drop::loop, Drop::not_ip,
                 Drop::no_live_nexthop, Drop::link_down, Drop::too_many_hops})
    EXPECT_TRUE(reasons.count(static_cast<int>(d))) << name(d);
}
