#pragma once
/// \file
/// ResilientTable: a fixed table of B buckets, each naming a member, where a change moves as few
/// buckets as possible. libfwd's model of "resilient hashing" as switch ASICs offer it for LAGs
/// and ECMP (the vendor-style model of hash-algorithms.md §7; not bit-exact to any product).
///
///  - Fill: bucket i goes to the i-th up member round robin (B = 8 over 3 members: 3:3:2).
///  - A member goes down: ONLY its buckets move, each (in bucket order) to the up member that
///    then has the fewest buckets (ties: the lower member index). Flows of the other members stay.
///  - A member comes up (or is added): it takes buckets, in bucket order, from whichever member
///    has the most (ties: the higher member index) until it holds floor(B / up members); nothing
///    else moves. So failure + recovery is not a return to the initial table, as on real ASICs.
/// Lookup: `table[slot]` where slot = hash % B (the LAG computes the slot with the hash family's
/// own rule). The table is sized at construction, so lookups never allocate.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/lag/types.hpp"

namespace fwd::lag {

class ResilientTable {
public:
  ResilientTable() = default;
  explicit ResilientTable(std::uint32_t buckets) : table_(buckets, no_member) {
    if (buckets == 0 || buckets > 65536) throw Error("resilient table size 0: expected 1 to 65536 buckets");
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(table_.size()); }
  MemberIndex operator[](std::uint32_t slot) const { return table_[slot]; }
  const std::vector<MemberIndex>& buckets() const { return table_; }

  /// Round-robin fill over `up` (in order).
  void fill(const MemberArray& up) {
    for (std::size_t i = 0; i < table_.size(); ++i) table_[i] = up.empty() ? no_member : up[i % up.size()];
  }

  /// Brings the table in line with the set of up members, moving as little as possible.
  void update(const MemberArray& up, std::size_t members) {
    std::vector<std::uint32_t> count(members, 0);
    auto is_up = [&](MemberIndex m) { return m != no_member && std::find(up.begin(), up.end(), m) != up.end(); };
    for (MemberIndex m : table_)
      if (is_up(m)) ++count[m];
    // Failures: only the buckets of members that are no longer up move.
    for (auto& b : table_) {
      if (is_up(b)) continue;
      b = no_member;
      MemberIndex best = no_member;
      for (MemberIndex m : up)
        if (best == no_member || count[m] < count[best] || (count[m] == count[best] && m < best)) best = m;
      if (best != no_member) {
        b = best;
        ++count[best];
      }
    }
    // Arrivals: a member below its fair share takes buckets from the fullest members.
    if (up.empty()) return;
    const std::uint32_t share = static_cast<std::uint32_t>(table_.size() / up.size());
    for (MemberIndex m : up) {
      while (count[m] < share) {
        MemberIndex donor = no_member;
        for (MemberIndex d : up)
          if (d != m && (donor == no_member || count[d] > count[donor] || (count[d] == count[donor] && d > donor))) donor = d;
        if (donor == no_member || count[donor] <= share) break;
        for (auto& b : table_)
          if (b == donor) {
            b = m;
            break;
          }
        --count[donor];
        ++count[m];
      }
    }
  }

private:
  std::vector<MemberIndex> table_;
};

}  // namespace fwd::lag
