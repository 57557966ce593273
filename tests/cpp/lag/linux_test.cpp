// Linux bonding member selection (fwd/lag/linux.hpp), driven through fwd::lag::Lag.
#include "fwd/lag/linux.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "member_names.hpp"

using fwd::Time;
using fwd::lag::Lag;
using fwd::lag::MemberIndex;
using fwd::lag::Outcome;
using fwd::lag::Selection;


TEST(LinuxBond, UsableSlavesInEnslaveOrder) {
  // Spec §9.3: layer3+4 on F1 = 0x5fcbe3e3; % 3 = 2.
  auto lag = Lag::from_spec("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", {"eth0", "eth1", "eth2"});
  EXPECT_EQ(lag.hash(F1), 0x5fcbe3e3u);
  EXPECT_EQ(names(lag, lag.order()), (V{"eth0", "eth1", "eth2"}));
  EXPECT_EQ(lag.name(lag.select(F1).member), "eth2");
  // eth1 fails: the array is rebuilt, every flow is re-spread over 2: 0x5fcbe3e3 % 2 = 1.
  lag.set_link(1, false);
  EXPECT_EQ(names(lag, lag.order()), (V{"eth0", "eth2"}));
  EXPECT_EQ(lag.name(lag.select(F1).member), "eth2");
  for (std::uint32_t h = 0; h < 10; ++h) EXPECT_EQ(lag.select_hash(h).member, h % 2 ? 2 : 0);
  // It returns: back in enslave order, not at the end.
  lag.set_link(1, true);
  EXPECT_EQ(names(lag, lag.order()), (V{"eth0", "eth1", "eth2"}));
}

TEST(LinuxBond, LacpNeedsDistributingAndTheActiveAggregator) {
  auto lag = Lag::from_spec("linux-6.12:802.3ad;xmit_hash_policy=layer2", {"a", "b", "c"});
  lag.set_lacp(0, true, true, false);  // attached, not distributing
  EXPECT_EQ(names(lag, lag.order()), (V{"b", "c"}));
  auto st = lag.state(2);
  st.aggregator = 7;  // c in another aggregator: stable keeps the current one (b's)
  lag.set_state(2, st);
  EXPECT_EQ(names(lag, lag.order()), (V{"b"}));
  lag.set_link(1, false);  // aggregator 0 has no up port left? a is still up (attached) -> keep 0
  EXPECT_EQ(names(lag, lag.order()), V{});
  EXPECT_EQ(lag.select_hash(5).outcome, Outcome::no_member);
  lag.set_link(0, false);  // now aggregator 0 has no up port: reselect -> 7
  EXPECT_EQ(names(lag, lag.order()), (V{"c"}));
  // balance-xor ignores LACP state.
  auto xr = Lag::from_spec("linux:balance-xor", {"a", "b"});
  xr.set_lacp(0, false, false, false);
  EXPECT_EQ(names(xr, xr.order()), (V{"a", "b"}));
}

TEST(LinuxBond, AdSelectBandwidthAndCount) {
  auto bw = Lag::from_spec("linux-6.12:802.3ad;ad_select=bandwidth", {"a", "b", "c"});
  auto st = bw.state(2);
  st.aggregator = 1;
  st.speed_mbps = 25000;
  bw.set_state(2, st);
  EXPECT_EQ(names(bw, bw.order()), (V{"c"}));  // 25G beats 2 x 1G
  auto count = Lag::from_spec("linux-6.12:802.3ad;ad_select=count", {"a", "b", "c"});
  count.set_state(2, st);
  EXPECT_EQ(names(count, count.order()), (V{"a", "b"}));  // two ports beat one
}

TEST(LinuxBond, OldRuleMovesAFailedMembersFlowsToTheNextMemberOnly) {
  auto now = Lag::from_spec("linux-6.12:balance-xor;xmit_hash_policy=layer3+4", {"a", "b", "c"});
  auto old = Lag::from_spec("linux-3.x:balance-xor;xmit_hash_policy=layer3+4", {"a", "b", "c"});
  EXPECT_NE(old.follows().find("3.x"), std::string::npos);
  for (std::uint32_t h = 0; h < 30; ++h) EXPECT_EQ(old.select_hash(h), now.select_hash(h));
  old.set_link(1, false);
  now.set_link(1, false);
  unsigned moved_old = 0, moved_now = 0;
  for (std::uint32_t h = 0; h < 300; ++h) {
    const MemberIndex before = static_cast<MemberIndex>(h % 3);
    const MemberIndex o = old.select_hash(h).member;
    EXPECT_EQ(o, before == 1 ? 2 : before) << h;  // b's flows go to c, nobody else moves
    moved_old += o != before;
    moved_now += now.select_hash(h).member != before;
  }
  EXPECT_EQ(moved_old, 100u);
  EXPECT_GT(moved_now, moved_old);  // the array rule re-spreads: 200 of 300 move
  // The last member down wraps to the first.
  old.set_link(1, true);
  old.set_link(2, false);
  EXPECT_EQ(old.select_hash(2).member, 0);
  // 802.3ad counts the aggregator's attached members, up or not.
  auto lacp = Lag::from_spec("linux-3.x:802.3ad", {"a", "b", "c"});
  lacp.set_link(0, false);
  EXPECT_EQ(lacp.select_hash(0).member, 1);
  EXPECT_EQ(lacp.select_hash(1).member, 1);
  EXPECT_EQ(lacp.select_hash(2).member, 2);
}

TEST(LinuxBond, ActiveBackup) {
  auto lag = Lag::from_spec("linux-6.12:active-backup", {"a", "b", "c"});
  EXPECT_EQ(lag.select(F1).member, 0);
  lag.set_link(0, false);
  EXPECT_EQ(lag.select(F1).member, 1);
  lag.set_link(0, true);
  EXPECT_EQ(lag.select(F1).member, 1);  // no primary: the current one stays
  auto p = Lag::from_spec("linux-6.12:active-backup;primary=c", {"a", "b", "c"});
  EXPECT_EQ(p.select(F1).member, 2);
  p.set_link(2, false);
  EXPECT_EQ(p.select(F1).member, 0);
  p.set_link(2, true);
  EXPECT_EQ(p.select(F1).member, 2);  // primary_reselect=always
  auto f = Lag::from_spec("linux-6.12:active-backup;primary=c;primary_reselect=failure", {"a", "b", "c"});
  f.set_link(2, false);
  f.set_link(2, true);
  EXPECT_EQ(f.select(F1).member, 0);  // only on failure of the current one
  f.set_link(0, false);
  EXPECT_EQ(f.select(F1).member, 2);
  for (int i = 0; i < 3; ++i) f.set_link(static_cast<MemberIndex>(i), false);
  EXPECT_EQ(f.select(F1).outcome, Outcome::no_member);
}

// Issue 11: from_spec enslaves members one at a time, and the primary's state was read before
// the primary existed (uninitialised bool). Linux sets force_primary when the primary is
// enslaved, so it becomes the active member whatever primary_reselect says.
// The LAG is built in storage filled first with zeros, then with ones, so that the outcome of a
// read of not-yet-existing member state would show (zeros: "down", which kept member a active).
TEST(LinuxBond, EnslavingThePrimaryForcesIt) {
  for (const char* reselect : {"always", "better", "failure"}) {
    const std::string spec = std::string("linux-6.12:active-backup;primary=c;primary_reselect=") + reselect;
    for (unsigned char fill : {0x00, 0x01}) {
      alignas(Lag) unsigned char storage[sizeof(Lag)];
      std::memset(storage, fill, sizeof storage);
      Lag* f = new (storage) Lag(Lag::from_spec(spec, {"a", "b", "c"}));
      EXPECT_EQ(f->select(F1).member, 2) << reselect << " fill " << int{fill};
      f->~Lag();
    }
    auto first = Lag::from_spec(std::string("linux-6.12:active-backup;primary=a;primary_reselect=") + reselect,
                                {"a", "b", "c"});
    EXPECT_EQ(first.select(F1).member, 0) << reselect;
  }
  // The force is used once: a recovered primary under "failure" does not take over again.
  auto f = Lag::from_spec("linux-6.12:active-backup;primary=b;primary_reselect=failure", {"a", "b", "c"});
  EXPECT_EQ(f.select(F1).member, 1);
  f.set_link(1, false);
  EXPECT_EQ(f.select(F1).member, 0);
  f.set_link(1, true);
  EXPECT_EQ(f.select(F1).member, 0);
}

TEST(LinuxBond, RoundRobinFirstPacketGoesToIndexOne) {
  auto lag = Lag::from_spec("linux-6.12:balance-rr", {"a", "b", "c"});
  std::vector<MemberIndex> seen;
  for (int i = 0; i < 4; ++i) seen.push_back(lag.select(F1).member);
  EXPECT_EQ(seen, (std::vector<MemberIndex>{1, 2, 0, 1}));
  auto two = Lag::from_spec("linux-6.12:balance-rr;packets_per_slave=2", {"a", "b"});
  seen.clear();
  for (int i = 0; i < 6; ++i) seen.push_back(two.select(F1).member);
  EXPECT_EQ(seen, (std::vector<MemberIndex>{0, 1, 1, 0, 0, 1}));  // counter 1..6 / 2 = 0,1,1,2,2,3
  auto rnd1 = Lag::from_spec("linux-6.12:balance-rr;packets_per_slave=0;seed=3", {"a", "b", "c"});
  auto rnd2 = rnd1;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rnd1.select(F1), rnd2.select(F1));
}

TEST(LinuxBond, Broadcast) {
  auto lag = Lag::from_spec("linux-6.12:broadcast", {"a", "b"});
  EXPECT_EQ(lag.select(F1).outcome, Outcome::broadcast);
  lag.set_link(0, false);
  EXPECT_EQ(names(lag, lag.broadcast_members()), (V{"b"}));
  lag.set_link(1, false);
  EXPECT_EQ(lag.select(F1).outcome, Outcome::no_member);
}

TEST(LinuxBond, DefaultHashPolicyIsLayer2) {
  auto lag = Lag::from_spec("linux-6.12:balance-xor", {"a", "b"});
  EXPECT_EQ(lag.policy().spec(), "linux-6.12:layer2");
  EXPECT_EQ(lag.hash(F1), 0x832u);  // spec §9.3
  EXPECT_EQ(lag.select(F1).member, 0x832 % 2);
}
