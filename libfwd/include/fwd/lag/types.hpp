#pragma once
/// \file
/// Vocabulary shared by every distributor in fwd/lag/: member indexes, member state and the
/// result of a selection.
///
/// A member is named by its index in the LAG's member list (the order the user listed them, which
/// every distributor reads as "the order they were added / came up"). Member arrays on the data
/// path are `boost::container::static_vector`s of at most `max_members` entries, so selecting a
/// member never allocates. 64 is more than any of the emulated systems is normally run with
/// (FreeBSD lagg and DPDK allow 32 ports by default, OVS and Linux have no small limit but real
/// bonds rarely exceed 16); it is a compile-time cap, checked with a clear error at construction.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <boost/container/static_vector.hpp>

#include "fwd/describe/field.hpp"

namespace fwd::lag {

/// Index of a member in its LAG's member list.
using MemberIndex = std::uint16_t;
/// "No member": the frame is dropped.
inline constexpr MemberIndex no_member = 0xffff;
/// Compile-time cap on the number of members of one LAG.
inline constexpr std::size_t max_members = 64;  // also the width of per-member bit masks

/// `h % n` on 32 bits, as the emulated kernels compute it (their hashes and counts are 32-bit).
/// A 64-bit divide (what `h % array.size()` compiles to) costs about twice as much: lag_bench.
constexpr std::uint32_t mod32(std::uint32_t h, std::size_t n) { return h % static_cast<std::uint32_t>(n); }

/// An ordered array of members (a distributor's port map) that never allocates.
using MemberArray = boost::container::static_vector<MemberIndex, max_members>;

/// What the data path sees of one member. Defaults: up and, for LACP, fully in the aggregator.
struct MemberState {
  bool link_up = true;         ///< carrier (netdev link state)
  bool admin_up = true;        ///< interface administratively up (IFF_UP)
  bool attached = true;        ///< LACP mux: attached to its aggregator
  bool collecting = true;      ///< LACP mux: collecting
  bool distributing = true;    ///< LACP mux: distributing (may transmit)
  std::uint16_t aggregator = 0;            ///< aggregator / LAG key the port selected
  std::uint16_t partner_priority = 32768;  ///< LACP partner system priority (lower is better)
  std::uint32_t speed_mbps = 1000;         ///< link speed, for aggregator bandwidth
  std::uint32_t ifindex = 0;               ///< interface index (current FreeBSD sorts by it)

  /// Link up and interface up: the member may carry traffic outside LACP.
  bool is_up() const { return link_up && admin_up; }
  /// Up and distributing in LACP terms.
  bool is_distributing() const { return is_up() && attached && distributing; }
};

using MemberStates = boost::container::static_vector<MemberState, max_members>;

/// How a selection ended.
enum class Outcome : std::uint8_t {
  member,     ///< one member carries the frame (`Selection::member`)
  broadcast,  ///< every active member carries a copy (broadcast modes)
  no_member,  ///< dropped: no member can transmit
  transit,    ///< dropped: FreeBSD LACP transit window after a distributing change
};

/// The result of selecting a member for one frame.
struct Selection {
  MemberIndex member = no_member;
  Outcome outcome = Outcome::no_member;

  static constexpr Selection to(MemberIndex m) {
    return m == no_member ? Selection{} : Selection{m, Outcome::member};
  }
  static constexpr Selection all() { return {no_member, Outcome::broadcast}; }
  static constexpr Selection drop(Outcome why = Outcome::no_member) { return {no_member, why}; }
  constexpr bool is_member() const { return outcome == Outcome::member; }
  friend constexpr bool operator==(const Selection&, const Selection&) = default;
};

}  // namespace fwd::lag

namespace fwd::describe {
// The name is what JSON and Python report ("member", "broadcast", "dropped": both drops share it);
// the doc of a drop is its reason (Python's Selection.reason, the text output's "dropped: ...").
template <>
struct Enumerators<lag::Outcome> {
  using E = lag::Outcome;
  static constexpr std::string_view what = "selection outcome";
  static constexpr Enumerator<E> table[] = {
      {E::member, "member", "one member carries the frame"},
      {E::broadcast, "broadcast", "every active member carries a copy"},
      {E::no_member, "dropped", "no member can transmit"},
      {E::transit, "dropped", "LACP transit window"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::lag {

/// Name of an outcome in JSON and Python: member, broadcast or dropped.
constexpr std::string_view outcome_key(Outcome o) { return describe::name_of(o); }
/// Why a selection dropped the frame ("" for member and broadcast).
constexpr std::string_view drop_reason(Outcome o) {
  return o == Outcome::no_member || o == Outcome::transit ? describe::Enumerators<Outcome>::list[static_cast<std::size_t>(o)].doc
                                                          : std::string_view{};
}
/// An outcome in text output: `member`, `broadcast`, `dropped: <reason>`.
inline std::string outcome_name(Outcome o) {
  const auto reason = drop_reason(o);
  return reason.empty() ? std::string(outcome_key(o)) : "dropped: " + std::string(reason);
}

/// A member's name for explanations, "none (dropped)" for no_member.
inline std::string member_name(MemberIndex m, std::span<const std::string> names) {
  return m == no_member ? std::string("none (dropped)") : names[m];
}

/// "[a, b, c]": the names of a member array, in its order, for explanations.
template <class Array>
std::string member_list(const Array& a, std::span<const std::string> names) {
  std::string out = "[";
  for (MemberIndex m : a) {
    if (out.size() > 1) out += ", ";
    out += names[m];
  }
  return out + "]";
}

}  // namespace fwd::lag
