// Tests of fwd/sim/network.hpp: hosts behind an fwd::l2::Switch, frame accounting, faults, link
// carrier, CARP through a switch (the seed's mechanism in miniature), determinism.
#include "fwd/sim/network.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fwd/net/build.hpp"

namespace {

using fwd::Time;
using fwd::net::Ipv4;
using fwd::net::Mac;
using namespace fwd::sim;
namespace l2 = fwd::l2;

Mac mac(const char* s) { return Mac::parse(s); }
Ipv4 ip(const char* s) { return Ipv4::parse(s); }
std::size_t why(HostDrop d) { return static_cast<std::size_t>(d); }

// Three hosts on a Linux bridge.
struct Star {
  Network net;
  Star() {
    std::vector<l2::PortConfig> ports;
    for (int i = 0; i < 3; ++i) ports.push_back({.name = "p" + std::to_string(i)});
    net.add_switch("sw", l2::SwitchConfig::defaults(l2::Profile::linux_bridge), ports);
    for (int i = 0; i < 3; ++i) {
      Host& h = net.add_host({.name = "h" + std::to_string(i)});
      h.add_nic("em0", Mac::from_u64(0x020000000100ULL + i));
      h.add_address("em0", "10.1.0." + std::to_string(i + 1) + "/24");
      net.connect("h" + std::to_string(i) + ":em0", "sw:p" + std::to_string(i));
    }
  }
};

TEST(Network, EveryFrameIsDeliveredFloodedOrDroppedWithAReason) {
  Star s;
  s.net.host("h0").apps().ping_flood({.dst = ip("10.1.0.2"), .count = 200, .start = Time::from_ms(1)});
  s.net.host("h2").apps().ping_flood({.dst = ip("10.1.0.9"), .count = 50, .start = Time::from_ms(1)});  // unanswered ARP
  // A frame for an unknown MAC: flooded, then dropped by both other hosts ("not for us").
  auto f = fwd::net::FrameBuilder().eth(mac("02:00:00:00:09:99"), mac("02:00:00:00:01:00")).ipv4(ip("10.1.0.1"), ip("10.1.0.3")).icmp(8, 0, 1, 1).build();
  s.net.send_frame_at(Time::from_ms(500), "h0", "em0", f);
  s.net.run_for(Time::from_ms(700));
  const Accounting a = s.net.accounting();
  EXPECT_TRUE(a.balanced()) << a.to_text();
  EXPECT_EQ(a.link_in_flight, 0u);
  EXPECT_GT(a.switch_flooded, 0u);
  EXPECT_EQ(a.host_rx, a.host_delivered + a.host_dropped);
  EXPECT_EQ(s.net.host("h0").apps().ping_result(0).received, 200u);
  EXPECT_EQ(s.net.host("h1").counters().dropped_by[why(HostDrop::not_for_us_mac)], 1u);
  EXPECT_EQ(s.net.host("h2").counters().dropped_by[why(HostDrop::not_for_us_mac)], 1u);
  // Sum of link deliveries into the switch equals what the switch received.
  EXPECT_EQ(a.switch_rx, s.net.switch_node("sw").counters().rx);
  // Frames still in flight are accounted as such mid-run.
  s.net.host("h0").apps().ping_flood({.dst = ip("10.1.0.2"), .count = 5, .start = s.net.now(), .id = 9});
  s.net.run_until(s.net.now() + Time::from_ns(1500));
  EXPECT_TRUE(s.net.accounting().balanced());
}

TEST(Network, FaultDropsMatchingFramesInItsWindowOnly) {
  Star s;
  s.net.add_fault({.link = "sw:p1", .direction = "sw", .from = Time::from_ms(100), .until = Time::from_ms(200),
                   .match = FaultMatch::any});
  s.net.host("h0").apps().ping_flood({.dst = ip("10.1.0.2"), .count = 100000, .start = Time::from_ms(1),
                               .turnaround = Time::from_ms(1)});
  s.net.run_until(Time::from_ms(300));
  const auto& r = s.net.host("h0").apps().ping_result(0);
  const auto lost = r.lost_seqs();
  ASSERT_FALSE(lost.empty());
  for (auto i : lost) {
    if (r.send_ns[i] > Time::from_ms(290).ns) continue;  // still in flight when the run stopped
    // Requests enter the sw->h1 direction ~3 us after they are sent.
    EXPECT_GE(r.send_ns[i], Time::from_ms(100).ns - 10'000);
    EXPECT_LT(r.send_ns[i], Time::from_ms(200).ns);
  }
  // Link index 1 is h1's cable; direction 1 = from the switch end (second endpoint).
  EXPECT_EQ(s.net.link_counters(1, 1).fault_dropped, lost.size() - 1);
  EXPECT_TRUE(s.net.accounting().balanced());
}

TEST(Network, FaultDelayDoesNotHoldBackOtherFrames) {
  Star s;
  s.net.add_fault({.link = "h0:em0", .from = Time::from_ms(50), .until = Time::from_ms(51),
                   .match = FaultMatch::any, .delay = Time::from_ms(30), .max_count = 1});
  s.net.host("h0").apps().ping_flood({.dst = ip("10.1.0.2"), .count = 2000, .start = Time::from_ms(1), .turnaround = Time::from_us(100)});
  s.net.run_until(Time::from_s(1));
  const auto& r = s.net.host("h0").apps().ping_result(0);
  EXPECT_EQ(r.received, r.sent);
  int slow = 0;
  for (std::uint32_t i = 0; i < r.sent; ++i) slow += r.rtt_ns[i] > Time::from_ms(20).ns;
  EXPECT_EQ(slow, 1);
  EXPECT_EQ(s.net.link_counters(0, 0).fault_delayed + s.net.link_counters(0, 1).fault_delayed, 1u);
}

TEST(Network, LinkDownDropsAndLaggFailsOver) {
  Network net;
  std::vector<l2::PortConfig> ports = {{.name = "a", .lag = l2::LagConfig{.members = {"a0", "a1"}}}, {.name = "b"}};
  net.add_switch("sw", l2::SwitchConfig::defaults(l2::Profile::linux_bridge), ports);
  Host& a = net.add_host({.name = "a"});
  a.add_nic("ix0", mac("02:00:00:00:00:a0"));
  a.add_nic("ix1", mac("02:00:00:00:00:a1"));
  a.add_lagg("lagg0", "freebsd-9.3:lacp;key=0x77", {"ix0", "ix1"});
  a.add_address("lagg0", "10.2.0.1/24");
  Host& b = net.add_host({.name = "b"});
  b.add_nic("em0", mac("02:00:00:00:00:b0"));
  b.add_address("em0", "10.2.0.2/24");
  net.connect("a:ix0", "sw:a0");
  net.connect("a:ix1", "sw:a1");
  net.connect("b:em0", "sw:b");
  a.apps().ping_flood({.dst = ip("10.2.0.2"), .count = 100000, .start = Time::from_ms(1), .turnaround = Time::from_ms(1)});
  net.run_until(Time::from_ms(100));
  const auto used0 = a.iface_counters(a.iface_id("ix0")).opackets, used1 = a.iface_counters(a.iface_id("ix1")).opackets;
  const std::string busy = used0 > used1 ? "a:ix0" : "a:ix1";
  net.set_link_up_at(Time::from_ms(150), busy, false);
  net.run_until(Time::from_ms(400));
  // FreeBSD LACP: the member leaves the distributing set; the transit window (3 s: marker
  // responses are not modelled) suppresses transmission, then the other member carries everything.
  net.run_until(Time::from_s(4));
  const auto after0 = a.iface_counters(a.iface_id("ix0")).opackets, after1 = a.iface_counters(a.iface_id("ix1")).opackets;
  if (busy == "a:ix0") EXPECT_GT(after1, used1 + 10);
  else EXPECT_GT(after0, used0 + 10);
  EXPECT_GT(a.apps().ping_result(0).received, 500u);
  EXPECT_TRUE(net.accounting().balanced()) << net.accounting().to_text();
}

// The seed in miniature: two CARP nodes and a client on a VLAN-aware switch. One vMAC-sourced
// advert from the BACKUP moves the vMAC; frames for it then reach the BACKUP, which drops them.
struct CarpPair {
  Network net;
  CarpPair() {
    auto cfg = l2::SwitchConfig::defaults(l2::Profile::vendor);
    std::vector<l2::PortConfig> ports = {
        {.name = "fw-a", .vlan_mode = l2::VlanMode::trunk, .trunks = {2}},
        {.name = "fw-b", .vlan_mode = l2::VlanMode::trunk, .trunks = {2}},
        {.name = "c", .vlan_mode = l2::VlanMode::access, .tag = 2},
    };
    net.add_switch("sw", cfg, ports);
    const char* macs[] = {"90:e2:ba:0d:0a:98", "90:e2:ba:0d:0a:7d"};
    for (int i = 0; i < 2; ++i) {
      Host& h = net.add_host({.name = i == 0 ? "fw-a" : "fw-b"});
      h.add_nic("ix0", mac(macs[i]));
      h.add_vlan("vlan2", "ix0", 2);
      h.add_address("vlan2", i == 0 ? "192.168.80.251/24" : "192.168.80.252/24");
      carp::Config cc = carp::Config::defaults(carp::Profile::freebsd_9_3, 2);
      cc.advskew = static_cast<std::uint8_t>(i == 0 ? 0 : 150);
      cc.vips4 = {ip("192.168.80.254")};
      h.carp().add("vlan2", cc);
      net.connect(h.name() + ":ix0", "sw:" + h.name());
    }
    Host& c = net.add_host({.name = "c"});
    c.add_nic("em0", mac("00:25:90:00:00:06"));
    c.add_address("em0", "192.168.80.6/24");
    net.connect("c:em0", "sw:c");
  }
};

TEST(Network, CarpMasterElectedAndSteadyState) {
  CarpPair p;
  p.net.host("c").apps().ping_flood({.dst = ip("192.168.80.254"), .count = 2000, .start = Time::from_s(5)});
  p.net.run_until(Time::from_s(8));
  EXPECT_EQ(p.net.host("fw-a").carp().state(0), "MASTER");
  EXPECT_EQ(p.net.host("fw-b").carp().state(0), "BACKUP");
  EXPECT_EQ(p.net.host("c").apps().ping_result(0).received, 2000u);
  int moves = 0;
  for (const auto& e : p.net.switch_events()) moves += e.kind == "moved";
  EXPECT_EQ(moves, 0);
  EXPECT_TRUE(p.net.host("fw-b").strays_by_dst_mac().empty());
  // c resolved the VIP to the vMAC (ARP reply payload), from fw-a's physical source.
  const auto arp = p.net.host("c").arp_table(p.net.now());
  ASSERT_EQ(arp.size(), 1u);
  EXPECT_NE(arp[0].find("192.168.80.254 at 00:00:5e:00:01:02"), std::string::npos) << arp[0];
}

TEST(Network, SpuriousVmacAdvertFromBackupOpensAWindow) {
  CarpPair p;
  Host& c = p.net.host("c");
  c.apps().ping_flood({.dst = ip("192.168.80.254"), .count = 100000, .start = Time::from_s(5)});
  p.net.run_until(Time::from_s(5) + Time::from_ms(100));
  const Time next = p.net.host("fw-a").carp().next_deadline(0);
  const Time inject = next - Time::from_ms(300);
  ASSERT_GT(inject, p.net.now());
  p.net.at(inject, [](Network& n) { n.host("fw-b").carp().send_spurious_advert(0, n.now()); });
  p.net.run_until(Time::from_s(10));
  std::vector<SwitchEvent> moves;
  for (const auto& e : p.net.switch_events())
    if (e.kind == "moved") moves.push_back(e);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].to, "fw-b");
  EXPECT_EQ(moves[1].to, "fw-a");
  EXPECT_NEAR((moves[1].time - moves[0].time).milliseconds(), 300.0, 0.01);
  Host& b = p.net.host("fw-b");
  EXPECT_EQ(b.carp().state(0), "BACKUP");
  EXPECT_EQ(b.carp().counters(0).state_changes, 1u);  // INIT -> BACKUP only
  const auto& r = c.apps().ping_result(0);
  EXPECT_EQ(r.lost(), 28u);  // 1 + ceil((300 - g0) / 11)
  EXPECT_EQ(b.counters().dropped_by[why(HostDrop::backup_vmac)], r.lost());
  EXPECT_EQ(b.stray_echo_requests().size(), r.lost());
  EXPECT_EQ(b.strays_by_dst_mac().at(mac("00:00:5e:00:01:02")), r.lost());
  EXPECT_TRUE(p.net.accounting().balanced());
}

// carp.md §4.1 X1/X2: the carpdev (vlan2 over ix0) going down, administratively or by carrier,
// reaches the vhid: INIT and the 9.3 suppress_preempt demotion, BACKUP again when it returns.
TEST(Network, CarpdevDownReachesCarpByAdminAndByCarrier) {
  for (bool by_carrier : {false, true}) {
    CarpPair p;
    p.net.run_until(Time::from_s(5));
    Host& a = p.net.host("fw-a");
    Host& b = p.net.host("fw-b");
    ASSERT_EQ(a.carp().state(0), "MASTER");
    if (by_carrier) p.net.set_link_up_at(Time::from_s(5), "fw-a:ix0", false);
    else a.set_iface_up("ix0", false, p.net.now());
    p.net.run_until(Time::from_s(10));
    EXPECT_EQ(a.carp().state(0), "INIT");
    EXPECT_EQ(b.carp().state(0), "MASTER");  // fw-a's adverts stopped: master-down on fw-b
    bool logged = false;
    for (const auto& l : a.log()) logged = logged || l.text == "carp2: link state changed to DOWN";
    EXPECT_TRUE(logged);
    if (by_carrier) p.net.set_link_up_at(Time::from_s(10), "fw-a:ix0", true);
    else a.set_iface_up("ix0", true, p.net.now());
    p.net.run_until(Time::from_s(20));
    // 9.3 preempt is off: fw-a comes back as BACKUP and stays there.
    EXPECT_EQ(a.carp().state(0), "BACKUP");
    EXPECT_EQ(b.carp().state(0), "MASTER");
  }
}

// The keepalived flavour at host level: FAULT while the interface is down, silent.
TEST(Network, VrrpInterfaceDownIsFaultAndSilent) {
  Network net;
  net.add_switch("sw", l2::SwitchConfig::defaults(l2::Profile::linux_bridge), {{.name = "a"}, {.name = "b"}});
  for (const char* n : {"a", "b"}) {
    Host& h = net.add_host({.name = n, .os = HostOs::linux_6_12, .tick = Time{}});
    h.add_nic("eth0", mac(n[0] == 'a' ? "52:54:00:00:00:01" : "52:54:00:00:00:02"));
    h.add_address("eth0", n[0] == 'a' ? "10.0.0.1/24" : "10.0.0.2/24");
    carp::Config c = carp::Config::defaults(carp::Profile::vrrp_v2, 51);
    c.priority = n[0] == 'a' ? 150 : 100;
    c.vips4 = {ip("10.0.0.254")};
    h.carp().add("eth0", c);
    net.connect(std::string(n) + ":eth0", std::string("sw:") + n);
  }
  net.run_until(Time::from_s(5));
  Host& a = net.host("a");
  ASSERT_EQ(a.carp().state(0), "MASTER");
  a.set_iface_up("eth0", false, net.now());
  const auto sent = a.carp().counters(0).adverts_sent;
  net.run_until(Time::from_s(9));
  EXPECT_EQ(a.carp().state(0), "FAULT");
  EXPECT_EQ(a.carp().counters(0).adverts_sent, sent);  // nothing put on the wire in FAULT
  EXPECT_EQ(net.host("b").carp().state(0), "MASTER");
  a.set_iface_up("eth0", true, net.now());
  net.run_until(Time::from_s(9) + Time::from_ms(10));
  EXPECT_EQ(a.carp().state(0), "BACKUP");
  net.run_until(Time::from_s(20));
  EXPECT_EQ(a.carp().state(0), "MASTER");  // preempt (VRRP default) after its master-down timer
}

// Issue 11: a full-size (1600-byte) frame flooded from an access port to a trunk port gets its tag
// (1604 bytes), never leaves empty; a copy for a switch port with no cable is counted.
TEST(Network, FullSizeFrameTaggedOnTrunkAndUncabledCopiesCounted) {
  Network net;
  std::vector<l2::PortConfig> ports = {
      {.name = "p0", .vlan_mode = l2::VlanMode::access, .tag = 2},
      {.name = "p1", .vlan_mode = l2::VlanMode::trunk, .trunks = {2}},
      {.name = "p2", .vlan_mode = l2::VlanMode::access, .tag = 2},  // no cable
  };
  auto cfg = l2::SwitchConfig::defaults(l2::Profile::vendor);
  cfg.vlan_aware = true;
  net.add_switch("sw", cfg, ports);
  for (int i = 0; i < 2; ++i) {
    Host& h = net.add_host({.name = "h" + std::to_string(i)});
    h.add_nic("em0", Mac::from_u64(0x020000000200ULL + i));
    net.connect("h" + std::to_string(i) + ":em0", "sw:p" + std::to_string(i));
  }
  Capture& cap = net.host("h1").capture("em0");
  std::vector<std::uint8_t> big(1600, 0x5a);
  const auto hdr = fwd::net::FrameBuilder().eth(Mac::broadcast(), Mac::from_u64(0x020000000200ULL)).build();
  std::copy(hdr.begin(), hdr.begin() + 12, big.begin());
  big[12] = 0x88;
  big[13] = 0xb5;
  net.send_frame_at(Time::from_ms(1), "h0", "em0", big);
  net.run_until(Time::from_ms(10));
  ASSERT_EQ(cap.records().size(), 1u);
  const auto got = cap.bytes_of(cap.records()[0]);
  ASSERT_EQ(got.size(), 1604u);
  EXPECT_EQ(got[12], 0x81);
  EXPECT_EQ(got[15], 2);
  EXPECT_EQ(got[1603], 0x5a);
  const Accounting a = net.accounting();
  EXPECT_EQ(a.switch_copies, 2u);
  EXPECT_EQ(a.switch_copies_linked, 1u);
  EXPECT_EQ(a.switch_copies_unlinked, 1u);
  EXPECT_TRUE(a.balanced()) << a.to_text();
  EXPECT_NE(a.to_text().find("1 to ports with no cable"), std::string::npos) << a.to_text();
}

// Issue 11: a loop of four switches without STP multiplies one broadcast without end; the run
// stops with an error naming the storm and the loop's links instead of exhausting memory.
TEST(Network, SwitchLoopStormStopsWithAClearError) {
  Network net({.seed = 1, .max_frames = 20000});
  for (int i = 0; i < 4; ++i)
    net.add_switch("sw" + std::to_string(i), l2::SwitchConfig::defaults(l2::Profile::vendor),
                   {{.name = "l0"}, {.name = "l1"}, {.name = "r0"}, {.name = "r1"}, {.name = "h"}});
  // Two cables between neighbours: every flood leaves on three ports, so copies multiply.
  for (int i = 0; i < 4; ++i)
    for (const char* k : {"0", "1"})
      net.connect("sw" + std::to_string(i) + ":r" + k, "sw" + std::to_string((i + 1) % 4) + ":l" + k);
  Host& h = net.add_host({.name = "h0"});
  h.add_nic("em0", mac("02:00:00:00:00:01"));
  net.connect("h0:em0", "sw0:h");
  const auto bcast = fwd::net::FrameBuilder().eth(Mac::broadcast(), mac("02:00:00:00:00:01")).ethertype(0x88b5).payload(
      std::vector<std::uint8_t>(46, 0)).build();
  net.send_frame_at(Time::from_ms(1), "h0", "em0", bcast);
  try {
    net.run_until(Time::from_s(1));
    FAIL() << "no error";
  } catch (const fwd::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("broadcast storm"), std::string::npos) << m;
    EXPECT_NE(m.find("max_frames=20000"), std::string::npos) << m;
    EXPECT_NE(m.find(" -> sw"), std::string::npos) << m;  // the loop's links are named
    EXPECT_EQ(m.find("h0:em0 ->"), std::string::npos) << m;
  }
  EXPECT_LT(net.frames_in_use(), 20100u);  // stopped at the event that crossed the limit
}

TEST(Network, FramePoolShrinksAfterABurst) {
  Star s;
  const auto f = fwd::net::FrameBuilder().eth(mac("02:00:00:00:01:01"), mac("02:00:00:00:01:00")).ethertype(0x88b5).payload(
      std::vector<std::uint8_t>(46, 0)).build();
  for (int i = 0; i < 20000; ++i) s.net.send_frame_at(Time::from_ms(1), "h0", "em0", f);
  s.net.run_until(Time::from_ms(1));
  EXPECT_GE(s.net.frames_allocated(), 20000u);
  s.net.run_until(Time::from_ms(100));
  EXPECT_LT(s.net.frames_in_use(), 16u);
  EXPECT_LE(s.net.frames_allocated(), 4u * 256u);
}

TEST(Network, SameInputsSameRun) {
  auto run = [] {
    CarpPair p;
    p.net.host("c").apps().ping_flood({.dst = ip("192.168.80.254"), .count = 5000, .start = Time::from_s(4)});
    p.net.host("c").apps().tcp_connects({.dst = ip("192.168.80.251"), .rate_per_s = 50, .start = Time::from_s(4),
                                  .until = Time::from_s(5), .poisson = true});
    p.net.run_until(Time::from_s(6));
    std::vector<std::int64_t> v(p.net.host("c").apps().ping_result(0).rtt_ns);
    v.push_back(static_cast<std::int64_t>(p.net.events()));
    for (const auto& a : p.net.host("c").apps().tcp_result(0).attempts) v.push_back(a.started_ns);
    return v;
  };
  EXPECT_EQ(run(), run());
}

TEST(Network, WiringErrors) {
  Star s;
  EXPECT_THROW(s.net.connect("h0:em0", "sw:p2"), fwd::Error);      // already linked
  EXPECT_THROW(s.net.connect("h0", "sw:p2"), fwd::Error);           // no interface part
  EXPECT_THROW(s.net.add_fault({.link = "nowhere:x"}), fwd::Error);
  EXPECT_THROW(s.net.add_fault({.link = "sw:p1", .direction = "h0"}), fwd::Error);
  EXPECT_THROW(s.net.send_frame_at(Time{}, "h0", "em0", {1, 2, 3}), fwd::Error);
  EXPECT_THROW(s.net.host("zz"), fwd::Error);
}

}  // namespace
