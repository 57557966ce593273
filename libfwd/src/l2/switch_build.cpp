// fwd::l2::Switch: construction from SwitchConfig + PortConfig (the FDB settings of the followed
// system, each port's flags, LAG and VLAN membership), with every setting validated.
#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"
#include "switch_datapath.hpp"

namespace fwd::l2 {

namespace {
// The FDB settings of the followed system, adjusted as it adjusts the configured values.
TableConfig table_config(const SwitchConfig& cfg, std::size_t ports) {
  TableConfig t;
  switch (cfg.profile) {
    case Profile::linux_bridge: t = TableConfig::linux_bridge(); break;
    case Profile::freebsd_bridge: t = TableConfig::freebsd_bridge(); break;
    case Profile::ovs_3_1: t = TableConfig::ovs(); break;
    case Profile::vendor: t = TableConfig::vendor(); break;
  }
  if (cfg.profile == Profile::ovs_3_1) {
    // normalize_idle_time() and mac_learning_set_max_entries()
    const std::int64_t s = std::clamp<std::int64_t>(cfg.ageing.ns / 1'000'000'000, 15, 3600);
    t.ageing = Time::from_s(s);
    t.max_entries = std::clamp<std::size_t>(cfg.max_entries ? cfg.max_entries : 8192, 10, 1'000'000);
  } else {
    t.ageing = cfg.ageing;
    t.max_entries = cfg.max_entries;
  }
  if (ports == 0 || ports >= bridge_self)
    throw Error(fmt::format("invalid port count {}: expected 1..{}", ports, bridge_self - 1));
  t.ports = static_cast<PortId>(ports);
  if (cfg.flap) t.flap = *cfg.flap;
  t.reserve = cfg.reserve;
  t.event_capacity = cfg.event_capacity;
  t.events = cfg.events;
  return t;
}

void check_vid(unsigned v, unsigned lo, const std::string& port, const char* what) {
  if (v < lo || v > 4095)
    throw Error(fmt::format("invalid VLAN id {} for {} of port '{}': expected {}..4095", v, what, port, lo));
}
}  // namespace

template <class Store>
BasicSwitch<Store>::BasicSwitch(SwitchConfig cfg, std::vector<PortConfig> ports)
    : cfg_(std::move(cfg)),
      port_cfg_(std::move(ports)),
      table_(table_config(cfg_, port_cfg_.size())),
      impl_(std::make_unique<detail::SwitchImpl>()) {
  const Profile prof = cfg_.profile;
  vlan_aware_ = prof == Profile::ovs_3_1 || prof == Profile::vendor ||
                (prof == Profile::linux_bridge && cfg_.vlan_aware);
  if (prof == Profile::freebsd_bridge && cfg_.vlan_aware)
    throw Error("freebsd-bridge does no VLAN filtering: vlan_aware must be false");
  cfg_.vlan_aware = vlan_aware_;
  keep_dei_ = prof != Profile::ovs_3_1;
  flush_on_down_ = prof != Profile::ovs_3_1;
  if (cfg_.group_fwd_mask & 0x7)
    throw Error(fmt::format("invalid group_fwd_mask {:#x}: bits 0, 1 and 2 cannot be set (widest mask 0xfff8)",
                            cfg_.group_fwd_mask));
  if (cfg_.revalidator_interval.ns <= 0)
    throw Error(fmt::format("invalid revalidator_interval {} ns: must be > 0 (OVS default 500 ms)",
                            cfg_.revalidator_interval.ns));

  std::vector<std::string> link_names;
  ports_.resize(port_cfg_.size());
  for (std::size_t i = 0; i < port_cfg_.size(); ++i) build_port(i, link_names);
  for (std::size_t i = 0; i < link_names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (link_names[i] == link_names[j]) throw Error(fmt::format("duplicate link name '{}'", link_names[i]));
  link_names_ = std::move(link_names);
  port_counters_.resize(ports_.size());
  for (std::size_t i = 0; i < ports_.size(); ++i) refresh_fast(static_cast<PortId>(i));
  per_frame_work_ = has_lags_ || prof == Profile::ovs_3_1;
  schedule_datapath(Time{-1});  // the bonds' first rebalance

  // Local addresses: frames to them are consumed; Linux logs and forwards frames from them,
  // FreeBSD drops them. OVS keeps no such entries (its LOCAL port is not modelled).
  if (prof != Profile::ovs_3_1) {
    if (cfg_.bridge_mac) locals_.push_back({cfg_.bridge_mac->to_u64(), bridge_self});
    for (std::size_t i = 0; i < port_cfg_.size(); ++i)
      if (port_cfg_[i].mac) locals_.push_back({port_cfg_[i].mac->to_u64(), static_cast<PortId>(i)});
  }
}

template <class Store>
BasicSwitch<Store>::~BasicSwitch() = default;

// Port i: its flags, its links (one, or one per LAG member), its LAG and its VLANs.
template <class Store>
void BasicSwitch<Store>::build_port(std::size_t i, std::vector<std::string>& link_names) {
  const PortConfig& pc = port_cfg_[i];
  PortState& ps = ports_[i];
  if (pc.name.empty()) throw Error(fmt::format("port {} has an empty name", i));
  for (std::size_t j = 0; j < i; ++j)
    if (port_cfg_[j].name == pc.name) throw Error(fmt::format("duplicate port name '{}'", pc.name));
  ps.learning = pc.learning;
  ps.flood = pc.flood;
  ps.mcast_flood = pc.mcast_flood;
  ps.bcast_flood = pc.bcast_flood;
  ps.hairpin = pc.hairpin;
  ps.locked = pc.locked;
  ps.sticky = pc.sticky;
  ps.first_link = static_cast<std::uint16_t>(links_.size());
  if (pc.lag) {
    if (pc.lag->members.empty()) throw Error(fmt::format("LAG port '{}' has no members", pc.name));
    ps.is_lag = true;
    ps.link_count = static_cast<std::uint16_t>(pc.lag->members.size());
    ps.links_up = ps.link_count;
    for (std::size_t m = 0; m < pc.lag->members.size(); ++m) {
      links_.push_back({static_cast<PortId>(i), static_cast<std::uint16_t>(m), true});
      link_names.push_back(pc.lag->members[m]);
    }
    has_lags_ = true;
    build_lag(i);
  } else {
    links_.push_back({static_cast<PortId>(i), 0, true});
    link_names.push_back(pc.name);
  }
  if (vlan_aware_) build_vlans(i);
}

// A LAG port: a fwd::lag::Lag from its spec string (the one parser of LAG settings). On ovs-3.1
// it must be an OVS bond, named after the port unless the spec names it (bond/show header).
template <class Store>
void BasicSwitch<Store>::build_lag(std::size_t i) {
  const PortConfig& pc = port_cfg_[i];
  PortState& ps = ports_[i];
  const Profile prof = cfg_.profile;
  std::string spec = pc.lag->spec;
  if (spec.empty()) {
    spec = prof == Profile::linux_bridge     ? "linux-6.12:802.3ad;xmit_hash_policy=layer2"
           : prof == Profile::freebsd_bridge ? "freebsd-9.3:lacp"
           : prof == Profile::ovs_3_1        ? "ovs-3.1:balance-slb"
                                             : "vendor:table";
  }
  const bool ovs_spec = spec.starts_with("ovs-3.1:") || spec.starts_with("ovs:");
  if (prof == Profile::ovs_3_1 && !ovs_spec)
    throw Error(fmt::format("LAG port '{}' of an ovs-3.1 switch is an OVS bond: its spec must start with "
                            "'ovs-3.1:' (balance-slb, active-backup or balance-tcp), got \"{}\"", pc.name, spec));
  if (ovs_spec && spec.find(";bond=") == std::string::npos) {
    const std::size_t mode_end = spec.find(';');
    spec.insert(mode_end == std::string::npos ? spec.size() : mode_end, ";bond=" + pc.name);
  }
  try {
    impl_->lags.push_back(std::make_unique<lag::Lag>(lag::Lag::from_spec(spec, pc.lag->members)));
  } catch (const Error& e) {
    throw Error(fmt::format("LAG port '{}': {}", pc.name, e.what()));
  }
  ps.lag = impl_->lags.back().get();
  ps.bond = ps.lag->ovs_bond();
  if (ps.bond) {
    ps.bond->set_rebalance_at_checkpoints(true);  // the switch models the revalidator
    ps.bond->set_flow_idle(cfg_.flow_idle);       // and the flows it caches
  }
  if (pc.lag->first_rebalance) {
    if (!ps.bond) throw Error(fmt::format("LAG port '{}': first_rebalance applies to OVS bonds only", pc.name));
    ps.bond->set_next_rebalance(*pc.lag->first_rebalance);
  }
}

// VLAN membership, PVID and untagged egress of port i on a VLAN-aware switch.
template <class Store>
void BasicSwitch<Store>::build_vlans(std::size_t i) {
  const PortConfig& pc = port_cfg_[i];
  PortState& ps = ports_[i];
  const Profile prof = cfg_.profile;
  VlanMode mode = pc.vlan_mode;
  if (pc.tag) check_vid(*pc.tag, prof == Profile::ovs_3_1 ? 0 : 1, pc.name, "tag");
  for (auto v : pc.trunks) check_vid(v, prof == Profile::ovs_3_1 ? 0 : 1, pc.name, "trunks");
  for (auto v : pc.vlans) check_vid(v, 1, pc.name, "vlans");
  for (auto v : pc.untagged) check_vid(v, 1, pc.name, "untagged");
  if (pc.pvid) check_vid(*pc.pvid, 1, pc.name, "pvid");
  if (mode == VlanMode::automatic) {
    if (pc.pvid || !pc.vlans.empty() || !pc.untagged.empty()) mode = VlanMode::linux;
    else if (pc.tag) mode = VlanMode::access;  // OVS: trunks are ignored with an implicit access tag
    else if (!pc.trunks.empty() || prof == Profile::ovs_3_1) mode = VlanMode::trunk;
    else mode = VlanMode::linux;  // Linux/vendor default: PVID 1 untagged
  }
  const bool ovs = prof == Profile::ovs_3_1;
  auto set_trunks = [&] {
    if (pc.trunks.empty()) {
      ps.member.set();
      if (!ovs) ps.member.reset(0);
    } else {
      for (auto v : pc.trunks) ps.member.set(v);
    }
  };
  switch (mode) {
    case VlanMode::access: {
      if (!pc.tag) throw Error(fmt::format("access port '{}' needs a tag", pc.name));
      ps.pvid = *pc.tag;
      ps.member.set(*pc.tag);
      ps.untagged.set(*pc.tag);
      ps.access_drops_tagged = ovs;  // OVS row 3: even a frame tagged with the access VID
      break;
    }
    case VlanMode::trunk:
      set_trunks();
      ps.pvid = ovs ? 0 : -1;  // OVS: untagged = VLAN 0 (dropped unless VLAN 0 is trunked)
      if (ovs) ps.untagged.set(0);
      break;
    case VlanMode::native_untagged:
    case VlanMode::native_tagged:
      if (!pc.tag) throw Error(fmt::format("{} port '{}' needs a tag", to_string(mode), pc.name));
      set_trunks();
      ps.pvid = *pc.tag;
      ps.member.set(*pc.tag);
      if (mode == VlanMode::native_untagged) ps.untagged.set(*pc.tag);
      if (ovs) ps.untagged.set(0);
      break;
    case VlanMode::linux:
    case VlanMode::automatic: {
      const bool defaults = !pc.pvid && pc.vlans.empty() && pc.untagged.empty();
      if (defaults) {
        ps.pvid = 1;
        ps.member.set(1);
        ps.untagged.set(1);
      } else {
        if (pc.pvid) {
          ps.pvid = *pc.pvid;
          ps.member.set(*pc.pvid);
        }
        for (auto v : pc.vlans) ps.member.set(v);
        for (auto v : pc.untagged) {
          ps.member.set(v);
          ps.untagged.set(v);
        }
      }
      break;
    }
  }
}

// Every switch_*.cpp instantiates the members it defines (explicit instantiation of the class;
// the members defined elsewhere are only declared here).
template class BasicSwitch<FWD_L2_STORE>;

}  // namespace fwd::l2
