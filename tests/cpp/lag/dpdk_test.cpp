// DPDK bonding member order (fwd/lag/dpdk.hpp), driven through fwd::lag::Lag.
#include "fwd/lag/dpdk.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "member_names.hpp"

using fwd::lag::Lag;
using fwd::lag::MemberIndex;
using fwd::lag::Outcome;


TEST(DpdkBond, ActiveMembersInActivationOrder) {
  auto lag = Lag::from_spec("dpdk:balance;xmit_policy=l34", {"p0", "p1", "p2"});
  EXPECT_EQ(names(lag, lag.order()), (V{"p0", "p1", "p2"}));
  lag.set_link(1, false);
  EXPECT_EQ(names(lag, lag.order()), (V{"p0", "p2"}));
  lag.set_link(1, true);  // re-activated: appended at the end
  EXPECT_EQ(names(lag, lag.order()), (V{"p0", "p2", "p1"}));
  for (std::uint32_t h = 0; h < 9; ++h) EXPECT_EQ(lag.name(lag.select_hash(h).member), (V{"p0", "p2", "p1"}[h % 3]));
  // Spec §9.4: l34 on F1 = 0x1343bfc7.
  EXPECT_EQ(lag.policy().spec(), "dpdk:l34");
}

TEST(DpdkBond, Lacp8023adUsesDistributingActiveMembers) {
  auto lag = Lag::from_spec("dpdk:802.3ad", {"p0", "p1", "p2"});
  lag.set_lacp(0, true, true, false);
  EXPECT_EQ(names(lag, lag.order()), (V{"p1", "p2"}));
  lag.set_lacp(0, true, true, true);  // distributing again: back in activation order (it stayed active)
  EXPECT_EQ(names(lag, lag.order()), (V{"p0", "p1", "p2"}));
}

TEST(DpdkBond, ActiveBackupRoundRobinBroadcast) {
  auto ab = Lag::from_spec("dpdk:active-backup;primary=p1", {"p0", "p1"});
  EXPECT_EQ(ab.select_hash(0).member, 1);
  ab.set_link(1, false);
  EXPECT_EQ(ab.select_hash(0).member, 0);
  ab.set_link(1, true);
  EXPECT_EQ(ab.select_hash(0).member, 1);  // the user-set primary takes the role back
  auto rr = Lag::from_spec("dpdk:round-robin", {"p0", "p1", "p2"});
  std::vector<MemberIndex> seen;
  for (int i = 0; i < 4; ++i) seen.push_back(rr.select_hash(99).member);
  EXPECT_EQ(seen, (std::vector<MemberIndex>{0, 1, 2, 0}));
  auto bc = Lag::from_spec("dpdk:broadcast", {"p0", "p1"});
  EXPECT_EQ(bc.select_hash(0).outcome, Outcome::broadcast);
}
