#pragma once
// Slot layout, keys, the table clock and the event ring of fwd::l2::MacTable (not public API).
//
// Key: one 64-bit word, VID in bits 48..59 and the MAC in bits 0..47, so a (VLAN, MAC) compare
// is one integer compare. Value: 8 bytes (stamp, port, flags, spare). Stored in FdbTable
// (fdb_table.hpp): 16 bytes per item, four items per 64-byte bucket, no other overhead; sized
// with reserve() for a power-of-two entry count the table sits at load 1/2, i.e. 32 bytes per
// entry, and 21.3 bytes at its 3/4 maximum load (bench/switch_bench.cpp `bytes_per_entry`).
//
// Time: a stamp is a u32 count of `tick`s since the table's epoch (never wraps: the epoch is
// moved forward and old stamps clamped when the count passes 2^31, see Clock::rebase). Ageing is
// judged on `granule`s (Linux: jiffies, OVS/FreeBSD: whole seconds), the tick orders updates
// inside a granule (OVS LRU eviction).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fwd/l2/flap.hpp"
#include "fwd/time.hpp"

namespace fwd::l2::detail {

inline constexpr std::uint64_t mac_mask = 0xffff'ffff'ffffULL;

// Bit 63 is always set: the tables use key 0 for an empty slot, and (VLAN 0, 00:00:00:00:00:00) is
// a frame's destination often enough (Linux floods it like unknown unicast) to need a key of its own.
inline constexpr std::uint64_t key_present = 1ULL << 63;
constexpr std::uint64_t make_key(std::uint16_t vlan, std::uint64_t mac48) {
  return key_present | (std::uint64_t{vlan & 0x0fffu} << 48) | (mac48 & mac_mask);
}
constexpr std::uint16_t key_vlan(std::uint64_t key) { return static_cast<std::uint16_t>((key >> 48) & 0x0fffu); }
constexpr std::uint64_t key_mac(std::uint64_t key) { return key & mac_mask; }

namespace slot_flag {
inline constexpr std::uint8_t is_static = 1;  // never ages (Linux: may still move)
inline constexpr std::uint8_t sticky = 2;     // never moves
inline constexpr std::uint8_t user = 4;       // added by the user (Linux: not counted as learned)
inline constexpr std::uint8_t garp_lock = 8;  // OVS: a gratuitous-ARP lock may be active
}  // namespace slot_flag

struct Slot {
  std::uint32_t stamp;  // ticks since epoch of the last creation / refresh / move
  PortId port;
  std::uint8_t flags;
  std::uint8_t spare;
};
static_assert(sizeof(Slot) == 8);

// The container hash: private, deterministic, avalanching (the table does not re-mix it).
// Nothing observable depends on it: dumps are sorted.
struct KeyHash {
  using is_avalanching = void;
  std::size_t operator()(std::uint64_t k) const noexcept {
    __uint128_t m = static_cast<__uint128_t>(k ^ 0x9e3779b97f4a7c15ULL) * 0xd6e8feb86659fd93ULL;
    return static_cast<std::size_t>(static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64));
  }
};

// Virtual time as the table sees it: ticks since an epoch, monotonic (a time earlier than the
// latest one seen is read as the latest: a switch's clock never runs backwards).
class Clock {
public:
  Clock() = default;
  Clock(Time tick, Time granule) : tick_ns_(tick.ns), granule_ns_(granule.ns) {
    ticks_per_granule_ = static_cast<std::uint32_t>(granule_ns_ / tick_ns_);
  }
  std::int64_t tick_ns() const { return tick_ns_; }
  std::int64_t granule_ns() const { return granule_ns_; }
  std::uint32_t ticks_per_granule() const { return ticks_per_granule_; }
  std::int64_t epoch_ns() const { return epoch_ns_; }

  // Ticks since the epoch for `now` (may exceed u32: see needs_rebase).
  std::int64_t raw_ticks(Time now) const {
    const std::int64_t d = now.ns - epoch_ns_;
    return d < 0 ? 0 : d / tick_ns_;
  }
  static constexpr std::int64_t rebase_at = std::int64_t{1} << 31;
  bool needs_rebase(Time now) const { return now.ns != last_ns_ && raw_ticks(now) >= rebase_at; }
  // How far to move the epoch so that `now` lands near 2^30 ticks: whole hours, so that the
  // epoch stays aligned to granules and sweep periods (both divide an hour, checked by MacTable).
  std::int64_t rebase_shift(Time now) const {
    const std::int64_t hour = 3'600'000'000'000LL / tick_ns_;
    const std::int64_t over = raw_ticks(now) - (std::int64_t{1} << 30);
    return std::max<std::int64_t>(1, over / hour) * hour;
  }
  void rebase(std::int64_t shift) {
    epoch_ns_ += shift * tick_ns_;
    epoch_granules_ = epoch_ns_ / granule_ns_;
    last_tick_ = static_cast<std::uint32_t>(std::max<std::int64_t>(0, std::int64_t{last_tick_} - shift));
    last_ns_ = INT64_MIN;
  }
  // Current tick; the caller has rebased if needs_rebase(now).
  std::uint32_t tick(Time now) {
    if (now.ns == last_ns_) return last_tick_;
    std::int64_t t = raw_ticks(now);
    if (t < static_cast<std::int64_t>(last_tick_)) t = last_tick_;
    if (t >= rebase_at) t = rebase_at - 1;
    last_ns_ = now.ns;
    last_tick_ = static_cast<std::uint32_t>(t);
    return last_tick_;
  }
  std::uint32_t last_tick() const { return last_tick_; }
  // Granule number of a tick stamp.
  std::int64_t granule_of(std::uint32_t stamp) const {
    const std::int64_t g = ticks_per_granule_ == 1 ? stamp : stamp / ticks_per_granule_;
    return g + epoch_granules();
  }
  std::int64_t epoch_granules() const { return epoch_granules_; }
  Time time_of(std::uint32_t stamp) const { return Time{epoch_ns_ + static_cast<std::int64_t>(stamp) * tick_ns_}; }
  Time time_of_granule(std::int64_t g) const { return Time{g * granule_ns_}; }

private:
  std::int64_t tick_ns_ = 1'000'000;
  std::int64_t granule_ns_ = 1'000'000;
  std::uint32_t ticks_per_granule_ = 1;
  std::int64_t epoch_ns_ = 0;
  std::int64_t epoch_granules_ = 0;  // epoch_ns_ / granule_ns_, kept to avoid a division per lookup
  std::int64_t last_ns_ = INT64_MIN;
  std::uint32_t last_tick_ = 0;
};

// Fixed-capacity ring: pushing into a full ring overwrites the oldest element (counted).
template <class T>
class Ring {
public:
  // The buffer is allocated at the first push: a switch carries several rings (events, OVS
  // pending learning) of thousands of entries that many never use, and zero-filling them made
  // building a switch cost more than running frames through it.
  explicit Ring(std::size_t capacity = 0) : cap_(capacity) {}
  std::size_t capacity() const { return cap_; }
  std::size_t size() const { return size_; }
  std::uint64_t overwritten() const { return overwritten_; }
  void push(const T& v) {
    if (cap_ == 0) { ++overwritten_; return; }
    if (buf_.empty()) buf_.resize(cap_);
    buf_[(head_ + size_) % buf_.size()] = v;
    if (size_ < buf_.size()) ++size_;
    else { head_ = (head_ + 1) % buf_.size(); ++overwritten_; }
  }
  const T& operator[](std::size_t i) const { return buf_[(head_ + i) % buf_.size()]; }
  bool full() const { return size_ == cap_; }
  const T& front() const { return buf_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) % buf_.size();
    --size_;
  }
  void clear() { head_ = size_ = 0; }
  std::vector<T> drain() {
    std::vector<T> out;
    out.reserve(size_);
    for (std::size_t i = 0; i < size_; ++i) out.push_back((*this)[i]);
    clear();
    return out;
  }

private:
  std::vector<T> buf_;
  std::size_t cap_ = 0;
  std::size_t head_ = 0, size_ = 0;
  std::uint64_t overwritten_ = 0;
};

}  // namespace fwd::l2::detail
