// Tests for fwd/l2/switch.hpp: forwarding decisions per profile, VLAN tag insertion/removal,
// frame accounting, bad input, LAG ports, and the CARP virtual-MAC move (issue 4).
#include <gtest/gtest.h>

#include <cerrno>
#include <numeric>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/lag/ovs_bond.hpp"

using namespace fwd;
using namespace fwd::l2;

namespace {

using Frame = std::vector<std::uint8_t>;

void put_mac(Frame& f, std::size_t at, std::uint64_t m) {
  for (int i = 0; i < 6; ++i) f[at + i] = static_cast<std::uint8_t>(m >> (8 * (5 - i)));
}

// A 60-byte frame: dst, src, optional 802.1Q TCI (0x8100), EtherType 0x88b5, marker payload.
Frame eth(std::uint64_t dst, std::uint64_t src, std::optional<std::uint16_t> tci = {}, std::uint16_t type = 0x88b5) {
  Frame f(60, 0);
  put_mac(f, 0, dst);
  put_mac(f, 6, src);
  std::size_t at = 12;
  if (tci) {
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = static_cast<std::uint8_t>(*tci >> 8);
    f[15] = static_cast<std::uint8_t>(*tci);
    at = 16;
  }
  f[at] = static_cast<std::uint8_t>(type >> 8);
  f[at + 1] = static_cast<std::uint8_t>(type);
  f[at + 2] = 'L';
  f[at + 3] = 'F';
  f[at + 4] = 'W';
  f[at + 5] = '!';
  return f;
}

net::Bytes bytes(const Frame& f) { return net::Bytes(f.data(), f.size()); }
Time ms(double v) { return Time{static_cast<std::int64_t>(v * 1e6)}; }

constexpr std::uint64_t A = 0x02aa00000001, B = 0x02aa00000002, C = 0x02aa00000003, BCAST = 0xffffffffffff;

std::vector<PortConfig> plain_ports(int n) {
  std::vector<PortConfig> v;
  for (int i = 1; i <= n; ++i) v.push_back(PortConfig{.name = "p" + std::to_string(i)});
  return v;
}

std::vector<std::string> egress_links(const Switch& sw, const Decision& d) {
  std::vector<std::string> v;
  for (const auto& e : d.egress) v.push_back(sw.link_name(e.link));
  std::sort(v.begin(), v.end());
  return v;
}

void expect_accounting(const Switch& sw) {
  const auto& c = sw.counters();
  const auto drops = std::accumulate(c.dropped_by.begin(), c.dropped_by.end(), std::uint64_t{0});
  EXPECT_EQ(c.rx, c.forwarded + c.flooded + c.to_host + c.dropped);
  EXPECT_EQ(c.dropped, drops);
}

}  // namespace

TEST(Switch, LinuxLearnFloodForwardFilter) {
  Switch sw(SwitchConfig::defaults(Profile::linux_bridge), plain_ports(4));
  auto d = sw.receive(0, bytes(eth(B, A)), ms(0));
  EXPECT_EQ(d.verdict, Verdict::flooded);
  EXPECT_EQ(egress_links(sw, d), (std::vector<std::string>{"p2", "p3", "p4"}));
  d = sw.receive(1, bytes(eth(A, B)), ms(1));
  EXPECT_EQ(d.verdict, Verdict::forwarded);
  EXPECT_EQ(egress_links(sw, d), (std::vector<std::string>{"p1"}));
  d = sw.receive(0, bytes(eth(A, C)), ms(2));  // A lives on p1: filtered
  EXPECT_EQ(d.verdict, Verdict::dropped);
  EXPECT_EQ(d.reason, DropReason::same_port);
  d = sw.receive(2, bytes(eth(BCAST, A)), ms(3));  // A moves to p3 and floods
  EXPECT_EQ(d.learn, LearnStatus::moved);
  EXPECT_EQ(egress_links(sw, d), (std::vector<std::string>{"p1", "p2", "p4"}));
  expect_accounting(sw);
}

TEST(Switch, LinuxIngressRules) {
  auto c = SwitchConfig::defaults(Profile::linux_bridge);
  c.bridge_mac = net::Mac::from_u64(0x021f00000000);
  auto ports = plain_ports(3);
  ports[1].mac = net::Mac::from_u64(0x021f00000102);
  Switch sw(c, ports);
  EXPECT_EQ(sw.receive(0, bytes(eth(B, 0x01005e000001)), ms(0)).reason, DropReason::invalid_source);
  EXPECT_EQ(sw.receive(0, bytes(eth(B, 0)), ms(0)).reason, DropReason::invalid_source);
  EXPECT_EQ(sw.receive(0, bytes(eth(0x0180c2000001, A)), ms(0)).reason, DropReason::mac_control);
  EXPECT_EQ(sw.fdb().size(), 0u);  // pause frames are dropped before learning
  auto d = sw.receive(0, bytes(eth(0x0180c200000e, A)), ms(1));  // LLDP: to the host, learned
  EXPECT_EQ(d.verdict, Verdict::to_host);
  EXPECT_EQ(sw.fdb().size(), 1u);
  d = sw.receive(0, bytes(eth(0x0180c2000000, A)), ms(2));  // STP off: forwarded like multicast
  EXPECT_EQ(d.verdict, Verdict::flooded);
  EXPECT_EQ(sw.receive(2, bytes(eth(0x021f00000000, C)), ms(3)).verdict, Verdict::to_host);
  EXPECT_EQ(sw.receive(2, bytes(eth(0x021f00000102, C)), ms(3)).verdict, Verdict::to_host);
  d = sw.receive(2, bytes(eth(B, 0x021f00000102)), ms(4));  // own address as source: forwarded
  EXPECT_EQ(d.verdict, Verdict::flooded);
  EXPECT_FALSE(sw.fdb().lookup(0, net::Mac::from_u64(0x021f00000102), ms(4)));
  EXPECT_EQ(sw.receive(0, bytes(Frame(13, 0xff)), ms(5)).reason, DropReason::too_short);
  EXPECT_EQ(sw.receive(9, bytes(eth(B, A)), ms(5)).reason, DropReason::bad_link);
  expect_accounting(sw);
}

TEST(Switch, LinuxGroupFwdMaskAndFloodFlags) {
  auto c = SwitchConfig::defaults(Profile::linux_bridge);
  c.group_fwd_mask = 0x4008;  // 802.1X (3) and LLDP (14)
  auto ports = plain_ports(3);
  ports[2].mcast_flood = false;
  Switch sw(c, ports);
  auto d = sw.receive(0, bytes(eth(0x0180c2000003, A)), ms(0));
  EXPECT_EQ(egress_links(sw, d), (std::vector<std::string>{"p2"}));  // multicast flood flags apply
  c.group_fwd_mask = 0x0004;
  EXPECT_THROW(Switch(c, plain_ports(2)), Error);
}

TEST(Switch, LinuxHairpinLockedAndLinkDown) {
  auto ports = plain_ports(3);
  ports[0].hairpin = true;
  ports[2].locked = true;
  Switch sw(SwitchConfig::defaults(Profile::linux_bridge), ports);
  sw.receive(0, bytes(eth(BCAST, A)), ms(0));
  auto d = sw.receive(0, bytes(eth(A, B)), ms(1));  // A on p1, hairpin p1: sent back
  EXPECT_EQ(egress_links(sw, d), (std::vector<std::string>{"p1"}));
  EXPECT_EQ(sw.receive(2, bytes(eth(A, C)), ms(2)).reason, DropReason::locked_port);
  EXPECT_EQ(sw.fdb_add(net::Mac::from_u64(C), 2, std::nullopt, AddOptions{}, ms(3)), 0);
  EXPECT_EQ(sw.receive(2, bytes(eth(A, C)), ms(4)).verdict, Verdict::forwarded);
  // A static entry moves (Linux) and then the locked port drops the MAC (spec §1 fact 2).
  sw.receive(1, bytes(eth(BCAST, C)), ms(5));
  EXPECT_EQ(sw.receive(2, bytes(eth(A, C)), ms(6)).reason, DropReason::locked_port);
  // Link down flushes dynamic entries only; frames to a static entry on a down port vanish.
  sw.set_port_admin(1, false, ms(7));
  EXPECT_EQ(sw.receive(0, bytes(eth(C, A)), ms(8)).reason, DropReason::blackhole);
  sw.receive(1, bytes(eth(BCAST, B)), ms(9));
  EXPECT_EQ(sw.counters().dropped_by[static_cast<std::size_t>(DropReason::port_down)], 1u);
  EXPECT_EQ(sw.fdb_add(net::Mac::from_u64(B), 1, std::nullopt, AddOptions{.is_static = false}, ms(10)), EPERM);
  EXPECT_EQ(sw.fdb_add(net::Mac::from_u64(C), 0, std::nullopt, AddOptions{}, ms(10)), EEXIST);
  EXPECT_EQ(sw.fdb_add(net::Mac::from_u64(B), 0, std::uint16_t{10}, AddOptions{}, ms(10)), EINVAL);
  EXPECT_EQ(sw.fdb_del(net::Mac::from_u64(A), 1, std::nullopt, ms(10)), ENOENT);
  expect_accounting(sw);
}

TEST(Switch, VlanTransparentWithoutFiltering) {
  Switch sw(SwitchConfig::defaults(Profile::linux_bridge), plain_ports(2));
  const Frame f = eth(BCAST, A, std::uint16_t{0x600a});
  auto d = sw.receive(0, bytes(f), ms(0));
  ASSERT_EQ(d.egress.size(), 1u);
  EXPECT_EQ(Switch::render(bytes(f), d.egress[0]), f);  // byte-identical
  EXPECT_TRUE(sw.fdb().lookup(0, net::Mac::from_u64(A), ms(1)));  // key ignores the tag
}

TEST(Switch, OvsTagInsertionAndRemoval) {
  std::vector<PortConfig> ports{{.name = "p1", .tag = 10}, {.name = "p2", .tag = 20},
                                {.name = "p3", .trunks = {10, 20}}, {.name = "p4"}};
  Switch sw(SwitchConfig::defaults(Profile::ovs_3_1), ports);
  // Untagged on access VLAN 10: pushed as VID 10 towards the trunks (60 -> 64 bytes).
  const Frame u = eth(BCAST, A);
  auto d = sw.receive(0, bytes(u), ms(0), Datapath::miss);
  ASSERT_EQ(egress_links(sw, d), (std::vector<std::string>{"p3", "p4"}));
  const auto out = Switch::render(bytes(u), d.egress[0]);
  ASSERT_EQ(out.size(), 64u);
  EXPECT_EQ(out[12], 0x81);
  EXPECT_EQ(out[13], 0x00);
  EXPECT_EQ(out[14], 0x00);
  EXPECT_EQ(out[15], 0x0a);
  EXPECT_TRUE(std::equal(u.begin() + 12, u.end(), out.begin() + 16));
  // Priority-tagged (PCP 5) on the access port: VLAN 10, PCP kept: a00a on trunks, stripped
  // (60 -> 56 bytes) on the other access port of VLAN 10.
  std::vector<PortConfig> ports2{{.name = "p1", .tag = 10}, {.name = "p2", .tag = 10},
                                 {.name = "p3", .trunks = {10, 20}}};
  Switch sw2(SwitchConfig::defaults(Profile::ovs_3_1), ports2);
  const Frame prio = eth(BCAST, B, std::uint16_t{0xa000});
  d = sw2.receive(0, bytes(prio), ms(0), Datapath::miss);
  ASSERT_EQ(d.egress.size(), 2u);
  for (const auto& e : d.egress) {
    const auto o = Switch::render(bytes(prio), e);
    if (sw2.link_name(e.link) == "p2") {
      EXPECT_EQ(o.size(), 56u);
      EXPECT_EQ(o[12], 0x88);
    } else {
      EXPECT_EQ(o.size(), 60u);
      EXPECT_EQ(o[14], 0xa0);
      EXPECT_EQ(o[15], 0x0a);
    }
  }
  // Any non-zero VID on an access port is dropped and not learned, even its own VLAN.
  EXPECT_EQ(sw2.receive(0, bytes(eth(BCAST, C, std::uint16_t{10})), ms(1)).reason, DropReason::vlan_ingress);
  EXPECT_FALSE(sw2.fdb().lookup(10, net::Mac::from_u64(C), ms(1)));
  // Trunk with a list drops untagged frames and VLANs outside the list.
  EXPECT_EQ(sw2.receive(2, bytes(eth(BCAST, C)), ms(2)).reason, DropReason::vlan_ingress);
  EXPECT_EQ(sw2.receive(2, bytes(eth(BCAST, C, std::uint16_t{30})), ms(2)).reason, DropReason::vlan_ingress);
  // Reserved multicast is dropped before learning.
  EXPECT_EQ(sw2.receive(0, bytes(eth(0x01000ccccccc, C)), ms(3)).reason, DropReason::reserved_multicast);
  EXPECT_EQ(sw2.fdb().size(), 1u);
  expect_accounting(sw2);
}

TEST(Switch, LinuxVlanFilteringPvidAndUntagged) {
  auto c = SwitchConfig::defaults(Profile::linux_bridge);
  c.vlan_aware = true;
  std::vector<PortConfig> ports{{.name = "p1", .vlan_mode = VlanMode::linux, .pvid = 10, .untagged = {10}},
                                {.name = "p2", .vlan_mode = VlanMode::linux, .vlans = {10, 20}},
                                {.name = "p3", .vlan_mode = VlanMode::linux, .pvid = 20, .untagged = {20}}};
  Switch sw(c, ports);
  const Frame u = eth(BCAST, A);
  auto d = sw.receive(0, bytes(u), ms(0));
  ASSERT_EQ(egress_links(sw, d), (std::vector<std::string>{"p2"}));  // confined to VLAN 10
  EXPECT_EQ(d.egress[0].op, TagOp::push);
  EXPECT_EQ(d.egress[0].tci, 10);
  d = sw.receive(1, bytes(eth(BCAST, B, std::uint16_t{0x3014})), ms(1));  // VID 20 PCP 1
  ASSERT_EQ(egress_links(sw, d), (std::vector<std::string>{"p3"}));
  EXPECT_EQ(d.egress[0].op, TagOp::strip);
  EXPECT_EQ(sw.receive(1, bytes(eth(BCAST, B)), ms(2)).reason, DropReason::vlan_ingress);  // no PVID
  EXPECT_EQ(sw.receive(0, bytes(eth(BCAST, A, std::uint16_t{20})), ms(3)).reason, DropReason::vlan_ingress);
  EXPECT_TRUE(sw.fdb().lookup(20, net::Mac::from_u64(B), ms(3)));
  EXPECT_FALSE(sw.fdb().lookup(10, net::Mac::from_u64(B), ms(3)));
}

TEST(Switch, MalformedTagAndBadConfig) {
  Switch sw(SwitchConfig::defaults(Profile::vendor), plain_ports(2));
  Frame f = eth(BCAST, A, std::uint16_t{1});
  f.resize(16);  // TPID 0x8100 but the tag is cut short
  EXPECT_EQ(sw.receive(0, bytes(f), ms(0)).reason, DropReason::malformed_vlan);
  EXPECT_THROW(Switch(SwitchConfig::defaults(Profile::linux_bridge), std::vector<PortConfig>{}), Error);
  EXPECT_THROW(Switch(SwitchConfig::defaults(Profile::linux_bridge), {{.name = "a"}, {.name = "a"}}), Error);
  EXPECT_THROW(Switch(SwitchConfig::defaults(Profile::ovs_3_1), {{.name = "a", .tag = 4096}}), Error);
  EXPECT_THROW(Switch(SwitchConfig::defaults(Profile::vendor), {{.name = "a", .trunks = {0}}}), Error);
  EXPECT_THROW(sw.port_id("p9"), Error);
  EXPECT_THROW(parse_profile("cisco"), Error);
  try {
    sw.link_id("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p1, p2"), std::string::npos);
  }
}

TEST(Switch, OvsDeferredLearningOnCachedFlows) {
  Switch sw(SwitchConfig::defaults(Profile::ovs_3_1), plain_ports(3));
  sw.receive(0, bytes(eth(BCAST, A)), ms(0));                // miss: learned at once
  sw.receive(1, bytes(eth(A, B)), ms(100));
  auto d = sw.receive(1, bytes(eth(A, B)), ms(200));         // same flow: hit
  EXPECT_TRUE(d.datapath_hit);
  d = sw.receive(2, bytes(eth(BCAST, A)), ms(300));          // A moves to p3 (new flow: miss)
  EXPECT_FALSE(d.datapath_hit);
  d = sw.receive(0, bytes(eth(BCAST, A)), ms(400));          // the first flow again: hit
  EXPECT_TRUE(d.datapath_hit);
  EXPECT_TRUE(d.learn_deferred);
  EXPECT_EQ(sw.receive(1, bytes(eth(A, B)), ms(499)).dst_port, 2);  // still on p3 (stray window)
  EXPECT_EQ(sw.receive(1, bytes(eth(A, B)), ms(500)).dst_port, 0);  // the revalidator dump at 500 ms moved it
  EXPECT_EQ(sw.fdb().counters().moved, 2u);
  // Flows idle for 10 s leave the cache.
  EXPECT_FALSE(sw.receive(1, bytes(eth(A, B)), ms(11000)).datapath_hit);
}

// ---- the CARP virtual-MAC pattern (l2-learning.md §3), with LAG ports -----------------------

namespace {

constexpr std::uint64_t VMAC = 0x00005e000102, CARP_GROUP = 0x01005e000012, CLIENT = 0x02aa00000003;

struct CarpRun {
  std::vector<std::string> before, during, just_after, after;
  std::vector<Event> events;
};

CarpRun run_carp(Profile prof, std::optional<FlapConfig> flap = {}, std::string ovs_mode = "active-backup") {
  auto c = SwitchConfig::defaults(prof);
  c.flap = flap;
  LagConfig master{.members = {"m1", "m2"}}, backup{.members = {"b1", "b2"}};
  if (prof == Profile::ovs_3_1) master.spec = backup.spec = "ovs-3.1:" + ovs_mode;
  std::vector<PortConfig> ports{{.name = "master", .lag = master}, {.name = "backup", .lag = backup},
                                {.name = "client"}};
  Switch sw(c, ports);
  const LinkId m1 = sw.link_id("m1"), b1 = sw.link_id("b1"), cl = sw.link_id("client");
  const Frame advert = eth(CARP_GROUP, VMAC);
  const Frame to_vmac = eth(VMAC, CLIENT);
  CarpRun r;
  auto client_sends = [&](double t) {
    std::vector<std::string> v;
    for (const auto& e : sw.receive(cl, bytes(to_vmac), ms(t)).egress) v.push_back(sw.port_name(e.port));
    return v;
  };
  sw.receive(cl, bytes(eth(BCAST, CLIENT)), ms(0));
  sw.receive(m1, bytes(advert), ms(40));
  sw.receive(m1, bytes(advert), ms(1040));
  r.before = client_sends(1500);
  sw.receive(b1, bytes(eth(BCAST, VMAC)), ms(1600));  // ONE frame from the backup
  r.during = client_sends(1650);
  sw.receive(m1, bytes(advert), ms(2040));            // the master's next advert
  r.just_after = client_sends(2100);
  r.after = client_sends(2700);
  r.events = sw.drain_events();
  return r;
}

std::size_t count(const std::vector<Event>& ev, EventKind k) {
  return static_cast<std::size_t>(std::count_if(ev.begin(), ev.end(), [&](const Event& e) { return e.kind == k; }));
}

}  // namespace

TEST(SwitchCarp, StrayToBackupUntilTheMasterSpeaks) {
  const std::vector<std::string> master{"master"}, backup{"backup"};
  for (Profile p : {Profile::linux_bridge, Profile::freebsd_bridge, Profile::vendor}) {
    SCOPED_TRACE(to_string(p));
    const CarpRun r = run_carp(p);
    EXPECT_EQ(r.before, master);
    EXPECT_EQ(r.during, backup);
    EXPECT_EQ(r.just_after, master);
    EXPECT_EQ(r.after, master);
    ASSERT_EQ(count(r.events, EventKind::moved), 2u);
    const auto first = *std::find_if(r.events.begin(), r.events.end(),
                                     [](const Event& e) { return e.kind == EventKind::moved; });
    EXPECT_EQ(first.mac, net::Mac::from_u64(VMAC));
    EXPECT_EQ(first.from, 0);  // master LAG
    EXPECT_EQ(first.to, 1);    // backup LAG
    EXPECT_EQ(first.time, ms(1600));
    // Linux and FreeBSD 9.3 detect nothing; the vendor preset (2 moves in 5 s) reports a flap.
    EXPECT_EQ(count(r.events, EventKind::flap), p == Profile::vendor ? 1u : 0u);
  }
}

TEST(SwitchCarp, OvsStrayLastsUntilTheRevalidatorRuns) {
  // OVS rows 19-20: the master's next advert hits its cached flow, so the move back is applied
  // by the revalidator: client frames just after the advert still reach the backup.
  const CarpRun r = run_carp(Profile::ovs_3_1);
  EXPECT_EQ(r.before, std::vector<std::string>{"master"});
  EXPECT_EQ(r.during, std::vector<std::string>{"backup"});
  EXPECT_EQ(r.just_after, std::vector<std::string>{"backup"});
  EXPECT_EQ(r.after, std::vector<std::string>{"master"});
  EXPECT_EQ(count(r.events, EventKind::moved), 2u);
  EXPECT_EQ(count(r.events, EventKind::flap), 0u);  // OVS counts moves, detects no flaps
}

TEST(SwitchCarp, OvsSlbLoopProtectionStopsTheStray) {
  // With balance-slb bonds the backup's frame "looped back" (its source is learned on the
  // master's bond) and is dropped: no move at all.
  const CarpRun r = run_carp(Profile::ovs_3_1, {}, "balance-slb");
  EXPECT_EQ(r.during, std::vector<std::string>{"master"});
  EXPECT_EQ(count(r.events, EventKind::moved), 0u);
}

TEST(SwitchCarp, FlapPresetsOnTheSameStray) {
  FlapConfig spec_check;  // l2-learning.md §5 check: threshold 2, window 1 s, on_threshold
  spec_check.enabled = true;
  spec_check.threshold = 2;
  spec_check.window = Time::from_s(1);
  spec_check.emit = FlapEmit::on_threshold;
  auto r = run_carp(Profile::linux_bridge, spec_check);
  ASSERT_EQ(count(r.events, EventKind::flap), 1u);
  const auto flap = *std::find_if(r.events.begin(), r.events.end(), [](const Event& e) { return e.kind == EventKind::flap; });
  EXPECT_EQ(flap.count, 2u);
  EXPECT_EQ(flap.from, 1);
  EXPECT_EQ(flap.to, 0);
  EXPECT_EQ(flap.time, ms(2040));
  EXPECT_EQ(count(run_carp(Profile::linux_bridge, FlapConfig::preset("evpn-rfc7432")).events, EventKind::flap), 0u);
  // freebsd-14: every move, but rate-limited to one line per second: the move back 0.44 s later is silent.
  EXPECT_EQ(count(run_carp(Profile::linux_bridge, FlapConfig::preset("freebsd-14")).events, EventKind::flap), 1u);
  // Juniper-style drop (threshold lowered to 2): the master's advert is dropped, the stray stays.
  auto j = FlapConfig::preset("juniper-ex");
  j.threshold = 2;
  r = run_carp(Profile::vendor, j);
  EXPECT_EQ(r.just_after, std::vector<std::string>{"backup"});
}

TEST(Switch, OvsBondEgressUsesBucketState) {
  LagConfig b{.members = {"m1", "m2"}};
  std::vector<PortConfig> ports{{.name = "p1"}, {.name = "p2"}, {.name = "b1", .lag = b}};
  Switch sw(SwitchConfig::defaults(Profile::ovs_3_1), ports);
  sw.receive(sw.link_id("m1"), bytes(eth(0x02aa00000099, 0x02dd00000001)), ms(0));
  std::vector<std::string> members;
  for (int i = 0; i < 4; ++i) {
    const auto d = sw.receive(0, bytes(eth(0x02dd00000001, 0x02cc00000000 + i)), ms(100 + i));
    ASSERT_EQ(d.egress.size(), 1u);
    members.push_back(sw.link_name(d.egress[0].link));
  }
  // First-use round robin over new buckets (OVS row 29).
  EXPECT_EQ(members, (std::vector<std::string>{"m1", "m2", "m1", "m2"}));
  ASSERT_NE(sw.bond(2), nullptr);
  // Broadcast arriving on the non-active member is dropped (SLB receive, row 31).
  EXPECT_EQ(sw.receive(sw.link_id("m2"), bytes(eth(BCAST, 0x02dd00000005)), ms(200)).reason,
            DropReason::bond_admission);
  expect_accounting(sw);
}

TEST(Switch, ShowTextAndJson) {
  Switch sw(SwitchConfig::defaults(Profile::ovs_3_1), plain_ports(2));
  sw.receive(0, bytes(eth(BCAST, A)), ms(0));
  const std::string show = sw.fdb_show(ms(2500));
  EXPECT_NE(show.find(" port  VLAN  MAC                Age"), std::string::npos);
  EXPECT_NE(show.find("   p1     0  02:aa:00:00:00:01    2"), std::string::npos);
  const std::string json = fwd::describe::dump(sw.to_json(ms(2500)));
  EXPECT_NE(json.find("\"mac\":\"02:aa:00:00:00:01\""), std::string::npos);
  EXPECT_NE(json.find("\"vlan\":0"), std::string::npos);
  const std::string stats = sw.fdb_stats(ms(2500));
  EXPECT_NE(stats.find("Current/maximum MAC entries in the table: 1/8192"), std::string::npos);
  EXPECT_NE(stats.find("Total number of learned MAC entries     : 1"), std::string::npos);
  EXPECT_NE(json.find("\"learned\":1"), std::string::npos);
  EXPECT_NE(json.find("\"maximum\":8192"), std::string::npos);
}

// Found by tests/fuzz/switch_fuzz: the all-zero MAC in VLAN 0 used to share the table's "empty
// slot" key, so a frame *to* 00:00:00:00:00:00 found an empty slot, took it for an expired entry
// and erased it (the size underflowed and a later FDB dump threw). It floods like unknown unicast.
TEST(Switch, AllZeroDestinationFloodsAndLeavesTheTableIntact) {
  for (Profile p : {Profile::linux_bridge, Profile::freebsd_bridge, Profile::ovs_3_1, Profile::vendor}) {
    Switch sw(SwitchConfig::defaults(p), plain_ports(3));
    sw.receive(0, bytes(eth(BCAST, A)), ms(0));
    sw.receive(1, bytes(eth(BCAST, B)), ms(1));
    ASSERT_EQ(sw.fdb().size(), 2u) << to_string(p);
    for (int i = 0; i < 3; ++i) {
      const auto d = sw.receive(2, bytes(eth(0, C)), ms(1000.0 * 400 * i + 2));  // past ageing from i = 1
      EXPECT_EQ(d.verdict, Verdict::flooded) << to_string(p);
    }
    const Time end = ms(1000.0 * 800 + 2);
    sw.fdb().age(end);
    EXPECT_EQ(sw.fdb().size(), sw.fdb().entries(end).size()) << to_string(p);
    EXPECT_NO_THROW(sw.fdb_show(end)) << to_string(p);
    expect_accounting(sw);
  }
}
