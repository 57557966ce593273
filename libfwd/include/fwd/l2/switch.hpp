#pragma once
/// \file
/// Switch: an L2 switch with a behaviour profile naming the real system it follows.
///
///  - `linux-bridge`: Linux 6.x bridge (l2-learning.md §1-§2, recorded on 6.18): static entries
///    move, ageing 0 = no learning, invalid sources dropped, fdb_max_learned refuses, link-local
///    01:80:c2:00:00:0X rules with group_fwd_mask, flood flags, hairpin, locked ports; without
///    VLAN filtering tags are payload and the FDB ignores them (row 9, 27); with VLAN filtering
///    row 28 (PVID, membership, untagged egress).
///  - `freebsd-bridge`: FreeBSD 9.x if_bridge (source): key (MAC, tag VID, 0 -> 1), 1200 s
///    timeout swept every 300 s, 2000 entries refused when full, static entries never move,
///    multicast sources forwarded but not learned, 01:80:c2:00:00:0X never forwarded.
///  - `ovs-3.1`: Open vSwitch 3.1 NORMAL action (recorded): VLAN access/trunk/native modes, FDB
///    (MAC, VLAN), 15..3600 s ageing on whole-second ticks, table-size eviction of the busiest
///    port's LRU entry, gratuitous-ARP lock, reserved multicast dropped before learning, and the
///    datapath flow cache: a frame that *hits* a cached flow is forwarded as the current table
///    says but its learning (and its bond load) is applied at the next dump of a periodic
///    revalidator (`revalidator_interval`, dumps at `revalidator_phase` + k * interval; OVS rows
///    19-21, 36).
///  - `vendor`: a generic IEEE 802.1Q switch: VLAN-aware, 300 s ageing, flap detection on.
/// Ports are physical or LAGs; a LAG is one logical port (one FDB port) over member links.
/// Every frame ends in exactly one of: forwarded (known unicast), flooded (copies counted),
/// to_host (consumed locally) or dropped with a DropReason; counters() add up.
/// The forwarding path never allocates (egress sets in small_vectors), never throws and reads
/// no byte past the frame. Its common case (admitted unicast, source live on the ingress port,
/// destination live on another port that is not a LAG; not OVS) is one straight line that ends
/// exactly as the profile's full rules would; receive_burst() first hashes the whole burst's FDB
/// keys and prefetches their lines (bench/switch_bench.cpp). `Switch` is
/// `BasicSwitch<detail::FdbTable>`; the benchmark's reference is the same code over
/// std::unordered_map (compiled by the benchmark, not part of the library). Thread rules: not synchronised,
/// one thread at a time (Python: every method holds the GIL for the whole call, so sharing is safe).

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "fwd/l2/detail/switch_state.hpp"
#include "fwd/describe/json_fwd.hpp"
#include "fwd/l2/mac_table.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {
class OvsBond;
class Lag;
}  // namespace fwd::lag

namespace fwd::l2 {

/// The real system a switch follows.
enum class Profile : std::uint8_t { linux_bridge, freebsd_bridge, ovs_3_1, vendor };
/// `linux-bridge`, `freebsd-bridge`, `ovs-3.1`, `vendor`.
const char* to_string(Profile p);
/// Parses a profile name or the name of a system with a switch model (`linux-6.12`, `freebsd-9.3`,
/// `ovs`, ...: fwd/describe/system.hpp); `freebsd` is ambiguous and rejected with the choices.
Profile parse_profile(std::string_view name);

/// Physical link number (a physical port has one link, a LAG one per member).
using LinkId = std::uint16_t;
inline constexpr LinkId no_link = 0xffff;
/// Pseudo port of the bridge device itself (its own MAC).
inline constexpr PortId bridge_self = 0xfffe;

/// VLAN mode of a port on a VLAN-aware switch (OVS `vlan_mode`; `linux` = explicit lists).
enum class VlanMode : std::uint8_t { automatic, access, trunk, native_untagged, native_tagged, linux };
const char* to_string(VlanMode m);

/// A LAG port: member links and a LAG spec string (fwd/lag/lag.hpp), parsed by
/// fwd::lag::Lag::from_spec and nowhere else. Empty spec: the profile's default
/// (`linux-6.12:802.3ad;xmit_hash_policy=layer2`, `freebsd-9.3:lacp`, `ovs-3.1:balance-slb`,
/// `vendor:table`). On `ovs-3.1` the spec must be an `ovs-3.1:` bond (bond_mode balance-slb /
/// active-backup / balance-tcp; basis=, rebalance_interval=, primary=, lacp=off|active|passive,
/// updelay=, downdelay=, lacp_fallback_ab=, ...; the bond is named after the port unless
/// `bond=` says otherwise): the switch uses its OvsBond (SLB buckets of hash_mac(src, VLAN,
/// basis), bond admission, accounting, bond/show).
struct LagConfig {
  std::vector<std::string> members;  ///< member link names, in configuration order
  std::string spec;                  ///< LAG spec string; empty: the profile's default
  /// OVS: when the first rebalance runs (the time it is due, from time 0); unset: one interval.
  /// This is the timer's phase, which OVS fixes when the bond is configured (`bond/show`: next
  /// rebalance), so a replay sets it from a recording. Any time, also before 0 (then overdue).
  std::optional<Time> first_rebalance;
};

/// One port's configuration. Defaults give an ordinary port of the profile.
struct PortConfig {
  std::string name;
  std::optional<net::Mac> mac;  ///< the port's own address (Linux bridge_port_mac: local entry)
  bool learning = true;
  bool flood = true;            ///< unknown unicast flooded to this port (Linux `flood`)
  bool mcast_flood = true;
  bool bcast_flood = true;
  bool hairpin = false;
  bool locked = false;          ///< Linux `locked`: admit only sources with an FDB entry here
  bool sticky = false;          ///< FreeBSD member `sticky`: entries learned here never move
  // VLAN (VLAN-aware switches)
  VlanMode vlan_mode = VlanMode::automatic;
  std::optional<std::uint16_t> tag;     ///< OVS `tag` (access VLAN / native VLAN)
  std::vector<std::uint16_t> trunks;    ///< OVS `trunks` (empty: all VLANs)
  std::optional<std::uint16_t> pvid;    ///< Linux/vendor PVID (VlanMode::linux)
  std::vector<std::uint16_t> vlans;     ///< Linux/vendor membership (VlanMode::linux)
  std::vector<std::uint16_t> untagged;  ///< Linux/vendor untagged egress VIDs (VlanMode::linux)
  std::optional<LagConfig> lag;         ///< set: this port is a LAG over lag->members
};

/// Switch-wide settings; `defaults(profile)` fills the followed system's defaults.
struct SwitchConfig {
  Profile profile = Profile::linux_bridge;
  std::string name = "br0";
  bool vlan_aware = false;                  ///< Linux vlan_filtering; always on for ovs/vendor
  std::optional<net::Mac> bridge_mac;       ///< the bridge's own MAC (Linux/FreeBSD: local)
  Time ageing = Time::from_s(300);          ///< ageing_time / mac-aging-time / timeout
  std::size_t max_entries = 0;              ///< fdb_max_learned / mac-table-size / maxaddr
  std::uint16_t group_fwd_mask = 0;         ///< Linux: forward 01:80:c2:00:00:0X if bit X
  bool no_linklocal_learn = false;          ///< Linux
  bool stp = false;                         ///< Linux: STP on consumes 01:80:c2:00:00:00
  bool forward_bpdu = false;                ///< OVS other_config:forward-bpdu
  /// OVS: period of the revalidator's datapath flow dumps, which apply a hit's learning and
  /// account its bond load (other_config:max-revalidator, default 500 ms).
  Time revalidator_interval = Time::from_ms(500);
  /// OVS: time of one revalidator dump (the others are whole intervals away): the phase, fixed
  /// when the bridge starts. Any value; taken modulo the interval.
  Time revalidator_phase{};
  Time flow_idle = Time::from_s(10);        ///< OVS: datapath flow max-idle
  std::optional<FlapConfig> flap;           ///< unset: the profile's preset
  std::size_t reserve = 0;                  ///< pre-size the FDB for this many MACs
  std::size_t event_capacity = 4096;
  std::uint32_t events = event_mask::standard;

  static SwitchConfig defaults(Profile p);
};

/// Why a frame was dropped.
enum class DropReason : std::uint8_t {
  none,
  too_short,        ///< shorter than an Ethernet header (14 bytes)
  bad_link,         ///< receive() on a link id that does not exist
  port_down,        ///< ingress port/link administratively down, no carrier or err-disabled
  malformed_vlan,   ///< 802.1Q TPID without a complete tag
  invalid_source,   ///< multicast, broadcast or all-zero source (Linux, vendor)
  own_source,       ///< FreeBSD: source is one of the bridge's own addresses
  mac_control,      ///< 01:80:c2:00:00:01 (pause), dropped before learning
  stp_bpdu,         ///< STP group address consumed by the STP code (FreeBSD; Linux with STP)
  reserved_multicast,  ///< OVS: reserved destination (eth_addr_is_reserved) without forward-bpdu
  vlan_ingress,     ///< VLAN admission: not a member / tagged on an access port / no PVID
  locked_port,      ///< Linux locked port: source not authorised on this port
  bond_admission,   ///< LAG member refused the frame (inactive member, backup member, ...)
  slb_loopback,     ///< OVS SLB: source learned on another port ("looped back")
  cached_drop,      ///< OVS: hit a cached drop flow
  same_port,        ///< destination lives on the ingress port (filtered)
  blackhole,        ///< destination's port is down (static entry on a down port)
  no_egress,        ///< flood with no eligible port
  lag_no_member,    ///< LAG egress with no usable member
  flap_drop,        ///< flap action drop_frame
  flap_shutdown,    ///< flap action shut the port down
  count_
};
const char* to_string(DropReason r);
inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(DropReason::count_);

enum class Verdict : std::uint8_t { forwarded, flooded, to_host, dropped };
const char* to_string(Verdict v);

/// OVS datapath outcome of a frame: `automatic` consults the switch's flow-cache model.
enum class Datapath : std::uint8_t { automatic, miss, hit };

/// What happens to the tag on one egress copy.
enum class TagOp : std::uint8_t { keep, strip, push, rewrite };

/// One transmitted copy.
struct Egress {
  PortId port = no_port;
  LinkId link = no_link;  ///< the physical link (for a LAG: the chosen member)
  TagOp op = TagOp::keep;
  std::uint16_t tci = 0;  ///< the tag for push / rewrite (TPID 0x8100)

  constexpr Egress() = default;
  constexpr Egress(PortId p, LinkId l, TagOp o, std::uint16_t t) : port(p), link(l), op(o), tci(t) {}
};

/// The forwarding decision for one frame.
struct Decision {
  Verdict verdict = Verdict::dropped;
  DropReason reason = DropReason::none;
  std::uint16_t vlan = 0xffff;              ///< classified VLAN (0xffff: none)
  PortId ingress = no_port;
  LearnStatus learn = LearnStatus::unchanged;
  bool learn_deferred = false;              ///< OVS hit: learning queued for later
  bool datapath_hit = false;
  PortId dst_port = no_port;                ///< FDB port of the destination, if known
  boost::container::small_vector<Egress, 8> egress;

  void reset() {
    verdict = Verdict::dropped;
    reason = DropReason::none;
    vlan = 0xffff;
    ingress = no_port;
    learn = LearnStatus::unchanged;
    learn_deferred = false;
    datapath_hit = false;
    dst_port = no_port;
    egress.clear();
  }
};

/// Frame accounting: rx == forwarded + flooded + to_host + sum(dropped).
struct SwitchCounters {
  std::uint64_t rx = 0;
  std::uint64_t forwarded = 0;      ///< frames sent to one known port
  std::uint64_t flooded = 0;        ///< frames flooded (>= 1 copy)
  std::uint64_t flood_copies = 0;   ///< copies sent by floods
  std::uint64_t tx = 0;             ///< all copies sent
  std::uint64_t to_host = 0;        ///< frames consumed locally
  std::uint64_t copies_lost = 0;    ///< flood copies to a LAG with no usable member
  std::uint64_t dropped = 0;
  std::array<std::uint64_t, drop_reason_count> dropped_by{};
};

/// SwitchCounters as JSON: the described fields plus `dropped_by` (reason -> frames, non-zero only).
describe::json::object counters_json(const SwitchCounters& c);

/// Per-port counters.
struct PortCounters {
  std::uint64_t rx = 0, tx = 0, dropped = 0;
};

/// One FDB row for show output (port by name).
struct FdbRow {
  net::Mac mac{};
  std::optional<std::uint16_t> vlan;  ///< unset when the table is not VLAN-keyed
  std::string port;
  bool is_static = false;
  bool sticky = false;
  std::int64_t age_s = 0;
};


/// One frame of a burst (BasicSwitch::receive_burst): the link it arrived on and its bytes.
struct RxFrame {
  LinkId link = no_link;
  net::Bytes frame{};
};

namespace detail {
struct SwitchImpl;  // OVS flow cache, deferred learning, bonds (libfwd/src/l2/switch_datapath.hpp)
}

/// An L2 switch. See the file comment. `Store` is the FDB's hash table: use `Switch`
/// (detail::FdbTable); bench/switch_bench.cpp also runs it over its std::unordered_map store.
template <class Store>
class BasicSwitch {
public:
  using Table = BasicMacTable<Store>;

  /// Builds a switch; throws fwd::Error for duplicate or empty port names, VLAN ids out of
  /// range, a LAG without members, or settings the profile does not accept.
  BasicSwitch(SwitchConfig cfg, std::vector<PortConfig> ports);
  ~BasicSwitch();
  BasicSwitch(const BasicSwitch&) = delete;
  BasicSwitch& operator=(const BasicSwitch&) = delete;

  const SwitchConfig& config() const { return cfg_; }
  Profile profile() const { return cfg_.profile; }

  // ---- names ------------------------------------------------------------------------------
  std::size_t port_count() const { return ports_.size(); }
  std::size_t link_count() const { return links_.size(); }
  /// Port id by name; throws fwd::Error listing the ports.
  PortId port_id(std::string_view name) const;
  /// Link id by name (a physical port's name or a LAG member's name); throws fwd::Error.
  LinkId link_id(std::string_view name) const;
  const std::string& port_name(PortId p) const;
  const std::string& link_name(LinkId l) const;
  PortId port_of_link(LinkId l) const { return l < links_.size() ? links_[l].port : no_port; }
  const PortConfig& port_config(PortId p) const;
  bool is_lag(PortId p) const { return p < ports_.size() && ports_[p].is_lag; }
  /// The OVS bond state of a LAG port (nullptr for other ports/profiles).
  lag::OvsBond* bond(PortId p);
  const lag::OvsBond* bond(PortId p) const;
  /// The generic LAG of a LAG port on a non-OVS profile (nullptr otherwise).
  lag::Lag* lag(PortId p);
  /// `ovs-appctl bond/show` of a LAG port; throws fwd::Error for a non-bond port. Its JSON twin
  /// is `to_json(now)["bonds"][port name]`.
  std::string bond_show(PortId p, Time now);

  // ---- data path --------------------------------------------------------------------------
  /// A frame arrives on `link` at `now`. Fills `out`; never throws or allocates.
  void receive(LinkId link, net::Bytes frame, Time now, Decision& out, Datapath dp = Datapath::automatic);
  Decision receive(LinkId link, net::Bytes frame, Time now, Datapath dp = Datapath::automatic) {
    Decision d;
    receive(link, frame, now, d, dp);
    return d;
  }
  /// One frame of a burst: the link it arrived on and its bytes.
  using Rx = RxFrame;
  /// A burst of frames received at `now` (a datapath batch): `out[i]` is frame i's decision,
  /// exactly as receive() would give one by one. The FDB lines of frames a few places ahead
  /// are prefetched so that the cache misses of a large table overlap. `out` must be at least
  /// as long as `in`.
  void receive_burst(std::span<const Rx> in, Time now, std::span<Decision> out, Datapath dp = Datapath::automatic);
  /// Bytes of one egress copy written to `out` (which needs frame.size() + 4 bytes); returns
  /// the length. Tag push/strip/rewrite happen here; no padding is added or removed.
  static std::size_t render(net::Bytes frame, const Egress& e, std::span<std::uint8_t> out);
  static std::vector<std::uint8_t> render(net::Bytes frame, const Egress& e);

  /// Turns the fast path (classify_fast / forward_known) on or off. Off, every frame takes its
  /// profile's full rules (receive_slow): same decisions, counters and FDB, only slower. For
  /// differential tests of the fast path (tests/cpp/l2/switch_receive_test.cpp); on by default.
  void set_fast_path(bool on);
  bool fast_path() const { return fast_path_; }

  /// Applies deferred work (OVS revalidator dumps and bond rebalances, in time order) due by `now`.
  void advance(Time now);
  /// OVS: the first revalidator dump strictly after `t`.
  Time next_revalidator_dump(Time t) const;

  // ---- ports ------------------------------------------------------------------------------
  /// Administrative state of a port (`bridge` side) — Linux/FreeBSD/vendor flush its dynamic
  /// entries when it goes down.
  void set_port_admin(PortId p, bool up, Time now);
  /// Carrier of a link (`peer` side). For a LAG member this is the member's link state.
  void set_link_carrier(LinkId l, bool up, Time now);
  bool port_is_up(PortId p, Time now) const;
  /// Clears an err-disabled state set by a shutdown_port flap action.
  void clear_shutdown(PortId p);

  // ---- FDB ----------------------------------------------------------------------------------
  Table& fdb() { return table_; }
  const Table& fdb() const { return table_; }
  /// The VLAN key used by the FDB for a user-given VLAN (0 when the table ignores VLANs).
  std::uint16_t fdb_vlan(std::optional<std::uint16_t> vlan) const;
  /// `bridge fdb add|replace|del` / `ovs-appctl fdb/add|del`. Returns 0 or a positive errno
  /// (EEXIST, ENOENT, EINVAL, EPERM) the way the followed system answers.
  int fdb_add(net::Mac mac, PortId port, std::optional<std::uint16_t> vlan, AddOptions o, Time now);
  int fdb_del(net::Mac mac, PortId port, std::optional<std::uint16_t> vlan, Time now);
  std::size_t fdb_flush(std::optional<PortId> port, std::optional<std::uint16_t> vlan, bool include_static);
  /// Live rows sorted by MAC then VLAN (ages expired entries first).
  std::vector<FdbRow> fdb_rows(Time now);
  /// `fdb/show`-style text.
  std::string fdb_show(Time now);
  /// `fdb/stats-show`-style text, then every counter (described in fwd/describe tables).
  std::string fdb_stats(Time now);
  /// The JSON twin of the show functions at `now`: bridge, profile, current/maximum/static,
  /// entries (the fdb/show rows), counters (with dropped_by), table_counters, flap_counters,
  /// flap (the detector's settings), config (the SwitchConfig), ports (each PortConfig) and
  /// bonds (OVS bond ports: their bond/show). Serialise with describe::dump().
  describe::json::value to_json(Time now);

  // ---- counters / events --------------------------------------------------------------------
  const SwitchCounters& counters() const { return counters_; }
  const PortCounters& port_counters(PortId p) const { return port_counters_.at(p); }
  std::vector<Event> drain_events() { return table_.drain_events(); }

private:
  using PortState = detail::PortState;
  using LinkState = detail::LinkState;
  using Parsed = detail::Parsed;
  using FastInfo = detail::FastInfo;
  using LinkHot = detail::LinkHot;
  using PortHot = detail::PortHot;

  bool classify(const PortState& p, const Parsed& f, std::uint16_t& vlan) const;
  void add_copy(Decision& d, PortId q, const Parsed& f, std::uint16_t vlan, std::uint64_t src);
  void flood(Decision& d, const Parsed& f, PortId in, std::uint16_t vlan, std::uint64_t src, unsigned kind);
  void forward_to(Decision& d, const Parsed& f, PortId in, PortId out, std::uint16_t vlan, std::uint64_t src);
  void unicast(Decision& d, const Parsed& f, PortId in, std::uint16_t vlan, Time now, bool hairpin,
               bool check_member);
  LearnStatus do_learn(std::uint16_t vlan, std::uint64_t src, PortId in, Time now, LearnOptions o, Decision& d);
  bool learn_or_drop(std::uint16_t vlan, std::uint64_t src, PortId in, Time now, LearnOptions o, Decision& d);
  void finish(Decision& d, DropReason r);
  void classify_fast(LinkId link, net::Bytes frame, FastInfo& k) const;
  struct BurstClock {
    typename Table::FastClock clock;
    bool ready = false;  // read lazily, by the first frame that gets as far as learning
  };
  void receive_one(const Rx& r, Time now, Decision& d, Datapath dp, const FastInfo& k, BurstClock& c);
  bool forward_known(const FastInfo& k, BurstClock& c, const Rx& r, Time now, Decision& d);
  void receive_slow(LinkId link, net::Bytes frame, Time now, Decision& d, Datapath dp);
  void refresh_fast(PortId p);
  // Construction (switch_build.cpp): one port, its LAG, its VLANs.
  void build_port(std::size_t i, std::vector<std::string>& link_names);
  void build_lag(std::size_t i);
  void build_vlans(std::size_t i);
  void rx_linux(Decision& d, const Parsed& f, PortId in, PortState& P, Time now);
  void rx_freebsd(Decision& d, const Parsed& f, PortId in, PortState& P, Time now);
  void rx_ovs(Decision& d, const Parsed& f, LinkId link, PortId in, PortState& P, Time now, Datapath dp);
  void rx_vendor(Decision& d, const Parsed& f, PortId in, PortState& P, Time now);
  PortId local_port(std::uint64_t mac) const {
    for (const auto& [m, p] : locals_)
      if (m == mac) return p;
    return no_port;
  }
  // Out of line (switch_datapath.cpp): LAG member choice, bond admission, OVS flow cache.
  void add_lag_copies(Decision& d, Egress e, const Parsed& f, std::uint16_t vlan, std::size_t bytes);
  void run_bonds(Time now);
  DropReason bond_admit(LinkId link, PortId in, const Parsed& f, std::uint16_t vlan, bool garp, Time now);
  bool ovs_flow_hit(LinkId link, const Parsed& f, Time now, Datapath dp, bool& cached_drop);
  void ovs_remember(LinkId link, const Parsed& f, Time now, bool drop);
  void defer_learn(LinkId link, std::uint16_t vlan, const Parsed& f, bool garp, Time now);
  void apply_pending(Time now);
  void advance_datapath(Time now);
  void schedule_datapath(Time after);
  void shut_port(PortId p, Time now);
  void flush_port_on_down(PortId p);

  SwitchConfig cfg_;
  std::vector<PortConfig> port_cfg_;
  std::vector<PortState> ports_;
  std::vector<LinkState> links_;
  std::vector<LinkHot> link_hot_;
  std::vector<PortHot> port_hot_;
  std::vector<std::string> link_names_;
  std::vector<std::pair<std::uint64_t, PortId>> locals_;
  Table table_;
  SwitchCounters counters_;
  std::vector<PortCounters> port_counters_;
  bool fast_path_ = true;         // set_fast_path(): off sends every frame to receive_slow
  bool vlan_aware_ = false;
  bool keep_dei_ = true;          // Linux keeps the DEI bit; OVS's eth_push_vlan clears it
  bool flush_on_down_ = true;     // Linux/FreeBSD/vendor flush a port's entries when it goes down
  Time now_{};
  bool pending_any_ = false;      // a revalidator dump has work: hit learning or load, a rebalance
  bool has_lags_ = false;
  bool per_frame_work_ = false;   // has_lags_ or OVS: receive() runs bonds / deferred learning
  Time next_pending_{};           // the revalidator dump that applies it
  std::unique_ptr<detail::SwitchImpl> impl_;
};

/// An L2 switch over the open-addressing FDB.
using Switch = BasicSwitch<detail::FdbTable<detail::Slot>>;

}  // namespace fwd::l2

#include "fwd/l2/detail/switch_receive.hpp"

// ---- descriptions (fwd/describe/field.hpp) ----
namespace fwd::describe {
template <>
struct Fields<l2::SwitchCounters> {
  using C = l2::SwitchCounters;
  static constexpr std::string_view doc =
      "Frame accounting: rx == forwarded + flooded + to_host + dropped (dropped_by: per reason).";
  static constexpr Field<C> table[] = {
      {"rx", &C::rx, "frames", "frames received"},
      {"forwarded", &C::forwarded, "frames", "frames sent to one known port"},
      {"flooded", &C::flooded, "frames", "frames flooded (at least one copy)"},
      {"flood_copies", &C::flood_copies, "copies", "copies sent by floods"},
      {"tx", &C::tx, "copies", "all copies sent"},
      {"to_host", &C::to_host, "frames", "frames consumed locally"},
      {"copies_lost", &C::copies_lost, "copies", "flood copies to a LAG with no usable member"},
      {"dropped", &C::dropped, "frames", "frames dropped (see dropped_by)"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Fields<l2::PortCounters> {
  using C = l2::PortCounters;
  static constexpr std::string_view doc = "Per-port counters.";
  static constexpr Field<C> table[] = {
      {"rx", &C::rx, "frames", "frames received on the port"},
      {"tx", &C::tx, "copies", "copies sent on the port"},
      {"dropped", &C::dropped, "frames", "frames received on the port and dropped"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Enumerators<l2::DropReason> {
  using E = l2::DropReason;
  static constexpr std::string_view what = "drop reason";
  static constexpr Enumerator<E> table[] = {
      {E::none, "none", "not dropped"},
      {E::too_short, "too_short", "shorter than an Ethernet header (14 bytes)"},
      {E::bad_link, "bad_link", "receive() on a link id that does not exist"},
      {E::port_down, "port_down", "ingress port/link administratively down, no carrier or err-disabled"},
      {E::malformed_vlan, "malformed_vlan", "802.1Q TPID without a complete tag"},
      {E::invalid_source, "invalid_source", "multicast, broadcast or all-zero source (Linux, vendor)"},
      {E::own_source, "own_source", "FreeBSD: source is one of the bridge's own addresses"},
      {E::mac_control, "mac_control", "01:80:c2:00:00:01 (pause), dropped before learning"},
      {E::stp_bpdu, "stp_bpdu", "STP group address consumed by the STP code (FreeBSD; Linux with STP)"},
      {E::reserved_multicast, "reserved_multicast", "OVS: reserved destination without forward-bpdu"},
      {E::vlan_ingress, "vlan_ingress", "VLAN admission: not a member / tagged on an access port / no PVID"},
      {E::locked_port, "locked_port", "Linux locked port: source not authorised on this port"},
      {E::bond_admission, "bond_admission", "LAG member refused the frame (inactive member, backup member, ...)"},
      {E::slb_loopback, "slb_loopback", "OVS SLB: source learned on another port (looped back)"},
      {E::cached_drop, "cached_drop", "OVS: hit a cached drop flow"},
      {E::same_port, "same_port", "destination lives on the ingress port (filtered)"},
      {E::blackhole, "blackhole", "destination's port is down (static entry on a down port)"},
      {E::no_egress, "no_egress", "flood with no eligible port"},
      {E::lag_no_member, "lag_no_member", "LAG egress with no usable member"},
      {E::flap_drop, "flap_drop", "flap action drop_frame"},
      {E::flap_shutdown, "flap_shutdown", "flap action shut the port down"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
  static_assert(std::size(table) == l2::drop_reason_count, "a DropReason without a description");
};
template <>
struct Enumerators<l2::Verdict> {
  using E = l2::Verdict;
  static constexpr std::string_view what = "verdict";
  static constexpr Enumerator<E> table[] = {
      {E::forwarded, "forwarded", "sent to one known port"},
      {E::flooded, "flooded", "flooded (copies counted)"},
      {E::to_host, "to_host", "consumed locally"},
      {E::dropped, "dropped", "dropped with a reason"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
// Config tables: every setting of LagConfig, PortConfig and SwitchConfig once. The JSON twin
// (describe::settings_json), the Python keyword arguments, properties and dicts, and the
// docstrings are all generated from these lists (bindings/src/settings.hpp).
template <>
struct Settings<l2::LagConfig> {
  using C = l2::LagConfig;
  using Member = std::variant<std::vector<std::string> C::*, std::string C::*, std::optional<Time> C::*>;
  static constexpr std::string_view doc = "A LAG port: member links and a LAG spec string (fwd.lag).";
  static constexpr Setting<C, Member> table[] = {
      {"members", &C::members, "", "member link names, in configuration order"},
      {"spec", &C::spec, "", "LAG spec string (fwd.lag); empty: the profile's default"},
      {"first_rebalance", &C::first_rebalance, "s",
       "OVS: when the first rebalance is due, from time 0 (the timer's phase); unset: one interval"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
template <>
struct Settings<l2::PortConfig> {
  using C = l2::PortConfig;
  using Member = std::variant<std::string C::*, std::optional<net::Mac> C::*, bool C::*, l2::VlanMode C::*,
                              std::optional<std::uint16_t> C::*, std::vector<std::uint16_t> C::*,
                              std::optional<l2::LagConfig> C::*>;
  static constexpr std::string_view doc = "One switch port: flags, VLAN settings, LAG members.";
  static constexpr Setting<C, Member> table[] = {
      {"name", &C::name, "", "the port's name (unique in the switch)"},
      {"mac", &C::mac, "", "the port's own address (Linux bridge_port_mac: a local FDB entry)"},
      {"learning", &C::learning, "", "learn source MACs arriving here"},
      {"flood", &C::flood, "", "unknown unicast is flooded to this port (Linux flood)"},
      {"mcast_flood", &C::mcast_flood, "", "unknown multicast is flooded to this port"},
      {"bcast_flood", &C::bcast_flood, "", "broadcast is flooded to this port"},
      {"hairpin", &C::hairpin, "", "frames may leave on the port they came in on"},
      {"locked", &C::locked, "", "Linux locked: admit only sources with an FDB entry on this port"},
      {"sticky", &C::sticky, "", "FreeBSD sticky: entries learned here never move"},
      {"vlan_mode", &C::vlan_mode, "", "automatic, access, trunk, native-untagged, native-tagged or linux"},
      {"tag", &C::tag, "VLAN id", "OVS tag: the access VLAN / native VLAN"},
      {"trunks", &C::trunks, "VLAN id", "OVS trunks: VLANs carried (empty: all)"},
      {"pvid", &C::pvid, "VLAN id", "Linux/vendor PVID (vlan_mode linux)"},
      {"vlans", &C::vlans, "VLAN id", "Linux/vendor VLAN membership (vlan_mode linux)"},
      {"untagged", &C::untagged, "VLAN id", "Linux/vendor VIDs sent untagged (vlan_mode linux)"},
      {"lag", &C::lag, "", "set: the port is a LAG over lag.members (a LagConfig)"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
template <>
struct Settings<l2::SwitchConfig> {
  using C = l2::SwitchConfig;
  using Member = std::variant<l2::Profile C::*, std::string C::*, bool C::*, std::optional<net::Mac> C::*, Time C::*,
                              std::size_t C::*, std::uint16_t C::*, std::optional<l2::FlapConfig> C::*,
                              std::uint32_t C::*>;
  static constexpr std::string_view doc = "Switch-wide settings; unset ones take the followed system's defaults.";
  static constexpr Setting<C, Member> table[] = {
      {"profile", &C::profile, "", "the followed system: linux-bridge, freebsd-bridge, ovs-3.1 or vendor"},
      {"name", &C::name, "", "the bridge's name (show output)"},
      {"vlan_aware", &C::vlan_aware, "", "Linux vlan_filtering; always on for ovs-3.1 and vendor"},
      {"bridge_mac", &C::bridge_mac, "", "the bridge's own MAC (Linux/FreeBSD: a local entry)"},
      {"ageing", &C::ageing, "s", "ageing_time / mac-aging-time / timeout of learned entries"},
      {"max_entries", &C::max_entries, "entries", "fdb_max_learned / mac-table-size / maxaddr (0: no cap)"},
      {"group_fwd_mask", &C::group_fwd_mask, "mask", "Linux: forward 01:80:c2:00:00:0X if bit X is set"},
      {"no_linklocal_learn", &C::no_linklocal_learn, "", "Linux: do not learn from link-local sources"},
      {"stp", &C::stp, "", "Linux: STP on consumes 01:80:c2:00:00:00"},
      {"forward_bpdu", &C::forward_bpdu, "", "OVS other_config:forward-bpdu"},
      {"revalidator_interval", &C::revalidator_interval, "s",
       "OVS: period of the revalidator's datapath flow dumps (max-revalidator, 0.5 s)"},
      {"revalidator_phase", &C::revalidator_phase, "s", "OVS: time of one revalidator dump (taken modulo the interval)"},
      {"flow_idle", &C::flow_idle, "s", "OVS: datapath flow max-idle"},
      {"flap", &C::flap, "", "flap detection (a FlapConfig); unset: the profile's preset"},
      {"reserve", &C::reserve, "entries", "pre-size the FDB for this many MACs"},
      {"event_capacity", &C::event_capacity, "events", "table events kept (oldest overwritten)"},
      {"events", &C::events, "mask", "event kinds recorded: bit 1 << EventKind (default: all but learned, flushed)"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
template <>
struct Enumerators<l2::VlanMode> {
  using E = l2::VlanMode;
  static constexpr std::string_view what = "VLAN mode";
  static constexpr Enumerator<E> table[] = {
      {E::automatic, "automatic", "the profile's default (OVS: access with a tag, else trunk)"},
      {E::access, "access", "OVS vlan_mode=access"},
      {E::trunk, "trunk", "OVS vlan_mode=trunk"},
      {E::native_untagged, "native-untagged", "OVS vlan_mode=native-untagged"},
      {E::native_tagged, "native-tagged", "OVS vlan_mode=native-tagged"},
      {E::linux, "linux", "explicit PVID, membership and untagged lists (Linux/vendor)"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe
