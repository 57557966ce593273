#pragma once
/// \file
/// OvsBond: the member-selection state of an Open vSwitch bond, following OVS 3.1.0
/// (`ofproto/bond.c`): 256 hash buckets whose member is *state*, not a function of the hash.
///
/// Model (spec hash-algorithms.md §3.4, l2-learning.md rows 28-37):
///  - bucket = hash & 0xff. A bucket with no member, or a disabled one, takes the HEAD of the
///    enabled-member list, which then moves to the tail (first-use round robin; balance-tcp with
///    recirculation instead fills every empty bucket with a seeded random member).
///  - A member that loses carrier is disabled at once (after downdelay, if any) and its buckets
///    are handed out again round robin in the order their flows are re-translated: OVS's
///    revalidator re-translates the cached flows in the order they were installed, so the
///    buckets' first-use order, not bucket-number order (l2-learning.md OVS row 30). A returning
///    member is appended at the TAIL of the enabled list and gets no buckets back (no preemption).
///  - Load accounting (row 36, `bond_account`): a frame that missed the datapath flow cache is
///    accounted at once (account()); frames that hit a cached flow are accounted when a
///    revalidator pushes the flow's statistics (account_hit() queues, push_stats() adds).
///  - Every `rebalance_interval` (default 10 s, below 1 s becomes 1 s, 0 = never) a rebalance
///    run moves buckets from the most- to the least-loaded member (OVS's algorithm, see
///    rebalance_now()) and then halves every bucket's accounted load. The phase is state
///    (set_next_rebalance(); `bond/show` prints it as `next rebalance: N ms`). In ovs-vswitchd a
///    due rebalance waits for the next flow-accounting checkpoint (a revalidator dump) and the
///    next is due one interval after that: checkpoint(), used by fwd::l2::Switch. A bond on its
///    own (fwd::lag) has no revalidator: run(now) carries out every run due by `now`, each at its
///    due time.
///  - active member: the first member when all come up in member order; kept while enabled;
///    otherwise the first enabled member in member order. In active-backup an enabled
///    `primary` always takes the role back.
/// The initial enabled-list order and active member are configuration (members are taken to
/// get carrier one after another in list order): OVS itself does not fix them (row 35).
///
/// What an L2 switch calls for an OVS bond port:
///   tx:   `MemberIndex m = bond.select(hash)` with hash = fwd::hash::ovs::hash_mac(src, vlan,
///         basis) (any hash whose low 8 bits are the bucket works); `no_member` means drop.
///         `bond.account(hash, bytes)` for each frame sent (loads shown by bond/show, rebalance).
///   rx:   `bond.admit(member, dst_mac)` -> accept / drop / drop_if_moved (the switch then drops
///         the frame if its source is learned on another port, unless it is an unlocked GARP);
///         `bond.active_member()`.
///   link: `bond.set_carrier(member, up, now)`; `bond.run(now)` periodically (delays, rebalance).
///   show: `bond.show(now)` (ovs-appctl bond/show text), `bond.to_json(now)` (its JSON twin).
///   log:  `bond.take_log()` returns the INFO lines OVS would have logged since the last call.
/// Names: `bond.member_index("m1")` (throws fwd::Error for unknown names), `bond.member_name(i)`.
///
/// Thread rules: select() mutates bucket state (first use), so one OvsBond per thread.
/// Complexity: select O(1); set_carrier O(256 + members); rebalance O(256 log 256 + members^2).

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fwd/describe/json_fwd.hpp"
#include "fwd/error.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/describe/field.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {

/// `bond_mode` of an OVS bond.
enum class OvsBondMode : std::uint8_t { balance_slb, balance_tcp, active_backup };
/// OVS's `lacp_status` of a bond: LACP off, configured but not negotiated, or negotiated.
enum class OvsLacpStatus : std::uint8_t { off, configured, negotiated };
/// Verdict of `bond_check_admissibility` for a frame received on a member.
enum class Admission : std::uint8_t {
  accept,         ///< admit the frame
  drop,           ///< drop it (and do not learn)
  drop_if_moved,  ///< SLB: drop unless its source is unknown or learned on this bond (GARP rules apply)
};

}  // namespace fwd::lag

namespace fwd::describe {
template <>
struct Enumerators<lag::OvsBondMode> {
  using E = lag::OvsBondMode;
  static constexpr std::string_view what = "OVS bond_mode";
  static constexpr Enumerator<E> table[] = {
      {E::balance_slb, "balance-slb", "source MAC and VLAN hashed to 256 buckets, rebalanced by load"},
      {E::balance_tcp, "balance-tcp", "the flow's 5-tuple hashed to 256 buckets (needs LACP), rebalanced by load"},
      {E::active_backup, "active-backup", "one active member; the others stand by"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<lag::OvsLacpStatus> {
  using E = lag::OvsLacpStatus;
  static constexpr std::string_view what = "OVS lacp_status";
  static constexpr Enumerator<E> table[] = {
      {E::off, "off", "LACP off"},
      {E::configured, "configured", "LACP on but not negotiated with the partner"},
      {E::negotiated, "negotiated", "LACP negotiated with the partner"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<lag::Admission> {
  using E = lag::Admission;
  static constexpr std::string_view what = "bond admission";
  static constexpr Enumerator<E> table[] = {
      {E::accept, "accept", "admit the frame"},
      {E::drop, "drop", "drop it (and do not learn)"},
      {E::drop_if_moved, "drop-if-moved",
       "SLB: drop unless its source is unknown or learned on this bond (GARP rules apply)"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::lag {

constexpr const char* to_string(OvsBondMode m) { return describe::name_of(m).data(); }
constexpr const char* to_string(OvsLacpStatus s) { return describe::name_of(s).data(); }
constexpr const char* to_string(Admission a) { return describe::name_of(a).data(); }

/// The values of the Port `lacp` column fwd accepts (spec `lacp=`, Python `lacp=`): OVS's off,
/// active and passive, and configured / negotiated, the older spellings of active with that status.
inline constexpr std::array<std::string_view, 5> ovs_lacp_values{"off", "active", "passive", "configured", "negotiated"};
/// The bond's lacp_status for a `lacp` column value, the partner answering (active and passive:
/// negotiated). Throws fwd::Error listing ovs_lacp_values.
OvsLacpStatus ovs_lacp_status(std::string_view lacp);

/// Configuration of an OVS bond (the `Port`/`other_config` columns of the same meaning). Its
/// settings table (describe::Settings<OvsBondConfig>, below) names every member for Python, JSON
/// and docstrings. OVS keeps the three delays as integer milliseconds; validate() holds them to
/// whole milliseconds in OVS's range.
struct OvsBondConfig {
  /// Upper bound of OVS's millisecond columns as the LAG spec accepts them (2^31 ms).
  static constexpr std::int64_t max_ms = std::int64_t{1} << 31;

  OvsBondMode mode = OvsBondMode::balance_slb;
  std::uint32_t basis = 0;                         ///< other_config:bond-hash-basis
  Time rebalance_interval = Time::from_ms(10000);  ///< other_config:bond-rebalance-interval (0 = never)
  /// Delay from construction to the first rebalance; default: one interval (bond_entry_reset).
  std::optional<Time> first_rebalance;
  std::string primary;                             ///< other_config:bond-primary (active-backup only)
  OvsLacpStatus lacp = OvsLacpStatus::off;
  bool lacp_fallback_ab = false;                   ///< other_config:lacp-fallback-ab
  /// balance-tcp with recirculation (the normal datapath path): empty buckets get a random
  /// member drawn from `seed`, all at once. Off: first-use round robin as in balance-slb.
  bool recirculation = false;
  std::uint64_t seed = 0;
  Time updelay{};                    ///< bond_updelay (other_config:bond-updelay)
  Time downdelay{};                  ///< bond_downdelay (other_config:bond-downdelay)
  bool all_members_active = false;   ///< other_config:all-members-active (shown only)
  /// Members that have carrier at construction (default: all, in member order).
  bool start_up = true;

  /// Throws fwd::Error naming the setting: a delay that is not a whole number of milliseconds
  /// from 0 to max_ms, a negative first_rebalance, recirculation outside balance-tcp.
  void validate() const;
};

/// The bucket state of one OVS bond; see the file comment for the API an L2 switch uses.
class OvsBond {
public:
  static constexpr unsigned bucket_count = 256;
  /// OVS's rebalance thresholds (bond_rebalance): no move below 100000 bytes of imbalance.
  static constexpr std::uint64_t rebalance_min_overload_bytes = 100000;

  /// A bond named `name` over `members` (in configuration order). Throws fwd::Error for zero
  /// members, more than max_members, duplicate names or a `primary` that is not a member
  /// (OVS accepts the latter and shows "(no such member)"; so do we, for active-backup).
  OvsBond(std::string name, std::vector<std::string> members, OvsBondConfig config = {},
          Time now = {});

  // ---- names ----------------------------------------------------------------------------
  const std::string& name() const { return name_; }
  const OvsBondConfig& config() const { return config_; }
  std::size_t size() const { return members_.size(); }
  const std::string& member_name(MemberIndex m) const { return members_.at(m).name; }
  /// Index of the member called `name`; throws fwd::Error listing the members otherwise.
  MemberIndex member_index(std::string_view name) const;
  /// Adds a member with carrier (it joins the tail of the enabled list); returns its index.
  MemberIndex add_member(std::string name, Time now);
  /// The member's MAC, printed by bond/show ("active member mac"); zero unless set.
  void set_member_mac(MemberIndex m, net::Mac mac) { members_.at(m).mac = mac; }

  // ---- transmit (hot path) ----------------------------------------------------------------
  static constexpr std::uint8_t bucket_of(std::uint64_t hash) { return static_cast<std::uint8_t>(hash & 0xff); }

  /// The member a frame with this hash leaves by (choose_output_member); `no_member` = drop.
  /// Assigns the bucket on first use (or when its member is disabled). Never allocates.
  MemberIndex select(std::uint64_t hash) {
    switch (effective_mode()) {
      case Effective::drop: return no_member;
      case Effective::active_backup: return active_;
      case Effective::balance: break;
    }
    Bucket& b = buckets_[bucket_of(hash)];
    if (b.member == no_member || !members_[b.member].enabled) [[unlikely]] {
      if (b.first_use == 0) b.first_use = ++uses_;
      b.member = next_enabled();
    }
    return b.member;
  }
  /// The owner's datapath used `hash`'s bucket at `now` (a frame was sent through it). With a
  /// flow idle time set (set_flow_idle), a failed member's buckets are re-dealt at once only if
  /// used within it -- OVS re-translates the datapath flows it still caches; the others keep
  /// their disabled member until their next use -- and a bucket idle that long counts as first
  /// used again (its flows are installed anew).
  void touch(std::uint64_t hash, Time now) {
    Bucket& b = buckets_[bucket_of(hash)];
    if (flow_idle_.ns > 0 && (b.last_use.ns == INT64_MIN || now.ns - b.last_use.ns >= flow_idle_.ns))
      b.first_use = ++uses_;
    b.last_use = now;
  }
  /// Datapath flow max-idle of the owner (0, the default: every used bucket counts as cached).
  void set_flow_idle(Time idle) { flow_idle_ = idle; }
  /// What select() would return, without assigning anything.
  MemberIndex peek(std::uint64_t hash) const {
    switch (effective_mode()) {
      case Effective::drop: return no_member;
      case Effective::active_backup: return active_;
      case Effective::balance: break;
    }
    const Bucket& b = buckets_[bucket_of(hash)];
    if (b.member != no_member && members_[b.member].enabled) return b.member;
    return enabled_.empty() ? no_member : enabled_.front();
  }
  /// bond_account for a frame that missed the flow cache: `bytes` count in the bucket of `hash`
  /// at once (only when rebalancing is on).
  void account(std::uint64_t hash, std::uint64_t bytes) {
    if (is_balanced()) buckets_[bucket_of(hash)].tx_bytes += bytes;
  }
  /// A frame that hit a cached flow: its bytes count when the revalidator next pushes the
  /// flow's statistics (push_stats()).
  void account_hit(std::uint64_t hash, std::uint64_t bytes) {
    if (is_balanced()) {
      buckets_[bucket_of(hash)].pending_bytes += bytes;
      stats_pending_ = true;
    }
  }
  /// A revalidator dump: the statistics of hits since the last dump are accounted.
  void push_stats() {
    if (!stats_pending_) return;
    for (auto& b : buckets_) {
      b.tx_bytes += b.pending_bytes;
      b.pending_bytes = 0;
    }
    stats_pending_ = false;
  }
  /// Whether hits wait to be accounted (push_stats() has something to do).
  bool stats_pending() const { return stats_pending_; }

  // ---- receive ----------------------------------------------------------------------------
  /// bond_check_admissibility for a frame to `dst` received on member `m`.
  Admission admit(MemberIndex m, net::Mac dst) const;
  /// The active member, or no_member when every member is disabled.
  MemberIndex active_member() const { return active_; }

  // ---- control path -----------------------------------------------------------------------
  /// Carrier of member `m` changed (netdev link state). Applies at once unless up/downdelay.
  void set_carrier(MemberIndex m, bool up, Time now);
  /// LACP's verdict on member `m` (bond_member_set_may_enable).
  void set_may_enable(MemberIndex m, bool may_enable, Time now);
  /// The bond's LACP negotiation status changed.
  void set_lacp_status(OvsLacpStatus s, Time now);
  /// bond_run + bond_rebalance: applies expired up/down delays, re-chooses the active member,
  /// and carries out every rebalance run due by `now`, each at its scheduled time (the next is
  /// one interval after it). Returns true if a rebalance ran (whether or not it moved anything).
  bool run(Time now);
  /// Sets when the next rebalance is due (OVS fixes it when the interval is configured and after
  /// each run; `bond/show` prints it relative to now as `next rebalance: N ms`).
  void set_next_rebalance(Time t) { next_rebalance_ = t; }
  /// In ovs-vswitchd, bond_rebalance() runs only at a flow-accounting checkpoint: after each
  /// revalidator dump (ofproto-dpif run(), when the dump sequence changed), once the dump has
  /// pushed every flow's statistics. An owner that models the revalidator (fwd::l2::Switch) turns
  /// this on and calls checkpoint() at each dump; run() then leaves rebalancing alone.
  void set_rebalance_at_checkpoints(bool on) { at_checkpoints_ = on; }
  /// A revalidator dump at `t`: the hits' statistics are accounted (push_stats()), then, if the
  /// rebalance is due, it runs and the next is due one interval after `t`. Returns true if it ran.
  bool checkpoint(Time t);
  /// Runs the rebalance algorithm now, regardless of the interval (bond_rebalance's body).
  /// Returns the number of buckets moved.
  unsigned rebalance_now();
  /// ovs-appctl bond/migrate: puts `bucket` on member `m` (must be enabled).
  void migrate(std::uint8_t bucket, MemberIndex m);
  /// ovs-appctl bond/set-active-member.
  void set_active_member(MemberIndex m);

  // ---- state ------------------------------------------------------------------------------
  bool is_balanced() const {
    return config_.rebalance_interval.ns != 0 && config_.mode != OvsBondMode::active_backup;
  }
  bool is_enabled(MemberIndex m) const { return members_.at(m).enabled; }
  bool has_carrier(MemberIndex m) const { return members_.at(m).carrier; }
  /// OVS's member may_enable: carrier and LACP's verdict (port_run), false without carrier.
  bool may_enable(MemberIndex m) const { return members_.at(m).may_enable && members_.at(m).carrier; }
  /// The member of `bucket`, or no_member if unassigned. (A disabled member is reported as is.)
  MemberIndex bucket_member(std::uint8_t bucket) const { return buckets_[bucket].member; }
  /// Accounted (decayed) bytes of `bucket`.
  std::uint64_t bucket_tx_bytes(std::uint8_t bucket) const { return buckets_[bucket].tx_bytes; }
  /// Hit bytes of `bucket` not yet pushed by a revalidator.
  std::uint64_t bucket_pending_bytes(std::uint8_t bucket) const { return buckets_[bucket].pending_bytes; }
  /// The order buckets were first used in (re-deal order after a member fails), oldest first.
  std::vector<std::uint8_t> first_use_order() const;
  /// The enabled-member list, head first: the next bucket to fill goes to the head.
  std::span<const MemberIndex> enabled_list() const { return {enabled_.data(), enabled_.size()}; }
  /// Time of the next rebalance (meaningful when is_balanced()).
  Time next_rebalance() const { return next_rebalance_; }
  /// ovs-appctl bond/show text, as OVS 3.1 prints it.
  std::string show(Time now) const;
  /// The same as JSON: the fields of the scenario files' `bond_show` step (`active_member`,
  /// `members`, `buckets` = buckets with >= 1 kB load, `lacp_status`) plus `bond`, `bond_mode`,
  /// `basis`, `next_rebalance_ms`, `bucket_map` (every assigned bucket), `loads_kb`,
  /// `enabled_list`.
  describe::json::value to_json(Time now) const;
  /// The INFO log lines since the last call (`bond b1: member m1: link state down`, ...).
  std::vector<std::string> take_log() { return std::exchange(log_, {}); }

private:
  struct Member {
    std::string name;
    net::Mac mac{};
    bool carrier = true;
    bool may_enable = true;
    bool enabled = false;
    std::optional<Time> delay_expires;  // pending enable/disable
  };
  struct Bucket {
    MemberIndex member = no_member;
    std::uint32_t first_use = 0;     // 1, 2, ... in first-use order (0: never used)
    std::uint64_t tx_bytes = 0;
    std::uint64_t pending_bytes = 0;  // hits not yet pushed by a revalidator
    Time last_use{INT64_MIN};         // touch(): last frame through it
  };
  enum class Effective : std::uint8_t { balance, active_backup, drop };

  Effective effective_mode() const {
    OvsBondMode mode = config_.mode;
    if (config_.lacp == OvsLacpStatus::configured) {
      // LACP configured but not negotiated: active-backup with lacp-fallback-ab, else drop.
      if (!config_.lacp_fallback_ab) return Effective::drop;
      mode = OvsBondMode::active_backup;
    }
    if (mode == OvsBondMode::active_backup) return Effective::active_backup;
    if (mode == OvsBondMode::balance_tcp && config_.lacp != OvsLacpStatus::negotiated) return Effective::drop;
    return Effective::balance;
  }
  /// get_enabled_member: pop the head of the enabled list and push it back at the tail.
  MemberIndex next_enabled() {
    if (enabled_.empty()) return no_member;
    const MemberIndex m = enabled_.front();
    std::rotate(enabled_.begin(), enabled_.begin() + 1, enabled_.end());
    return m;
  }
  void link_status_update(MemberIndex m, Time now);
  void enable(MemberIndex m, bool on);
  void reassign_disabled_buckets();
  void fill_buckets_randomly();
  void choose_active();
  MemberIndex primary_member() const;
  std::uint64_t next_random();

  std::string name_;
  OvsBondConfig config_;
  std::vector<Member> members_;
  MemberArray enabled_;
  std::array<Bucket, bucket_count> buckets_{};
  MemberIndex active_ = no_member;
  MemberIndex last_active_ = no_member;  // OVS remembers the last active member's MAC
  Time next_rebalance_{};
  std::uint32_t uses_ = 0;       // buckets used so far (Bucket::first_use)
  bool stats_pending_ = false;   // some bucket has pending_bytes
  bool at_checkpoints_ = false;  // rebalance only in checkpoint()
  Time flow_idle_{};             // set_flow_idle()
  Time now_{};                   // time of the state change being applied (re-deal liveness)
  std::uint64_t rng_ = 0;
  std::vector<std::string> log_;
};

}  // namespace fwd::lag

// ---- descriptions (fwd/describe/field.hpp): the settings of OvsBondConfig ----------------------
namespace fwd::describe {
template <>
struct Settings<lag::OvsBondConfig> {
  using C = lag::OvsBondConfig;
  using Member = std::variant<lag::OvsBondMode C::*, lag::OvsLacpStatus C::*, std::uint32_t C::*, std::uint64_t C::*,
                              Time C::*, std::optional<Time> C::*, std::string C::*, bool C::*>;
  static constexpr std::string_view doc =
      "Settings of an Open vSwitch 3.1 bond (lag::OvsBondConfig, fwd/lag/ovs_bond.hpp): the Port and "
      "other_config columns of the same meaning. The LAG spec (ovs-3.1:<mode>;updelay=...) spells the three "
      "delays in integer milliseconds, as OVS does.";
  // No integer row needs a range narrower than its type; the delays' range (whole ms, 0 to 2^31 ms)
  // is OvsBondConfig::validate()'s.
  static constexpr Setting<C, Member> table[] = {
      {"mode", &C::mode, "", "bond_mode: balance-slb, balance-tcp or active-backup"},
      {"basis", &C::basis, "", "other_config:bond-hash-basis"},
      {"rebalance_interval", &C::rebalance_interval, "s",
       "other_config:bond-rebalance-interval, whole ms up to 2^31 ms (0 = never; below 1 s becomes 1 s)"},
      {"first_rebalance", &C::first_rebalance, "s", "delay from construction to the first rebalance (None: one interval)"},
      {"primary", &C::primary, "", "other_config:bond-primary, active-backup only (a non-member is shown as such)"},
      {"lacp", &C::lacp, "",
       "lacp_status: off, configured (drops; active-backup with lacp_fallback_ab) or negotiated; the Port lacp "
       "column's active and passive mean negotiated"},
      {"lacp_fallback_ab", &C::lacp_fallback_ab, "", "other_config:lacp-fallback-ab"},
      {"recirculation", &C::recirculation, "",
       "balance-tcp with recirculation: empty buckets get a member drawn from seed, all at once"},
      {"seed", &C::seed, "", "seed of recirculation's random member draws"},
      {"updelay", &C::updelay, "s", "other_config:bond-updelay: carrier up -> member enabled, whole ms (not with LACP)"},
      {"downdelay", &C::downdelay, "s",
       "other_config:bond-downdelay: carrier down -> member disabled, whole ms (not with LACP)"},
      {"all_members_active", &C::all_members_active, "", "other_config:all-members-active (shown by bond/show only)"},
      {"start_up", &C::start_up, "", "members have carrier at construction, enabled in member order"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
}  // namespace fwd::describe
