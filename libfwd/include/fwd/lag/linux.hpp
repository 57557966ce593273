#pragma once
/// \file
/// LinuxBond: how the Linux bonding driver picks a member (drivers/net/bonding/bond_main.c,
/// bond_3ad.c), following Linux 6.12 and, as an option, the older 3.x rule; spec
/// hash-algorithms.md §2.7, §8.
///
///  - balance-xor and 802.3ad, 6.x (`usable_slaves`, since about 3.18/3.19): an array rebuilt on
///    every link or LACP change: members in ENSLAVE order (member list order), filtered to those
///    that can transmit (up; for 802.3ad also in the active aggregator and distributing);
///    `arr[hash % len]`; empty -> drop.
///  - the same modes, 3.x rule (up to ~3.16): `hash % all_members` (802.3ad: members of the active
///    aggregator, up or not), then the first member that can transmit from that position onward,
///    wrapping. A down member's flows move to the NEXT member instead of re-spreading all flows.
///  - active-backup: the current active member (`primary` with primary_reselect
///    always/better/failure; otherwise the first up member in enslave order, kept while up).
///  - broadcast: every up member. balance-rr: a per-packet counter over the usable array
///    (`packets_per_slave` = 1: counter pre-incremented, so the first packet goes to index 1;
///    N > 1: counter / N; 0: a seeded random member).
///  - 802.3ad active aggregator, ad_select: stable (default: keep it while it has an up member,
///    else the one with the highest bandwidth), bandwidth, count; ties prefer the current one,
///    then the lower aggregator id.
/// Thread rules: select() advances the round-robin counter; one object per thread.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <fmt/format.h>

#include "fwd/hash/splitmix64.hpp"
#include "fwd/describe/field.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {

enum class LinuxBondMode : std::uint8_t { balance_rr, active_backup, balance_xor, broadcast, lacp };
enum class LinuxSelectRule : std::uint8_t { usable_array, next_usable };
enum class AdSelect : std::uint8_t { stable, bandwidth, count };
enum class PrimaryReselect : std::uint8_t { always, better, failure };

}  // namespace fwd::lag

namespace fwd::describe {
template <>
struct Enumerators<lag::LinuxBondMode> {
  using E = lag::LinuxBondMode;
  static constexpr std::string_view what = "Linux bonding mode";
  static constexpr Enumerator<E> table[] = {
      {E::balance_rr, "balance-rr", "round robin over the usable members (packets_per_slave each)"},
      {E::active_backup, "active-backup", "one active member; the others stand by"},
      {E::balance_xor, "balance-xor", "xmit_hash_policy hash modulo the usable members"},
      {E::broadcast, "broadcast", "a copy on every usable member"},
      {E::lacp, "802.3ad", "LACP aggregator: hash modulo the distributing members"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<lag::AdSelect> {
  using E = lag::AdSelect;
  static constexpr std::string_view what = "ad_select";
  static constexpr Enumerator<E> table[] = {
      {E::stable, "stable", "keep the active aggregator until it has no member up"},
      {E::bandwidth, "bandwidth", "the aggregator with the most bandwidth"},
      {E::count, "count", "the aggregator with the most members"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<lag::PrimaryReselect> {
  using E = lag::PrimaryReselect;
  static constexpr std::string_view what = "primary_reselect";
  static constexpr Enumerator<E> table[] = {
      {E::always, "always", "the primary becomes active whenever it comes back"},
      {E::better, "better", "the primary comes back only if it is better (speed, duplex) than the active member"},
      {E::failure, "failure", "the primary comes back only when the active member fails"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::lag {

constexpr const char* to_string(LinuxBondMode m) { return describe::name_of(m).data(); }
constexpr const char* to_string(AdSelect a) { return describe::name_of(a).data(); }
constexpr const char* to_string(PrimaryReselect r) { return describe::name_of(r).data(); }

class LinuxBond {
public:
  struct Config {
    LinuxBondMode mode = LinuxBondMode::balance_xor;
    LinuxSelectRule rule = LinuxSelectRule::usable_array;
    AdSelect ad_select = AdSelect::stable;
    MemberIndex primary = no_member;
    PrimaryReselect primary_reselect = PrimaryReselect::always;
    std::uint32_t packets_per_slave = 1;
    std::uint64_t seed = 0;
  };

  explicit LinuxBond(Config c) : config_(c), rng_(c.seed) {}
  const Config& config() const { return config_; }

  std::string follows() const {
    return fmt::format("Linux {} bonding mode {}{}",
                       config_.rule == LinuxSelectRule::usable_array ? "6.12" : "3.x",
                       to_string(config_.mode),
                       config_.rule == LinuxSelectRule::next_usable &&
                               (config_.mode == LinuxBondMode::balance_xor || config_.mode == LinuxBondMode::lacp)
                           ? " (next usable member rule)"
                           : "");
  }
  bool needs_hash() const { return config_.mode == LinuxBondMode::balance_xor || config_.mode == LinuxBondMode::lacp; }

  // ---- control path ----------------------------------------------------------------------
  /// A member was enslaved (appended to the enslave order).
  void add_member(MemberIndex m, const MemberStates& s, Time now) {
    slaves_.push_back(m);
    // bond_enslave: enslaving the configured primary sets force_primary, so the next selection
    // takes it whatever primary_reselect says.
    if (m == config_.primary) force_primary_ = true;
    update(s, now);
  }

  /// Rebuild after any link or LACP change (bond_update_slave_arr, ad_agg_selection_logic,
  /// bond_select_active_slave).
  void update(const MemberStates& s, Time = {}) {
    if (config_.mode == LinuxBondMode::lacp) choose_aggregator(s);
    usable_.clear();
    can_tx_ = 0;
    for (MemberIndex m : slaves_)
      if (can_tx(m, s)) {
        usable_.push_back(m);
        can_tx_ |= std::uint64_t{1} << m;
      }
    candidates_ = candidates(s);
    if (config_.mode == LinuxBondMode::active_backup) choose_active(s);
  }

  // ---- data path ---------------------------------------------------------------------------
  Selection select(std::uint32_t h, const MemberStates& s) {
    switch (config_.mode) {
      case LinuxBondMode::balance_xor:
      case LinuxBondMode::lacp:
        if (config_.rule == LinuxSelectRule::usable_array) {
          if (usable_.empty()) return Selection::drop();
          return Selection::to(usable_[mod32(h, usable_.size())]);
        }
        return Selection::to(next_usable(h, s));
      case LinuxBondMode::active_backup:
        return Selection::to(active_);
      case LinuxBondMode::broadcast:
        return usable_.empty() ? Selection::drop() : Selection::all();
      case LinuxBondMode::balance_rr: {
        if (usable_.empty()) return Selection::drop();
        std::uint32_t id;
        if (config_.packets_per_slave == 0) id = static_cast<std::uint32_t>(next_random());
        else if (config_.packets_per_slave == 1) id = ++rr_counter_;
        else id = ++rr_counter_ / config_.packets_per_slave;
        return Selection::to(usable_[mod32(id, usable_.size())]);
      }
    }
    return Selection::drop();
  }

  /// The usable array (6.x), or the aggregator's members in enslave order (3.x rule), or the
  /// active member (active-backup).
  MemberArray order(const MemberStates& s) const {
    if (config_.mode == LinuxBondMode::active_backup) {
      MemberArray a;
      if (active_ != no_member) a.push_back(active_);
      return a;
    }
    if (config_.rule == LinuxSelectRule::next_usable && needs_hash()) return candidates(s);
    return usable_;
  }
  MemberIndex active() const { return active_; }
  std::optional<std::uint16_t> active_aggregator() const { return active_agg_; }

  std::string describe(std::uint32_t h, const MemberStates& s, std::span<const std::string> names,
                       Selection sel) const {
    auto list = [&](const MemberArray& a) { return member_list(a, names); };
    auto name = [&](MemberIndex m) { return member_name(m, names); };
    switch (config_.mode) {
      case LinuxBondMode::balance_xor:
      case LinuxBondMode::lacp: {
        if (config_.rule == LinuxSelectRule::usable_array) {
          if (usable_.empty()) return std::string("usable_slaves is empty: dropped");
          return fmt::format("usable_slaves {} (enslave order, can transmit); 0x{:08x} % {} = {} -> {}",
                             list(usable_), h, usable_.size(), h % usable_.size(), name(sel.member));
        }
        const MemberArray all = candidates(s);
        if (all.empty()) return std::string("no member in the aggregator: dropped");
        const auto i = h % all.size();
        return fmt::format("3.x rule: members {}; 0x{:08x} % {} = {} -> {}{}", list(all), h, all.size(), i,
                           names[all[i]],
                           sel.member == all[i] ? std::string()
                                                : fmt::format(" cannot transmit; next usable -> {}", name(sel.member)));
      }
      case LinuxBondMode::active_backup: return "active-backup: current active member -> " + name(sel.member);
      case LinuxBondMode::broadcast: return "broadcast: a copy on every usable member " + list(usable_);
      case LinuxBondMode::balance_rr:
        return fmt::format("balance-rr: packet counter over usable_slaves {} -> {}", list(usable_), name(sel.member));
    }
    return {};
  }

private:
  bool can_tx(MemberIndex m, const MemberStates& s) const {
    if (!s[m].is_up()) return false;
    if (config_.mode != LinuxBondMode::lacp) return true;
    return active_agg_ && s[m].aggregator == *active_agg_ && s[m].is_distributing();
  }
  /// Members the 3.x rule counts: all slaves (xor) or the active aggregator's (802.3ad).
  MemberArray candidates(const MemberStates& s) const {
    MemberArray a;
    for (MemberIndex m : slaves_)
      if (config_.mode != LinuxBondMode::lacp || (active_agg_ && s[m].aggregator == *active_agg_ && s[m].attached))
        a.push_back(m);
    return a;
  }
  // The 3.x walk over the candidates precomputed by update() (no per-frame copy).
  MemberIndex next_usable(std::uint32_t h, const MemberStates&) const {
    const std::size_t n = candidates_.size();
    if (n == 0) return no_member;
    std::size_t i = mod32(h, n);
    for (std::size_t k = 0; k < n; ++k, i = i + 1 == n ? 0 : i + 1) {
      const MemberIndex m = candidates_[i];
      if (can_tx_ >> m & 1) return m;
    }
    return no_member;
  }
  void choose_aggregator(const MemberStates& s) {
    struct Agg { std::uint16_t id; std::uint64_t bw; unsigned up; };
    boost::container::static_vector<Agg, max_members> aggs;
    for (MemberIndex m : slaves_) {
      if (!s[m].attached || !s[m].is_up()) continue;
      auto it = std::find_if(aggs.begin(), aggs.end(), [&](const Agg& a) { return a.id == s[m].aggregator; });
      if (it == aggs.end()) aggs.push_back({s[m].aggregator, s[m].speed_mbps, 1});
      else { it->bw += s[m].speed_mbps; ++it->up; }
    }
    const auto current = active_agg_ ? std::find_if(aggs.begin(), aggs.end(), [&](const Agg& a) { return a.id == *active_agg_; })
                                     : aggs.end();
    if (config_.ad_select == AdSelect::stable && current != aggs.end()) return;  // keep it while it has an up port
    const Agg* cur = current != aggs.end() ? &*current : nullptr;
    const Agg* best = cur;
    for (const Agg& a : aggs) {
      if (!best) { best = &a; continue; }
      const bool better = config_.ad_select == AdSelect::count ? (a.up > best->up || (a.up == best->up && a.bw > best->bw))
                                                               : (a.bw > best->bw || (a.bw == best->bw && a.up > best->up));
      const bool tie = a.up == best->up && a.bw == best->bw;
      if (better || (tie && best != cur && a.id < best->id)) best = &a;
    }
    active_agg_ = best ? std::optional<std::uint16_t>(best->id) : std::nullopt;
  }
  // bond_choose_primary_or_current. The primary counts only once it is enslaved: from_spec adds
  // members one at a time, so the primary's index may lie beyond the members enslaved so far.
  void choose_active(const MemberStates& s) {
    const MemberIndex p = config_.primary;
    const bool primary_up = p != no_member && std::find(slaves_.begin(), slaves_.end(), p) != slaves_.end() &&
                            p < s.size() && s[p].is_up();
    const bool current_up = active_ != no_member && s[active_].is_up();
    if (primary_up && force_primary_) {
      force_primary_ = false;
      active_ = p;
      return;
    }
    if (primary_up && active_ != p) {
      bool take = true;
      if (current_up) {
        if (config_.primary_reselect == PrimaryReselect::failure) take = false;
        if (config_.primary_reselect == PrimaryReselect::better) take = s[p].speed_mbps > s[active_].speed_mbps;
      }
      if (take) { active_ = p; return; }
    }
    if (current_up) return;
    active_ = no_member;
    for (MemberIndex m : slaves_)
      if (s[m].is_up()) { active_ = m; return; }
  }
  std::uint64_t next_random() { return hash::splitmix64(rng_); }

  Config config_;
  MemberArray slaves_;  // enslave order
  MemberArray usable_;
  MemberArray candidates_;   // 3.x rule: members counted by `hash % n`
  std::uint64_t can_tx_ = 0;  // bit m: member m can transmit (max_members <= 64)
  std::optional<std::uint16_t> active_agg_;
  MemberIndex active_ = no_member;
  bool force_primary_ = false;  // the primary was just enslaved (bond->force_primary)
  std::uint32_t rr_counter_ = 0;
  std::uint64_t rng_ = 0;
};

}  // namespace fwd::lag
