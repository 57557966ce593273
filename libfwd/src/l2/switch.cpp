// fwd::l2::Switch: profile and enum names, the profile defaults, name lookups, port and link
// events, FDB administration and egress rendering. The other concerns: switch_build.cpp
// (construction), switch_datapath.cpp (OVS flow cache, deferred learning, LAG hooks),
// switch_show.cpp (show text / JSON); the per-frame path is fwd/l2/detail/switch_receive.hpp.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/describe/system.hpp"
#include "switch_datapath.hpp"

namespace fwd::l2 {

#ifndef FWD_L2_REFERENCE_STORE  // not templated: compiled once
// ---- names -------------------------------------------------------------------------------------

const char* to_string(Profile p) {
  switch (p) {
    case Profile::linux_bridge: return "linux-bridge";
    case Profile::freebsd_bridge: return "freebsd-bridge";
    case Profile::ovs_3_1: return "ovs-3.1";
    case Profile::vendor: return "vendor";
  }
  return "?";
}

Profile parse_profile(std::string_view name) {
  // Profile names and system names/aliases resolve through the registry (fwd/describe/system.hpp).
  const std::string_view p = describe::find_system(name, describe::Layer::l2, "switch profile").l2_profile;
  for (auto v : {Profile::linux_bridge, Profile::freebsd_bridge, Profile::ovs_3_1, Profile::vendor})
    if (p == to_string(v)) return v;
  throw Error(fmt::format("switch profile '{}' has no l2::Profile", name));
}

const char* to_string(VlanMode m) { return describe::name_of(m).data(); }

const char* to_string(DropReason r) { return describe::name_of(r).data(); }

const char* to_string(Verdict v) { return describe::name_of(v).data(); }

SwitchConfig SwitchConfig::defaults(Profile p) {
  SwitchConfig c;
  c.profile = p;
  switch (p) {
    case Profile::linux_bridge:
      c.ageing = Time::from_s(300);
      c.max_entries = 0;
      break;
    case Profile::freebsd_bridge:
      c.ageing = Time::from_s(1200);
      c.max_entries = 2000;
      break;
    case Profile::ovs_3_1:
      c.vlan_aware = true;
      c.ageing = Time::from_s(300);
      c.max_entries = 8192;
      break;
    case Profile::vendor:
      c.vlan_aware = true;
      c.ageing = Time::from_s(300);
      c.max_entries = 0;
      break;
  }
  return c;
}
#endif  // FWD_L2_REFERENCE_STORE

// ---- names -------------------------------------------------------------------------------------

template <class Store>
BasicSwitch<Store>::~BasicSwitch() = default;

template <class Store>
PortId BasicSwitch<Store>::port_id(std::string_view name) const {
  for (std::size_t i = 0; i < port_cfg_.size(); ++i)
    if (port_cfg_[i].name == name) return static_cast<PortId>(i);
  std::string list;
  for (const auto& p : port_cfg_) list += (list.empty() ? "" : ", ") + p.name;
  throw Error(fmt::format("unknown port '{}': the switch has {}", name, list));
}

template <class Store>
LinkId BasicSwitch<Store>::link_id(std::string_view name) const {
  for (std::size_t i = 0; i < link_names_.size(); ++i)
    if (link_names_[i] == name) return static_cast<LinkId>(i);
  std::string list;
  for (const auto& n : link_names_) list += (list.empty() ? "" : ", ") + n;
  throw Error(fmt::format("unknown port or link '{}': the switch has {}", name, list));
}

template <class Store>
const std::string& BasicSwitch<Store>::port_name(PortId p) const {
  static const std::string self = "(bridge)", none = "(none)";
  if (p == bridge_self) return self;
  if (p >= port_cfg_.size()) return none;
  return port_cfg_[p].name;
}

template <class Store>
const std::string& BasicSwitch<Store>::link_name(LinkId l) const {
  static const std::string none = "(none)";
  return l < link_names_.size() ? link_names_[l] : none;
}

template <class Store>
const PortConfig& BasicSwitch<Store>::port_config(PortId p) const {
  if (p >= port_cfg_.size()) throw Error(fmt::format("invalid port id {}: the switch has {} ports", p, port_cfg_.size()));
  return port_cfg_[p];
}

template <class Store>
lag::OvsBond* BasicSwitch<Store>::bond(PortId p) { return p < ports_.size() ? ports_[p].bond : nullptr; }
template <class Store>
const lag::OvsBond* BasicSwitch<Store>::bond(PortId p) const { return p < ports_.size() ? ports_[p].bond : nullptr; }

// ---- ports ---------------------------------------------------------------------------------

// A port that was ever shut by a flap action stays off the fast path until clear_shutdown():
// whether its hold has ended depends on the frame's time, which the slow path checks.
template <class Store>
void BasicSwitch<Store>::refresh_fast(PortId p) {
  const PortState& P = ports_[p];
  port_hot_.resize(ports_.size());
  link_hot_.resize(links_.size());
  const bool clean = P.admin_up && P.shutdown_until.ns == INT64_MIN;
  PortHot& h = port_hot_[p];
  h.fast_in = fast_path_ && cfg_.profile != Profile::ovs_3_1 && clean && P.learning && !P.locked;
  h.fast_out = clean && P.links_up > 0 && !P.is_lag;
  h.first_link = P.first_link;
  for (std::size_t l = P.first_link; l < std::size_t{P.first_link} + P.link_count; ++l)
    link_hot_[l] = LinkHot{p, h.fast_in && links_[l].carrier};
}

template <class Store>
void BasicSwitch<Store>::set_fast_path(bool on) {
  fast_path_ = on;
  for (std::size_t i = 0; i < ports_.size(); ++i) refresh_fast(static_cast<PortId>(i));
}

template <class Store>
bool BasicSwitch<Store>::port_is_up(PortId p, Time now) const { return p < ports_.size() && ports_[p].up(now); }

template <class Store>
void BasicSwitch<Store>::flush_port_on_down(PortId p) {
  if (flush_on_down_) table_.flush_port(p, false);
}

template <class Store>
void BasicSwitch<Store>::set_port_admin(PortId p, bool up, Time now) {
  if (p >= ports_.size()) throw Error(fmt::format("invalid port id {}", p));
  advance(now);
  const bool was = ports_[p].up(now);
  ports_[p].admin_up = up;
  refresh_fast(p);
  if (was && !ports_[p].up(now)) flush_port_on_down(p);
}

template <class Store>
void BasicSwitch<Store>::set_link_carrier(LinkId l, bool up, Time now) {
  if (l >= links_.size()) throw Error(fmt::format("invalid link id {}", l));
  advance(now);
  LinkState& L = links_[l];
  if (L.carrier == up) return;
  PortState& P = ports_[L.port];
  if (P.lag) P.lag->set_link(L.member, up, now);
  const bool was = P.up(now);
  L.carrier = up;
  P.links_up = static_cast<std::uint16_t>(up ? P.links_up + 1 : P.links_up - 1);
  refresh_fast(L.port);
  if (was && !P.up(now)) flush_port_on_down(L.port);
}

template <class Store>
void BasicSwitch<Store>::shut_port(PortId p, Time now) {
  const Time hold = table_.config().flap.action_hold;
  ports_[p].shutdown_until = hold.ns > 0 ? now + hold : Time{std::numeric_limits<std::int64_t>::max()};
  refresh_fast(p);
  table_.flush_port(p, false);
}

template <class Store>
void BasicSwitch<Store>::clear_shutdown(PortId p) {
  if (p >= ports_.size()) throw Error(fmt::format("invalid port id {}", p));
  ports_[p].shutdown_until = Time{INT64_MIN};
  refresh_fast(p);
}

// ---- FDB administration ------------------------------------------------------------------------

template <class Store>
std::uint16_t BasicSwitch<Store>::fdb_vlan(std::optional<std::uint16_t> vlan) const {
  if (cfg_.profile == Profile::freebsd_bridge) return vlan && *vlan ? *vlan : 1;
  if (!vlan_aware_) return 0;
  return vlan ? *vlan : 0;
}

template <class Store>
int BasicSwitch<Store>::fdb_add(net::Mac mac, PortId port, std::optional<std::uint16_t> vlan, AddOptions o, Time now) {
  if (port >= ports_.size()) throw Error(fmt::format("invalid port id {}: the switch has {} ports", port, ports_.size()));
  if (vlan && *vlan > 4095) throw Error(fmt::format("invalid VLAN id {}: expected 0..4095", *vlan));
  advance(now);
  if (cfg_.profile == Profile::linux_bridge) {
    // Without VLAN filtering the kernel finds no VLAN group: "RTM_NEWNEIGH with unconfigured vlan".
    if (vlan && *vlan && !vlan_aware_) return EINVAL;
    if (vlan && *vlan && vlan_aware_ && !ports_[port].member.test(*vlan)) return EINVAL;
    if (!o.is_static && !ports_[port].up(now)) return EPERM;  // port not learning/forwarding
  }
  return table_.add(fdb_vlan(vlan), mac, port, o, now);
}

template <class Store>
int BasicSwitch<Store>::fdb_del(net::Mac mac, PortId port, std::optional<std::uint16_t> vlan, Time now) {
  if (port >= ports_.size()) throw Error(fmt::format("invalid port id {}: the switch has {} ports", port, ports_.size()));
  advance(now);
  if (cfg_.profile == Profile::linux_bridge && vlan && *vlan && !vlan_aware_) return EINVAL;
  return table_.remove_on_port(fdb_vlan(vlan), mac, port) ? 0 : ENOENT;
}

template <class Store>
std::size_t BasicSwitch<Store>::fdb_flush(std::optional<PortId> port, std::optional<std::uint16_t> vlan, bool include_static) {
  if (port && *port >= ports_.size()) throw Error(fmt::format("invalid port id {}", *port));
  if (port) return table_.flush_port(*port, include_static);
  if (vlan) return table_.flush_vlan(fdb_vlan(vlan), include_static);
  return table_.flush(include_static);
}

template <class Store>
std::vector<FdbRow> BasicSwitch<Store>::fdb_rows(Time now) {
  advance(now);
  table_.age(now);
  const bool keyed = vlan_aware_ || cfg_.profile == Profile::freebsd_bridge;
  std::vector<FdbRow> rows;
  for (const EntryInfo& e : table_.entries(now)) {
    FdbRow r;
    r.mac = e.mac;
    if (keyed) r.vlan = e.vlan;
    r.port = port_name(e.port);
    r.is_static = e.is_static && (e.user || !e.sticky);  // FreeBSD learned sticky: not static
    r.sticky = e.sticky;
    r.age_s = e.age_s;
    rows.push_back(std::move(r));
  }
  return rows;
}

// ---- rendering -----------------------------------------------------------------------------

template <class Store>
std::size_t BasicSwitch<Store>::render(net::Bytes frame, const Egress& e, std::span<std::uint8_t> out) {
  const std::size_t n = frame.size();
  const std::uint8_t* p = frame.data();
  switch (e.op) {
    case TagOp::keep:
      if (out.size() < n) return 0;
      std::memcpy(out.data(), p, n);
      return n;
    case TagOp::strip:
      if (n < 18 || out.size() < n - 4) return 0;
      std::memcpy(out.data(), p, 12);
      std::memcpy(out.data() + 12, p + 16, n - 16);
      return n - 4;
    case TagOp::push:
      if (n < 12 || out.size() < n + 4) return 0;
      std::memcpy(out.data(), p, 12);
      out[12] = 0x81;
      out[13] = 0x00;
      out[14] = static_cast<std::uint8_t>(e.tci >> 8);
      out[15] = static_cast<std::uint8_t>(e.tci);
      std::memcpy(out.data() + 16, p + 12, n - 12);
      return n + 4;
    case TagOp::rewrite:
      if (n < 16 || out.size() < n) return 0;
      std::memcpy(out.data(), p, n);
      out[12] = 0x81;
      out[13] = 0x00;
      out[14] = static_cast<std::uint8_t>(e.tci >> 8);
      out[15] = static_cast<std::uint8_t>(e.tci);
      return n;
  }
  return 0;
}

template <class Store>
std::vector<std::uint8_t> BasicSwitch<Store>::render(net::Bytes frame, const Egress& e) {
  std::vector<std::uint8_t> out(frame.size() + 4);
  out.resize(render(frame, e, out));
  return out;
}


// Every switch_*.cpp instantiates the members it defines (explicit instantiation of the class;
// the members defined elsewhere are only declared here).
template class BasicSwitch<FWD_L2_STORE>;

}  // namespace fwd::l2
