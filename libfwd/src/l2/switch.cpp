// fwd::l2::Switch: construction and profile tables, port and link events, the OVS datapath
// model (flow cache, deferred learning), LAG hooks, FDB administration and the show output.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <boost/unordered/unordered_flat_map.hpp>
#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/l2/detail/std_fdb_table.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/describe/system.hpp"
#include "fwd/lag/lag.hpp"
#include "fwd/lag/ovs_bond.hpp"

namespace fwd::l2 {

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

const char* to_string(VlanMode m) {
  switch (m) {
    case VlanMode::automatic: return "automatic";
    case VlanMode::access: return "access";
    case VlanMode::trunk: return "trunk";
    case VlanMode::native_untagged: return "native-untagged";
    case VlanMode::native_tagged: return "native-tagged";
    case VlanMode::linux: return "linux";
  }
  return "?";
}

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::none: return "none";
    case DropReason::too_short: return "too_short";
    case DropReason::bad_link: return "bad_link";
    case DropReason::port_down: return "port_down";
    case DropReason::malformed_vlan: return "malformed_vlan";
    case DropReason::invalid_source: return "invalid_source";
    case DropReason::own_source: return "own_source";
    case DropReason::mac_control: return "mac_control";
    case DropReason::stp_bpdu: return "stp_bpdu";
    case DropReason::reserved_multicast: return "reserved_multicast";
    case DropReason::vlan_ingress: return "vlan_ingress";
    case DropReason::locked_port: return "locked_port";
    case DropReason::bond_admission: return "bond_admission";
    case DropReason::slb_loopback: return "slb_loopback";
    case DropReason::cached_drop: return "cached_drop";
    case DropReason::same_port: return "same_port";
    case DropReason::blackhole: return "blackhole";
    case DropReason::no_egress: return "no_egress";
    case DropReason::lag_no_member: return "lag_no_member";
    case DropReason::flap_drop: return "flap_drop";
    case DropReason::flap_shutdown: return "flap_shutdown";
    case DropReason::count_: break;
  }
  return "?";
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::forwarded: return "forwarded";
    case Verdict::flooded: return "flooded";
    case Verdict::to_host: return "to_host";
    case Verdict::dropped: return "dropped";
  }
  return "?";
}

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

// ---- the OVS datapath model and bonds ------------------------------------------------------

struct detail::SwitchImpl {
  struct Flow {
    Time last_used{};
    std::uint64_t version = 0;  // table version when the drop was computed
    bool drop = false;
  };
  struct Pending {
    Time due{};
    LinkId link = no_link;
    std::uint16_t vlan = 0;
    std::uint64_t src = 0;
    bool garp = false;
  };
  boost::unordered_flat_map<std::uint64_t, Flow> flows;
  detail::Ring<Pending> pending{4096};
  std::vector<std::unique_ptr<lag::OvsBond>> bonds;
  std::vector<std::unique_ptr<lag::Lag>> lags;
};

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

void check_vid(unsigned v, unsigned lo, const std::string& port, const char* what) {
  if (v < lo || v > 4095)
    throw Error(fmt::format("invalid VLAN id {} for {} of port '{}': expected {}..4095", v, what, port, lo));
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

template <class Store>
std::string BasicSwitch<Store>::bond_show(PortId p, Time now, Format f) {
  if (p >= ports_.size() || !ports_[p].bond)
    throw Error(fmt::format("port '{}' is not an OVS bond", port_name(p)));
  advance(now);
  run_bonds(now);
  return f == Format::json ? ports_[p].bond->show_json(now) : ports_[p].bond->show(now);
}

// ---- construction --------------------------------------------------------------------------

template <class Store>
BasicSwitch<Store>::BasicSwitch(SwitchConfig cfg, std::vector<PortConfig> ports)
    : cfg_(std::move(cfg)), port_cfg_(std::move(ports)), table_([&] {
        TableConfig t;
        switch (cfg_.profile) {
          case Profile::linux_bridge: t = TableConfig::linux_bridge(); break;
          case Profile::freebsd_bridge: t = TableConfig::freebsd_bridge(); break;
          case Profile::ovs_3_1: t = TableConfig::ovs(); break;
          case Profile::vendor: t = TableConfig::vendor(); break;
        }
        if (cfg_.profile == Profile::ovs_3_1) {
          // normalize_idle_time() and mac_learning_set_max_entries()
          const std::int64_t s = std::clamp<std::int64_t>(cfg_.ageing.ns / 1'000'000'000, 15, 3600);
          t.ageing = Time::from_s(s);
          t.max_entries = std::clamp<std::size_t>(cfg_.max_entries ? cfg_.max_entries : 8192, 10, 1'000'000);
        } else {
          t.ageing = cfg_.ageing;
          t.max_entries = cfg_.max_entries;
        }
        if (port_cfg_.empty() || port_cfg_.size() >= bridge_self)
          throw Error(fmt::format("invalid port count {}: expected 1..{}", port_cfg_.size(), bridge_self - 1));
        t.ports = static_cast<PortId>(port_cfg_.size());
        if (cfg_.flap) t.flap = *cfg_.flap;
        t.reserve = cfg_.reserve;
        t.event_capacity = cfg_.event_capacity;
        t.events = cfg_.events;
        return t;
      }()),
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
  if (cfg_.hit_learning_delay.ns < 0) throw Error("invalid hit_learning_delay: must be >= 0");

  std::vector<std::string> link_names;
  ports_.resize(port_cfg_.size());
  for (std::size_t i = 0; i < port_cfg_.size(); ++i) {
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
      const std::string& mode = pc.lag->mode;
      ps.bond_mode = mode == "balance-slb" ? 1 : mode == "active-backup" ? 2 : mode == "balance-tcp" ? 3 : 0;
      ps.bond_basis = pc.lag->basis;
      for (std::size_t m = 0; m < pc.lag->members.size(); ++m) {
        links_.push_back({static_cast<PortId>(i), static_cast<std::uint16_t>(m), true});
        link_names.push_back(pc.lag->members[m]);
      }
      has_lags_ = true;
      if (prof == Profile::ovs_3_1) {
        lag::OvsBondConfig bc;
        if (mode == "balance-slb") bc.mode = lag::OvsBondMode::balance_slb;
        else if (mode == "active-backup") bc.mode = lag::OvsBondMode::active_backup;
        else if (mode == "balance-tcp") bc.mode = lag::OvsBondMode::balance_tcp;
        else
          throw Error(fmt::format("unknown bond mode '{}' for port '{}': expected balance-slb, active-backup or "
                                  "balance-tcp", mode, pc.name));
        bc.basis = pc.lag->basis;
        bc.rebalance_interval_ms = pc.lag->rebalance_interval_ms;
        bc.first_rebalance_ms = pc.lag->first_rebalance_ms;
        bc.primary = pc.lag->primary;
        const std::string& lacp = pc.lag->lacp;
        bc.lacp = lacp == "off" || lacp.empty() ? lag::OvsLacpStatus::off
                  : lacp == "negotiated"        ? lag::OvsLacpStatus::negotiated
                                                : lag::OvsLacpStatus::configured;
        impl_->bonds.push_back(std::make_unique<lag::OvsBond>(pc.name, pc.lag->members, bc, Time{}));
        ps.bond = impl_->bonds.back().get();
      } else {
        std::string spec = pc.lag->spec;
        if (spec.empty()) {
          spec = prof == Profile::linux_bridge     ? "linux-6.12:802.3ad;xmit_hash_policy=layer2"
                 : prof == Profile::freebsd_bridge ? "freebsd-9.3:lacp"
                                                   : "vendor:table";
        }
        impl_->lags.push_back(std::make_unique<lag::Lag>(lag::Lag::from_spec(spec, pc.lag->members)));
        ps.lag = impl_->lags.back().get();
      }
    } else {
      links_.push_back({static_cast<PortId>(i), 0, true});
      link_names.push_back(pc.name);
    }
    // VLANs
    if (vlan_aware_) {
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
  }
  for (std::size_t i = 0; i < link_names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (link_names[i] == link_names[j]) throw Error(fmt::format("duplicate link name '{}'", link_names[i]));
  link_names_ = std::move(link_names);
  port_counters_.resize(ports_.size());
  for (std::size_t i = 0; i < ports_.size(); ++i) refresh_fast(static_cast<PortId>(i));
  per_frame_work_ = has_lags_ || prof == Profile::ovs_3_1;

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
  h.fast_in = cfg_.profile != Profile::ovs_3_1 && clean && P.learning && !P.locked;
  h.fast_out = clean && P.links_up > 0 && !P.is_lag;
  h.first_link = P.first_link;
  for (std::size_t l = P.first_link; l < std::size_t{P.first_link} + P.link_count; ++l)
    link_hot_[l] = LinkHot{p, h.fast_in && links_[l].carrier};
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
  if (P.bond) P.bond->set_carrier(L.member, up, now);
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

// ---- show ----------------------------------------------------------------------------------

namespace {
std::string json_str(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20) o += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    else o += c;
  }
  return o + "\"";
}
}  // namespace

template <class Store>
std::string BasicSwitch<Store>::fdb_show(Time now, Format f) {
  const auto rows = fdb_rows(now);
  std::string out;
  if (f == Format::json) {
    out = fmt::format("{{\"bridge\":{},\"profile\":{},\"entries\":[", json_str(cfg_.name),
                      json_str(to_string(cfg_.profile)));
    bool first = true;
    for (const auto& r : rows) {
      out += fmt::format("{}{{\"port\":{},\"vlan\":{},\"mac\":\"{}\",\"static\":{},\"sticky\":{},\"age\":{}}}",
                         first ? "" : ",", json_str(r.port), r.vlan ? std::to_string(*r.vlan) : "null",
                         r.mac.to_string(), r.is_static ? "true" : "false", r.sticky ? "true" : "false", r.age_s);
      first = false;
    }
    out += "]}";
    return out;
  }
  // ovs-appctl fdb/show layout: " port  VLAN  MAC                Age"
  out = " port  VLAN  MAC                Age\n";
  for (const auto& r : rows) {
    out += fmt::format("{:>5}  {:>4}  {}  ", r.port, r.vlan ? std::to_string(*r.vlan) : "-", r.mac.to_string());
    out += r.is_static ? "static\n" : fmt::format("{:>3}\n", r.age_s);
  }
  return out;
}

template <class Store>
std::string BasicSwitch<Store>::fdb_stats(Time now, Format f) {
  advance(now);
  table_.age(now);
  const TableCounters& c = table_.counters();
  const std::size_t max = table_.config().max_entries;
  const FlapCounters& fc = table_.flap().counters();
  if (f == Format::json) {
    std::string drops;
    for (std::size_t i = 1; i < drop_reason_count; ++i) {
      if (!counters_.dropped_by[i]) continue;
      drops += fmt::format("{}{}:{}", drops.empty() ? "" : ",", json_str(to_string(static_cast<DropReason>(i))),
                           counters_.dropped_by[i]);
    }
    return fmt::format(
        "{{\"bridge\":{},\"profile\":{},\"current\":{},\"maximum\":{},\"static\":{},\"learned\":{},"
        "\"expired\":{},\"evicted\":{},\"moved\":{},\"refused_full\":{},\"refused_flap\":{},"
        "\"frames\":{{\"rx\":{},\"forwarded\":{},\"flooded\":{},\"flood_copies\":{},\"tx\":{},\"to_host\":{},"
        "\"dropped\":{},\"dropped_by\":{{{}}}}},"
        "\"flap\":{{\"moves_seen\":{},\"events\":{},\"frames_dropped\":{},\"pins\":{},\"moves_refused\":{},"
        "\"learning_disabled\":{},\"ports_shutdown\":{}}}}}",
        json_str(cfg_.name), json_str(to_string(cfg_.profile)), table_.size(),
        max ? std::to_string(max) : "null", table_.static_count(), c.learned, c.expired, c.evicted, c.moved,
        c.refused_full, c.refused_flap, counters_.rx, counters_.forwarded, counters_.flooded,
        counters_.flood_copies, counters_.tx, counters_.to_host, counters_.dropped, drops, fc.moves_seen,
        fc.events, fc.frames_dropped, fc.pins, fc.moves_refused, fc.learning_disabled, fc.ports_shutdown);
  }
  std::string out = fmt::format("Statistics for bridge \"{}\":\n", cfg_.name);
  out += fmt::format("  Current/maximum MAC entries in the table: {}/{}\n", table_.size(),
                     max ? std::to_string(max) : "unlimited");
  out += fmt::format("  Current static MAC entries in the table : {}\n", table_.static_count());
  out += fmt::format("  Total number of learned MAC entries     : {}\n", c.learned);
  out += fmt::format("  Total number of expired MAC entries     : {}\n", c.expired);
  out += fmt::format("  Total number of evicted MAC entries     : {}\n", c.evicted);
  out += fmt::format("  Total number of port moved MAC entries  : {}\n", c.moved);
  out += fmt::format("  Total number of refused MAC entries     : {}\n", c.refused_full + c.refused_flap);
  out += fmt::format("  Frames received                         : {}\n", counters_.rx);
  out += fmt::format("  Frames forwarded to a known port        : {}\n", counters_.forwarded);
  out += fmt::format("  Frames flooded (copies)                 : {} ({})\n", counters_.flooded,
                     counters_.flood_copies);
  out += fmt::format("  Frames consumed locally                 : {}\n", counters_.to_host);
  out += fmt::format("  Frames dropped                          : {}\n", counters_.dropped);
  for (std::size_t i = 1; i < drop_reason_count; ++i) {
    if (!counters_.dropped_by[i]) continue;
    out += fmt::format("    {:<38}: {}\n", to_string(static_cast<DropReason>(i)), counters_.dropped_by[i]);
  }
  if (table_.flap().enabled())
    out += fmt::format("  Flap events / moves seen                : {} / {}\n", fc.events, fc.moves_seen);
  return out;
}

// The product's switch and the benchmark's std::unordered_map reference (bench/switch_bench.cpp).
template class BasicSwitch<detail::FdbTable<detail::Slot>>;
template class BasicSwitch<detail::StdFdbTable<detail::Slot>>;

}  // namespace fwd::l2
