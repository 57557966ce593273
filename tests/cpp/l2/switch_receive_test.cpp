// Differential test of fwd/l2/detail/switch_receive.hpp: receive(), receive_burst() and the
// slow path alone (set_fast_path(false)) on the same random frame sequences, for every profile
// and a range of port settings. receive_burst promises results "exactly as receive() would";
// the fast path (classify_fast / forward_known) re-encodes part of each profile's rules. Both
// must agree with the full rules on every decision, counter and FDB entry.
#include <gtest/gtest.h>

#include <random>

#include "switch_twins.hpp"

using namespace fwd;
using namespace fwd::l2;
using fwd::l2::testing::SwitchTwins;

namespace {

constexpr std::uint64_t BRIDGE_MAC = 0x02bb00000000, PORT_MAC = 0x02bb00000001;

// Addresses a switch treats differently: ordinary unicast (most), broadcast, multicast, zero,
// the 802.1D group range, the bridge's own addresses, OVS-reserved Cisco groups.
std::uint64_t pick_mac(std::mt19937_64& rng) {
  static constexpr std::uint64_t special[] = {0xffffffffffff, 0x01005e000001, 0, 0x0180c2000000, 0x0180c2000001,
                                              0x0180c200000e, BRIDGE_MAC, PORT_MAC, 0x01000ccccccd};
  const unsigned r = rng() % 100;
  if (r < 88) return 0x02aa00000000 + rng() % 14;
  return special[rng() % std::size(special)];
}

std::vector<std::uint8_t> random_frame(std::mt19937_64& rng) {
  const unsigned shape = rng() % 100;
  if (shape < 3) return std::vector<std::uint8_t>(rng() % 14, 0x5a);  // too short
  std::vector<std::uint8_t> f(60, 0);
  const std::uint64_t dst = pick_mac(rng), src = pick_mac(rng);
  for (int i = 0; i < 6; ++i) {
    f[i] = static_cast<std::uint8_t>(dst >> (8 * (5 - i)));
    f[6 + i] = static_cast<std::uint8_t>(src >> (8 * (5 - i)));
  }
  static constexpr std::uint16_t vids[] = {0, 1, 10, 20, 30, 4095};
  std::size_t at = 12;
  if (shape < 40) {  // tagged (802.1Q; sometimes 802.1ad, which only OVS recognises)
    f[12] = rng() % 8 ? 0x81 : 0x88;
    f[13] = f[12] == 0x81 ? 0x00 : 0xa8;
    const std::uint16_t tci = static_cast<std::uint16_t>((rng() % 8) << 13 | vids[rng() % std::size(vids)]);
    f[14] = static_cast<std::uint8_t>(tci >> 8);
    f[15] = static_cast<std::uint8_t>(tci);
    at = 16;
    if (shape < 3 + 2) f.resize(15);  // TPID with a cut tag
  }
  if (f.size() >= at + 2) {
    const bool arp = rng() % 6 == 0;
    f[at] = arp ? 0x08 : 0x88;
    f[at + 1] = arp ? 0x06 : 0xb5;
    if (arp && f.size() >= at + 30) {  // ARP request/reply, sometimes gratuitous
      const std::uint8_t hdr[] = {0, 1, 8, 0, 6, 4, 0, static_cast<std::uint8_t>(rng() % 2 + 1)};
      std::copy(std::begin(hdr), std::end(hdr), f.begin() + static_cast<std::ptrdiff_t>(at + 2));
      f[at + 2 + 14 + 3] = f[at + 2 + 24 + 3] = static_cast<std::uint8_t>(rng() % 2 ? 9 : rng());
    }
  }
  return f;
}

struct Case {
  const char* name;
  SwitchConfig cfg;
  std::vector<PortConfig> ports;
};

std::vector<Case> setups() {
  std::vector<Case> v;
  auto base = [](Profile p) { return SwitchConfig::defaults(p); };
  auto plain = [](int n) {
    std::vector<PortConfig> ports;
    for (int i = 0; i < n; ++i) ports.push_back({.name = "p" + std::to_string(i)});
    return ports;
  };
  {
    Case s{"linux", base(Profile::linux_bridge), plain(5)};
    s.cfg.bridge_mac = net::Mac::from_u64(BRIDGE_MAC);
    s.cfg.ageing = Time::from_s(3);
    s.ports[0].mac = net::Mac::from_u64(PORT_MAC);
    s.ports[1].hairpin = true;
    s.ports[2].learning = false;
    s.ports[3].flood = false;
    s.ports[4].lag = LagConfig{.members = {"l0", "l1"}};
    v.push_back(std::move(s));
  }
  {
    Case s{"linux-locked-small", base(Profile::linux_bridge), plain(4)};
    s.cfg.max_entries = 5;
    s.cfg.group_fwd_mask = 0x4008;
    s.ports[3].locked = true;
    v.push_back(std::move(s));
  }
  {
    Case s{"linux-vlan", base(Profile::linux_bridge), plain(4)};
    s.cfg.vlan_aware = true;
    s.ports[1].pvid = 10;
    s.ports[1].vlans = {10, 20};
    s.ports[2].vlans = {10, 20, 30};
    s.ports[2].untagged = {30};
    v.push_back(std::move(s));
  }
  {
    Case s{"freebsd", base(Profile::freebsd_bridge), plain(4)};
    s.cfg.max_entries = 8;
    s.cfg.ageing = Time::from_s(5);
    s.cfg.bridge_mac = net::Mac::from_u64(BRIDGE_MAC);
    s.ports[2].sticky = true;
    v.push_back(std::move(s));
  }
  {
    Case s{"ovs", base(Profile::ovs_3_1), plain(5)};
    s.cfg.max_entries = 10;
    s.cfg.ageing = Time::from_s(15);
    s.ports[1].tag = 10;
    s.ports[2].trunks = {10, 20};
    s.ports[3].tag = 20;
    s.ports[3].vlan_mode = VlanMode::native_untagged;
    s.ports[3].trunks = {10};
    s.ports[4].lag = LagConfig{.members = {"m0", "m1", "m2"}};
    v.push_back(std::move(s));
  }
  {
    Case s{"vendor-flap", base(Profile::vendor), plain(4)};
    FlapConfig f = FlapConfig::preset("juniper-ex");
    f.threshold = 3;
    s.cfg.flap = f;
    s.ports[3].lag = LagConfig{.members = {"v0", "v1"}};
    v.push_back(std::move(s));
  }
  return v;
}

void run(const Case& s, std::uint64_t seed, int bursts) {
  SwitchTwins tw(s.cfg, s.ports);
  const std::size_t links = tw.one().link_count();
  std::mt19937_64 rng(seed);
  Time now = Time::from_s(1);
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<RxFrame> rx;
  for (int b = 0; b < bursts; ++b) {
    const unsigned step = rng() % 100;
    now += step < 80 ? Time::from_us(static_cast<std::int64_t>(rng() % 2000))
                     : Time::from_ms(static_cast<std::int64_t>(rng() % 4000));
    if (rng() % 40 == 0) tw.set_link_carrier(static_cast<LinkId>(rng() % links), rng() % 3 != 0, now);
    if (rng() % 60 == 0) tw.set_port_admin(static_cast<PortId>(rng() % s.ports.size()), rng() % 3 != 0, now);
    const std::size_t n = 1 + rng() % 40;
    frames.clear();
    rx.clear();
    for (std::size_t i = 0; i < n; ++i) frames.push_back(random_frame(rng));
    for (std::size_t i = 0; i < n; ++i) {
      const LinkId link = static_cast<LinkId>(rng() % 50 == 0 ? links : rng() % links);  // sometimes a bad id
      rx.push_back({link, net::Bytes(frames[i].data(), frames[i].size())});
    }
    const std::string diff = tw.receive(rx, now);
    ASSERT_EQ(diff, "") << s.name << " seed " << seed << " burst " << b;
  }
}

}  // namespace

TEST(SwitchReceive, BurstAndSlowPathAgreeWithReceiveOnEveryProfile) {
  for (const Case& s : setups())
    for (std::uint64_t seed = 1; seed <= 6; ++seed) run(s, seed * 7919 + s.ports.size(), 400);
}

// The same, on a table that stays warm: few MACs, time moving in microseconds, so that most
// frames are known unicast and take the fast path.
TEST(SwitchReceive, FastPathHeavyTrafficAgrees) {
  for (const Case& s : setups()) {
    SwitchTwins tw(s.cfg, s.ports);
    std::mt19937_64 rng(42);
    Time now = Time::from_s(1);
    const std::size_t links = tw.one().link_count();
    std::vector<std::vector<std::uint8_t>> frames;
    std::vector<RxFrame> rx;
    for (int b = 0; b < 300; ++b) {
      now += Time::from_us(10);
      frames.clear();
      rx.clear();
      for (int i = 0; i < 32; ++i) {
        std::vector<std::uint8_t> f(60, 0);
        const std::uint64_t src = 0x02aa00000000 + rng() % 6, dst = 0x02aa00000000 + rng() % 6;
        for (int k = 0; k < 6; ++k) {
          f[k] = static_cast<std::uint8_t>(dst >> (8 * (5 - k)));
          f[6 + k] = static_cast<std::uint8_t>(src >> (8 * (5 - k)));
        }
        f[12] = 0x88;
        f[13] = 0xb5;
        frames.push_back(std::move(f));
      }
      for (int i = 0; i < 32; ++i) {
        // Each MAC always sends from the same link, so its entry is refreshed, not moved.
        const std::uint64_t src = (std::uint64_t{frames[i][10]} << 8 | frames[i][11]) % links;
        rx.push_back({static_cast<LinkId>(src), net::Bytes(frames[i].data(), frames[i].size())});
      }
      ASSERT_EQ(tw.receive(rx, now), "") << s.name << " burst " << b;
    }
    EXPECT_GT(tw.one().counters().forwarded, 1000u) << s.name;  // the fast path was exercised
  }
}

TEST(SwitchReceive, FastPathHookTurnsItOff) {
  Switch sw(SwitchConfig::defaults(Profile::linux_bridge), {{.name = "a"}, {.name = "b"}});
  EXPECT_TRUE(sw.fast_path());
  sw.set_fast_path(false);
  EXPECT_FALSE(sw.fast_path());
  sw.set_fast_path(true);
  EXPECT_TRUE(sw.fast_path());
}
