// fwd::sim::Host: interfaces, lagg, vlan, ARP, IPv4, ICMP, TCP and the ping generator.
// CARP lives in sim_host_carp.cpp. Comments cite the FreeBSD 9.3 functions each step follows.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/sim/detail/host_state.hpp"
#include "fwd/sim/network.hpp"

namespace fwd::sim {

using detail::FrameRef;
using detail::FrameSlot;
using net::be16;
using net::be32;

const char* to_string(HostDrop d) {
  switch (d) {
    case HostDrop::iface_down: return "interface down";
    case HostDrop::lagg_not_collecting: return "lagg: member not collecting";
    case HostDrop::no_vlan: return "no vlan interface for the tag";
    case HostDrop::not_for_us_mac: return "not for us (dst MAC)";
    case HostDrop::backup_vmac: return "BACKUP: not for us (vMAC)";
    case HostDrop::multicast_not_joined: return "multicast group not joined";
    case HostDrop::runt: return "runt frame";
    case HostDrop::unknown_ethertype: return "unknown ethertype";
    case HostDrop::arp_bad: return "ARP: malformed";
    case HostDrop::arp_ignored: return "ARP: not for us";
    case HostDrop::ip_bad: return "IPv4: malformed header";
    case HostDrop::ip_not_for_us: return "IPv4: not for us, forwarding off";
    case HostDrop::no_route: return "IPv4: no route";
    case HostDrop::ttl_exceeded: return "IPv4: TTL exceeded";
    case HostDrop::arp_unresolved: return "ARP: next hop unresolved";
    case HostDrop::icmp_ignored: return "ICMP: type or protocol not handled";
    case HostDrop::tcp_no_socket: return "TCP: no socket";
    case HostDrop::ipv6_ignored: return "IPv6: not handled";
    case HostDrop::carp_rejected: return "CARP: advert rejected";
    case HostDrop::tx_lagg_transit: return "lagg: transmit suppressed (ENETDOWN)";
    case HostDrop::tx_lagg_no_member: return "lagg: no distributing member";
    case HostDrop::tx_link_down: return "transmit: interface or link down";
    case HostDrop::pf_blocked: return "pf: blocked";
    case HostDrop::count_: break;
  }
  return "?";
}

namespace {

inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}
inline void put_mac(std::uint8_t* p, net::Mac m) { std::memcpy(p, m.bytes.data(), 6); }

// RFC 1071 over a short even-length span (IP header, ICMP echo): the per-packet path.
inline std::uint16_t csum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t s = 0;
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) s += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (i < n) s += static_cast<std::uint32_t>(p[i]) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}
inline void ip_checksum(std::uint8_t* ip) {
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  ip[10] = ip[11] = 0;
  put16(ip + 10, csum(ip, ihl));
}

std::uint32_t mask_of(unsigned prefix) { return prefix == 0 ? 0u : ~0u << (32 - prefix); }

struct Cidr4 {
  net::Ipv4 addr;
  unsigned prefix;
};
bool parse_cidr(const std::string& text, Cidr4& v4, net::Ipv6& v6, unsigned& prefix, bool& is_v6) {
  const auto slash = text.find('/');
  const std::string a = text.substr(0, slash);
  is_v6 = a.find(':') != std::string::npos;
  unsigned maxp = is_v6 ? 128 : 32;
  prefix = maxp;
  if (slash != std::string::npos) {
    const std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
      throw Error(fmt::format("bad prefix length '{}' in \"{}\": expected 0..{}", p, text, maxp));
    prefix = static_cast<unsigned>(std::stoul(p));
    if (prefix > maxp) throw Error(fmt::format("prefix length {} in \"{}\" is larger than {}", prefix, text, maxp));
  }
  if (is_v6) v6 = net::Ipv6::parse(a);
  else v4 = {net::Ipv4::parse(a), prefix};
  return true;
}

}  // namespace

Host::Host(Network& net, std::uint32_t id, HostConfig cfg)
    : net_(net), id_(id), cfg_(std::move(cfg)), tcp_(std::make_unique<detail::HostTcp>()) {
  if (cfg_.os != "freebsd-9.3" && cfg_.os != "freebsd-10" && cfg_.os != "linux")
    throw Error(fmt::format("unknown host os '{}' for host '{}': expected freebsd-9.3, freebsd-10, linux", cfg_.os,
                            cfg_.name));
  if (cfg_.tick.ns < 0) throw Error(fmt::format("host '{}': tick must be >= 0", cfg_.name));
}
Host::~Host() = default;

Time Host::now() const { return net_.now(); }

// ---- configuration ---------------------------------------------------------------------------

IfaceId Host::iface_id(std::string_view name) const {
  for (std::size_t i = 0; i < ifaces_.size(); ++i)
    if (ifaces_[i].name == name) return static_cast<IfaceId>(i);
  std::string known;
  for (const auto& f : ifaces_) known += (known.empty() ? "" : ", ") + f.name;
  throw Error(fmt::format("host '{}' has no interface '{}' (interfaces: {})", cfg_.name, name,
                          known.empty() ? "none" : known));
}

IfaceId Host::add_nic(const std::string& name, net::Mac mac) {
  if (name.empty()) throw Error(fmt::format("host '{}': empty interface name", cfg_.name));
  for (const auto& f : ifaces_)
    if (f.name == name) throw Error(fmt::format("host '{}' already has an interface '{}'", cfg_.name, name));
  Iface f;
  f.name = name;
  f.kind = IfKind::nic;
  f.mac = mac;
  ifaces_.push_back(std::move(f));
  return static_cast<IfaceId>(ifaces_.size() - 1);
}

IfaceId Host::add_lagg(const std::string& name, const std::string& lag_spec, const std::vector<std::string>& members,
                       std::optional<net::Mac> mac) {
  if (members.empty()) throw Error(fmt::format("host '{}': lagg '{}' needs at least one member", cfg_.name, name));
  std::vector<IfaceId> ids;
  for (const auto& m : members) {
    const IfaceId i = iface_id(m);
    if (ifaces_[i].kind != IfKind::nic)
      throw Error(fmt::format("host '{}': lagg member '{}' is not a NIC", cfg_.name, m));
    if (ifaces_[i].parent != no_iface)
      throw Error(fmt::format("host '{}': '{}' is already a member of '{}'", cfg_.name, m,
                              ifaces_[ifaces_[i].parent].name));
    ids.push_back(i);
  }
  auto lag = std::make_unique<lag::Lag>(lag::Lag::from_spec(lag_spec, members));
  const IfaceId self = add_nic(name, mac ? *mac : ifaces_[ids.front()].mac);
  Iface& L = ifaces_[self];
  L.kind = IfKind::lagg;
  L.lag = std::move(lag);
  L.members = ids;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    ifaces_[ids[k]].parent = self;
    ifaces_[ids[k]].member = static_cast<lag::MemberIndex>(k);
  }
  return self;
}

IfaceId Host::add_vlan(const std::string& name, const std::string& parent, std::uint16_t vid) {
  if (vid == 0 || vid > 4094) throw Error(fmt::format("host '{}': vlan '{}' tag {} out of range 1..4094", cfg_.name, name, vid));
  const IfaceId p = iface_id(parent);
  if (ifaces_[p].kind == IfKind::vlan) throw Error(fmt::format("host '{}': vlan '{}' on a vlan ('{}') is not supported", cfg_.name, name, parent));
  if (ifaces_[p].kind == IfKind::nic && ifaces_[p].parent != no_iface)
    throw Error(fmt::format("host '{}': '{}' is a lagg member; put the vlan on '{}'", cfg_.name, parent,
                            ifaces_[ifaces_[p].parent].name));
  for (const auto& [v, c] : ifaces_[p].vlans)
    if (v == vid) throw Error(fmt::format("host '{}': '{}' already has vlan {} ('{}')", cfg_.name, parent, vid, ifaces_[c].name));
  const net::Mac mac = ifaces_[p].mac;
  const IfaceId self = add_nic(name, mac);
  ifaces_[self].kind = IfKind::vlan;
  ifaces_[self].parent = p;
  ifaces_[self].vid = vid;
  ifaces_[p].vlans.emplace_back(vid, self);
  return self;
}

void Host::add_address(const std::string& iface, const std::string& cidr) {
  const IfaceId i = iface_id(iface);
  Cidr4 v4{};
  net::Ipv6 v6{};
  unsigned prefix = 0;
  bool is_v6 = false;
  parse_cidr(cidr, v4, v6, prefix, is_v6);
  if (is_v6) {
    ifaces_[i].v6.push_back({v6, static_cast<std::uint8_t>(prefix)});
    return;
  }
  const std::uint32_t m = mask_of(prefix);
  ifaces_[i].v4.push_back({v4.addr, static_cast<std::uint8_t>(prefix), m});
  // Connected route (FreeBSD in_addprefix), kept sorted longest prefix first.
  routes_.push_back({v4.addr.value & m, m, static_cast<std::uint8_t>(prefix), net::Ipv4{}, i});
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) { return a.prefix > b.prefix; });
}

void Host::add_route(const std::string& cidr, net::Ipv4 gw) {
  Cidr4 v4{};
  net::Ipv6 v6{};
  unsigned prefix = 0;
  bool is_v6 = false;
  parse_cidr(cidr, v4, v6, prefix, is_v6);
  if (is_v6) throw Error(fmt::format("host '{}': IPv6 routes are not modelled (\"{}\")", cfg_.name, cidr));
  // The gateway must be on a connected prefix (route add refuses otherwise: "Network is unreachable").
  IfaceId out = no_iface;
  for (const auto& r : routes_)
    if (r.gw.value == 0 && (gw.value & r.mask) == r.net) { out = r.iface; break; }
  if (out == no_iface)
    throw Error(fmt::format("host '{}': gateway {} for {} is not on a connected network", cfg_.name, gw.to_string(), cidr));
  const std::uint32_t m = mask_of(prefix);
  routes_.push_back({v4.addr.value & m, m, static_cast<std::uint8_t>(prefix), gw, out});
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) { return a.prefix > b.prefix; });
}

void Host::add_multipath_route(const std::string& cidr, const std::vector<net::Ipv4>& gateways,
                               const std::string& ecmp_spec, const std::vector<std::uint32_t>& weights) {
  Cidr4 v4{};
  net::Ipv6 v6{};
  unsigned prefix = 0;
  bool is_v6 = false;
  parse_cidr(cidr, v4, v6, prefix, is_v6);
  if (is_v6) throw Error(fmt::format("host '{}': IPv6 routes are not modelled (\"{}\")", cfg_.name, cidr));
  if (gateways.empty()) throw Error(fmt::format("host '{}': multipath route {} has no gateway", cfg_.name, cidr));
  if (!weights.empty() && weights.size() != gateways.size())
    throw Error(fmt::format("host '{}': multipath route {}: {} weights for {} gateways", cfg_.name, cidr,
                            weights.size(), gateways.size()));
  route::PathSet ps;
  std::vector<std::pair<net::Ipv4, IfaceId>> hops;
  for (std::size_t k = 0; k < gateways.size(); ++k) {
    IfaceId out = no_iface;
    for (const auto& r : routes_)
      if (r.gw.value == 0 && r.multipath < 0 && (gateways[k].value & r.mask) == r.net) { out = r.iface; break; }
    if (out == no_iface)
      throw Error(fmt::format("host '{}': gateway {} for {} is not on a connected network", cfg_.name,
                              gateways[k].to_string(), cidr));
    ps.nexthops.push_back({.gateway = gateways[k].to_string(), .device = ifaces_[out].name,
                           .weight = weights.empty() ? 1u : weights[k]});
    hops.emplace_back(gateways[k], out);
  }
  multipaths_.push_back(Multipath{route::Ecmp::from_spec(ecmp_spec, std::move(ps)), std::move(hops)});
  const std::uint32_t m = mask_of(prefix);
  routes_.push_back({v4.addr.value & m, m, static_cast<std::uint8_t>(prefix), gateways[0], multipaths_.back().hops[0].second,
                     static_cast<std::int32_t>(multipaths_.size() - 1)});
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) { return a.prefix > b.prefix; });
}

void Host::del_route(const std::string& cidr) {
  Cidr4 v4{};
  net::Ipv6 v6{};
  unsigned prefix = 0;
  bool is_v6 = false;
  parse_cidr(cidr, v4, v6, prefix, is_v6);
  const std::uint32_t m = mask_of(prefix);
  std::erase_if(routes_, [&](const Route& r) { return r.gw.value != 0 && r.prefix == prefix && r.net == (v4.addr.value & m); });
}

void Host::listen(std::uint16_t port) { tcp_->listeners.push_back(port); }

Capture& Host::capture(const std::string& iface) {
  const IfaceId i = iface_id(iface);
  if (!ifaces_[i].cap) {
    captures_.push_back(std::make_unique<Capture>(cfg_.name + ":" + iface));
    ifaces_[i].cap = captures_.back().get();
  }
  return *ifaces_[i].cap;
}

Capture* Host::find_capture(std::string_view iface) {
  for (auto& f : ifaces_)
    if (f.name == iface) return f.cap;
  return nullptr;
}

std::vector<std::string> Host::captured_ifaces() const {
  std::vector<std::string> out;
  for (const auto& f : ifaces_)
    if (f.cap) out.push_back(f.name);
  return out;
}

const lag::Lag* Host::lagg(std::string_view name) const {
  const IfaceId i = iface_id(name);
  return ifaces_[i].lag.get();
}

std::string Host::lagg_member_for(std::string_view lagg_name, net::Bytes frame, std::optional<std::uint16_t> tci,
                                  Time now) {
  const IfaceId i = iface_id(lagg_name);
  Iface& L = ifaces_[i];
  if (!L.lag) throw Error(fmt::format("host '{}': '{}' is not a lagg", cfg_.name, lagg_name));
  if (now >= L.blackout_from && now < L.blackout_until) return "";
  net::PacketMeta meta;
  meta.vlan_tci = tci;
  const lag::Selection s = L.lag->select_at(frame, meta, now);
  return s.is_member() ? ifaces_[L.members[s.member]].name : std::string{};
}

// ---- faults --------------------------------------------------------------------------------

void Host::set_iface_up(const std::string& iface, bool up, Time now) {
  const IfaceId i = iface_id(iface);
  ifaces_[i].up = up;
  if (ifaces_[i].kind == IfKind::nic && ifaces_[i].parent != no_iface) {
    Iface& L = ifaces_[ifaces_[i].parent];
    L.lag->set_admin(ifaces_[i].member, up, now);
  }
  carp_links(now);
}

void Host::lagg_blackout(const std::string& lagg_name, Time from, Time until) {
  const IfaceId i = iface_id(lagg_name);
  if (!ifaces_[i].lag) throw Error(fmt::format("host '{}': '{}' is not a lagg", cfg_.name, lagg_name));
  ifaces_[i].blackout_from = from;
  ifaces_[i].blackout_until = until;
}

void Host::set_lacp(const std::string& member, bool collecting, bool distributing, Time now) {
  const IfaceId i = iface_id(member);
  if (ifaces_[i].parent == no_iface || ifaces_[i].kind != IfKind::nic)
    throw Error(fmt::format("host '{}': '{}' is not a lagg member", cfg_.name, member));
  ifaces_[ifaces_[i].parent].lag->set_lacp(ifaces_[i].member, true, collecting, distributing, now);
}

void Host::on_carrier(IfaceId nic, bool up, Time now) {
  Iface& n = ifaces_[nic];
  n.carrier = up;
  if (n.parent != no_iface && ifaces_[n.parent].lag) ifaces_[n.parent].lag->set_link(n.member, up, now);
  carp_links(now);
}

// ---- inspection ----------------------------------------------------------------------------

std::vector<std::string> Host::arp_table(Time now) const {
  std::vector<std::string> out;
  for (const auto& e : arp_) {
    if (e.resolved && e.expires > now)
      out.push_back(fmt::format("{} at {} on {} expires in {} s", e.ip.to_string(), e.mac.to_string(),
                                ifaces_[e.iface].name, (e.expires - now).ns / 1'000'000'000));
    else if (!e.resolved)
      out.push_back(fmt::format("{} at (incomplete) on {}", e.ip.to_string(), ifaces_[e.iface].name));
  }
  return out;
}

// ---- timers ----------------------------------------------------------------------------------

std::uint32_t Host::new_slot(std::uint8_t kind, std::uint32_t index) {
  TimerSlot s;
  s.kind = kind;
  s.index = index;
  slots_.push_back(s);
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

// Lazy re-arming: at most one live event per slot, moved later by re-scheduling when it fires
// early, so a timer re-armed on every packet (ping's select timeout) costs one event per expiry,
// not one per packet. A slot's generation number invalidates events superseded by an earlier one.
void Host::arm(std::uint32_t slot, Time due) {
  TimerSlot& s = slots_[slot];
  s.armed = true;
  s.due = due;
  if (!s.has_pending || due < s.pending_at) {
    ++s.gen;
    s.has_pending = true;
    s.pending_at = due;
    net_.schedule_timer(id_, slot, s.gen, due);
  }
}

void Host::on_timer(std::uint32_t slot, std::uint32_t gen, Time now) {
  TimerSlot& s = slots_[slot];
  if (gen != s.gen || !s.has_pending) return;
  s.has_pending = false;
  if (!s.armed) return;
  if (s.due > now) {
    ++s.gen;
    s.has_pending = true;
    s.pending_at = s.due;
    net_.schedule_timer(id_, slot, s.gen, s.due);
    return;
  }
  s.armed = false;
  switch (s.kind) {
    case 0: ping_timer(*pings_[s.index], now); break;
    case 1: tcp_gen_timer(s.index, now); break;
    case 2: tcp_conn_timer(now); break;
    case 3: carp_timer(s.index, now); break;
    default: break;
  }
}

// A callout of `ticks` ticks armed at t fires on the tick boundary `ticks` ticks after the tick
// t falls in (FreeBSD callout_reset(); kern_timeout.c). Exact when tick == 0.
Time Host::callout_at(Time t, std::int64_t ticks_or_ns, bool exact_ns) const {
  if (cfg_.tick.ns == 0 || exact_ns) return t + Time{ticks_or_ns};
  const std::int64_t tk = cfg_.tick.ns;
  const std::int64_t rel = t.ns - cfg_.tick_phase.ns;
  std::int64_t cur = rel / tk;
  if (rel < 0 && rel % tk) --cur;
  return Time{(cur + ticks_or_ns) * tk + cfg_.tick_phase.ns};
}

// select()/tsleep timeouts: tvtohz() gives ceil(t / tick) + 1 ticks (FreeBSD 9.x kern_clock.c).
Time Host::tick_after(Time t, Time timeout) const {
  if (cfg_.tick.ns == 0) return t + timeout;
  const std::int64_t tk = cfg_.tick.ns;
  const std::int64_t ticks = (timeout.ns + tk - 1) / tk + 1;
  return callout_at(t, ticks, false);
}

// ---- start -------------------------------------------------------------------------------------

void Host::start(Time now) {
  if (started_) return;
  started_ = true;
  carp_start(now);
}

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
  Iface& N = ifaces_[nic];
  ++N.counters.ipackets;
  N.counters.ibytes += s.len;
  capture_if(nic, false, s.bytes(), now);
  if (!N.up) return drop(HostDrop::iface_down, f);
  if (s.len < 14) return drop(HostDrop::runt, f);
  IfaceId cur = nic;
  if (N.parent != no_iface) {
    // lagg_input -> lagg_lacp_input (if_lagg.c / ieee8023ad_lacp.c): BPF on lagg0 first, then
    // every frame from a member that is not COLLECTING is discarded silently.
    Iface& L = ifaces_[N.parent];
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
    Iface& V = ifaces_[cur];
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
  const Iface& I = ifaces_[ifc];
  if (dst != I.mac && !dst.is_broadcast()) {
    if (dst.is_multicast()) {
      const std::uint64_t m = dst.to_u64();
      const bool joined = m == 0x01005e000001ULL || m == 0x333300000001ULL ||
                          (!I.carp.empty() && (m == 0x01005e000012ULL || m == 0x333300000012ULL));
      if (!joined) return drop(HostDrop::multicast_not_joined, f);
    } else {
      bool is_vmac = false;
      if (!vmac_master(ifc, dst, is_vmac)) {
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
  const Iface& I = ifaces_[ifc];
  // Is the target one of ours on this interface? A VIP only while MASTER (carp_iamatch).
  bool mine = false;
  net::Mac reply_sha = I.mac;
  for (const auto& a : I.v4)
    if (a.addr == tpa) mine = true;
  net::Mac vmac{};
  if (!mine && vip_master(ifc, tpa, vmac)) {
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
  return is_vip(a);
}

IfaceId Host::iface_for_local(net::Ipv4 a) const {
  for (std::size_t i = 0; i < ifaces_.size(); ++i)
    for (const auto& x : ifaces_[i].v4)
      if (x.addr == a) return static_cast<IfaceId>(i);
  return no_iface;
}

net::Ipv4 Host::source_for(IfaceId ifc, net::Ipv4 dst) const {
  const Iface& I = ifaces_[ifc];
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
  if (proto == net::ipproto::carp && dst.value == 0xe0000012u) return carp_input(ifc, f, 14, false, now);
  bool local = is_local(dst) || dst.value == 0xffffffffu;
  if (!local)
    for (const auto& a : ifaces_[ifc].v4)
      if (dst.value == (a.addr.value | ~a.mask)) local = true;
  if (!local) {
    if (cfg_.forwarding) return ip_forward(ifc, f, now);
    return drop(HostDrop::ip_not_for_us, f);
  }
  if (proto == net::ipproto::icmp) return icmp_input(ifc, f, 14, now);
  if (proto == net::ipproto::tcp) return tcp_input(ifc, f, 14, now);
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
    ping_reply(be16(icmp + 4), be16(icmp + 6), now);
    net_.pool().free(f);
    return;
  }
  if (type != 8) return drop(HostDrop::icmp_ignored, f);
  const net::Ipv4 dst{be32(ip + 16)};
  if (!cfg_.answer_icmp_to_vip && is_vip(dst)) return drop(HostDrop::pf_blocked, f);
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
    return carp_input(ifc, f, 14, true, now);
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
  Iface& I = ifaces_[ifc];
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
  Iface& N = ifaces_[nic];
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

// ---- ping -f (sbin/ping/ping.c, FreeBSD 9.x) -------------------------------------------------------

std::size_t Host::ping_flood(const PingConfig& c) {
  if (c.count == 0) throw Error(fmt::format("host '{}': ping count must be > 0", cfg_.name));
  if (c.payload < 8 || c.payload > 1400) throw Error(fmt::format("host '{}': ping payload {} out of 8..1400", cfg_.name, c.payload));
  if (c.interval.ns < 0 || c.wake.ns < 0 || c.turnaround.ns < 0 || c.maxwait.ns < 0)
    throw Error(fmt::format("host '{}': ping interval, wake, turnaround and maxwait must be >= 0", cfg_.name));
  // With exact timers, interval 0 and wake 0 every request would leave in the same nanosecond:
  // `count` frames at once, no virtual time passing (the real ping is paced by its loop).
  if (cfg_.tick.ns == 0 && c.interval.ns == 0 && c.wake.ns == 0)
    throw Error(fmt::format("host '{}': ping interval 0 with wake 0 on a host with exact timers sends every request "
                            "at the same instant: give interval > 0, wake > 0 or the host a tick (hz)",
                            cfg_.name));
  const Route* r = lookup(c.dst);
  if (!r) throw Error(fmt::format("host '{}': no route to ping destination {}", cfg_.name, c.dst.to_string()));
  auto a = std::make_unique<PingApp>();
  a->cfg = c;
  // Grown as requests go out: memory follows what was sent, not the requested count.
  a->res.send_ns.reserve(std::min<std::uint32_t>(c.count, 1u << 16));
  a->res.rtt_ns.reserve(std::min<std::uint32_t>(c.count, 1u << 16));
  a->slot = new_slot(0, static_cast<std::uint32_t>(pings_.size()));
  // Template: Ethernet (dst filled at resolution) + IPv4 + ICMP echo request + payload.
  const net::Ipv4 src = source_for(r->iface, c.dst);
  std::vector<std::uint8_t> data(c.payload);
  for (std::size_t i = 8; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);  // ping's fill pattern
  net::Ipv4Fields v4f;
  v4f.ttl = 64;
  auto bytes = net::FrameBuilder()
                   .eth(net::Mac{}, ifaces_[r->iface].mac)
                   .ipv4(src, c.dst, v4f)
                   .icmp(8, 0, c.id, 0)
                   .payload(data)
                   .build();
  a->tmpl = net_.pool().alloc_copy(bytes);
  pings_.push_back(std::move(a));
  PingApp& p = *pings_.back();
  p.res.started = c.start;
  arm(p.slot, c.start);  // the first request goes out at `start`
  return pings_.size() - 1;
}

const PingResult& Host::ping_result(std::size_t app) const {
  if (app >= pings_.size()) throw Error(fmt::format("host '{}' has no ping {}", cfg_.name, app));
  return pings_[app]->res;
}

void Host::ping_send(PingApp& a, Time at) {
  const std::uint32_t i = a.next;
  const FrameSlot& t = net_.pool().slot(a.tmpl);
  const FrameRef f = net_.pool().alloc_copy(t.bytes());
  FrameSlot& s = net_.pool().slot(f);
  std::uint8_t* ip = s.data() + 14;
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  const std::size_t tot = be16(ip + 2);
  std::uint8_t* icmp = ip + ihl;
  const std::uint16_t seq = static_cast<std::uint16_t>(a.cfg.first_seq + i);
  put16(ip + 4, ip_id_++);
  ip_checksum(ip);
  put16(icmp + 6, seq);
  put32(icmp + 8, static_cast<std::uint32_t>(at.ns / 1'000'000'000));  // struct timeval in the data
  put32(icmp + 12, static_cast<std::uint32_t>(at.ns / 1'000 % 1'000'000));
  icmp[2] = icmp[3] = 0;
  put16(icmp + 2, csum(icmp, tot - ihl));
  a.res.send_ns.push_back(at.ns);  // index i == a.next == size
  a.res.rtt_ns.push_back(-1);
  ++a.next;
  ++a.res.sent;
  a.last_send = at;
  if (!ip_output(f, at)) ++a.res.send_errors;
  if (a.next >= a.cfg.count) a.done_sending = true;
  // select() timeout: the flood interval measured from this send, in ticks.
  arm(a.slot, tick_after(at, a.cfg.interval));
}

void Host::ping_timer(PingApp& a, Time now) {
  if (a.res.finished) return;
  if (a.next == 0) {
    ping_send(a, now);
    return;
  }
  if (!a.done_sending) {
    ping_send(a, now + a.cfg.wake);
    return;
  }
  ping_finish_step(a, now);
}

// After the last request ping.c sets almost_done and waits one more interval (2 * max RTT
// rounded to >= 1 s when anything came back, else MAXWAIT) for stragglers, then stops.
void Host::ping_finish_step(PingApp& a, Time now) {
  if (a.almost_done) {
    a.res.finished = true;
    a.res.ended = now;
    disarm(a.slot);
    return;
  }
  a.almost_done = true;
  arm(a.slot, tick_after(now, a.res.received ? Time::from_s(1) : a.cfg.maxwait));
}

void Host::ping_reply(std::uint16_t id, std::uint16_t seq, Time now) {
  for (auto& ap : pings_) {
    PingApp& a = *ap;
    if (a.cfg.id != id || a.res.finished || a.next == 0) continue;
    // 16-bit sequence numbers wrap on long runs: the reply belongs to the newest request
    // with that sequence number.
    const std::uint32_t newest = a.next - 1;
    const std::uint16_t newest_seq = static_cast<std::uint16_t>(a.cfg.first_seq + newest);
    const std::uint32_t back = static_cast<std::uint16_t>(newest_seq - seq);
    if (back > newest) continue;
    const std::uint32_t i = newest - back;
    if (a.res.rtt_ns[i] < 0) {
      a.res.rtt_ns[i] = now.ns - a.res.send_ns[i];
      ++a.res.received;
    }
    if (a.res.received >= a.cfg.count) {
      a.res.finished = true;
      a.res.ended = now;
      disarm(a.slot);
      return;
    }
    // -f: a reply makes select() return and the loop sends the next request at once.
    if (!a.done_sending) ping_send(a, now + a.cfg.turnaround);
    else ping_finish_step(a, now);
    return;
  }
}

}  // namespace fwd::sim
