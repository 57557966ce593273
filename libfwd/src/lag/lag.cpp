// Lag: spec parsing, control path, explain and text/JSON output (slow paths).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

#include "fwd/describe/system.hpp"
#include "fwd/describe/json.hpp"
#include "fwd/lag/lag.hpp"

namespace fwd::lag {

namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// What the LAG layer accepts per system; names and aliases live in the registry (fwd/describe/system.hpp).
struct SystemInfo {
  std::string canonical;
  std::vector<std::string> modes;
  std::vector<std::string> options;
};

// The mode names of each system from its mode enum's description table, in documentation order
// (the default first); which modes a system version has is system knowledge, kept here.
template <class E>
std::vector<std::string> mode_names(std::initializer_list<E> modes) {
  std::vector<std::string> out;
  for (E m : modes) out.emplace_back(describe::name_of(m));
  return out;
}

const std::vector<SystemInfo>& systems() {
  using LP = LaggProto;
  using LB = LinuxBondMode;
  using OB = OvsBondMode;
  using DM = DpdkMode;
  using VM = VendorMode;
  static const std::vector<SystemInfo> s = {
      {"freebsd-9.3", mode_names({LP::lacp, LP::loadbalance, LP::failover, LP::roundrobin}),
       {"lagghash", "key", "seed", "use_flowid", "flowid_shift"}},
      {"freebsd-10", mode_names({LP::lacp, LP::loadbalance, LP::failover, LP::roundrobin, LP::broadcast}),
       {"lagghash", "key", "seed", "use_flowid", "flowid_shift", "rr_limit"}},
      {"freebsd-12", mode_names({LP::lacp, LP::loadbalance, LP::failover, LP::roundrobin, LP::broadcast}),
       {"lagghash", "key", "seed", "use_flowid", "flowid_shift", "rr_limit"}},
      {"linux-6.12", mode_names({LB::lacp, LB::balance_xor, LB::active_backup, LB::broadcast, LB::balance_rr}),
       {"xmit_hash_policy", "ad_select", "primary", "primary_reselect", "packets_per_slave", "seed"}},
      {"linux-3.x", mode_names({LB::lacp, LB::balance_xor, LB::active_backup, LB::broadcast, LB::balance_rr}),
       {"xmit_hash_policy", "ad_select", "primary", "primary_reselect", "packets_per_slave", "seed"}},
      {"ovs-3.1", mode_names({OB::balance_slb, OB::balance_tcp, OB::active_backup}),
       {"basis", "rebalance_interval", "primary", "lacp", "lacp_status", "lacp_fallback_ab", "recirculation", "seed",
        "updelay", "downdelay", "all_members_active", "bond"}},
      {"dpdk", mode_names({DM::balance, DM::lacp, DM::round_robin, DM::active_backup, DM::broadcast}),
       {"xmit_policy", "primary"}},
      {"vendor", mode_names({VM::modulo, VM::table, VM::resilient}),
       {"size", "fields", "function", "fn", "seed", "rotate", "offset"}},
  };
  return s;
}

/// Every name of E's description table (for Parsed::choice).
template <class E>
std::vector<std::string> names_of() {
  std::vector<std::string> out;
  for (const auto& e : describe::Enumerators<E>::list) out.emplace_back(e.name);
  return out;
}

/// A LAG spec split into system, mode, options and the optional hash= policy.
struct Parsed {
  std::string_view spec;
  const SystemInfo* sys = nullptr;
  std::string mode;
  std::map<std::string, std::string, std::less<>> opts;
  std::vector<std::string> order;  // options in the order given
  std::optional<std::string> hash;

  [[noreturn]] void fail(const std::string& what) const { throw Error(fmt::format("{} in LAG spec \"{}\"", what, spec)); }
  bool has(std::string_view k) const { return opts.count(k) != 0; }
  std::string get(std::string_view k, std::string fallback) const {
    const auto it = opts.find(k);
    return it == opts.end() ? fallback : it->second;
  }
  std::uint64_t number(std::string_view k, std::uint64_t fallback, std::uint64_t max = 0xffffffffULL) const {
    const auto it = opts.find(k);
    if (it == opts.end()) return fallback;
    std::string_view t = it->second;
    int base = 10;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
      t.remove_prefix(2);
      base = 16;
    }
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
    if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || v > max)
      fail(fmt::format("invalid {}={}: expected a number from 0 to {} (decimal or 0x hex)", k, it->second, max));
    return v;
  }
  bool flag(std::string_view k, bool fallback) const {
    const auto it = opts.find(k);
    if (it == opts.end()) return fallback;
    if (it->second == "1" || it->second == "true" || it->second == "yes") return true;
    if (it->second == "0" || it->second == "false" || it->second == "no") return false;
    fail(fmt::format("invalid {}={}: expected 0 or 1", k, it->second));
  }
  std::string choice(std::string_view k, std::string fallback, const std::vector<std::string>& allowed) const {
    const std::string v = get(k, fallback);
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      fail(fmt::format("invalid {}={}: expected {}", k, v, join(allowed)));
    return v;
  }
};

Parsed parse(std::string_view spec) {
  Parsed p;
  p.spec = spec;
  const auto colon = spec.find(':');
  const std::string_view sys = spec.substr(0, colon);
  std::string_view name;
  try {
    name = describe::find_system(sys, describe::Layer::lag, "LAG system").name;
  } catch (const Error& e) {  // "<problem> in LAG spec "<spec>": <accepted>"
    const std::string_view m = e.what();
    const auto c = m.find(": ");
    throw Error(fmt::format("{} in LAG spec \"{}\"{}", m.substr(0, c), spec, c == m.npos ? "" : m.substr(c)));
  }
  for (const auto& s : systems())
    if (s.canonical == name) p.sys = &s;
  if (colon == std::string_view::npos)
    p.fail(fmt::format("missing mode after '{}:': expected {}", sys, join(p.sys->modes)));
  std::string_view rest = spec.substr(colon + 1);
  bool first = true;
  while (true) {
    const auto semi = rest.find(';');
    std::string_view tok = rest.substr(0, semi);
    if (first) {
      p.mode = std::string(tok);
      if (p.mode == "fec") p.mode = "loadbalance";  // FreeBSD's alias
      if (std::find(p.sys->modes.begin(), p.sys->modes.end(), p.mode) == p.sys->modes.end()) {
        std::string why = fmt::format("unknown mode '{}' for {}: expected {}", tok, p.sys->canonical, join(p.sys->modes));
        if (tok == "broadcast" && p.sys->canonical == "freebsd-9.3") why += " (laggproto broadcast appeared in FreeBSD 10)";
        p.fail(why);
      }
      first = false;
    } else if (tok.substr(0, 5) == "hash=") {
      p.hash = std::string(rest.substr(5));  // takes the rest: a policy spec has its own ';'
      if (p.hash->empty()) p.fail("empty hash=: expected a hash policy spec such as linux-6.12:layer3+4");
      break;
    } else if (!tok.empty()) {
      const auto eq = tok.find('=');
      if (eq == std::string_view::npos) p.fail(fmt::format("option '{}' without a value: expected key=value", tok));
      std::string key(tok.substr(0, eq));
      if (std::find(p.sys->options.begin(), p.sys->options.end(), key) == p.sys->options.end())
        p.fail(fmt::format("unknown option '{}' for {}: expected {}, hash", key, p.sys->canonical, join(p.sys->options)));
      if (p.opts.count(key)) p.fail(fmt::format("option '{}' given twice", key));
      p.opts[key] = std::string(tok.substr(eq + 1));
      p.order.push_back(key);
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return p;
}

MemberIndex find_member(const Parsed& p, const std::vector<std::string>& names, std::string_view key) {
  if (!p.has(key)) return no_member;
  const std::string v = p.get(key, "");
  for (MemberIndex i = 0; i < names.size(); ++i)
    if (names[i] == v) return i;
  p.fail(fmt::format("unknown member '{}' in {}={}: expected one of {}", v, key, v, join(names)));
}

hash::Policy make_policy(const Parsed& p, const std::string& fallback) {
  const std::string spec = p.hash ? *p.hash : fallback;
  try {
    return hash::Policy::from_spec(spec);
  } catch (const Error& e) {
    throw Error(fmt::format("{} (hash policy of LAG spec \"{}\")", e.what(), p.spec));
  }
}

}  // namespace

Lag Lag::from_spec(std::string_view spec, std::vector<std::string> members) {
  const Parsed p = parse(spec);
  const std::string& sys = p.sys->canonical;
  if (members.empty())
    throw Error(fmt::format("LAG \"{}\" has no members: give at least one member name", spec));
  if (members.size() > max_members)
    throw Error(fmt::format("LAG \"{}\" has {} members: at most {} are supported", spec, members.size(), max_members));
  std::set<std::string_view> seen;
  for (const auto& m : members) {
    if (m.empty()) throw Error(fmt::format("empty member name in LAG \"{}\"", spec));
    if (!seen.insert(m).second) throw Error(fmt::format("member '{}' listed twice in LAG \"{}\"", m, spec));
  }

  std::string sys_opts;  // canonical system options, "key=value;" each
  auto opt = [&](std::string_view k, const std::string& v) { sys_opts += fmt::format(";{}={}", k, v); };
  std::optional<hash::Policy> policy;
  std::optional<Distributor> dist;

  if (sys.rfind("freebsd", 0) == 0) {
    const FreebsdVersion v = sys == "freebsd-9.3" ? FreebsdVersion::v9_3 : sys == "freebsd-10" ? FreebsdVersion::v10 : FreebsdVersion::current;
    const LaggProto proto = describe::parse_enumerator<LaggProto>(p.mode);
    auto cfg = FreebsdLagg::defaults(v, proto);
    cfg.use_flowid = p.flag("use_flowid", cfg.use_flowid);
    cfg.flowid_shift = static_cast<unsigned>(p.number("flowid_shift", cfg.flowid_shift, 31));
    if (v == FreebsdVersion::v9_3 && p.has("flowid_shift") && cfg.flowid_shift != 0)
      p.fail("flowid_shift appeared in FreeBSD 10: FreeBSD 9.3 uses the flow id unshifted (flowid_shift=0)");
    if (p.hash && (p.has("lagghash") || p.has("key") || p.has("seed")))
      p.fail("lagghash/key/seed configure the lagg hash; they cannot be combined with hash=");
    std::string pol = fmt::format("{}:{}", sys, p.get("lagghash", "l2,l3,l4"));  // the same system's hash
    if (p.has("key")) pol += ";key=" + p.get("key", "");
    if (p.has("seed")) pol += ";seed=" + p.get("seed", "");
    cfg.rr_limit = static_cast<std::uint32_t>(p.number("rr_limit", 1));
    if (cfg.rr_limit == 0) p.fail("invalid rr_limit=0: expected a number of packets from 1");
    opt("use_flowid", cfg.use_flowid ? "1" : "0");
    opt("flowid_shift", std::to_string(cfg.flowid_shift));
    if (proto == LaggProto::roundrobin && v != FreebsdVersion::v9_3) opt("rr_limit", std::to_string(cfg.rr_limit));
    policy = make_policy(p, pol);
    dist.emplace(std::in_place_type<FreebsdLagg>, cfg);
  } else if (sys == "linux-6.12" || sys == "linux-3.x") {
    LinuxBond::Config cfg;
    cfg.rule = sys == "linux-6.12" ? LinuxSelectRule::usable_array : LinuxSelectRule::next_usable;
    cfg.mode = describe::parse_enumerator<LinuxBondMode>(p.mode);
    const std::string ad = p.choice("ad_select", "stable", names_of<AdSelect>());
    cfg.ad_select = describe::parse_enumerator<AdSelect>(ad);
    const std::string rs = p.choice("primary_reselect", "always", names_of<PrimaryReselect>());
    cfg.primary_reselect = describe::parse_enumerator<PrimaryReselect>(rs);
    cfg.primary = find_member(p, members, "primary");
    cfg.packets_per_slave = static_cast<std::uint32_t>(p.number("packets_per_slave", 1, 65535));
    cfg.seed = p.number("seed", 0, ~0ULL);
    if (p.hash && p.has("xmit_hash_policy")) p.fail("xmit_hash_policy and hash= both set the hash: give one");
    if (cfg.mode == LinuxBondMode::lacp) opt("ad_select", ad);
    if (cfg.mode == LinuxBondMode::active_backup) {
      if (cfg.primary != no_member) opt("primary", members[cfg.primary]);
      opt("primary_reselect", rs);
    }
    if (cfg.mode == LinuxBondMode::balance_rr) {
      opt("packets_per_slave", std::to_string(cfg.packets_per_slave));
      if (cfg.packets_per_slave == 0) opt("seed", std::to_string(cfg.seed));
    }
    policy = make_policy(p, "linux-6.12:" + p.get("xmit_hash_policy", "layer2"));
    dist.emplace(std::in_place_type<LinuxBond>, cfg);
  } else if (sys == "ovs-3.1") {
    OvsBondConfig cfg;
    cfg.mode = describe::parse_enumerator<OvsBondMode>(p.mode);
    cfg.basis = static_cast<std::uint32_t>(p.number("basis", 0));
    // OVS's own other_config: the three delays in integer milliseconds.
    cfg.rebalance_interval = Time::from_ms(static_cast<std::int64_t>(p.number("rebalance_interval", 10000, OvsBondConfig::max_ms)));
    if (p.has("primary")) {
      find_member(p, members, "primary");
      cfg.primary = p.get("primary", "");
    }
    const bool tcp = cfg.mode == OvsBondMode::balance_tcp;
    // The Port `lacp` column: off, active or passive. With LACP on, lacp_status says whether the
    // partner negotiated (default: it did); `lacp=configured|negotiated` are the older spellings
    // of lacp=active with that status.
    const std::string lacp_col =
        p.choice("lacp", tcp ? "active" : "off", std::vector<std::string>(ovs_lacp_values.begin(), ovs_lacp_values.end()));
    cfg.lacp = ovs_lacp_status(lacp_col);
    if (p.has("lacp_status")) {
      if (lacp_col == "off") p.fail("lacp_status applies only with lacp=active or lacp=passive");
      cfg.lacp = describe::parse_enumerator<OvsLacpStatus>(p.choice("lacp_status", "negotiated", {"negotiated", "configured"}));
    }
    cfg.all_members_active = p.flag("all_members_active", false);
    cfg.lacp_fallback_ab = p.flag("lacp_fallback_ab", false);
    cfg.recirculation = p.flag("recirculation", tcp);
    if (cfg.recirculation && !tcp) p.fail("recirculation=1 applies to balance-tcp only");
    cfg.seed = p.number("seed", 0, ~0ULL);
    cfg.updelay = Time::from_ms(static_cast<std::int64_t>(p.number("updelay", 0, OvsBondConfig::max_ms)));
    cfg.downdelay = Time::from_ms(static_cast<std::int64_t>(p.number("downdelay", 0, OvsBondConfig::max_ms)));
    const std::string bond = p.get("bond", "bond0");
    if (p.hash && p.has("basis")) p.fail("basis and hash= both set the hash: give one");
    opt("bond", bond);
    const std::int64_t interval_ms = cfg.rebalance_interval.ns / 1'000'000;
    if (cfg.mode != OvsBondMode::active_backup) opt("rebalance_interval", std::to_string(interval_ms < 1000 && interval_ms ? 1000 : interval_ms));
    if (!cfg.primary.empty()) opt("primary", cfg.primary);
    opt("lacp", to_string(cfg.lacp));
    if (cfg.lacp_fallback_ab) opt("lacp_fallback_ab", "1");
    if (cfg.all_members_active) opt("all_members_active", "1");
    if (tcp) {
      opt("recirculation", cfg.recirculation ? "1" : "0");
      if (cfg.recirculation) opt("seed", std::to_string(cfg.seed));
    }
    if (cfg.updelay.ns) opt("updelay", std::to_string(cfg.updelay.ns / 1'000'000));
    if (cfg.downdelay.ns) opt("downdelay", std::to_string(cfg.downdelay.ns / 1'000'000));
    policy = make_policy(p, fmt::format("ovs-3.1:{};basis={}", tcp ? "balance-tcp" : "balance-slb", cfg.basis));
    OvsBondLag d{OvsBond(bond, members, cfg), {}};
    dist.emplace(std::in_place_type<OvsBondLag>, std::move(d));
  } else if (sys == "dpdk") {
    DpdkBond::Config cfg;
    cfg.mode = describe::parse_enumerator<DpdkMode>(p.mode);
    cfg.primary = find_member(p, members, "primary");
    if (p.hash && p.has("xmit_policy")) p.fail("xmit_policy and hash= both set the hash: give one");
    if (cfg.mode == DpdkMode::active_backup && cfg.primary != no_member) opt("primary", members[cfg.primary]);
    policy = make_policy(p, "dpdk:" + p.get("xmit_policy", "l2"));
    dist.emplace(std::in_place_type<DpdkBond>, cfg);
  } else {  // vendor
    VendorLag::Config cfg;
    cfg.mode = describe::parse_enumerator<VendorMode>(p.mode);
    cfg.buckets = static_cast<std::uint32_t>(p.number("size", cfg.mode == VendorMode::resilient ? 128 : 8, 65536));
    if (cfg.mode != VendorMode::modulo && cfg.buckets == 0) p.fail("invalid size=0: expected 1 to 65536 buckets");
    std::string pol = "vendor:" + p.get("fields", "5tuple");
    bool hash_opts = p.has("fields");
    for (const auto& k : p.order) {
      if (k == "function" || k == "fn") pol += ";function=" + p.get(k, "");
      else if (k == "seed" || k == "rotate" || k == "offset") pol += ";" + k + "=" + p.get(k, "");
      else continue;
      hash_opts = true;
    }
    if (p.hash && hash_opts) p.fail("fields/function/seed/rotate configure the vendor hash; they cannot be combined with hash=");
    if (cfg.mode != VendorMode::modulo) opt("size", std::to_string(cfg.buckets));
    policy = make_policy(p, pol);
    if (const auto* vh = std::get_if<hash::VendorHasher>(&policy->hasher())) cfg.hash_config = vh->config;
    dist.emplace(std::in_place_type<VendorLag>, cfg);
  }

  Lag lag(std::move(*policy), std::move(*dist));
  lag.system_ = sys;
  lag.mode_ = p.mode;
  lag.spec_ = fmt::format("{}:{}{};hash={}", sys, p.mode, sys_opts, lag.policy_.spec());
  // Members join one after another in list order (added, enslaved, up, distributing).
  std::visit([&](auto& d) {
    using D = std::decay_t<decltype(d)>;
    for (MemberIndex i = 0; i < members.size(); ++i) {
      MemberState st;
      st.ifindex = i + 1u;
      lag.states_.push_back(st);
      lag.names_.push_back(members[i]);
      if constexpr (std::is_same_v<D, FreebsdLagg>) d.add_port(i, lag.states_, Time{}, true);
      else if constexpr (std::is_same_v<D, OvsBondLag>) d.last.assign(lag.states_.begin(), lag.states_.end());
      else d.add_member(i, lag.states_, Time{});
    }
    if constexpr (std::is_same_v<D, VendorLag>) d.finish_initial();
  }, lag.dist_);
  return lag;
}

MemberIndex Lag::index_of(std::string_view name) const {
  for (MemberIndex i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return i;
  throw Error(fmt::format("unknown member '{}' of LAG \"{}\": expected one of {}", name, spec_, join(names_)));
}

MemberIndex Lag::add_member(std::string name, Time now) {
  if (names_.size() >= max_members)
    throw Error(fmt::format("LAG \"{}\" already has {} members: at most {} are supported", spec_, names_.size(), max_members));
  if (name.empty()) throw Error("empty member name");
  if (std::find(names_.begin(), names_.end(), name) != names_.end())
    throw Error(fmt::format("member '{}' is already in LAG \"{}\"", name, spec_));
  const auto m = static_cast<MemberIndex>(names_.size());
  MemberState st;
  st.ifindex = m + 1u;
  states_.push_back(st);
  names_.push_back(name);
  std::visit([&](auto& d) {
    using D = std::decay_t<decltype(d)>;
    if constexpr (std::is_same_v<D, FreebsdLagg>) d.add_port(m, states_, now, false);
    else if constexpr (std::is_same_v<D, OvsBondLag>) {
      d.bond.add_member(name, now);
      d.last.assign(states_.begin(), states_.end());
    } else d.add_member(m, states_, now);
  }, dist_);
  return m;
}

void Lag::changed(Time now) {
  std::visit([&](auto& d) { d.update(states_, now); }, dist_);
}

void Lag::set_link(MemberIndex m, bool up, Time now) {
  states_.at(m).link_up = up;
  changed(now);
}
void Lag::set_admin(MemberIndex m, bool up, Time now) {
  states_.at(m).admin_up = up;
  changed(now);
}
void Lag::set_lacp(MemberIndex m, bool attached, bool collecting, bool distributing, Time now) {
  auto& s = states_.at(m);
  s.attached = attached;
  s.collecting = collecting;
  s.distributing = distributing;
  changed(now);
}
void Lag::set_state(MemberIndex m, const MemberState& s, Time now) {
  states_.at(m) = s;
  changed(now);
}
void Lag::run(Time now) {
  if (auto* d = std::get_if<OvsBondLag>(&dist_)) d->bond.run(now);
}
void Lag::end_transit() {
  if (auto* d = std::get_if<FreebsdLagg>(&dist_)) d->end_transit();
}

std::uint64_t Lag::hash(net::Bytes frame, const net::PacketMeta& meta) const {
  return std::visit([&](const auto& d) -> std::uint64_t {
    using D = std::decay_t<decltype(d)>;
    if constexpr (std::is_same_v<D, FreebsdLagg>) {
      if (const auto f = d.flowid_hash(meta.flow_hash)) return *f;
    }
    if (!d.needs_hash()) return 0;
    return policy_.hash(frame, meta);
  }, dist_);
}

Selection Lag::select_value(std::uint64_t h, const Time* now) {
  return std::visit([&](auto& d) -> Selection {
    using D = std::decay_t<decltype(d)>;
    if constexpr (std::is_same_v<D, FreebsdLagg>) return d.select(static_cast<std::uint32_t>(h), states_, now);
    else return d.select(static_cast<std::uint32_t>(h), states_);
  }, dist_);
}

bool Lag::order_dependent() const {
  return std::visit([](const auto& d) {
    using D = std::decay_t<decltype(d)>;
    if constexpr (std::is_same_v<D, OvsBondLag>) return true;
    else if constexpr (std::is_same_v<D, LinuxBond>) return d.config().mode == LinuxBondMode::balance_rr;
    else if constexpr (std::is_same_v<D, FreebsdLagg>) return d.config().proto == LaggProto::roundrobin;
    else if constexpr (std::is_same_v<D, DpdkBond>) return d.config().mode == DpdkMode::round_robin;
    else return false;  // VendorLag: select is const
  }, dist_);
}

MemberArray Lag::broadcast_members() const {
  MemberArray out;
  for (MemberIndex m : order())
    if (states_[m].is_up()) out.push_back(m);
  return out;
}

LagExplanation Lag::explain(net::Bytes frame, const net::PacketMeta& meta) const {
  LagExplanation e;
  e.lag_spec = spec_;
  e.follows = follows();
  Distributor copy = dist_;
  std::optional<std::uint32_t> flowid;
  bool needs = true;
  std::visit([&](const auto& d) {
    using D = std::decay_t<decltype(d)>;
    if constexpr (std::is_same_v<D, FreebsdLagg>) flowid = d.flowid_hash(meta.flow_hash);
    needs = d.needs_hash();
  }, dist_);
  if (flowid) {
    const auto& c = std::get<FreebsdLagg>(dist_).config();
    e.hash = *flowid;
    e.hash_source = fmt::format("use_flowid: the packet's flow id 0x{:08x} >> {} = 0x{:08x} replaces lagghash",
                                *meta.flow_hash, c.flowid_shift, *flowid);
  } else if (!needs) {
    e.hash_source = fmt::format("not hashed: {} does not use a hash", mode_);
  } else {
    const auto n = static_cast<std::uint32_t>(std::max<std::size_t>(1, order().size()));
    e.hash_walk = policy_.explain(frame, meta, n);
    e.hash = e.hash_walk->hash;
    e.hash_source = "hash policy " + policy_.spec();
  }
  std::visit([&](auto& d) {
    using D = std::decay_t<decltype(d)>;
    const auto& orig = std::get<D>(dist_);
    MemberStates s = states_;
    if constexpr (std::is_same_v<D, FreebsdLagg>) e.selection = d.select(static_cast<std::uint32_t>(e.hash), s, nullptr);
    else e.selection = d.select(static_cast<std::uint32_t>(e.hash), s);
    e.step = orig.describe(static_cast<std::uint32_t>(e.hash), states_, names_, e.selection);
  }, copy);
  if (e.selection.outcome == Outcome::member) e.member = names_[e.selection.member];
  if (e.selection.outcome == Outcome::broadcast)
    for (MemberIndex m : broadcast_members()) e.copies.push_back(names_[m]);
  return e;
}

namespace {
std::string indent(const std::string& text, std::string_view pad) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const auto line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += std::string(pad) + line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}
}  // namespace

std::string LagExplanation::to_text() const {
  std::string s;
  s += fmt::format("lag: {}\nfollows: {}\nhash: {}\n", lag_spec, follows, hash_source);
  if (hash_walk) s += indent(hash_walk->to_text(), "  ");
  s += fmt::format("distributor: {}\n", step);
  switch (selection.outcome) {
    case Outcome::member: s += fmt::format("member: {} (index {})\n", member, selection.member); break;
    case Outcome::broadcast: s += fmt::format("broadcast: a copy to each of {}\n", join(copies)); break;
    default: s += fmt::format("{}\n", outcome_name(selection.outcome)); break;
  }
  return s;
}

describe::json::value LagExplanation::to_json() const {
  namespace json = describe::json;
  json::object o;
  o["lag"] = lag_spec;
  o["follows"] = follows;
  o["hash_source"] = hash_source;
  o["hash"] = hash;
  o["hash_walk"] = hash_walk ? hash_walk->to_json() : json::value(nullptr);
  o["step"] = step;
  o["outcome"] = outcome_key(selection.outcome);
  if (selection.outcome == Outcome::no_member || selection.outcome == Outcome::transit)
    o["reason"] = selection.outcome == Outcome::transit ? "lacp transit window" : "no member can transmit";
  const bool one = selection.outcome == Outcome::member;
  o["member"] = one ? json::value(member) : json::value(nullptr);
  o["index"] = one ? json::value(selection.member) : json::value(nullptr);
  json::array c;
  for (const auto& n : copies) c.emplace_back(n);
  o["copies"] = std::move(c);
  return o;
}

std::string Lag::to_text() const {
  std::string s = fmt::format("lag: {}\nfollows: {}\nmembers:\n", spec_, follows());
  for (MemberIndex i = 0; i < names_.size(); ++i) {
    const auto& st = states_[i];
    s += fmt::format("  {} {}: link {}, admin {}, lacp {}{}{}, aggregator {}\n", i, names_[i], st.link_up ? "up" : "down",
                     st.admin_up ? "up" : "down", st.attached ? "A" : "-", st.collecting ? "C" : "-",
                     st.distributing ? "D" : "-", st.aggregator);
  }
  std::vector<std::string> ord;
  for (MemberIndex m : order()) ord.push_back(names_[m]);
  s += fmt::format("order: [{}]\n", join(ord));
  if (const auto* b = ovs_bond()) s += b->show(Time{});
  return s;
}

describe::json::value Lag::to_json() const {
  namespace json = describe::json;
  json::array members;
  for (MemberIndex i = 0; i < names_.size(); ++i) {
    const auto& st = states_[i];
    members.push_back(json::object{{"name", names_[i]}, {"link_up", st.link_up}, {"admin_up", st.admin_up},
                                   {"attached", st.attached}, {"collecting", st.collecting},
                                   {"distributing", st.distributing}, {"aggregator", st.aggregator},
                                   {"speed_mbps", st.speed_mbps}, {"ifindex", st.ifindex}});
  }
  json::array ord;
  for (MemberIndex m : order()) ord.emplace_back(names_[m]);
  json::object o{{"lag", spec_}, {"system", system_}, {"mode", mode_}, {"follows", follows()}, {"policy", policy_.spec()}};
  o["members"] = std::move(members);
  o["order"] = std::move(ord);
  if (const auto* b = ovs_bond()) o["bond"] = b->to_json(Time{});
  return o;
}

WhatIf what_if(const Lag& lag, const hash::Policy::Batch& flows, std::span<const std::string> fail,
               std::span<const std::string> add) {
  WhatIf w;
  w.lag_spec = lag.spec();
  w.failed.assign(fail.begin(), fail.end());
  w.added.assign(add.begin(), add.end());
  w.flows = flows.count;
  Lag before = lag;
  std::vector<std::int16_t> a(flows.count), b(flows.count);
  before.select_batch(flows, a.data());
  Lag after = before;
  for (const auto& n : add) after.add_member(n);
  std::vector<MemberIndex> failed_idx;
  for (const auto& n : fail) {
    const MemberIndex m = after.index_of(n);
    failed_idx.push_back(m);
    after.set_link(m, false);
  }
  after.select_batch(flows, b.data());
  w.members.assign(after.names().begin(), after.names().end());
  w.before.assign(w.members.size(), 0);
  w.after.assign(w.members.size(), 0);
  const std::size_t old_n = lag.size();
  for (std::size_t i = 0; i < flows.count; ++i) {
    if (a[i] >= 0) ++w.before[static_cast<std::size_t>(a[i])];
    else if (a[i] == batch_broadcast) ++w.broadcast_before;
    else ++w.dropped_before;
    if (b[i] >= 0) ++w.after[static_cast<std::size_t>(b[i])];
    else if (b[i] == batch_broadcast) ++w.broadcast_after;
    else ++w.dropped_after;
    if (a[i] != b[i]) ++w.moved;
    const bool was_on_failed = a[i] >= 0 && std::find(failed_idx.begin(), failed_idx.end(), static_cast<MemberIndex>(a[i])) != failed_idx.end();
    const bool now_on_added = b[i] >= 0 && static_cast<std::size_t>(b[i]) >= old_n;
    if (was_on_failed || now_on_added) ++w.min_moved;
  }
  return w;
}

std::string WhatIf::to_text() const {
  auto pct = [&](std::uint64_t v) { return flows ? 100.0 * static_cast<double>(v) / static_cast<double>(flows) : 0.0; };
  std::string s = fmt::format("lag: {}\nflows: {}\nfailed: {}\nadded: {}\n", lag_spec, flows,
                              failed.empty() ? "-" : join(failed), added.empty() ? "-" : join(added));
  std::size_t w = 8;
  for (const auto& m : members) w = std::max(w, m.size());
  s += fmt::format("{:<{}}  {:>10}  {:>10}  {:>10}\n", "member", w, "before", "after", "change");
  for (std::size_t i = 0; i < members.size(); ++i) {
    std::string tag;
    if (std::find(failed.begin(), failed.end(), members[i]) != failed.end()) tag = "  (failed)";
    if (std::find(added.begin(), added.end(), members[i]) != added.end()) tag = "  (added)";
    s += fmt::format("{:<{}}  {:>10}  {:>10}  {:>+10}{}\n", members[i], w, before[i], after[i],
                     static_cast<std::int64_t>(after[i]) - static_cast<std::int64_t>(before[i]), tag);
  }
  if (dropped_before || dropped_after)
    s += fmt::format("{:<{}}  {:>10}  {:>10}\n", "dropped", w, dropped_before, dropped_after);
  if (broadcast_before || broadcast_after)
    s += fmt::format("{:<{}}  {:>10}  {:>10}\n", "broadcast", w, broadcast_before, broadcast_after);
  s += fmt::format("moved: {} of {} flows ({:.1f}%); minimum possible: {} ({:.1f}%)\n", moved, flows, pct(moved),
                   min_moved, pct(min_moved));
  return s;
}

describe::json::value WhatIf::to_json() const {
  namespace json = describe::json;
  json::array rows;
  for (std::size_t i = 0; i < members.size(); ++i)
    rows.push_back(json::object{{"member", members[i]}, {"before", before[i]}, {"after", after[i]},
                                {"failed", std::find(failed.begin(), failed.end(), members[i]) != failed.end()},
                                {"added", std::find(added.begin(), added.end(), members[i]) != added.end()}});
  json::array f, a;
  for (const auto& n : failed) f.emplace_back(n);
  for (const auto& n : added) a.emplace_back(n);
  json::object o{{"lag", lag_spec}, {"flows", flows}};
  o["failed"] = std::move(f);
  o["added"] = std::move(a);
  o["members"] = std::move(rows);
  o["dropped_before"] = dropped_before;
  o["dropped_after"] = dropped_after;
  o["broadcast_before"] = broadcast_before;
  o["broadcast_after"] = broadcast_after;
  o["moved"] = moved;
  o["moved_share"] = moved_share();
  o["min_moved"] = min_moved;
  o["min_moved_share"] = flows ? static_cast<double>(min_moved) / static_cast<double>(flows) : 0.0;
  return o;
}

std::string ovs_bond_spec(const OvsBondConfig& c, std::span<const std::string_view> settings) {
  const auto& table = describe::Settings<OvsBondConfig>::list;
  auto named = [&](std::string_view name) { return std::find(settings.begin(), settings.end(), name) != settings.end(); };
  for (auto name : settings) {
    if (std::none_of(table.begin(), table.end(), [&](const auto& f) { return f.name == name; })) {
      std::string accepted;
      for (const auto& f : table) accepted += (accepted.empty() ? "" : ", ") + std::string(f.name);
      throw Error(fmt::format("unknown OVS bond setting '{}': expected one of {}", name, accepted));
    }
    if (name == "first_rebalance" || name == "start_up")
      throw Error(fmt::format("{}: the ovs-3.1 LAG spec has no option for it", name));
  }
  c.validate();
  std::string spec = fmt::format("ovs-3.1:{}", to_string(c.mode));
  for (const auto& f : table) {
    if (f.name == "mode" || !named(f.name)) continue;
    std::visit(
        [&](auto member) {
          const auto& v = c.*member;
          using V = std::remove_cvref_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Time>) {  // whole ms (validate())
            spec += fmt::format(";{}={}", f.name, v.ns / 1'000'000);
          } else if constexpr (std::is_same_v<V, bool>) {
            spec += fmt::format(";{}={}", f.name, v ? 1 : 0);
          } else if constexpr (std::is_same_v<V, OvsLacpStatus>) {
            // The Port lacp column: negotiated is `active` (the partner answering is the spec's
            // default status), configured is `active` with the partner silent.
            spec += v == OvsLacpStatus::off ? ";lacp=off"
                    : v == OvsLacpStatus::negotiated ? ";lacp=active"
                                                     : ";lacp=active;lacp_status=configured";
          } else if constexpr (std::is_same_v<V, std::string>) {
            if (v.find_first_of(";=") != std::string::npos)
              throw Error(fmt::format("{}: '{}' cannot be written into a LAG spec (contains ';' or '=')", f.name, v));
            if (!v.empty()) spec += fmt::format(";{}={}", f.name, v);
          } else if constexpr (std::is_integral_v<V>) {
            spec += fmt::format(";{}={}", f.name, v);
          } else {
            throw Error(fmt::format("{}: the ovs-3.1 LAG spec has no option for it", f.name));
          }
        },
        f.member);
  }
  return spec;
}

}  // namespace fwd::lag
