#pragma once
// fwd::l2::Switch::receive(): the per-frame path, one function per followed system. Included
// by switch.hpp (not public API). Each rx_* ends in exactly one of forwarded / flooded /
// to_host / dropped(reason).

namespace fwd::l2 {

namespace detail {
enum FloodKind : unsigned { flood_unicast = 0, flood_multicast = 1, flood_broadcast = 2 };
}

inline void Switch::finish(Decision& d, DropReason r) {
  if (r != DropReason::none) {
    d.verdict = Verdict::dropped;
    d.reason = r;
    d.egress.clear();
  }
  switch (d.verdict) {
    case Verdict::forwarded: ++counters_.forwarded; break;
    case Verdict::flooded:
      ++counters_.flooded;
      counters_.flood_copies += d.egress.size();
      break;
    case Verdict::to_host: ++counters_.to_host; break;
    case Verdict::dropped:
      ++counters_.dropped;
      ++counters_.dropped_by[static_cast<std::size_t>(d.reason)];
      if (d.ingress < port_counters_.size()) ++port_counters_[d.ingress].dropped;
      break;
  }
  counters_.tx += d.egress.size();
  for (const Egress& e : d.egress) ++port_counters_[e.port].tx;
}

// VLAN classification of an admitted frame on a VLAN-aware switch; false = drop.
inline bool Switch::classify(const PortState& p, const Parsed& f, std::uint16_t& vlan) const {
  const std::uint16_t vid = f.tagged ? (f.tci & 0x0fff) : 0;
  if (vid == 0) {  // untagged or priority-tagged
    if (p.pvid < 0 || !p.member.test(static_cast<std::size_t>(p.pvid))) return false;
    vlan = static_cast<std::uint16_t>(p.pvid);
    return true;
  }
  if (p.access_drops_tagged || !p.member.test(vid)) return false;
  vlan = vid;
  return true;
}

inline void Switch::add_copy(Decision& d, PortId q, const Parsed& f, std::uint16_t vlan, std::uint64_t src) {
  (void)src;
  const PortState& P = ports_[q];
  TagOp op = TagOp::keep;
  std::uint16_t tci = 0;
  std::size_t bytes = f.n;
  if (vlan_aware_) {
    if (P.untagged.test(vlan)) {
      op = f.tagged ? TagOp::strip : TagOp::keep;
      if (f.tagged) bytes -= 4;
    } else {
      const std::uint16_t keep = keep_dei_ ? 0xf000 : 0xe000;
      tci = static_cast<std::uint16_t>((f.tagged ? (f.tci & keep) : 0) | vlan);
      op = !f.tagged ? TagOp::push : (f.tpid == 0x8100 && f.tci == tci ? TagOp::keep : TagOp::rewrite);
      if (!f.tagged) bytes += 4;
    }
  }
  if (P.is_lag) [[unlikely]] {
    add_lag_copies(d, Egress(q, no_link, op, tci), f, vlan, bytes);  // the LAG picks the member(s)
    return;
  }
  // Constructed in place: a copy assembled field by field and reloaded stalls store forwarding.
  d.egress.emplace_back(q, P.first_link, op, tci);
}

inline void Switch::forward_to(Decision& d, const Parsed& f, PortId in, PortId out, std::uint16_t vlan,
                               std::uint64_t src) {
  (void)in;
  add_copy(d, out, f, vlan, src);
  if (d.egress.empty()) {
    d.verdict = Verdict::dropped;
    d.reason = DropReason::lag_no_member;
    return;
  }
  d.verdict = Verdict::forwarded;
}

inline void Switch::flood(Decision& d, const Parsed& f, PortId in, std::uint16_t vlan, std::uint64_t src,
                          unsigned kind) {
  const Time now = now_;
  for (PortId q = 0; q < ports_.size(); ++q) {
    const PortState& P = ports_[q];
    if (q == in && !P.hairpin) continue;
    if (!P.up(now)) continue;
    if (vlan_aware_ && !P.member.test(vlan)) continue;
    if (kind == detail::flood_unicast ? !P.flood
                                      : kind == detail::flood_multicast ? !P.mcast_flood : !P.bcast_flood)
      continue;
    add_copy(d, q, f, vlan, src);
  }
  d.verdict = d.egress.empty() ? Verdict::dropped : Verdict::flooded;
  if (d.egress.empty()) d.reason = DropReason::no_egress;
}

inline LearnStatus Switch::do_learn(std::uint16_t vlan, std::uint64_t src, PortId in, Time now, LearnOptions o,
                                    Decision& d) {
  const LearnResult r = table_.learn_key(detail::make_key(vlan, src), in, now, o);
  d.learn = r.status;
  return r.status;
}

// Learns and reports whether the frame survives the flap action (drop_frame / shutdown_port).
inline bool Switch::learn_or_drop(std::uint16_t vlan, std::uint64_t src, PortId in, Time now, LearnOptions o,
                                  Decision& d) {
  switch (do_learn(vlan, src, in, now, o, d)) {
    case LearnStatus::drop_frame: d.reason = DropReason::flap_drop; return false;
    case LearnStatus::shutdown_port:
      shut_port(in, now);
      d.reason = DropReason::flap_shutdown;
      return false;
    default: return true;
  }
}

inline void Switch::receive(LinkId link, net::Bytes frame, Time now, Decision& d, Datapath dp) {
  d.reset();
  ++counters_.rx;
  now_ = now;
  if (pending_any_ && now.ns >= next_pending_.ns) apply_pending(now);
  if (has_lags_) run_bonds(now);
  if (link >= links_.size()) [[unlikely]] {
    finish(d, DropReason::bad_link);
    return;
  }
  const LinkState& L = links_[link];
  const PortId in = L.port;
  d.ingress = in;
  ++port_counters_[in].rx;
  if (frame.size() < 14) [[unlikely]] {
    finish(d, DropReason::too_short);
    return;
  }
  PortState& P = ports_[in];
  if (!P.admin_up || !L.carrier || P.shutdown_until.ns > now.ns) {
    finish(d, DropReason::port_down);
    return;
  }
  Parsed f;
  f.parse(frame, cfg_.profile == Profile::ovs_3_1);
  switch (cfg_.profile) {
    case Profile::linux_bridge: rx_linux(d, f, in, P, now); break;
    case Profile::freebsd_bridge: rx_freebsd(d, f, in, P, now); break;
    case Profile::ovs_3_1: rx_ovs(d, f, link, in, P, now, dp); break;
    case Profile::vendor: rx_vendor(d, f, in, P, now); break;
  }
  finish(d, DropReason::none);
}

// The FDB keys a frame will touch, guessed before classification (a wrong guess only wastes
// the prefetch).
inline void Switch::prefetch_fdb(const Rx& r) const {
  if (r.frame.size() < 14 || r.link >= links_.size()) return;
  const std::uint8_t* p = r.frame.data();
  std::uint16_t vlan = 0;
  const bool tagged = net::be16(p + 12) == 0x8100 && r.frame.size() >= 18;
  const std::uint16_t vid = tagged ? (net::be16(p + 14) & 0x0fff) : 0;
  if (cfg_.profile == Profile::freebsd_bridge) {
    vlan = vid ? vid : 1;
  } else if (vlan_aware_) {
    const std::int32_t pvid = ports_[links_[r.link].port].pvid;
    vlan = vid ? vid : static_cast<std::uint16_t>(pvid < 0 ? 0 : pvid);
  }
  table_.prefetch(detail::make_key(vlan, net::be48(p + 6)));
  table_.prefetch(detail::make_key(vlan, net::be48(p)));
}

inline void Switch::receive_burst(std::span<const Rx> in, Time now, std::span<Decision> out, Datapath dp) {
  constexpr std::size_t ahead = 6;
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < std::min(ahead, n); ++i) prefetch_fdb(in[i]);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + ahead < n) prefetch_fdb(in[i + ahead]);
    receive(in[i].link, in[i].frame, now, out[i], dp);
  }
}

// ---- Linux bridge (br_handle_frame / br_handle_frame_finish, 6.x) -------------------------------
inline void Switch::rx_linux(Decision& d, const Parsed& f, PortId in, PortState& P, Time now) {
  using namespace detail;
  if (is_group(f.src) || f.src == 0) {  // !is_valid_ether_addr(h_source)
    d.reason = DropReason::invalid_source;
    return;
  }
  if (is_link_local(f.dst)) {
    const unsigned x = static_cast<unsigned>(f.dst & 0x0f);
    if (x == 1) {  // pause frames: dropped before learning
      d.reason = DropReason::mac_control;
      return;
    }
    const bool fwd = x == 0 ? (!cfg_.stp || (cfg_.group_fwd_mask & 1)) : (cfg_.group_fwd_mask >> x) & 1;
    if (!fwd) {
      // __br_handle_local_finish(): learned (unless no_linklocal_learn), handed to the host.
      if (!cfg_.no_linklocal_learn && P.learning) {
        std::uint16_t vlan = 0;
        if (!vlan_aware_ || (!f.malformed && classify(P, f, vlan))) {
          if (local_port(f.src) == no_port) do_learn(vlan, f.src, in, now, {}, d);
        }
      }
      d.verdict = Verdict::to_host;
      return;
    }
  }
  std::uint16_t vlan = 0;
  if (vlan_aware_) {
    if (f.malformed) {
      d.reason = DropReason::malformed_vlan;
      return;
    }
    if (!classify(P, f, vlan)) {
      d.reason = DropReason::vlan_ingress;
      return;
    }
  }
  d.vlan = vlan_aware_ ? vlan : 0;
  if (P.locked) {
    const Hit h = table_.lookup_key(detail::make_key(vlan, f.src), now);
    if (!h || h.port != in) {
      d.reason = DropReason::locked_port;
      return;
    }
  }
  if (P.learning && local_port(f.src) == no_port && !learn_or_drop(vlan, f.src, in, now, {}, d)) return;
  if (is_group(f.dst)) {
    flood(d, f, in, vlan, f.src, is_broadcast(f.dst) ? flood_broadcast : flood_multicast);
    if (d.verdict == Verdict::dropped) {  // the bridge device still receives it (local_rcv)
      d.verdict = Verdict::to_host;
      d.reason = DropReason::none;
    }
    return;
  }
  if (local_port(f.dst) != no_port) {
    d.verdict = Verdict::to_host;
    return;
  }
  const Hit h = table_.lookup_key(detail::make_key(vlan, f.dst), now);
  if (!h) {
    flood(d, f, in, vlan, f.src, flood_unicast);
    return;
  }
  d.dst_port = h.port;
  if (h.port == in && !P.hairpin) {
    d.reason = DropReason::same_port;
    return;
  }
  if (!ports_[h.port].up(now) || (vlan_aware_ && !ports_[h.port].member.test(vlan))) {
    d.reason = DropReason::blackhole;
    return;
  }
  forward_to(d, f, in, h.port, vlan, f.src);
}

// ---- FreeBSD if_bridge (bridge_input / bridge_forward, 9.x) ------------------------------------
inline void Switch::rx_freebsd(Decision& d, const Parsed& f, PortId in, PortState& P, Time now) {
  using namespace detail;
  // VLANTAGOF(m): the 802.1Q VID; untagged and priority-tagged frames are stored as VLAN 1.
  std::uint16_t vlan = f.tagged ? (f.tci & 0x0fff) : 0;
  if (vlan == 0) vlan = 1;
  d.vlan = vlan;
  const bool can_learn = P.learning && !is_group(f.src) && f.src != 0;  // bridge_rtupdate EINVAL
  const LearnOptions lo(false, false, P.sticky);
  if (is_group(f.dst)) {
    if (f.dst == 0x0180c2000000ULL) {  // bstp_input() consumes 802.1D frames
      d.reason = DropReason::stp_bpdu;
      return;
    }
    if (can_learn && !learn_or_drop(vlan, f.src, in, now, lo, d)) return;
    if (is_link_local(f.dst)) {  // 802.1D 7.12.6: never forwarded; the host gets its copy
      d.verdict = Verdict::to_host;
      return;
    }
    flood(d, f, in, vlan, f.src, is_broadcast(f.dst) ? flood_broadcast : flood_multicast);
    if (d.verdict == Verdict::dropped) {
      d.verdict = Verdict::to_host;
      d.reason = DropReason::none;
    }
    return;
  }
  if (local_port(f.dst) != no_port) {  // GRAB_OUR_PACKETS: for us, learned first
    if (can_learn) do_learn(vlan, f.src, in, now, lo, d);
    d.verdict = Verdict::to_host;
    return;
  }
  if (local_port(f.src) != no_port) {  // "we just received a packet that we sent out"
    d.reason = DropReason::own_source;
    return;
  }
  if (can_learn && !learn_or_drop(vlan, f.src, in, now, lo, d)) return;
  const Hit h = table_.lookup_key(detail::make_key(vlan, f.dst), now);
  if (!h) {
    flood(d, f, in, vlan, f.src, flood_unicast);
    return;
  }
  d.dst_port = h.port;
  if (h.port == in) {
    d.reason = DropReason::same_port;
    return;
  }
  if (!ports_[h.port].up(now)) {
    d.reason = DropReason::blackhole;
    return;
  }
  forward_to(d, f, in, h.port, vlan, f.src);
}

// ---- Open vSwitch 3.1 NORMAL (xlate_normal) ------------------------------------------------------
inline void Switch::rx_ovs(Decision& d, const Parsed& f, LinkId link, PortId in, PortState& P, Time now,
                           Datapath dp) {
  using namespace detail;
  bool cached_drop = false;
  const bool hit = ovs_flow_hit(link, f, now, dp, cached_drop);
  d.datapath_hit = hit;
  if (f.malformed) {  // "dropping packet with partial VLAN tag"
    d.reason = DropReason::malformed_vlan;
    return;
  }
  std::uint16_t vlan = 0;
  if (!classify(P, f, vlan)) {  // "disallowed VLAN VID for this input port, dropping"
    d.reason = DropReason::vlan_ingress;
    return;
  }
  d.vlan = vlan;
  if (!cfg_.forward_bpdu && is_ovs_reserved(f.dst)) {  // is_admissible()
    d.reason = DropReason::reserved_multicast;
    return;
  }
  const bool garp = f.is_gratuitous_arp();
  if (P.is_lag) {
    const DropReason r = bond_admit(link, in, f, vlan, garp, now);
    if (r != DropReason::none) {
      if (hit && cached_drop) defer_learn(link, vlan, f, garp, now);
      d.reason = r;
      ovs_remember(link, f, now, true);
      return;
    }
  }
  if (hit && cached_drop) {
    // The datapath still holds the drop flow (no table change re-translated it); learning, if
    // the slow path would learn now, happens when the revalidator pushes the flow's stats.
    defer_learn(link, vlan, f, garp, now);
    d.reason = DropReason::cached_drop;
    return;
  }
  if (!is_group(f.src)) {  // mac_learning_may_learn()
    if (hit) {
      defer_learn(link, vlan, f, garp, now);
      d.learn_deferred = true;
    } else if (!learn_or_drop(vlan, f.src, in, now, LearnOptions(garp, P.is_lag), d)) {
      return;
    }
  }
  ovs_remember(link, f, now, false);
  if (is_group(f.dst)) {
    flood(d, f, in, vlan, f.src, is_broadcast(f.dst) ? flood_broadcast : flood_multicast);
    return;
  }
  const Hit h = table_.lookup_key(detail::make_key(vlan, f.dst), now);
  if (!h) {
    flood(d, f, in, vlan, f.src, flood_unicast);
    return;
  }
  d.dst_port = h.port;
  if (h.port == in) {  // "learned port is input port, dropping"
    d.reason = DropReason::same_port;
    return;
  }
  if (!ports_[h.port].up(now)) {
    d.reason = DropReason::blackhole;
    return;
  }
  forward_to(d, f, in, h.port, vlan, f.src);
}

// ---- generic IEEE 802.1Q vendor switch ---------------------------------------------------------
inline void Switch::rx_vendor(Decision& d, const Parsed& f, PortId in, PortState& P, Time now) {
  using namespace detail;
  if (is_group(f.src) || f.src == 0) {
    d.reason = DropReason::invalid_source;
    return;
  }
  if (f.malformed) {
    d.reason = DropReason::malformed_vlan;
    return;
  }
  if (is_link_local(f.dst)) {  // trapped to the CPU (STP, LACP, LLDP ...): never forwarded
    d.verdict = Verdict::to_host;
    return;
  }
  std::uint16_t vlan = 0;
  if (!classify(P, f, vlan)) {
    d.reason = DropReason::vlan_ingress;
    return;
  }
  d.vlan = vlan;
  if (P.learning && local_port(f.src) == no_port && !learn_or_drop(vlan, f.src, in, now, {}, d)) return;
  if (is_group(f.dst)) {
    flood(d, f, in, vlan, f.src, is_broadcast(f.dst) ? flood_broadcast : flood_multicast);
    return;
  }
  if (local_port(f.dst) != no_port) {
    d.verdict = Verdict::to_host;
    return;
  }
  const Hit h = table_.lookup_key(detail::make_key(vlan, f.dst), now);
  if (!h) {
    flood(d, f, in, vlan, f.src, flood_unicast);
    return;
  }
  d.dst_port = h.port;
  if (h.port == in) {
    d.reason = DropReason::same_port;
    return;
  }
  if (!ports_[h.port].up(now) || !ports_[h.port].member.test(vlan)) {
    d.reason = DropReason::blackhole;
    return;
  }
  forward_to(d, f, in, h.port, vlan, f.src);
}

}  // namespace fwd::l2
