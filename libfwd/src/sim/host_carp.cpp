// fwd::sim::HostCarp: drives one carp::Instance per vhid and puts its actions on the wire
// (adverts with the vMAC as Ethernet source, GARPs with the physical source, NAs with the vMAC:
// spec carp.md §6), decides which destination MACs and VIPs the host owns in each state.
#include "fwd/sim/host_carp.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/sim/host.hpp"
#include "fwd/sim/network.hpp"

namespace fwd::sim {

using detail::FrameRef;

const HostCarp::Vhid& HostCarp::at(std::size_t i) const {
  if (i >= vhids_.size())
    throw Error(fmt::format("host '{}' has no CARP vhid index {} (it has {})", host_.cfg_.name, i, vhids_.size()));
  return vhids_[i];
}
HostCarp::Vhid& HostCarp::at(std::size_t i) {
  return const_cast<Vhid&>(static_cast<const HostCarp&>(*this).at(i));
}

std::size_t HostCarp::add(const std::string& iface, carp::Config c) {
  const IfaceId i = host_.iface_id(iface);
  c.carpdev_mac = host_.ifaces_[i].mac;
  c.carpdev = iface;
  c.counter_seed = host_.net_.rng().next();
  // CARP runs in the FreeBSD kernel (callouts in ticks of kern.hz); VRRP daemons run on Linux
  // with exact timers, and so does anything on an `os: linux` host.
  if (carp::is_carp(c.profile) && host_.cfg_.tick.ns > 0 && !host_.cfg_.is_linux()) {
    c.timing = carp::Timing::ticks;
    c.hz = static_cast<int>(1'000'000'000 / host_.cfg_.tick.ns);
  } else {
    c.timing = carp::Timing::exact;
  }
  // Advert source: the node's own address on the carpdev in a VIP's subnet (9.3 sc_ia).
  if (!c.src4) {
    for (const auto& a : host_.ifaces_[i].v4) {
      bool in_subnet = c.vips4.empty();
      for (const auto& v : c.vips4) in_subnet |= (v.value & a.mask) == (a.addr.value & a.mask);
      if (in_subnet) { c.src4 = a.addr; break; }
    }
    if (!c.src4 && !host_.ifaces_[i].v4.empty()) c.src4 = host_.ifaces_[i].v4.front().addr;
  }
  if (!c.src6 && !host_.ifaces_[i].v6.empty()) c.src6 = host_.ifaces_[i].v6.front().addr;
  if (!c.vips4.empty() && !c.src4)
    throw Error(fmt::format("host '{}': CARP vhid {} on '{}' needs an IPv4 address on the interface first", host_.cfg_.name,
                            c.vhid, iface));
  if (!c.vips6.empty() && !c.src6)
    throw Error(fmt::format("host '{}': CARP vhid {} on '{}' needs an IPv6 address on the interface first", host_.cfg_.name,
                            c.vhid, iface));
  for (std::size_t k : host_.ifaces_[i].carp)
    if (vhids_[k].inst.config().vhid == c.vhid)
      throw Error(fmt::format("host '{}': vhid {} is already configured on '{}'", host_.cfg_.name, c.vhid, iface));
  const auto slot = host_.new_slot(Host::TimerOwner::carp, static_cast<std::uint32_t>(vhids_.size()));
  Vhid& v = vhids_.emplace_back(std::move(c));
  v.iface = i;
  v.plan4 = carp::mac_plan(v.inst.config(), carp::Family::ipv4);
  v.plan6 = carp::mac_plan(v.inst.config(), carp::Family::ipv6);
  v.slot = slot;
  host_.ifaces_[i].carp.push_back(static_cast<std::uint32_t>(vhids_.size() - 1));
  if (host_.started_) {
    Vhid& x = vhids_.back();
    x.link_up = host_.iface_usable(i);
    if (!x.link_up) x.inst.on_link(host_.net_.now(), false, x.buf);  // before start: read by start()
    x.inst.start(host_.net_.now(), x.buf);
    apply(static_cast<std::uint32_t>(vhids_.size() - 1), host_.net_.now());
  }
  return vhids_.size() - 1;
}

void HostCarp::start(Time now) {
  for (std::size_t k = 0; k < vhids_.size(); ++k) {
    Vhid& v = vhids_[k];
    v.inst.set_mute(v.silenced(now));
    v.link_up = host_.iface_usable(v.iface);
    if (!v.link_up) v.inst.on_link(now, false, v.buf);  // before start: read by start()
    v.inst.start(now, v.buf);
    apply(static_cast<std::uint32_t>(k), now);
  }
}

void HostCarp::silence(std::size_t idx, Time from, Time until) {
  at(idx).silence.push_back({from, until});
}

void HostCarp::freeze(std::size_t idx, bool frozen, Time now) {
  Vhid& v = at(idx);
  if (frozen) v.inst.freeze(now);
  else v.inst.resume(now, v.buf);
  apply(static_cast<std::uint32_t>(idx), now);
}

void HostCarp::links(Time now) {
  if (!host_.started_) return;  // start() reads the links
  for (std::size_t k = 0; k < vhids_.size(); ++k) {
    Vhid& v = vhids_[k];
    const bool up = host_.iface_usable(v.iface);
    if (up == v.link_up) continue;
    v.link_up = up;
    v.inst.set_mute(v.silenced(now));
    v.inst.on_link(now, up, v.buf);
    apply(static_cast<std::uint32_t>(k), now);
  }
}

void HostCarp::timer(std::uint32_t idx, Time now) {
  Vhid& v = vhids_[idx];
  v.inst.set_mute(v.silenced(now));
  v.inst.on_timer(now, v.buf);
  apply(idx, now);
}

void HostCarp::input(IfaceId ifc, FrameRef f, Time now) {
  const HostIface& I = host_.ifaces_[ifc];
  if (I.carp.empty()) return host_.drop(HostDrop::carp_rejected, f);
  const net::Bytes bytes = host_.net_.pool().slot(f).bytes();
  // parse_advert applies the wire checks of the receiving profile; the vhid picks the instance.
  Vhid* target = &vhids_[I.carp.front()];
  carp::Drop why = carp::Drop::none;
  const auto a = carp::parse_advert(bytes, target->inst.config().profile, &why);
  if (!a) return host_.drop(HostDrop::carp_rejected, f);
  std::uint32_t idx = I.carp.front();
  for (std::uint32_t k : I.carp)
    if (vhids_[k].inst.config().vhid == a->fields.vhid) { idx = k; break; }
  Vhid& v = vhids_[idx];
  v.inst.set_mute(v.silenced(now));
  const carp::Drop d = v.inst.on_advert(now, *a, v.buf);
  if (d == carp::Drop::none) {
    ++host_.counters_.delivered;
    host_.net_.pool().free(f);
  } else {
    host_.drop(HostDrop::carp_rejected, f);
  }
  apply(idx, now);
}

// Carries out the instance's actions in order. Reporting a send result (on_send_result) can
// append more actions, so the buffer is drained until empty; a DemotionChanged is forwarded to
// the host's other vhids afterwards, from a work list (never by recursion: a sibling's answer may
// demote again and must not re-run actions already carried out).
void HostCarp::apply(std::uint32_t idx, Time now) {
  std::vector<std::pair<std::uint32_t, int>> demotions;  // (origin vhid, delta)
  drain(idx, now, demotions);
  for (std::size_t n = 0; n < demotions.size(); ++n) {
    const auto [origin, delta] = demotions[n];
    for (std::size_t k = 0; k < vhids_.size(); ++k) {
      if (k == origin) continue;
      vhids_[k].inst.apply_node_demotion(now, delta, vhids_[k].buf);
      drain(static_cast<std::uint32_t>(k), now, demotions);
    }
  }
}

void HostCarp::drain(std::uint32_t idx, Time now, std::vector<std::pair<std::uint32_t, int>>& demotions) {
  Vhid& v = vhids_[idx];
  const IfaceId ifc = v.iface;
  carp::ActionBuffer work;
  while (!v.buf.empty()) {
    work.clear();
    std::swap(work, v.buf);
    for (const carp::Action& act : work) {
      if (const auto* ad = std::get_if<carp::SendAdvert>(&act)) {
        carp::FrameParams fp;
        fp.ip_id = host_.next_ip_id();
        const auto bytes = carp::advert_frame(v.inst.config(), ad->fields, fp);
        const FrameRef f = host_.net_.pool().alloc_copy(bytes);
        const Time at = std::max(ad->at, now);
        const bool ok = host_.if_output(ifc, f, at);
        ok ? ++v.adverts_sent : ++v.adverts_failed;
        v.inst.on_send_result(at, ok, v.buf);
      } else if (const auto* g = std::get_if<carp::SendGratuitousArp>(&act)) {
        ++v.garps_sent;
        host_.send_arp(ifc, 1, net::Mac::broadcast(), g->sender_hw, g->vip, g->target_hw, g->vip, std::max(g->at, now),
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
        host_.if_output(ifc, host_.net_.pool().alloc_copy(bytes), std::max(na->at, now));
      } else if (const auto* lg = std::get_if<carp::Log>(&act)) {
        ++v.log_lines;
        host_.log_.push_back({lg->at, lg->text});
      } else if (const auto* dm = std::get_if<carp::DemotionChanged>(&act)) {
        demotions.emplace_back(idx, dm->delta);
      }
    }
  }
  if (const auto d = v.inst.next_deadline()) host_.arm(v.slot, std::max(*d, now));
  else host_.disarm(v.slot);
}

bool HostCarp::vmac_master(IfaceId ifc, net::Mac dst, bool& is_vmac) const {
  for (std::uint32_t k : host_.ifaces_[ifc].carp) {
    const Vhid& v = vhids_[k];
    if (dst == v.plan4.owned || dst == v.plan6.owned) {
      is_vmac = true;
      if (v.inst.is_master()) return true;
    }
  }
  return false;
}

bool HostCarp::vip_master(IfaceId ifc, net::Ipv4 ip, net::Mac& vmac) const {
  for (std::uint32_t k : host_.ifaces_[ifc].carp) {
    const Vhid& v = vhids_[k];
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
bool HostCarp::is_vip(net::Ipv4 a) const {
  for (const auto& v : vhids_)
    for (const auto& x : v.inst.config().vips4)
      if (x == a) return true;
  return false;
}

std::string HostCarp::state(std::size_t i) const { return carp::to_string(at(i).inst.state()); }
CarpCounters HostCarp::counters(std::size_t i) const {
  const Vhid& v = at(i);
  return CarpCounters{v.inst.stats().state_changes, v.adverts_sent, v.adverts_failed, v.garps_sent, v.nas_sent,
                      v.log_lines};
}
net::Mac HostCarp::vmac(std::size_t i) const { return at(i).plan4.owned; }
const carp::Config& HostCarp::config(std::size_t i) const { return at(i).inst.config(); }
Time HostCarp::next_deadline(std::size_t i) const {
  const auto d = at(i).inst.next_deadline();
  return d ? *d : Time{INT64_MAX};
}

void HostCarp::send_spurious_advert(std::size_t i, Time now) {
  Vhid& v = at(i);
  v.inst.send_spurious_advert(now, v.buf);
  apply(static_cast<std::uint32_t>(i), now);
}

void HostCarp::force_state(std::size_t i, const std::string& state, Time now) {
  Vhid& v = at(i);
  if (state == "backup") v.inst.force_state(now, carp::State::backup, v.buf);
  else if (state == "master") v.inst.force_state(now, carp::State::master, v.buf);
  else if (state == "down") v.inst.admin(now, false, v.buf);
  else if (state == "up") v.inst.admin(now, true, v.buf);
  else throw Error(fmt::format("unknown CARP state '{}': expected backup, master, down, up", state));
  apply(static_cast<std::uint32_t>(i), now);
}

}  // namespace fwd::sim
