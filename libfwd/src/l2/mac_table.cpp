// fwd::l2::BasicMacTable: the parts off the per-frame fast path (creation, moves, expiry, eviction,
// administration, dumps) and the system presets.
#include <algorithm>
#include <cerrno>
#include <cmath>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/l2/mac_table.hpp"

// The benchmark compiles this file a second time over its std::unordered_map store
// (bench/CMakeLists.txt defines FWD_L2_REFERENCE_STORE); the library has only FdbTable.
#ifdef FWD_L2_REFERENCE_STORE
#include "std_fdb_table.hpp"
#endif

namespace fwd::l2 {

using namespace detail;

#ifndef FWD_L2_REFERENCE_STORE  // not templated: compiled once

const char* to_string(EventKind k) { return describe::name_of(k).data(); }

const char* to_string(LearnStatus s) { return describe::name_of(s).data(); }

// ---- presets ---------------------------------------------------------------------------------

TableConfig TableConfig::linux_bridge() {
  TableConfig c;
  c.ageing = Time::from_s(300);               // BR_DEFAULT_AGEING_TIME
  c.ageing_zero_disables_learning = true;     // br_fdb_update returns when hold_time is 0
  c.tick = c.granule = Time::from_ms(4);      // jiffies at HZ=250 (the recording kernel)
  c.static_moves = true;                      // observed [static-move]
  c.cap_counts_static = false;                // fdb_max_learned counts learned entries only
  c.overflow = Overflow::refuse;              // fdb_create refuses
  return c;
}

TableConfig TableConfig::freebsd_bridge() {
  TableConfig c;
  c.ageing = Time::from_s(1200);              // BRIDGE_RTABLE_TIMEOUT
  c.tick = c.granule = Time::from_s(1);       // time_uptime
  c.sweep_period = Time::from_s(300);         // BRIDGE_RTABLE_PRUNE_PERIOD
  c.max_entries = 2000;                       // BRIDGE_RTABLE_MAX
  c.cap_counts_static = true;                 // sc_brtcnt counts every rtnode
  c.overflow = Overflow::refuse;              // ENOSPC, sc_brtexceeded
  c.static_moves = false;
  return c;
}

TableConfig TableConfig::ovs() {
  TableConfig c;
  c.ageing = Time::from_s(300);               // MAC_ENTRY_DEFAULT_IDLE_TIME
  c.tick = Time::from_ms(1);                  // orders updates for the per-port LRU
  c.granule = Time::from_s(1);                // time_now(): whole seconds
  c.refresh_min_age = Time::from_s(1);        // is_mac_learning_update_needed: mac_entry_age()
  c.max_entries = 8192;                       // MAC_DEFAULT_MAX
  c.cap_counts_static = true;                 // hmap_count(&ml->table) >= max_entries
  c.overflow = Overflow::evict_lru_of_busiest_port;
  c.garp_lock_time = Time::from_s(5);         // MAC_GRAT_ARP_LOCK_TIME
  c.static_moves = false;
  return c;
}

TableConfig TableConfig::vendor() {
  TableConfig c;
  c.ageing = Time::from_s(300);               // IEEE 802.1D recommended value
  c.tick = c.granule = Time::from_ms(1);
  c.flap = FlapConfig::preset("vendor");
  return c;
}

void TableConfig::validate() const {
  if (ageing.ns < 0) throw Error(fmt::format("invalid ageing time {} s: must be >= 0", ageing.seconds()));
  if (tick.ns <= 0 || granule.ns <= 0 || granule.ns % tick.ns != 0)
    throw Error(fmt::format("invalid table clock: tick {} ns must be > 0 and divide the granule {} ns",
                            tick.ns, granule.ns));
  const std::int64_t hour = Time::from_s(3600).ns;
  if (hour % granule.ns != 0)
    throw Error(fmt::format("invalid table granule {} ns: must divide one hour", granule.ns));
  if (sweep_period.ns < 0 || (sweep_period.ns > 0 && (sweep_period.ns % granule.ns != 0 || hour % sweep_period.ns != 0)))
    throw Error(fmt::format("invalid sweep period {} s: must be a multiple of the granule that divides one hour",
                            sweep_period.seconds()));
  if (ageing.ns / tick.ns > (std::int64_t{1} << 29))
    throw Error(fmt::format("ageing time {} s too long for a {} ns tick: at most {} s", ageing.seconds(),
                            tick.ns, static_cast<double>((std::int64_t{1} << 29) * tick.ns) / 1e9));
  if (ports == 0 || ports == no_port) throw Error(fmt::format("invalid port count {}: expected 1..65534", ports));
  if (max_entries > max_table_entries)
    throw Error(fmt::format("invalid max_entries {}: expected 0 (no cap) to {}", max_entries, max_table_entries));
  if (reserve > max_table_entries)
    throw Error(fmt::format("invalid reserve {}: expected 0 to {} entries", reserve, max_table_entries));
  flap.validate();
}

#endif  // FWD_L2_REFERENCE_STORE

// ---- construction ----------------------------------------------------------------------------

template <class Store>
BasicMacTable<Store>::BasicMacTable(TableConfig cfg)
    : cfg_(std::move(cfg)),
      map_(&alloc_bytes_),
      clock_(cfg_.tick, cfg_.granule),
      flap_(cfg_.flap),
      events_(cfg_.event_capacity) {
  cfg_.validate();
  set_ageing(cfg_.ageing);
  sweep_granules_ = cfg_.sweep_period.ns / cfg_.granule.ns;
  refresh_min_granules_ = cfg_.refresh_min_age.ns / cfg_.granule.ns;
  port_dyn_.assign(cfg_.ports, 0);
  if (cfg_.overflow == Overflow::evict_lru_of_busiest_port) lru_.resize(cfg_.ports);
  // Allocated lazily: a cap of 4e8 entries must not zero-fill 8 GB for an empty table.
  const std::size_t want = std::max(cfg_.reserve, std::min(cfg_.max_entries, eager_entries));
  if (want) map_.reserve(want);
  update_fast_flags();
}

template <class Store>
void BasicMacTable<Store>::set_ageing(Time ageing) {
  if (ageing.ns < 0) throw Error(fmt::format("invalid ageing time {} s: must be >= 0", ageing.seconds()));
  cfg_.ageing = ageing;
  ageing_granules_ = ageing.ns / cfg_.granule.ns;  // Linux: rounded down to the jiffy (row 31)
  learning_off_ = cfg_.ageing_zero_disables_learning && ageing_granules_ == 0;
  min_expire_g_ = INT64_MIN;  // force the next capacity decision to sweep
  update_fast_flags();
}

// ---- learning --------------------------------------------------------------------------------

template <class Store>
LearnResult BasicMacTable<Store>::create(std::uint64_t key, PortId port, Time now, std::uint32_t t, LearnOptions o) {
  if (cfg_.max_entries && counted_size() >= cfg_.max_entries) {
    sweep_if_due(now);
    if (counted_size() >= cfg_.max_entries) {
      if (cfg_.overflow == Overflow::refuse || !evict_one(now)) {
        ++counters_.refused_full;
        return {LearnStatus::refused_full};
      }
    }
  }
  Slot s{t, port, 0, 0};
  if (o.sticky()) s.flags = slot_flag::sticky | slot_flag::is_static;  // FreeBSD IFBAF_STICKY
  Slot* it = map_.insert(key, s).first;
  ++counters_.learned;
  if (o.sticky()) {
    ++n_static_;
  } else {
    ++n_learned_;
    ++port_dyn_[port];
    min_expire_g_ = std::min(min_expire_g_, expire_granule(t));
    lru_touch(key, port, t);
  }
  if (o.gratuitous_arp() && !o.from_bond() && cfg_.garp_lock_time.ns > 0) set_garp_lock(key, *it, now);
  emit(EventKind::learned, key, no_port, port, now);
  return {LearnStatus::learned};
}

template <class Store>
LearnResult BasicMacTable<Store>::move_slot(std::uint64_t key, Slot& s, PortId port, Time now, std::uint32_t t) {
  const PortId from = s.port;
  FlapVerdict v;
  if (flap_.enabled()) {
    if (cfg_.flap.action == FlapAction::pin && flap_.is_pinned(key, now)) {
      ++counters_.refused_flap;
      flap_.count_refused();
      return {LearnStatus::refused_flap, from};
    }
    v = flap_.on_move(key, from, port, now);
    auto flap_event = [&] {
      if (v.event) emit(EventKind::flap, key, from, port, now, v.act ? v.action : FlapAction::none, v.count);
    };
    // Actions that stop the move: the event is reported, the entry stays where it was.
    if (v.act) {
      switch (v.action) {
        case FlapAction::drop_frame:
          flap_event();
          flap_.count_drop();
          return {LearnStatus::drop_frame, from, v.event};
        case FlapAction::pin:
          flap_event();
          flap_.start_pin(key, now);
          emit(EventKind::pinned, key, from, port, now, FlapAction::pin, v.count);
          ++counters_.refused_flap;
          return {LearnStatus::refused_flap, from, v.event};
        case FlapAction::shutdown_port:
          flap_event();
          flap_.count_shutdown();
          emit(EventKind::port_shutdown, key, from, port, now, FlapAction::shutdown_port, v.count);
          return {LearnStatus::shutdown_port, from, v.event};
        case FlapAction::none:
        case FlapAction::disable_learning: break;  // Nexus: the move that trips the limit happens
      }
    }
  }
  if (!(s.flags & slot_flag::is_static)) {
    --port_dyn_[from];
    ++port_dyn_[port];
  }
  s.port = port;
  s.stamp = t;
  if (!(s.flags & slot_flag::is_static)) lru_touch(key, port, t);
  ++counters_.moved;
  emit(EventKind::moved, key, from, port, now);
  if (v.event) emit(EventKind::flap, key, from, port, now, v.act ? v.action : FlapAction::none, v.count);
  if (v.act && v.action == FlapAction::disable_learning) {
    flap_.start_vlan_hold(key_vlan(key), now);
    emit(EventKind::learning_disabled, key, from, port, now, FlapAction::disable_learning, v.count);
  }
  return {LearnStatus::moved, from, v.event};
}

template <class Store>
bool BasicMacTable<Store>::garp_locked(std::uint64_t key, Time now) const {
  for (const auto& l : garp_locks_)
    if (l.key == key) return now.ns < l.until.ns;
  return false;
}

template <class Store>
void BasicMacTable<Store>::set_garp_lock(std::uint64_t key, Slot& s, Time now) {
  const Time until = now + cfg_.garp_lock_time;
  s.flags |= slot_flag::garp_lock;
  for (auto& l : garp_locks_)
    if (l.key == key) { l.until = until; return; }
  if (garp_locks_.size() == garp_locks_.capacity()) {
    // Forget the lock that ends first (documented bound: 64 concurrent locks).
    auto victim = std::min_element(garp_locks_.begin(), garp_locks_.end(),
                                   [](const GarpLock& a, const GarpLock& b) { return a.until < b.until; });
    if (Slot* v = map_.find(victim->key)) v->flags &= ~slot_flag::garp_lock;
    garp_locks_.erase(victim);
  }
  garp_locks_.push_back({key, until});
}

template <class Store>
void BasicMacTable<Store>::emit(EventKind k, std::uint64_t key, PortId from, PortId to, Time t, FlapAction a,
                    std::uint32_t count) {
  if (!(cfg_.events & event_mask::bit(k))) return;
  events_.push(Event{t, net::Mac::from_u64(key_mac(key)), key_vlan(key), from, to, k, a, count});
}

// ---- removal ---------------------------------------------------------------------------------

template <class Store>
void BasicMacTable<Store>::erase_slot(std::uint64_t key, const Slot& s) {
  if (s.flags & slot_flag::is_static) {
    --n_static_;
  } else {
    if (s.port < port_dyn_.size()) --port_dyn_[s.port];
  }
  if (counts_as_learned(s)) --n_learned_;
  if (s.flags & slot_flag::garp_lock) {
    for (auto it = garp_locks_.begin(); it != garp_locks_.end(); ++it)
      if (it->key == key) { garp_locks_.erase(it); break; }
  }
}

template <class Store>
void BasicMacTable<Store>::expire(std::uint64_t key, Slot s) {
  erase_slot(key, s);
  map_.erase(key);
  ++counters_.expired;
  // The event carries the time the entry expired, not the time it was found expired.
  emit(EventKind::expired, key, s.port, no_port, clock_.time_of_granule(expire_granule(s.stamp)));
}

template <class Store>
std::size_t BasicMacTable<Store>::age(Time now) {
  const std::int64_t now_g = granule_now(now);
  std::int64_t next = INT64_MAX;
  std::size_t n = 0;
  map_.erase_if([&](std::uint64_t key, const Slot& s) {
    if (s.flags & slot_flag::is_static) return false;
    const std::int64_t e = expire_granule(s.stamp);
    if (now_g >= e) {
      erase_slot(key, s);
      ++counters_.expired;
      emit(EventKind::expired, key, s.port, no_port, clock_.time_of_granule(e));
      ++n;
      return true;
    }
    next = std::min(next, e);
    return false;
  });
  min_expire_g_ = next;
  return n;
}

template <class Store>
void BasicMacTable<Store>::sweep_if_due(Time now) {
  if (granule_now(now) >= min_expire_g_) age(now);
}

template <class Store>
bool BasicMacTable<Store>::evict_one(Time now) {
  std::uint32_t most = 0;
  for (auto c : port_dyn_) most = std::max(most, c);
  if (most == 0) return false;
  // Among the ports tied for the most entries, the least-recently-updated entry goes; on a tie
  // between ports this picks the port whose LRU entry is older (OVS's heap order is
  // implementation-defined; this matches the one recorded tie, l2-learning.md OVS row 26).
  std::uint64_t best_key = 0;
  std::uint32_t best_stamp = UINT32_MAX;
  bool found = false;
  auto consider = [&](std::uint64_t key, std::uint32_t stamp) {
    if (!found || stamp < best_stamp || (stamp == best_stamp && key < best_key)) {
      best_key = key;
      best_stamp = stamp;
      found = true;
    }
  };
  if (!lru_.empty()) {
    // The front of each busiest port's LRU queue (stale items dropped): no table scan.
    for (PortId p = 0; p < port_dyn_.size(); ++p) {
      if (port_dyn_[p] != most) continue;
      auto& q = lru_[p];
      while (!q.empty() && !lru_current(q.front(), p)) q.pop_front();
      if (q.empty()) continue;
      // Entries updated in the same tick: the smallest key, as a scan in stamp order would.
      const std::uint32_t stamp = q.front().stamp;
      for (std::size_t i = 0; i < q.size() && q[i].stamp == stamp; ++i)
        if (lru_current(q[i], p)) consider(q[i].key, stamp);
    }
  }
  if (!found) {  // no LRU queues (refusing tables never evict; a MacTable told to), or none current
    map_.for_each([&](std::uint64_t key, const Slot& s) {
      if (!(s.flags & slot_flag::is_static) && port_dyn_[s.port] == most) consider(key, s.stamp);
    });
  }
  if (!found) return false;
  const Slot s = *map_.find(best_key);
  erase_slot(best_key, s);
  map_.erase(best_key);
  ++counters_.evicted;
  emit(EventKind::evicted, best_key, s.port, no_port, now);
  return true;
}

template <class Store>
void BasicMacTable<Store>::rebase(std::int64_t shift) {
  map_.for_each([&](std::uint64_t, Slot& s) {
    s.stamp = static_cast<std::uint32_t>(std::max<std::int64_t>(0, std::int64_t{s.stamp} - shift));
  });
  for (auto& q : lru_)  // the same shift keeps the items current
    for (auto& it : q) it.stamp = static_cast<std::uint32_t>(std::max<std::int64_t>(0, std::int64_t{it.stamp} - shift));
  clock_.rebase(shift);
  min_expire_g_ = INT64_MIN;
  alive_tick_ = UINT32_MAX;  // alive_from_ was computed against the old epoch
}

// ---- administration --------------------------------------------------------------------------

template <class Store>
void BasicMacTable<Store>::add_static(std::uint16_t vlan, net::Mac mac, PortId port, bool sticky) {
  AddOptions o;
  o.is_static = true;
  o.sticky = sticky;
  o.replace = true;
  const int rc = add(vlan, mac, port, o, Time{clock_.time_of(clock_.last_tick()).ns});
  if (rc != 0) throw Error(fmt::format("cannot add static entry {} vlan {}: error {}", mac.to_string(), vlan, rc));
}

template <class Store>
int BasicMacTable<Store>::add(std::uint16_t vlan, net::Mac mac, PortId port, AddOptions o, Time now) {
  if (port >= cfg_.ports)
    throw Error(fmt::format("invalid port id {} for FDB entry {}: expected 0..{}", port, mac.to_string(), cfg_.ports - 1));
  if (vlan > 4095) throw Error(fmt::format("invalid VLAN id {}: expected 0..4095", vlan));
  if (mac.is_multicast() || mac.is_zero()) return EINVAL;
  const std::uint64_t key = make_key(vlan, mac.to_u64());
  const std::uint32_t t = tick(now);
  std::uint8_t flags = slot_flag::user;
  if (o.is_static) flags |= slot_flag::is_static;
  if (o.sticky) flags |= slot_flag::sticky;
  if (const Slot* old = map_.find(key)) {
    if (!o.replace) return EEXIST;
    erase_slot(key, *old);
    map_.erase(key);
  }
  map_.insert(key, Slot{t, port, flags, 0});
  if (o.is_static) ++n_static_;
  else {
    ++port_dyn_[port];
    min_expire_g_ = std::min(min_expire_g_, expire_granule(t));
    lru_touch(key, port, t);
  }
  return 0;
}

template <class Store>
bool BasicMacTable<Store>::remove(std::uint16_t vlan, net::Mac mac) {
  const std::uint64_t key = make_key(vlan, mac.to_u64());
  const Slot* s = map_.find(key);
  if (!s) return false;
  erase_slot(key, *s);
  map_.erase(key);
  return true;
}

template <class Store>
bool BasicMacTable<Store>::remove_on_port(std::uint16_t vlan, net::Mac mac, PortId port) {
  const std::uint64_t key = make_key(vlan, mac.to_u64());
  const Slot* s = map_.find(key);
  if (!s || s->port != port) return false;
  erase_slot(key, *s);
  map_.erase(key);
  return true;
}

namespace {
template <class Map, class Pred, class OnErase>
std::size_t erase_matching(Map& m, Pred pred, OnErase on_erase) {
  return m.erase_if([&](std::uint64_t key, const Slot& s) {
    if (!pred(key, s)) return false;
    on_erase(key, s);
    return true;
  });
}
}  // namespace

template <class Store>
std::size_t BasicMacTable<Store>::flush(bool include_static) {
  const std::size_t n = erase_matching(
      map_, [&](std::uint64_t, const Slot& s) { return include_static || !(s.flags & slot_flag::is_static); },
      [&](std::uint64_t k, const Slot& s) { erase_slot(k, s); });
  counters_.flushed += n;
  return n;
}

template <class Store>
std::size_t BasicMacTable<Store>::flush_port(PortId port, bool include_static) {
  const std::size_t n = erase_matching(
      map_,
      [&](std::uint64_t, const Slot& s) {
        return s.port == port && (include_static || !(s.flags & slot_flag::is_static));
      },
      [&](std::uint64_t k, const Slot& s) { erase_slot(k, s); });
  counters_.flushed += n;
  return n;
}

template <class Store>
std::size_t BasicMacTable<Store>::flush_vlan(std::uint16_t vlan, bool include_static) {
  const std::size_t n = erase_matching(
      map_,
      [&](std::uint64_t k, const Slot& s) {
        return key_vlan(k) == (vlan & 0xfff) && (include_static || !(s.flags & slot_flag::is_static));
      },
      [&](std::uint64_t k, const Slot& s) { erase_slot(k, s); });
  counters_.flushed += n;
  return n;
}

// ---- inspection ------------------------------------------------------------------------------

template <class Store>
std::int64_t BasicMacTable<Store>::age_seconds(std::uint32_t stamp, Time now) const {
  const Time updated = clock_.time_of(stamp);
  // Whole seconds of the clock (OVS's time_now()), not elapsed seconds rounded down.
  const std::int64_t s_now = now.ns / 1'000'000'000;
  const std::int64_t s_upd = updated.ns / 1'000'000'000;
  return std::max<std::int64_t>(0, s_now - s_upd);
}

template <class Store>
std::vector<EntryInfo> BasicMacTable<Store>::entries(Time now) const {
  std::int64_t d = now.ns - clock_.epoch_ns();
  std::int64_t t = d < 0 ? 0 : d / clock_.tick_ns();
  t = std::max<std::int64_t>(t, clock_.last_tick());
  const std::int64_t now_g =
      (clock_.ticks_per_granule() == 1 ? t : t / clock_.ticks_per_granule()) + clock_.epoch_granules();
  std::vector<EntryInfo> out;
  out.reserve(map_.size());
  map_.for_each([&](std::uint64_t key, const Slot& s) {
    if (is_expired(s, now_g)) return;
    EntryInfo e;
    e.mac = net::Mac::from_u64(key_mac(key));
    e.vlan = key_vlan(key);
    e.port = s.port;
    e.is_static = s.flags & slot_flag::is_static;
    e.sticky = s.flags & slot_flag::sticky;
    e.user = s.flags & slot_flag::user;
    e.updated = clock_.time_of(s.stamp);
    e.age_s = age_seconds(s.stamp, now);
    out.push_back(e);
  });
  std::sort(out.begin(), out.end(), [](const EntryInfo& a, const EntryInfo& b) {
    return a.mac != b.mac ? a.mac < b.mac : a.vlan < b.vlan;
  });
  return out;
}

template <class Store>
std::optional<EntryInfo> BasicMacTable<Store>::find(std::uint16_t vlan, net::Mac mac, Time now) const {
  const std::uint64_t key = make_key(vlan, mac.to_u64());
  if (!map_.find(key)) return std::nullopt;
  for (const auto& e : entries(now))  // slow path; keeps one notion of "live"
    if (e.mac == mac && e.vlan == (vlan & 0xfff)) return e;
  return std::nullopt;
}

#ifdef FWD_L2_REFERENCE_STORE
template class BasicMacTable<FWD_L2_REFERENCE_STORE>;
#else
template class BasicMacTable<FdbTable<Slot>>;
#endif

}  // namespace fwd::l2
