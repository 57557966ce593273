// fwd::route: SipHash, the Linux multipath hash and selection rules, resilient tables, FreeBSD and
// vendor ECMP, spec strings, batch == scalar. The recorded kernel behaviour itself is checked by
// `python3 -m fwd conformance tests/data/ecmp` (every public vector); these tests pin the rules.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "fwd/error.hpp"
#include "fwd/hash/siphash.hpp"
#include "fwd/route/ecmp.hpp"
#include "fwd/route/linux_hash.hpp"

using namespace fwd::route;

namespace {

PathSet paths(int n, Family fam = Family::ipv4, GroupKind kind = GroupKind::multipath) {
  PathSet ps;
  ps.kind = kind;
  ps.family = fam;
  for (int i = 1; i <= n; ++i) {
    NextHop nh{.gateway = "10." + std::to_string(i) + ".0.2", .device = "eth" + std::to_string(i)};
    nh.prefsrc = Address::v4(0x0a000001u | (static_cast<std::uint32_t>(i) << 16));
    if (fam == Family::ipv6) nh.prefsrc.reset();
    if (kind != GroupKind::multipath) nh.id = static_cast<std::uint32_t>(i);
    ps.nexthops.push_back(nh);
  }
  return ps;
}

std::vector<Flow> random_flows(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Flow> v(n);
  const std::uint8_t protos[] = {6, 17, 1, 132, 47};
  for (auto& f : v) {
    const auto r = rng();
    f = Flow::v4(static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(r >> 32), protos[rng() % 5],
                 static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
    if (rng() % 7 == 0) f.flags &= static_cast<std::uint8_t>(~flow_has_proto);
  }
  return v;
}

}  // namespace

TEST(SipHash, ReferenceVectorsOfThePaper) {
  // SipHash paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5; empty -> 726fdb47dd0e0e31.
  fwd::hash::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::uint8_t msg[15];
  for (int i = 0; i < 15; ++i) msg[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(fwd::hash::siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
  EXPECT_EQ(fwd::hash::siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}

TEST(SipHash, WordFormEqualsByteForm) {
  std::mt19937_64 rng(1);
  for (int t = 0; t < 100; ++t) {
    fwd::hash::SipKey key{rng(), rng()};
    std::uint64_t w[6];
    std::uint8_t b[48];
    for (int i = 0; i < 6; ++i) {
      w[i] = rng();
      for (int j = 0; j < 8; ++j) b[8 * i + j] = static_cast<std::uint8_t>(w[i] >> (8 * j));
    }
    EXPECT_EQ(fwd::hash::siphash24_words(key, w), fwd::hash::siphash24(key, b, 48));
  }
}

TEST(LinuxHash, FastV4FormEqualsGenericKeys) {
  std::mt19937_64 rng(2);
  for (int t = 0; t < 200; ++t) {
    const auto key = linux_mp::sip_key(static_cast<std::uint32_t>(rng()));
    linux_mp::FlowKeys k;
    k.addr_type = linux_mp::addr_v4;
    k.ip_proto = static_cast<std::uint8_t>(rng());
    k.ports = static_cast<std::uint32_t>(rng());
    const auto a = rng();
    std::memcpy(k.addrs.data(), &a, 8);
    EXPECT_EQ(linux_mp::hash_keys(k, key),
              linux_mp::hash_v4(fwd::net::le32(k.addrs.data()), fwd::net::le32(k.addrs.data() + 4), k.ip_proto, k.ports, key));
  }
}

TEST(LinuxHash, HashedLengthsAreThoseOfTheSpec) {
  linux_mp::FlowKeys k;
  std::uint8_t buf[72];
  k.addr_type = linux_mp::addr_v4;
  EXPECT_EQ(linux_mp::serialize(k, buf), 48u);
  k.addr_type = linux_mp::addr_v6;
  EXPECT_EQ(linux_mp::serialize(k, buf), 72u);
  k.addr_type = linux_mp::addr_none;
  EXPECT_EQ(linux_mp::serialize(k, buf), 40u);
}

TEST(LinuxHash, FlowAndReverseHashAlike) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=1;seed=0x1234abcd", paths(4));
  for (const Flow& f : random_flows(500, 3)) {
    Flow r = f;
    std::swap(r.src, r.dst);
    std::swap(r.sport, r.dport);
    EXPECT_EQ(e.hash(f), e.hash(r));
  }
}

TEST(LinuxHash, HashIs31Bits) {
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=1;seed=7", paths(2));
  for (const Flow& f : random_flows(1000, 4)) EXPECT_LT(e.hash(f), 1u << 31);
}

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
    if (g.hash(f) <= g.upper_bounds()[0]) EXPECT_EQ(c, 1);
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
    const auto flows = random_flows(1003, 10);  // not a multiple of the 16 lanes
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

TEST(Resilient, CreationFillsTheUnderweightListHeadFirst) {
  PathSet ps = paths(3, Family::ipv4, GroupKind::resilient);
  ps.num_buckets = 8;
  ps.idle_timer = {};
  Ecmp e = Ecmp::from_spec("linux-6.18", ps);
  // Spec §7: 1/2/3 with 8 buckets wants 3, 2, 3: buckets 0-2 -> 3, 3-4 -> 2, 5-7 -> 1.
  EXPECT_EQ(e.bucket_ids(), (std::vector<std::uint32_t>{3, 3, 3, 2, 2, 1, 1, 1}));
}

TEST(Resilient, AddingAMemberMovesOnlyWhatItNeeds) {
  PathSet ps = paths(4, Family::ipv4, GroupKind::resilient);
  ps.num_buckets = 64;
  ps.idle_timer = {};
  Ecmp e = Ecmp::from_spec("linux-6.18", ps);
  const auto before = e.bucket_ids();
  auto nhs = e.paths().nexthops;
  nhs.push_back({.gateway = "10.5.0.2", .device = "eth5", .id = 5});
  e.replace(nhs);
  const auto after = e.bucket_ids();
  int moved = 0, to_new = 0;
  for (std::size_t i = 0; i < after.size(); ++i) moved += before[i] != after[i], to_new += after[i] == 5;
  EXPECT_EQ(to_new, 13);  // round(64*5/5) - round(64*4/5) = 64 - 51
  EXPECT_EQ(moved, to_new);
}

TEST(Resilient, BusyBucketsWaitForTheIdleTimer) {
  PathSet ps = paths(2, Family::ipv4, GroupKind::resilient);
  ps.num_buckets = 8;
  ps.idle_timer = fwd::Time::from_s(10);
  Ecmp e = Ecmp::from_spec("linux-6.18", ps);
  // Use every bucket at t = 1 s, then add a member at t = 2 s: nothing is idle, nothing moves.
  for (std::uint32_t h = 0; h < 8; ++h) e.select_hash(h, {.now = fwd::Time::from_s(1)});
  auto nhs = e.paths().nexthops;
  nhs.push_back({.gateway = "10.3.0.2", .device = "eth3", .id = 3});
  const auto before = e.bucket_ids();
  e.replace(nhs, fwd::Time::from_s(2));
  EXPECT_EQ(e.bucket_ids(), before);
  e.run(fwd::Time::from_s(5));
  EXPECT_EQ(e.bucket_ids(), before);  // still busy (used 4 s ago, idle timer 10 s)
  e.run(fwd::Time::from_s(12));       // idle now: the new member gets its share
  const auto after = e.bucket_ids();
  EXPECT_EQ(std::count(after.begin(), after.end(), 3u), 3);  // round(8*3/3) - round(8*2/3) = 8 - 5
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
  EXPECT_NE(x.to_json().find("\"upper_bounds\""), std::string::npos);
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

TEST(LinuxHash, Policy3CombinesOnlyOnTheSkbPath) {
  // IPv4 `ip route get` hashes the dummy packet: jhash_2words(outer, 0, 0) even without
  // encapsulation; socket traffic (flow path) uses the outer hash alone (spec §4.4, §4.5).
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=3;fields=0x7;seed=0x77", paths(3));
  const Flow f = Flow::v4(0x0a000001, 0xc6120005, 6, 40000, 443);
  const Explanation sock = e.explain(f, {.lookup = Lookup::socket});
  const Explanation fwd = e.explain(f, {.lookup = Lookup::forward});
  EXPECT_EQ(sock.hashed, fwd.hashed);
  EXPECT_EQ(fwd.hash, linux_mp::jhash_2words(sock.hash, 0, 0));
  EXPECT_NE(fwd.hash, sock.hash);
}

TEST(LinuxHash, FlowLabelByteOrderDependsOnThePolicy) {
  PathSet ps = paths(2, Family::ipv6);
  Flow f = Flow::make(Address::parse("2001:db8::1"), Address::parse("2001:db8:5::9"), 17, 1000, 53, 0x12345);
  // Policy 0 (flow path or fixed header): the raw network-order word, bytes 00 01 23 45.
  const auto p0 = Ecmp::from_spec("linux-6.18:policy=0", ps).explain(f).hashed;
  EXPECT_EQ(std::vector<std::uint8_t>(p0.begin() + 4, p0.begin() + 8), (std::vector<std::uint8_t>{0x00, 0x01, 0x23, 0x45}));
  // Policy 2 on a packet: the dissector's host-order value, bytes 45 23 01 00.
  const auto p2 = Ecmp::from_spec("linux-6.18:policy=2", ps).explain(f, {.lookup = Lookup::packet}).hashed;
  EXPECT_EQ(std::vector<std::uint8_t>(p2.begin() + 4, p2.begin() + 8), (std::vector<std::uint8_t>{0x45, 0x23, 0x01, 0x00}));
  // Policy 1 never hashes the label.
  const auto p1 = Ecmp::from_spec("linux-6.18:policy=1", ps).explain(f, {.lookup = Lookup::packet}).hashed;
  EXPECT_EQ(std::vector<std::uint8_t>(p1.begin() + 4, p1.begin() + 8), (std::vector<std::uint8_t>{0, 0, 0, 0}));
}

TEST(LinuxHash, IcmpErrorFollowsItsFlowUnderPolicy0) {
  // An ICMP "port unreachable" quoting 198.18.0.5 -> 10.0.0.1 hashes like that quoted flow.
  Ecmp e = Ecmp::from_spec("linux-6.18:policy=0;seed=42", paths(8));
  std::uint8_t pkt[56] = {0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 1, 10, 0, 0, 1,
                          3, 3, 0, 0, 0, 0, 0, 0,
                          0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 5, 10, 0, 0, 1};
  const Flow quoted = Flow::v4(0xc6120005, 0x0a000001, 17, 0, 0);
  EXPECT_EQ(e.hash(fwd::net::Bytes(pkt, sizeof pkt)), e.hash(quoted));
  pkt[20] = 8;  // an echo request instead: outer addresses
  EXPECT_EQ(e.hash(fwd::net::Bytes(pkt, sizeof pkt)), e.hash(Flow::v4(0xc0000201, 0x0a000001, 1, 0, 0)));
}
