#pragma once
/// \file
/// MacTable: the forwarding database of an L2 switch, (VLAN, MAC) -> port.
///
/// Follows the learning tables of the Linux bridge (`net/bridge/br_fdb.c`, kernel 6.x), FreeBSD
/// 9.x `if_bridge` (`bridge_rtupdate`, `bridge_rtage`) and Open vSwitch 3.1 `lib/mac-learning.c`,
/// selected by TableConfig (see the `*_defaults()` factories and l2-learning.md §2, §4).
///
/// Data structure: an open-addressing table of 64-byte buckets holding four {u64 key, 8-byte
/// slot} items (detail/fdb_table.hpp, slot layout in detail/fdb.hpp): one cache line per
/// lookup, 32 bytes per entry at the load reserve() gives for a power-of-two entry count
/// (bench/switch_bench.cpp `bytes_per_entry`). `MacTable` is `BasicMacTable<FdbTable>`; the
/// benchmark instantiates the same logic over std::unordered_map as its reference.
/// Invariants: a key is (1 << 63 | VID << 48 | MAC), never 0 (the empty slot); VID 0 when the table is not VLAN-keyed. An entry's
/// port is < `ports`. Dynamic entries expire `ageing` after their last update (creation,
/// refresh, move) judged on whole granules; expired entries are removed lazily (on the next
/// touch, on age(), before a capacity decision), and `expired` counts them then.
/// Capacity: `max_entries` (0 = none) either refuses new MACs (Linux fdb_max_learned, FreeBSD
/// maxaddr) or evicts the least-recently-updated dynamic entry of the port owning the most
/// entries (OVS evict_mac_entry_fairly). Eviction scans the table: O(n), only when full.
/// Counters are API with OVS's names: learned, expired, evicted, moved; plus refusals.
/// Moves go through an optional FlapDetector (flap.hpp) and are recorded as events in a
/// bounded ring. Thread rules: not synchronised, one thread at a time (Python: every
/// method holds the GIL for the whole call, so sharing is safe); const methods do not mutate.
/// Hot paths (learn, lookup) never throw; the table allocates only when it grows past 3/4 load
/// (deletions leave no tombstones, so churn at a constant size never reallocates).

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/container/static_vector.hpp>

#include "fwd/l2/detail/fdb.hpp"
#include "fwd/l2/detail/fdb_table.hpp"
#include "fwd/l2/flap.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/time.hpp"

namespace fwd::l2 {

/// What a full table does with a new MAC.
enum class Overflow : std::uint8_t {
  refuse,                     ///< not learned, traffic to it floods (Linux, FreeBSD, vendors)
  evict_lru_of_busiest_port,  ///< OVS: evict the LRU entry of the port with the most entries
};

/// Kinds of table events.
enum class EventKind : std::uint8_t {
  learned, moved, expired, evicted, flushed, flap, pinned, learning_disabled, port_shutdown,
};
const char* to_string(EventKind k);

/// One event: a move is (time, VLAN, MAC, from, to); a flap adds the window count and action.
struct Event {
  Time time{};
  net::Mac mac{};
  std::uint16_t vlan = 0;
  PortId from = no_port;
  PortId to = no_port;
  EventKind kind = EventKind::learned;
  FlapAction action = FlapAction::none;
  std::uint32_t count = 0;
};

namespace event_mask {
inline constexpr std::uint32_t bit(EventKind k) { return 1u << static_cast<unsigned>(k); }
/// Default: everything but `learned` and `flushed` (one per new MAC would flood the ring).
inline constexpr std::uint32_t standard = 0xffffffffu & ~bit(EventKind::learned) & ~bit(EventKind::flushed);
inline constexpr std::uint32_t all = 0xffffffffu;
inline constexpr std::uint32_t none = 0;
}  // namespace event_mask

/// Table behaviour. Use the factories for the followed systems.
/// Largest `max_entries` / `reserve` a table accepts (per-port counts are 32-bit).
inline constexpr std::size_t max_table_entries = 0xffff'ffffULL;
/// Entries a capped table allocates for up front (2 MiB of buckets); beyond, it grows.
inline constexpr std::size_t eager_entries = 65536;

struct TableConfig {
  Time ageing = Time::from_s(300);      ///< idle time of dynamic entries
  bool ageing_zero_disables_learning = false;  ///< Linux: ageing_time 0 = learning off (row 13)
  Time tick = Time::from_ms(1);         ///< stamp resolution (orders updates: OVS LRU)
  Time granule = Time::from_ms(1);      ///< ageing is judged on whole granules of the clock
  Time sweep_period{};                  ///< FreeBSD: entries leave only at sweeps every period
  Time refresh_min_age{};               ///< OVS: same-port refresh only when age >= 1 s
  std::size_t max_entries = 0;          ///< 0 = no cap; at most max_table_entries
  bool cap_counts_static = false;       ///< the cap counts every entry (OVS, FreeBSD)
  Overflow overflow = Overflow::refuse;
  bool static_moves = false;            ///< Linux: static entries are re-pointed by learning
  Time garp_lock_time{};                ///< OVS: 5 s gratuitous-ARP lock (0 = no lock)
  PortId ports = 256;                   ///< valid port ids are 0..ports-1
  /// Pre-size for this many entries (at most max_table_entries). Without it the table
  /// allocates for min(max_entries, eager_entries) at once and grows (doubling) past that, so a
  /// large cap costs nothing until the entries exist.
  std::size_t reserve = 0;
  FlapConfig flap{};
  std::size_t event_capacity = 4096;    ///< events kept (oldest overwritten)
  std::uint32_t events = event_mask::standard;

  static TableConfig linux_bridge();    ///< linux-6.x: 300 s, jiffies of 4 ms (HZ=250)
  static TableConfig freebsd_bridge();  ///< freebsd-9.x: 1200 s, 300 s sweep, 2000 entries
  static TableConfig ovs();             ///< ovs-3.1: 300 s on whole seconds, 8192, eviction
  static TableConfig vendor();          ///< generic vendor switch: 300 s, flap detection on
  /// Throws fwd::Error naming the bad setting and what is accepted.
  void validate() const;
};

/// Running totals (OVS `fdb/stats-show` names) and refusals.
struct TableCounters {
  std::uint64_t learned = 0;         ///< new entries created by learning
  std::uint64_t expired = 0;         ///< dynamic entries removed by ageing
  std::uint64_t evicted = 0;         ///< entries evicted to make room
  std::uint64_t moved = 0;           ///< entries re-pointed to another port
  std::uint64_t refused_full = 0;    ///< new MACs not learned: table full
  std::uint64_t refused_flap = 0;    ///< moves refused by a pin / learning hold
  std::uint64_t refused_bad_port = 0;///< learn() with a port id out of range
  std::uint64_t flushed = 0;         ///< entries removed by flush calls
};

/// How learn() ended.
enum class LearnStatus : std::uint8_t {
  learned,         ///< a new entry
  refreshed,       ///< same port, timestamp updated
  unchanged,       ///< same port, not refreshed (OVS: whole-second age 0)
  moved,           ///< re-pointed from `from` to the new port
  kept,            ///< static/sticky entry elsewhere; not moved
  garp_locked,     ///< OVS: gratuitous ARP on a bond while the entry's lock holds; not moved
  refused_full,    ///< table full (refuse policy)
  refused_off,     ///< learning disabled (Linux ageing_time 0)
  refused_flap,    ///< a pin or a learning hold refused the move
  drop_frame,      ///< flap action drop_frame: the caller drops the frame
  shutdown_port,   ///< flap action shutdown_port: the caller error-disables `to`
  bad_port,        ///< port id out of range
};
const char* to_string(LearnStatus s);

struct LearnResult {
  LearnStatus status = LearnStatus::learned;
  PortId from = no_port;  ///< previous port for moved / kept / garp_locked
  bool flap_event = false;///< a FlapEvent was emitted by this call
};

/// Per-frame facts the OVS rules need. One byte, passed in a register: a struct of bools
/// built on the stack and reloaded as a word stalled store forwarding in the per-frame path.
class LearnOptions {
public:
  constexpr LearnOptions() = default;
  constexpr LearnOptions(bool gratuitous_arp, bool from_bond, bool sticky = false)
      : bits_(static_cast<std::uint8_t>((gratuitous_arp ? 1 : 0) | (from_bond ? 2 : 0) | (sticky ? 4 : 0))) {}
  constexpr bool gratuitous_arp() const { return bits_ & 1; }
  constexpr bool from_bond() const { return bits_ & 2; }
  /// FreeBSD sticky member: a new entry is sticky (never moves or ages).
  constexpr bool sticky() const { return bits_ & 4; }

private:
  std::uint8_t bits_ = 0;
};

/// Result of a lookup: the entry's port (no_port = unknown) and its flags.
struct Hit {
  PortId port = no_port;
  bool is_static = false;
  explicit operator bool() const { return port != no_port; }
};

/// One FDB row for show/dumps.
struct EntryInfo {
  net::Mac mac{};
  std::uint16_t vlan = 0;
  PortId port = no_port;
  bool is_static = false;
  bool sticky = false;
  bool user = false;
  Time updated{};            ///< time of the last update (tick resolution)
  std::int64_t age_s = 0;    ///< whole seconds on the table's clock (OVS fdb/show "Age")
};

/// Options of an explicit add (bridge fdb add / replace, ovs-appctl fdb/add).
struct AddOptions {
  bool is_static = true;
  bool sticky = false;
  bool replace = false;      ///< modify an existing entry (else an existing entry is an error)
};

/// The forwarding database. See the file comment. `Store` is the hash table under it:
/// detail::FdbTable (MacTable) or, for the benchmark's reference, bench/std_fdb_table.hpp.
template <class Store>
class BasicMacTable {
public:
  explicit BasicMacTable(TableConfig cfg = {});
  BasicMacTable(const BasicMacTable&) = delete;
  BasicMacTable& operator=(const BasicMacTable&) = delete;

  const TableConfig& config() const { return cfg_; }

  // ---- hot path -------------------------------------------------------------------------

  /// A frame from `mac` in `vlan` arrived on `port` at `now`: create, refresh or move.
  LearnResult learn(std::uint16_t vlan, net::Mac mac, PortId port, Time now, LearnOptions o = {}) {
    return learn_key(detail::make_key(vlan, mac.to_u64()), port, now, o);
  }
  LearnResult learn_key(std::uint64_t key, PortId port, Time now, LearnOptions o = {});

  /// Where `mac` in `vlan` lives at `now` (expired entries are removed and read as unknown).
  Hit lookup(std::uint16_t vlan, net::Mac mac, Time now) {
    return lookup_key(detail::make_key(vlan, mac.to_u64()), now);
  }
  Hit lookup_key(std::uint64_t key, Time now) {
    const detail::Slot* s = map_.find(key);
    if (!s) return {};
    if (!(s->flags & detail::slot_flag::is_static) && is_expired(*s, granule_now(now))) {
      expire(key, *s);
      return {};
    }
    return {s->port, (s->flags & detail::slot_flag::is_static) != 0};
  }
  /// Starts loading the cache line `key` lives in (burst processing).
  void prefetch(std::uint64_t key) const { map_.prefetch(Store::hash(key)); }
  /// The store's hash of a key (size-independent: stays valid while the table grows), for
  /// prefetch_hashed() and refresh_and_lookup() in burst processing.
  static std::uint64_t hash_key(std::uint64_t key) { return Store::hash(key); }
  void prefetch_hashed(std::uint64_t h) const { map_.prefetch(h); }

  /// The table clock at `now` as the forwarding fast path needs it (burst processing computes it
  /// once per burst): the tick learn_key() would stamp, the oldest live dynamic stamp, and
  /// whether a flap action may be holding learning in some VLAN. Advances the clock to `now`
  /// exactly as learn_key() would.
  struct FastClock {
    std::uint32_t tick;
    std::uint32_t alive_from;
    bool hold;
  };
  FastClock fast_clock(Time now) {
    const std::uint32_t t = tick(now);
    if (t != alive_tick_) [[unlikely]]
      alive_from_ = alive_from(t);
    return {t, alive_from_, learning_hold_};
  }

  /// The forwarding path's common case in one step: if `src_key` is live on `port` and
  /// `dst_key` is live, does exactly what learn_key(src_key, port, now) would do (a same-port
  /// refresh) and returns the destination's port. Otherwise returns no_port having changed
  /// nothing, and the caller falls back to learn_key() and lookup_key(). `c` is fast_clock(now),
  /// `*_h` are hash_key() of the keys. Only when fast_refresh_ok() (no OVS refresh rules).
  [[gnu::always_inline]] PortId refresh_and_lookup(const FastClock& c, std::uint64_t src_key, std::uint64_t src_h,
                                                   PortId port, std::uint64_t dst_key, std::uint64_t dst_h,
                                                   Time now) {
    if (c.hold && flap_.is_learning_disabled(detail::key_vlan(src_key), now)) [[unlikely]]
      return no_port;
    detail::Slot* s = map_.find(src_key, src_h);
    const detail::Slot* d = map_.find(dst_key, dst_h);
    if (!s || !d || s->port != port || !alive(*s, c) || !alive(*d, c)) [[unlikely]]
      return no_port;
    // learn_key() stores the stamp; storing only when it changes keeps the line clean (the
    // stamp has jiffy or second resolution, so most frames find it equal).
    if (s->stamp != c.tick) s->stamp = c.tick;
    return d->port;
  }
  /// True when a same-port refresh is plain (no learning-off, no OVS refresh rules).
  bool fast_refresh_ok() const { return fast_refresh_ok_; }

  // ---- administration (edges: throw fwd::Error on bad input) ----------------------------

  /// Adds a static entry (never ages; moves only if `static_moves`; never if sticky).
  void add_static(std::uint16_t vlan, net::Mac mac, PortId port, bool sticky = false);
  /// bridge fdb add/replace semantics. Returns 0 or a positive errno (EEXIST, EINVAL).
  int add(std::uint16_t vlan, net::Mac mac, PortId port, AddOptions o, Time now);
  /// Removes one entry (any kind). Returns false if absent.
  bool remove(std::uint16_t vlan, net::Mac mac);
  /// Removes the entry only if it points at `port` (bridge fdb del). False if not.
  bool remove_on_port(std::uint16_t vlan, net::Mac mac, PortId port);
  /// Flushes: all entries, those of one port, or of one VLAN; static ones only if asked.
  std::size_t flush(bool include_static = false);
  std::size_t flush_port(PortId port, bool include_static = false);
  std::size_t flush_vlan(std::uint16_t vlan, bool include_static = false);
  /// Removes every entry expired at `now`; returns how many.
  std::size_t age(Time now);
  /// Changes the idle time (OVS clamps before calling; Linux 0 = learning off).
  void set_ageing(Time ageing);
  void set_max_entries(std::size_t n) {
    TableConfig c = cfg_;
    c.max_entries = n;
    c.validate();
    cfg_.max_entries = n;
  }

  // ---- inspection -----------------------------------------------------------------------

  std::size_t size() const { return map_.size(); }
  /// Dynamic entries created by learning (Linux fdb_n_learned).
  std::size_t learned_count() const { return n_learned_; }
  std::size_t static_count() const { return n_static_; }
  std::uint32_t port_entries(PortId p) const { return p < port_dyn_.size() ? port_dyn_[p] : 0; }
  /// Live entries at `now`, sorted by MAC then VLAN (expired ones are skipped, not removed).
  std::vector<EntryInfo> entries(Time now) const;
  std::optional<EntryInfo> find(std::uint16_t vlan, net::Mac mac, Time now) const;
  const TableCounters& counters() const { return counters_; }
  const FlapDetector& flap() const { return flap_; }
  FlapDetector& flap() { return flap_; }
  /// Bytes held by the container (slots, metadata, group padding), from its allocator.
  std::size_t memory_bytes() const { return alloc_bytes_; }
  std::size_t capacity() const { return map_.capacity(); }

  /// Events kept so far (oldest first) and how many were overwritten.
  const detail::Ring<Event>& events() const { return events_; }
  std::vector<Event> drain_events() { return events_.drain(); }
  void record(const Event& e) {
    if (cfg_.events & event_mask::bit(e.kind)) events_.push(e);
  }

  /// OVS: true while a gratuitous-ARP lock protects the entry of `key` at `now`.
  bool is_garp_locked(std::uint64_t key, Time now) const { return garp_locked(key, now); }
  /// Whole seconds since the last update, as OVS's fdb/show prints it.
  std::int64_t age_seconds(std::uint32_t stamp, Time now) const;

private:
  using Map = Store;

  std::uint32_t tick(Time now) {
    if (clock_.needs_rebase(now)) rebase(clock_.rebase_shift(now));
    return clock_.tick(now);
  }
  std::int64_t granule_now(Time now) {
    const std::uint32_t t = tick(now);
    return clock_.granule_of(t);
  }
  std::int64_t expire_granule(std::uint32_t stamp) const {
    std::int64_t e = clock_.granule_of(stamp) + ageing_granules_;
    if (sweep_granules_ > 0) e = (e + sweep_granules_ - 1) / sweep_granules_ * sweep_granules_;
    return e;
  }
  bool is_expired(const detail::Slot& s, std::int64_t now_g) const {
    return !(s.flags & detail::slot_flag::is_static) && now_g >= expire_granule(s.stamp);
  }
  // The smallest stamp of a dynamic entry still live at tick t: is_expired() is monotonic in
  // the stamp, so the per-frame test is one compare (cached per tick in alive_from_).
  std::uint32_t alive_from(std::uint32_t t) {
    const std::int64_t now_g = clock_.granule_of(t);
    const std::int64_t x = sweep_granules_ > 0 ? now_g / sweep_granules_ * sweep_granules_ : now_g;
    const std::int64_t y = x - clock_.epoch_granules() - ageing_granules_;  // live: stamp / tpg > y
    alive_tick_ = t;
    if (y + 1 <= 0) return 0;
    const std::int64_t from = (y + 1) * clock_.ticks_per_granule();
    return from >= std::int64_t{UINT32_MAX} ? UINT32_MAX : static_cast<std::uint32_t>(from);
  }
  static bool alive(const detail::Slot& s, const FastClock& c) {
    return s.stamp >= c.alive_from || (s.flags & detail::slot_flag::is_static);
  }
  void update_fast_flags() {
    // Eviction tables keep per-port LRU queues that every stamp change must reach.
    fast_refresh_ok_ = !learning_off_ && refresh_min_granules_ == 0 && cfg_.garp_lock_time.ns == 0 && lru_.empty();
    learning_hold_ = flap_.enabled() && cfg_.flap.action == FlapAction::disable_learning;
    alive_tick_ = UINT32_MAX;
  }
  bool counts_as_learned(const detail::Slot& s) const {
    return !(s.flags & (detail::slot_flag::is_static | detail::slot_flag::user));
  }
  std::size_t counted_size() const { return cfg_.cap_counts_static ? map_.size() : n_learned_; }

  void expire(std::uint64_t key, detail::Slot s);
  void erase_slot(std::uint64_t key, const detail::Slot& s);
  void sweep_if_due(Time now);
  bool evict_one(Time now);
  void rebase(std::int64_t shift);
  LearnResult create(std::uint64_t key, PortId port, Time now, std::uint32_t t, LearnOptions o);
  LearnResult move_slot(std::uint64_t key, detail::Slot& s, PortId port, Time now, std::uint32_t t);
  bool garp_locked(std::uint64_t key, Time now) const;
  void set_garp_lock(std::uint64_t key, detail::Slot& s, Time now);
  void emit(EventKind k, std::uint64_t key, PortId from, PortId to, Time t,
            FlapAction a = FlapAction::none, std::uint32_t count = 0);

  TableConfig cfg_;
  std::size_t alloc_bytes_ = 0;
  Map map_;
  detail::Clock clock_;
  std::int64_t ageing_granules_ = 0;
  std::int64_t sweep_granules_ = 0;
  std::int64_t refresh_min_granules_ = 0;
  bool learning_off_ = false;
  bool fast_refresh_ok_ = false;          // see fast_refresh_ok()
  bool learning_hold_ = false;            // the flap action can stop learning in a VLAN
  std::uint32_t alive_tick_ = UINT32_MAX; // tick alive_from_ was computed for (stamps < 2^31)
  std::uint32_t alive_from_ = 0;
  std::int64_t min_expire_g_ = INT64_MAX;  // lower bound of any dynamic entry's expiry
  std::size_t n_learned_ = 0, n_static_ = 0;
  std::vector<std::uint32_t> port_dyn_;    // dynamic entries per port (eviction)
  // Overflow::evict_lru_of_busiest_port: per port, its dynamic entries in update order (OVS's
  // per-port LRU list), so that eviction finds its victim without scanning the table. Items
  // are (key, stamp); one is current while its entry is dynamic, on that port, with that stamp.
  // Older items are dropped when they reach the front or when the queue is compacted.
  struct LruItem { std::uint64_t key; std::uint32_t stamp; };
  std::vector<std::deque<LruItem>> lru_;
  bool lru_current(const LruItem& it, PortId p) const {
    const detail::Slot* s = map_.find(it.key);
    return s && s->port == p && s->stamp == it.stamp && !(s->flags & detail::slot_flag::is_static);
  }
  void lru_touch(std::uint64_t key, PortId p, std::uint32_t stamp) {
    if (lru_.empty()) return;
    auto& q = lru_[p];
    q.push_back({key, stamp});
    if (q.size() > 2 * std::size_t{port_dyn_[p]} + 64) {  // amortised: drop the stale items
      std::erase_if(q, [&](const LruItem& it) { return !lru_current(it, p); });
    }
  }
  struct GarpLock { std::uint64_t key; Time until; };
  boost::container::static_vector<GarpLock, 64> garp_locks_;
  TableCounters counters_;
  FlapDetector flap_;
  detail::Ring<Event> events_;
};

// ---------------------------------------------------------------------------------------------
// Inline hot path.

// Always inlined: returned out of line, the small LearnResult struct went through the stack and
// stalled store forwarding (measured in bench/switch_bench.cpp).
template <class Store>
[[gnu::always_inline]] inline LearnResult BasicMacTable<Store>::learn_key(std::uint64_t key, PortId port, Time now,
                                                              LearnOptions o) {
  using namespace detail;
  if (port >= cfg_.ports) [[unlikely]] {
    ++counters_.refused_bad_port;
    return {LearnStatus::bad_port};
  }
  if (learning_off_) return {LearnStatus::refused_off};
  const std::uint32_t t = tick(now);
  if (flap_.enabled() && cfg_.flap.action == FlapAction::disable_learning &&
      flap_.is_learning_disabled(key_vlan(key), now)) [[unlikely]] {
    ++counters_.refused_flap;
    flap_.count_refused();
    return {LearnStatus::refused_flap};
  }
  Slot* sp = map_.find(key);
  if (!sp) return create(key, port, now, t, o);
  Slot& s = *sp;
  const std::int64_t now_g = clock_.granule_of(t);
  if (is_expired(s, now_g)) {
    expire(key, s);
    return create(key, port, now, t, o);
  }
  const bool garp_bond = o.gratuitous_arp() && o.from_bond() && cfg_.garp_lock_time.ns > 0;
  const bool garp_plain = o.gratuitous_arp() && !o.from_bond() && cfg_.garp_lock_time.ns > 0;
  const bool locked = garp_bond && (s.flags & slot_flag::garp_lock) && garp_locked(key, now);
  if (refresh_min_granules_ > 0) {
    // OVS is_mac_learning_update_needed(): nothing happens for a young entry on the same port,
    // nor for a locked gratuitous ARP from a bond.
    const bool old = now_g - clock_.granule_of(s.stamp) >= refresh_min_granules_;
    if (!old && !garp_plain && (locked || s.port == port)) return {LearnStatus::unchanged, s.port};
  }
  if (s.port == port) {
    s.stamp = t;
    if (!(s.flags & detail::slot_flag::is_static)) lru_touch(key, port, t);
    if (garp_plain) set_garp_lock(key, s, now);
    return {LearnStatus::refreshed, port};
  }
  if ((s.flags & slot_flag::sticky) || ((s.flags & slot_flag::is_static) && !cfg_.static_moves)) {
    return {LearnStatus::kept, s.port};
  }
  if (locked) {
    s.stamp = t;  // mac_learning_insert() refreshed it before the lock check
    if (!(s.flags & detail::slot_flag::is_static)) lru_touch(key, s.port, t);
    return {LearnStatus::garp_locked, s.port};
  }
  if (garp_plain) set_garp_lock(key, s, now);
  return move_slot(key, s, port, now, t);
}

/// The forwarding database (open addressing, detail/fdb_table.hpp).
using MacTable = BasicMacTable<detail::FdbTable<detail::Slot>>;
extern template class BasicMacTable<detail::FdbTable<detail::Slot>>;

}  // namespace fwd::l2

// ---- descriptions (fwd/describe/field.hpp) ----
namespace fwd::describe {
template <>
struct Fields<l2::TableCounters> {
  using C = l2::TableCounters;
  static constexpr std::string_view doc = "FDB running totals (OVS fdb/stats-show names) and refusals.";
  static constexpr Field<C> table[] = {
      {"learned", &C::learned, "entries", "new entries created by learning"},
      {"expired", &C::expired, "entries", "dynamic entries removed by ageing"},
      {"evicted", &C::evicted, "entries", "entries evicted to make room"},
      {"moved", &C::moved, "entries", "entries re-pointed to another port"},
      {"refused_full", &C::refused_full, "MACs", "new MACs not learned: table full"},
      {"refused_flap", &C::refused_flap, "moves", "moves refused by a pin or a learning hold"},
      {"refused_bad_port", &C::refused_bad_port, "calls", "learn() with a port id out of range"},
      {"flushed", &C::flushed, "entries", "entries removed by flush calls"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Enumerators<l2::Overflow> {
  using E = l2::Overflow;
  static constexpr std::string_view what = "overflow policy";
  static constexpr Enumerator<E> table[] = {
      {E::refuse, "refuse", "a new MAC is not learned; traffic to it floods (Linux, FreeBSD, vendors)"},
      {E::evict_lru_of_busiest_port, "evict_lru_of_busiest_port",
       "OVS: evict the least recently updated entry of the port with the most entries"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
// Config table of TableConfig (see Settings<l2::SwitchConfig> in switch.hpp for the renderings).
template <>
struct Settings<l2::TableConfig> {
  using C = l2::TableConfig;
  using Member = std::variant<Time C::*, bool C::*, std::size_t C::*, l2::Overflow C::*, l2::PortId C::*,
                              l2::FlapConfig C::*, std::uint32_t C::*>;
  static constexpr std::string_view doc = "Forwarding database behaviour; unset settings take the profile's.";
  static constexpr Setting<C, Member> table[] = {
      {"ageing", &C::ageing, "s", "idle time of dynamic entries"},
      {"ageing_zero_disables_learning", &C::ageing_zero_disables_learning, "",
       "Linux: ageing 0 turns learning off"},
      {"tick", &C::tick, "s", "stamp resolution (orders updates: OVS LRU)"},
      {"granule", &C::granule, "s", "ageing is judged on whole granules of the clock"},
      {"sweep_period", &C::sweep_period, "s", "FreeBSD: entries leave only at sweeps every period (0: any time)"},
      {"refresh_min_age", &C::refresh_min_age, "s", "OVS: a same-port refresh only when the entry is this old"},
      {"max_entries", &C::max_entries, "entries", "capacity (0: no cap)"},
      {"cap_counts_static", &C::cap_counts_static, "", "the cap counts static entries too (OVS, FreeBSD)"},
      {"overflow", &C::overflow, "", "what a full table does with a new MAC: refuse or evict_lru_of_busiest_port"},
      {"static_moves", &C::static_moves, "", "Linux: static entries are re-pointed by learning"},
      {"garp_lock_time", &C::garp_lock_time, "s", "OVS: gratuitous-ARP lock of a bond entry (0: no lock)"},
      {"ports", &C::ports, "ports", "valid port ids are 0..ports-1"},
      {"reserve", &C::reserve, "entries", "pre-size for this many entries"},
      {"flap", &C::flap, "", "flap detection settings (a FlapConfig)"},
      {"event_capacity", &C::event_capacity, "events", "events kept (oldest overwritten)"},
      {"events", &C::events, "mask", "event kinds recorded: bit 1 << EventKind (default: all but learned, flushed)"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
template <>
struct Enumerators<l2::EventKind> {
  using E = l2::EventKind;
  static constexpr std::string_view what = "event kind";
  static constexpr Enumerator<E> table[] = {
      {E::learned, "learned", "a new entry"},
      {E::moved, "moved", "an entry moved to another port"},
      {E::expired, "expired", "an entry aged out"},
      {E::evicted, "evicted", "an entry evicted to make room"},
      {E::flushed, "flushed", "an entry removed by a flush"},
      {E::flap, "flap", "a flap detector event"},
      {E::pinned, "pinned", "a flap pin started"},
      {E::learning_disabled, "learning_disabled", "learning disabled in a VLAN by the flap detector"},
      {E::port_shutdown, "port_shutdown", "a port error-disabled by the flap detector"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<l2::LearnStatus> {
  using E = l2::LearnStatus;
  static constexpr std::string_view what = "learn status";
  static constexpr Enumerator<E> table[] = {
      {E::learned, "learned", "a new entry"},
      {E::refreshed, "refreshed", "same port, timestamp updated"},
      {E::unchanged, "unchanged", "same port, not refreshed (OVS: whole-second age 0)"},
      {E::moved, "moved", "re-pointed from the previous port"},
      {E::kept, "kept", "static/sticky entry elsewhere; not moved"},
      {E::garp_locked, "garp_locked", "OVS: gratuitous ARP on a bond while the entry's lock holds; not moved"},
      {E::refused_full, "refused_full", "table full (refuse policy)"},
      {E::refused_off, "refused_off", "learning disabled (Linux ageing_time 0)"},
      {E::refused_flap, "refused_flap", "a pin or a learning hold refused the move"},
      {E::drop_frame, "drop_frame", "flap action drop_frame: the caller drops the frame"},
      {E::shutdown_port, "shutdown_port", "flap action shutdown_port: the caller error-disables the port"},
      {E::bad_port, "bad_port", "port id out of range"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe
