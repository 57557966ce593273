#pragma once
// FdbTable: the open-addressing hash table under fwd::l2::MacTable (not public API).
//
// Layout: one array of 16-byte items {u64 key, 8-byte value}, 4 per cache line; key 0 marks an
// empty item (key 0 is VLAN 0 + MAC 00:00:00:00:00:00, which no system learns and add() refuses).
// Linear probing from the home index (top bits of a multiplicative mix of the key); deletion by
// backward shift, so there are no tombstones and churn never forces a rehash: the table allocates
// only when it grows past 3/4 load (capacity doubles). At the load reserve() gives for a
// power-of-two number of entries (1/2) a hit costs 1.5 probes on average, a miss 2.5, and the
// table holds 32 bytes per entry. prefetch() lets a burst of frames overlap their cache misses.
// Measured against boost::unordered_flat_map 1.81 (16-byte slots) in bench/switch_bench.cpp:
// equal memory, and the prefetching burst path is what reaches the 1 M-entry target.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace fwd::l2::detail {

template <class V>
class FdbTable {
  static_assert(sizeof(V) == 8, "FdbTable items are 16 bytes");

public:
  struct Item {
    std::uint64_t key;
    V value;
  };

  explicit FdbTable(std::size_t* alloc_counter = nullptr) : counter_(alloc_counter) {}
  ~FdbTable() { release(); }
  FdbTable(const FdbTable&) = delete;
  FdbTable& operator=(const FdbTable&) = delete;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mask_ + (items_ ? 1 : 0); }
  std::size_t memory_bytes() const { return items_ ? (mask_ + 1) * sizeof(Item) : 0; }

  /// Room for `n` entries without growing.
  void reserve(std::size_t n) {
    std::size_t cap = 8;
    while (cap * 3 / 4 < n) cap *= 2;
    if (!items_ || cap > mask_ + 1) rehash(cap);
  }

  void prefetch(std::uint64_t key) const {
    if (items_) __builtin_prefetch(&items_[home(key)]);
  }

  V* find(std::uint64_t key) {
    if (!items_) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      Item& it = items_[i];
      if (it.key == key) return &it.value;
      if (it.key == 0) return nullptr;
    }
  }
  const V* find(std::uint64_t key) const { return const_cast<FdbTable*>(this)->find(key); }

  /// Inserts (key, v) if absent; returns the value and whether it was inserted.
  std::pair<V*, bool> insert(std::uint64_t key, const V& v) {
    if (!items_ || (size_ + 1) > (mask_ + 1) * 3 / 4) rehash(items_ ? (mask_ + 1) * 2 : 8);
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      Item& it = items_[i];
      if (it.key == key) return {&it.value, false};
      if (it.key == 0) {
        it.key = key;
        it.value = v;
        ++size_;
        return {&it.value, true};
      }
    }
  }

  bool erase(std::uint64_t key) {
    if (!items_) return false;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (items_[i].key == key) {
        erase_index(i);
        return true;
      }
      if (items_[i].key == 0) return false;
    }
  }

  /// Calls f(key, value&) for every entry (order: storage, i.e. meaningless).
  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; items_ && i <= mask_; ++i)
      if (items_[i].key) f(items_[i].key, items_[i].value);
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; items_ && i <= mask_; ++i)
      if (items_[i].key) f(items_[i].key, static_cast<const V&>(items_[i].value));
  }

  /// Erases the entries for which pred(key, value) is true; returns how many. pred may be
  /// called more than once for an entry it keeps (a backward shift can move an entry across the
  /// end of the array), never again for one it erased.
  template <class P>
  std::size_t erase_if(P&& pred) {
    std::size_t n = 0;
    for (std::size_t i = 0; items_ && i <= mask_;) {
      if (items_[i].key && pred(items_[i].key, static_cast<const V&>(items_[i].value))) {
        erase_index(i);
        ++n;
        continue;  // an entry may have shifted into i
      }
      ++i;
    }
    return n;
  }

  void clear() {
    if (items_) std::memset(static_cast<void*>(items_), 0, (mask_ + 1) * sizeof(Item));
    size_ = 0;
  }

private:
  std::size_t home(std::uint64_t key) const {
    std::uint64_t x = key * 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    return static_cast<std::size_t>(x >> shift_);
  }

  void erase_index(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (items_[j].key == 0) break;
      const std::size_t h = home(items_[j].key);
      // Item j may move back to the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
      if (!stays) {
        items_[i] = items_[j];
        i = j;
      }
    }
    items_[i].key = 0;
    --size_;
  }

  void rehash(std::size_t cap) {
    Item* old = items_;
    const std::size_t old_cap = items_ ? mask_ + 1 : 0;
    items_ = allocate(cap * sizeof(Item));
    std::memset(static_cast<void*>(items_), 0, cap * sizeof(Item));
    if (counter_) *counter_ += cap * sizeof(Item);
    mask_ = cap - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(cap));
    size_ = 0;
    for (std::size_t i = 0; i < old_cap; ++i)
      if (old[i].key) insert(old[i].key, old[i].value);
    if (old) {
      deallocate(old, old_cap * sizeof(Item));
      if (counter_) *counter_ -= old_cap * sizeof(Item);
    }
  }

  void release() {
    if (!items_) return;
    if (counter_) *counter_ -= (mask_ + 1) * sizeof(Item);
    deallocate(items_, (mask_ + 1) * sizeof(Item));
    items_ = nullptr;
  }

  // Tables of 2 MiB and more are 2 MiB aligned and, on Linux, marked for transparent huge
  // pages: a random lookup in a 32 MiB table otherwise costs a TLB miss (a two-dimensional
  // page walk under a hypervisor) that no prefetch hides -- 67 ns per lookup measured here at
  // 1 M entries with 4 KiB pages.
  static constexpr std::size_t huge = std::size_t{2} << 20;
  static Item* allocate(std::size_t bytes) {
    const std::size_t align = bytes >= huge ? huge : 64;
    void* p = ::operator new(bytes, std::align_val_t{align});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= huge) (void)::madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return static_cast<Item*>(p);
  }
  static void deallocate(Item* p, std::size_t bytes) {
    ::operator delete(static_cast<void*>(p), std::align_val_t{bytes >= huge ? huge : 64});
  }

  Item* items_ = nullptr;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
  std::size_t* counter_ = nullptr;
};

}  // namespace fwd::l2::detail
