#pragma once
/// \file
/// DpdkBond: member selection of DPDK net/bonding (drivers/net/bonding/rte_eth_bond_pmd.c) at
/// commit 38f72e500b (2026-07-23); spec hash-algorithms.md §4 "Member order", §8.
///
/// The PMD keeps an ACTIVE-members array in activation order: a member is appended when its link
/// comes up (activate_member) and removed, closing the gap, when it goes down (deactivate_member).
///  - balance (mode 2): `active[hash % count]`.
///  - 802.3ad (mode 4): the same over the active members that are DISTRIBUTING, same order.
///  - round-robin (mode 0): a per-queue counter starting at 0 over the active members.
///  - active-backup (mode 1): the primary while it is active (the user-set primary takes the role
///    back when it returns), else the first active member.
///  - broadcast (mode 3): a copy on every active member.
/// Member order at construction: members come up in list order.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>

#include <fmt/format.h>

#include "fwd/describe/field.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {

enum class DpdkMode : std::uint8_t { round_robin, active_backup, balance, broadcast, lacp };

}  // namespace fwd::lag

namespace fwd::describe {
template <>
struct Enumerators<lag::DpdkMode> {
  using E = lag::DpdkMode;
  static constexpr std::string_view what = "DPDK bonding mode";
  static constexpr Enumerator<E> table[] = {
      {E::round_robin, "round-robin", "BONDING_MODE_ROUND_ROBIN: packets in turn over the active members"},
      {E::active_backup, "active-backup", "BONDING_MODE_ACTIVE_BACKUP: the primary, or the next active member"},
      {E::balance, "balance", "BONDING_MODE_BALANCE: xmit_policy hash modulo the active members"},
      {E::broadcast, "broadcast", "BONDING_MODE_BROADCAST: a copy on every active member"},
      {E::lacp, "802.3ad", "BONDING_MODE_8023AD: xmit_policy hash over the distributing members"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::lag {

constexpr const char* to_string(DpdkMode m) { return describe::name_of(m).data(); }

class DpdkBond {
public:
  struct Config {
    DpdkMode mode = DpdkMode::balance;
    MemberIndex primary = no_member;  ///< user-set primary (rte_eth_bond_primary_set); default: first member
  };
  explicit DpdkBond(Config c) : config_(c) {}
  const Config& config() const { return config_; }

  std::string follows() const {
    return fmt::format("DPDK net/bonding (commit 38f72e500b) mode {}", to_string(config_.mode));
  }
  bool needs_hash() const { return config_.mode == DpdkMode::balance || config_.mode == DpdkMode::lacp; }

  void add_member(MemberIndex m, const MemberStates& s, Time now) {
    if (members_.empty() && config_.primary == no_member) config_.primary = m;
    members_.push_back(m);
    update(s, now);
  }

  /// Link changes: activate (append) / deactivate (remove) in the order the changes are seen.
  void update(const MemberStates& s, Time = {}) {
    for (MemberIndex m : members_) {
      const bool listed = std::find(active_.begin(), active_.end(), m) != active_.end();
      if (s[m].is_up() && !listed) active_.push_back(m);
      if (!s[m].is_up() && listed) active_.erase(std::find(active_.begin(), active_.end(), m));
    }
    distributing_.clear();
    for (MemberIndex m : active_)
      if (s[m].is_distributing()) distributing_.push_back(m);
    const bool primary_active = std::find(active_.begin(), active_.end(), config_.primary) != active_.end();
    current_primary_ = primary_active ? config_.primary : active_.empty() ? no_member : active_.front();
  }

  // Forced inline: the per-frame call of every batch loop (GCC left it out of line once the batch
  // TU grew, +14% per frame).
  [[gnu::always_inline]] Selection select(std::uint32_t h, const MemberStates&) {
    switch (config_.mode) {
      case DpdkMode::balance:
        if (active_.empty()) return Selection::drop();
        return Selection::to(active_[mod32(h, active_.size())]);
      case DpdkMode::lacp:
        if (distributing_.empty()) return Selection::drop();
        return Selection::to(distributing_[mod32(h, distributing_.size())]);
      case DpdkMode::round_robin:
        if (active_.empty()) return Selection::drop();
        return Selection::to(active_[mod32(rr_++, active_.size())]);
      case DpdkMode::active_backup: return Selection::to(current_primary_);
      case DpdkMode::broadcast: return active_.empty() ? Selection::drop() : Selection::all();
    }
    return Selection::drop();
  }

  MemberArray order(const MemberStates&) const {
    if (config_.mode == DpdkMode::lacp) return distributing_;
    if (config_.mode == DpdkMode::active_backup) {
      MemberArray a;
      if (current_primary_ != no_member) a.push_back(current_primary_);
      return a;
    }
    return active_;
  }

  std::string describe(std::uint32_t h, const MemberStates&, std::span<const std::string> names, Selection sel) const {
    auto list = [&](const MemberArray& a) { return member_list(a, names); };
    auto name = [&](MemberIndex m) { return member_name(m, names); };
    const MemberArray& arr = config_.mode == DpdkMode::lacp ? distributing_ : active_;
    switch (config_.mode) {
      case DpdkMode::balance:
      case DpdkMode::lacp:
        if (arr.empty()) return std::string("no active member: dropped");
        return fmt::format("{} members {} (activation order); 0x{:08x} % {} = {} -> {}",
                           config_.mode == DpdkMode::lacp ? "distributing" : "active", list(arr), h, arr.size(),
                           h % arr.size(), name(sel.member));
      case DpdkMode::round_robin: return fmt::format("round-robin over {} -> {}", list(active_), name(sel.member));
      case DpdkMode::active_backup: return "active-backup: current primary -> " + name(sel.member);
      case DpdkMode::broadcast: return "broadcast: a copy on every active member " + list(active_);
    }
    return {};
  }

private:
  Config config_;
  MemberArray members_;       // configuration order
  MemberArray active_;        // activation order
  MemberArray distributing_;  // active members in DISTRIBUTING state
  MemberIndex current_primary_ = no_member;
  std::uint32_t rr_ = 0;
};

}  // namespace fwd::lag
