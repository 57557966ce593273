#include "fwd/describe/json.hpp"
#include "fwd/lag/lag.hpp"
#include "fwd/lag/ovs_bond.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

using fwd::Time;
using fwd::lag::Admission;
using fwd::lag::MemberIndex;
using fwd::lag::no_member;
using fwd::lag::OvsBond;
using fwd::lag::OvsBondConfig;
using fwd::lag::OvsBondMode;
using fwd::lag::OvsLacpStatus;

namespace {
// SLB buckets of source MACs 02:cc:00:00:00:00..0f and 02:cc:00:00:01:00..07 (VLAN 0, basis 0),
// as `ovs-appctl bond/hash` printed them in shared/scenarios/ovs/ovs-bond-slb-failover.json.
const std::vector<unsigned> kFlows = {209, 254, 5, 222, 247, 218, 169, 162, 163, 40, 223, 158, 39, 37, 230, 44};
const std::vector<unsigned> kNewFlows = {78, 161, 137, 16, 49, 2, 202, 127};

Time ms(double v) { return Time::from_seconds(v / 1000.0); }

std::map<unsigned, std::string> bucket_map(const OvsBond& b) {
  std::map<unsigned, std::string> out;
  for (unsigned i = 0; i < 256; ++i)
    if (b.bucket_member(static_cast<std::uint8_t>(i)) != no_member)
      out[i] = b.member_name(b.bucket_member(static_cast<std::uint8_t>(i)));
  return out;
}
}  // namespace

// shared/scenarios/ovs/ovs-bond-slb-failover.json, step by step.
TEST(OvsBond, ReplaysTheSlbFailoverRecording) {
  OvsBond bond("b1", {"m1", "m2"}, OvsBondConfig{});
  EXPECT_EQ(bond.member_name(bond.active_member()), "m1");
  // 16 new flows are dealt m1, m2, m1, ... whatever their bucket.
  for (std::size_t i = 0; i < kFlows.size(); ++i) {
    EXPECT_EQ(bond.member_name(bond.select(kFlows[i])), i % 2 ? "m2" : "m1") << "flow " << i;
    bond.account(kFlows[i], 1100);
  }
  // The recorded bond/show before the failure.
  const std::map<unsigned, std::string> before = {
      {5, "m1"}, {37, "m2"}, {39, "m1"}, {40, "m2"}, {44, "m2"}, {158, "m2"}, {162, "m2"}, {163, "m1"},
      {169, "m1"}, {209, "m1"}, {218, "m2"}, {222, "m2"}, {223, "m1"}, {230, "m1"}, {247, "m1"}, {254, "m2"}};
  EXPECT_EQ(bucket_map(bond), before);

  // m1 loses carrier: at once, every bucket is on m2 and m2 is active.
  bond.set_carrier(bond.member_index("m1"), false, ms(1171.4));
  EXPECT_EQ(bond.member_name(bond.active_member()), "m2");
  EXPECT_FALSE(bond.is_enabled(0));
  for (const auto& [b, m] : bucket_map(bond)) EXPECT_EQ(m, "m2") << "bucket " << b;
  for (unsigned f : kFlows) EXPECT_EQ(bond.member_name(bond.select(f)), "m2");

  // m1 returns: nothing moves back, m2 stays active, m1 joins the tail of the enabled list.
  bond.set_carrier(0, true, ms(3719.1));
  EXPECT_TRUE(bond.is_enabled(0));
  EXPECT_EQ(bond.member_name(bond.active_member()), "m2");
  for (unsigned f : kFlows) EXPECT_EQ(bond.member_name(bond.select(f)), "m2");
  // New flows after recovery: m2, m1, m2, m1, ... (the recording's order).
  for (std::size_t i = 0; i < kNewFlows.size(); ++i)
    EXPECT_EQ(bond.member_name(bond.select(kNewFlows[i])), i % 2 ? "m1" : "m2") << "new flow " << i;

  const auto log = bond.take_log();
  const std::vector<std::string> expected_log = {
      "bond b1: member m1: link state down", "bond b1: member m1: disabled", "bond b1: active member is now m2",
      "bond b1: member m1: link state up", "bond b1: member m1: enabled"};
  EXPECT_EQ(log, expected_log);
  EXPECT_TRUE(bond.take_log().empty());
}

TEST(OvsBond, TwoFlowsInOneBucketShareAMember) {
  OvsBond bond("b1", {"m1", "m2"});
  EXPECT_EQ(bond.select(0x1234), 0);
  EXPECT_EQ(bond.select(0x5534), 0);  // same bucket 0x34: no rotation
  EXPECT_EQ(bond.select(0x35), 1);
  EXPECT_EQ(bond.peek(0x36), 0);  // peek does not assign
  EXPECT_EQ(bond.bucket_member(0x36), no_member);
  EXPECT_EQ(bond.select(0x36), 0);
}

TEST(OvsBond, ThreeMembersFailureDealsBucketsRoundRobinInBucketOrder) {
  OvsBond bond("b1", {"m1", "m2", "m3"});
  for (unsigned b : {10u, 20u, 30u, 40u, 50u, 60u}) bond.select(b);  // m1 m2 m3 m1 m2 m3
  EXPECT_EQ(bond.bucket_member(40), 0);
  // Enabled list is back at [m1, m2, m3]; m2 fails -> [m1, m3]; its buckets 20 and 50 go to m1, m3.
  bond.set_carrier(1, false, Time{});
  EXPECT_EQ(bond.bucket_member(20), 0);
  EXPECT_EQ(bond.bucket_member(50), 2);
  EXPECT_EQ(bond.bucket_member(10), 0);  // untouched
  EXPECT_EQ(bond.bucket_member(30), 2);
  EXPECT_EQ(bond.member_name(bond.active_member()), "m1");
  // Every member down: drop.
  bond.set_carrier(0, false, Time{});
  bond.set_carrier(2, false, Time{});
  EXPECT_EQ(bond.active_member(), no_member);
  EXPECT_EQ(bond.select(10), no_member);
  EXPECT_EQ(bond.select(99), no_member);
}

TEST(OvsBond, ActiveMemberFailsOverToFirstEnabledInMemberOrder) {
  OvsBond bond("b1", {"m1", "m2", "m3"});
  bond.set_carrier(0, false, Time{});
  EXPECT_EQ(bond.active_member(), 1);
  bond.set_carrier(0, true, Time{});
  EXPECT_EQ(bond.active_member(), 1);  // no preemption without a primary
}

TEST(OvsBond, ActiveBackupPrimaryTakesTheRoleBack) {
  OvsBondConfig c;
  c.mode = OvsBondMode::active_backup;
  c.primary = "m2";
  OvsBond bond("b1", {"m1", "m2"}, c);
  EXPECT_EQ(bond.active_member(), 1);
  EXPECT_EQ(bond.select(1), 1);
  EXPECT_EQ(bond.select(2), 1);
  bond.set_carrier(1, false, Time{});
  EXPECT_EQ(bond.select(1), 0);
  bond.set_carrier(1, true, Time{});
  EXPECT_EQ(bond.select(1), 1);
  // Receive: a backup member drops everything.
  EXPECT_EQ(bond.admit(0, fwd::net::Mac::from_u64(0x020000000001)), Admission::drop);
  EXPECT_EQ(bond.admit(1, fwd::net::Mac::from_u64(0x020000000001)), Admission::accept);
  EXPECT_NE(bond.show(Time{}).find("active-backup primary: m2\n"), std::string::npos);
}

TEST(OvsBond, SlbAdmission) {
  OvsBond bond("b1", {"m1", "m2"});
  const auto bcast = fwd::net::Mac::broadcast();
  const auto ucast = fwd::net::Mac::from_u64(0x02dd00000001);
  EXPECT_EQ(bond.admit(0, bcast), Admission::drop_if_moved);
  EXPECT_EQ(bond.admit(1, bcast), Admission::drop);  // multicast only on the active member
  EXPECT_EQ(bond.admit(1, ucast), Admission::drop_if_moved);
}

TEST(OvsBond, BalanceTcpNeedsNegotiatedLacp) {
  OvsBondConfig c;
  c.mode = OvsBondMode::balance_tcp;
  c.lacp = OvsLacpStatus::configured;
  OvsBond bond("b1", {"m1", "m2"}, c);
  EXPECT_EQ(bond.select(5), no_member);
  EXPECT_EQ(bond.admit(0, fwd::net::Mac::from_u64(0x02)), Admission::drop);
  bond.set_lacp_status(OvsLacpStatus::negotiated, Time{});
  EXPECT_EQ(bond.select(5), 0);
  EXPECT_EQ(bond.select(6), 1);
}

TEST(OvsBond, BalanceTcpRecirculationFillsEveryBucketFromTheSeed) {
  OvsBondConfig c;
  c.mode = OvsBondMode::balance_tcp;
  c.lacp = OvsLacpStatus::negotiated;
  c.recirculation = true;
  c.seed = 7;
  OvsBond a("b1", {"m1", "m2", "m3"}, c), b("b1", {"m1", "m2", "m3"}, c);
  unsigned counts[3] = {0, 0, 0};
  for (unsigned i = 0; i < 256; ++i) {
    ASSERT_NE(a.bucket_member(static_cast<std::uint8_t>(i)), no_member);
    EXPECT_EQ(a.bucket_member(static_cast<std::uint8_t>(i)), b.bucket_member(static_cast<std::uint8_t>(i)));
    ++counts[a.bucket_member(static_cast<std::uint8_t>(i))];
  }
  for (unsigned n : counts) EXPECT_GT(n, 40u);
  c.seed = 8;
  OvsBond other("b1", {"m1", "m2", "m3"}, c);
  unsigned differ = 0;
  for (unsigned i = 0; i < 256; ++i)
    differ += a.bucket_member(static_cast<std::uint8_t>(i)) != other.bucket_member(static_cast<std::uint8_t>(i));
  EXPECT_GT(differ, 50u);
  // A failure moves only the failed member's buckets.
  const auto before = bucket_map(a);
  a.set_carrier(1, false, Time{});
  for (const auto& [bucket, m] : before) {
    if (m != "m2") {
      EXPECT_EQ(a.member_name(a.bucket_member(static_cast<std::uint8_t>(bucket))), m);
    } else {
      EXPECT_NE(a.member_name(a.bucket_member(static_cast<std::uint8_t>(bucket))), "m2");
    }
  }
}

// l2-learning.md row 37 (ovs-bond-slb-rebalance): four flows dealt m1, m2, m1, m2; ~200 kB on
// each m1 flow (buckets 209, 5), 7 kB on an m2 flow: one bucket moves to m2, the other stays.
TEST(OvsBond, RebalanceMovesOneHeavyBucketToTheLightMember) {
  OvsBondConfig c;
  c.rebalance_interval = Time::from_ms(1000);
  OvsBond bond("b1", {"m1", "m2"}, c, Time{});
  for (unsigned b : {209u, 254u, 5u, 222u}) bond.select(b);
  ASSERT_EQ(bond.bucket_member(209), 0);
  ASSERT_EQ(bond.bucket_member(5), 0);
  bond.account(209, 199'000);
  bond.account(5, 201'000);
  bond.account(254, 7'000);
  EXPECT_FALSE(bond.run(ms(999)));  // not due yet
  EXPECT_TRUE(bond.run(ms(1000)));
  // Neither bucket fits within the ideal delta (196.5 kB), so the smallest one moves.
  EXPECT_EQ(bond.bucket_member(209), 1);
  EXPECT_EQ(bond.bucket_member(5), 0);
  EXPECT_EQ(bond.bucket_tx_bytes(209), 99'500u);  // halved after the rebalance
  EXPECT_EQ(bond.bucket_tx_bytes(5), 100'500u);
  const auto log = bond.take_log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "bond b1: shift 194kB of load (with hash 209) from m1 to m2 (now carrying 196kB and 201kB load, respectively)");
  // Next run: 100.5 kB vs 103 kB: below the 100000-byte threshold, nothing moves.
  EXPECT_EQ(bond.rebalance_now(), 0u);
  EXPECT_EQ(bond.bucket_member(5), 0);
}

TEST(OvsBond, RebalanceMovesSeveralBucketsUpToTheIdealDelta) {
  OvsBondConfig c;
  c.rebalance_interval = Time::from_ms(1000);
  OvsBond bond("b1", {"m1", "m2"}, c, Time{});
  // All on m1: migrate() pins buckets regardless of first-use order.
  for (unsigned b : {1u, 2u, 3u, 4u}) {
    bond.select(b);
    bond.migrate(static_cast<std::uint8_t>(b), 0);
  }
  bond.account(1, 400'000);
  bond.account(2, 300'000);
  bond.account(3, 200'000);
  bond.account(4, 100'000);
  // m1 = 1 MB, m2 = 0: ideal delta 500 kB; largest first within it: 400k, then 100k -> exactly ideal.
  EXPECT_EQ(bond.rebalance_now(), 2u);
  EXPECT_EQ(bond.bucket_member(1), 1);
  EXPECT_EQ(bond.bucket_member(4), 1);
  EXPECT_EQ(bond.bucket_member(2), 0);
  EXPECT_EQ(bond.bucket_member(3), 0);
}

TEST(OvsBond, NoRebalanceWhenOneBucketCarriesEverything) {
  OvsBond bond("b1", {"m1", "m2"});
  bond.select(9);
  bond.account(9, 5'000'000);
  EXPECT_EQ(bond.rebalance_now(), 0u);
  EXPECT_EQ(bond.bucket_member(9), 0);
}

TEST(OvsBond, RebalanceIntervalZeroMeansNeverAndHidesLoads) {
  OvsBondConfig c;
  c.rebalance_interval = Time{};
  OvsBond bond("b1", {"m1", "m2"}, c);
  bond.select(5);
  bond.account(5, 5000);
  EXPECT_FALSE(bond.run(Time::from_s(100)));
  EXPECT_EQ(bond.bucket_tx_bytes(5), 0u);
  EXPECT_EQ(bond.show(Time{}).find("hash 5"), std::string::npos);
  EXPECT_EQ(bond.show(Time{}).find("next rebalance"), std::string::npos);
  c.rebalance_interval = Time::from_ms(10);  // raised to OVS's minimum of 1000 ms
  EXPECT_EQ(OvsBond("b2", {"m1"}, c).config().rebalance_interval, Time::from_ms(1000));
}

TEST(OvsBond, UpdelayAndDowndelayApplyThroughRun) {
  OvsBondConfig c;
  c.downdelay = Time::from_ms(200);
  c.updelay = Time::from_ms(500);
  OvsBond bond("b1", {"m1", "m2"}, c);
  bond.set_carrier(0, false, Time::from_ms(1000));
  EXPECT_TRUE(bond.is_enabled(0));
  EXPECT_NE(bond.show(Time::from_ms(1050)).find("  downdelay expires in 150 ms\n"), std::string::npos);
  bond.run(Time::from_ms(1199));
  EXPECT_TRUE(bond.is_enabled(0));
  bond.run(Time::from_ms(1200));
  EXPECT_FALSE(bond.is_enabled(0));
  EXPECT_EQ(bond.active_member(), 1);
  bond.set_carrier(0, true, Time::from_ms(2000));
  EXPECT_FALSE(bond.is_enabled(0));
  bond.run(Time::from_ms(2500));
  EXPECT_TRUE(bond.is_enabled(0));
}

TEST(OvsBond, ShowMatchesTheRecordedText) {
  OvsBond bond("b1", {"m1", "m2"}, OvsBondConfig{}, Time{});
  bond.set_member_mac(0, fwd::net::Mac::from_u64(0x021f00000103));
  bond.set_member_mac(1, fwd::net::Mac::from_u64(0x021f00000104));
  for (unsigned f : {209u, 254u}) {
    bond.select(f);
    bond.account(f, 1100);
  }
  const std::string expected =
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
      "active member mac: 02:1f:00:00:01:03(m1)\n"
      "\n"
      "member m1: enabled\n"
      "  active member\n"
      "  may_enable: true\n"
      "  hash 209: 1 kB load\n"
      "\n"
      "member m2: enabled\n"
      "  may_enable: true\n"
      "  hash 254: 1 kB load\n"
      "\n";
  EXPECT_EQ(bond.show(Time::from_ms(10000 - 6437)), expected);
  const std::string json = fwd::describe::dump(bond.to_json(Time::from_ms(10000 - 6437)));
  EXPECT_NE(json.find(R"("active_member":"m1")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("members":{"m1":"enabled","m2":"enabled"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("buckets":{"209":"m1","254":"m2"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("lacp_status":"off")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("next_rebalance_ms":6437)"), std::string::npos) << json;
}

TEST(OvsBond, BadInputNamesTheValueAndTheAcceptedOnes) {
  EXPECT_THROW(OvsBond("b1", {}), fwd::Error);
  EXPECT_THROW(OvsBond("b1", {"m1", "m1"}), fwd::Error);
  OvsBond bond("b1", {"m1", "m2"});
  try {
    bond.member_index("m9");
    FAIL();
  } catch (const fwd::Error& e) {
    EXPECT_STREQ(e.what(), "unknown member 'm9' of bond 'b1': expected one of m1, m2");
  }
  bond.set_carrier(1, false, Time{});
  EXPECT_THROW(bond.set_active_member(1), fwd::Error);
  EXPECT_THROW(bond.migrate(3, 1), fwd::Error);
}

namespace {
std::string config_error(const OvsBondConfig& c) {
  try {
    c.validate();
  } catch (const fwd::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

// OVS keeps bond-rebalance-interval, bond-updelay and bond-downdelay as integer milliseconds: a
// finer or negative time, or one past the spec's 2^31 ms, is refused by name (and by OvsBond).
TEST(OvsBondConfig, DelaysAreWholeMillisecondsInOvsRange) {
  OvsBondConfig c;
  c.rebalance_interval = Time::from_ms(OvsBondConfig::max_ms);
  c.updelay = Time::from_ms(200);
  c.downdelay = Time{};
  EXPECT_EQ(config_error(c), "");
  c.updelay = Time::from_us(500);
  EXPECT_EQ(config_error(c),
            "updelay: 0.0005 s out of range: expected a whole number of milliseconds from 0 to 2147483.648 s "
            "(OVS keeps it in integer ms)");
  EXPECT_THROW(OvsBond("b1", {"m1"}, c), fwd::Error);
  c.updelay = Time{};
  c.downdelay = Time::from_ms(-1);
  EXPECT_TRUE(config_error(c).starts_with("downdelay: -0.001 s out of range: expected")) << config_error(c);
  c.downdelay = Time{};
  c.rebalance_interval = Time::from_ms(OvsBondConfig::max_ms + 1);
  EXPECT_TRUE(config_error(c).starts_with("rebalance_interval: 2147483.649 s out of range: expected")) << config_error(c);
  c.rebalance_interval = Time::from_s(1);
  c.first_rebalance = Time::from_ms(-5);
  EXPECT_EQ(config_error(c), "first_rebalance: -0.005 s out of range: expected 0 or more (or unset: one interval)");
  c.first_rebalance = Time::from_us(1);  // not an OVS column: any non-negative time
  EXPECT_EQ(config_error(c), "");
  c.recirculation = true;
  EXPECT_EQ(config_error(c), "recirculation: applies to balance-tcp only (mode is balance-slb)");
  c.mode = OvsBondMode::balance_tcp;
  EXPECT_EQ(config_error(c), "");
}

TEST(OvsBondConfig, FirstRebalanceSetsThePhase) {
  OvsBondConfig c;
  c.rebalance_interval = Time::from_s(2);
  EXPECT_EQ(OvsBond("b1", {"m1"}, c, Time::from_s(5)).next_rebalance(), Time::from_s(7));  // one interval
  c.first_rebalance = Time::from_ms(250);
  EXPECT_EQ(OvsBond("b1", {"m1"}, c, Time::from_s(5)).next_rebalance(), Time::from_ms(5250));
}

// The Port lacp column's spellings: one mapping for the spec parser and Python.
TEST(OvsBondConfig, LacpColumnValues) {
  EXPECT_EQ(fwd::lag::ovs_lacp_status("off"), OvsLacpStatus::off);
  EXPECT_EQ(fwd::lag::ovs_lacp_status("active"), OvsLacpStatus::negotiated);
  EXPECT_EQ(fwd::lag::ovs_lacp_status("passive"), OvsLacpStatus::negotiated);
  EXPECT_EQ(fwd::lag::ovs_lacp_status("configured"), OvsLacpStatus::configured);
  EXPECT_EQ(fwd::lag::ovs_lacp_status("negotiated"), OvsLacpStatus::negotiated);
  try {
    fwd::lag::ovs_lacp_status("maybe");
    FAIL();
  } catch (const fwd::Error& e) {
    EXPECT_STREQ(e.what(), "unknown OVS lacp 'maybe': expected off, active, passive, configured, negotiated");
  }
}

// One row per member, in the struct's order, times as seconds in the JSON twin.
TEST(OvsBondConfig, SettingsTableDescribesEveryMember) {
  std::vector<std::string> names;
  for (const auto& f : fwd::describe::Settings<OvsBondConfig>::list) names.emplace_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"mode", "basis", "rebalance_interval", "first_rebalance", "primary", "lacp",
                                             "lacp_fallback_ab", "recirculation", "seed", "updelay", "downdelay",
                                             "all_members_active", "start_up"}));
  OvsBondConfig c;
  c.updelay = Time::from_ms(250);
  c.lacp = OvsLacpStatus::configured;
  EXPECT_EQ(fwd::describe::dump(fwd::describe::settings_json(c)),
            R"({"mode":"balance-slb","basis":0,"rebalance_interval":1E1,"first_rebalance":null,"primary":"",)"
            R"("lacp":"configured","lacp_fallback_ab":false,"recirculation":false,"seed":0,"updelay":2.5E-1,)"
            R"("downdelay":0E0,"all_members_active":false,"start_up":true})");
}

// Each row reads its own member: changing one setting changes exactly its own JSON entry.
TEST(OvsBondConfig, EachRowReadsItsOwnMember) {
  const OvsBondConfig base;
  const auto before = fwd::describe::settings_json(base);
  EXPECT_EQ(before.size(), fwd::describe::Settings<OvsBondConfig>::list.size());
  for (const auto& s : fwd::describe::Settings<OvsBondConfig>::list) {
    OvsBondConfig changed = base;
    std::visit(
        [&](auto member) {
          auto& v = changed.*member;
          using V = std::remove_cvref_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Time>) v = v + Time::from_s(1);
          else if constexpr (std::is_same_v<V, std::optional<Time>>) v = Time::from_ms(5);
          else if constexpr (std::is_same_v<V, bool>) v = !v;
          else if constexpr (std::is_enum_v<V>)
            v = static_cast<V>((static_cast<std::size_t>(v) + 1) % fwd::describe::Enumerators<V>::list.size());
          else if constexpr (std::is_same_v<V, std::string>) v += "x";
          else v = static_cast<V>(v + 1);
        },
        s.member);
    const auto after = fwd::describe::settings_json(changed);
    for (const auto& [k, v] : after) EXPECT_EQ(v != before.at(k), k == s.name) << s.name << " changed " << k;
  }
}

// ovs_bond_spec: the LAG spec of chosen settings, read back by Lag::from_spec as the same settings
// (the switch's LagConfig keywords go this way).
namespace {
std::string spec_error(const OvsBondConfig& c, std::vector<std::string_view> names) {
  try {
    fwd::lag::ovs_bond_spec(c, names);
  } catch (const fwd::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(OvsBondSpec, EverySpecSettingReadsBack) {
  const std::vector<std::string> members{"m1", "m2", "m3"};
  OvsBondConfig c;
  c.mode = OvsBondMode::balance_tcp;
  c.basis = 0xfffffffe;
  c.rebalance_interval = Time::from_ms(2500);
  c.primary = "m2";
  c.lacp = OvsLacpStatus::configured;
  c.lacp_fallback_ab = true;
  c.recirculation = false;
  c.seed = ~0ULL;
  c.updelay = Time::from_ms(200);
  c.downdelay = Time::from_ms(2147483648);
  c.all_members_active = true;
  std::vector<std::string_view> names;
  for (const auto& f : fwd::describe::Settings<OvsBondConfig>::list)
    if (f.name != "first_rebalance" && f.name != "start_up") names.push_back(f.name);
  const std::string spec = fwd::lag::ovs_bond_spec(c, names);
  EXPECT_EQ(spec, "ovs-3.1:balance-tcp;basis=4294967294;rebalance_interval=2500;primary=m2;lacp=active;"
                  "lacp_status=configured;lacp_fallback_ab=1;recirculation=0;seed=18446744073709551615;updelay=200;"
                  "downdelay=2147483648;all_members_active=1");
  const auto back = fwd::lag::Lag::from_spec(spec + ";bond=b1", members).ovs_bond()->config();
  EXPECT_EQ(fwd::describe::settings_json(back), fwd::describe::settings_json(c));
  // The other two lacp values, and the names in any order: options still in table order.
  c.lacp = OvsLacpStatus::negotiated;
  EXPECT_EQ(fwd::lag::ovs_bond_spec(c, std::vector<std::string_view>{"updelay", "lacp", "mode"}),
            "ovs-3.1:balance-tcp;lacp=active;updelay=200");
  c.lacp = OvsLacpStatus::off;
  c.mode = OvsBondMode::active_backup;
  c.recirculation = false;
  EXPECT_EQ(fwd::lag::ovs_bond_spec(c, std::vector<std::string_view>{"lacp"}), "ovs-3.1:active-backup;lacp=off");
}

TEST(OvsBondSpec, UnnamedSettingsKeepTheSpecDefaults) {
  OvsBondConfig c;  // lacp off, no recirculation: not what a balance-tcp spec defaults to
  c.mode = OvsBondMode::balance_tcp;
  c.primary = "";
  EXPECT_EQ(fwd::lag::ovs_bond_spec(c, std::vector<std::string_view>{"primary"}), "ovs-3.1:balance-tcp");
  const auto back = fwd::lag::Lag::from_spec("ovs-3.1:balance-tcp", {"m1", "m2"}).ovs_bond()->config();
  EXPECT_EQ(back.lacp, OvsLacpStatus::negotiated);
  EXPECT_TRUE(back.recirculation);
}

TEST(OvsBondSpec, RefusesWhatTheSpecCannotSay) {
  OvsBondConfig c;
  EXPECT_EQ(spec_error(c, {"colour"}),
            "unknown OVS bond setting 'colour': expected one of mode, basis, rebalance_interval, first_rebalance, "
            "primary, lacp, lacp_fallback_ab, recirculation, seed, updelay, downdelay, all_members_active, start_up");
  EXPECT_EQ(spec_error(c, {"first_rebalance"}), "first_rebalance: the ovs-3.1 LAG spec has no option for it");
  EXPECT_EQ(spec_error(c, {"start_up"}), "start_up: the ovs-3.1 LAG spec has no option for it");
  c.primary = "m1;lacp=active";
  EXPECT_EQ(spec_error(c, {"primary"}), "primary: 'm1;lacp=active' cannot be written into a LAG spec (contains ';' or '=')");
  c.primary = "";
  c.updelay = Time::from_us(1500);  // not whole ms: validate()'s error, whether named or not
  EXPECT_TRUE(spec_error(c, {"basis"}).starts_with("updelay: 0.0015 s out of range")) << spec_error(c, {"basis"});
}
