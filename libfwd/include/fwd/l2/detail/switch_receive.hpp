#pragma once
// fwd::l2::BasicSwitch::receive(): the per-frame path (not public API, included by switch.hpp).
// classify_fast() + forward_known() are the common case as one straight line (admitted unicast,
// source live on this port, destination live on another port); every other frame goes through
// receive_slow() and one rx_* function per followed system. Each frame ends in exactly one of
// forwarded / flooded / to_host / dropped(reason). receive_burst() classifies and hashes a
// whole burst and prefetches its FDB lines before processing it.

#include <cstring>

namespace fwd::l2 {

namespace detail {
enum FloodKind : unsigned { flood_unicast = 0, flood_multicast = 1, flood_broadcast = 2 };
}

template <class Store>
inline void BasicSwitch<Store>::finish(Decision& d, DropReason r) {
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
template <class Store>
inline bool BasicSwitch<Store>::classify(const PortState& p, const Parsed& f, std::uint16_t& vlan) const {
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

template <class Store>
inline void BasicSwitch<Store>::add_copy(Decision& d, PortId q, const Parsed& f, std::uint16_t vlan, std::uint64_t src) {
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

template <class Store>
inline void BasicSwitch<Store>::forward_to(Decision& d, const Parsed& f, PortId in, PortId out, std::uint16_t vlan,
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

template <class Store>
inline void BasicSwitch<Store>::flood(Decision& d, const Parsed& f, PortId in, std::uint16_t vlan, std::uint64_t src,
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

// Known unicast goes to its port, unknown unicast floods; a destination on the ingress port is
// filtered (unless hairpin), one on a port that is down (or, with check_member, outside the VLAN)
// is black-holed. The tail every profile's decision shares.
template <class Store>
inline void BasicSwitch<Store>::unicast(Decision& d, const Parsed& f, PortId in, std::uint16_t vlan, Time now,
                                        bool hairpin, bool check_member) {
  const Hit h = table_.lookup_key(detail::make_key(vlan, f.dst), now);
  if (!h) {
    flood(d, f, in, vlan, f.src, detail::flood_unicast);
    return;
  }
  d.dst_port = h.port;
  if (h.port == in && !hairpin) {
    d.reason = DropReason::same_port;
    return;
  }
  if (!ports_[h.port].up(now) || (check_member && !ports_[h.port].member.test(vlan))) {
    d.reason = DropReason::blackhole;
    return;
  }
  forward_to(d, f, in, h.port, vlan, f.src);
}

template <class Store>
inline LearnStatus BasicSwitch<Store>::do_learn(std::uint16_t vlan, std::uint64_t src, PortId in, Time now, LearnOptions o,
                                    Decision& d) {
  const LearnResult r = table_.learn_key(detail::make_key(vlan, src), in, now, o);
  d.learn = r.status;
  return r.status;
}

// Learns and reports whether the frame survives the flap action (drop_frame / shutdown_port).
template <class Store>
inline bool BasicSwitch<Store>::learn_or_drop(std::uint16_t vlan, std::uint64_t src, PortId in, Time now, LearnOptions o,
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

// Every frame: the per-frame bookkeeping, then the fast path, else the system's full rules.
template <class Store>
inline void BasicSwitch<Store>::receive(LinkId link, net::Bytes frame, Time now, Decision& d, Datapath dp) {
  FastInfo k{};
  classify_fast(link, frame, k);
  BurstClock c{};
  receive_one(Rx{link, frame}, now, d, dp, k, c);
}

// Two passes over a burst: classify every frame and hash its two FDB keys, starting the loads of
// their table lines, then process the frames, whose lines have arrived (or are on their way).
template <class Store>
inline void BasicSwitch<Store>::receive_burst(std::span<const Rx> in, Time now, std::span<Decision> out, Datapath dp) {
  constexpr std::size_t chunk = 32;
  const std::size_t n = std::min(in.size(), out.size());
  FastInfo info[chunk];
  for (std::size_t base = 0; base < n; base += chunk) {
    const std::size_t m = std::min(chunk, n - base);
    for (std::size_t i = 0; i < m; ++i) {
      classify_fast(in[base + i].link, in[base + i].frame, info[i]);
      if (info[i].fast) {
        table_.prefetch_hashed(info[i].src_h);
        table_.prefetch_hashed(info[i].dst_h);
      }
    }
    BurstClock c{};  // read once per burst: every frame has the same `now`
    for (std::size_t i = 0; i < m; ++i)
      receive_one(in[base + i], now, out[base + i], dp, info[i], c);
  }
}

// First pass: may the frame take the fast path, as far as the frame, its ingress port and the
// switch's settings tell (the FDB decides in forward_known)? The conditions are a subset of
// those under which the profile's rx_* function goes on to learn the source: a valid link with
// carrier into a port that is up, learning and not locked; an OVS-free profile; a unicast
// non-zero source and a unicast destination, neither of them the bridge's own address; VLAN
// admission passed. Only reads state a frame cannot change (receive never changes carrier, VLAN
// or port configuration; a flap shutdown is re-checked in forward_known).
template <class Store>
[[gnu::always_inline]] inline void BasicSwitch<Store>::classify_fast(LinkId link, net::Bytes frame, FastInfo& k) const {
  k.fast = false;
  if (link >= link_hot_.size() || frame.size() < 14) [[unlikely]]
    return;
  const LinkHot L = link_hot_[link];
  if (!L.fast_in || !table_.fast_refresh_ok()) [[unlikely]]
    return;
  const std::uint8_t* p = frame.data();
  std::uint64_t w0, w1;  // bytes 0..7 and 4..11: both inside the 14-byte header
  std::memcpy(&w0, p, 8);
  std::memcpy(&w1, p + 4, 8);
  const std::uint64_t dst = __builtin_bswap64(w0) >> 16;
  const std::uint64_t src = __builtin_bswap64(w1) & detail::mac_mask;
  if (((dst | src) & (std::uint64_t{1} << 40)) || src == 0) [[unlikely]]  // group or zero
    return;
  if (!locals_.empty() && (local_port(src) != no_port || local_port(dst) != no_port)) return;
  std::uint16_t vlan = 0;
  if (cfg_.profile == Profile::freebsd_bridge || vlan_aware_) [[unlikely]] {
    Parsed f;
    f.parse(frame, false);
    if (cfg_.profile == Profile::freebsd_bridge) {
      vlan = f.tagged ? (f.tci & 0x0fff) : 0;
      if (vlan == 0) vlan = 1;
    } else if (f.malformed || !classify(ports_[L.port], f, vlan)) {
      return;
    }
  }
  k.src_key = detail::make_key(vlan, src);
  k.dst_key = detail::make_key(vlan, dst);
  k.src_h = Table::hash_key(k.src_key);
  k.dst_h = Table::hash_key(k.dst_key);
  k.in = L.port;
  k.vlan = vlan;
  k.fast = true;
}

template <class Store>
[[gnu::always_inline]] inline void BasicSwitch<Store>::receive_one(const Rx& r, Time now, Decision& d, Datapath dp,
                                                                   const FastInfo& k, BurstClock& c) {
  ++counters_.rx;
  if (per_frame_work_) [[unlikely]] {
    if (pending_any_ && now.ns >= next_pending_.ns) advance_datapath(now);
    if (has_lags_) run_bonds(now);
  }
  if (k.fast) [[likely]] {
    ++port_counters_[k.in].rx;
    if (forward_known(k, c, r, now, d)) [[likely]]
      return;
  } else if (r.link < links_.size()) {
    ++port_counters_[links_[r.link].port].rx;
  }
  receive_slow(r.link, r.frame, now, d, dp);
}

// The common case as one straight line: the source is live on the ingress port (a same-port
// refresh) and the destination live on another port that is up and not a LAG. It applies
// exactly the effects the profile's rx_* function would for such a frame; for any other frame
// it returns false having changed nothing observable (MacTable::refresh_and_lookup).
template <class Store>
[[gnu::always_inline]] inline bool BasicSwitch<Store>::forward_known(const FastInfo& k, BurstClock& c,
                                                                     const Rx& r, Time now, Decision& d) {
  const PortHot* hot = port_hot_.data();
  if (!hot[k.in].fast_in) [[unlikely]]  // shut by a flap action earlier in this burst
    return false;
  // From here on rx_* would learn, and so advance the table clock to `now`: reading it now
  // (first time in the burst) leaves the clock exactly as frame-by-frame processing would.
  if (!c.ready) [[unlikely]] {
    c.clock = table_.fast_clock(now);
    c.ready = true;
  }
  const PortId out = table_.refresh_and_lookup(c.clock, k.src_key, k.src_h, k.in, k.dst_key, k.dst_h, now);
  if (out == no_port || out == k.in) [[unlikely]]
    return false;
  const bool aware = vlan_aware_;
  if (!hot[out].fast_out || (aware && !ports_[out].member.test(k.vlan))) [[unlikely]]
    return false;
  d.verdict = Verdict::forwarded;
  d.reason = DropReason::none;
  d.vlan = k.vlan;
  d.ingress = k.in;
  d.learn = LearnStatus::refreshed;
  d.learn_deferred = false;
  d.datapath_hit = false;
  d.dst_port = out;
  d.egress.clear();
  if (aware) [[unlikely]] {
    Parsed f;
    f.parse(r.frame, false);
    add_copy(d, out, f, k.vlan, f.src);
  } else {
    d.egress.emplace_back(out, hot[out].first_link, TagOp::keep, std::uint16_t{0});
  }
  ++counters_.forwarded;
  ++counters_.tx;
  ++port_counters_[out].tx;
  return true;
}

template <class Store>
[[gnu::noinline]] inline void BasicSwitch<Store>::receive_slow(LinkId link, net::Bytes frame, Time now, Decision& d,
                                                               Datapath dp) {
  d.reset();
  now_ = now;
  if (link >= links_.size()) [[unlikely]] {
    finish(d, DropReason::bad_link);
    return;
  }
  const LinkState& L = links_[link];
  const PortId in = L.port;
  d.ingress = in;
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

// ---- Linux bridge (br_handle_frame / br_handle_frame_finish, 6.x) -------------------------------
template <class Store>
inline void BasicSwitch<Store>::rx_linux(Decision& d, const Parsed& f, PortId in, PortState& P, Time now) {
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
  unicast(d, f, in, vlan, now, P.hairpin, vlan_aware_);
}

// ---- FreeBSD if_bridge (bridge_input / bridge_forward, 9.x) ------------------------------------
template <class Store>
inline void BasicSwitch<Store>::rx_freebsd(Decision& d, const Parsed& f, PortId in, PortState& P, Time now) {
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
  unicast(d, f, in, vlan, now, /*hairpin=*/false, /*check_member=*/false);
}

// ---- Open vSwitch 3.1 NORMAL (xlate_normal) ------------------------------------------------------
template <class Store>
inline void BasicSwitch<Store>::rx_ovs(Decision& d, const Parsed& f, LinkId link, PortId in, PortState& P, Time now,
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
  unicast(d, f, in, vlan, now, /*hairpin=*/false, /*check_member=*/false);  // same port: "learned port is input port, dropping"
}

// ---- generic IEEE 802.1Q vendor switch ---------------------------------------------------------
template <class Store>
inline void BasicSwitch<Store>::rx_vendor(Decision& d, const Parsed& f, PortId in, PortState& P, Time now) {
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
  unicast(d, f, in, vlan, now, /*hairpin=*/false, /*check_member=*/true);
}

extern template class BasicSwitch<detail::FdbTable<detail::Slot>>;

}  // namespace fwd::l2
