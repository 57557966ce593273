// FreeBSD lagg member selection (fwd/lag/freebsd.hpp), driven through fwd::lag::Lag.
#include "fwd/lag/freebsd.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

#include <string>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "member_names.hpp"

using fwd::Time;
using fwd::lag::Lag;
using fwd::lag::MemberIndex;
using fwd::lag::Outcome;
using fwd::lag::Selection;


TEST(FreebsdLacp, DistributingPortsAreHeadInserted) {
  auto lag = Lag::from_spec("freebsd-9.3:lacp;key=0", {"a", "b", "c"});
  EXPECT_EQ(names(lag, lag.order()), (V{"c", "b", "a"}));
  // b stops distributing, then starts again: it comes back at the head.
  lag.set_lacp(1, true, true, false, Time::from_s(10));
  EXPECT_EQ(names(lag, lag.order()), (V{"c", "a"}));
  lag.set_lacp(1, true, true, true, Time::from_s(20));
  EXPECT_EQ(names(lag, lag.order()), (V{"b", "c", "a"}));
  // A link going down stops distributing too.
  lag.set_link(2, false, Time::from_s(30));
  EXPECT_EQ(names(lag, lag.order()), (V{"b", "a"}));
}

TEST(FreebsdLacp, WorkedExampleHashModuloCount) {
  // Spec §9.1: F1 under lagghash l2,l3,l4, key 0 hashes to 0x4fd006c2; % 2 = 0: pm_map[0].
  auto lag = Lag::from_spec("freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0", {"a", "b"});
  EXPECT_EQ(lag.hash(F1), 0x4fd006c2u);
  EXPECT_EQ(lag.select(F1), Selection::to(1));  // pm_map = [b, a]
  EXPECT_EQ(lag.name(lag.select(F1).member), "b");
  auto three = Lag::from_spec("freebsd-9.3:lacp;key=0", {"a", "b", "c"});
  EXPECT_EQ(three.name(three.select(F1).member), std::vector<std::string>({"c", "b", "a"})[0x4fd006c2u % 3]);
}

TEST(FreebsdLacp, TransitWindowDropsForThreeSecondsAfterAChange) {
  auto lag = Lag::from_spec("freebsd-9.3:lacp;key=0", {"a", "b"});
  EXPECT_TRUE(lag.select_at(F1, {}, Time::from_s(1)).is_member());  // construction opens no window
  lag.set_link(0, false, Time::from_s(100));
  EXPECT_EQ(lag.select_at(F1, {}, Time::from_ms(100'001)).outcome, Outcome::transit);
  EXPECT_EQ(lag.select_at(F1, {}, Time::from_ms(102'999)).outcome, Outcome::transit);
  EXPECT_EQ(lag.select_at(F1, {}, Time::from_ms(103'000)), Selection::to(1));
  // Steady-state selection ignores the window.
  lag.set_link(0, true, Time::from_s(200));
  EXPECT_TRUE(lag.select(F1).is_member());
  EXPECT_EQ(lag.select_at(F1, {}, Time::from_ms(200'500)).outcome, Outcome::transit);
  lag.end_transit();  // marker responses came back
  EXPECT_TRUE(lag.select_at(F1, {}, Time::from_ms(200'600)).is_member());
  // No distributing port: drop.
  lag.set_link(0, false, Time::from_s(300));
  lag.set_link(1, false, Time::from_s(300));
  EXPECT_EQ(lag.select(F1).outcome, Outcome::no_member);
}

TEST(FreebsdLacp, ActiveAggregatorPrefersLowerPartnerPriorityThenBandwidth) {
  auto lag = Lag::from_spec("freebsd-9.3:lacp;key=0", {"a", "b", "c"});
  auto st = lag.state(2);
  st.aggregator = 1;
  st.speed_mbps = 10000;  // c alone has more bandwidth than a + b
  lag.set_state(2, st);
  EXPECT_EQ(names(lag, lag.order()), (V{"c"}));
  st.partner_priority = 40000;  // but a worse partner priority
  lag.set_state(2, st);
  EXPECT_EQ(names(lag, lag.order()), (V{"b", "a"}));
}

TEST(FreebsdLoadbalance, NinePortListIsNewestFirstWithLinkActiveResolution) {
  auto lag = Lag::from_spec("freebsd-9.3:loadbalance;key=0", {"a", "b", "c"});
  EXPECT_EQ(names(lag, lag.order()), (V{"c", "b", "a"}));
  // h % all ports, up or down.
  for (std::uint32_t h = 0; h < 6; ++h) EXPECT_EQ(lag.select_hash(h).member, 2 - h % 3);  // [c, b, a][h % 3]
  // b down: its index goes to the next port in the list (a); others unchanged.
  lag.set_link(1, false);
  EXPECT_EQ(lag.select_hash(0).member, 2);
  EXPECT_EQ(lag.select_hash(1).member, 0);
  EXPECT_EQ(lag.select_hash(2).member, 0);
  // a (the last port) down too: no next port, search from the head: c.
  lag.set_link(0, false);
  EXPECT_EQ(lag.select_hash(2).member, 2);
  EXPECT_EQ(lag.select_hash(1).member, 2);
  lag.set_link(2, false);
  EXPECT_EQ(lag.select_hash(0).outcome, Outcome::no_member);
}

TEST(FreebsdLoadbalance, CurrentPortListIsSortedByIfindex) {
  auto lag = Lag::from_spec("freebsd-12:loadbalance;key=0", {"a", "b", "c"});
  EXPECT_EQ(names(lag, lag.order()), (V{"a", "b", "c"}));
  auto fec = Lag::from_spec("freebsd-12:fec;key=0", {"a", "b", "c"});
  EXPECT_EQ(fec.mode(), "loadbalance");
  // A port added later with a lower ifindex sorts before the others.
  auto lag2 = Lag::from_spec("freebsd-12:loadbalance;key=0", {"x", "y"});
  auto sx = lag2.state(0);
  EXPECT_EQ(sx.ifindex, 1u);
}

TEST(FreebsdFailover, PrimaryIsTheFirstPortAdded) {
  auto lag = Lag::from_spec("freebsd-9.3:failover", {"a", "b", "c"});
  EXPECT_EQ(lag.select(F1).member, 0);
  lag.set_link(0, false);
  // a is last in the newest-first list: no next port, so the first up port from the head: c.
  EXPECT_EQ(lag.select(F1).member, 2);
  lag.set_link(0, true);
  EXPECT_EQ(lag.select(F1).member, 0);
}

TEST(FreebsdRoundrobin, CounterStartsAtZeroOverAllPorts) {
  auto lag = Lag::from_spec("freebsd-9.3:roundrobin", {"a", "b", "c"});
  std::vector<MemberIndex> seen;
  for (int i = 0; i < 6; ++i) seen.push_back(lag.select(F1).member);
  EXPECT_EQ(seen, (std::vector<MemberIndex>{2, 1, 0, 2, 1, 0}));
  lag.set_link(1, false);  // b's turn goes to the next port, a
  seen.clear();
  for (int i = 0; i < 3; ++i) seen.push_back(lag.select(F1).member);
  EXPECT_EQ(seen, (std::vector<MemberIndex>{2, 0, 0}));
}

TEST(FreebsdRoundrobin, RrLimitIsTheStride) {
  auto lag = Lag::from_spec("freebsd-10:roundrobin;rr_limit=2", {"a", "b"});
  std::vector<MemberIndex> seen;
  for (int i = 0; i < 6; ++i) seen.push_back(lag.select(F1).member);
  EXPECT_EQ(seen, (std::vector<MemberIndex>{1, 1, 0, 0, 1, 1}));  // ports [b, a]
  EXPECT_THROW(Lag::from_spec("freebsd-9.3:roundrobin;rr_limit=2", {"a"}), fwd::Error);
  EXPECT_THROW(Lag::from_spec("freebsd-10:roundrobin;rr_limit=0", {"a"}), fwd::Error);
}

TEST(FreebsdBroadcast, TenAndLaterOnly) {
  EXPECT_THROW(Lag::from_spec("freebsd-9.3:broadcast", {"a", "b"}), fwd::Error);
  auto lag = Lag::from_spec("freebsd-10:broadcast", {"a", "b"});
  EXPECT_EQ(lag.select(F1).outcome, Outcome::broadcast);
  lag.set_link(0, false);
  EXPECT_EQ(names(lag, lag.broadcast_members()), (V{"b"}));
}

TEST(FreebsdFlowid, DefaultsPerVersion) {
  fwd::net::PacketMeta meta;
  meta.flow_hash = 0x00030005;
  // 9.3: use_flowid on, no shift: lagghash is bypassed.
  auto v93 = Lag::from_spec("freebsd-9.3:lacp;key=0", {"a", "b", "c"});
  EXPECT_EQ(v93.hash(F1, meta), 0x00030005u);
  EXPECT_EQ(v93.select(F1, meta).member, 2 - 0x00030005 % 3);  // [c, b, a][h % 3] = a
  // 10.x: on, shift 16.
  auto v10 = Lag::from_spec("freebsd-10:lacp;key=0", {"a", "b", "c"});
  EXPECT_EQ(v10.hash(F1, meta), 3u);
  EXPECT_EQ(v10.select(F1, meta).member, 2);  // pm_map[3 % 3] = c
  // current: off by default; on with use_flowid=1.
  auto cur = Lag::from_spec("freebsd-12:lacp;key=0", {"a", "b", "c"});
  EXPECT_EQ(cur.hash(F1, meta), 0x18c6b922u);  // spec §9.1 FNV value
  auto cur_on = Lag::from_spec("freebsd-12:lacp;key=0;use_flowid=1", {"a", "b", "c"});
  EXPECT_EQ(cur_on.hash(F1, meta), 3u);
  // Without a flow id the hash is computed.
  EXPECT_EQ(v93.hash(F1), 0x4fd006c2u);
  EXPECT_THROW(Lag::from_spec("freebsd-9.3:lacp;flowid_shift=16", {"a"}), fwd::Error);
}

TEST(FreebsdLagg, FollowsNamesTheVersion) {
  EXPECT_EQ(Lag::from_spec("freebsd-9.3:lacp", {"a"}).follows(), "FreeBSD 9.3 lagg(4) laggproto lacp");
  EXPECT_EQ(Lag::from_spec("freebsd-current:loadbalance", {"a"}).follows(), "current FreeBSD (2019+) lagg(4) laggproto loadbalance");
}
