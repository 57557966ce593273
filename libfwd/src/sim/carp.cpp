// CARP / VRRP state machine (carp.md §3-§5, §7; FreeBSD releng/9.3 and 14 ip_carp.c; RFC 3768,
// RFC 5798; keepalived 2.2.7 as observed). Not a per-packet hot path: an Instance sees about one
// input per advert interval, so clarity wins over inlining here. Allocation happens only when a
// log line is built (state changes, demotions), never on a steady-state advert.
#include <algorithm>
#include <climits>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/hash/splitmix64.hpp"
#include "fwd/sim/carp.hpp"
#include "fwd/sim/detail/carp_hmac.hpp"

namespace fwd::sim::carp {

// ---- names -----------------------------------------------------------------------------------

// Names come from the description tables at the end of carp.hpp.
Profile profile_from_name(std::string_view n) {
  if (n == "freebsd-10") return Profile::freebsd_10;  // the documented alias of freebsd-10+
  return describe::parse_enumerator<Profile>(n);
}

const char* to_string(Profile p) { return describe::name_of(p).data(); }

Flavor flavor_from_name(std::string_view n) { return describe::parse_enumerator<Flavor>(n); }

const char* to_string(State s) { return describe::name_of(s).data(); }

const char* drop_name(Drop d, Profile p) {
  const bool carp = is_carp(p);
  switch (d) {
    case Drop::none: return "none";
    case Drop::not_advert: return "not_advert";
    case Drop::ip_tooshort: return "ips_tooshort";
    case Drop::ip_badsum: return "ips_badsum";
    case Drop::disallowed: return carp ? "carp_disallowed" : "vrrp_disabled";
    case Drop::badif: return carp ? "carps_badif" : "vrrpStatsBadIf";
    case Drop::badttl: return carp ? "carps_badttl" : "vrrpStatsIpTtlErrors";
    case Drop::badlen: return carp ? "carps_badlen" : "vrrpStatsPacketLengthErrors";
    case Drop::badsum: return carp ? "carps_badsum" : "vrrpRouterChecksumErrors";
    case Drop::badvhid: return carp ? "carps_badvhid" : "vrrpRouterVrIdErrors";
    case Drop::badver: return carp ? "carps_badver" : "vrrpRouterVersionErrors";
    case Drop::badauth: return carp ? "carps_badauth" : "vrrpStatsAuthFailures";
    case Drop::badtype: return carp ? "carps_badtype" : "vrrpStatsInvalidTypePktsRcvd";
    case Drop::badinterval: return carp ? "carps_badinterval" : "vrrpStatsAdvertiseIntervalErrors";
    case Drop::badauthtype: return carp ? "carps_badauthtype" : "vrrpStatsInvalidAuthType";
  }
  return "?";
}

// ---- configuration ---------------------------------------------------------------------------

Config Config::defaults(Profile p, std::uint8_t vhid, Flavor f) {
  Config c;
  c.profile = p;
  c.vhid = vhid;
  c.flavor = f;
  switch (p) {
    case Profile::freebsd_9_3:
      c.ifname = fmt::format("carp{}", vhid);
      c.tos = 0x10;  // IPTOS_LOWDELAY
      c.traffic_class = 0;
      c.garp_delay = Time::from_ms(1);  // DELAY(1000) after each GARP (carp_send_arp)
      c.na_delay = Time::from_ms(1);    // and after each NA (carp_send_na)
      break;
    case Profile::freebsd_10:
      c.ifname = "";
      c.tos = 56 << 2;  // net.inet.carp.dscp = 56
      c.traffic_class = 56 << 2;
      c.na_delay = Time::from_ms(1);  // 14's carp_send_arp no longer waits; carp_send_na does
      break;
    case Profile::vrrp_v2:
    case Profile::vrrp_v3:
      c.ifname = fmt::format("VI_{}", vhid);
      c.timing = Timing::exact;
      c.preempt = true;  // RFC default, keepalived default
      c.tos = 0xc0;      // keepalived (observed)
      c.traffic_class = 0xc0;
      if (f == Flavor::keepalived) {
        c.use_vmac = false;                 // keepalived default: no virtual MAC at all
        c.garp_count = 5;                   // vrrp_garp_master_repeat
        c.garp_repeat = Time::from_s(5);    // vrrp_garp_master_delay
        c.answer_lower_priority = true;     // "forcing new election"
        c.accept_mode = true;
        c.garp_target_hw = net::Mac::broadcast();  // keepalived's GARPs (carp.md keepalived section)
        c.processing_delay = Time::from_us(200);   // 0.1–0.4 ms observed
        c.link_delay = Time::from_ms(5);           // netlink: 3.9–6.2 ms observed
      }
      break;
  }
  return c;
}

void Config::validate() const {
  const std::string who = fmt::format("{} vhid {}", to_string(profile), vhid);
  if (vhid == 0) throw Error(fmt::format("{}: vhid 0 is not accepted: expected 1…255", who));
  if (is_carp(profile)) {
    if (advbase == 0) throw Error(fmt::format("{}: advbase 0 is not accepted: expected 1…255 s", who));
    if (advskew > 254) throw Error(fmt::format("{}: advskew {} is not accepted: expected 0…254", who, advskew));
    if (pass.size() > 20)
      throw Error(fmt::format("{}: pass '{}' is {} bytes: expected at most 20", who, pass, pass.size()));
  } else {
    if (priority == 0) throw Error(fmt::format("{}: priority 0 is not accepted: expected 1…255", who));
    if (profile == Profile::vrrp_v2) {
      if (advbase == 0) throw Error(fmt::format("{}: advert interval 0 is not accepted: expected 1…255 s", who));
      if (!vips6.empty()) throw Error(fmt::format("{}: VRRPv2 carries IPv4 only; use vrrp-v3 for IPv6", who));
    } else if (adver_int_cs == 0 || adver_int_cs > 4095) {
      throw Error(fmt::format("{}: adver_int_cs {} is not accepted: expected 1…4095 centiseconds", who, adver_int_cs));
    }
    if (!vips4.empty() && !vips6.empty())
      throw Error(fmt::format("{}: a VRRP virtual router is IPv4 or IPv6, not both: configure two", who));
    if (vips4.size() > 255 || vips6.size() > 255)
      throw Error(fmt::format("{}: more than 255 addresses in one advert", who));
  }
  if (hz < 1 || hz > 1'000'000) throw Error(fmt::format("{}: hz {} is not accepted: expected 1…1000000", who, hz));
  if (log < 0) throw Error(fmt::format("{}: log level {} is not accepted: expected 0, 1 or 2", who, log));
  if (garp_count < 0 || garp_count > 100)
    throw Error(fmt::format("{}: garp_count {} is not accepted: expected 0…100", who, garp_count));
  if (garp_delay.ns < 0 || na_delay.ns < 0 || garp_repeat.ns < 0 || late_advert_window.ns < 0 ||
      processing_delay.ns < 0 || timer_overhead.ns < 0 || link_delay.ns < 0)
    throw Error(fmt::format("{}: negative delays are not accepted", who));
  const Time hour = Time::from_s(3600);
  if (processing_delay > hour || timer_overhead > hour || link_delay > hour || garp_repeat > hour)
    throw Error(fmt::format("{}: processing_delay, timer_overhead, link_delay and garp_repeat must be at most 3600 s", who));
  if (initial_state != State::backup && initial_state != State::master)
    throw Error(fmt::format("{}: initial_state {} is not accepted: expected BACKUP or MASTER", who,
                            to_string(initial_state)));
  if (senderr_demotion_factor < 0 || senderr_demotion_factor > 240 || ifdown_demotion_factor < 0 ||
      ifdown_demotion_factor > 240)
    throw Error(fmt::format("{}: demotion factors must be 0…240", who));
}

net::Mac virtual_mac(Profile p, std::uint8_t vhid, Family f) {
  const std::uint64_t kind = (p == Profile::vrrp_v3 && f == Family::ipv6) ? 2 : 1;
  return net::Mac::from_u64(0x00005e000000ULL | (kind << 8) | vhid);
}

MacPlan mac_plan(const Config& c, Family f) {
  const net::Mac vm = virtual_mac(c.profile, c.vhid, f);
  const net::Mac phys = c.carpdev_mac;
  if (is_carp(c.profile)) {
    // Only packets CARP tags get the vMAC (carp_output): adverts and NAs. ARP is framed with the
    // interface address (arprequest / ether_requestencap) but carries the vMAC as sender.
    return MacPlan{vm, phys, vm, vm, vm, vm};
  }
  if (c.use_vmac) return MacPlan{vm, vm, vm, vm, vm, vm};
  return MacPlan{phys, phys, phys, phys, phys, phys};
}

// ---- timer arithmetic ------------------------------------------------------------------------

std::int64_t tvtohz(std::int64_t sec, std::int64_t usec, int hz) {
  const std::int64_t tick = 1'000'000 / hz;  // µs per tick, integer like the kernel's `tick`
  if (usec < 0) { --sec; usec += 1'000'000; }
  if (sec < 0) return 1;
  return (sec * 1'000'000 + usec + tick - 1) / tick + 1;
}

namespace {
// A tick count as time: the hardclock period is exactly 1/hz s.
Time ticks_to_time(std::int64_t ticks, int hz) { return Time{ticks * 1'000'000'000 / hz}; }

// A duration given in ns under the config's timing (VRRP intervals; CARP goes through
// carp_timeout to truncate µs like the kernel's timeval arithmetic).
Time timed(const Config& c, std::int64_t ns) {
  if (c.timing == Timing::exact) return Time{ns};
  const std::int64_t us = (ns + 999) / 1000;
  return ticks_to_time(tvtohz(us / 1'000'000, us % 1'000'000, c.hz), c.hz);
}

std::int64_t vrrp_interval_ns(const Config& c) {
  return c.profile == Profile::vrrp_v2 ? std::int64_t{c.advbase} * 1'000'000'000
                                       : std::int64_t{c.adver_int_cs} * 10'000'000;
}

Time vrrp_skew(const Config& c, int prio, Time mai) {
  if (c.profile == Profile::vrrp_v2) return Time{(256 - prio) * std::int64_t{3'906'250}};  // (256-p)/256 s
  return Time{(256 - prio) * mai.ns / 256};
}

Time vrrp_master_down(const Config& c, int prio, Time mai) {
  if (c.profile == Profile::vrrp_v2) mai = Time{vrrp_interval_ns(c)};
  return Time{3 * mai.ns + vrrp_skew(c, prio, mai).ns};
}

using hash::splitmix64;
}  // namespace

Time carp_timeout(const Config& c, std::int64_t sec, int skew) {
  if (c.timing == Timing::exact) return Time{sec * 1'000'000'000 + skew * std::int64_t{3'906'250}};
  return ticks_to_time(tvtohz(sec, skew * std::int64_t{1'000'000} / 256, c.hz), c.hz);
}

Time advert_interval(const Config& c, int skew) {
  if (is_carp(c.profile)) return carp_timeout(c, c.advbase, skew);
  return timed(c, vrrp_interval_ns(c));
}

Time vrrp_skew_time(const Config& c, Time mai) {
  if (mai.ns == 0) mai = Time{vrrp_interval_ns(c)};
  return timed(c, vrrp_skew(c, c.priority, mai).ns);
}

Time master_down_interval(const Config& c, Time mai) {
  if (is_carp(c.profile)) return carp_timeout(c, 3 * std::int64_t{c.advbase}, c.advskew);
  if (mai.ns == 0) mai = Time{vrrp_interval_ns(c)};
  return timed(c, vrrp_master_down(c, c.priority, mai).ns);
}

// ---- Instance --------------------------------------------------------------------------------

namespace {
constexpr const char* r_init = "initialization complete";
constexpr const char* r_timeout = "master timed out";
constexpr const char* r_preempt = "preempting a slower master";
constexpr const char* r_will_timeout = "master will time out";
constexpr const char* r_better = "more frequent advertisement received";
constexpr const char* r_if_down = "hardware interface down";
constexpr const char* r_user = "user requested via ifconfig";
constexpr const char* r_admin_down = "interface administratively down";
constexpr const char* r_higher = "higher priority advertisement received";
constexpr const char* r_fault = "interface down (FAULT)";
constexpr const char* r_shutdown = "shutdown";
constexpr const char* r_owner = "address owner";
}  // namespace

Instance::Instance(Config c) : cfg_(std::move(c)) {
  cfg_.validate();
  plan4_ = mac_plan(cfg_, Family::ipv4);
  plan6_ = mac_plan(cfg_, Family::ipv6);
  if (is_carp(cfg_.profile)) hmac_prefix_ = detail::hmac_prefix(cfg_);
  master_adver_int_ = is_carp(cfg_.profile) ? Time{} : Time{vrrp_interval_ns(cfg_)};
  rng_ = cfg_.counter_seed ^ (std::uint64_t{cfg_.vhid} << 56);
}

std::optional<Time> Instance::next_deadline() const {
  if (frozen_) return std::nullopt;
  Time t = std::min({ad_, md4_, md6_});
  if (!garp_repeats_.empty()) t = std::min(t, garp_repeats_.front());
  for (const Pending& p : pending_) t = std::min(t, p.due);
  if (t == never) return std::nullopt;
  return t;
}

Time Instance::vrrp_period() const { return advert_interval(cfg_, 0) + cfg_.timer_overhead; }

void Instance::arm_garp_repeat(Time now) {
  // keepalived: every trigger schedules its own second burst; a later one replaces nothing.
  if (cfg_.garp_repeat.ns <= 0) return;
  const Time t = now + cfg_.garp_repeat;
  garp_repeats_.insert(std::upper_bound(garp_repeats_.begin(), garp_repeats_.end(), t), t);
}

int Instance::effective_skew() const {
  if (!is_carp(cfg_.profile)) return 0;
  if (cfg_.profile == Profile::freebsd_9_3)  // carp_suppress_preempt > 0 advertises 240
    return (demotion_ > 0 && cfg_.advskew < 240) ? 240 : cfg_.advskew;
  return std::clamp(cfg_.advskew + demotion_, 0, 240);  // DEMOTE_ADVSKEW (clamped at 0 here)
}

int Instance::effective_priority() const {
  if (is_carp(cfg_.profile)) return 0;
  if (cfg_.priority == 255) return 255;  // the address owner is not demoted
  return std::clamp(cfg_.priority - demotion_, 1, 254);
}

bool Instance::running() const {
  const bool addrs = cfg_.has_ipv4() || cfg_.has_ipv6();
  if (cfg_.profile == Profile::freebsd_10) return admin_up_ && link_up_ && addrs && cfg_.allow;
  return admin_up_ && link_up_ && addrs;
}

std::int64_t Instance::own_us(int skew) const {
  return std::int64_t{cfg_.advbase} * 1'000'000 + skew * std::int64_t{1'000'000} / 256;
}

void Instance::log(Time now, LogLevel lvl, std::string text, ActionBuffer& out) const {
  if (cfg_.log <= 0) return;
  out.push_back(Log{now, lvl, std::move(text)});
}

void Instance::set_state(Time now, State to, const char* reason, ActionBuffer& out) {
  if (state_ == to) return;
  const State from = state_;
  if (cfg_.profile == Profile::freebsd_10)  // carp_set_state: one line per transition
    log(now, LogLevel::info,
        fmt::format("carp: {}@{}: {} -> {} ({})", cfg_.vhid, cfg_.carpdev, to_string(from), to_string(to), reason), out);
  state_ = to;
  ++stats_.state_changes;
  out.push_back(StateChanged{now, from, to, reason});
  if (cfg_.profile == Profile::freebsd_9_3) {
    // carpN's link state follows the CARP state; if_link_state_change logs every change, and
    // do_link_state_change prints anything but UP as "DOWN" (INIT maps to LINK_STATE_UNKNOWN).
    const Link ls = to == State::backup ? Link::down : to == State::master ? Link::up : Link::unknown;
    if (ls != link_state_) {
      link_state_ = ls;
      if (cfg_.log_link_state_change)
        out.push_back(Log{now, LogLevel::notice,
                          fmt::format("{}: link state changed to {}", cfg_.ifname, ls == Link::up ? "UP" : "DOWN")});
    }
  }
}

AdvertFields Instance::fields(Family f, std::uint8_t advbase, std::uint8_t skew_or_prio) {
  AdvertFields a;
  a.family = f;
  a.vhid = cfg_.vhid;
  if (is_carp(cfg_.profile)) {
    a.version = 2;
    a.advbase = advbase;
    a.advskew = skew_or_prio;
    // carp_prepare_ad: a fresh random counter until an advert was received, then +1 each time.
    if (init_counter_) {
      const std::uint64_t hi = splitmix64(rng_) >> 32;
      const std::uint64_t lo = splitmix64(rng_) >> 32;
      counter_ = (hi << 32) | lo;
      a.counter = counter_;
    } else {
      a.counter = ++counter_;
    }
  } else {
    a.version = cfg_.profile == Profile::vrrp_v2 ? 2 : 3;
    a.priority = skew_or_prio;
    a.advbase = cfg_.profile == Profile::vrrp_v2 ? cfg_.advbase : 0;
    a.interval_cs = cfg_.profile == Profile::vrrp_v3 ? cfg_.adver_int_cs : 0;
  }
  return a;
}

void Instance::send_ad(Time now, ActionBuffer& out, bool spurious) {
  if (!is_carp(cfg_.profile)) {
    const Family f = cfg_.has_ipv6() ? Family::ipv6 : Family::ipv4;
    const AdvertFields a = fields(f, 0, static_cast<std::uint8_t>(effective_priority()));
    if (muted_) { ++stats_.muted; return; }
    ++(f == Family::ipv4 ? stats_.opackets : stats_.opackets6);
    out.push_back(SendAdvert{now, a, (f == Family::ipv4 ? plan4_ : plan6_).advert_src, spurious});
    return;
  }
  // carp_send_ad_locked. 9.3 advertises 255/255 once UP or RUNNING is gone (admin down) and
  // then does not re-arm; 10+ has no such case.
  std::uint8_t advbase = cfg_.advbase, skew = static_cast<std::uint8_t>(effective_skew());
  bool rearm = true;
  if (cfg_.profile == Profile::freebsd_9_3 && !(admin_up_ && running())) {
    advbase = skew = 255;
    rearm = false;
  }
  spurious = spurious || state_ != State::master;  // the §4.3 late advert, or an injected one
  for (Family f : {Family::ipv4, Family::ipv6}) {
    if (f == Family::ipv4 ? !cfg_.has_ipv4() : !cfg_.has_ipv6()) continue;
    const AdvertFields a = fields(f, advbase, skew);
    if (muted_) { ++stats_.muted; continue; }
    ++(f == Family::ipv4 ? stats_.opackets : stats_.opackets6);
    out.push_back(SendAdvert{now, a, (f == Family::ipv4 ? plan4_ : plan6_).advert_src, spurious});
  }
  if (rearm) ad_ = now + advert_interval(cfg_, skew);
}

void Instance::send_ad_all(Time now, ActionBuffer& out) {
  // carp_send_ad_all: every MASTER (9.3: also UP and RUNNING) advertises at once, re-arming.
  if (state_ != State::master) return;
  if (cfg_.profile == Profile::freebsd_9_3 && !(admin_up_ && running())) return;
  send_ad(now, out);
}

void Instance::node_demote(Time now, int delta, const char* why, ActionBuffer& out, bool own) {
  const int old = demotion_;
  demotion_ += delta;
  if (own) out.push_back(DemotionChanged{now, delta, demotion_});
  if (!is_carp(cfg_.profile)) return;
  if (cfg_.profile == Profile::freebsd_10) {
    if (own) log(now, LogLevel::info, fmt::format("carp: demoted by {} to {} ({})", delta, demotion_, why), out);
    send_ad_all(now, out);  // carp_sendall_task after every adjustment
  } else if (old == 0 && demotion_ > 0) {
    send_ad_all(now, out);  // 9.3: only when carp_suppress_preempt becomes 1
  }
}

void Instance::setrun(Time now, int af, ActionBuffer& out) {
  if (!running()) return;  // 9.3 clears RUNNING and deletes the host route; nothing to time
  switch (state_) {
    case State::init:
      if (cfg_.profile == Profile::freebsd_9_3)
        log(now, LogLevel::info, fmt::format("{}: INIT -> BACKUP", cfg_.ifname), out);
      set_state(now, State::backup, r_init, out);
      setrun(now, 0, out);
      break;
    case State::backup: {
      ad_ = never;
      // The backup's own advbase and configured advskew: not the master's, not demoted.
      const Time d = master_down_interval(cfg_);
      if (af == 4 || (af == 0 && cfg_.has_ipv4())) md4_ = now + d;
      if (af == 6 || (af == 0 && cfg_.has_ipv6())) md6_ = now + d;
      break;
    }
    case State::master:
      // setrun arms with the configured advskew; only carp_send_ad_locked uses the demoted one.
      ad_ = now + advert_interval(cfg_, cfg_.advskew);
      break;
    case State::fault:  // VRRP only; setrun is CARP's
      break;
  }
}

void Instance::garp_burst(Time now, Time& cursor, ActionBuffer& out) {
  (void)now;
  for (const auto& vip : cfg_.vips4) {
    for (int i = 0; i < cfg_.garp_count; ++i)
      out.push_back(SendGratuitousArp{cursor, vip, plan4_.arp_sender, plan4_.garp_src, cfg_.garp_target_hw});
    cursor += cfg_.garp_delay;
  }
  for (const auto& vip : cfg_.vips6) {
    for (int i = 0; i < cfg_.garp_count; ++i)
      out.push_back(SendNeighborAdvert{cursor, vip, plan6_.na_target_ll, plan6_.na_src});
    cursor += cfg_.na_delay;
  }
}

void Instance::master_down(Time now, const char* reason, ActionBuffer& out) {
  if (state_ != State::backup) return;  // 9.3 ignores MASTER and only printf()s INIT
  set_state(now, State::master, reason, out);
  md4_ = md6_ = never;  // they could only fire as no-ops in MASTER; setrun re-arms on step-down
  send_ad(now, out);
  Time cursor = now;  // DELAY(1000) busy waits push what follows
  garp_burst(now, cursor, out);
  setrun(cursor, 0, out);
}

void Instance::start(Time now, ActionBuffer& out) {
  if (started_) return;
  started_ = true;
  admin_up_ = true;
  if (!is_carp(cfg_.profile)) {
    vrrp_start(now, out, true);
    return;
  }
  if (cfg_.profile == Profile::freebsd_10) {
    carpdev_state(now, out);  // carp_attach -> carp_sc_state
    return;
  }
  if (!link_up_) {  // carp_sc_state_locked on a carpdev that is down: suppress, stay INIT
    link_up_ = true;
    on_link(now, false, out);
    return;
  }
  setrun(now, 0, out);
}

void Instance::vrrp_start(Time now, ActionBuffer& out, bool initial) {
  if (!link_up_) {  // FAULT until the link comes up
    set_state(now, State::fault, r_fault, out);
    log(now, LogLevel::info, fmt::format("({}) Entering FAULT STATE", cfg_.ifname), out);
    return;
  }
  // The address owner starts as MASTER; so does `state MASTER` in the rfc flavour (vrrpd's
  // state_init). keepalived starts a non-owner MASTER like a BACKUP (keepalived.conf(5)).
  if (effective_priority() == 255 ||
      (initial && cfg_.initial_state == State::master && cfg_.flavor == Flavor::rfc)) {
    vrrp_become_master(now, out);
    return;
  }
  set_state(now, State::backup, r_init, out);
  log(now, LogLevel::info, fmt::format("({}) Entering BACKUP STATE (init)", cfg_.ifname), out);
  master_adver_int_ = Time{vrrp_interval_ns(cfg_)};
  md4_ = now + timed(cfg_, vrrp_master_down(cfg_, effective_priority(), master_adver_int_).ns);
}

void Instance::carpdev_state(Time now, ActionBuffer& out) {
  // 10+ carp_sc_state: the carpdev is usable only with link, IFF_UP and net.inet.carp.allow.
  if (!(link_up_ && admin_up_ && cfg_.allow)) {
    ad_ = md4_ = md6_ = never;
    set_state(now, State::init, r_if_down, out);
    if (!suppress_) node_demote(now, cfg_.ifdown_demotion_factor, "interface down", out, true);
    suppress_ = true;
  } else {
    setrun(now, 0, out);  // set_state(INIT, "hardware interface up") is a no-op from INIT
    if (suppress_) node_demote(now, -cfg_.ifdown_demotion_factor, "interface up", out, true);
    suppress_ = false;
  }
}

void Instance::on_timer(Time now, ActionBuffer& out) {
  if (frozen_) return;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    Time t = std::min({ad_, md4_, md6_});
    if (!garp_repeats_.empty()) t = std::min(t, garp_repeats_.front());
    // Queued inputs first on ties: they arrived before the timer expired.
    std::size_t pk = pending_.size();
    for (std::size_t k = 0; k < pending_.size(); ++k)
      if (pending_[k].due <= t && (pk == pending_.size() || pending_[k].due < pending_[pk].due)) pk = k;
    if (pk != pending_.size()) t = pending_[pk].due;
    if (t == never || t > now) return;
    if (pk != pending_.size()) {
      const Pending p = pending_[pk];
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(pk));
      process(t, p, out);
    } else if (ad_ == t) {
      ad_ = never;
      if (is_carp(cfg_.profile)) {
        send_ad(t, out);  // 9.3 does not check the state (the §4.3 race relies on it)
      } else if (state_ == State::master) {
        send_ad(t, out);
        ad_ = t + vrrp_period();
      }
    } else if (md4_ == t || md6_ == t) {
      (md4_ == t ? md4_ : md6_) = never;
      if (state_ != State::backup) continue;
      if (is_carp(cfg_.profile)) {
        master_down(t, r_timeout, out);
      } else {
        log(t, LogLevel::info, fmt::format("({}) Receive advertisement timeout", cfg_.ifname), out);
        vrrp_become_master(t, out);
      }
    } else {
      garp_repeats_.erase(garp_repeats_.begin());
      if (state_ == State::master) {
        Time cursor = t;
        garp_burst(t, cursor, out);
      }
    }
  }
}

void Instance::process(Time now, const Pending& p, ActionBuffer& out) {
  if (p.link >= 0) return link_change(now, p.link == 1, out);
  if (is_carp(cfg_.profile)) carp_advert(now, p.advert, out);
  else vrrp_advert(now, p.advert, out);
}

void Instance::freeze(Time now) {
  (void)now;
  frozen_ = true;
}

void Instance::resume(Time now, ActionBuffer& out) {
  if (!frozen_) return;
  frozen_ = false;
  // The queue is read first, one input per processing_delay; timers that expired meanwhile run
  // after it (an answer to a queued advert re-arms the advert timer anyway).
  Time last = now;
  for (Pending& p : pending_) {
    last += cfg_.processing_delay;
    p.due = last;
  }
  for (Time* t : {&ad_, &md4_, &md6_})
    if (*t != never && *t < last) *t = last;
  for (Time& t : garp_repeats_) t = std::max(t, last);
  on_timer(now, out);
}

Drop Instance::on_advert(Time now, const Advert& a, ActionBuffer& out) {
  const AdvertFields& f = a.fields;
  ++(f.family == Family::ipv4 ? stats_.ipackets : stats_.ipackets6);
  auto drop = [&](Drop d) {
    ++stats_.dropped[static_cast<std::size_t>(d)];
    return d;
  };
  if (is_carp(cfg_.profile)) {
    if (!cfg_.allow) return drop(Drop::disallowed);
    if (cfg_.profile == Profile::freebsd_10 && f.vhid == 0 &&
        ((f.family == Family::ipv4 && cfg_.src4 && a.src4 == *cfg_.src4) ||
         (f.family == Family::ipv6 && cfg_.src6 && a.src6 == *cfg_.src6)))
      return drop(Drop::badif);  // carp_source_is_self: our own advert looped back
    if (f.vhid != cfg_.vhid) return drop(Drop::badvhid);
    if (cfg_.profile == Profile::freebsd_9_3 && !(admin_up_ && running())) return drop(Drop::badvhid);
    // 10+ looks the vhid up among addresses of the advert's family.
    if (cfg_.profile == Profile::freebsd_10 && (f.family == Family::ipv4 ? !cfg_.has_ipv4() : !cfg_.has_ipv6()))
      return drop(Drop::badvhid);
    if (f.version != 2) return drop(Drop::badver);
    if (cfg_.check_auth && detail::hmac_from_prefix(hmac_prefix_, cfg_, f.counter) != a.hmac)
      return drop(Drop::badauth);
    // No replay protection: the receiver just continues from the sender's counter.
    init_counter_ = false;
    counter_ = f.counter;
    ++stats_.accepted;
    if (frozen_ || cfg_.processing_delay.ns > 0) {
      pending_.push_back(Pending{frozen_ ? never : now + cfg_.processing_delay, -1, a});
      return Drop::none;
    }
    carp_advert(now, a, out);
    return Drop::none;
  }
  if (f.vhid != cfg_.vhid) return drop(Drop::badvhid);
  if (f.version != (cfg_.profile == Profile::vrrp_v2 ? 2 : 3)) return drop(Drop::badver);
  if (cfg_.profile == Profile::vrrp_v2) {
    if (a.authlen != 0) return drop(Drop::badauthtype);
    if (f.advbase != cfg_.advbase) return drop(Drop::badinterval);  // RFC 3768 §7.1
  }
  ++stats_.accepted;
  if (frozen_ || cfg_.processing_delay.ns > 0) {
    pending_.push_back(Pending{frozen_ ? never : now + cfg_.processing_delay, -1, a});
    return Drop::none;
  }
  vrrp_advert(now, a, out);
  return Drop::none;
}

void Instance::carp_advert(Time now, const Advert& a, ActionBuffer& out) {
  const AdvertFields& f = a.fields;
  const bool v93 = cfg_.profile == Profile::freebsd_9_3;
  const int skew = effective_skew();
  const std::int64_t own = own_us(skew);
  const std::int64_t rx = std::int64_t{f.advbase} * 1'000'000 + f.advskew * std::int64_t{1'000'000} / 256;
  switch (state_) {
    case State::init:
    case State::fault:
      break;
    case State::master:
      if (own >= rx) {  // better *or equal*: CARP has no address tie-break
        // §4.3 (9.3 only): an advert callout that already fired cannot be stopped; it sends
        // once more after the step-down and re-arms itself until the next B4 stops it.
        const bool race = v93 && cfg_.late_advert_window.ns > 0 && ad_ != never && ad_ >= now &&
                          ad_ - now <= cfg_.late_advert_window;
        const Time pending = race ? ad_ : never;
        ad_ = never;
        if (v93) log(now, LogLevel::info, fmt::format("{}: MASTER -> BACKUP ({})", cfg_.ifname, r_better), out);
        set_state(now, State::backup, r_better, out);
        setrun(now, 0, out);
        if (race) ad_ = pending;
      }
      break;
    case State::backup:
      if (cfg_.preempt && own < rx) {
        if (v93) log(now, LogLevel::info, fmt::format("{}: BACKUP -> MASTER ({})", cfg_.ifname, r_preempt), out);
        master_down(now, r_preempt, out);
        break;
      }
      // The sender is so slow it will certainly time out (e.g. the 255/255 going-down advert).
      if (std::int64_t{cfg_.advbase} * 3'000'000 + skew * std::int64_t{1'000'000} / 256 < rx) {
        if (v93) log(now, LogLevel::info, fmt::format("{}: BACKUP -> MASTER ({})", cfg_.ifname, r_timeout), out);
        master_down(now, v93 ? r_timeout : r_will_timeout, out);
        break;
      }
      setrun(now, f.family == Family::ipv4 ? 4 : 6, out);
      break;
  }
}

// ---- VRRP ------------------------------------------------------------------------------------

void Instance::vrrp_become_master(Time now, ActionBuffer& out) {
  md4_ = md6_ = never;
  set_state(now, State::master, effective_priority() == 255 && state_ == State::init ? r_owner : r_timeout, out);
  log(now, LogLevel::info, fmt::format("({}) Entering MASTER STATE", cfg_.ifname), out);
  send_ad(now, out);
  Time cursor = now;
  garp_burst(now, cursor, out);
  ad_ = now + vrrp_period();
  arm_garp_repeat(now);
}

void Instance::vrrp_become_backup(Time now, Time master_int, ActionBuffer& out) {
  ad_ = never;
  garp_repeats_.clear();  // the second burst is sent only "if still master"
  set_state(now, State::backup, r_higher, out);
  log(now, LogLevel::info, fmt::format("({}) Entering BACKUP STATE", cfg_.ifname), out);
  if (cfg_.profile == Profile::vrrp_v3) master_adver_int_ = master_int;
  md4_ = now + timed(cfg_, vrrp_master_down(cfg_, effective_priority(), master_adver_int_).ns);
}

namespace {
std::string addr_text(const Advert& a) {
  return a.fields.family == Family::ipv4 ? a.src4.to_string() : a.src6.to_string();
}
}  // namespace

void Instance::vrrp_advert(Time now, const Advert& a, ActionBuffer& out) {
  const AdvertFields& f = a.fields;
  const int own = effective_priority();
  const Time rx_int = cfg_.profile == Profile::vrrp_v3 ? Time{std::int64_t{f.interval_cs} * 10'000'000}
                                                       : Time{vrrp_interval_ns(cfg_)};
  switch (state_) {
    case State::init:
    case State::fault:  // keepalived ignores adverts in FAULT
      break;
    case State::backup:
      if (f.priority == 0) {  // the master resigned: wait only Skew_Time
        log(now, LogLevel::info, fmt::format("({}) Backup received priority 0 advertisement", cfg_.ifname), out);
        md4_ = now + timed(cfg_, vrrp_skew(cfg_, own, master_adver_int_).ns);
      } else if (!cfg_.preempt || f.priority >= own) {
        if (cfg_.profile == Profile::vrrp_v3) master_adver_int_ = rx_int;  // backups adopt it
        md4_ = now + timed(cfg_, vrrp_master_down(cfg_, own, master_adver_int_).ns);
      } else if (cfg_.flavor == Flavor::keepalived) {
        // Preempting a lower-priority master means letting the timer run out (RFC, keepalived).
        log(now, LogLevel::info,
            fmt::format("({}) received lower priority ({}) advert from {} - discarding", cfg_.ifname, f.priority,
                        addr_text(a)),
            out);
      }
      break;
    case State::master: {
      bool sender_wins = f.priority > own;
      if (f.priority == own) {  // tie: the higher primary address stays master
        if (f.family == Family::ipv4) sender_wins = a.src4 > cfg_.src4.value_or(net::Ipv4{});
        else sender_wins = a.src6 > cfg_.src6.value_or(net::Ipv6{});
      }
      if (f.priority == 0) {
        send_ad(now, out);
        ad_ = now + vrrp_period();
      } else if (sender_wins) {
        if (f.priority > own)
          log(now, LogLevel::info,
              fmt::format("({}) Master received advert from {} with higher priority {}, ours {}", cfg_.ifname,
                          addr_text(a), f.priority, own),
              out);
        else
          log(now, LogLevel::info,
              fmt::format("({}) Master received advert from {} with same priority {} but higher IP address than ours",
                          cfg_.ifname, addr_text(a), f.priority),
              out);
        vrrp_become_backup(now, rx_int, out);
      } else if (cfg_.answer_lower_priority) {
        log(now, LogLevel::info,
            fmt::format("({}) Received advert from {} with lower priority {}, ours {}, forcing new election",
                        cfg_.ifname, addr_text(a), f.priority, own),
            out);
        send_ad(now, out);
        Time cursor = now;
        garp_burst(now, cursor, out);
        ad_ = now + vrrp_period();
        arm_garp_repeat(now);
      }
      break;
    }
  }
}

// ---- faults, links, admin --------------------------------------------------------------------

void Instance::on_send_result(Time now, bool ok, ActionBuffer& out, int error) {
  if (!ok) ++stats_.send_errors;
  if (!is_carp(cfg_.profile)) return;
  const bool v93 = cfg_.profile == Profile::freebsd_9_3;
  if (!ok) {
    if (sendad_errors_ < INT_MAX) ++sendad_errors_;
    sendad_success_ = 0;
    if (sendad_errors_ == 3 && cfg_.senderr_demotion) {  // CARP_SENDAD_MAX_ERRORS
      senderr_applied_ = true;
      if (v93) node_demote(now, 1, "", out, true);
      else node_demote(now, cfg_.senderr_demotion_factor, fmt::format("send error {} on {}", error, cfg_.carpdev).c_str(),
                       out, true);
    }
    return;
  }
  if (v93) {
    if (sendad_errors_ >= 3) {
      if (++sendad_success_ >= 3) {  // CARP_SENDAD_MIN_SUCCESS
        if (senderr_applied_) node_demote(now, -1, "", out, true);
        senderr_applied_ = false;
        sendad_errors_ = 0;
      }
    } else {
      sendad_errors_ = 0;
    }
    return;
  }
  // 10+ carp_send_ad_error, as written in the FreeBSD 14 tree read for the spec: the first
  // success after the demotion resets the error count without undoing it (the else branch), so
  // the send-error demotion stays until something else lowers net.inet.carp.demotion.
  if (sendad_errors_ >= 3 && ++sendad_success_ >= 3) {
    if (senderr_applied_)
      node_demote(now, -cfg_.senderr_demotion_factor, fmt::format("send ok on {}", cfg_.carpdev).c_str(), out, true);
    senderr_applied_ = false;
    sendad_errors_ = 0;
  } else {
    sendad_errors_ = 0;
  }
}

void Instance::on_link(Time now, bool up, ActionBuffer& out) {
  if (!started_) {  // no vhid attached yet: nothing reacts, start() reads the link
    link_up_ = up;
    return;
  }
  if (frozen_ || cfg_.link_delay.ns > 0) {
    pending_.push_back(Pending{frozen_ ? never : now + cfg_.link_delay, static_cast<std::int8_t>(up ? 1 : 0), {}});
    return;
  }
  link_change(now, up, out);
}

void Instance::link_change(Time now, bool up, ActionBuffer& out) {
  if (up == link_up_) return;  // carp_carpdev_state runs on link *changes*
  link_up_ = up;
  if (!is_carp(cfg_.profile)) {
    if (!admin_up_) return;
    if (!up) {
      // keepalived leaves MASTER for FAULT and logs a priority-0 advert that cannot reach the
      // wire (its interface is down): FAULT is silent.
      const bool was_master = state_ == State::master;
      ad_ = md4_ = md6_ = never;
      garp_repeats_.clear();
      set_state(now, State::fault, r_fault, out);
      log(now, LogLevel::info, fmt::format("({}) Entering FAULT STATE", cfg_.ifname), out);
      if (was_master) log(now, LogLevel::info, fmt::format("({}) sent 0 priority", cfg_.ifname), out);
    } else {
      vrrp_start(now, out, false);  // FAULT -> BACKUP, never straight back to MASTER
    }
    return;
  }
  if (cfg_.profile == Profile::freebsd_10) {
    carpdev_state(now, out);
    return;
  }
  // 9.3 carp_sc_state_locked
  if (!up) {
    admin_backup_ = admin_up_;  // sc_flags_backup, then IFF_UP cleared
    admin_up_ = false;
    ad_ = md4_ = md6_ = never;
    set_state(now, State::init, r_if_down, out);
    if (!suppress_) node_demote(now, 1, "interface down", out, true);
    suppress_ = true;
  } else {
    admin_up_ = admin_up_ || admin_backup_;
    setrun(now, 0, out);  // INIT -> BACKUP
    if (suppress_) node_demote(now, -1, "interface up", out, true);
    suppress_ = false;
  }
}

void Instance::admin(Time now, bool up, ActionBuffer& out) {
  if (!started_) {
    if (up) start(now, out);
    return;
  }
  if (!is_carp(cfg_.profile)) {
    if (up) {
      if (admin_up_) return;
      admin_up_ = true;
      vrrp_start(now, out, true);
      return;
    }
    if (!admin_up_) return;
    if (state_ == State::master) resign(now, out);
    admin_up_ = false;
    ad_ = md4_ = md6_ = never;
    garp_repeats_.clear();
    set_state(now, State::init, r_shutdown, out);
    return;
  }
  if (cfg_.profile == Profile::freebsd_10) {
    // No carpN in 10+: what an administrator takes down is the carpdev (carp_linkstate).
    if (up == admin_up_) return;
    admin_up_ = up;
    carpdev_state(now, out);
    return;
  }
  // 9.3 carp_ioctl(SIOCSIFFLAGS): IFF_UP is already cleared when the ioctl runs.
  if (!up) {
    const bool was_up = admin_up_;
    admin_up_ = false;
    if (was_up && state_ != State::init) {
      ad_ = md4_ = md6_ = never;
      if (state_ == State::master) send_ad(now, out);  // 255/255, not re-armed
      set_state(now, State::init, r_admin_down, out);
    }
    return;
  }
  if (state_ == State::init && !admin_up_) {
    admin_up_ = true;
    setrun(now, 0, out);
  }
}

void Instance::resign(Time now, ActionBuffer& out) {
  // One priority-0 advert: backups then wait only Skew_Time.
  const Family f = cfg_.has_ipv6() ? Family::ipv6 : Family::ipv4;
  const AdvertFields a = fields(f, 0, 0);
  out.push_back(SendAdvert{now, a, (f == Family::ipv4 ? plan4_ : plan6_).advert_src, false});
  ++(f == Family::ipv4 ? stats_.opackets : stats_.opackets6);
  log(now, LogLevel::info, fmt::format("({}) sent 0 priority", cfg_.ifname), out);
}

void Instance::force_state(Time now, State s, ActionBuffer& out) {
  if (state_ == State::init || state_ == State::fault || s == state_ || s == State::init || s == State::fault) return;
  if (!is_carp(cfg_.profile)) {
    if (s == State::master) vrrp_become_master(now, out);
    else vrrp_become_backup(now, master_adver_int_, out);
    return;
  }
  if (s == State::backup) {
    ad_ = never;
    set_state(now, State::backup, r_user, out);
    setrun(now, 0, out);
  } else {
    master_down(now, r_user, out);
  }
}

void Instance::demote(Time now, int delta, ActionBuffer& out) {
  if (delta == 0) return;
  node_demote(now, delta, "sysctl", out, true);
}

void Instance::apply_node_demotion(Time now, int delta, ActionBuffer& out) {
  if (delta == 0) return;
  node_demote(now, delta, "", out, false);
}

void Instance::send_spurious_advert(Time now, ActionBuffer& out) {
  // The fields of a scheduled advert, outside the schedule (no timer is touched), even muted.
  if (!is_carp(cfg_.profile)) {
    const Family f = cfg_.has_ipv6() ? Family::ipv6 : Family::ipv4;
    const AdvertFields a = fields(f, 0, static_cast<std::uint8_t>(effective_priority()));
    ++(f == Family::ipv4 ? stats_.opackets : stats_.opackets6);
    out.push_back(SendAdvert{now, a, (f == Family::ipv4 ? plan4_ : plan6_).advert_src, true});
    return;
  }
  const auto skew = static_cast<std::uint8_t>(effective_skew());
  for (Family f : {Family::ipv4, Family::ipv6}) {
    if (f == Family::ipv4 ? !cfg_.has_ipv4() : !cfg_.has_ipv6()) continue;
    const AdvertFields a = fields(f, cfg_.advbase, skew);
    ++(f == Family::ipv4 ? stats_.opackets : stats_.opackets6);
    out.push_back(SendAdvert{now, a, (f == Family::ipv4 ? plan4_ : plan6_).advert_src, true});
  }
}

}  // namespace fwd::sim::carp
