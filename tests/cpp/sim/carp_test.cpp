// Tests for fwd/sim/carp.hpp: the CARP (FreeBSD 9.3, 10+) and VRRP (v2, v3) state machines,
// their timers, log lines, advert frames and receive checks (spec carp.md, seed-scenario.md §9).
#include "fwd/sim/carp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/sim/detail/carp_hmac.hpp"

namespace fwd {
// Readable times in failure messages.
inline void PrintTo(const Time& t, std::ostream* os) { *os << t.ns << " ns"; }
}  // namespace fwd

namespace fwd::sim::carp {
namespace {

using net::Ipv4;
using net::Ipv6;
using net::Mac;

constexpr Time ms(std::int64_t v) { return Time::from_ms(v); }
constexpr Time us(std::int64_t v) { return Time::from_us(v); }
constexpr Time times(std::int64_t k, Time t) { return Time{k * t.ns}; }

std::string hex(const std::array<std::uint8_t, 20>& a) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : a) { s += d[b >> 4]; s += d[b & 15]; }
  return s;
}

// The seed's carp2 (seed-scenario.md §1): fw-a advskew 0, fw-b advskew 150, IPv4 + IPv6 VIPs.
Config seed(bool fw_a, Profile p = Profile::freebsd_9_3) {
  Config c = Config::defaults(p, 2);
  c.advskew = fw_a ? 0 : 150;
  c.vips4 = {Ipv4::parse("192.168.80.254")};
  c.vips6 = {Ipv6::parse("fd00:0:0:80::254")};
  c.src4 = Ipv4::parse(fw_a ? "192.168.80.251" : "192.168.80.252");
  c.src6 = Ipv6::parse(fw_a ? "fd00:0:0:80::251" : "fd00:0:0:80::252");
  c.carpdev_mac = Mac::parse(fw_a ? "90:e2:ba:0d:0a:98" : "90:e2:ba:0d:0a:7d");
  c.carpdev = "vlan2";
  c.counter_seed = fw_a ? 11 : 22;
  return c;
}

Config vrrp(Profile p, std::uint8_t prio, const char* src, Flavor f = Flavor::keepalived) {
  Config c = Config::defaults(p, 7, f);
  c.priority = prio;
  c.vips4 = {Ipv4::parse("10.0.0.254")};
  c.src4 = Ipv4::parse(src);
  c.carpdev_mac = Mac::from_u64(0x020000000000ULL | Ipv4::parse(src).value);
  return c;
}

// A tiny LAN in virtual time: every advert goes through advert_frame -> parse_advert -> on_advert
// of every other node after `latency`, unless `lose` says so. Everything each node emits is kept.
struct Lan {
  struct Pending {
    Time at;
    std::uint64_t seq;
    int from, to;
    std::vector<std::uint8_t> frame;
  };
  std::vector<Instance> n;
  std::vector<std::vector<Action>> out;  // everything each node emitted, in order
  std::vector<Pending> q;
  std::uint64_t seq = 0;
  Time latency = us(10);
  Time now{};
  std::function<bool(int from, int to, const SendAdvert&)> lose;
  std::function<bool(int node, const SendAdvert&)> send_fails;
  std::vector<char> cut;  // node's cable unplugged: nothing leaves or arrives

  int add(const Config& c) {
    n.emplace_back(c);
    out.emplace_back();
    cut.push_back(0);
    return static_cast<int>(n.size()) - 1;
  }
  void dispatch(int i, ActionBuffer& buf) {
    for (std::size_t k = 0; k < buf.size(); ++k) {
      const Action a = buf[k];
      out[i].push_back(a);
      if (const auto* s = std::get_if<SendAdvert>(&a)) {
        const auto frame = advert_frame(n[i].config(), s->fields);
        const bool ok = !(send_fails && send_fails(i, *s)) && !cut[i];  // a failed send never reaches the wire
        for (int j = 0; ok && j < static_cast<int>(n.size()); ++j)
          if (j != i && !(lose && lose(i, j, *s))) q.push_back({s->at + latency, seq++, i, j, frame});
        ActionBuffer more;
        n[i].on_send_result(s->at, ok, more);
        dispatch(i, more);
      }
    }
  }
  void start(int i, Time t) {
    ActionBuffer b;
    n[i].start(t, b);
    dispatch(i, b);
  }
  // Runs to t, then unplugs / plugs node i's cable (its carpdev link follows).
  void link(int i, Time t, bool up) {
    run_until(t);
    cut[i] = !up;
    ActionBuffer b;
    n[i].on_link(t, up, b);
    dispatch(i, b);
  }
  void run_until(Time end) {
    for (;;) {
      Time tn{INT64_MAX};
      int who = -1;
      for (int i = 0; i < static_cast<int>(n.size()); ++i)
        if (auto d = n[i].next_deadline(); d && *d < tn) { tn = *d; who = i; }
      auto it = std::min_element(q.begin(), q.end(), [](const Pending& a, const Pending& b) {
        return a.at < b.at || (a.at == b.at && a.seq < b.seq);
      });
      const bool have_q = it != q.end() && it->at <= end;
      if (!have_q && (who < 0 || tn > end)) break;
      ActionBuffer b;
      if (have_q && (who < 0 || it->at <= tn)) {
        Pending p = std::move(*it);
        q.erase(it);
        now = p.at;
        Drop why = Drop::none;
        auto adv = parse_advert(p.frame, n[p.to].config().profile, &why);
        EXPECT_TRUE(adv.has_value()) << drop_name(why, n[p.to].config().profile);
        if (adv && !cut[p.to]) n[p.to].on_advert(now, *adv, b);
        dispatch(p.to, b);
      } else {
        now = tn;
        n[who].on_timer(tn, b);
        dispatch(who, b);
      }
    }
    now = end;
  }
  // Queries over what node i emitted.
  std::vector<StateChanged> changes(int i) const {
    std::vector<StateChanged> v;
    for (const auto& a : out[i]) if (auto* s = std::get_if<StateChanged>(&a)) v.push_back(*s);
    return v;
  }
  std::vector<SendAdvert> adverts(int i, Time from = Time{}, Time to = Time{INT64_MAX}) const {
    std::vector<SendAdvert> v;
    for (const auto& a : out[i])
      if (auto* s = std::get_if<SendAdvert>(&a); s && s->at >= from && s->at < to) v.push_back(*s);
    return v;
  }
  std::vector<Log> logs(int i, Time from = Time{}, Time to = Time{INT64_MAX}) const {
    std::vector<Log> v;
    for (const auto& a : out[i])
      if (auto* s = std::get_if<Log>(&a); s && s->at >= from && s->at < to) v.push_back(*s);
    return v;
  }
  template <class T> int count(int i, Time from = Time{}, Time to = Time{INT64_MAX}) const {
    int c = 0;
    for (const auto& a : out[i])
      if (auto* s = std::get_if<T>(&a); s && s->at >= from && s->at < to) ++c;
    return c;
  }
};

// Times at which node i entered `s`.
std::vector<Time> entered(const Lan& lan, int i, State s) {
  std::vector<Time> v;
  for (const auto& c : lan.changes(i)) if (c.to == s) v.push_back(c.at);
  return v;
}

// ---- names, configuration, identity ----------------------------------------------------------

TEST(CarpNames, ProfilesAndErrors) {
  EXPECT_EQ(profile_from_name("freebsd-9.3"), Profile::freebsd_9_3);
  EXPECT_EQ(profile_from_name("freebsd-10+"), Profile::freebsd_10);
  EXPECT_EQ(profile_from_name("freebsd-10"), Profile::freebsd_10);
  EXPECT_EQ(profile_from_name("vrrp-v2"), Profile::vrrp_v2);
  EXPECT_EQ(profile_from_name("vrrp-v3"), Profile::vrrp_v3);
  EXPECT_STREQ(to_string(Profile::freebsd_10), "freebsd-10+");
  try {
    profile_from_name("openbsd");
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'openbsd'"), std::string::npos) << m;
    EXPECT_NE(m.find("freebsd-9.3, freebsd-10+, vrrp-v2, vrrp-v3"), std::string::npos) << m;
  }
  EXPECT_EQ(flavor_from_name("rfc"), Flavor::rfc);
  EXPECT_THROW(flavor_from_name("vrrpd"), Error);
  EXPECT_STREQ(to_string(State::backup), "BACKUP");
}

TEST(CarpConfig, ValidateRejectsBadValues) {
  auto expect_bad = [](Config c, const char* needle) {
    try {
      c.validate();
      ADD_FAILURE() << "accepted " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  Config c = seed(true);
  c.validate();
  { auto b = c; b.vhid = 0; expect_bad(b, "vhid 0"); }
  { auto b = c; b.advskew = 255; expect_bad(b, "advskew 255"); }
  { auto b = c; b.advbase = 0; expect_bad(b, "advbase 0"); }
  { auto b = c; b.pass = std::string(21, 'x'); expect_bad(b, "at most 20"); }
  { auto b = c; b.hz = 0; expect_bad(b, "hz 0"); }
  Config v = vrrp(Profile::vrrp_v2, 100, "10.0.0.1");
  { auto b = v; b.vips6 = {Ipv6::parse("fd00::1")}; expect_bad(b, "IPv4 only"); }
  { auto b = vrrp(Profile::vrrp_v3, 100, "10.0.0.1"); b.adver_int_cs = 4096; expect_bad(b, "adver_int_cs 4096"); }
  { auto b = vrrp(Profile::vrrp_v3, 100, "10.0.0.1"); b.vips6 = {Ipv6::parse("fd00::1")}; expect_bad(b, "not both"); }
  { auto b = v; b.priority = 0; expect_bad(b, "priority 0"); }
  EXPECT_THROW(Instance{[&] { auto b = c; b.vhid = 0; return b; }()}, Error);
}

TEST(CarpConfig, ProfileDefaults) {
  const Config a = Config::defaults(Profile::freebsd_9_3, 2);
  EXPECT_EQ(a.ifname, "carp2");
  EXPECT_EQ(a.tos, 0x10);
  EXPECT_FALSE(a.preempt);
  EXPECT_EQ(a.timing, Timing::ticks);
  EXPECT_EQ(a.hz, 1000);
  EXPECT_EQ(a.garp_delay, ms(1));
  const Config b = Config::defaults(Profile::freebsd_10, 2);
  EXPECT_EQ(b.tos, 0xe0);  // dscp 56
  EXPECT_EQ(b.ifdown_demotion_factor, 240);
  const Config k = Config::defaults(Profile::vrrp_v2, 7);
  EXPECT_TRUE(k.preempt);
  EXPECT_EQ(k.timing, Timing::exact);
  EXPECT_EQ(k.tos, 0xc0);
  EXPECT_FALSE(k.use_vmac);
  EXPECT_EQ(k.garp_count, 5);
  EXPECT_EQ(k.garp_repeat, Time::from_s(5));
  const Config r = Config::defaults(Profile::vrrp_v3, 7, Flavor::rfc);
  EXPECT_TRUE(r.use_vmac);
  EXPECT_EQ(r.garp_count, 1);
  EXPECT_FALSE(r.answer_lower_priority);
}

TEST(CarpIdentity, VirtualMacAndMacPlan) {
  EXPECT_EQ(virtual_mac(Profile::freebsd_9_3, 2).to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(virtual_mac(Profile::freebsd_9_3, 4, Family::ipv6).to_string(), "00:00:5e:00:01:04");  // CARP: same for v6
  EXPECT_EQ(virtual_mac(Profile::vrrp_v3, 2, Family::ipv6).to_string(), "00:00:5e:00:02:02");
  EXPECT_EQ(virtual_mac(Profile::vrrp_v2, 255).to_string(), "00:00:5e:00:01:ff");
  const Config b = seed(false);
  const MacPlan p = mac_plan(b);
  EXPECT_EQ(p.advert_src.to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(p.garp_src.to_string(), "90:e2:ba:0d:0a:7d");  // GARP leaves with the physical MAC
  EXPECT_EQ(p.arp_sender.to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(mac_plan(b, Family::ipv6).na_src.to_string(), "00:00:5e:00:01:02");
  const Config k = vrrp(Profile::vrrp_v2, 100, "10.0.0.1");
  EXPECT_EQ(mac_plan(k).advert_src, k.carpdev_mac);  // keepalived without use_vmac: no vMAC at all
  EXPECT_EQ(mac_plan(k).owned, k.carpdev_mac);
  const Config r = vrrp(Profile::vrrp_v2, 100, "10.0.0.1", Flavor::rfc);
  EXPECT_EQ(mac_plan(r).advert_src.to_string(), "00:00:5e:00:01:07");
  EXPECT_EQ(mac_plan(r).garp_src.to_string(), "00:00:5e:00:01:07");
}

// ---- timers ----------------------------------------------------------------------------------

TEST(CarpTimers, TvtohzRoundsUpAndAddsOneTick) {
  EXPECT_EQ(tvtohz(1, 0, 1000), 1001);
  EXPECT_EQ(tvtohz(1, 585937, 1000), 1587);  // 1 + 150/256 s
  EXPECT_EQ(tvtohz(3, 585937, 1000), 3587);  // 3 + 150/256 s
  EXPECT_EQ(tvtohz(0, 10000, 1000), 11);     // ping -f's 10 ms select timeout
  EXPECT_EQ(tvtohz(1, 0, 100), 101);
  EXPECT_EQ(tvtohz(0, 1, 1000), 2);
  EXPECT_EQ(tvtohz(-1, 0, 1000), 1);
}

TEST(CarpTimers, SeedValuesTicksAndExact) {
  Config a = seed(true), b = seed(false);
  EXPECT_EQ(advert_interval(a, 0), ms(1001));             // 1.001 s at hz = 1000
  EXPECT_EQ(advert_interval(b, 150), ms(1587));           // what fw-b would use as master
  EXPECT_EQ(master_down_interval(b), ms(3587));           // 3.587 s
  EXPECT_EQ(master_down_interval(a), ms(3001));
  EXPECT_EQ(advert_interval(b, 240), ms(1939));           // demoted: 1 + 240/256 s
  a.timing = b.timing = Timing::exact;
  EXPECT_EQ(advert_interval(a, 0), ms(1000));
  EXPECT_EQ(advert_interval(b, 150), Time::from_ns(1'585'937'500));
  EXPECT_EQ(master_down_interval(b), Time::from_ns(3'585'937'500));  // 3.5859 s
  b.hz = 100;
  b.timing = Timing::ticks;
  EXPECT_EQ(master_down_interval(b), ms(3600));  // ⌈3585.9 ms / 10 ms⌉ + 1 = 360 ticks
}

TEST(CarpTimers, VrrpFormulas) {
  Config v2 = vrrp(Profile::vrrp_v2, 100, "10.0.0.1");
  EXPECT_EQ(advert_interval(v2, 0), Time::from_s(1));
  EXPECT_EQ(vrrp_skew_time(v2), Time::from_ns(609'375'000));             // (256-100)/256 s
  EXPECT_EQ(master_down_interval(v2), Time::from_ns(3'609'375'000));
  v2.priority = 254;
  EXPECT_EQ(master_down_interval(v2), Time::from_ns(3'007'812'500));
  Config v3 = vrrp(Profile::vrrp_v3, 100, "10.0.0.1");
  EXPECT_EQ(advert_interval(v3, 0), Time::from_s(1));
  EXPECT_EQ(master_down_interval(v3), Time::from_ns(3'609'375'000));
  v3.adver_int_cs = 10;  // 0.1 s: the v3 skew scales with the interval (61 ms, not 609 ms)
  EXPECT_EQ(vrrp_skew_time(v3), Time::from_ns(60'937'500));
  EXPECT_EQ(master_down_interval(v3), Time::from_ns(360'937'500));
  EXPECT_EQ(master_down_interval(v3, ms(500)), Time::from_ns(1'804'687'500));
}

// ---- the seed (FreeBSD 9.3) ------------------------------------------------------------------

struct SeedLan : Lan {
  int a, b;
  explicit SeedLan(Profile p = Profile::freebsd_9_3, Timing t = Timing::ticks) {
    Config ca = seed(true, p), cb = seed(false, p);
    ca.timing = cb.timing = t;
    a = add(ca);
    b = add(cb);
    start(a, Time{});
    start(b, Time{});
  }
};

TEST(Carp93, StartupAndSteadyState) {
  SeedLan lan;
  lan.run_until(Time::from_s(30));
  // Both start BACKUP; fw-a's 3.001 s master-down fires first.
  ASSERT_EQ(lan.changes(lan.a).size(), 2u);
  EXPECT_EQ(lan.changes(lan.a)[0].to, State::backup);
  EXPECT_EQ(lan.changes(lan.a)[1].to, State::master);
  EXPECT_EQ(lan.changes(lan.a)[1].at, ms(3001));
  EXPECT_STREQ(lan.changes(lan.a)[1].reason, "master timed out");
  EXPECT_EQ(lan.n[lan.b].state(), State::backup);
  EXPECT_EQ(lan.changes(lan.b).size(), 1u);
  EXPECT_EQ(lan.count<SendAdvert>(lan.b), 0);  // a 9.3 BACKUP never emits a vMAC frame (F4)
  // fw-a advertises v4 + v6 back to back; after the takeover's two 1 ms busy waits, every 1.001 s.
  const auto ads = lan.adverts(lan.a);
  ASSERT_GE(ads.size(), 50u);
  EXPECT_EQ(ads[0].at, ms(3001));
  EXPECT_EQ(ads[2].at, ms(3001 + 2 + 1001));
  for (std::size_t k = 2; k + 2 < ads.size(); k += 2) {
    EXPECT_EQ(ads[k].fields.family, Family::ipv4);
    EXPECT_EQ(ads[k + 1].fields.family, Family::ipv6);
    EXPECT_EQ(ads[k + 1].at, ads[k].at);
    EXPECT_EQ(ads[k + 2].at - ads[k].at, ms(1001));
    EXPECT_EQ(ads[k].fields.advbase, 1);
    EXPECT_EQ(ads[k].fields.advskew, 0);
    EXPECT_EQ(ads[k].eth_src.to_string(), "00:00:5e:00:01:02");
  }
  // fw-b's timers are restarted by every advert: its deadline is 3.587 s after the last one.
  const Time last = ads.back().at + lan.latency;
  EXPECT_EQ(*lan.n[lan.b].next_deadline(), last + ms(3587));
  EXPECT_EQ(lan.n[lan.b].stats().accepted, ads.size());
  // fw-a's log: INIT -> BACKUP (carp.log), link DOWN, then UP at the takeover (no CARP line).
  const auto la = lan.logs(lan.a);
  ASSERT_EQ(la.size(), 3u);
  EXPECT_EQ(la[0].text, "carp2: INIT -> BACKUP");
  EXPECT_EQ(la[0].level, LogLevel::info);
  EXPECT_EQ(la[1].text, "carp2: link state changed to DOWN");
  EXPECT_EQ(la[1].level, LogLevel::notice);
  EXPECT_EQ(la[2].text, "carp2: link state changed to UP");
  EXPECT_EQ(la[2].at, ms(3001));
  // Takeover messages: 2 adverts, one GARP (physical source, vMAC sender) then, 1 ms later, one NA.
  int garps = 0, nas = 0;
  for (const auto& act : lan.out[lan.a]) {
    if (auto* g = std::get_if<SendGratuitousArp>(&act)) {
      ++garps;
      EXPECT_EQ(g->at, ms(3001));
      EXPECT_EQ(g->eth_src.to_string(), "90:e2:ba:0d:0a:98");
      EXPECT_EQ(g->sender_hw.to_string(), "00:00:5e:00:01:02");
      EXPECT_EQ(g->vip, Ipv4::parse("192.168.80.254"));
    }
    if (auto* na = std::get_if<SendNeighborAdvert>(&act)) {
      ++nas;
      EXPECT_EQ(na->at, ms(3002));
      EXPECT_EQ(na->eth_src.to_string(), "00:00:5e:00:01:02");
      EXPECT_EQ(na->target, Ipv6::parse("fd00:0:0:80::254"));
    }
  }
  EXPECT_EQ(garps, 1);
  EXPECT_EQ(nas, 1);
}

// Contrast (a′) of seed-scenario.md §9.9: three consecutive fw-a adverts lost toward fw-b.
void contrast_a_prime(Timing timing, Time expect_window, Time expect_takeover_after) {
  SeedLan lan(Profile::freebsd_9_3, timing);
  lan.run_until(Time::from_s(10));
  const auto before = lan.adverts(lan.a);
  const Time t0 = before.back().at;  // last advert fw-b hears
  const Time period = advert_interval(lan.n[lan.a].config(), 0);
  lan.lose = [&](int from, int to, const SendAdvert& s) {
    return from == lan.a && to == lan.b && s.at > t0 && s.at < t0 + times(3, period) + ms(1);
  };
  lan.run_until(Time::from_s(20));
  const auto up = entered(lan, lan.b, State::master);
  const auto down = entered(lan, lan.b, State::backup);
  ASSERT_EQ(up.size(), 1u);
  ASSERT_EQ(down.size(), 2u);  // INIT -> BACKUP, then MASTER -> BACKUP
  EXPECT_EQ(up[0] - (t0 + lan.latency), expect_takeover_after);
  const Time window = down[1] - up[0];
  EXPECT_EQ(window, expect_window);
  EXPECT_EQ(down[1], t0 + times(4, period) + lan.latency);  // the 4th advert sends fw-b back
  // fw-b emitted 2 adverts (v4 + v6, source vMAC, its own 1/150) + 1 GARP + 1 NA.
  const auto bads = lan.adverts(lan.b);
  ASSERT_EQ(bads.size(), 2u);
  EXPECT_EQ(bads[0].fields.advskew, 150);
  EXPECT_EQ(bads[0].eth_src.to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(lan.count<SendGratuitousArp>(lan.b), 1);
  EXPECT_EQ(lan.count<SendNeighborAdvert>(lan.b), 1);
  // fw-a ignored fw-b's slower adverts (M2) and never changed state.
  EXPECT_EQ(lan.changes(lan.a).size(), 2u);
  // Three log lines on fw-b (F5).
  const auto lb = lan.logs(lan.b, up[0], Time::from_s(20));
  ASSERT_EQ(lb.size(), 3u);
  EXPECT_EQ(lb[0].text, "carp2: link state changed to UP");
  EXPECT_EQ(lb[1].text, "carp2: MASTER -> BACKUP (more frequent advertisement received)");
  EXPECT_EQ(lb[1].level, LogLevel::info);
  EXPECT_EQ(lb[2].text, "carp2: link state changed to DOWN");
  EXPECT_EQ(lb[2].level, LogLevel::notice);
}

TEST(Carp93, ContrastAPrimeWindowTicks) { contrast_a_prime(Timing::ticks, ms(417), ms(3587)); }
TEST(Carp93, ContrastAPrimeWindowExact) {
  contrast_a_prime(Timing::exact, Time::from_ns(414'062'500), Time::from_ns(3'585'937'500));
}

TEST(Carp93, ContrastB3OnlyIpv6AdvertsLost) {
  SeedLan lan;
  lan.run_until(Time::from_s(10));
  lan.lose = [&](int from, int to, const SendAdvert& s) {
    return from == lan.a && to == lan.b && s.fields.family == Family::ipv6;
  };
  lan.run_until(Time::from_s(100));
  const auto up = entered(lan, lan.b, State::master);
  const auto down = entered(lan, lan.b, State::backup);
  ASSERT_GE(up.size(), 20u);
  Time open{};
  for (std::size_t k = 0; k < up.size(); ++k) {
    ASSERT_GT(down.size(), k + 1);
    const Time w = down[k + 1] - up[k];
    EXPECT_EQ(w, ms(417));
    open += w;
    if (k > 0) {
      EXPECT_EQ(up[k] - up[k - 1], ms(4004));  // flaps every 4.004 s
    }
  }
  const double fraction = open.seconds() / (up.back() - up.front() + ms(4004)).seconds();
  EXPECT_NEAR(fraction, 0.104, 0.001);
  // Two transitions logged by CARP every cycle (+ link state lines).
  EXPECT_EQ(lan.n[lan.a].state(), State::master);
}

// Contrast (b4): a 3 s transmit blackout on fw-a's lagg starting 0.5 s after an advert.
TEST(Carp93, ContrastB4BlackoutWithSendErrorDemotionIsSticky) {
  SeedLan lan;
  lan.run_until(Time::from_s(10));
  const Time t0 = lan.adverts(lan.a).back().at;
  lan.send_fails = [&](int node, const SendAdvert& s) {
    return node == lan.a && s.at >= t0 + ms(500) && s.at < t0 + ms(3500);
  };
  lan.run_until(Time::from_s(40));
  // 3 failed sends raise suppress_preempt: fw-a advertises 240 at once (send_ad_all).
  EXPECT_EQ(lan.n[lan.a].demotion(), 1);
  EXPECT_EQ(lan.n[lan.a].effective_skew(), 240);
  bool saw_240 = false;
  for (const auto& s : lan.adverts(lan.a)) saw_240 = saw_240 || s.fields.advskew == 240;
  EXPECT_TRUE(saw_240);
  int demotions = 0;
  for (const auto& act : lan.out[lan.a]) if (std::holds_alternative<DemotionChanged>(act)) ++demotions;
  EXPECT_EQ(demotions, 1);
  // fw-b took over 3.587 s after the last advert it heard and keeps MASTER; fw-a stepped down.
  const auto up = entered(lan, lan.b, State::master);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0], t0 + lan.latency + ms(3587));
  EXPECT_EQ(lan.n[lan.b].state(), State::master);
  EXPECT_EQ(lan.n[lan.a].state(), State::backup);
  // As BACKUP, fw-a never makes the 3 successful sends that would clear its demotion.
  EXPECT_TRUE(lan.adverts(lan.a, up[0] + ms(1), Time::from_s(40)).empty());
}

TEST(Carp93, ContrastB4BlackoutWithoutDemotionFailsBack) {
  Lan lan;
  Config ca = seed(true), cb = seed(false);
  ca.senderr_demotion = false;
  const int a = lan.add(ca), b = lan.add(cb);
  lan.start(a, Time{});
  lan.start(b, Time{});
  lan.run_until(Time::from_s(10));
  const Time t0 = lan.adverts(a).back().at;
  lan.send_fails = [&](int node, const SendAdvert& s) {
    return node == a && s.at >= t0 + ms(500) && s.at < t0 + ms(3500);
  };
  lan.run_until(Time::from_s(30));
  const auto up = entered(lan, b, State::master);
  const auto down = entered(lan, b, State::backup);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(down.back() - up[0], ms(417));
  EXPECT_EQ(lan.n[a].state(), State::master);
  EXPECT_EQ(lan.n[a].demotion(), 0);
  EXPECT_EQ(lan.n[a].stats().send_errors, 6u);  // 3 periods × (v4 + v6)
}

TEST(Carp93, SendErrorDemotionClearsAfterThreeSuccessesAsMaster) {
  Instance m(seed(true));
  ActionBuffer out;
  m.start(Time{}, out);
  m.on_timer(ms(3001), out);
  ASSERT_EQ(m.state(), State::master);
  out.clear();
  m.on_send_result(ms(4000), false, out);
  m.on_send_result(ms(4000), false, out);
  EXPECT_EQ(m.demotion(), 0);
  m.on_send_result(ms(4000), false, out);
  EXPECT_EQ(m.demotion(), 1);
  // send_ad_all: an immediate advert pair with skew 240, re-armed at 1.939 s.
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::get<DemotionChanged>(out[0]).total, 1);
  EXPECT_EQ(std::get<SendAdvert>(out[1]).fields.advskew, 240);
  EXPECT_EQ(*m.next_deadline(), ms(4000 + 1939));
  out.clear();
  m.on_send_result(ms(5000), true, out);
  m.on_send_result(ms(5000), true, out);
  EXPECT_EQ(m.demotion(), 1);
  m.on_send_result(ms(5000), true, out);
  EXPECT_EQ(m.demotion(), 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<DemotionChanged>(out[0]).delta, -1);
  EXPECT_EQ(m.effective_skew(), 0);
  // A success below 3 errors just resets the count.
  m.on_send_result(ms(6000), false, out);
  m.on_send_result(ms(6000), false, out);
  m.on_send_result(ms(6000), true, out);
  m.on_send_result(ms(6000), false, out);
  EXPECT_EQ(m.demotion(), 0);
}

TEST(Carp93, PreemptOnTakesOverAtOnceFromSlowerMaster) {
  for (bool preempt : {false, true}) {
    Lan lan;
    Config slow = seed(false), fast = seed(true);
    fast.preempt = slow.preempt = preempt;
    const int s = lan.add(slow);
    lan.start(s, Time{});
    lan.run_until(Time::from_s(10));  // the slow one (150) is MASTER alone
    ASSERT_EQ(lan.n[s].state(), State::master);
    const int f = lan.add(fast);
    lan.start(f, Time::from_s(10));
    lan.run_until(Time::from_s(30));
    if (!preempt) {
      EXPECT_EQ(lan.n[f].state(), State::backup);
      EXPECT_EQ(lan.n[s].state(), State::master);
      continue;
    }
    const auto up = entered(lan, f, State::master);
    ASSERT_EQ(up.size(), 1u);
    // B2 on the first advert heard after start: well before its own 3.001 s timer.
    EXPECT_LT(up[0], Time::from_s(10) + ms(1600));
    bool logged = false;
    for (const auto& l : lan.logs(f)) logged = logged || l.text == "carp2: BACKUP -> MASTER (preempting a slower master)";
    EXPECT_TRUE(logged);
    EXPECT_EQ(lan.n[s].state(), State::backup);  // M1 on the faster advert
    EXPECT_STREQ(lan.changes(s).back().reason, "more frequent advertisement received");
  }
}

TEST(Carp93, EqualSettingsOscillate) {
  Lan lan;
  Config x = seed(true), y = seed(true);
  y.src4 = Ipv4::parse("192.168.80.252");
  y.counter_seed = 5;
  const int a = lan.add(x), b = lan.add(y);
  lan.start(a, Time{});
  lan.start(b, Time{});
  lan.run_until(Time::from_s(30));
  // No tie-break: each MASTER steps down on the other's equal advert, both time out again.
  EXPECT_GE(entered(lan, a, State::master).size(), 8u);
  EXPECT_GE(entered(lan, b, State::master).size(), 8u);
  EXPECT_EQ(entered(lan, a, State::master).size(), entered(lan, b, State::master).size());
}

TEST(Carp93, LinkDownDemotesAndBackupTakesOver) {
  SeedLan lan;
  lan.run_until(Time::from_s(10));
  ActionBuffer out;
  lan.n[lan.a].on_link(Time::from_s(10), false, out);
  lan.dispatch(lan.a, out);
  EXPECT_EQ(lan.n[lan.a].state(), State::init);
  EXPECT_EQ(lan.n[lan.a].demotion(), 1);
  EXPECT_FALSE(lan.n[lan.a].next_deadline().has_value());
  const auto la = lan.logs(lan.a, Time::from_s(10));
  ASSERT_EQ(la.size(), 1u);  // 9.3 prints no CARP line for X1, only carpN's link state
  EXPECT_EQ(la[0].text, "carp2: link state changed to DOWN");
  lan.run_until(Time::from_s(20));
  EXPECT_EQ(lan.n[lan.b].state(), State::master);
  out.clear();
  lan.n[lan.a].on_link(Time::from_s(20), true, out);
  lan.dispatch(lan.a, out);
  EXPECT_EQ(lan.n[lan.a].demotion(), 0);
  lan.run_until(Time::from_s(30));
  // preempt 0: the recovered node stays BACKUP behind the slower master.
  EXPECT_EQ(lan.n[lan.a].state(), State::backup);
  EXPECT_EQ(lan.n[lan.b].state(), State::master);
  EXPECT_EQ(lan.logs(lan.a, Time::from_s(20), Time::from_s(21))[0].text, "carp2: INIT -> BACKUP");
}

TEST(Carp93, LinkDownOfOneVhidDemotesSiblingMaster) {
  Config c1 = seed(true), c2 = seed(true);
  c2.vhid = 4;
  c2.ifname = "carp4";
  c2.vips4 = {Ipv4::parse("192.168.0.254")};
  c2.vips6.clear();
  Instance v2(c1), v4(c2);
  ActionBuffer o;
  v2.start(Time{}, o);
  v4.start(Time{}, o);
  v2.on_timer(ms(3001), o);
  v4.on_timer(ms(3001), o);
  ASSERT_TRUE(v2.is_master() && v4.is_master());
  o.clear();
  v4.on_link(ms(5000), false, o);
  const DemotionChanged* d = nullptr;
  for (const auto& a : o) if (auto* x = std::get_if<DemotionChanged>(&a)) d = x;
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->delta, 1);
  o.clear();
  v2.apply_node_demotion(ms(5000), d->delta, o);  // the host forwards it
  // carp_send_ad_all when suppress_preempt becomes 1: an immediate advert pair at 240.
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(std::get<SendAdvert>(o[0]).fields.advskew, 240);
  EXPECT_EQ(std::get<SendAdvert>(o[0]).at, ms(5000));
  EXPECT_EQ(v2.effective_skew(), 240);
}

TEST(Carp93, AdminDownSendsGoingDownAdvertAndBackupTakesOverAtOnce) {
  SeedLan lan;
  lan.run_until(Time::from_s(10));
  ActionBuffer out;
  lan.n[lan.a].admin(Time::from_s(10), false, out);
  ASSERT_EQ(out.size(), 4u);  // two 255/255 adverts, StateChanged, link DOWN
  EXPECT_EQ(std::get<SendAdvert>(out[0]).fields.advbase, 255);
  EXPECT_EQ(std::get<SendAdvert>(out[0]).fields.advskew, 255);
  lan.dispatch(lan.a, out);
  EXPECT_FALSE(lan.n[lan.a].next_deadline().has_value());  // not re-armed
  lan.run_until(Time::from_s(10) + ms(1));
  // B3: 3 × 1 + 150/256 s < 255 + 255/256 s: takeover on receipt, logged "master timed out".
  EXPECT_EQ(lan.n[lan.b].state(), State::master);
  EXPECT_EQ(entered(lan, lan.b, State::master)[0], Time::from_s(10) + lan.latency);
  bool logged = false;
  for (const auto& l : lan.logs(lan.b)) logged = logged || l.text == "carp2: BACKUP -> MASTER (master timed out)";
  EXPECT_TRUE(logged);
  out.clear();
  lan.n[lan.a].admin(Time::from_s(12), true, out);
  lan.dispatch(lan.a, out);
  EXPECT_EQ(lan.n[lan.a].state(), State::backup);
}

TEST(Carp93, ForceStateHasNoCarpLogLine) {
  Instance b(seed(false));
  ActionBuffer o;
  b.start(Time{}, o);
  o.clear();
  b.force_state(ms(100), State::master, o);
  EXPECT_TRUE(b.is_master());
  std::vector<std::string> texts;
  for (const auto& a : o) if (auto* l = std::get_if<Log>(&a)) texts.push_back(l->text);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0], "carp2: link state changed to UP");
  o.clear();
  b.force_state(ms(200), State::backup, o);
  EXPECT_EQ(b.state(), State::backup);
  EXPECT_EQ(*b.next_deadline(), ms(200 + 3587));
}

TEST(Carp93, LateAdvertRaceAfterStepDown) {
  Config c = seed(false);
  c.late_advert_window = ms(1);
  Instance m(c);
  ActionBuffer o;
  m.start(Time{}, o);
  m.on_timer(ms(3587), o);  // MASTER
  ASSERT_TRUE(m.is_master());
  const Time due = *m.next_deadline();
  const Config peer = seed(true);
  AdvertFields f{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 77};
  o.clear();
  // A better advert arrives 200 µs before the advert callout: that callout has "already fired".
  ASSERT_EQ(m.on_advert(due - us(200), make_advert(peer, f), o), Drop::none);
  EXPECT_EQ(m.state(), State::backup);
  EXPECT_EQ(*m.next_deadline(), due);
  o.clear();
  m.on_timer(due, o);
  ASSERT_EQ(o.size(), 2u);
  const auto& late = std::get<SendAdvert>(o[0]);
  EXPECT_TRUE(late.spurious);
  EXPECT_EQ(late.fields.advskew, 150);
  EXPECT_EQ(late.eth_src.to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(late.fields.counter, 78u);  // continues from the counter it received
  EXPECT_EQ(*m.next_deadline(), due + ms(1587));  // re-armed itself...
  o.clear();
  f.counter = 78;
  m.on_advert(due + ms(800), make_advert(peer, f), o);  // ...until the next B4 stops it
  EXPECT_EQ(*m.next_deadline(), due - us(200) + ms(3587));  // only the IPv6 master-down is left
  o.clear();
  m.on_timer(due + ms(1587), o);
  EXPECT_TRUE(o.empty());
  // Off by default: the same step-down stops the advert timer.
  Instance q(seed(false));
  q.start(Time{}, o);
  q.on_timer(ms(3587), o);
  const Time due2 = *q.next_deadline();
  q.on_advert(due2 - us(200), make_advert(peer, f), o);
  EXPECT_EQ(*q.next_deadline(), due2 - us(200) + ms(3587));
}

TEST(Carp93, CounterRandomUntilFirstAdvertThenContinues) {
  Instance m(seed(true));
  ActionBuffer o;
  m.start(Time{}, o);
  m.on_timer(ms(3001), o);
  m.on_timer(ms(4004), o);
  std::vector<std::uint64_t> c;
  for (const auto& a : o) if (auto* s = std::get_if<SendAdvert>(&a)) c.push_back(s->fields.counter);
  ASSERT_EQ(c.size(), 4u);
  // sc_init_counter stays set until an advert is received: every advert draws a new value.
  EXPECT_NE(c[1], c[0] + 1);
  EXPECT_NE(c[2], c[1] + 1);
  Instance same(seed(true));  // deterministic: same seed, same counters
  ActionBuffer o2;
  same.start(Time{}, o2);
  same.on_timer(ms(3001), o2);
  std::vector<std::uint64_t> c2;
  for (const auto& a : o2) if (auto* s = std::get_if<SendAdvert>(&a)) c2.push_back(s->fields.counter);
  ASSERT_EQ(c2.size(), 2u);
  EXPECT_EQ(c2[0], c[0]);
  EXPECT_EQ(c2[1], c[1]);
  // After receiving a (worse) advert, the counter continues from the received one.
  const Config peer = seed(false);
  m.on_advert(ms(4500), make_advert(peer, AdvertFields{Family::ipv4, 2, 1, 2, 1, 150, 0, 0, 1000}), o);
  o.clear();
  m.on_timer(ms(5005), o);
  EXPECT_EQ(std::get<SendAdvert>(o[0]).fields.counter, 1001u);
  EXPECT_EQ(std::get<SendAdvert>(o[1]).fields.counter, 1002u);
}

TEST(Carp93, AuthenticationNeedsSamePassAndAddresses) {
  Instance b(seed(false));
  ActionBuffer o;
  b.start(Time{}, o);
  Config a = seed(true);
  const AdvertFields f{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 5};
  EXPECT_EQ(b.on_advert(ms(10), make_advert(a, f), o), Drop::none);
  Config wrong_pass = a;
  wrong_pass.pass = "secret";
  EXPECT_EQ(b.on_advert(ms(20), make_advert(wrong_pass, f), o), Drop::badauth);
  Config more_vips = a;
  more_vips.vips4.push_back(Ipv4::parse("192.168.80.253"));
  EXPECT_EQ(b.on_advert(ms(30), make_advert(more_vips, f), o), Drop::badauth);
  EXPECT_EQ(b.stats().dropped[static_cast<std::size_t>(Drop::badauth)], 2u);
  // Order of the VIP list does not matter (the kernel sorts), duplicates neither.
  Config reordered = more_vips;
  std::swap(reordered.vips4[0], reordered.vips4[1]);
  EXPECT_EQ(carp_hmac(reordered, 99), carp_hmac(more_vips, 99));
  // Other checks, in FreeBSD's order: vhid, version.
  AdvertFields g = f;
  g.vhid = 3;
  EXPECT_EQ(b.on_advert(ms(40), make_advert(a, g), o), Drop::badvhid);
  g = f;
  g.version = 3;
  EXPECT_EQ(b.on_advert(ms(50), make_advert(a, g), o), Drop::badver);
  Instance idle(seed(false));  // not started: carp interface not UP/RUNNING
  EXPECT_EQ(idle.on_advert(ms(60), make_advert(a, f), o), Drop::badvhid);
  EXPECT_EQ(drop_name(Drop::badvhid, Profile::freebsd_9_3), std::string("carps_badvhid"));
}

TEST(Carp93, MismatchedAddressSetsGiveTwoMasters) {
  Lan lan;
  Config x = seed(true), y = seed(false);
  y.vips4.push_back(Ipv4::parse("192.168.80.250"));
  const int a = lan.add(x), b = lan.add(y);
  lan.start(a, Time{});
  lan.start(b, Time{});
  // Deliver through frames but count the refusals instead of asserting acceptance.
  lan.run_until(Time::from_s(1));
  ActionBuffer o;
  lan.n[a].on_timer(ms(3001), o);
  lan.n[b].on_timer(ms(3587), o);
  EXPECT_TRUE(lan.n[a].is_master());
  EXPECT_TRUE(lan.n[b].is_master());
  const auto frame = advert_frame(x, AdvertFields{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 9});
  auto adv = parse_advert(frame, Profile::freebsd_9_3);
  ASSERT_TRUE(adv);
  EXPECT_EQ(lan.n[b].on_advert(ms(4000), *adv, o), Drop::badauth);
  EXPECT_TRUE(lan.n[b].is_master());
}

TEST(Carp93, MutedMasterLetsBackupTakeOver) {
  SeedLan lan;
  lan.run_until(Time::from_s(10));
  lan.n[lan.a].set_mute(true);
  lan.run_until(Time::from_s(20));
  EXPECT_EQ(lan.n[lan.b].state(), State::master);
  EXPECT_EQ(lan.n[lan.a].state(), State::master);  // it hears the slower fw-b and ignores it
  EXPECT_GT(lan.n[lan.a].stats().muted, 0u);
  lan.n[lan.a].set_mute(false);
  lan.run_until(Time::from_s(25));
  EXPECT_EQ(lan.n[lan.b].state(), State::backup);
}

TEST(Carp93, SpuriousAdvertFromBackupKeepsSchedule) {
  Instance b(seed(false));
  ActionBuffer o;
  b.start(Time{}, o);
  const Time due = *b.next_deadline();
  o.clear();
  b.send_spurious_advert(ms(500), o);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_TRUE(std::get<SendAdvert>(o[0]).spurious);
  EXPECT_EQ(std::get<SendAdvert>(o[0]).eth_src.to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(b.state(), State::backup);
  EXPECT_EQ(*b.next_deadline(), due);
}

TEST(Carp93, TimersPerFamilyTieOrderAndNoDeadlineInInit) {
  Instance b(seed(false));
  EXPECT_FALSE(b.next_deadline().has_value());
  ActionBuffer o;
  b.start(Time{}, o);
  EXPECT_EQ(*b.next_deadline(), ms(3587));
  // An IPv4 advert restarts only the IPv4 timer: the IPv6 one still fires at 3.587 s.
  b.on_advert(ms(1000), make_advert(seed(true), AdvertFields{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 1}), o);
  EXPECT_EQ(*b.next_deadline(), ms(3587));
  // And the other way round.
  Instance b6(seed(false));
  b6.start(Time{}, o);
  b6.on_advert(ms(1000), make_advert(seed(true), AdvertFields{Family::ipv6, 2, 1, 2, 1, 0, 0, 0, 1}), o);
  EXPECT_EQ(*b6.next_deadline(), ms(3587));
  b6.on_advert(ms(2000), make_advert(seed(true), AdvertFields{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 2}), o);
  EXPECT_EQ(*b6.next_deadline(), ms(1000 + 3587));
  o.clear();
  b.on_timer(ms(3587), o);
  EXPECT_TRUE(b.is_master());
  EXPECT_STREQ(std::get<StateChanged>(o[0]).reason, "master timed out");
  // Nothing is due before its time.
  Instance c(seed(false));
  c.start(Time{}, o);
  o.clear();
  c.on_timer(ms(3586), o);
  EXPECT_TRUE(o.empty());
}

// ---- FreeBSD 10+ -----------------------------------------------------------------------------

TEST(Carp10, LogLinesAndReasons) {
  SeedLan lan(Profile::freebsd_10);
  lan.run_until(Time::from_s(10));
  const auto la = lan.logs(lan.a);
  ASSERT_EQ(la.size(), 2u);
  EXPECT_EQ(la[0].text, "carp: 2@vlan2: INIT -> BACKUP (initialization complete)");
  EXPECT_EQ(la[1].text, "carp: 2@vlan2: BACKUP -> MASTER (master timed out)");
  EXPECT_EQ(la[1].level, LogLevel::info);
  // 10+ adverts carry DSCP 56.
  const auto frame = advert_frame(lan.n[lan.a].config(), lan.adverts(lan.a)[0].fields);
  EXPECT_EQ(frame[15], 0xe0);
  // Link down of the master: logged transition and demotion, the backup takes over.
  ActionBuffer o;
  lan.n[lan.a].on_link(Time::from_s(10), false, o);
  lan.dispatch(lan.a, o);
  const auto l2 = lan.logs(lan.a, Time::from_s(10));
  ASSERT_EQ(l2.size(), 2u);
  EXPECT_EQ(l2[0].text, "carp: 2@vlan2: MASTER -> INIT (hardware interface down)");
  EXPECT_EQ(l2[1].text, "carp: demoted by 240 to 240 (interface down)");
  lan.run_until(Time::from_s(20));
  EXPECT_EQ(lan.n[lan.b].state(), State::master);
  o.clear();
  lan.n[lan.a].on_link(Time::from_s(20), true, o);
  lan.dispatch(lan.a, o);
  const auto l3 = lan.logs(lan.a, Time::from_s(20));
  ASSERT_EQ(l3.size(), 2u);
  EXPECT_EQ(l3[0].text, "carp: 2@vlan2: INIT -> BACKUP (initialization complete)");
  EXPECT_EQ(l3[1].text, "carp: demoted by -240 to 0 (interface up)");
  // fw-b's step-down reason in 10+ wording.
  SeedLan l4(Profile::freebsd_10);
  l4.run_until(Time::from_s(10));
  const Time t0 = l4.adverts(l4.a).back().at;
  l4.lose = [&](int from, int, const SendAdvert& s) { return from == l4.a && s.at > t0 && s.at < t0 + ms(3100); };
  l4.run_until(Time::from_s(20));
  const auto lb = l4.logs(l4.b, Time::from_s(10));
  ASSERT_EQ(lb.size(), 2u);
  EXPECT_EQ(lb[0].text, "carp: 2@vlan2: BACKUP -> MASTER (master timed out)");
  EXPECT_EQ(lb[1].text, "carp: 2@vlan2: MASTER -> BACKUP (more frequent advertisement received)");
  EXPECT_EQ(entered(l4, l4.b, State::backup).back() - entered(l4, l4.b, State::master).back(), ms(417));
}

TEST(Carp10, DemotionAddsToSkewCappedAt240) {
  Config c = seed(false, Profile::freebsd_10);
  Instance b(c);
  ActionBuffer o;
  b.start(Time{}, o);
  o.clear();
  b.demote(ms(10), 50, o);
  EXPECT_EQ(b.effective_skew(), 200);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(std::get<DemotionChanged>(o[0]).total, 50);
  EXPECT_EQ(std::get<Log>(o[1]).text, "carp: demoted by 50 to 50 (sysctl)");
  b.demote(ms(20), 100, o);
  EXPECT_EQ(b.effective_skew(), 240);
  // Master-down keeps the configured skew (not demoted).
  o.clear();
  b.on_advert(ms(30), make_advert(seed(true, Profile::freebsd_10), AdvertFields{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 1}), o);
  EXPECT_EQ(*b.next_deadline(), ms(3587));  // IPv6 timer from start still first
  // B3 uses the demoted skew: 3 + 240/256 s < 4 s.
  AdvertFields slow{Family::ipv4, 2, 1, 2, 4, 0, 0, 0, 2};
  b.on_advert(ms(40), make_advert(seed(true, Profile::freebsd_10), slow), o);
  EXPECT_TRUE(b.is_master());
  bool reason_ok = false;
  for (const auto& a : o) if (auto* s = std::get_if<StateChanged>(&a)) reason_ok = std::string(s->reason) == "master will time out";
  EXPECT_TRUE(reason_ok);
}

TEST(Carp10, SendErrorDemotionLogsAndStays) {
  Instance m(seed(true, Profile::freebsd_10));
  ActionBuffer o;
  m.start(Time{}, o);
  m.on_timer(ms(3001), o);
  o.clear();
  for (int i = 0; i < 3; ++i) m.on_send_result(ms(4000), false, o);
  EXPECT_EQ(m.demotion(), 240);
  bool logged = false;
  int immediate = 0;
  for (const auto& a : o) {
    if (auto* l = std::get_if<Log>(&a)) logged = l->text == "carp: demoted by 240 to 240 (send error 50 on vlan2)";
    if (auto* s = std::get_if<SendAdvert>(&a)) immediate += s->fields.advskew == 240;
  }
  EXPECT_TRUE(logged);
  EXPECT_EQ(immediate, 2);
  // carp_send_ad_error as read in FreeBSD 14: the first success zeroes the error count, so
  // three successes never undo the send-error demotion.
  for (int i = 0; i < 5; ++i) m.on_send_result(ms(5000), true, o);
  EXPECT_EQ(m.demotion(), 240);
}

TEST(Carp10, PreemptUserRequestAndCarpdevDown) {
  Lan lan;
  Config slow = seed(false, Profile::freebsd_10), fast = seed(true, Profile::freebsd_10);
  slow.preempt = fast.preempt = true;
  const int s = lan.add(slow);
  lan.start(s, Time{});
  lan.run_until(Time::from_s(10));
  const int f = lan.add(fast);
  lan.start(f, Time::from_s(10));
  lan.run_until(Time::from_s(20));
  ASSERT_TRUE(lan.n[f].is_master());
  EXPECT_LT(entered(lan, f, State::master)[0], Time::from_s(10) + ms(1600));  // B2, not its timer
  EXPECT_EQ(lan.logs(f).back().text, "carp: 2@vlan2: BACKUP -> MASTER (preempting a slower master)");
  EXPECT_EQ(lan.logs(s).back().text, "carp: 2@vlan2: MASTER -> BACKUP (more frequent advertisement received)");
  // ifconfig vlan2 vhid 2 state backup
  ActionBuffer o;
  lan.n[f].force_state(Time::from_s(20), State::backup, o);
  lan.dispatch(f, o);
  EXPECT_EQ(lan.logs(f).back().text, "carp: 2@vlan2: MASTER -> BACKUP (user requested via ifconfig)");
  o.clear();
  lan.n[f].force_state(Time::from_s(20), State::master, o);
  lan.dispatch(f, o);
  EXPECT_EQ(lan.logs(f).back().text, "carp: 2@vlan2: BACKUP -> MASTER (user requested via ifconfig)");
  // ifconfig vlan2 down / up: the same path as a link loss, with the ifdown demotion.
  o.clear();
  lan.n[f].admin(Time::from_s(21), false, o);
  lan.dispatch(f, o);
  EXPECT_EQ(lan.n[f].state(), State::init);
  EXPECT_EQ(lan.n[f].demotion(), 240);
  lan.run_until(Time::from_s(30));
  EXPECT_TRUE(lan.n[s].is_master());
  o.clear();
  lan.n[f].admin(Time::from_s(30), true, o);
  lan.dispatch(f, o);
  EXPECT_EQ(lan.n[f].demotion(), 0);
  lan.run_until(Time::from_s(35));
  EXPECT_TRUE(lan.n[f].is_master());  // preempt again once back
  EXPECT_EQ(lan.n[s].state(), State::backup);
}

TEST(Carp10, AllowZeroKeepsInitAndDemotes) {
  Config c = seed(true, Profile::freebsd_10);
  c.allow = false;
  Instance m(c);
  ActionBuffer o;
  m.start(Time{}, o);
  EXPECT_EQ(m.state(), State::init);
  EXPECT_EQ(m.demotion(), 240);
  EXPECT_EQ(m.on_advert(ms(1), make_advert(seed(false, Profile::freebsd_10), AdvertFields{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 1}), o),
            Drop::disallowed);
}

TEST(Carp10, LoopedOwnAdvertWithVhidZeroIsBadIf) {
  Instance a(seed(true, Profile::freebsd_10));
  ActionBuffer o;
  a.start(Time{}, o);
  Config self = seed(true, Profile::freebsd_10);
  AdvertFields f{Family::ipv4, 2, 1, 0, 1, 0, 0, 0, 1};
  EXPECT_EQ(a.on_advert(ms(1), make_advert(self, f), o), Drop::badif);
  EXPECT_EQ(a.on_advert(ms(1), make_advert(seed(false, Profile::freebsd_10), f), o), Drop::badvhid);
}

// ---- frames and parsing ----------------------------------------------------------------------

TEST(CarpWire, Sha1AndHmacKnownAnswers) {
  auto h = [](const std::string& s) {
    return hex(detail::sha1(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(h("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(h(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
  EXPECT_EQ(h(std::string(55, 'x')), "cef734ba81a024479e09eb5a75b6ddae62e6abf1");
  EXPECT_EQ(h(std::string(56, 'x')), "901305367c259952f4e7af8323f480d59f81335b");
  EXPECT_EQ(h(std::string(64, 'x')), "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163");
  // HMAC over ipad ‖ 2 ‖ 1 ‖ vhid ‖ sorted addresses ‖ counter (computed independently).
  Config c = seed(false);
  EXPECT_EQ(hex(carp_hmac(c, 0x0102030405060708ULL)), "c47b98531126ebb8290a87f5d6a6968a02a665e1");
  c.pass = "secret";
  c.vips4.push_back(Ipv4::parse("10.0.0.1"));
  EXPECT_EQ(hex(carp_hmac(c, 0x0102030405060708ULL)), "10eee5164cf5c37c3adffd3119f33991c3a8ce83");
}

TEST(CarpWire, AdvertFrameIpv4Bytes) {
  const Config c = seed(true);
  const AdvertFields f{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 0x1122334455667788ULL};
  const auto fr = advert_frame(c, f, FrameParams{std::nullopt, 0x1234});
  ASSERT_EQ(fr.size(), 70u);
  EXPECT_EQ(Mac::from_bytes(fr.data()).to_string(), "01:00:5e:00:00:12");
  EXPECT_EQ(Mac::from_bytes(fr.data() + 6).to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(net::be16(&fr[12]), 0x0800);
  EXPECT_EQ(fr[14], 0x45);
  EXPECT_EQ(fr[15], 0x10);                  // IPTOS_LOWDELAY
  EXPECT_EQ(net::be16(&fr[16]), 56);        // 20 + 36
  EXPECT_EQ(net::be16(&fr[18]), 0x1234);
  EXPECT_EQ(net::be16(&fr[20]), 0x4000);    // DF
  EXPECT_EQ(fr[22], 255);
  EXPECT_EQ(fr[23], 112);
  EXPECT_EQ(net::internet_checksum(net::Bytes(fr.data() + 14, 20)), 0);
  EXPECT_EQ(Ipv4{net::be32(&fr[26])}, Ipv4::parse("192.168.80.251"));
  EXPECT_EQ(Ipv4{net::be32(&fr[30])}, Ipv4::parse("224.0.0.18"));
  EXPECT_EQ(fr[34], 0x21);
  EXPECT_EQ(fr[35], 2);
  EXPECT_EQ(fr[36], 0);    // advskew
  EXPECT_EQ(fr[37], 7);    // authlen
  EXPECT_EQ(fr[39], 1);    // advbase
  EXPECT_EQ(net::internet_checksum(net::Bytes(fr.data() + 34, 36)), 0);
  EXPECT_EQ(net::be32(&fr[42]), 0x11223344u);
  EXPECT_EQ(net::be32(&fr[46]), 0x55667788u);
  // Same bytes as the generic FrameBuilder given the same header fields and HMAC.
  net::Ipv4Fields ipf;
  ipf.tos = 0x10;
  ipf.id = 0x1234;
  ipf.dont_fragment = true;
  const auto ref = net::FrameBuilder{}
                       .eth(Mac::parse("01:00:5e:00:00:12"), Mac::parse("00:00:5e:00:01:02"))
                       .ipv4(Ipv4::parse("192.168.80.251"), Ipv4::parse("224.0.0.18"), ipf)
                       .carp(2, 1, 0, f.counter, carp_hmac(c, f.counter))
                       .build();
  EXPECT_EQ(fr, ref);
  // Tagged: 74 bytes, the tag right after the MACs.
  const auto tagged = advert_frame(c, f, FrameParams{std::uint16_t{2}, 0});
  ASSERT_EQ(tagged.size(), 74u);
  EXPECT_EQ(net::be16(&tagged[12]), 0x8100);
  EXPECT_EQ(net::be16(&tagged[14]), 2);
}

TEST(CarpWire, AdvertFrameIpv6Bytes) {
  const Config c = seed(true);
  const AdvertFields f{Family::ipv6, 2, 1, 2, 1, 0, 0, 0, 42};
  const auto fr = advert_frame(c, f);
  ASSERT_EQ(fr.size(), 90u);
  EXPECT_EQ(Mac::from_bytes(fr.data()).to_string(), "33:33:00:00:00:12");
  EXPECT_EQ(Mac::from_bytes(fr.data() + 6).to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(net::be16(&fr[12]), 0x86dd);
  EXPECT_EQ(fr[14], 0x60);
  EXPECT_EQ(net::be16(&fr[18]), 36);
  EXPECT_EQ(fr[20], 112);
  EXPECT_EQ(fr[21], 255);
  Ipv6 dst;
  std::copy(fr.begin() + 38, fr.begin() + 54, dst.bytes.begin());
  EXPECT_EQ(dst, Ipv6::parse("ff02::12"));
  EXPECT_EQ(net::internet_checksum(net::Bytes(fr.data() + 54, 36)), 0);
  auto a = parse_advert(fr, Profile::freebsd_9_3);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fields.family, Family::ipv6);
  EXPECT_EQ(a->src6, Ipv6::parse("fd00:0:0:80::251"));
  EXPECT_EQ(a->fields.counter, 42u);
  EXPECT_EQ(a->hmac, carp_hmac(c, 42));
}

TEST(CarpWire, ParseAcceptsAndRejectsInKernelOrder) {
  const Config c = seed(true);
  const auto good = advert_frame(c, AdvertFields{Family::ipv4, 2, 1, 2, 1, 0, 0, 0, 7}, FrameParams{std::uint16_t{2}, 9});
  Drop why = Drop::badsum;
  auto a = parse_advert(good, Profile::freebsd_9_3, &why);
  ASSERT_TRUE(a);
  EXPECT_EQ(why, Drop::none);
  EXPECT_EQ(*a->vlan_tci, 2);
  EXPECT_EQ(a->fields.vhid, 2);
  EXPECT_EQ(a->fields.advbase, 1);
  EXPECT_EQ(a->ttl, 255);
  EXPECT_EQ(a->authlen, 7);
  EXPECT_EQ(a->src4, Ipv4::parse("192.168.80.251"));
  EXPECT_EQ(a->eth_src.to_string(), "00:00:5e:00:01:02");
  auto refuse = [](std::vector<std::uint8_t> f) {
    Drop d = Drop::none;
    EXPECT_FALSE(parse_advert(f, Profile::freebsd_9_3, &d).has_value());
    return d;
  };
  // TTL 254 (IP header checksum fixed so the TTL check is what refuses it).
  auto f = good;
  f[18 + 8] = 254;
  f[18 + 10] = f[18 + 11] = 0;
  const auto s = net::internet_checksum(net::Bytes(f.data() + 18, 20));
  f[18 + 10] = static_cast<std::uint8_t>(s >> 8);
  f[18 + 11] = static_cast<std::uint8_t>(s);
  EXPECT_EQ(refuse(f), Drop::badttl);
  f = good;
  f[18 + 8] = 1;  // header checksum now wrong
  EXPECT_EQ(refuse(f), Drop::ip_badsum);
  f = good;
  f[18 + 20 + 20] ^= 0xff;  // inside the HMAC: CARP checksum fails
  EXPECT_EQ(refuse(f), Drop::badsum);
  f = good;
  f.resize(f.size() - 1);  // shorter than the IP total length
  EXPECT_EQ(refuse(f), Drop::ip_tooshort);
  // A CARP message shorter than 36 bytes in a consistent IP packet.
  net::Ipv4Fields ipf;
  ipf.protocol = 112;
  ipf.ttl = 255;
  const auto shortp = net::FrameBuilder{}
                          .eth(Mac::parse("01:00:5e:00:00:12"), Mac::parse("00:00:5e:00:01:02"))
                          .ipv4(Ipv4::parse("192.168.80.251"), Ipv4::parse("224.0.0.18"), ipf)
                          .payload(std::vector<std::uint8_t>(20, 0))
                          .min_size(0)
                          .build();
  EXPECT_EQ(refuse(shortp), Drop::badlen);
  const auto udp = net::FrameBuilder{}
                       .eth(Mac::parse("01:00:5e:00:00:12"), Mac::parse("00:00:5e:00:01:02"))
                       .ipv4(Ipv4::parse("192.168.80.251"), Ipv4::parse("224.0.0.18"))
                       .udp(1, 2)
                       .build();
  EXPECT_EQ(refuse(udp), Drop::not_advert);
  // Every truncation is refused without reading past the end.
  for (std::size_t n = 0; n < good.size(); ++n) {
    std::vector<std::uint8_t> t(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    Drop d = Drop::none;
    EXPECT_FALSE(parse_advert(t, Profile::freebsd_9_3, &d).has_value()) << n;
    EXPECT_NE(d, Drop::none);
  }
}

TEST(CarpWire, NaAndGarpFrames) {
  const Config c = seed(false);
  const SendNeighborAdvert na{Time{}, Ipv6::parse("fd00:0:0:80::254"), virtual_mac(c.profile, 2), virtual_mac(c.profile, 2)};
  const auto f = na_frame(c, na);
  ASSERT_EQ(f.size(), 86u);
  EXPECT_EQ(Mac::from_bytes(f.data()).to_string(), "33:33:00:00:00:01");
  EXPECT_EQ(Mac::from_bytes(f.data() + 6).to_string(), "00:00:5e:00:01:02");
  EXPECT_EQ(f[20], 58);
  EXPECT_EQ(f[21], 255);
  EXPECT_EQ(f[54], 136);
  EXPECT_EQ(f[58], 0x20);  // Override
  EXPECT_EQ(link_local_from_mac(c.carpdev_mac).to_string(), "fe80::92e2:baff:fe0d:a7d");
  // ICMPv6 checksum over the pseudo-header verifies.
  std::uint32_t sum = 0;
  for (std::size_t i = 22; i < 54; i += 2) sum += net::be16(&f[i]);
  sum += 32 + 58;
  EXPECT_EQ(net::internet_checksum(net::Bytes(f.data() + 54, 32), sum), 0);
  const SendGratuitousArp g{Time{}, Ipv4::parse("192.168.80.254"), virtual_mac(c.profile, 2), c.carpdev_mac};
  const auto ga = garp_frame(g);
  ASSERT_EQ(ga.size(), 60u);
  EXPECT_TRUE(Mac::from_bytes(ga.data()).is_broadcast());
  EXPECT_EQ(Mac::from_bytes(ga.data() + 6).to_string(), "90:e2:ba:0d:0a:7d");
  EXPECT_EQ(Mac::from_bytes(ga.data() + 22).to_string(), "00:00:5e:00:01:02");  // sender HW
  EXPECT_EQ(net::be32(&ga[28]), Ipv4::parse("192.168.80.254").value);
  EXPECT_EQ(net::be32(&ga[38]), Ipv4::parse("192.168.80.254").value);
}

TEST(VrrpWire, FramesAndParse) {
  Config v2 = vrrp(Profile::vrrp_v2, 150, "10.0.0.1");
  const auto f2 = advert_frame(v2, AdvertFields{Family::ipv4, 2, 1, 7, 1, 0, 150, 0, 0});
  ASSERT_EQ(f2.size(), 54u);  // keepalived v2, one address
  EXPECT_EQ(f2[15], 0xc0);
  EXPECT_EQ(Mac::from_bytes(f2.data() + 6), v2.carpdev_mac);  // no vMAC by default
  EXPECT_EQ(f2[34], 0x21);
  EXPECT_EQ(f2[36], 150);
  EXPECT_EQ(f2[37], 1);    // count
  EXPECT_EQ(f2[39], 1);    // adver int
  EXPECT_EQ(net::internet_checksum(net::Bytes(f2.data() + 34, 20)), 0);
  auto a2 = parse_advert(f2, Profile::vrrp_v2);
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->fields.priority, 150);
  EXPECT_EQ(a2->addr_count, 1);
  Config v3 = vrrp(Profile::vrrp_v3, 100, "10.0.0.2");
  v3.adver_int_cs = 50;
  const auto f3 = advert_frame(v3, AdvertFields{Family::ipv4, 3, 1, 7, 0, 0, 100, 50, 0});
  ASSERT_EQ(f3.size(), 46u);  // keepalived v3, one address
  EXPECT_EQ(f3[34], 0x31);
  EXPECT_EQ(net::be16(&f3[38]), 50);
  auto a3 = parse_advert(f3, Profile::vrrp_v3);
  ASSERT_TRUE(a3);
  EXPECT_EQ(a3->fields.interval_cs, 50);
  // The v3 checksum covers the pseudo-header: a v2 reader of the same bytes refuses the version.
  Drop d = Drop::none;
  EXPECT_FALSE(parse_advert(f3, Profile::vrrp_v2, &d));
  EXPECT_EQ(d, Drop::badver);
  // A CARP node reads a 20-byte VRRP message as too short.
  EXPECT_FALSE(parse_advert(f2, Profile::freebsd_9_3, &d));
  EXPECT_EQ(d, Drop::badlen);
  auto bad = f3;
  bad[34] = 0x32;  // type 2, checksum patched by the same delta
  bad[40] = static_cast<std::uint8_t>(bad[40] - 1);
  EXPECT_FALSE(parse_advert(bad, Profile::vrrp_v3, &d));
  EXPECT_TRUE(d == Drop::badtype || d == Drop::badsum);
  EXPECT_STREQ(drop_name(Drop::badttl, Profile::vrrp_v3), "vrrpStatsIpTtlErrors");
  // v3 over IPv6 with the 00:00:5e:00:02 vMAC (RFC flavour).
  Config v6 = Config::defaults(Profile::vrrp_v3, 7, Flavor::rfc);
  v6.vips6 = {Ipv6::parse("fd00::254")};
  v6.src6 = Ipv6::parse("fe80::1");
  const auto f6 = advert_frame(v6, AdvertFields{Family::ipv6, 3, 1, 7, 0, 0, 100, 100, 0});
  ASSERT_EQ(f6.size(), 78u);
  EXPECT_EQ(Mac::from_bytes(f6.data() + 6).to_string(), "00:00:5e:00:02:07");
  auto a6 = parse_advert(f6, Profile::vrrp_v3);
  ASSERT_TRUE(a6);
  EXPECT_EQ(a6->src6, Ipv6::parse("fe80::1"));
}

// ---- VRRP state machine ----------------------------------------------------------------------

TEST(Vrrp, BackupTakesOverAtMasterDownAndPriorityZeroAtSkew) {
  Lan lan;
  const int a = lan.add(vrrp(Profile::vrrp_v2, 150, "10.0.0.1"));
  const int b = lan.add(vrrp(Profile::vrrp_v2, 100, "10.0.0.2"));
  lan.start(a, Time{});
  lan.start(b, Time{});
  lan.run_until(Time::from_s(10));
  // Startup goes through the master-down timer: 3 + 106/256 s for priority 150.
  ASSERT_EQ(entered(lan, a, State::master).size(), 1u);
  EXPECT_EQ(entered(lan, a, State::master)[0], Time::from_ns(3'414'062'500));
  EXPECT_EQ(lan.n[b].state(), State::backup);
  // The master uses its own interval, no skew: adverts exactly 1 s apart.
  const auto ads = lan.adverts(a);
  for (std::size_t k = 1; k < ads.size(); ++k) EXPECT_EQ(ads[k].at - ads[k - 1].at, Time::from_s(1));
  // keepalived: advert first, then a burst of 5 GARPs, and a second burst 5 s later.
  EXPECT_EQ(lan.count<SendGratuitousArp>(a, Time{}, Time::from_ns(3'414'062'501)), 5);
  EXPECT_EQ(lan.count<SendGratuitousArp>(a, Time::from_ns(8'414'062'500), Time::from_ns(8'414'062'501)), 5);
  // Shutdown: one priority-0 advert; the backup waits only Skew_Time (0.609375 s).
  ActionBuffer o;
  lan.n[a].admin(Time::from_s(10), false, o);
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(std::get<SendAdvert>(o[0]).fields.priority, 0);
  lan.dispatch(a, o);
  lan.run_until(Time::from_s(15));
  ASSERT_EQ(entered(lan, b, State::master).size(), 1u);
  // keepalived reads the advert processing_delay (0.2 ms) after it arrived.
  EXPECT_EQ(entered(lan, b, State::master)[0],
            Time::from_s(10) + lan.latency + us(200) + Time::from_ns(609'375'000));
}

TEST(Vrrp, PreemptWaitsForMasterDownNotFirstAdvert) {
  for (bool preempt : {true, false}) {
    Lan lan;
    Config hi = vrrp(Profile::vrrp_v2, 150, "10.0.0.1");
    hi.preempt = preempt;
    const int b = lan.add(vrrp(Profile::vrrp_v2, 100, "10.0.0.2"));
    lan.start(b, Time{});
    lan.run_until(Time::from_s(10));
    ASSERT_TRUE(lan.n[b].is_master());
    const int a = lan.add(hi);
    lan.start(a, Time::from_s(10));
    lan.run_until(Time::from_s(30));
    if (!preempt) {
      EXPECT_EQ(lan.n[a].state(), State::backup);  // nopreempt: stays BACKUP indefinitely
      continue;
    }
    // The lower master's adverts are discarded; takeover when its own timer expires.
    ASSERT_EQ(entered(lan, a, State::master).size(), 1u);
    EXPECT_EQ(entered(lan, a, State::master)[0], Time::from_s(10) + Time::from_ns(3'414'062'500));
    EXPECT_EQ(lan.n[b].state(), State::backup);
    EXPECT_EQ(lan.logs(a)[1].text, "(VI_7) received lower priority (100) advert from 10.0.0.2 - discarding");
    bool logged = false;
    for (const auto& l : lan.logs(b))
      logged = logged || l.text == "(VI_7) Master received advert from 10.0.0.1 with higher priority 150, ours 100";
    EXPECT_TRUE(logged);
  }
}

TEST(Vrrp, EqualPriorityHigherAddressWins) {
  for (Flavor fl : {Flavor::keepalived, Flavor::rfc}) {
    Lan lan;
    const int a = lan.add(vrrp(Profile::vrrp_v3, 100, "10.0.0.1", fl));
    const int b = lan.add(vrrp(Profile::vrrp_v3, 100, "10.0.0.2", fl));
    lan.start(a, Time{});
    lan.start(b, Time{});
    lan.run_until(Time::from_s(20));
    EXPECT_EQ(lan.n[a].state(), State::backup);
    EXPECT_EQ(lan.n[b].state(), State::master);
    bool same = false;
    for (const auto& l : lan.logs(a))
      same = same || l.text == "(VI_7) Master received advert from 10.0.0.2 with same priority 100 but higher IP address than ours";
    EXPECT_TRUE(same);
  }
}

TEST(Vrrp, KeepalivedMasterAnswersLowerPriorityAdvert) {
  Lan lan;
  const int a = lan.add(vrrp(Profile::vrrp_v2, 150, "10.0.0.1"));
  const int b = lan.add(vrrp(Profile::vrrp_v2, 100, "10.0.0.2"));
  lan.start(a, Time{});
  lan.start(b, Time{});
  lan.run_until(Time::from_s(10));
  // One-way loss a -> b longer than the master-down interval: split brain.
  lan.lose = [&](int from, int, const SendAdvert& s) { return from == a && s.at < Time::from_s(15); };
  lan.run_until(Time::from_s(20));
  const auto up = entered(lan, b, State::master);
  ASSERT_EQ(up.size(), 1u);
  // a hears b's first advert and answers at once: advert + 5 GARPs, logged.
  bool forced = false;
  for (const auto& l : lan.logs(a, up[0]))
    forced = forced || l.text == "(VI_7) Received advert from 10.0.0.2 with lower priority 100, ours 150, forcing new election";
  EXPECT_TRUE(forced);
  const Time answer = up[0] + lan.latency + lan.n[a].config().processing_delay;
  EXPECT_EQ(lan.count<SendGratuitousArp>(a, answer, answer + us(1)), 5);
  // The answer re-arms the advert timer from itself: never two adverts at once.
  const auto ads = lan.adverts(a);
  for (std::size_t k = 1; k < ads.size(); ++k) EXPECT_GT(ads[k].at, ads[k - 1].at);
  // Those answers are lost too (before 15 s); the split brain ends with a's first advert after it.
  EXPECT_EQ(lan.n[b].state(), State::backup);
  EXPECT_GE(entered(lan, b, State::backup).back(), Time::from_s(15));
  EXPECT_LT(entered(lan, b, State::backup).back(), Time::from_s(16) + ms(1));
}

TEST(Vrrp, RfcFlavourDiscardsLowerAdvertAndUsesVmac) {
  Instance m(vrrp(Profile::vrrp_v2, 150, "10.0.0.1", Flavor::rfc));
  ActionBuffer o;
  m.start(Time{}, o);
  m.on_timer(Time::from_ns(3'414'062'500), o);
  ASSERT_TRUE(m.is_master());
  EXPECT_EQ(std::get<SendAdvert>(o[o.size() - 2]).eth_src.to_string(), "00:00:5e:00:01:07");
  o.clear();
  const Config low = vrrp(Profile::vrrp_v2, 100, "10.0.0.2", Flavor::rfc);
  EXPECT_EQ(m.on_advert(Time::from_s(5), make_advert(low, AdvertFields{Family::ipv4, 2, 1, 7, 1, 0, 100, 0, 0}), o),
            Drop::none);
  EXPECT_TRUE(o.empty());
  EXPECT_TRUE(m.is_master());
  // RFC 3768 §7.1: an advert with another interval is discarded.
  Config other = low;
  other.advbase = 2;
  EXPECT_EQ(m.on_advert(Time::from_s(6), make_advert(other, AdvertFields{Family::ipv4, 2, 1, 7, 2, 0, 200, 0, 0}), o),
            Drop::badinterval);
  EXPECT_TRUE(m.is_master());
}

TEST(Vrrp, V3BackupAdoptsMasterInterval) {
  Config ca = vrrp(Profile::vrrp_v3, 150, "10.0.0.1");
  ca.adver_int_cs = 50;
  Lan lan;
  const int a = lan.add(ca);
  const int b = lan.add(vrrp(Profile::vrrp_v3, 100, "10.0.0.2"));
  lan.start(a, Time{});
  lan.start(b, Time{});
  lan.run_until(Time::from_s(10));
  ASSERT_TRUE(lan.n[a].is_master());
  EXPECT_EQ(lan.n[b].master_adver_interval(), ms(500));
  const Time last = lan.adverts(a).back().at + lan.latency + lan.n[b].config().processing_delay;
  EXPECT_EQ(*lan.n[b].next_deadline(), last + Time::from_ns(1'804'687'500));  // 3 × 0.5 + 156 × 0.5 / 256
}

TEST(Vrrp, OwnerStartsMasterAndLinkFault) {
  Instance o1(vrrp(Profile::vrrp_v2, 255, "10.0.0.254"));
  ActionBuffer o;
  o1.start(Time{}, o);
  EXPECT_TRUE(o1.is_master());
  EXPECT_EQ(std::get<SendAdvert>(o[2]).fields.priority, 255);
  o.clear();
  o1.on_link(Time::from_s(1), false, o);
  EXPECT_TRUE(o.empty());  // keepalived hears of it through netlink, link_delay (5 ms) later
  EXPECT_EQ(o1.state(), State::master);
  o1.on_timer(Time::from_s(1) + ms(5), o);  // (the advert due at 1 s still leaves: it dies on the link)
  EXPECT_EQ(o1.state(), State::fault);
  EXPECT_FALSE(o1.next_deadline().has_value());
  std::vector<std::string> texts;
  for (const auto& a : o) if (auto* l = std::get_if<Log>(&a)) texts.push_back(l->text);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0], "(VI_7) Entering FAULT STATE");
  EXPECT_EQ(texts[1], "(VI_7) sent 0 priority");  // logged only: FAULT sends nothing
  EXPECT_EQ(std::count_if(o.begin(), o.end(),
                          [](const Action& a) {
                            const auto* s = std::get_if<SendAdvert>(&a);
                            return s && s->at >= Time::from_s(1) + ms(5);
                          }),
            0);
  o.clear();
  o1.on_link(Time::from_s(2), true, o);
  o1.on_timer(Time::from_s(2) + ms(5), o);
  EXPECT_TRUE(o1.is_master());  // the address owner
}


// keepalived section "FAULT state (added)": down -> FAULT (silent), up -> BACKUP, then the
// master-down timer before preempting; with nopreempt the returning router stays BACKUP.
TEST(Vrrp, LinkDownFaultThenBackupThenPreemptAfterMasterDown) {
  for (bool preempt : {true, false}) {
    Config ca = vrrp(Profile::vrrp_v2, 150, "10.0.0.1");
    Config cb = vrrp(Profile::vrrp_v2, 100, "10.0.0.2");
    ca.preempt = cb.preempt = preempt;
    Lan lan;
    const int a = lan.add(ca);
    const int b = lan.add(cb);
    lan.start(a, Time{});
    lan.start(b, Time{});
    lan.run_until(Time::from_s(10));
    ASSERT_TRUE(lan.n[a].is_master());
    const Time down = Time::from_s(10) + ms(500);
    lan.link(a, down, false);
    lan.run_until(Time::from_s(20));
    // FAULT link_delay after the change, and nothing sent from then on (no priority 0 either).
    const auto fa = entered(lan, a, State::fault);
    ASSERT_EQ(fa.size(), 1u);
    EXPECT_EQ(fa[0], down + ms(5));
    EXPECT_TRUE(lan.adverts(a, down).empty());
    EXPECT_EQ(lan.count<SendGratuitousArp>(a, down), 0);
    // b takes over after its full master-down interval from a's last advert.
    const Time last_a = lan.adverts(a).back().at;
    ASSERT_EQ(entered(lan, b, State::master).size(), 1u);
    EXPECT_EQ(entered(lan, b, State::master)[0],
              last_a + lan.latency + us(200) + Time::from_ns(3'609'375'000));  // 3 + 156/256 s
    const Time up = Time::from_s(20) + ms(500);
    lan.link(a, up, true);
    lan.run_until(Time::from_s(40));
    const auto ba = entered(lan, a, State::backup);
    ASSERT_EQ(ba.size(), 2u);  // initial BACKUP, then FAULT -> BACKUP (never straight to MASTER)
    EXPECT_EQ(ba[1], up + ms(5));
    if (preempt) {
      // Lower-priority adverts are discarded; takeover when a's own master-down timer runs out.
      const auto ma = entered(lan, a, State::master);
      ASSERT_EQ(ma.size(), 2u);
      EXPECT_EQ(ma[1], up + ms(5) + Time::from_ns(3'414'062'500));
      EXPECT_EQ(lan.n[b].state(), State::backup);
    } else {
      EXPECT_EQ(lan.n[a].state(), State::backup);  // nopreempt: stays BACKUP
      EXPECT_EQ(lan.n[b].state(), State::master);
    }
  }
}

TEST(Carp, CarpdevDownGoesInitAndDemotesThenBackup) {
  Config c = Config::defaults(Profile::freebsd_10, 2);
  c.vips4 = {Ipv4::parse("10.0.0.254")};
  Instance m(c);
  ActionBuffer o;
  m.start(Time{}, o);
  m.on_timer(Time::from_s(5), o);
  ASSERT_TRUE(m.is_master());
  o.clear();
  m.on_link(Time::from_s(6), false, o);  // the kernel sees it at once
  EXPECT_EQ(m.state(), State::init);
  EXPECT_EQ(m.demotion(), 240);
  m.on_link(Time::from_s(7), true, o);
  EXPECT_EQ(m.state(), State::backup);
  EXPECT_EQ(m.demotion(), 0);
}

TEST(Vrrp, GarpTargetMacAndOneRepeatPerTrigger) {
  Instance m(vrrp(Profile::vrrp_v2, 150, "10.0.0.1"));
  ActionBuffer o;
  m.start(Time{}, o);
  const Time t1 = Time::from_ns(3'414'062'500);
  m.on_timer(t1, o);
  ASSERT_TRUE(m.is_master());
  const auto* g = std::get_if<SendGratuitousArp>(&o[o.size() - 1]);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->target_hw, Mac::broadcast());  // keepalived: ff:ff:ff:ff:ff:ff
  const auto frame = garp_frame(*g);
  EXPECT_EQ(Mac::from_bytes(frame.data() + 32), Mac::broadcast());
  // A lower-priority advert 1 s later: "forcing new election", a second trigger.
  const Config low = vrrp(Profile::vrrp_v2, 100, "10.0.0.2");
  const Time t2 = t1 + Time::from_s(1) + ms(1);
  m.on_advert(t2, make_advert(low, AdvertFields{Family::ipv4, 2, 1, 7, 1, 0, 100, 0, 0}), o);
  o.clear();
  m.on_timer(t2 + Time::from_s(7), o);
  auto garps_at = [&](Time t) {
    int k = 0;
    for (const auto& a : o) if (auto* x = std::get_if<SendGratuitousArp>(&a); x && x->at == t) ++k;
    return k;
  };
  EXPECT_EQ(garps_at(t1 + Time::from_s(5)), 5);                        // the takeover's repeat
  EXPECT_EQ(garps_at(t2 + us(200) + Time::from_s(5)), 5);             // and the answer's own
  // FreeBSD's GARPs keep a zero target.
  Config cf = Config::defaults(Profile::freebsd_9_3, 2);
  cf.vips4 = {Ipv4::parse("10.0.0.254")};
  EXPECT_EQ(cf.garp_target_hw, Mac{});
}

TEST(Vrrp, TimerOverheadLengthensEveryPeriod) {
  Config c = vrrp(Profile::vrrp_v3, 150, "10.0.0.1");
  c.adver_int_cs = 10;
  c.timer_overhead = us(250);
  Lan lan;
  const int a = lan.add(c);
  lan.start(a, Time{});
  lan.run_until(Time::from_s(3));
  const auto ads = lan.adverts(a);
  ASSERT_GT(ads.size(), 10u);
  for (std::size_t k = 1; k < ads.size(); ++k) EXPECT_EQ(ads[k].at - ads[k - 1].at, us(100'250));
}

TEST(Vrrp, InitialStateMaster) {
  Config k = vrrp(Profile::vrrp_v2, 100, "10.0.0.1");
  k.initial_state = State::master;
  Instance ik(k);
  ActionBuffer o;
  ik.start(Time{}, o);
  EXPECT_EQ(ik.state(), State::backup);  // keepalived: a non-owner starts through the timer
  Config r = vrrp(Profile::vrrp_v2, 100, "10.0.0.1", Flavor::rfc);
  r.initial_state = State::master;
  Instance ir(r);
  ir.start(Time{}, o);
  EXPECT_TRUE(ir.is_master());
  r.initial_state = State::fault;
  EXPECT_THROW(Instance{r}, Error);
}

// keepalived section "Frozen master": the backup takes over after master-down; on resume the old
// master answers every queued lower-priority advert and the other router returns to BACKUP.
TEST(Vrrp, FrozenMasterAnswersQueuedAdvertsOnResume) {
  Lan lan;
  const int a = lan.add(vrrp(Profile::vrrp_v2, 150, "10.0.0.1"));
  const int b = lan.add(vrrp(Profile::vrrp_v2, 100, "10.0.0.2"));
  lan.start(a, Time{});
  lan.start(b, Time{});
  lan.run_until(Time::from_s(10) + ms(500));
  lan.n[a].freeze(lan.now);
  lan.run_until(Time::from_s(20));
  EXPECT_TRUE(lan.n[a].is_master());  // the VIP stays
  EXPECT_TRUE(lan.n[b].is_master());
  EXPECT_TRUE(lan.adverts(a, Time::from_s(10) + ms(500)).empty());
  const int queued = static_cast<int>(lan.adverts(b).size());
  ASSERT_GE(queued, 5);
  ActionBuffer o;
  const Time resume = Time::from_s(20);
  lan.n[a].resume(resume, o);
  lan.dispatch(a, o);
  lan.run_until(Time::from_s(21));
  // Each queued advert answered with an advert and 5 GARPs, one per processing_delay.
  EXPECT_EQ(lan.count<SendGratuitousArp>(a, resume, resume + ms(10)), 5 * queued);
  ASSERT_EQ(entered(lan, b, State::backup).size(), 2u);
  EXPECT_LT(entered(lan, b, State::backup)[1], resume + ms(1));
}

}  // namespace
}  // namespace fwd::sim::carp
