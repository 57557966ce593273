#pragma once
/// \file
/// Distributor: how a hash becomes a member, one alternative per real system, in a std::variant
/// that a Lag resolves once per call (once per batch in select_batch).
///
/// | alternative   | follows                                 | header        |
/// |---------------|-----------------------------------------|---------------|
/// | FreebsdLagg   | FreeBSD 9.3 / 10.x / current lagg(4)    | freebsd.hpp   |
/// | LinuxBond     | Linux 6.12 bonding (and the 3.x rule)   | linux.hpp     |
/// | OvsBondLag    | Open vSwitch 3.1.0 bonds (bucket state) | ovs_bond.hpp  |
/// | DpdkBond      | DPDK net/bonding (38f72e500b)           | dpdk.hpp      |
/// | VendorLag     | libfwd's vendor-style model             | vendor.hpp    |
///
/// Every alternative offers the same duck-typed interface: `follows()`, `needs_hash()`,
/// `update(states, now)` after member-state changes, `select(hash, states)` (hot path, never
/// allocates), `order(states)` (the array the index is taken over) and `describe(...)` (one
/// line for explain). Member state lives in the Lag; distributors keep only what the real system
/// keeps (port maps and their order, counters, bucket tables), updated from state changes in the
/// order they happen, because that order is what decides the arrays' order.

#include <span>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "fwd/lag/dpdk.hpp"
#include "fwd/lag/freebsd.hpp"
#include "fwd/lag/linux.hpp"
#include "fwd/lag/ovs_bond.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/lag/vendor.hpp"

namespace fwd::lag {

/// Adapter from a Lag's member states to an OvsBond: link up/down becomes carrier, LACP
/// distributing becomes may_enable (only when LACP is on).
struct OvsBondLag {
  OvsBond bond;
  MemberStates last;

  std::string follows() const {
    return fmt::format("Open vSwitch 3.1.0 bond_mode {} (ofproto/bond.c, generic build)", to_string(bond.config().mode));
  }
  bool needs_hash() const { return bond.config().mode != OvsBondMode::active_backup; }

  void update(const MemberStates& s, Time now) {
    for (MemberIndex m = 0; m < s.size() && m < bond.size(); ++m) {
      const MemberState old = m < last.size() ? last[m] : MemberState{};
      if (old.is_up() != s[m].is_up()) bond.set_carrier(m, s[m].is_up(), now);
      const bool may = bond.config().lacp == OvsLacpStatus::off || (s[m].attached && s[m].distributing);
      if (may != bond.may_enable(m)) bond.set_may_enable(m, may, now);
    }
    last.assign(s.begin(), s.end());
  }
  Selection select(std::uint64_t h, const MemberStates&) { return Selection::to(bond.select(h)); }
  MemberArray order(const MemberStates&) const {
    MemberArray a;
    for (MemberIndex m : bond.enabled_list()) a.push_back(m);
    return a;
  }
  std::string describe(std::uint64_t h, const MemberStates&, std::span<const std::string> names, Selection sel) const {
    auto name = [&](MemberIndex m) { return member_name(m, names); };
    if (bond.config().mode == OvsBondMode::active_backup) return "active-backup: active member -> " + name(sel.member);
    const std::uint8_t b = OvsBond::bucket_of(h);
    const MemberIndex cur = bond.bucket_member(b);
    if (cur != no_member && bond.is_enabled(cur))
      return fmt::format("bucket 0x{:x} & 0xff = {}: assigned to {} (bucket state)", h, b, name(sel.member));
    return fmt::format("bucket 0x{:x} & 0xff = {}: {}; takes the head of the enabled list {} -> {}", h, b,
                       cur == no_member ? "first use" : "its member is disabled",
                       member_list(bond.enabled_list(), names), name(sel.member));
  }
};

using Distributor = std::variant<FreebsdLagg, LinuxBond, OvsBondLag, DpdkBond, VendorLag>;

}  // namespace fwd::lag
