// Tests for the OVS datapath model of fwd::l2::Switch (libfwd/src/l2/switch_datapath.cpp) and its
// OVS bond ports, from the spec (l2-learning.md OVS rows 20, 29, 30, 36; hash-algorithms.md §3.4):
// the periodic revalidator, the bucket re-deal order, load accounting / decay / rebalance phase,
// bond/show, and LAG ports given as LAG spec strings.
#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/lag/lag.hpp"
#include "fwd/lag/ovs_bond.hpp"

using namespace fwd;
using namespace fwd::l2;

namespace {

using Frame = std::vector<std::uint8_t>;

Frame eth(std::uint64_t dst, std::uint64_t src, std::size_t size = 60) {
  Frame f(size, 0);
  for (int i = 0; i < 6; ++i) {
    f[i] = static_cast<std::uint8_t>(dst >> (8 * (5 - i)));
    f[6 + i] = static_cast<std::uint8_t>(src >> (8 * (5 - i)));
  }
  f[12] = 0x88;
  f[13] = 0xb5;
  return f;
}
net::Bytes bytes(const Frame& f) { return net::Bytes(f.data(), f.size()); }
Time ms(double v) { return Time{static_cast<std::int64_t>(v * 1e6)}; }

constexpr std::uint64_t A = 0x02aa00000001, B = 0x02aa00000002, C = 0x02aa00000003, BCAST = 0xffffffffffff;
constexpr std::uint64_t PEER = 0x02dd00000001;  // a host behind the bond

std::uint8_t bucket(std::uint64_t src) {
  return static_cast<std::uint8_t>(hash::ovs::hash_mac(net::Mac::from_u64(src), 0, 0) & 0xff);
}

// p1, p2 and a bond b1 over `members` with the given spec options.
Switch ovs_switch(std::vector<std::string> members, std::string spec = "ovs-3.1:balance-slb",
                  std::optional<Time> first_rebalance = {}, Time phase = {}) {
  auto c = SwitchConfig::defaults(Profile::ovs_3_1);
  c.revalidator_phase = phase;
  LagConfig b{.members = std::move(members), .spec = std::move(spec), .first_rebalance = first_rebalance};
  return Switch(c, {{.name = "p1"}, {.name = "p2"}, {.name = "b1", .lag = b}});
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

// ---- the periodic revalidator (row 20, clarified) -------------------------------------------

TEST(SwitchDatapath, NextRevalidatorDumpFollowsThePhase) {
  auto c = SwitchConfig::defaults(Profile::ovs_3_1);
  c.revalidator_phase = ms(130);
  Switch sw(c, {{.name = "p1"}, {.name = "p2"}});
  EXPECT_EQ(sw.next_revalidator_dump(ms(0)), ms(130));
  EXPECT_EQ(sw.next_revalidator_dump(ms(130)), ms(630));  // strictly after
  EXPECT_EQ(sw.next_revalidator_dump(ms(629)), ms(630));
  EXPECT_EQ(sw.next_revalidator_dump(ms(-400)), ms(-370));
  c.revalidator_phase = ms(1630);  // taken modulo the interval
  Switch later(c, {{.name = "p1"}, {.name = "p2"}});
  EXPECT_EQ(later.next_revalidator_dump(ms(0)), ms(130));
  c.revalidator_interval = Time{};
  EXPECT_THROW(Switch(c, {{.name = "p1"}}), Error);
}

// A hit's move is applied at the first dump after it, whatever the gap (not a fixed delay).
TEST(SwitchDatapath, HitLearningWaitsForTheNextDump) {
  for (const double phase : {50.0, 250.0, 450.0}) {
    auto c = SwitchConfig::defaults(Profile::ovs_3_1);
    c.revalidator_phase = ms(phase);
    Switch sw(c, {{.name = "p1"}, {.name = "p2"}, {.name = "p3"}});
    sw.receive(0, bytes(eth(BCAST, A)), ms(1000));  // miss: A on p1 at once
    sw.receive(2, bytes(eth(BCAST, A)), ms(1100));  // miss: A moves to p3
    const auto d = sw.receive(0, bytes(eth(BCAST, A)), ms(1200));  // the first flow again: hit
    ASSERT_TRUE(d.datapath_hit);
    ASSERT_TRUE(d.learn_deferred);
    const Time dump = sw.next_revalidator_dump(ms(1200));
    EXPECT_EQ(dump, ms(1500 + phase - (phase > 200 ? 500 : 0)));
    EXPECT_EQ(sw.fdb().lookup(0, net::Mac::from_u64(A), dump - ms(1)).port, 2) << phase;
    sw.advance(dump);
    EXPECT_EQ(sw.fdb().lookup(0, net::Mac::from_u64(A), dump).port, 0) << phase;
    EXPECT_EQ(sw.fdb().counters().moved, 2u);
  }
}

// ---- bonds: re-deal order (row 30, clarified) -----------------------------------------------

TEST(SwitchDatapath, FailedMemberBucketsAreDealtInFirstUseOrder) {
  // Six flows in six buckets, first used in *descending* bucket order, so that first-use order
  // and bucket-number order deal them differently.
  std::vector<std::uint64_t> srcs;
  std::set<std::uint8_t> seen;
  for (std::uint64_t m = 0x02cc00000000; srcs.size() < 6; ++m)
    if (seen.insert(bucket(m)).second) srcs.push_back(m);
  std::sort(srcs.begin(), srcs.end(), [](auto a, auto b) { return bucket(a) > bucket(b); });

  Switch sw = ovs_switch({"m1", "m2", "m3"});
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));  // PEER learned on the bond
  std::vector<std::string> first;
  for (std::size_t i = 0; i < srcs.size(); ++i) {
    const auto d = sw.receive(0, bytes(eth(PEER, srcs[i])), ms(100 + i));
    ASSERT_EQ(d.egress.size(), 1u);
    first.push_back(sw.link_name(d.egress[0].link));
  }
  EXPECT_EQ(first, (std::vector<std::string>{"m1", "m2", "m3", "m1", "m2", "m3"}));  // row 29
  sw.set_link_carrier(sw.link_id("m1"), false, ms(200));
  const lag::OvsBond& bond = *sw.bond(2);
  // The list is [m2, m3] after m1 leaves; flow 0 (first used) takes m2, flow 3 takes m3. In
  // bucket-number order flow 3 (the smaller bucket) would have come first.
  EXPECT_EQ(bond.member_name(bond.bucket_member(bucket(srcs[0]))), "m2");
  EXPECT_EQ(bond.member_name(bond.bucket_member(bucket(srcs[3]))), "m3");
  EXPECT_EQ(sw.link_name(sw.receive(0, bytes(eth(PEER, srcs[0])), ms(300)).egress.at(0).link), "m2");
  EXPECT_EQ(sw.link_name(sw.receive(0, bytes(eth(PEER, srcs[3])), ms(301)).egress.at(0).link), "m3");
  // The others never moved.
  for (std::size_t i : {1u, 2u, 4u, 5u})
    EXPECT_EQ(bond.member_name(bond.bucket_member(bucket(srcs[i]))), first[i]);
}

// ---- bonds: accounting, decay, rebalance phase (row 36, clarified) ----------------------------

TEST(SwitchDatapath, MissesAccountAtOnceHitsAtTheNextDump) {
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb", Time::from_ms(5000));
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));
  const Frame f = eth(PEER, A, 1100);
  const std::uint8_t b = bucket(A);
  const lag::OvsBond& bond = *sw.bond(2);
  EXPECT_FALSE(sw.receive(0, bytes(f), ms(100)).datapath_hit);
  EXPECT_EQ(bond.bucket_tx_bytes(b), 1100u);  // miss: at once
  EXPECT_TRUE(sw.receive(0, bytes(f), ms(200)).datapath_hit);
  EXPECT_TRUE(sw.receive(0, bytes(f), ms(300)).datapath_hit);
  EXPECT_EQ(bond.bucket_tx_bytes(b), 1100u);  // hits wait for the revalidator
  EXPECT_EQ(bond.bucket_pending_bytes(b), 2200u);
  sw.advance(ms(499));
  EXPECT_EQ(bond.bucket_tx_bytes(b), 1100u);
  sw.advance(ms(500));  // the dump (phase 0, every 500 ms)
  EXPECT_EQ(bond.bucket_tx_bytes(b), 3300u);
  EXPECT_EQ(bond.bucket_pending_bytes(b), 0u);
  EXPECT_TRUE(contains(sw.bond_show(2, ms(600)), fmt::format("  hash {}: 3 kB load\n", b)));
}

TEST(SwitchDatapath, RebalanceRunsHalveLoadsOnTheirOwnPhase) {
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb", Time::from_ms(1000));
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));
  const std::uint8_t b = bucket(A);
  for (int i = 0; i < 4; ++i) sw.receive(0, bytes(eth(PEER, A, 1100)), ms(10), Datapath::miss);
  const lag::OvsBond& bond = *sw.bond(2);
  std::string show = sw.bond_show(2, ms(999));
  EXPECT_TRUE(contains(show, "next rebalance: 1 ms\n")) << show;
  EXPECT_TRUE(contains(show, fmt::format("  hash {}: 4 kB load\n", b))) << show;
  show = sw.bond_show(2, ms(1000));  // the run at 1000 ms halved it
  EXPECT_EQ(bond.bucket_tx_bytes(b), 2200u);
  EXPECT_TRUE(contains(show, "next rebalance: 10000 ms\n")) << show;
  EXPECT_TRUE(contains(show, fmt::format("  hash {}: 2 kB load\n", b))) << show;
  // Looked at much later: every run in between happened at its time (1000 + k * 10000).
  show = sw.bond_show(2, ms(21500));
  EXPECT_EQ(bond.bucket_tx_bytes(b), 550u);
  EXPECT_TRUE(contains(show, "next rebalance: 9500 ms\n")) << show;
  EXPECT_FALSE(contains(show, "kB load")) << show;  // < 1 kB is not printed
}

// LagConfig::first_rebalance is a time, kept to the nanosecond: due 0.5 ms after the dump at 1 s,
// the first run waits for the dump at 1.5 s (the next is one interval after it). Only an OVS
// bond has one.
TEST(SwitchDatapath, FirstRebalanceIsATimeOnOvsBondsOnly) {
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb", Time::from_us(1000500));
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));
  const std::uint8_t b = bucket(A);
  for (int i = 0; i < 4; ++i) sw.receive(0, bytes(eth(PEER, A, 1100)), ms(10), Datapath::miss);
  const lag::OvsBond& bond = *sw.bond(2);
  EXPECT_EQ(bond.next_rebalance(), Time::from_us(1000500));
  sw.advance(ms(1499));
  EXPECT_EQ(bond.bucket_tx_bytes(b), 4400u);  // the dump at 1 s came before it was due
  sw.advance(ms(1500));
  EXPECT_EQ(bond.bucket_tx_bytes(b), 2200u);
  EXPECT_EQ(bond.next_rebalance(), ms(11500));
  const auto js = sw.to_json(Time{}).as_object().at("ports").as_array()[2].at("lag");
  EXPECT_DOUBLE_EQ(js.at("first_rebalance").as_double(), 1.0005);
  EXPECT_TRUE(ovs_switch({"m1", "m2"}).to_json(Time{}).as_object().at("ports").as_array()[2].at("lag").at(
      "first_rebalance").is_null());
  auto c = SwitchConfig::defaults(Profile::linux_bridge);
  LagConfig lag{.members = {"m1", "m2"}, .first_rebalance = Time::from_s(1)};
  try {
    Switch(c, {{.name = "p1"}, {.name = "b1", .lag = lag}});
    ADD_FAILURE() << "a Linux bond took first_rebalance";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "LAG port 'b1': first_rebalance applies to OVS bonds only");
  }
}

TEST(SwitchDatapath, FourSingleMissesDecayBelowOneKilobyte) {
  // Spec row 36: four 1100-byte misses followed by a rebalance run print no bucket at all.
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb", Time::from_ms(2000));
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));
  std::set<std::uint8_t> buckets;
  for (std::uint64_t m = 0x02cc00000000; buckets.size() < 4; ++m)
    if (buckets.insert(bucket(m)).second) sw.receive(0, bytes(eth(PEER, m, 1100)), ms(100 + buckets.size()));
  std::string show = sw.bond_show(2, ms(1999));
  for (auto b : buckets) EXPECT_TRUE(contains(show, fmt::format("  hash {}: 1 kB load\n", b))) << show;
  show = sw.bond_show(2, ms(2000));
  EXPECT_FALSE(contains(show, "kB load")) << show;
}

TEST(SwitchDatapath, BondShowAsOvsPrintsIt) {
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb", Time::from_ms(6437));
  sw.set_link_carrier(sw.link_id("m2"), false, ms(0));
  EXPECT_EQ(sw.bond_show(2, ms(0)),
            "---- b1 ----\n"
            "bond_mode: balance-slb\n"
            "bond may use recirculation: no, Recirc-ID : -1\n"
            "bond-hash-basis: 0\n"
            "lb_output action: disabled, bond-id: -1\n"
            "all members active: false\n"
            "updelay: 0 ms\n"
            "downdelay: 0 ms\n"
            "next rebalance: 6437 ms\n"
            "lacp_status: off\n"
            "lacp_fallback_ab: false\n"
            "active-backup primary: <none>\n"
            "active member mac: 00:00:00:00:00:00(m1)\n"
            "\n"
            "member m1: enabled\n"
            "  active member\n"
            "  may_enable: true\n"
            "\n"
            "member m2: disabled\n"
            "  may_enable: false\n"  // no carrier: may_enable is false (port_run)
            "\n");
}

// ---- LAG ports as LAG spec strings (issue 8 deliverable 3) ------------------------------------

TEST(SwitchBuild, OvsBondFromItsSpecString) {
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:active-backup;updelay=200;downdelay=100;lacp=off;basis=7");
  const lag::OvsBond& bond = *sw.bond(2);
  EXPECT_EQ(bond.name(), "b1");  // named after the port
  EXPECT_EQ(bond.config().mode, lag::OvsBondMode::active_backup);
  EXPECT_EQ(bond.config().updelay, Time::from_ms(200));  // the spec's integer milliseconds
  EXPECT_EQ(bond.config().downdelay, Time::from_ms(100));
  EXPECT_EQ(bond.config().basis, 7u);
  const std::string show = sw.bond_show(2, ms(0));
  EXPECT_TRUE(contains(show, "updelay: 200 ms\ndowndelay: 100 ms\n")) << show;
  ASSERT_NE(sw.lag(2), nullptr);
  EXPECT_EQ(sw.lag(2)->ovs_bond(), sw.bond(2));  // one object: the Lag owns the bond
  // The default is balance-slb; a spec may name the bond itself.
  EXPECT_EQ(ovs_switch({"m1", "m2"}, "").bond(2)->config().mode, lag::OvsBondMode::balance_slb);
  EXPECT_EQ(ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb;bond=bond7").bond(2)->name(), "bond7");
}

TEST(SwitchBuild, LacpColumnValues) {
  EXPECT_EQ(ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb;lacp=active").bond(2)->config().lacp,
            lag::OvsLacpStatus::negotiated);
  EXPECT_EQ(ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb;lacp=passive").bond(2)->config().lacp,
            lag::OvsLacpStatus::negotiated);
  Switch unanswered = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb;lacp=active;lacp_status=configured");
  EXPECT_EQ(unanswered.bond(2)->config().lacp, lag::OvsLacpStatus::configured);
  // LACP configured but not negotiated, no fallback: the bond carries nothing.
  unanswered.receive(0, bytes(eth(BCAST, A)), ms(0));
  EXPECT_EQ(unanswered.receive(0, bytes(eth(BCAST, B)), ms(1)).egress.size(), 1u);  // p2 only
}

TEST(SwitchBuild, UnknownBondValuesAreRejectedWithTheAcceptedOnes) {
  auto message = [](const std::string& spec) {
    try {
      ovs_switch({"m1", "m2"}, spec);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string m = message("ovs-3.1:balance-slb;lacp=maybe");
  EXPECT_TRUE(contains(m, "b1")) << m;
  EXPECT_TRUE(contains(m, "lacp=maybe")) << m;
  EXPECT_TRUE(contains(m, "off, active, passive")) << m;
  m = message("ovs-3.1:balance-xyz");
  EXPECT_TRUE(contains(m, "balance-slb, balance-tcp, active-backup")) << m;
  m = message("ovs-3.1:balance-slb;updelay=-1");
  EXPECT_TRUE(contains(m, "updelay")) << m;
  m = message("ovs-3.1:balance-slb;colour=blue");
  EXPECT_TRUE(contains(m, "colour")) << m;
  m = message("linux-6.12:802.3ad");
  EXPECT_TRUE(contains(m, "must start with 'ovs-3.1:'")) << m;
  m = message("ovs-3.1:balance-slb;lacp=off;lacp_status=configured");
  EXPECT_TRUE(contains(m, "lacp_status")) << m;
}

// ovs-vswitchd rebalances only after a revalidator dump (ofproto-dpif run(): "all outstanding data
// in existing flows has been accounted"): a rebalance due at 6437 ms with dumps at 222 + k * 500 ms
// runs at 6722 ms, after that dump pushed the hits' bytes, and the next is due at 16722 ms.
TEST(SwitchDatapath, RebalanceWaitsForTheDumpThatAccountsTheHits) {
  Switch sw = ovs_switch({"m1", "m2"}, "ovs-3.1:balance-slb", Time::from_ms(6437), ms(222));
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));
  const Frame f = eth(PEER, A, 1100);
  const std::uint8_t b = bucket(A);
  const lag::OvsBond& bond = *sw.bond(2);
  EXPECT_FALSE(sw.receive(0, bytes(f), ms(6000)).datapath_hit);  // 1100 at once
  EXPECT_TRUE(sw.receive(0, bytes(f), ms(6500)).datapath_hit);   // pushed at the 6722 dump
  std::string show = sw.bond_show(2, ms(6600));
  EXPECT_TRUE(contains(show, "next rebalance: -163 ms\n")) << show;  // due, not yet run
  EXPECT_EQ(bond.bucket_tx_bytes(b), 1100u);
  show = sw.bond_show(2, ms(6722));
  EXPECT_EQ(bond.bucket_tx_bytes(b), 1100u);  // (1100 + 1100 pushed) / 2
  EXPECT_TRUE(contains(show, "next rebalance: 10000 ms\n")) << show;
  EXPECT_EQ(bond.next_rebalance(), ms(16722));
}

// Failover re-translates the flows the datapath still caches (max-idle 10 s): a bucket whose
// flows went idle keeps its failed member until its next use, and does not take a turn in the
// round robin of the live ones.
TEST(SwitchDatapath, OnlyCachedFlowsAreReDealtAtOnce) {
  std::vector<std::uint64_t> srcs;
  std::set<std::uint8_t> seen;
  for (std::uint64_t m = 0x02cc00000000; srcs.size() < 4; ++m)
    if (seen.insert(bucket(m)).second) srcs.push_back(m);
  Switch sw = ovs_switch({"m1", "m2", "m3"});
  sw.receive(sw.link_id("m1"), bytes(eth(BCAST, PEER)), ms(0));
  for (std::size_t i = 0; i < 4; ++i) sw.receive(0, bytes(eth(PEER, srcs[i])), ms(100 + i));  // m1 m2 m3 m1
  sw.receive(0, bytes(eth(PEER, srcs[3])), ms(12000));  // only flow 3 stays cached
  sw.set_link_carrier(sw.link_id("m1"), false, ms(12500));
  const lag::OvsBond& bond = *sw.bond(2);
  EXPECT_EQ(bond.member_name(bond.bucket_member(bucket(srcs[0]))), "m1");  // idle: not re-dealt yet
  EXPECT_EQ(bond.member_name(bond.bucket_member(bucket(srcs[3]))), "m2");  // cached: the head of [m2, m3]
  EXPECT_EQ(sw.link_name(sw.receive(0, bytes(eth(PEER, srcs[0])), ms(13000)).egress.at(0).link), "m3");
}
