#pragma once
/// \file
/// Lag: an ordered set of named members with link and LACP state, a hash::Policy, and the
/// distributor of a named real system (distributor.hpp). Named by a LAG spec string:
///
///   lag-spec := system ":" mode *(";" key "=" value) [";hash=" policy-spec]
///
///   system        modes                                                 options
///   freebsd-9.3   lacp loadbalance(fec) failover roundrobin             lagghash=l2,l3,l4 key= seed=
///   freebsd-10    ... and broadcast                                     use_flowid=0|1 flowid_shift=N
///   freebsd-12    (aliases freebsd, freebsd-fnv; current FreeBSD, 2019+, FNV hash)  rr_limit=N (10+)
///   linux-6.12    802.3ad balance-xor active-backup broadcast balance-rr xmit_hash_policy= ad_select=
///   linux-3.x     (same modes, 3.x "next usable member" rule)           primary= primary_reselect=
///                                                                       packets_per_slave= seed=
///   ovs-3.1       balance-slb balance-tcp active-backup                 basis= rebalance_interval=
///                                                                       primary= lacp= lacp_fallback_ab=
///                                                                       recirculation= seed= updelay=
///                                                                       downdelay= bond=
///   dpdk          balance 802.3ad round-robin active-backup broadcast   xmit_policy=l2|l23|l34 primary=
///   vendor        modulo table resilient                                size=B fields= function= seed= rotate=
///
/// `hash=` (always last: it takes the rest of the string) replaces the hash the system would use
/// by any hash::Policy spec, e.g. `vendor:resilient;size=64;hash=linux-6.12:layer3+4`. Examples:
/// `freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0x1`, `linux-6.12:802.3ad;xmit_hash_policy=layer3+4`,
/// `ovs-3.1:balance-slb;basis=0`, `dpdk:balance;xmit_policy=l34`, `vendor:table;size=8`.
/// The full reference with defaults is the docstring of the Python module fwd.lag.
///
/// Members: listed in the order they were added / enslaved / came up / started distributing, all
/// up and distributing at construction (FreeBSD LACP with a,b,c therefore has pm_map [c, b, a]).
/// State changes (set_link, set_lacp, add_member) are applied in call order, which is what
/// decides the order of the systems' arrays. Selection never allocates; select_batch resolves the
/// policy and the distributor once per batch.
/// Thread rules: select() may mutate distributor state (OVS buckets, round-robin counters), so
/// one Lag per thread; copies are independent (what-if studies copy a Lag and fail members).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fwd/describe/json_fwd.hpp"
#include "fwd/hash/policy.hpp"
#include "fwd/lag/distributor.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {

/// select_batch output codes besides member indexes.
inline constexpr std::int16_t batch_dropped = -1;
inline constexpr std::int16_t batch_broadcast = -2;

/// What explain() returns: where the hash came from, the hash walk, the distributor's step.
struct LagExplanation {
  std::string lag_spec;
  std::string follows;
  std::string hash_source;                     ///< "hash policy ...", "flowid ... >> 16", "not hashed: ..."
  std::optional<hash::Explanation> hash_walk;  ///< present when the policy hashed the frame
  std::uint64_t hash = 0;                      ///< the value the distributor used
  std::string step;                            ///< the distributor's decision, one line
  Selection selection;
  std::string member;                          ///< selected member's name ("" unless outcome is member)
  std::vector<std::string> copies;             ///< broadcast: every member that gets a copy

  std::string to_text() const;
  /// The JSON twin of to_text() (serialise with describe::dump()).
  describe::json::value to_json() const;
};

class Lag {
public:
  /// Builds a LAG from a spec string and member names (in the order they were added). Throws
  /// fwd::Error naming the bad token and the accepted ones, for zero members or duplicate names.
  static Lag from_spec(std::string_view spec, std::vector<std::string> members);

  // ---- identity ---------------------------------------------------------------------------
  /// The canonical spec (aliases resolved, defaults written out).
  const std::string& spec() const { return spec_; }
  const std::string& system() const { return system_; }
  const std::string& mode() const { return mode_; }
  /// Which real system, version and mode the distributor follows.
  std::string follows() const {
    return std::visit([](const auto& d) { return d.follows(); }, dist_);
  }
  const hash::Policy& policy() const { return policy_; }

  // ---- members ----------------------------------------------------------------------------
  std::size_t size() const { return names_.size(); }
  std::span<const std::string> names() const { return names_; }
  const std::string& name(MemberIndex m) const { return names_.at(m); }
  /// Index of the member called `name`; throws fwd::Error listing the members otherwise.
  MemberIndex index_of(std::string_view name) const;
  const MemberState& state(MemberIndex m) const { return states_.at(m); }
  const MemberStates& states() const { return states_; }

  // ---- control path -----------------------------------------------------------------------
  /// Adds (enslaves) a member, up and distributing. Returns its index.
  MemberIndex add_member(std::string name, Time now = {});
  /// Link (carrier) up or down.
  void set_link(MemberIndex m, bool up, Time now = {});
  /// Interface administratively up or down.
  void set_admin(MemberIndex m, bool up, Time now = {});
  /// LACP mux state of a member.
  void set_lacp(MemberIndex m, bool attached, bool collecting, bool distributing, Time now = {});
  /// Any member state at once (aggregator, partner priority, speed, ifindex, ...).
  void set_state(MemberIndex m, const MemberState& s, Time now = {});
  /// Periodic work at `now`: OVS up/down delays and rebalancing.
  void run(Time now);
  /// FreeBSD LACP: marker responses returned; the transit window ends now.
  void end_transit();

  // ---- data path --------------------------------------------------------------------------
  /// The value the distributor consumes for this frame: the policy's hash, or the FreeBSD
  /// flow id (>> flowid_shift) when use_flowid applies. 0 for modes that do not hash.
  std::uint64_t hash(net::Bytes frame, const net::PacketMeta& meta = {}) const;
  /// The member for one frame, in steady state (no time windows).
  Selection select(net::Bytes frame, const net::PacketMeta& meta = {}) {
    return select_value(hash(frame, meta), nullptr);
  }
  /// The member for one frame at `now`: also honours FreeBSD's LACP transit window.
  Selection select_at(net::Bytes frame, const net::PacketMeta& meta, Time now) {
    return select_value(hash(frame, meta), &now);
  }
  /// The member for a precomputed hash (hash-independent use of the distributor).
  Selection select_hash(std::uint64_t h) { return select_value(h, nullptr); }

  /// out[i] = member index of row i, batch_dropped or batch_broadcast. One variant resolution per
  /// batch; no allocation; safe without the GIL (mutates this Lag). A policy with a block kernel
  /// (Policy::has_block_kernel) hashes a block of rows, then selects; the others hash and select
  /// frame by frame (measured faster for them: the hash stays in a register).
  template <class Out> void select_batch(const hash::Policy::Batch& b, Out* out) {
    if (policy_.has_block_kernel()) return select_blocks(b, out);
    std::visit([&](auto& d) {
      policy_.visit([&](const auto& h) {
        const net::PacketMeta meta{};
        hash::NoTrace t;
        const bool hashed = d.needs_hash();
        for (std::size_t i = 0; i < b.count; ++i) {
          const std::uint64_t v = hashed ? h(b.row(i), meta, t) : 0;
          out[i] = encode(d.select(static_cast<std::uint32_t>(v), states_));
        }
      });
    }, dist_);
  }
  /// The same over precomputed hashes.
  template <class Out> void select_hash_batch(const std::uint64_t* hashes, std::size_t n, Out* out) {
    std::visit([&](auto& d) {
      for (std::size_t i = 0; i < n; ++i) out[i] = encode(d.select(static_cast<std::uint32_t>(hashes[i]), states_));
    }, dist_);
  }
  static constexpr std::int16_t encode(Selection s) {
    return s.outcome == Outcome::member ? static_cast<std::int16_t>(s.member)
           : s.outcome == Outcome::broadcast ? batch_broadcast
                                             : batch_dropped;
  }

  /// The array the distributor takes its index over right now (see each distributor).
  MemberArray order() const {
    return std::visit([&](const auto& d) { return d.order(states_); }, dist_);
  }
  /// The members a broadcast copy goes to (up members, in the distributor's order).
  MemberArray broadcast_members() const;
  /// True when a choice depends on the frames before it (Open vSwitch buckets assigned on first
  /// use, round-robin counters): such a Lag must see frames one at a time, in order. Otherwise
  /// select() only reads, and frames may be split over threads.
  bool order_dependent() const;

  /// The hash walk and the distributor's decision for one frame, without changing any state.
  LagExplanation explain(net::Bytes frame, const net::PacketMeta& meta = {}) const;

  /// The OVS bond state when the system is ovs-3.1 (bond/show, admission, buckets), else null.
  OvsBond* ovs_bond() { auto* d = std::get_if<OvsBondLag>(&dist_); return d ? &d->bond : nullptr; }
  const OvsBond* ovs_bond() const { auto* d = std::get_if<OvsBondLag>(&dist_); return d ? &d->bond : nullptr; }
  /// The distributor itself (for system-specific state).
  const Distributor& distributor() const { return dist_; }

  /// Members, their state and the distributor's order, as text and JSON.
  std::string to_text() const;
  describe::json::value to_json() const;

private:
  // select_batch for policies with a block kernel: a block of hashes, then the selections.
  template <class Out> void select_blocks(const hash::Policy::Batch& b, Out* out) {
    std::visit([&](auto& d) {
      std::uint64_t hashes[hash::block_size] = {};
      const bool hashed = d.needs_hash();
      for (std::size_t first = 0; first < b.count; first += hash::block_size) {
        const std::size_t n = std::min(hash::block_size, b.count - first);
        if (hashed) policy_.hash_batch({b.data + first * b.stride, b.stride, n, b.lengths ? b.lengths + first : nullptr}, hashes);
        for (std::size_t i = 0; i < n; ++i) out[first + i] = encode(d.select(static_cast<std::uint32_t>(hashes[i]), states_));
      }
    }, dist_);
  }
  Lag(hash::Policy p, Distributor d) : policy_(std::move(p)), dist_(std::move(d)) {}
  Selection select_value(std::uint64_t h, const Time* now);
  void changed(Time now);

  std::string spec_, system_, mode_;
  hash::Policy policy_;
  Distributor dist_;
  std::vector<std::string> names_;
  MemberStates states_;
};

/// Per-member flow counts before and after failing and/or adding members.
struct WhatIf {
  std::string lag_spec;
  std::vector<std::string> members;      ///< every member (added ones included)
  std::vector<std::string> failed, added;
  std::vector<std::uint64_t> before, after;  ///< flows per member
  std::uint64_t flows = 0;
  std::uint64_t dropped_before = 0, dropped_after = 0, broadcast_before = 0, broadcast_after = 0;
  std::uint64_t moved = 0;        ///< flows whose member changed
  std::uint64_t min_moved = 0;    ///< flows that had to move: on a failed member, or now on an added one

  double moved_share() const { return flows ? static_cast<double>(moved) / static_cast<double>(flows) : 0.0; }
  std::string to_text() const;
  /// The JSON twin of to_text().
  describe::json::value to_json() const;
};

/// Runs `flows` through a copy of `lag`, then fails `fail` and adds `add` on another copy made
/// from the same starting state, and runs the flows again. OVS bucket state is first-use: the
/// "after" pass continues from the state the "before" pass left, as on a live bond.
WhatIf what_if(const Lag& lag, const hash::Policy::Batch& flows, std::span<const std::string> fail,
               std::span<const std::string> add);

/// The `ovs-3.1:` LAG spec that sets the OVS bond settings named in `settings` (names of
/// describe::Settings<OvsBondConfig>, any order; the mode is always written) to their values in
/// `c`, leaving the others to the spec's defaults (which depend on the mode: balance-tcp has LACP
/// and recirculation on): Lag::from_spec of it builds a bond with exactly those settings of `c`.
/// The options come in table order, named as the settings; the three delays in integer ms, as
/// OVS's other_config. An empty `primary` is left out (no primary). Throws fwd::Error for an
/// unknown name, a setting the spec has no option for (first_rebalance, start_up), and what
/// c.validate() refuses or would not read back (a primary containing ';' or '=').
std::string ovs_bond_spec(const OvsBondConfig& c, std::span<const std::string_view> settings);

}  // namespace fwd::lag
