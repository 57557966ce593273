// fwd::sim::Host data path: receive (NIC, lagg, vlan, the L2 filter), ARP (if_ether.c), IPv4,
// ICMP echo, IPv6 (CARP adverts, NAs), forwarding, transmit (ether_output -> vlan_start ->
// lagg_transmit -> NIC). Comments cite the FreeBSD 9.3 functions each step follows.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/sim/host.hpp"
#include "fwd/sim/network.hpp"
#include "host_wire.hpp"

namespace fwd::sim {

using detail::csum;
using detail::FrameRef;
using detail::FrameSlot;
using detail::ip_checksum;
using detail::put16;
using detail::put32;
using detail::put_mac;
using net::be16;
using net::be32;

// ---- receive -----------------------------------------------------------------------------------

void Host::drop(HostDrop why, FrameRef f) {
  ++counters_.dropped;
  ++counters_.dropped_by[static_cast<std::size_t>(why)];
  net_.pool().free(f);
}

void Host::drop_tx(HostDrop why, FrameRef f) {
  ++counters_.tx_dropped;
  ++counters_.dropped_by[static_cast<std::size_t>(why)];
  net_.pool().free(f);
}

void Host::receive(IfaceId nic, FrameRef f, Time now) {
  ++counters_.rx;
  FrameSlot& s = net_.pool().slot(f);
  HostIface& N = ifaces_[nic];
  ++N.counters.ipackets;
  N.counters.ibytes += s.len;
  capture_if(nic, false, s.bytes(), now);
  if (!N.up) return drop(HostDrop::iface_down, f);
  if (s.len < 14) return drop(HostDrop::runt, f);
  IfaceId cur = nic;
  if (N.parent != no_iface) {
    // lagg_input -> lagg_lacp_input (if_lagg.c / ieee8023ad_lacp.c): BPF on lagg0 first, then
    // every frame from a member that is not COLLECTING is discarded silently.
    HostIface& L = ifaces_[N.parent];
    capture_if(N.parent, false, s.bytes(), now);
    const lag::MemberState& st = L.lag->state(N.member);
    if (!L.up || !st.is_up() || !st.attached || !st.collecting) return drop(HostDrop::lagg_not_collecting, f);
    ++L.counters.ipackets;
    L.counters.ibytes += s.len;
    cur = N.parent;
  }
  if (be16(s.data() + 12) == net::ethertype::vlan) {
    // vlan_input: the tag selects the vlan(4) child; the tag is removed.
    if (s.len < 18) return drop(HostDrop::runt, f);
    const std::uint16_t vid = be16(s.data() + 14) & 0x0fff;
    IfaceId child = no_iface;
    for (const auto& [v, c] : ifaces_[cur].vlans)
      if (v == vid) { child = c; break; }
    if (child == no_iface) return drop(HostDrop::no_vlan, f);
    s.pop_tag();
    cur = child;
    HostIface& V = ifaces_[cur];
    ++V.counters.ipackets;
    V.counters.ibytes += s.len;
    capture_if(cur, false, s.bytes(), now);
    if (!V.up) return drop(HostDrop::iface_down, f);
  }
  rx_l2(cur, f, now);
}

// The software L2 filter of ether_input/ether_demux (the carpdev is promiscuous, so the NIC
// filter passes everything): own MAC, broadcast, joined groups; the vMAC only while MASTER.
void Host::rx_l2(IfaceId ifc, FrameRef f, Time now) {
  FrameSlot& s = net_.pool().slot(f);
  const std::uint8_t* p = s.data();
  const net::Mac dst = net::Mac::from_bytes(p);
  const HostIface& I = ifaces_[ifc];
  if (dst != I.mac && !dst.is_broadcast()) {
    if (dst.is_multicast()) {
      const std::uint64_t m = dst.to_u64();
      const bool joined = m == 0x01005e000001ULL || m == 0x333300000001ULL ||
                          (!I.carp.empty() && (m == 0x01005e000012ULL || m == 0x333300000012ULL));
      if (!joined) return drop(HostDrop::multicast_not_joined, f);
    } else {
      bool is_vmac = false;
      if (!carp_.vmac_master(ifc, dst, is_vmac)) {
        note_stray(s.bytes(), 14, is_vmac);
        return drop(is_vmac ? HostDrop::backup_vmac : HostDrop::not_for_us_mac, f);
      }
    }
  }
  const std::uint16_t type = be16(p + 12);
  if (type == net::ethertype::ipv4) return ip_input(ifc, f, now);
  if (type == net::ethertype::arp) return arp_input(ifc, f, now);
  if (type == net::ethertype::ipv6) return ip6_input(ifc, f, now);
  drop(HostDrop::unknown_ethertype, f);
}

void Host::note_stray(net::Bytes frame, std::size_t l3, bool vmac) {
  ++strays_[net::Mac::from_bytes(frame.data())];
  if (!vmac || frame.size() < l3 + 28 || be16(frame.data() + 12) != net::ethertype::ipv4) return;
  const std::uint8_t* ip = frame.data() + l3;
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  if (ip[9] != net::ipproto::icmp || frame.size() < l3 + ihl + 8) return;
  const std::uint8_t* icmp = ip + ihl;
  if (icmp[0] != 8) return;
  stray_echo_.push_back(static_cast<std::uint32_t>(be16(icmp + 4)) << 16 | be16(icmp + 6));
}

// ---- ARP (if_ether.c arpintr / in_arpinput / arpresolve) -------------------------------------

Host::ArpEntry* Host::arp_find(net::Ipv4 ip, Time now) {
  for (std::size_t i = 0; i < arp_.size(); ++i) {
    ArpEntry& e = arp_[i];
    if (e.ip != ip) continue;
    const bool stale = e.resolved ? e.expires <= now
                                  : (e.asked >= cfg_.arp_maxtries && e.last_ask + cfg_.arp_down <= now);
    if (stale) {
      if (e.hold != detail::no_frame) drop_tx(HostDrop::arp_unresolved, e.hold);
      arp_.erase(arp_.begin() + static_cast<std::ptrdiff_t>(i));
      return nullptr;
    }
    return &e;
  }
  return nullptr;
}

void Host::send_arp(IfaceId ifc, std::uint16_t op, net::Mac eth_dst, net::Mac sha, net::Ipv4 spa, net::Mac tha,
                    net::Ipv4 tpa, Time at, std::optional<net::Mac> eth_src) {
  const FrameRef f = net_.pool().alloc();
  FrameSlot& s = net_.pool().slot(f);
  std::uint8_t* p = s.data();
  std::memset(p, 0, 60);
  put_mac(p, eth_dst);
  put_mac(p + 6, eth_src ? *eth_src : ifaces_[ifc].mac);  // the interface MAC, even for a VIP (carp.md §6)
  put16(p + 12, net::ethertype::arp);
  put16(p + 14, 1);
  put16(p + 16, net::ethertype::ipv4);
  p[18] = 6;
  p[19] = 4;
  put16(p + 20, op);
  put_mac(p + 22, sha);
  put32(p + 28, spa.value);
  put_mac(p + 32, tha);
  put32(p + 38, tpa.value);
  s.len = 60;
  if_output(ifc, f, at);
}

void Host::arp_input(IfaceId ifc, FrameRef f, Time now) {
  FrameSlot& s = net_.pool().slot(f);
  const std::uint8_t* p = s.data();
  if (s.len < 42 || be16(p + 14) != 1 || be16(p + 16) != net::ethertype::ipv4 || p[18] != 6 || p[19] != 4)
    return drop(HostDrop::arp_bad, f);
  const std::uint16_t op = be16(p + 20);
  const net::Mac sha = net::Mac::from_bytes(p + 22);
  const net::Ipv4 spa{be32(p + 28)};
  const net::Ipv4 tpa{be32(p + 38)};
  const HostIface& I = ifaces_[ifc];
  // Is the target one of ours on this interface? A VIP only while MASTER (carp_iamatch).
  bool mine = false;
  net::Mac reply_sha = I.mac;
  for (const auto& a : I.v4)
    if (a.addr == tpa) mine = true;
  net::Mac vmac{};
  if (!mine && carp_.vip_master(ifc, tpa, vmac)) {
    mine = true;
    reply_sha = vmac;
  }
  // Learning: an existing entry is updated by any ARP from that address (gratuitous ARP
  // included); a new one is created only when the packet was for us.
  ArpEntry* e = arp_find(spa, now);
  if (e || (mine && spa.value != 0)) {
    if (!e) {
      arp_.push_back({});
      e = &arp_.back();
      e->ip = spa;
    }
    e->mac = sha;
    e->iface = ifc;
    e->resolved = true;
    e->asked = 0;
    e->expires = now + cfg_.arp_max_age;
    if (e->hold != detail::no_frame) {
      const FrameRef h = e->hold;
      e->hold = detail::no_frame;
      put_mac(net_.pool().slot(h).data(), sha);
      if_output(ifc, h, now + cfg_.stack_delay);
    }
  }
  ++counters_.delivered;
  if (op == 1 && mine && spa != tpa)
    send_arp(ifc, 2, sha, reply_sha, tpa, sha, spa, now + cfg_.stack_delay);
  net_.pool().free(f);
}

bool Host::resolve_and_send(IfaceId out, net::Ipv4 nh, FrameRef f, Time at) {
  ArpEntry* e = arp_find(nh, at);
  if (e && e->resolved) {
    put_mac(net_.pool().slot(f).data(), e->mac);
    return if_output(out, f, at);
  }
  if (!e) {
    arp_.push_back({});
    e = &arp_.back();
    e->ip = nh;
    e->iface = out;
  }
  // One packet is held per unresolved entry (net.link.ether.inet.maxhold = 1): the newest.
  if (e->hold != detail::no_frame) drop_tx(HostDrop::arp_unresolved, e->hold);
  e->hold = detail::no_frame;
  if (e->asked >= cfg_.arp_maxtries) {
    drop_tx(HostDrop::arp_unresolved, f);
    return false;  // EHOSTDOWN until arp_down passes
  }
  e->hold = f;
  // At most one request per second per entry (arpresolve's la_preempt / arp_maxtries logic).
  if (e->asked == 0 || at - e->last_ask >= Time::from_s(1)) {
    ++e->asked;
    e->last_ask = at;
    send_arp(out, 1, net::Mac::broadcast(), ifaces_[out].mac, source_for(out, nh), net::Mac{}, nh, at);
  }
  return true;
}

// ---- IPv4 ---------------------------------------------------------------------------------------

const Host::Route* Host::lookup(net::Ipv4 dst) const {
  for (const auto& r : routes_)
    if ((dst.value & r.mask) == r.net) return &r;
  return nullptr;
}

bool Host::is_local(net::Ipv4 a) const {
  for (const auto& f : ifaces_)
    for (const auto& x : f.v4)
      if (x.addr == a) return true;
  return carp_.is_vip(a);
}

IfaceId Host::iface_for_local(net::Ipv4 a) const {
  for (std::size_t i = 0; i < ifaces_.size(); ++i)
    for (const auto& x : ifaces_[i].v4)
      if (x.addr == a) return static_cast<IfaceId>(i);
  return no_iface;
}

net::Ipv4 Host::source_for(IfaceId ifc, net::Ipv4 dst) const {
  const HostIface& I = ifaces_[ifc];
  for (const auto& a : I.v4)
    if ((a.addr.value & a.mask) == (dst.value & a.mask)) return a.addr;
  return I.v4.empty() ? net::Ipv4{} : I.v4.front().addr;
}

void Host::ip_input(IfaceId ifc, FrameRef f, Time now) {
  FrameSlot& s = net_.pool().slot(f);
  std::uint8_t* ip = s.data() + 14;
  if (s.len < 34 || (ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5) return drop(HostDrop::ip_bad, f);
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  const std::size_t tot = be16(ip + 2);
  if (tot < ihl || 14 + tot > s.len) return drop(HostDrop::ip_bad, f);
  const net::Ipv4 dst{be32(ip + 16)};
  const std::uint8_t proto = ip[9];
  if (proto == net::ipproto::carp && dst.value == 0xe0000012u) return carp_.input(ifc, f, now);
  bool local = is_local(dst) || dst.value == 0xffffffffu;
  if (!local)
    for (const auto& a : ifaces_[ifc].v4)
      if (dst.value == (a.addr.value | ~a.mask)) local = true;
  if (!local) {
    if (cfg_.forwarding) return ip_forward(ifc, f, now);
    return drop(HostDrop::ip_not_for_us, f);
  }
  if (proto == net::ipproto::icmp) return icmp_input(ifc, f, 14, now);
  if (proto == net::ipproto::tcp) return apps_.tcp_input(f, 14, now);
  drop(HostDrop::icmp_ignored, f);
}

void Host::icmp_input(IfaceId ifc, FrameRef f, std::size_t l3, Time now) {
  FrameSlot& s = net_.pool().slot(f);
  std::uint8_t* ip = s.data() + l3;
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  const std::size_t tot = be16(ip + 2);
  if (tot < ihl + 8) return drop(HostDrop::ip_bad, f);
  std::uint8_t* icmp = ip + ihl;
  const std::uint8_t type = icmp[0];
  if (type == 0) {
    ++counters_.delivered;
    apps_.ping_reply(be16(icmp + 4), be16(icmp + 6), now);
    net_.pool().free(f);
    return;
  }
  if (type != 8) return drop(HostDrop::icmp_ignored, f);
  const net::Ipv4 dst{be32(ip + 16)};
  if (!cfg_.answer_icmp_to_vip && carp_.is_vip(dst)) return drop(HostDrop::pf_blocked, f);
  ++counters_.delivered;
  // icmp_reflect: swap the addresses (the reply's source is the address the request was sent
  // to, the VIP included), type 0, new checksums, then ip_output with a fresh route lookup.
  std::uint8_t tmp[4];
  std::memcpy(tmp, ip + 12, 4);
  std::memcpy(ip + 12, ip + 16, 4);
  std::memcpy(ip + 16, tmp, 4);
  ip[8] = 64;
  put16(ip + 4, ip_id_++);
  ip_checksum(ip);
  icmp[0] = 0;
  icmp[2] = icmp[3] = 0;
  put16(icmp + 2, csum(icmp, tot - ihl));
  (void)ifc;
  ip_output(f, now + cfg_.stack_delay);
}

bool Host::ip_output(FrameRef f, Time at, bool forwarded) {
  FrameSlot& s = net_.pool().slot(f);
  std::uint8_t* p = s.data();
  const net::Ipv4 dst{be32(p + 14 + 16)};
  const Route* r = lookup(dst);
  if (!r) {
    drop_tx(HostDrop::no_route, f);
    return false;
  }
  IfaceId out = r->iface;
  net::Ipv4 gw = r->gw;
  if (r->multipath >= 0) {
    // The route layer picks the path from the packet (the IP header on), as fwd::path does.
    auto& mp = multipaths_[static_cast<std::size_t>(r->multipath)];
    route::Meta meta;
    meta.lookup = forwarded ? route::Lookup::forward : route::Lookup::local;
    meta.now = at;
    const std::int32_t k = mp.ecmp.select(net::Bytes(p + 14, s.len - 14), meta);
    if (k < 0) {
      drop_tx(HostDrop::no_route, f);
      return false;
    }
    out = mp.hops[static_cast<std::size_t>(k)].second;
    gw = mp.hops[static_cast<std::size_t>(k)].first;
  }
  put_mac(p + 6, ifaces_[out].mac);
  put16(p + 12, net::ethertype::ipv4);
  const net::Ipv4 nh = gw.value ? gw : dst;
  return resolve_and_send(out, nh, f, at);
}

void Host::ip_forward(IfaceId ifc, FrameRef f, Time now) {
  (void)ifc;
  FrameSlot& s = net_.pool().slot(f);
  std::uint8_t* ip = s.data() + 14;
  if (ip[8] <= 1) return drop(HostDrop::ttl_exceeded, f);
  const net::Ipv4 dst{be32(ip + 16)};
  if (!lookup(dst)) return drop(HostDrop::no_route, f);
  --ip[8];
  ip_checksum(ip);
  ++counters_.delivered;
  ++counters_.forwarded;
  ip_output(f, now + cfg_.stack_delay, true);
}

void Host::ip6_input(IfaceId ifc, FrameRef f, Time now) {
  FrameSlot& s = net_.pool().slot(f);
  const std::uint8_t* ip6 = s.data() + 14;
  if (s.len < 54 || (ip6[0] >> 4) != 6) return drop(HostDrop::ipv6_ignored, f);
  if (ip6[6] == net::ipproto::carp && ip6[24] == 0xff && ip6[25] == 0x02 && ip6[39] == 0x12)
    return carp_.input(ifc, f, now);
  if (ip6[6] == net::ipproto::icmpv6 && s.len >= 55 && ip6[40] == 136) {
    // Neighbour advertisement (e.g. the takeover NA): noted, no IPv6 neighbour cache is kept.
    ++counters_.delivered;
    net_.pool().free(f);
    return;
  }
  drop(HostDrop::ipv6_ignored, f);
}

// ---- transmit (ether_output -> vlan_start -> lagg_transmit -> NIC) ------------------------------

bool Host::if_output(IfaceId ifc, FrameRef f, Time at, std::optional<std::uint16_t> tci) {
  HostIface& I = ifaces_[ifc];
  FrameSlot& s = net_.pool().slot(f);
  if (!I.up) {
    ++I.counters.oerrors;
    drop_tx(HostDrop::tx_link_down, f);
    return false;
  }
  switch (I.kind) {
    case IfKind::vlan:
      capture_if(ifc, true, s.bytes(), at);
      ++I.counters.opackets;
      I.counters.obytes += s.len;
      // VLAN_HWTAGGING: the tag travels out of band (M_VLANTAG) to the NIC.
      return if_output(I.parent, f, at, I.vid);
    case IfKind::lagg: {
      if (at >= I.blackout_from && at < I.blackout_until) {
        ++I.counters.oerrors;
        drop_tx(HostDrop::tx_lagg_transit, f);
        return false;
      }
      net::PacketMeta meta;
      meta.vlan_tci = tci;
      const lag::Selection sel = I.lag->select_at(s.bytes(), meta, at);
      if (!sel.is_member()) {
        ++I.counters.oerrors;
        drop_tx(sel.outcome == lag::Outcome::transit ? HostDrop::tx_lagg_transit : HostDrop::tx_lagg_no_member, f);
        return false;
      }
      ++I.counters.opackets;
      I.counters.obytes += s.len;
      const IfaceId nic = I.members[sel.member];
      if (tci) s.push_tag(*tci);
      capture_if(ifc, true, s.bytes(), at);
      return nic_output(nic, f, at);
    }
    case IfKind::nic:
      if (tci) s.push_tag(*tci);
      return nic_output(ifc, f, at);
  }
  return false;
}

bool Host::nic_output(IfaceId nic, FrameRef f, Time at) {
  HostIface& N = ifaces_[nic];
  FrameSlot& s = net_.pool().slot(f);
  if (!N.up || !N.carrier || N.link == 0xffffffffu) {
    ++N.counters.oerrors;
    drop_tx(HostDrop::tx_link_down, f);
    return false;
  }
  capture_if(nic, true, s.bytes(), at);
  ++N.counters.opackets;
  N.counters.obytes += s.len;
  ++counters_.tx;
  net_.host_transmit(id_, nic, f, at);
  return true;
}

void Host::send_raw(IfaceId iface, net::Bytes frame, Time at) {
  const FrameRef f = net_.pool().alloc_copy(frame);
  if_output(iface, f, at);
}

}  // namespace fwd::sim
