// fwd::route::Ecmp: selection rules of each system, spec strings, batch == scalar, explain. The
// recorded kernel behaviour itself is checked by `python3 -m fwd conformance tests/data/ecmp`.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

#include "fwd/error.hpp"
#include "fwd/route/ecmp.hpp"
#include "fwd/route/linux_hash.hpp"
#include "route/route_test_util.hpp"

using namespace fwd::route;
using route_test::paths;
using route_test::random_flows;

TEST(Selection, UpperBoundsRoundHalfUp) {
  Ecmp two = Ecmp::from_spec("linux-6.18", paths(2));
  EXPECT_EQ(two.upper_bounds(), (std::vector<std::int64_t>{(1LL << 30) - 1, (1LL << 31) - 1}));
  PathSet w = paths(3);
  w.nexthops[1].weight = 2;
  w.nexthops[2].weight = 3;
  Ecmp e = Ecmp::from_spec("linux-6.18", w);
  // (1 << 31) / 6 = 357913941.33 -> 357913941 - 1; 3/6 -> 2^30 - 1.
  EXPECT_EQ(e.upper_bounds(), (std::vector<std::int64_t>{357913940, 1073741823, 2147483647}));
}

TEST(Selection, DeadPathRecomputesEveryBound) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=1;seed=1", paths(4));
  e.set_dead(3, true);
  const auto b = e.upper_bounds();
  EXPECT_EQ(b[3], -1);
  EXPECT_EQ(b[0], 715827883 - 1);  // round(2^31 / 3) - 1: thirds, not quarters, live paths move too
  EXPECT_EQ(b[2], (1LL << 31) - 1);
  for (const Flow& f : random_flows(2000, 5)) EXPECT_NE(e.select(f), 3);
}

TEST(Selection, LinkdownCountsOnlyWithTheSysctl) {
  Ecmp keep = Ecmp::from_spec("linux-6.18", paths(4));
  Ecmp drop = Ecmp::from_spec("linux-6.18:ignore_routes_with_linkdown=1", paths(4));
  keep.set_linkdown(1, true);
  drop.set_linkdown(1, true);
  EXPECT_EQ(keep.upper_bounds(), Ecmp::from_spec("linux-6.18", paths(4)).upper_bounds());
  EXPECT_EQ(drop.upper_bounds()[1], -1);
}

TEST(Selection, AllDeadIsNoPath) {
  Ecmp e = Ecmp::from_spec("linux-6.18", paths(2));
  e.set_dead(0, true);
  e.set_dead(1, true);
  EXPECT_EQ(e.select(random_flows(1, 6)[0]), no_path);
}

TEST(Selection, SourcePreferenceOnlyOn618LocalIpv4) {
  // Path 1's source is 10.2.0.1: 6.18 local lookups from it always take path 1 (score 3 or the
  // only matching path); 6.12 and forwarding lookups follow the hash.
  Ecmp e18 = Ecmp::from_spec("linux-6.18:policy=1;seed=5", paths(2));
  Ecmp e12 = Ecmp::from_spec("linux-6.12:policy=1;seed=5", paths(2));
  std::set<int> local18, local12;
  int same_fwd = 0;
  auto flows = random_flows(400, 7);
  for (Flow f : flows) {
    const auto src = Address::v4(0x0a020001u).bytes;
    std::memcpy(f.src.data(), src.data(), 4);
    local18.insert(e18.select(f, {.lookup = Lookup::local}));
    local12.insert(e12.select(f, {.lookup = Lookup::local}));
    same_fwd += e18.select(f) == e12.select(f);
  }
  EXPECT_EQ(local18, (std::set<int>{1}));
  EXPECT_EQ(local12, (std::set<int>{0, 1}));
  EXPECT_EQ(same_fwd, 400);
}

TEST(Selection, ReceiveHashShortCircuitsPolicy1Only) {
  Ecmp p1 = Ecmp::from_spec("linux-6.18:policy=1;seed=9", paths(4));
  Ecmp p0 = Ecmp::from_spec("linux-6.18:policy=0;seed=9", paths(4));
  const Flow f = random_flows(1, 8)[0];
  for (std::uint32_t rx : {0u, 0x40000000u, 0x80000000u, 0xffffffffu}) {
    const Meta m{.lookup = Lookup::packet, .rx_hash = rx};
    EXPECT_EQ(p1.hash(f, m), rx >> 1);
    EXPECT_EQ(p0.hash(f, m), p0.hash(f, {.lookup = Lookup::packet}));
    const Meta not_l4{.lookup = Lookup::packet, .rx_hash = rx, .rx_hash_l4 = false};
    EXPECT_EQ(p1.hash(f, not_l4), p1.hash(f, {.lookup = Lookup::packet}));
  }
}

TEST(Selection, HashThresholdGroupSkipsInvalidNeighbours) {
  Ecmp g = Ecmp::from_spec("linux-6.18:policy=1;seed=3", paths(3, Family::ipv4, GroupKind::hash_threshold));
  g.set_neigh_valid(0, false);
  for (const Flow& f : random_flows(500, 9)) {
    const int c = g.select(f);
    EXPECT_NE(c, 0);
    // Hashes in member 0's range fall through to the next usable member.
    if (g.hash(f) <= g.upper_bounds()[0]) {
      EXPECT_EQ(c, 1);
    }
  }
}

TEST(Selection, BatchEqualsScalar) {
  using fwd::route::detail::BatchIsa;
  for (BatchIsa isa : {BatchIsa::best, BatchIsa::avx2, BatchIsa::portable}) {
  fwd::route::detail::set_batch_isa(isa);
  for (const char* spec : {"linux-6.18:policy=1;seed=0x1234abcd", "linux-6.12:policy=1;seed=0", "linux-6.18:policy=0;seed=3",
                           "linux-6.18:policy=3;fields=0x37;seed=4", "freebsd-13", "vendor:seed=0x55"}) {
    PathSet ps = paths(5);
    ps.nexthops[2].dead = true;
    ps.nexthops[4].weight = 7;
    Ecmp e = Ecmp::from_spec(spec, ps);
    const auto flows = random_flows(1003, 10);  // not a multiple of the 32-row hash blocks
    std::vector<std::int32_t> out(flows.size());
    for (Lookup l : {Lookup::forward, Lookup::local, Lookup::packet, Lookup::socket}) {
      e.select_batch(flows, out.data(), {.lookup = l});
      for (std::size_t i = 0; i < flows.size(); ++i) ASSERT_EQ(out[i], e.select(flows[i], {.lookup = l})) << spec << " row " << i;
    }
    std::vector<std::uint32_t> rx(flows.size());
    for (std::size_t i = 0; i < rx.size(); ++i) rx[i] = static_cast<std::uint32_t>(i * 2654435761u);
    e.select_batch(flows, out.data(), {}, rx.data());
    for (std::size_t i = 0; i < flows.size(); ++i) ASSERT_EQ(out[i], e.select(flows[i], {.rx_hash = rx[i]})) << spec;
  }
  }
  fwd::route::detail::set_batch_isa(BatchIsa::best);
}

TEST(Selection, GarbagePacketsNeverCrash) {
  std::mt19937_64 rng(11);
  std::vector<Ecmp> es;
  for (const char* s : {"linux-6.18:policy=0", "linux-6.18:policy=1", "linux-6.18:policy=2", "linux-6.18:policy=3;fields=0xfff",
                        "freebsd", "vendor"})
    for (Family f : {Family::ipv4, Family::ipv6}) es.push_back(Ecmp::from_spec(s, paths(3, f)));
  for (int t = 0; t < 3000; ++t) {
    std::vector<std::uint8_t> p(rng() % 120);
    for (auto& b : p) b = static_cast<std::uint8_t>(rng());
    if (!p.empty()) p[0] = static_cast<std::uint8_t>((t % 2 ? 0x40 : 0x60) | (p[0] & 0x0f));
    if (p.size() > 9 && t % 3 == 0) p[9] = 47, p[6] = 6;  // GRE / TCP-ish next headers
    for (auto& e : es) {
      const int c = e.select(fwd::net::Bytes(p.data(), p.size()));
      EXPECT_GE(c, 0);
      EXPECT_LT(c, 3);
      (void)e.explain(fwd::net::Bytes(p.data(), p.size()));
    }
  }
}

TEST(FreeBsd, SlotsFollowWeights) {
  PathSet ps = paths(2);
  ps.nexthops[1].weight = 2;
  Ecmp e = Ecmp::from_spec("freebsd-13", ps);
  // (1, 2) -> 3 slots [0, 1, 1]: flowid % 3.
  EXPECT_EQ(e.select_hash(0), 0);
  EXPECT_EQ(e.select_hash(1), 1);
  EXPECT_EQ(e.select_hash(2), 1);
  EXPECT_EQ(e.select_hash(3), 0);
  // A receive hash is the flowid.
  const Flow f = random_flows(1, 12)[0];
  EXPECT_EQ(e.select(f, {.rx_hash = 4}), 1);
  EXPECT_EQ(e.select(f, {.rx_hash = 6}), 0);
}

TEST(Vendor, SeedChangesTheSplit) {
  Ecmp a = Ecmp::from_spec("vendor:seed=1", paths(4));
  Ecmp b = Ecmp::from_spec("vendor:seed=2", paths(4));
  int differ = 0;
  for (const Flow& f : random_flows(400, 13)) differ += a.select(f) != b.select(f);
  EXPECT_GT(differ, 100);
}

TEST(Spec, CanonicalAndErrorsNameTheToken) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=3;fields=0x37;seed=0x1234abcd", paths(2));
  EXPECT_EQ(e.spec(), "linux-6.18:policy=3;fields=0x37;seed=0x1234abcd");
  EXPECT_EQ(Ecmp::from_spec("linux-6.12", paths(2)).spec(), "linux-6.12:policy=0;seed=0x00000000;boot_seed=0x00000000");
  auto msg = [](const char* spec) {
    try {
      Ecmp::from_spec(spec, paths(2));
    } catch (const fwd::Error& x) {
      return std::string(x.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("linux-5.4").find("expected linux-6.18"), std::string::npos);
  EXPECT_NE(msg("linux-6.18:policy=4").find("'4' for policy"), std::string::npos);
  EXPECT_NE(msg("linux-6.18:polcy=1").find("'polcy'"), std::string::npos);
  EXPECT_NE(msg("linux-6.18:fields=0").find("rejects 0"), std::string::npos);
  EXPECT_NE(msg("linux-6.18:seed").find("key=value"), std::string::npos);
  EXPECT_NE(msg("freebsd:key=zz").find("expected microsoft"), std::string::npos);
  EXPECT_NE(msg("vendor:buckets=8").find("expected fields"), std::string::npos);
  PathSet bad = paths(2);
  bad.nexthops[0].weight = 300;
  EXPECT_THROW(Ecmp::from_spec("linux-6.18", bad), fwd::Error);
  EXPECT_THROW(Ecmp::from_spec("linux-6.18", PathSet{}), fwd::Error);
}

TEST(Explain, ShowsHashedBytesAndChoice) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=1;seed=0x1234abcd", paths(4));
  const Flow f = Flow::v4(0x0a000001, 0xc6120005, 6, 40000, 443);
  const Explanation x = e.explain(f);
  EXPECT_EQ(x.hashed.size(), 48u);
  EXPECT_EQ(x.hashed[2], 6);  // ip_proto at offset 10
  EXPECT_EQ(x.h, e.hash(f));
  EXPECT_EQ(x.chosen, e.select(f));
  EXPECT_NE(x.to_text().find("chosen"), std::string::npos);
  EXPECT_EQ(x.to_json().at("upper_bounds").as_array().size(), x.upper_bounds.size());
}

TEST(Selection, PacketAndGroupBatchesEqualScalar) {
  const auto flows = random_flows(300, 14);
  std::vector<std::uint8_t> rows(flows.size() * 80);
  std::vector<std::uint32_t> lens(flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    std::uint8_t buf[80];
    lens[i] = static_cast<std::uint32_t>(linux_mp::build_packet(flows[i], buf));
    std::copy(buf, buf + 80, rows.begin() + static_cast<std::ptrdiff_t>(i * 80));
  }
  const PacketBatch batch{rows.data(), 80, flows.size(), lens.data()};
  for (GroupKind kind : {GroupKind::multipath, GroupKind::hash_threshold, GroupKind::resilient})
    for (const char* spec : {"linux-6.18:policy=1;seed=5", "linux-6.18:policy=2;seed=5", "freebsd", "vendor"}) {
      Ecmp e = Ecmp::from_spec(spec, paths(3, Family::ipv4, kind));
      std::vector<std::int32_t> out(flows.size()), out2(flows.size());
      e.select_batch(batch, out.data());
      e.select_batch(flows, out2.data(), {.lookup = Lookup::packet});
      for (std::size_t i = 0; i < flows.size(); ++i) {
        ASSERT_EQ(out[i], e.select(batch.row(i))) << spec << " " << name(kind);
        ASSERT_EQ(out2[i], out[i]) << spec << " " << name(kind);  // a flow as a packet = that packet
      }
    }
}

TEST(Selection, Ipv6AndGroupBatchesEqualScalar) {
  std::mt19937_64 rng(15);
  std::vector<Flow> flows(777);
  const std::uint8_t protos[] = {6, 17, 58, 132, 0, 41};
  for (auto& f : flows) {
    Address s, d;
    s.family = d.family = Family::ipv6;
    for (auto& b : s.bytes) b = static_cast<std::uint8_t>(rng());
    for (auto& b : d.bytes) b = static_cast<std::uint8_t>(rng());
    f = Flow::make(s, d, protos[rng() % 6], static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()),
                   rng() % 3 ? static_cast<std::uint32_t>(rng() & 0xfffff) : 0);
  }
  using fwd::route::detail::BatchIsa;
  for (BatchIsa isa : {BatchIsa::best, BatchIsa::portable}) {
    fwd::route::detail::set_batch_isa(isa);
    for (GroupKind kind : {GroupKind::multipath, GroupKind::hash_threshold, GroupKind::resilient})
      for (const char* spec : {"linux-6.18:policy=0;seed=1", "linux-6.18:policy=1;seed=2", "linux-6.18:policy=2;seed=3",
                               "linux-6.12:policy=3;fields=0x3f;seed=4"}) {
        Ecmp e = Ecmp::from_spec(spec, paths(4, Family::ipv6, kind));
        std::vector<std::int32_t> out(flows.size());
        for (Lookup l : {Lookup::forward, Lookup::local, Lookup::packet, Lookup::socket}) {
          e.select_batch(flows, out.data(), {.lookup = l});
          for (std::size_t i = 0; i < flows.size(); ++i)
            ASSERT_EQ(out[i], e.select(flows[i], {.lookup = l})) << spec << " " << name(kind) << " " << name(l) << " row " << i;
        }
      }
    // Mixed families in one batch on an IPv4 route: the odd rows take the long way, same answers.
    Ecmp v4 = Ecmp::from_spec("linux-6.18:policy=0;seed=5", paths(3));
    std::vector<Flow> mixed = random_flows(100, 16);
    mixed.insert(mixed.begin() + 50, flows.begin(), flows.begin() + 20);
    std::vector<std::int32_t> out(mixed.size());
    for (Lookup l : {Lookup::socket, Lookup::forward}) {
      v4.select_batch(mixed, out.data(), {.lookup = l});
      for (std::size_t i = 0; i < mixed.size(); ++i) ASSERT_EQ(out[i], v4.select(mixed[i], {.lookup = l})) << i;
    }
    Ecmp v4p1 = Ecmp::from_spec("linux-6.18:policy=1;seed=5", paths(3));
    std::vector<std::uint32_t> rx(mixed.size(), 0xdeadbeef);
    v4p1.select_batch(mixed, out.data(), {}, rx.data());
    for (std::size_t i = 0; i < mixed.size(); ++i) ASSERT_EQ(out[i], v4p1.select(mixed[i], {.rx_hash = rx[i]})) << i;
  }
  fwd::route::detail::set_batch_isa(BatchIsa::best);
}

// hash_batch over gathered packets equals hash() row by row: plain TCP/UDP packets (lanes) mixed
// with fragments, IP options, ICMP errors, other protocols, short and truncated packets, IPv6.
TEST(Batch, PacketHashBatchEqualsScalar) {
  std::mt19937 rng(9);
  std::vector<std::vector<std::uint8_t>> pkts;
  for (int k = 0; k < 3000; ++k) {
    const int kind = static_cast<int>(rng() % 10);
    std::vector<std::uint8_t> p(kind == 9 ? 60 : 20 + rng() % 48);
    for (auto& b : p) b = static_cast<std::uint8_t>(rng());
    if (kind == 9) p[0] = 0x60, p[6] = (rng() & 1) ? 6 : 17;
    else {
      p[0] = kind == 1 ? static_cast<std::uint8_t>(0x40 | (5 + rng() % 3)) : 0x45;
      if (kind == 8) p[0] = static_cast<std::uint8_t>(rng());  // any version / IHL
      const std::uint8_t protos[] = {6, 17, 1, 4, 47, 132, 50};
      p[9] = kind < 6 ? ((rng() & 1) ? 6 : 17) : protos[rng() % 7];
      if (kind != 2 && kind != 8) p[6] = 0, p[7] = 0;  // kind 2: random flags/offset (fragments)
      if (kind == 3 && (rng() & 1)) p[6] = 0x20;        // MF set
    }
    if (kind == 4) p.resize(20 + rng() % 4);  // ports cut off
    pkts.push_back(std::move(p));
  }
  std::vector<fwd::net::Bytes> views;
  for (const auto& p : pkts) views.emplace_back(p.data(), p.size());
  using fwd::route::detail::BatchIsa;
  for (BatchIsa isa : {BatchIsa::best, BatchIsa::avx2, BatchIsa::portable}) {
  fwd::route::detail::set_batch_isa(isa);
  for (const char* spec : {"linux-6.18:policy=1;seed=0x1234abcd", "linux-6.18:policy=0;seed=7",
                           "linux-6.18:policy=2;seed=7", "linux-6.12:policy=1;boot_seed=99",
                           "linux-6.18:policy=3;fields=0x37;seed=5", "freebsd-13", "vendor"}) {
    for (int fam : {4, 6}) {
      const PathSet ps = paths(3, fam == 6 ? Family::ipv6 : Family::ipv4);
      const Ecmp e = Ecmp::from_spec(spec, ps);
      for (std::size_t len : {views.size(), std::size_t{5}, std::size_t{17}}) {
        std::vector<std::uint32_t> out(len, 0xdeadbeef);
        e.hash_batch(std::span<const fwd::net::Bytes>(views.data(), len), out.data());
        for (std::size_t i = 0; i < len; ++i)
          ASSERT_EQ(out[i], e.hash(views[i])) << spec << " family " << fam << " row " << i;
      }
      std::vector<std::uint32_t> out(views.size());
      const Meta rx{.rx_hash = 0x5555aaaa};
      e.hash_batch(views, out.data(), rx);
      for (std::size_t i = 0; i < views.size(); ++i) ASSERT_EQ(out[i], e.hash(views[i], rx)) << spec;
    }
  }
  }
  fwd::route::detail::set_batch_isa(BatchIsa::best);
}

// Keys extracted once (plain_v4_key) and hashed in columns equal hash() of their packets, under
// every ISA, for whole and partial blocks of 32; only plain packets have keys, and only Linux
// policies 0-2 on IPv4 routes hash them (anything else throws rather than answer wrongly).
TEST(Batch, PlainKeyColumnsEqualScalar) {
  std::mt19937 rng(11);
  std::vector<std::vector<std::uint8_t>> pkts;
  std::vector<std::uint32_t> lo, hi, ports;
  std::vector<std::uint8_t> proto;
  std::size_t not_plain = 0;
  while (lo.size() < 1000) {
    std::vector<std::uint8_t> p(20 + rng() % 40);
    for (auto& b : p) b = static_cast<std::uint8_t>(rng());
    p[0] = rng() % 4 ? 0x45 : static_cast<std::uint8_t>(rng());
    p[9] = rng() % 4 ? ((rng() & 1) ? 6 : 17) : static_cast<std::uint8_t>(rng());
    if (rng() % 4) p[6] &= 0x80, p[7] = 0;  // mostly not a fragment (the reserved bit is not looked at)
    const auto k = fwd::route::plain_v4_key(fwd::net::Bytes(p.data(), p.size()));
    const bool plain = p.size() >= 24 && (p[0] & 0x0f) == 5 && !(((p[6] << 8) | p[7]) & 0x3fff) && (p[9] == 6 || p[9] == 17);
    ASSERT_EQ(k.has_value(), plain);
    if (!k) { ++not_plain; continue; }
    ASSERT_LE(k->lo, k->hi);
    ASSERT_LE(k->ports & 0xffff, k->ports >> 16);
    lo.push_back(k->lo), hi.push_back(k->hi), ports.push_back(k->ports), proto.push_back(k->proto);
    pkts.push_back(std::move(p));
  }
  EXPECT_GT(not_plain, 100u);
  using fwd::route::detail::BatchIsa;
  for (BatchIsa isa : {BatchIsa::best, BatchIsa::avx2, BatchIsa::portable}) {
    fwd::route::detail::set_batch_isa(isa);
    for (const char* spec : {"linux-6.18:policy=1;seed=0x1234abcd", "linux-6.18:policy=0;seed=7",
                             "linux-6.18:policy=2;seed=7", "linux-6.12:policy=1;boot_seed=99"}) {
      const Ecmp e = Ecmp::from_spec(spec, paths(3));
      ASSERT_TRUE(e.hashes_plain_v4());
      EXPECT_FALSE(e.hashes_plain_v4({.rx_hash = 1}));
      for (std::size_t first : {0, 3}) {
        for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33}, lo.size() - first}) {
          std::vector<std::uint32_t> out(len + 1, 0xdeadbeef);
          e.hash_plain_v4({lo.data() + first, hi.data() + first, ports.data() + first, proto.data() + first, len}, out.data());
          for (std::size_t i = 0; i < len; ++i)
            ASSERT_EQ(out[i], e.hash(fwd::net::Bytes(pkts[first + i].data(), pkts[first + i].size()))) << spec << " row " << i;
          EXPECT_EQ(out[len], 0xdeadbeefu) << "wrote past the rows";
        }
      }
    }
  }
  fwd::route::detail::set_batch_isa(BatchIsa::best);
  // A hand-made key of another protocol hashes as that protocol's flow (ICMP: ports word 0).
  const Ecmp p1 = Ecmp::from_spec("linux-6.18:policy=1;seed=5", paths(3));
  for (std::uint8_t pr : {1, 47, 0}) {
    const std::uint32_t src = 0x0a000001, dst = 0xc6120005, zero = 0;  // 10.0.0.1 -> 198.18.0.5
    // The key words are the wire bytes loaded little-endian, lower first (an x86 host: bswap).
    std::uint32_t lo = __builtin_bswap32(src), hi = __builtin_bswap32(dst);
    if (hi < lo) std::swap(lo, hi);
    std::uint32_t h = 0;
    p1.hash_plain_v4({&lo, &hi, &zero, &pr, 1}, &h);
    const Flow f = Flow::v4(src, dst, pr, 0, 0);
    EXPECT_EQ(h, p1.hash(f, {.lookup = Lookup::forward})) << int(pr);
  }
  for (const char* spec : {"linux-6.18:policy=3;fields=0x37", "freebsd-13", "vendor"}) {
    const Ecmp e = Ecmp::from_spec(spec, paths(3));
    EXPECT_FALSE(e.hashes_plain_v4()) << spec;
    EXPECT_THROW(e.hash_plain_v4({lo.data(), hi.data(), ports.data(), proto.data(), 1}, nullptr), fwd::Error) << spec;
  }
  EXPECT_FALSE(Ecmp::from_spec("linux-6.18:policy=1", paths(3, Family::ipv6)).hashes_plain_v4());
}

// Rows of several selectors (seeds, policies, kernels) in one batch hash as each selector alone,
// on every ISA, at block edges, whether the lanes take their start states from broadcasts (one
// selector), a 32-row window (up to 16 consecutive selectors, also at the table's end) or
// gathers; hand-made keys of other protocols included (policy 1 hashes them from their own
// state, policies 0 and 2 ignore the protocol).
TEST(Batch, PlainV4HasherMixesSelectors) {
  std::mt19937 rng(12);
  std::vector<std::string> specs = {"linux-6.18:policy=1;seed=0x1234abcd", "linux-6.12:policy=1;boot_seed=99"};
  for (unsigned i = 0; specs.size() < 24; ++i) specs.push_back("linux-6.18:policy=" + std::to_string(i % 3) + ";seed=" + std::to_string(i + 7));
  std::vector<Ecmp> sel;
  for (const auto& s : specs) sel.push_back(Ecmp::from_spec(s, paths(3)));
  std::vector<const Ecmp*> ptrs;
  for (const auto& e : sel) ptrs.push_back(&e);
  const fwd::route::PlainV4Hasher mixed(ptrs);
  ASSERT_EQ(mixed.size(), sel.size());
  const std::size_t n = 300;
  std::vector<std::uint32_t> lo(n), hi(n), ports(n);
  std::vector<std::uint8_t> proto(n);
  for (std::size_t i = 0; i < n; ++i) {
    lo[i] = static_cast<std::uint32_t>(rng()), hi[i] = static_cast<std::uint32_t>(rng());
    if (hi[i] < lo[i]) std::swap(lo[i], hi[i]);
    ports[i] = static_cast<std::uint32_t>(rng());
    proto[i] = rng() % 8 ? ((rng() & 1) ? 6 : 17) : static_cast<std::uint8_t>(rng());
  }
  using fwd::route::detail::BatchIsa;
  // Selector ranges: one, a window at the start, a window reaching the table's end, all (gathers).
  for (const auto [first, count] : {std::pair{5u, 1u}, std::pair{0u, 5u}, std::pair{14u, 10u}, std::pair{0u, 24u}}) {
    std::vector<std::uint32_t> which(n);
    for (auto& w : which) w = first + static_cast<std::uint32_t>(rng() % count);
    for (BatchIsa isa : {BatchIsa::best, BatchIsa::avx2, BatchIsa::portable}) {
      fwd::route::detail::set_batch_isa(isa);
      for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33}, n - 3}) {
        std::vector<std::uint32_t> out(len + 1, 0xdeadbeef);
        mixed.hash({lo.data() + 3, hi.data() + 3, ports.data() + 3, proto.data() + 3, len}, which.data() + 3, out.data());
        for (std::size_t i = 0; i < len; ++i) {
          std::uint32_t one = 0;
          sel[which[3 + i]].hash_plain_v4({&lo[3 + i], &hi[3 + i], &ports[3 + i], &proto[3 + i], 1}, &one);
          ASSERT_EQ(out[i], one) << "isa " << int(isa) << " row " << i << " " << specs[which[3 + i]];
        }
        EXPECT_EQ(out[len], 0xdeadbeefu) << "wrote past the rows";
      }
    }
  }
  fwd::route::detail::set_batch_isa(BatchIsa::best);
  // Different seeds give different hashes (the rows are not all hashed under one selector).
  std::vector<std::uint32_t> a(n), b(n), zeros(n, 0), twos(n, 2);
  mixed.hash({lo.data(), hi.data(), ports.data(), proto.data(), n}, zeros.data(), a.data());
  mixed.hash({lo.data(), hi.data(), ports.data(), proto.data(), n}, twos.data(), b.data());
  EXPECT_NE(a, b);
  std::vector<std::uint32_t> bad_which(n, 0), out(n);
  bad_which[7] = static_cast<std::uint32_t>(sel.size());
  EXPECT_THROW(mixed.hash({lo.data(), hi.data(), ports.data(), proto.data(), n}, bad_which.data(), out.data()), fwd::Error);
  const Ecmp v6 = Ecmp::from_spec("linux-6.18:policy=1", paths(3, Family::ipv6));
  const Ecmp* bad[] = {&sel[0], &v6};
  EXPECT_THROW(fwd::route::PlainV4Hasher{bad}, fwd::Error);
  const Ecmp* none[] = {&sel[0], nullptr};
  EXPECT_THROW(fwd::route::PlainV4Hasher{none}, fwd::Error);
  EXPECT_EQ(fwd::route::PlainV4Hasher{}.size(), 0u);
}

// select_hash_batch equals select_hash row by row: legacy multipath with dead paths and weights,
// hash-threshold and resilient groups, 6.12 and 6.18, forward and local lookups, use_neigh.
TEST(Batch, SelectHashBatchEqualsScalar) {
  std::mt19937 rng(10);
  std::vector<std::uint32_t> h(4000);
  for (auto& v : h) v = static_cast<std::uint32_t>(rng()) >> 1;
  h[0] = 0, h[1] = 0x7fffffff;
  for (const char* spec : {"linux-6.18:policy=1;seed=3", "linux-6.12:policy=1", "linux-6.18:use_neigh=1",
                           "freebsd-13", "vendor"}) {
    for (GroupKind kind : {GroupKind::multipath, GroupKind::hash_threshold, GroupKind::resilient}) {
      for (Family fam : {Family::ipv4, Family::ipv6}) {
        if (kind != GroupKind::multipath && std::string(spec).rfind("linux", 0) != 0) continue;
        PathSet ps = paths(5, fam, kind);
        ps.nexthops[1].weight = 3;
        if (kind != GroupKind::resilient) ps.nexthops[2].dead = true;
        Ecmp a = Ecmp::from_spec(spec, ps), b = a;
        for (Lookup l : {Lookup::forward, Lookup::local}) {
          std::vector<std::int32_t> out(h.size());
          a.select_hash_batch(h.data(), h.size(), out.data(), {.lookup = l});
          for (std::size_t i = 0; i < h.size(); ++i)
            ASSERT_EQ(out[i], b.select_hash(h[i], {.lookup = l})) << spec << " row " << i;
          // Where the choice is a threshold table, the table gives the same choice.
          std::vector<std::uint32_t> upper;
          std::vector<std::int32_t> index;
          if (!a.threshold_table({.lookup = l}, upper, index)) {
            EXPECT_TRUE(upper.empty() && index.empty());
            EXPECT_FALSE(kind == GroupKind::multipath && std::string(spec).rfind("linux-6.18:policy", 0) == 0 &&
                         l == Lookup::forward)
                << spec;
            continue;
          }
          ASSERT_EQ(index.size(), upper.size() + 1);
          for (std::size_t i = 0; i < h.size(); ++i) {
            std::size_t below = 0;
            for (auto u : upper) below += u < h[i];
            ASSERT_EQ(index[below], out[i]) << spec << " row " << i;
          }
        }
      }
    }
  }
}
