// fwd::sim::Host CARP/VRRP: drives one carp::Instance per vhid and puts its actions on the wire
// (adverts with the vMAC as Ethernet source, GARPs with the physical source, NAs with the vMAC:
// spec carp.md §6), decides which destination MACs and VIPs the host owns in each state.
#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/sim/detail/host_state.hpp"
#include "fwd/sim/network.hpp"

namespace fwd::sim {

using detail::CarpVhid;
using detail::FrameRef;

detail::CarpVhid& Host::vhid_at(std::size_t i) const {
  if (i >= carps_.size())
    throw Error(fmt::format("host '{}' has no CARP vhid index {} (it has {})", cfg_.name, i, carps_.size()));
  return *carps_[i];
}

std::size_t Host::carp_count() const { return carps_.size(); }

std::size_t Host::add_carp(const std::string& iface, carp::Config c) {
  const IfaceId i = iface_id(iface);
  c.carpdev_mac = ifaces_[i].mac;
  c.carpdev = iface;
  c.counter_seed = net_.rng().next();
  // CARP runs in the FreeBSD kernel (callouts in ticks of kern.hz); VRRP daemons run on Linux
  // with exact timers, and so does anything on an `os: linux` host.
  if (carp::is_carp(c.profile) && cfg_.tick.ns > 0 && cfg_.os != "linux") {
    c.timing = carp::Timing::ticks;
    c.hz = static_cast<int>(1'000'000'000 / cfg_.tick.ns);
  } else {
    c.timing = carp::Timing::exact;
  }
  // Advert source: the node's own address on the carpdev in a VIP's subnet (9.3 sc_ia).
  if (!c.src4) {
    for (const auto& a : ifaces_[i].v4) {
      bool in_subnet = c.vips4.empty();
      for (const auto& v : c.vips4) in_subnet |= (v.value & a.mask) == (a.addr.value & a.mask);
      if (in_subnet) { c.src4 = a.addr; break; }
    }
    if (!c.src4 && !ifaces_[i].v4.empty()) c.src4 = ifaces_[i].v4.front().addr;
  }
  if (!c.src6 && !ifaces_[i].v6.empty()) c.src6 = ifaces_[i].v6.front().addr;
  if (!c.vips4.empty() && !c.src4)
    throw Error(fmt::format("host '{}': CARP vhid {} on '{}' needs an IPv4 address on the interface first", cfg_.name,
                            c.vhid, iface));
  if (!c.vips6.empty() && !c.src6)
    throw Error(fmt::format("host '{}': CARP vhid {} on '{}' needs an IPv6 address on the interface first", cfg_.name,
                            c.vhid, iface));
  for (std::size_t k : ifaces_[i].carp)
    if (carps_[k]->inst.config().vhid == c.vhid)
      throw Error(fmt::format("host '{}': vhid {} is already configured on '{}'", cfg_.name, c.vhid, iface));
  auto v = std::make_unique<CarpVhid>(std::move(c));
  v->iface = i;
  v->plan4 = carp::mac_plan(v->inst.config(), carp::Family::ipv4);
  v->plan6 = carp::mac_plan(v->inst.config(), carp::Family::ipv6);
  v->slot = new_slot(3, static_cast<std::uint32_t>(carps_.size()));
  carps_.push_back(std::move(v));
  ifaces_[i].carp.push_back(static_cast<std::uint32_t>(carps_.size() - 1));
  if (started_) {
    CarpVhid& x = *carps_.back();
    x.link_up = iface_usable(i);
    if (!x.link_up) x.inst.on_link(net_.now(), false, x.buf);  // before start: read by start()
    x.inst.start(net_.now(), x.buf);
    carp_apply(static_cast<std::uint32_t>(carps_.size() - 1), net_.now());
  }
  return carps_.size() - 1;
}

void Host::carp_start(Time now) {
  for (std::size_t k = 0; k < carps_.size(); ++k) {
    CarpVhid& v = *carps_[k];
    v.inst.set_mute(v.silenced(now));
    v.link_up = iface_usable(v.iface);
    if (!v.link_up) v.inst.on_link(now, false, v.buf);  // before start: read by start()
    v.inst.start(now, v.buf);
    carp_apply(static_cast<std::uint32_t>(k), now);
  }
}

void Host::carp_silence(std::size_t idx, Time from, Time until) {
  vhid_at(idx).silence.push_back({from, until});
}

void Host::carp_freeze(std::size_t idx, bool frozen, Time now) {
  CarpVhid& v = vhid_at(idx);
  if (frozen) v.inst.freeze(now);
  else v.inst.resume(now, v.buf);
  carp_apply(static_cast<std::uint32_t>(idx), now);
}

bool Host::iface_usable(IfaceId ifc) const {
  const Iface& I = ifaces_[ifc];
  if (!I.up) return false;
  switch (I.kind) {
    case IfKind::nic: return I.carrier;
    case IfKind::vlan: return I.parent != no_iface && iface_usable(I.parent);
    case IfKind::lagg:
      // lagg(4) reports link up while any port has link (LACP: while any port can be active).
      for (IfaceId m : I.members)
        if (ifaces_[m].up && ifaces_[m].carrier) return true;
      return false;
  }
  return false;
}

void Host::carp_links(Time now) {
  if (!started_) return;  // carp_start reads the links
  for (std::size_t k = 0; k < carps_.size(); ++k) {
    CarpVhid& v = *carps_[k];
    const bool up = iface_usable(v.iface);
    if (up == v.link_up) continue;
    v.link_up = up;
    v.inst.set_mute(v.silenced(now));
    v.inst.on_link(now, up, v.buf);
    carp_apply(static_cast<std::uint32_t>(k), now);
  }
}

void Host::carp_timer(std::uint32_t idx, Time now) {
  CarpVhid& v = *carps_[idx];
  v.inst.set_mute(v.silenced(now));
  v.inst.on_timer(now, v.buf);
  carp_apply(idx, now);
}

void Host::carp_input(IfaceId ifc, FrameRef f, std::size_t l3, bool v6, Time now) {
  (void)l3;
  (void)v6;
  const Iface& I = ifaces_[ifc];
  if (I.carp.empty()) return drop(HostDrop::carp_rejected, f);
  const net::Bytes bytes = net_.pool().slot(f).bytes();
  // parse_advert applies the wire checks of the receiving profile; the vhid picks the instance.
  CarpVhid* target = carps_[I.carp.front()].get();
  carp::Drop why = carp::Drop::none;
  const auto a = carp::parse_advert(bytes, target->inst.config().profile, &why);
  if (!a) return drop(HostDrop::carp_rejected, f);
  std::uint32_t idx = I.carp.front();
  for (std::uint32_t k : I.carp)
    if (carps_[k]->inst.config().vhid == a->fields.vhid) { idx = k; break; }
  CarpVhid& v = *carps_[idx];
  v.inst.set_mute(v.silenced(now));
  const carp::Drop d = v.inst.on_advert(now, *a, v.buf);
  if (d == carp::Drop::none) {
    ++counters_.delivered;
    net_.pool().free(f);
  } else {
    drop(HostDrop::carp_rejected, f);
  }
  carp_apply(idx, now);
}

// Carries out the instance's actions in order. Reporting a send result (on_send_result) can
// append more actions, so the buffer is drained until empty; a DemotionChanged is forwarded to
// the host's other vhids afterwards, from a work list (never by recursion: a sibling's answer may
// demote again and must not re-run actions already carried out).
void Host::carp_apply(std::uint32_t idx, Time now) {
  std::vector<std::pair<std::uint32_t, int>> demotions;  // (origin vhid, delta)
  carp_drain(idx, now, demotions);
  for (std::size_t n = 0; n < demotions.size(); ++n) {
    const auto [origin, delta] = demotions[n];
    for (std::size_t k = 0; k < carps_.size(); ++k) {
      if (k == origin) continue;
      carps_[k]->inst.apply_node_demotion(now, delta, carps_[k]->buf);
      carp_drain(static_cast<std::uint32_t>(k), now, demotions);
    }
  }
}

void Host::carp_drain(std::uint32_t idx, Time now, std::vector<std::pair<std::uint32_t, int>>& demotions) {
  CarpVhid& v = *carps_[idx];
  const IfaceId ifc = v.iface;
  carp::ActionBuffer work;
  while (!v.buf.empty()) {
    work.clear();
    std::swap(work, v.buf);
    for (const carp::Action& act : work) {
      if (const auto* ad = std::get_if<carp::SendAdvert>(&act)) {
        carp::FrameParams fp;
        fp.ip_id = ip_id_++;
        const auto bytes = carp::advert_frame(v.inst.config(), ad->fields, fp);
        const FrameRef f = net_.pool().alloc_copy(bytes);
        const Time at = std::max(ad->at, now);
        const bool ok = if_output(ifc, f, at);
        ok ? ++v.adverts_sent : ++v.adverts_failed;
        v.inst.on_send_result(at, ok, v.buf);
      } else if (const auto* g = std::get_if<carp::SendGratuitousArp>(&act)) {
        ++v.garps_sent;
        send_arp(ifc, 1, net::Mac::broadcast(), g->sender_hw, g->vip, g->target_hw, g->vip, std::max(g->at, now),
                 g->eth_src);
      } else if (const auto* na = std::get_if<carp::SendNeighborAdvert>(&act)) {
        ++v.nas_sent;
        std::vector<std::uint8_t> body(24, 0);  // target + one 8-byte option
        std::copy(na->target.bytes.begin(), na->target.bytes.end(), body.begin());
        body[16] = 2;  // option: target link-layer address, length 1 (8 bytes)
        body[17] = 1;
        std::copy(na->target_ll.bytes.begin(), na->target_ll.bytes.end(), body.begin() + 18);
        const auto all_nodes = net::Ipv6::parse("ff02::1");
        net::Ipv6Fields v6f;
        v6f.hop_limit = 255;
        const auto bytes = net::FrameBuilder()
                               .eth(net::Mac::from_u64(0x333300000001ULL), na->eth_src)
                               .ipv6(na->target, all_nodes, v6f)
                               .icmp(136, 0, 0x2000, 0)  // Override flag
                               .payload(body)
                               .build();
        if_output(ifc, net_.pool().alloc_copy(bytes), std::max(na->at, now));
      } else if (const auto* lg = std::get_if<carp::Log>(&act)) {
        ++v.log_lines;
        log_.push_back({lg->at, lg->text});
      } else if (const auto* dm = std::get_if<carp::DemotionChanged>(&act)) {
        demotions.emplace_back(idx, dm->delta);
      }
    }
  }
  if (const auto d = v.inst.next_deadline()) arm(v.slot, std::max(*d, now));
  else disarm(v.slot);
}

bool Host::vmac_master(IfaceId ifc, net::Mac dst, bool& is_vmac) const {
  for (std::uint32_t k : ifaces_[ifc].carp) {
    const CarpVhid& v = *carps_[k];
    if (dst == v.plan4.owned || dst == v.plan6.owned) {
      is_vmac = true;
      if (v.inst.is_master()) return true;
    }
  }
  return false;
}

bool Host::vip_master(IfaceId ifc, net::Ipv4 ip, net::Mac& vmac) const {
  for (std::uint32_t k : ifaces_[ifc].carp) {
    const CarpVhid& v = *carps_[k];
    if (!v.inst.is_master()) continue;
    for (const auto& a : v.inst.config().vips4)
      if (a == ip) {
        vmac = v.plan4.arp_sender;
        return true;
      }
  }
  return false;
}

// FreeBSD 9.3: the VIPs are addresses of carpN whatever its state, and the receive-interface
// check is off on CARP interfaces, so IP input accepts them; the L2 filter is what keeps a
// BACKUP from seeing vMAC traffic (carp.md §6).
bool Host::is_vip(net::Ipv4 a) const {
  for (const auto& v : carps_)
    for (const auto& x : v->inst.config().vips4)
      if (x == a) return true;
  return false;
}

std::string Host::carp_state(std::size_t i) const { return carp::to_string(vhid_at(i).inst.state()); }
CarpCounters Host::carp_counters(std::size_t i) const {
  const CarpVhid& v = vhid_at(i);
  return CarpCounters{v.inst.stats().state_changes, v.adverts_sent, v.adverts_failed, v.garps_sent, v.nas_sent,
                      v.log_lines};
}
net::Mac Host::carp_vmac(std::size_t i) const { return vhid_at(i).plan4.owned; }
Time Host::carp_next_deadline(std::size_t i) const {
  const auto d = vhid_at(i).inst.next_deadline();
  return d ? *d : Time{INT64_MAX};
}

void Host::send_spurious_advert(std::size_t i, Time now) {
  CarpVhid& v = vhid_at(i);
  v.inst.send_spurious_advert(now, v.buf);
  carp_apply(static_cast<std::uint32_t>(i), now);
}

void Host::carp_force_state(std::size_t i, const std::string& state, Time now) {
  CarpVhid& v = vhid_at(i);
  if (state == "backup") v.inst.force_state(now, carp::State::backup, v.buf);
  else if (state == "master") v.inst.force_state(now, carp::State::master, v.buf);
  else if (state == "down") v.inst.admin(now, false, v.buf);
  else if (state == "up") v.inst.admin(now, true, v.buf);
  else throw Error(fmt::format("unknown CARP state '{}': expected backup, master, down, up", state));
  carp_apply(static_cast<std::uint32_t>(i), now);
}

}  // namespace fwd::sim
