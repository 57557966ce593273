// fwd::l2::Switch: the Open vSwitch datapath model (the flow cache a frame hits or misses, the
// learning a hit defers to the revalidator) and the LAG hooks of the per-frame path (member
// choice, bond admission, bond timers).
#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/l2/switch.hpp"
#include "switch_datapath.hpp"

namespace fwd::l2 {

// ---- the OVS datapath model and bonds ------------------------------------------------------

namespace {
std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

// The fields OVS's NORMAL megaflow matches: in_port, dl_src, dl_dst, VLAN VID+CFI, dl_type, and
// for a broadcast ARP the opcode and (requests) both IPs (is_gratuitous_arp un-wildcards them).
std::uint64_t flow_key(LinkId link, const detail::Parsed& f) {
  std::uint64_t h = mix(link, f.dst);
  h = mix(h, f.src);
  h = mix(h, f.tagged ? (0x1000u | (f.tci & 0x0fffu)) : 0u);
  h = mix(h, f.type);
  if (f.type == 0x0806 && f.dst == 0xffff'ffff'ffffULL && net::fits(f.n, f.l3, 28)) {
    h = mix(h, net::be16(f.p + f.l3 + 6));
    h = mix(h, (std::uint64_t{net::be32(f.p + f.l3 + 14)} << 32) | net::be32(f.p + f.l3 + 24));
  }
  return h;
}

template <class Table>
std::uint64_t table_version(const Table& t) {
  const auto& c = t.counters();
  return c.learned + c.moved + c.expired + c.evicted + c.flushed;
}

}  // namespace

template <class Store>
bool BasicSwitch<Store>::ovs_flow_hit(LinkId link, const Parsed& f, Time now, Datapath dp, bool& cached_drop) {
  cached_drop = false;
  const std::uint64_t key = flow_key(link, f);
  auto it = impl_->flows.find(key);
  const bool recent = it != impl_->flows.end() && now.ns - it->second.last_used.ns < cfg_.flow_idle.ns;
  const bool hit = dp == Datapath::hit || (dp == Datapath::automatic && recent);
  if (hit && recent) {
    cached_drop = it->second.drop && it->second.version == table_version(table_);
    it->second.last_used = now;
  }
  return hit;
}

template <class Store>
void BasicSwitch<Store>::ovs_remember(LinkId link, const Parsed& f, Time now, bool drop) {
  auto& flows = impl_->flows;
  if (flows.size() >= 65536) {
    boost::unordered::erase_if(flows, [&](const auto& kv) {
      return now.ns - kv.second.last_used.ns >= cfg_.flow_idle.ns;
    });
    if (flows.size() >= 65536) flows.clear();
  }
  auto& fl = flows[flow_key(link, f)];
  fl.last_used = now;
  fl.drop = drop;
  fl.version = table_version(table_);
}

template <class Store>
void BasicSwitch<Store>::defer_learn(LinkId link, std::uint16_t vlan, const Parsed& f, bool garp, Time now) {
  if (detail::is_group(f.src)) return;
  auto& q = impl_->pending;
  if (q.full()) apply_pending(q.front().due);  // bounded queue: apply the oldest early
  q.push(detail::SwitchImpl::Pending{now + cfg_.hit_learning_delay, link, vlan, f.src, garp});
  pending_any_ = true;
  next_pending_ = q.front().due;
}

template <class Store>
void BasicSwitch<Store>::apply_pending(Time now) {
  auto& q = impl_->pending;
  while (q.size() && q.front().due.ns <= now.ns) {
    const detail::SwitchImpl::Pending p = q.front();
    q.pop_front();
    const PortId port = links_[p.link].port;
    const std::uint64_t key = detail::make_key(p.vlan, p.src);
    if (ports_[port].is_lag && ports_[port].bond_mode == 1) {
      // The revalidator's translation runs is_admissible() again: SLB loop protection.
      const Hit h = table_.lookup_key(key, p.due);
      if (h && h.port != port && !p.garp) continue;
    }
    table_.learn_key(key, port, p.due, LearnOptions(p.garp, ports_[port].is_lag));
  }
  pending_any_ = q.size() > 0;
  if (pending_any_) next_pending_ = q.front().due;
}

template <class Store>
void BasicSwitch<Store>::advance(Time now) {
  now_ = now;
  if (pending_any_) apply_pending(now);
}

template <class Store>
void BasicSwitch<Store>::add_lag_copies(Decision& d, Egress e, const Parsed& f, std::uint16_t vlan, std::size_t bytes) {
  const PortState& P = ports_[e.port];
  if (P.bond) {
    // OVS balance-slb: bucket = hash_mac(src, VLAN inside the bridge, basis) & 0xff; the bucket's
    // member is bond state (first-use round robin). Flood copies use it too (OVS row 29).
    const std::uint32_t h = hash::ovs::hash_mac(net::Mac::from_u64(f.src), vlan, P.bond_basis);
    const lag::MemberIndex m = P.bond->select(h);
    if (m == lag::no_member) {
      ++counters_.copies_lost;
      return;
    }
    P.bond->account(h, bytes);
    e.link = static_cast<LinkId>(P.first_link + m);
    d.egress.push_back(e);
    return;
  }
  if (P.lag) {
    const lag::Selection sel = P.lag->select(net::Bytes(f.p, f.n));
    if (sel.outcome == lag::Outcome::member) {
      e.link = static_cast<LinkId>(P.first_link + sel.member);
      d.egress.push_back(e);
      return;
    }
    if (sel.outcome == lag::Outcome::broadcast) {
      for (lag::MemberIndex m : P.lag->broadcast_members()) {
        e.link = static_cast<LinkId>(P.first_link + m);
        d.egress.push_back(e);
      }
      return;
    }
  }
  ++counters_.copies_lost;
}

template <class Store>
void BasicSwitch<Store>::run_bonds(Time now) {
  for (auto& b : impl_->bonds) b->run(now);
  for (auto& l : impl_->lags) l->run(now);
}

template <class Store>
DropReason BasicSwitch<Store>::bond_admit(LinkId link, PortId in, const Parsed& f, std::uint16_t vlan, bool garp, Time now) {
  const PortState& P = ports_[in];
  if (!P.bond) return DropReason::none;
  switch (P.bond->admit(links_[link].member, net::Mac::from_u64(f.dst))) {
    case lag::Admission::accept: return DropReason::none;
    case lag::Admission::drop: return DropReason::bond_admission;
    case lag::Admission::drop_if_moved: {
      // "SLB bond thinks this packet looped back": the source is learned on another port,
      // unless it is a gratuitous ARP whose entry is not locked.
      const std::uint64_t key = detail::make_key(vlan, f.src);
      const Hit h = table_.lookup_key(key, now);
      if (h && h.port != in && (!garp || table_.is_garp_locked(key, now))) return DropReason::slb_loopback;
      return DropReason::none;
    }
  }
  return DropReason::none;
}

template <class Store>
lag::Lag* BasicSwitch<Store>::lag(PortId p) { return p < ports_.size() ? ports_[p].lag : nullptr; }

// Every switch_*.cpp instantiates the members it defines (explicit instantiation of the class;
// the members defined elsewhere are only declared here).
template class BasicSwitch<FWD_L2_STORE>;

}  // namespace fwd::l2
