#pragma once
/// \file
/// FreebsdLagg: how FreeBSD lagg(4) turns a hash into a port, for FreeBSD 9.3, 10.x and current
/// (sys/net/if_lagg.c, sys/net/ieee8023ad_lacp.c); spec hash-algorithms.md §1.5, §1.6, §8.
///
///  - lacp: `pm_map[h % count]` over the active aggregator's DISTRIBUTING ports. A port that
///    starts distributing is inserted at the HEAD of the list (came up A then B: [B, A]); one that
///    stops is removed. Any change of that array starts a transit window: every transmission is
///    dropped until marker responses return (end_transit()) or 3000 ms pass. Active aggregator:
///    lower partner system priority, then higher bandwidth (sum of member speeds), ties keep it.
///  - loadbalance (fec): `ports[h % all_ports]` over ALL ports, up or down, then "link active"
///    resolution: that port if up, else the next one in the list if up, else the first up port.
///    Port list: 9.x/10.x insert new ports at the head (newest first); current keeps it sorted
///    by interface index.
///  - failover: the primary (first port added) through link-active resolution.
///  - roundrobin: a packet counter (first packet 0), divided by rr_limit (10.x+, default 1),
///    `% all_ports`, then link-active resolution.
///  - broadcast (10.x and later): a copy on every active port.
///  - use_flowid: when on and the packet carries a flow id, `h = flowid >> flowid_shift` replaces
///    the lagghash hash (9.3: on, no shift; 10.x: on, shift 16; current (2019+): off, shift 16).
/// Member order at construction: members are added, come up and start distributing in list order.
/// Thread rules: select() advances the round-robin counter; one object per thread.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <fmt/format.h>

#include "fwd/describe/field.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {

enum class FreebsdVersion : std::uint8_t { v9_3, v10, current };
enum class LaggProto : std::uint8_t { lacp, loadbalance, failover, roundrobin, broadcast };

}  // namespace fwd::lag

namespace fwd::describe {
template <>
struct Enumerators<lag::LaggProto> {
  using E = lag::LaggProto;
  static constexpr std::string_view what = "laggproto";
  static constexpr Enumerator<E> table[] = {
      {E::lacp, "lacp", "LACP: lagghash over the distributing ports of the active aggregator"},
      {E::loadbalance, "loadbalance", "lagghash (or the flow id) modulo the active ports (alias fec)"},
      {E::failover, "failover", "the first port (the master), or the next active one"},
      {E::roundrobin, "roundrobin", "ports in turn (rr_limit packets each, FreeBSD 10 and later)"},
      {E::broadcast, "broadcast", "a copy on every active port (FreeBSD 10 and later)"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::lag {

constexpr const char* to_string(LaggProto p) { return describe::name_of(p).data(); }

class FreebsdLagg {
public:
  /// LACP_TRANSIT_DELAY: how long transmission stays suppressed after a distributing change.
  static constexpr std::int64_t transit_delay_ms = 3000;

  struct Config {
    FreebsdVersion version = FreebsdVersion::v9_3;
    LaggProto proto = LaggProto::lacp;
    bool use_flowid = true;
    unsigned flowid_shift = 0;
    std::uint32_t rr_limit = 1;  ///< roundrobin stride (`ifconfig laggN rr_limit N`, 10.x and later)
  };

  /// The defaults of each version (use_flowid, flowid_shift).
  static Config defaults(FreebsdVersion v, LaggProto p) {
    switch (v) {
      case FreebsdVersion::v9_3: return {v, p, true, 0, 1};
      case FreebsdVersion::v10: return {v, p, true, 16, 1};
      case FreebsdVersion::current: return {v, p, false, 16, 1};
    }
    return {};
  }

  explicit FreebsdLagg(Config c) : config_(c) {}
  const Config& config() const { return config_; }

  std::string follows() const {
    const char* v = config_.version == FreebsdVersion::v9_3 ? "FreeBSD 9.3"
                    : config_.version == FreebsdVersion::v10 ? "FreeBSD 10.x"
                                                             : "current FreeBSD (2019+)";
    return fmt::format("{} lagg(4) laggproto {}", v, to_string(config_.proto));
  }

  bool needs_hash() const { return config_.proto == LaggProto::lacp || config_.proto == LaggProto::loadbalance; }

  // ---- control path ----------------------------------------------------------------------
  /// A port was added (lagg_port_create). `initial`: part of the configuration, no transit window.
  void add_port(MemberIndex m, const MemberStates& s, Time now, bool initial) {
    if (ports_.empty()) primary_ = m;  // the first port ever added is the primary
    if (config_.version == FreebsdVersion::current) {
      auto pos = std::find_if(ports_.begin(), ports_.end(), [&](MemberIndex p) { return s[p].ifindex > s[m].ifindex; });
      ports_.insert(pos, m);
    } else {
      ports_.insert(ports_.begin(), m);  // SLIST_INSERT_HEAD
    }
    last_.resize(s.size());
    last_[m] = MemberState{};
    last_[m].link_up = false;  // "was not distributing": the update below inserts it
    update(s, now, initial);
  }

  /// Member states changed: rebuild the LACP distributing list and the port map.
  void update(const MemberStates& s, Time now, bool initial = false) {
    for (MemberIndex m = 0; m < s.size() && m < last_.size(); ++m) {
      const bool was = last_[m].is_distributing(), is = s[m].is_distributing();
      const auto it = std::find(dist_.begin(), dist_.end(), m);
      if (!is && it != dist_.end()) dist_.erase(it);
      if (!was && is && it == dist_.end() && std::find(ports_.begin(), ports_.end(), m) != ports_.end())
        dist_.insert(dist_.begin(), m);  // lacp_enable_distributing: TAILQ_INSERT_HEAD
    }
    last_.assign(s.begin(), s.end());
    up_ = 0;
    for (MemberIndex m : ports_)
      if (s[m].is_up()) up_ |= std::uint64_t{1} << m;
    choose_aggregator(s);
    MemberArray map;
    for (MemberIndex m : dist_)
      if (active_agg_ && s[m].aggregator == *active_agg_) map.push_back(m);
    if (map != pm_map_ && config_.proto == LaggProto::lacp && !initial) {
      transit_ = true;
      transit_until_ = now + Time::from_ms(transit_delay_ms);
    }
    pm_map_ = map;
  }

  /// Marker responses came back from every port: the transit window ends now.
  void end_transit() { transit_ = false; }
  /// True while an LACP transit window is open at `now`.
  bool in_transit(Time now) const { return transit_ && now < transit_until_; }

  // ---- data path ---------------------------------------------------------------------------
  /// The value the index is taken from when the packet has a flow id, if use_flowid applies.
  std::optional<std::uint32_t> flowid_hash(const std::optional<std::uint32_t>& flowid) const {
    if (config_.use_flowid && flowid) return *flowid >> config_.flowid_shift;
    return std::nullopt;
  }

  /// The port for hash `h`. `now` (if given) enforces the LACP transit window.
  Selection select(std::uint32_t h, const MemberStates& s, const Time* now = nullptr) {
    switch (config_.proto) {
      case LaggProto::lacp:
        if (now && in_transit(*now)) return Selection::drop(Outcome::transit);
        if (pm_map_.empty()) return Selection::drop();
        return Selection::to(pm_map_[mod32(h, pm_map_.size())]);
      case LaggProto::loadbalance:
        if (ports_.empty()) return Selection::drop();
        return Selection::to(link_active(mod32(h, ports_.size()), s));
      case LaggProto::failover: {
        const auto it = std::find(ports_.begin(), ports_.end(), primary_);
        return Selection::to(link_active(static_cast<std::size_t>(it - ports_.begin()), s));
      }
      case LaggProto::roundrobin: {
        if (ports_.empty()) return Selection::drop();
        const std::uint32_t p = seq_++ / config_.rr_limit;  // atomic_fetchadd: the first packet sees 0
        return Selection::to(link_active(mod32(p, ports_.size()), s));
      }
      case LaggProto::broadcast:
        for (MemberIndex m : ports_)
          if (s[m].is_up()) return Selection::all();
        return Selection::drop();
    }
    return Selection::drop();
  }

  /// The array the index is taken over: pm_map (lacp), the port list (others), or the active
  /// ports (broadcast).
  MemberArray order(const MemberStates& s) const {
    if (config_.proto == LaggProto::lacp) return pm_map_;
    if (config_.proto != LaggProto::broadcast) return ports_;
    MemberArray up;
    for (MemberIndex m : ports_)
      if (s[m].is_up()) up.push_back(m);
    return up;
  }
  MemberIndex primary() const { return primary_; }
  std::uint32_t round_robin_counter() const { return seq_; }

  /// One line saying how `h` became `sel` (for explain); `names` are the LAG's member names.
  std::string describe(std::uint32_t h, const MemberStates& s, std::span<const std::string> names,
                       Selection sel) const {
    auto list = [&](const MemberArray& a) { return member_list(a, names); };
    auto name = [&](MemberIndex m) { return member_name(m, names); };
    switch (config_.proto) {
      case LaggProto::lacp:
        if (sel.outcome == Outcome::transit) return "lacp: transit window after a distributing change: dropped";
        if (pm_map_.empty()) return "lacp: no distributing port in the active aggregator: dropped";
        return fmt::format("lacp: pm_map {} (most recently distributing first); 0x{:08x} % {} = {} -> {}",
                           list(pm_map_), h, pm_map_.size(), h % pm_map_.size(), name(sel.member));
      case LaggProto::loadbalance: {
        if (ports_.empty()) return "loadbalance: no ports: dropped";
        const auto i = h % ports_.size();
        return fmt::format("loadbalance: ports {} ({}); 0x{:08x} % {} = {} -> {}{}", list(ports_),
                           config_.version == FreebsdVersion::current ? "by ifindex" : "newest first", h,
                           ports_.size(), i, names[ports_[i]],
                           sel.member == ports_[i] ? std::string()
                                                   : fmt::format(" is down; link-active resolution -> {}", name(sel.member)));
      }
      case LaggProto::failover:
        return fmt::format("failover: primary {}{}", name(primary_),
                           sel.member == primary_ ? std::string() : fmt::format(" is down -> {}", name(sel.member)));
      case LaggProto::roundrobin:
        return fmt::format("roundrobin: packet counter % {} over ports {} -> {}", ports_.size(), list(ports_), name(sel.member));
      case LaggProto::broadcast:
        return fmt::format("broadcast: a copy on every active port {}", list(order(s)));
    }
    return {};
  }

private:
  /// lagg_link_active: the port at `i` if up, else the next one in the list if up, else the
  /// first up port from the head of the list.
  MemberIndex link_active(std::size_t i, const MemberStates&) const {
    auto up = [&](MemberIndex m) { return (up_ >> m & 1) != 0; };  // LAGG_PORTACTIVE, cached by update()
    if (i < ports_.size() && up(ports_[i])) return ports_[i];
    if (i + 1 < ports_.size() && up(ports_[i + 1])) return ports_[i + 1];
    for (MemberIndex m : ports_)
      if (up(m)) return m;
    return no_member;
  }

  /// lacp_select_active_aggregator over aggregators with at least one attached, up port.
  void choose_aggregator(const MemberStates& s) {
    std::optional<std::uint16_t> best;
    std::uint16_t best_prio = 0;
    std::uint64_t best_bw = 0;
    auto stats = [&](std::uint16_t agg, std::uint16_t& prio, std::uint64_t& bw) {
      prio = 0xffff;
      bw = 0;
      bool any = false;
      for (MemberIndex m : ports_) {
        if (s[m].aggregator != agg || !s[m].attached || !s[m].is_up()) continue;
        any = true;
        prio = std::min(prio, s[m].partner_priority);
        bw += s[m].speed_mbps;
      }
      return any;
    };
    for (MemberIndex m : ports_) {
      const std::uint16_t agg = s[m].aggregator;
      std::uint16_t prio;
      std::uint64_t bw;
      if (!stats(agg, prio, bw)) continue;
      if (!best || prio < best_prio || (prio == best_prio && bw > best_bw) ||
          (prio == best_prio && bw == best_bw && active_agg_ == agg)) {
        best = agg;
        best_prio = prio;
        best_bw = bw;
      }
    }
    active_agg_ = best;
  }

  Config config_;
  MemberArray ports_;   // sc_ports
  MemberArray dist_;    // distributing ports of every aggregator, most recent first
  MemberArray pm_map_;  // the active aggregator's distributing ports
  MemberStates last_;
  std::uint64_t up_ = 0;  // bit m: port m is up (link and interface)
  MemberIndex primary_ = no_member;
  std::optional<std::uint16_t> active_agg_;
  std::uint32_t seq_ = 0;
  bool transit_ = false;
  Time transit_until_{};
};

}  // namespace fwd::lag
