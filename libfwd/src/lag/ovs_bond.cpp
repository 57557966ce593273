// OvsBond control path, rebalancing and bond/show (OVS 3.1.0 ofproto/bond.c behaviour).
#include <algorithm>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "fwd/describe/json.hpp"
#include "fwd/hash/splitmix64.hpp"
#include "fwd/lag/ovs_bond.hpp"

namespace fwd::lag {

namespace {
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}
}  // namespace

OvsLacpStatus ovs_lacp_status(std::string_view lacp) {
  if (lacp == "off") return OvsLacpStatus::off;
  if (lacp == "configured") return OvsLacpStatus::configured;
  if (lacp == "active" || lacp == "passive" || lacp == "negotiated") return OvsLacpStatus::negotiated;
  std::string accepted;
  for (auto v : ovs_lacp_values) accepted += (accepted.empty() ? "" : ", ") + std::string(v);
  describe::throw_unknown("OVS lacp", lacp, accepted);
}

void OvsBondConfig::validate() const {
  // OVS reads the three columns as integer milliseconds (smap_get_int): a finer time has no
  // OVS equivalent, so it is refused rather than rounded.
  auto whole_ms = [](std::string_view name, Time t) {
    if (t.ns < 0 || t.ns > max_ms * 1'000'000 || t.ns % 1'000'000 != 0)
      throw Error(fmt::format("{}: {} s out of range: expected a whole number of milliseconds from 0 to {} s "
                              "(OVS keeps it in integer ms)",
                              name, t.seconds(), static_cast<double>(max_ms) / 1e3));
  };
  whole_ms("rebalance_interval", rebalance_interval);
  whole_ms("updelay", updelay);
  whole_ms("downdelay", downdelay);
  if (first_rebalance && first_rebalance->ns < 0)
    throw Error(fmt::format("first_rebalance: {} s out of range: expected 0 or more (or unset: one interval)",
                            first_rebalance->seconds()));
  if (recirculation && mode != OvsBondMode::balance_tcp)
    throw Error(fmt::format("recirculation: applies to balance-tcp only (mode is {})", to_string(mode)));
}

OvsBond::OvsBond(std::string name, std::vector<std::string> members, OvsBondConfig config, Time now)
    : name_(std::move(name)), config_(std::move(config)) {
  if (members.empty())
    throw Error(fmt::format("OVS bond '{}' has no members: a bond needs at least one member", name_));
  if (members.size() > max_members)
    throw Error(fmt::format("OVS bond '{}' has {} members: at most {} are supported", name_,
                            members.size(), max_members));
  std::set<std::string_view> seen;
  for (const auto& m : members) {
    if (m.empty()) throw Error(fmt::format("OVS bond '{}': empty member name", name_));
    if (!seen.insert(m).second)
      throw Error(fmt::format("OVS bond '{}': member '{}' listed twice", name_, m));
  }
  config_.validate();
  // bridge.c: a non-zero interval below one second becomes one second.
  if (config_.rebalance_interval.ns > 0 && config_.rebalance_interval < Time::from_s(1))
    config_.rebalance_interval = Time::from_s(1);
  rng_ = config_.seed;

  members_.reserve(members.size());
  for (auto& m : members) {
    Member mem;
    mem.name = std::move(m);
    mem.carrier = config_.start_up;
    members_.push_back(std::move(mem));
  }
  // Members get carrier one after another in list order: each is appended to the enabled list.
  if (config_.start_up)
    for (MemberIndex i = 0; i < members_.size(); ++i) enable(i, true);
  choose_active();
  next_rebalance_ = now + config_.first_rebalance.value_or(config_.rebalance_interval);
  if (config_.recirculation && config_.mode == OvsBondMode::balance_tcp) fill_buckets_randomly();
  log_.clear();  // construction is configuration, not events
}

MemberIndex OvsBond::member_index(std::string_view name) const {
  for (MemberIndex i = 0; i < members_.size(); ++i)
    if (members_[i].name == name) return i;
  std::vector<std::string> names;
  for (const auto& m : members_) names.push_back(m.name);
  throw Error(fmt::format("unknown member '{}' of bond '{}': expected one of {}", name, name_, join_names(names)));
}

MemberIndex OvsBond::add_member(std::string name, Time now) {
  if (members_.size() >= max_members)
    throw Error(fmt::format("OVS bond '{}' already has {} members: at most {} are supported", name_, members_.size(), max_members));
  for (const auto& m : members_)
    if (m.name == name) throw Error(fmt::format("OVS bond '{}': member '{}' listed twice", name_, name));
  if (name.empty()) throw Error(fmt::format("OVS bond '{}': empty member name", name_));
  Member mem;
  mem.name = std::move(name);
  members_.push_back(std::move(mem));
  const auto m = static_cast<MemberIndex>(members_.size() - 1);
  run(now);
  return m;
}

Admission OvsBond::admit(MemberIndex m, net::Mac dst) const {
  const Member& mem = members_.at(m);
  // LACP bonds trust the partner: accept on enabled members only.
  switch (config_.lacp) {
    case OvsLacpStatus::negotiated: return mem.enabled ? Admission::accept : Admission::drop;
    case OvsLacpStatus::configured:
      if (!config_.lacp_fallback_ab) return Admission::drop;
      break;
    case OvsLacpStatus::off: break;
  }
  // Multicast (and broadcast) only on the active member, or every member would deliver a copy.
  if (dst.is_multicast() && m != active_) return Admission::drop;
  switch (config_.mode) {
    case OvsBondMode::balance_tcp:
      if (!config_.lacp_fallback_ab) return Admission::drop;
      [[fallthrough]];
    case OvsBondMode::active_backup:
      return m == active_ ? Admission::accept : Admission::drop;
    case OvsBondMode::balance_slb:
      return Admission::drop_if_moved;
  }
  return Admission::drop;
}

void OvsBond::enable(MemberIndex m, bool on) {
  Member& mem = members_[m];
  mem.delay_expires.reset();
  if (mem.enabled == on) return;
  mem.enabled = on;
  if (on) {
    enabled_.push_back(m);  // a returning member joins at the tail: no preemption
  } else {
    enabled_.erase(std::find(enabled_.begin(), enabled_.end(), m));
  }
  log_.push_back(fmt::format("bond {}: member {}: {}", name_, mem.name, on ? "enabled" : "disabled"));
  if (!on && config_.mode != OvsBondMode::active_backup) reassign_disabled_buckets();
}

// A failed member's buckets are on the others at once (bond_revalidate: every cached flow is
// re-translated, and choose_output_member re-deals a bucket whose member is disabled). The
// revalidator re-translates flows in the order they were installed, so the buckets are dealt in
// their first-use order (l2-learning.md OVS row 30, clarified).
void OvsBond::reassign_disabled_buckets() {
  if (config_.recirculation && config_.mode == OvsBondMode::balance_tcp) {
    fill_buckets_randomly();
    return;
  }
  for (std::uint8_t b : first_use_order()) {
    Bucket& e = buckets_[b];
    const bool cached = flow_idle_.ns == 0 || (e.last_use.ns != INT64_MIN && now_.ns - e.last_use.ns < flow_idle_.ns);
    if (e.member != no_member && !members_[e.member].enabled && cached) e.member = next_enabled();
  }
}

std::vector<std::uint8_t> OvsBond::first_use_order() const {
  std::vector<std::uint8_t> order;
  for (unsigned b = 0; b < bucket_count; ++b)
    if (buckets_[b].first_use) order.push_back(static_cast<std::uint8_t>(b));
  std::sort(order.begin(), order.end(),
            [&](std::uint8_t a, std::uint8_t b) { return buckets_[a].first_use < buckets_[b].first_use; });
  return order;
}

// bond_update_post_recirc_rules: every empty or disabled bucket gets a random member of the
// bond (enabled or not); a disabled pick falls back to the active member.
void OvsBond::fill_buckets_randomly() {
  for (auto& b : buckets_) {
    if (b.member != no_member && members_[b.member].enabled) continue;
    const auto pick = static_cast<MemberIndex>(next_random() % members_.size());
    b.member = members_[pick].enabled ? pick : active_;
  }
}

std::uint64_t OvsBond::next_random() {
  return hash::splitmix64(rng_);  // deterministic from the configured seed
}

void OvsBond::link_status_update(MemberIndex m, Time now) {
  now_ = now;
  Member& mem = members_[m];
  const bool up = mem.carrier && mem.may_enable;
  if ((up == mem.enabled) != !mem.delay_expires.has_value()) {
    log_.push_back(fmt::format("bond {}: member {}: link state {}", name_, mem.name, up ? "up" : "down"));
    if (up == mem.enabled) {
      mem.delay_expires.reset();  // flapped back before the delay ran out
    } else {
      const Time delay = config_.lacp != OvsLacpStatus::off ? Time{} : up ? config_.updelay : config_.downdelay;
      mem.delay_expires = now + delay;
    }
  }
  if (mem.delay_expires && now >= *mem.delay_expires) enable(m, up);
}

MemberIndex OvsBond::primary_member() const {
  if (config_.mode != OvsBondMode::active_backup || config_.primary.empty()) return no_member;
  for (MemberIndex i = 0; i < members_.size(); ++i)
    if (members_[i].name == config_.primary) return i;
  return no_member;
}

void OvsBond::choose_active() {
  const MemberIndex old = active_;
  MemberIndex pick = no_member;
  const MemberIndex primary = primary_member();
  if (primary != no_member && members_[primary].enabled) {
    pick = primary;
  } else if (last_active_ != no_member && members_[last_active_].enabled) {
    pick = last_active_;
  } else {
    for (MemberIndex i = 0; i < members_.size() && pick == no_member; ++i)
      if (members_[i].enabled) pick = i;
  }
  if (pick == no_member) {
    // Nothing enabled: take the member whose updelay ends first and enable it now.
    for (MemberIndex i = 0; i < members_.size(); ++i) {
      const Member& mem = members_[i];
      if (mem.delay_expires && mem.may_enable && mem.carrier &&
          (pick == no_member || *mem.delay_expires < *members_[pick].delay_expires))
        pick = i;
    }
    if (pick != no_member) enable(pick, true);
  }
  active_ = pick;
  if (pick != no_member) {
    last_active_ = pick;
    if (pick != old) log_.push_back(fmt::format("bond {}: active member is now {}", name_, members_[pick].name));
  } else if (old != no_member) {
    log_.push_back(fmt::format("bond {}: all members disabled", name_));
  }
}

void OvsBond::set_carrier(MemberIndex m, bool up, Time now) {
  members_.at(m).carrier = up;
  run(now);
}

void OvsBond::set_may_enable(MemberIndex m, bool may_enable, Time now) {
  members_.at(m).may_enable = may_enable;
  run(now);
}

void OvsBond::set_lacp_status(OvsLacpStatus s, Time now) {
  config_.lacp = s;
  run(now);
}

bool OvsBond::run(Time now) {
  for (MemberIndex i = 0; i < members_.size(); ++i) link_status_update(i, now);
  const MemberIndex primary = primary_member();
  if (active_ == no_member || !members_[active_].enabled ||
      (primary != no_member && active_ != primary && members_[primary].enabled))
    choose_active();
  if (!is_balanced() || at_checkpoints_ || now < next_rebalance_) return false;
  // Every run due by now, each at its own time (ovs-vswitchd wakes for each): moves, then the
  // load halves. Once every load has decayed to zero further runs change nothing.
  const Time interval = config_.rebalance_interval;
  while (next_rebalance_ <= now) {
    const bool idle = std::all_of(buckets_.begin(), buckets_.end(), [](const Bucket& b) { return b.tx_bytes == 0; });
    if (idle) {
      next_rebalance_ = next_rebalance_ + Time{((now - next_rebalance_).ns / interval.ns + 1) * interval.ns};
      break;
    }
    rebalance_now();
    next_rebalance_ = next_rebalance_ + interval;
  }
  return true;
}

bool OvsBond::checkpoint(Time t) {
  push_stats();
  if (!is_balanced() || t < next_rebalance_) return false;
  rebalance_now();
  next_rebalance_ = t + config_.rebalance_interval;
  return true;
}

// bond_rebalance (OVS 3.1): pair the most- and least-loaded enabled members; move a set of
// buckets (largest first, as long as the moved load stays within the ideal delta, stopping once
// within 10 % of it; if none fits, the smallest bucket) when that improves the lighter side by
// at least 10 % of the ideal delta; stop when the imbalance is under 1/32 of the lighter load
// or under 100000 bytes. Then halve every bucket's load (exponential decay).
unsigned OvsBond::rebalance_now() {
  if (config_.mode == OvsBondMode::active_backup) return 0;
  const std::size_t n = members_.size();
  std::vector<std::uint64_t> load(n, 0);
  std::vector<std::vector<std::uint8_t>> entries(n);
  // Buckets by load, heaviest first; equal loads in bucket order (OVS's qsort leaves ties open).
  std::array<std::uint8_t, bucket_count> order;
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::uint8_t a, std::uint8_t b) {
    return buckets_[a].tx_bytes > buckets_[b].tx_bytes;
  });
  for (std::uint8_t b : order) {
    const Bucket& e = buckets_[b];
    if (e.member != no_member && e.tx_bytes) {
      load[e.member] += e.tx_bytes;
      entries[e.member].push_back(b);
    }
  }
  // Enabled members by load, descending; equal loads keep member order (insert_bal).
  std::vector<MemberIndex> bals;
  auto insert_bal = [&](MemberIndex m) {
    auto pos = std::find_if(bals.begin(), bals.end(), [&](MemberIndex p) { return load[m] > load[p]; });
    bals.insert(pos, m);
  };
  for (MemberIndex i = 0; i < n; ++i)
    if (members_[i].enabled) insert_bal(i);

  unsigned moved = 0;
  while (bals.size() >= 2) {
    const MemberIndex from = bals.front();
    const MemberIndex to = bals.back();
    const std::uint64_t overload = load[from] - load[to];
    if (overload < (load[to] >> 5) || overload < rebalance_min_overload_bytes) break;

    std::vector<std::uint8_t> migrate;
    auto& from_entries = entries[from];
    if (from_entries.size() >= 2) {  // one bucket only: moving it just moves the problem
      const std::uint64_t ideal = (load[from] + load[to]) / 2;
      const std::uint64_t ideal_delta = ideal - load[to];
      const std::uint64_t threshold = ideal_delta / 10;
      std::uint64_t delta = 0;
      for (std::uint8_t b : from_entries) {
        if (delta + buckets_[b].tx_bytes <= ideal_delta) {
          migrate.push_back(b);
          delta += buckets_[b].tx_bytes;
        }
        if (ideal_delta - delta < threshold) break;
      }
      if (migrate.empty()) {
        migrate.push_back(from_entries.back());  // the smallest bucket
        delta = buckets_[from_entries.back()].tx_bytes;
      }
      const std::uint64_t new_low = std::min(load[from] - delta, load[to] + delta);
      if (!(new_low > load[to] && new_low - load[to] >= threshold)) migrate.clear();
    }
    if (migrate.empty()) {
      bals.erase(bals.begin());  // nothing useful to move away from `from`
      continue;
    }
    for (std::uint8_t b : migrate) {
      const std::uint64_t delta = buckets_[b].tx_bytes;
      log_.push_back(fmt::format(
          "bond {}: shift {}kB of load (with hash {}) from {} to {} (now carrying {}kB and {}kB load, respectively)",
          name_, delta / 1024, b, members_[from].name, members_[to].name, (load[from] - delta) / 1024,
          (load[to] + delta) / 1024));
      load[from] -= delta;
      load[to] += delta;
      buckets_[b].member = to;
      from_entries.erase(std::find(from_entries.begin(), from_entries.end(), b));
      ++moved;
    }
    bals.erase(std::find(bals.begin(), bals.end(), from));
    bals.erase(std::find(bals.begin(), bals.end(), to));
    insert_bal(from);
    insert_bal(to);
  }
  for (auto& b : buckets_) b.tx_bytes /= 2;
  return moved;
}

void OvsBond::migrate(std::uint8_t bucket, MemberIndex m) {
  if (config_.mode != OvsBondMode::balance_slb) throw Error(fmt::format("bond '{}' is not an SLB bond", name_));
  if (!members_.at(m).enabled)
    throw Error(fmt::format("cannot migrate to disabled member '{}'", members_[m].name));
  buckets_[bucket].member = m;
}

void OvsBond::set_active_member(MemberIndex m) {
  if (!members_.at(m).enabled)
    throw Error(fmt::format("cannot make disabled member '{}' active", members_[m].name));
  if (active_ != m) {
    active_ = last_active_ = m;
    log_.push_back(fmt::format("bond {}: active member is now {}", name_, members_[m].name));
  }
}

namespace {
std::vector<MemberIndex> sorted_by_name(const std::vector<std::string>& names) {
  std::vector<MemberIndex> idx(names.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](MemberIndex a, MemberIndex b) { return names[a] < names[b]; });
  return idx;
}
std::int64_t ms_until(Time t, Time now) { return (t - now).ns / 1'000'000; }
}  // namespace

std::string OvsBond::show(Time now) const {
  std::string s;
  const bool recirc = config_.recirculation && config_.mode == OvsBondMode::balance_tcp;
  s += fmt::format("---- {} ----\n", name_);
  s += fmt::format("bond_mode: {}\n", to_string(config_.mode));
  s += fmt::format("bond may use recirculation: {}, Recirc-ID : {}\n", recirc ? "yes" : "no", recirc ? 1 : -1);
  s += fmt::format("bond-hash-basis: {}\n", config_.basis);
  s += "lb_output action: disabled, bond-id: -1\n";
  s += fmt::format("all members active: {}\n", config_.all_members_active ? "true" : "false");
  s += fmt::format("updelay: {} ms\n", config_.updelay.ns / 1'000'000);  // whole ms (validate())
  s += fmt::format("downdelay: {} ms\n", config_.downdelay.ns / 1'000'000);
  if (is_balanced()) s += fmt::format("next rebalance: {} ms\n", ms_until(next_rebalance_, now));
  s += fmt::format("lacp_status: {}\n", to_string(config_.lacp));
  s += fmt::format("lacp_fallback_ab: {}\n", config_.lacp_fallback_ab ? "true" : "false");
  if (config_.mode == OvsBondMode::active_backup && !config_.primary.empty()) {
    s += fmt::format("active-backup primary: {}{}\n", config_.primary,
                     primary_member() == no_member ? " (no such member)" : "");
  } else {
    s += "active-backup primary: <none>\n";
  }
  if (last_active_ != no_member) {
    s += fmt::format("active member mac: {}({})\n", members_[last_active_].mac.to_string(),
                     active_ == no_member ? "none" : members_[active_].name);
  } else {
    s += "active member mac: 00:00:00:00:00:00(none)\n";
  }
  std::vector<std::string> names;
  for (const auto& m : members_) names.push_back(m.name);
  for (MemberIndex i : sorted_by_name(names)) {
    const Member& m = members_[i];
    s += fmt::format("\nmember {}: {}\n", m.name, m.enabled ? "enabled" : "disabled");
    if (i == active_) s += "  active member\n";
    if (m.delay_expires)
      s += fmt::format("  {} expires in {} ms\n", m.enabled ? "downdelay" : "updelay", ms_until(*m.delay_expires, now));
    s += fmt::format("  may_enable: {}\n", m.may_enable && m.carrier ? "true" : "false");
    if (!is_balanced()) continue;
    for (unsigned b = 0; b < bucket_count; ++b) {
      if (buckets_[b].member != i) continue;
      const std::uint64_t kb = buckets_[b].tx_bytes / 1024;
      if (kb) s += fmt::format("  hash {}: {} kB load\n", b, kb);
    }
  }
  s += "\n";
  return s;
}

describe::json::value OvsBond::to_json(Time now) const {
  namespace json = describe::json;
  json::object members, buckets, bucket_map, loads;
  for (const auto& m : members_) members[m.name] = m.enabled ? "enabled" : "disabled";
  for (unsigned b = 0; b < bucket_count; ++b) {
    const Bucket& e = buckets_[b];
    if (e.member == no_member) continue;
    const std::string key = std::to_string(b);
    bucket_map[key] = members_[e.member].name;
    if (is_balanced() && e.tx_bytes / 1024) {
      buckets[key] = members_[e.member].name;
      loads[key] = e.tx_bytes / 1024;
    }
  }
  json::array enabled;
  for (MemberIndex m : enabled_) enabled.emplace_back(members_[m].name);
  json::object o{{"bond", name_}, {"bond_mode", to_string(config_.mode)}, {"basis", config_.basis},
                 {"lacp_status", to_string(config_.lacp)}};
  o["active_member"] = active_ == no_member ? json::value(nullptr) : json::value(members_[active_].name);
  o["members"] = std::move(members);
  o["buckets"] = std::move(buckets);
  o["bucket_map"] = std::move(bucket_map);
  o["loads_kb"] = std::move(loads);
  o["enabled_list"] = std::move(enabled);
  o["next_rebalance_ms"] = is_balanced() ? json::value(ms_until(next_rebalance_, now)) : json::value(nullptr);
  return o;
}

}  // namespace fwd::lag
