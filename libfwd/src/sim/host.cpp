// fwd::sim::Host: construction, interfaces, addresses and routes, inspection, timers. The data
// path is in host_ip.cpp, faults of interfaces in host_faults.cpp, the counters' renderings in
// host_show.cpp; applications and CARP are the Host's parts (host_apps*.cpp, host_carp.cpp).
#include "fwd/sim/host.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/sim/network.hpp"

namespace fwd::sim {

namespace {

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

Host::Host(Network& net, std::uint32_t id, HostConfig cfg) : net_(net), id_(id), cfg_(std::move(cfg)) {
  cfg_.validate();
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
  HostIface f;
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
  HostIface& L = ifaces_[self];
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
  HostIface& L = ifaces_[i];
  if (!L.lag) throw Error(fmt::format("host '{}': '{}' is not a lagg", cfg_.name, lagg_name));
  if (now >= L.blackout_from && now < L.blackout_until) return "";
  net::PacketMeta meta;
  meta.vlan_tci = tci;
  const lag::Selection s = L.lag->select_at(frame, meta, now);
  return s.is_member() ? ifaces_[L.members[s.member]].name : std::string{};
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

std::uint32_t Host::new_slot(TimerOwner owner, std::uint32_t index) {
  TimerSlot s;
  s.owner = owner;
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
  switch (s.owner) {
    case TimerOwner::ping: apps_.ping_timer(s.index, now); break;
    case TimerOwner::tcp_generator: apps_.tcp_gen_timer(s.index, now); break;
    case TimerOwner::tcp_connections: apps_.tcp_conn_timer(now); break;
    case TimerOwner::carp: carp_.timer(s.index, now); break;
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
  carp_.start(now);
}


}  // namespace fwd::sim
