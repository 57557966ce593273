// fwd::path: hops through hosts, laggs, switches and routers; drops with reasons; the route and lag
// layers decide exactly as when asked directly; polarization and what-if.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>
#include <set>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/path/fabric.hpp"
#include "fwd/path/metrics.hpp"
#include "fwd/path/trace.hpp"
#include "fwd/route/ecmp.hpp"

using namespace fwd;
using namespace fwd::path;

namespace {

struct Batch {
  std::vector<std::uint8_t> data;
  std::vector<std::uint32_t> lengths;
  std::size_t stride = 0;
  std::vector<std::vector<std::uint8_t>> frames;
  hash::Policy::Batch view() const { return {data.data(), stride, lengths.size(), lengths.data()}; }
  void add(std::vector<std::uint8_t> f) { frames.push_back(std::move(f)); }
  void pack() {
    stride = 0;
    for (const auto& f : frames) stride = std::max(stride, f.size());
    data.assign(stride * frames.size(), 0);
    lengths.clear();
    for (std::size_t i = 0; i < frames.size(); ++i) {
      std::copy(frames[i].begin(), frames[i].end(), data.begin() + static_cast<std::ptrdiff_t>(i * stride));
      lengths.push_back(static_cast<std::uint32_t>(frames[i].size()));
    }
  }
};

const net::Mac t1_cli = net::Mac::parse("02:00:00:00:00:01");
const net::Mac client = net::Mac::parse("02:00:00:00:00:02");

std::vector<std::uint8_t> tcp_frame(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp,
                                    std::uint8_t ttl = 64) {
  net::Ipv4Fields f;
  f.ttl = ttl;
  return net::FrameBuilder().eth(t1_cli, client).ipv4(net::Ipv4{src}, net::Ipv4{dst}, f).tcp(sp, dp).build();
}

Batch random_flows(std::size_t n, std::uint32_t dst_net = 0xc6120000 /* 198.18.0.0 */, unsigned seed = 7) {
  std::mt19937 rng(seed);
  Batch b;
  for (std::size_t i = 0; i < n; ++i)
    b.add(tcp_frame(0x64400000u | (rng() & 0xffff), dst_net | (rng() & 0xff), static_cast<std::uint16_t>(1024 + rng() % 60000),
                    static_cast<std::uint16_t>(1 + rng() % 65535)));
  b.pack();
  return b;
}

// c -- t1 -- t2a..t2d (paths each) -- s, IPv4, like the fabric recordings.
Fabric two_tier(const std::string& spec1, const std::vector<std::string>& spec2, unsigned tier2_paths = 4) {
  Fabric f;
  const NodeId c = f.add_node("c", NodeKind::host);
  const NodeId t1 = f.add_node("t1", NodeKind::router);
  const NodeId s = f.add_node("s", NodeKind::host);
  const PortId cp = f.add_port(c, "c-t1", client);
  const PortId t1c = f.add_port(t1, "t1-cli", t1_cli);
  f.connect(cp, t1c);
  f.add_address(cp, "10.0.0.2/24");
  f.add_address(t1c, "10.0.0.1/24");
  f.add_local(s, "198.18.0.0/24");
  std::vector<NextHop> t1_hops;
  for (unsigned i = 1; i <= 4; ++i) {
    const std::string x(1, static_cast<char>('a' + i - 1));
    const NodeId t2 = f.add_node("t2" + x, NodeKind::router);
    const PortId up = f.add_port(t1, "t1-" + x);
    const PortId down = f.add_port(t2, "t2" + x + "-up");
    f.connect(up, down);
    f.add_address(up, fmt::format("10.1.{}.1/24", i));
    f.add_address(down, fmt::format("10.1.{}.2/24", i));
    t1_hops.push_back({Address::parse(fmt::format("10.1.{}.2", i)), up, 1});
    std::vector<NextHop> hops;
    for (unsigned j = 1; j <= tier2_paths; ++j) {
      const PortId a = f.add_port(t2, fmt::format("t2{}-{}", x, j));
      const PortId b = f.add_port(s, fmt::format("s-{}{}", x, j));
      f.connect(a, b);
      f.add_address(a, fmt::format("10.2.{}{}.1/24", i, j));
      f.add_address(b, fmt::format("10.2.{}{}.2/24", i, j));
      hops.push_back({Address::parse(fmt::format("10.2.{}{}.2", i, j)), a, 1});
    }
    f.add_route(t2, "198.18.0.0/24", hops);
    f.set_ecmp(t2, 4, spec2[i - 1]);
  }
  f.add_route(t1, "198.18.0.0/24", t1_hops);
  f.set_ecmp(t1, 4, spec1);
  return f;
}

}  // namespace

TEST(PathFabric, BadInputIsAClearError) {
  Fabric f;
  const NodeId r = f.add_node("r", NodeKind::router);
  EXPECT_THROW(f.add_node("r", NodeKind::host), Error);
  EXPECT_THROW(f.add_node("a:b", NodeKind::host), Error);
  const PortId p = f.add_port(r, "e0");
  EXPECT_THROW(f.add_port(r, "e0"), Error);
  EXPECT_THROW(f.add_route(r, "10.0.0.0/33", {{std::nullopt, p, 1}}), Error);
  EXPECT_THROW(f.add_route(r, "10.0.0.0/8", {}), Error);
  EXPECT_THROW(f.add_route(r, "10.0.0.0/8", {{std::nullopt, p, 0}}), Error);
  EXPECT_THROW(f.set_ecmp(r, 4, "linux-6.18:policy=9"), Error);
  EXPECT_THROW(f.set_ecmp(r, 5, "linux-6.18"), Error);
  EXPECT_THROW(f.connect(p, p), Error);
  try {
    (void)f.node_id("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nodes: r"), std::string::npos) << e.what();
  }
}

TEST(PathTrace, EveryChoiceIsTheRouteLayersChoice) {
  const Fabric f = two_tier("linux-6.18:policy=1;seed=0x9e3779b9",
                            {"linux-6.18:policy=1;seed=0x3c6ef372", "linux-6.18:policy=1;seed=0xdaa66d2b",
                             "linux-6.18:policy=1;seed=0x78dde6e4", "linux-6.18:policy=1;seed=0x1715609d"});
  const Batch b = random_flows(500);
  const Paths p = trace(f, b.view(), Ingress{.port = f.port_id("t1:t1-cli")});
  // The same decisions asked of the route layer directly.
  auto paths_of = [](unsigned n) {
    route::PathSet ps;
    for (unsigned k = 0; k < n; ++k) ps.nexthops.push_back({.gateway = "", .device = std::to_string(k)});
    return ps;
  };
  auto t1 = route::Ecmp::from_spec("linux-6.18:policy=1;seed=0x9e3779b9", paths_of(4));
  const char* seeds[] = {"0x3c6ef372", "0xdaa66d2b", "0x78dde6e4", "0x1715609d"};
  for (std::size_t i = 0; i < b.frames.size(); ++i) {
    ASSERT_EQ(p.drop[i], 0) << p.describe(f, i);
    ASSERT_EQ(p.n_hops[i], 2);
    const net::Bytes pkt(b.frames[i].data() + 14, b.frames[i].size() - 14);
    const int k1 = t1.select(pkt);
    EXPECT_EQ(f.port(p.port_at(i, 0)).name, fmt::format("t1-{}", static_cast<char>('a' + k1)));
    auto t2 = route::Ecmp::from_spec(fmt::format("linux-6.18:policy=1;seed={}", seeds[k1]), paths_of(4));
    const int k2 = t2.select(pkt);
    EXPECT_EQ(f.port(p.port_at(i, 1)).name, fmt::format("t2{}-{}", static_cast<char>('a' + k1), k2 + 1));
    EXPECT_EQ(f.port(p.end_port[i]).name, fmt::format("s-{}{}", static_cast<char>('a' + k1), k2 + 1));
    EXPECT_EQ(f.nexthop_gateway(p.hop_nexthop[i * p.max_hops + 1]), fmt::format("10.2.{}{}.2", k1 + 1, k2 + 1));
  }
}

TEST(PathPolarization, EqualSeedsPolarizeDifferentSeedsDoNot) {
  const std::string same = "linux-6.18:policy=1;seed=0x1234abcd";
  const Batch b = random_flows(4000);
  const Fabric eq = two_tier(same, {same, same, same, same});
  const Paths pe = trace(eq, b.view(), Ingress{.port = eq.port_id("t1:t1-cli")});
  const Fabric diff = two_tier(same, {"linux-6.18:policy=1;seed=1", "linux-6.18:policy=1;seed=2",
                                      "linux-6.18:policy=1;seed=3", "linux-6.18:policy=1;seed=4"});
  const Paths pd = trace(diff, b.view(), Ingress{.port = diff.port_id("t1:t1-cli")});
  for (const auto& [f, p, polarized] : {std::tuple{&eq, &pe, true}, std::tuple{&diff, &pd, false}}) {
    const auto pol = polarization(*f, PathView::of(*p));
    ASSERT_EQ(pol.size(), 5u);
    for (const auto& n : pol) {
      const std::string name = f->node(n.node).name;
      EXPECT_EQ(n.up_count, 4u);
      if (name == "t1") {
        EXPECT_EQ(n.used, 4u);
        EXPECT_GT(n.normalized_entropy, 0.98);
        continue;
      }
      if (polarized) {
        EXPECT_EQ(n.used, 1u) << name;  // tier 2 reuses tier 1's hash: one next hop of four
        EXPECT_NEAR(n.normalized_conditional_entropy, 0.0, 1e-12) << name;
        EXPECT_NEAR(n.imbalance, 4.0, 1e-9) << name;
      } else {
        EXPECT_EQ(n.used, 4u) << name;
        EXPECT_GT(n.normalized_conditional_entropy, 0.95) << name;
        EXPECT_LT(n.imbalance, 1.25) << name;
      }
    }
  }
}

TEST(PathTrace, DropsCarryTheirReason) {
  Fabric f = two_tier("linux-6.18:policy=1;seed=5", {"linux-6.18", "linux-6.18", "linux-6.18", "linux-6.18"});
  const PortId in = f.port_id("t1:t1-cli");
  Batch b;
  b.add(tcp_frame(0x64400001, 0x08080808, 1000, 80));       // no route
  b.add(tcp_frame(0x64400001, 0xc6120001, 1000, 80, 1));    // TTL 1: exceeded at t1
  b.add(tcp_frame(0x64400001, 0xc6120001, 1000, 80, 2));    // TTL 2: t1 forwards, t2 drops
  b.add(tcp_frame(0x64400001, 0x0a000001, 1000, 80));       // to t1 itself: ends at t1
  b.pack();
  const Paths p = trace(f, b.view(), Ingress{.port = in});
  EXPECT_EQ(static_cast<Drop>(p.drop[0]), Drop::no_route);
  EXPECT_EQ(f.node(p.drop_node[0]).name, "t1");
  EXPECT_EQ(static_cast<Drop>(p.drop[1]), Drop::ttl_exceeded);
  EXPECT_EQ(static_cast<Drop>(p.drop[2]), Drop::ttl_exceeded);
  EXPECT_EQ(p.n_hops[2], 1);
  EXPECT_EQ(static_cast<Drop>(p.drop[3]), Drop::delivered);
  EXPECT_EQ(f.node(p.end_node[3]).name, "t1");
  // Carrier loss: the far end down; with ignore_routes_with_linkdown=0 the path stays in the hash
  // and flows hashed to it are dropped on transmit after the hop, as the recordings show.
  const Batch many = random_flows(400);
  Fabric lost = f;
  lost.set_admin(lost.port_id("t2b:t2b-up"), false);
  const Paths pl = trace(lost, many.view(), Ingress{.port = in});
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < many.frames.size(); ++i) {
    if (pl.drop[i] == 0) continue;
    ++dropped;
    EXPECT_EQ(static_cast<Drop>(pl.drop[i]), Drop::link_down);
    EXPECT_EQ(pl.n_hops[i], 1);
    EXPECT_EQ(lost.port(pl.port_at(i, 0)).name, "t1-b");
  }
  EXPECT_GT(dropped, 50u);
  // With the sysctl set the linkdown path leaves the hash: nothing is dropped.
  lost.set_ecmp(lost.node_id("t1"), 4, "linux-6.18:policy=1;seed=5;ignore_routes_with_linkdown=1");
  const Paths pi = trace(lost, many.view(), Ingress{.port = in});
  for (std::size_t i = 0; i < many.frames.size(); ++i) EXPECT_EQ(pi.drop[i], 0) << pi.describe(lost, i);
}

TEST(PathTrace, RoutingLoopIsDetected) {
  Fabric f;
  const NodeId a = f.add_node("a", NodeKind::router), b = f.add_node("b", NodeKind::router);
  const NodeId c = f.add_node("c", NodeKind::host);
  const PortId ci = f.add_port(c, "c0", client), ai = f.add_port(a, "a-in", t1_cli);
  const PortId ab = f.add_port(a, "a-b"), ba = f.add_port(b, "b-a");
  f.connect(ci, ai);
  f.connect(ab, ba);
  f.add_address(ab, "10.9.0.1/30");
  f.add_address(ba, "10.9.0.2/30");
  f.add_route(a, "default", {{Address::parse("10.9.0.2"), ab, 1}});
  f.add_route(b, "default", {{Address::parse("10.9.0.1"), ba, 1}});
  Batch batch;
  batch.add(tcp_frame(0x64400001, 0xc6120001, 1000, 80));
  batch.pack();
  const Paths p = trace(f, batch.view(), Ingress{.port = ai});
  EXPECT_EQ(static_cast<Drop>(p.drop[0]), Drop::loop);
  EXPECT_EQ(f.node(p.drop_node[0]).name, "a");
  EXPECT_EQ(p.n_hops[0], 2);
  EXPECT_NE(p.describe(f, 0).find("dropped at a: loop"), std::string::npos) << p.describe(f, 0);
}

TEST(PathTrace, LaggAndSwitchLagChooseAsTheLagLayer) {
  // host h (lagg0 over em0, em1) -> switch sw (LAG to-h, LAG to-r) -> router r (bond0 over r0, r1) -> sink s
  Fabric f;
  const NodeId h = f.add_node("h", NodeKind::host), sw = f.add_node("sw", NodeKind::switch_);
  const NodeId r = f.add_node("r", NodeKind::router), s = f.add_node("s", NodeKind::host);
  const PortId h0 = f.add_port(h, "em0"), h1 = f.add_port(h, "em1");
  const std::string hspec = "freebsd-9.3:lacp;lagghash=l3,l4;key=0x5";
  const net::Mac lagg_mac = net::Mac::parse("02:00:00:00:10:00"), bond_mac = net::Mac::parse("02:00:00:00:20:00");
  const PortId lagg = f.add_lag(h, "lagg0", hspec, std::vector<PortId>{h0, h1}, lagg_mac);
  const PortId s0 = f.add_port(sw, "p0"), s1 = f.add_port(sw, "p1"), s2 = f.add_port(sw, "p2"), s3 = f.add_port(sw, "p3");
  f.add_lag(sw, "to-h", "vendor:modulo", std::vector<PortId>{s0, s1});
  const std::string swspec = "linux-6.12:802.3ad;xmit_hash_policy=layer3+4";
  f.add_lag(sw, "to-r", swspec, std::vector<PortId>{s2, s3});
  const PortId r0 = f.add_port(r, "r0"), r1 = f.add_port(r, "r1");
  const PortId bond = f.add_lag(r, "bond0", "linux-6.12:802.3ad", std::vector<PortId>{r0, r1}, bond_mac);
  f.connect(h0, s0);
  f.connect(h1, s1);
  f.connect(s2, r0);
  f.connect(s3, r1);
  const PortId rs = f.add_port(r, "r-s"), sp = f.add_port(s, "s0");
  f.connect(rs, sp);
  f.add_address(lagg, "10.0.0.2/24");
  f.add_address(bond, "10.0.0.1/24");
  f.add_address(rs, "10.5.0.1/24");
  f.add_address(sp, "10.5.0.2/24");
  f.add_local(s, "198.18.0.0/24");
  f.add_route(h, "default", {{Address::parse("10.0.0.1"), lagg, 1}});
  f.add_route(r, "198.18.0.0/24", {{Address::parse("10.5.0.2"), rs, 1}});

  std::mt19937 rng(3);
  Batch b;
  for (int i = 0; i < 300; ++i)
    b.add(net::FrameBuilder()
              .eth(bond_mac, lagg_mac)
              .ipv4(net::Ipv4{0x0a000002}, net::Ipv4{0xc6120000u | (rng() & 0xff)})
              .udp(static_cast<std::uint16_t>(1024 + rng() % 60000), 53)
              .build());
  b.pack();
  const Paths p = trace(f, b.view(), Ingress{.node = h});
  auto hl = lag::Lag::from_spec(hspec, {"em0", "em1"});
  auto sl = lag::Lag::from_spec(swspec, {"p2", "p3"});
  std::set<std::string> used_h, used_sw;
  for (std::size_t i = 0; i < b.frames.size(); ++i) {
    ASSERT_EQ(p.drop[i], 0) << p.describe(f, i);
    ASSERT_EQ(p.n_hops[i], 3) << p.describe(f, i);
    const auto sel_h = hl.select(b.frames[i]);
    const auto sel_sw = sl.select(b.frames[i]);
    ASSERT_TRUE(sel_h.is_member() && sel_sw.is_member());
    EXPECT_EQ(f.port(p.port_at(i, 0)).name, hl.name(sel_h.member));
    EXPECT_EQ(f.port(p.hop_dev[i * p.max_hops]).name, "lagg0");
    EXPECT_EQ(f.port(p.port_at(i, 1)).name, sl.name(sel_sw.member));
    EXPECT_EQ(f.port(p.hop_dev[i * p.max_hops + 1]).name, "to-r");
    EXPECT_EQ(f.node(p.end_node[i]).name, "s");
    used_h.insert(f.port(p.port_at(i, 0)).name);
    used_sw.insert(f.port(p.port_at(i, 1)).name);
  }
  EXPECT_EQ(used_h.size(), 2u);
  EXPECT_EQ(used_sw.size(), 2u);
  // A member down: the LAG layer moves its flows, nothing is dropped.
  Fabric g = f;
  g.set_link_up(g.link_of(s3), false);
  const Paths q = trace(g, b.view(), Ingress{.node = h});
  for (std::size_t i = 0; i < b.frames.size(); ++i) {
    ASSERT_EQ(q.drop[i], 0) << q.describe(g, i);
    EXPECT_EQ(g.port(q.port_at(i, 1)).name, "p2");
  }
  const auto w = what_if(f, PathView::of(p), g, PathView::of(q));
  EXPECT_EQ(w.flows, 300u);
  EXPECT_GT(w.moved, 0u);
  EXPECT_GE(w.moved, w.min_moved);
}

TEST(PathWhatIf, FailureAndAdditionMinimums) {
  const std::string spec = "linux-6.18:policy=1;seed=0x1234abcd";
  const Batch b = random_flows(3000);
  Fabric base = two_tier(spec, {"linux-6.18:policy=1;seed=1", "linux-6.18:policy=1;seed=2",
                                "linux-6.18:policy=1;seed=3", "linux-6.18:policy=1;seed=4"});
  const PortId in = base.port_id("t1:t1-cli");
  // Failure of t1-b: every flow that crossed it must move; hash-threshold moves more (thirds).
  Fabric failed = base;
  failed.set_admin(failed.port_id("t1:t1-b"), false);
  const Paths p0 = trace(base, b.view(), Ingress{.port = in});
  const Paths p1 = trace(failed, b.view(), Ingress{.port = in});
  const auto w = what_if(base, PathView::of(p0), failed, PathView::of(p1));
  std::uint64_t on_b = 0;
  for (std::size_t i = 0; i < p0.count; ++i) on_b += base.port(p0.port_at(i, 0)).name == "t1-b";
  EXPECT_EQ(w.min_moved, on_b);
  EXPECT_GT(w.moved, w.min_moved);  // quarters become thirds: live paths' flows move too
  for (std::size_t i = 0; i < p1.count; ++i) EXPECT_EQ(p1.drop[i], 0);
  // Addition (t1-b back up): the minimum is its fair share of t1's flows, not zero.
  const auto back = what_if(failed, PathView::of(p1), base, PathView::of(p0));
  EXPECT_NEAR(static_cast<double>(back.min_moved), 3000.0 / 4.0, 1.0);
  EXPECT_GE(back.moved, back.min_moved);
  EXPECT_EQ(back.moved, w.moved);
}
