#pragma once
// FdbTable: the open-addressing hash table under fwd::l2::MacTable (not public API).
//
// Layout: one array of 16-byte items {u64 key, 8-byte value}, four per 64-byte cache line (a
// "bucket"); key 0 marks an empty item (VLAN 0 + MAC 00:00:00:00:00:00, which no system learns
// and MacTable::add() refuses). Linear probing over items, but every key's home is the first
// item of a bucket (homes aligned to 4): a lookup reads one cache line and compares its four
// keys without branching on where the key sits, then follows into the next line only when that
// bucket is full (about 3 % of hits at load 1/2). Deletion by backward shift, so there are no
// tombstones and churn never forces a rehash: the table allocates only when it grows past 3/4
// load (capacity doubles). At the load reserve() gives for a power-of-two number of entries (1/2)
// the table holds 32 bytes per entry.
//
// hash() is independent of the table size, so a burst can hash its keys first, prefetch their
// lines (prefetch(h)) and look them up later (find(key, h)) even if an insertion in between
// grew the table. Measured in bench/switch_bench.cpp against the same switch over
// std::unordered_map (detail/std_fdb_table.hpp).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
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
  static constexpr std::size_t lanes = 4;  // items per bucket (one cache line)

  explicit FdbTable(std::size_t* alloc_counter = nullptr) : counter_(alloc_counter) { rehash(min_capacity); }
  ~FdbTable() { release(); }
  FdbTable(const FdbTable&) = delete;
  FdbTable& operator=(const FdbTable&) = delete;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mask_ + 1; }
  std::size_t memory_bytes() const { return (mask_ + 1) * sizeof(Item); }

  /// Room for `n` entries without growing.
  void reserve(std::size_t n) {
    std::size_t cap = min_capacity;
    while (cap * 3 / 4 < n) cap *= 2;
    if (cap > mask_ + 1) rehash(cap);
  }

  // A multiplicative mix of the key (private, deterministic; nothing observable depends on it:
  // dumps are sorted). The bucket is its top bits.
  static std::uint64_t hash(std::uint64_t key) {
    std::uint64_t x = key * 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    return x * 0xbf58476d1ce4e5b9ULL;
  }
  void prefetch(std::uint64_t h) const { __builtin_prefetch(&items_[home(h)]); }

  V* find(std::uint64_t key) { return find(key, hash(key)); }
  const V* find(std::uint64_t key) const { return const_cast<FdbTable*>(this)->find(key, hash(key)); }
  // `h` must be hash(key).
  [[gnu::always_inline]] V* find(std::uint64_t key, std::uint64_t h) {
    std::size_t i = home(h);
    for (;;) {
      Item* b = &items_[i];
      // Four compares folded into a mask: the lane a key sits in is random, a branch per lane
      // would mispredict on most lookups.
      const unsigned hit = static_cast<unsigned>(b[0].key == key) | static_cast<unsigned>(b[1].key == key) << 1 |
                           static_cast<unsigned>(b[2].key == key) << 2 | static_cast<unsigned>(b[3].key == key) << 3;
      if (hit) [[likely]]
        return &b[__builtin_ctz(hit)].value;
      // An empty item in the bucket ends the search: a key never sits past a hole after its home.
      if ((b[0].key == 0) | (b[1].key == 0) | (b[2].key == 0) | (b[3].key == 0)) return nullptr;
      i = (i + lanes) & mask_;
    }
  }

  /// Inserts (key, v) if absent; returns the value and whether it was inserted.
  std::pair<V*, bool> insert(std::uint64_t key, const V& v) {
    if (V* old = find(key)) return {old, false};
    if (size_ + 1 > (mask_ + 1) * 3 / 4) rehash((mask_ + 1) * 2);
    return {place(key, v), true};
  }

  bool erase(std::uint64_t key) {
    for (std::size_t i = home(hash(key));; i = (i + 1) & mask_) {
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
    for (std::size_t i = 0; i <= mask_; ++i)
      if (items_[i].key) f(items_[i].key, items_[i].value);
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i <= mask_; ++i)
      if (items_[i].key) f(items_[i].key, static_cast<const V&>(items_[i].value));
  }

  /// Erases the entries for which pred(key, value) is true; returns how many. pred may be
  /// called more than once for an entry it keeps (a backward shift can move an entry across the
  /// end of the array), never again for one it erased.
  template <class P>
  std::size_t erase_if(P&& pred) {
    std::size_t n = 0;
    for (std::size_t i = 0; i <= mask_;) {
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
    std::memset(static_cast<void*>(items_), 0, (mask_ + 1) * sizeof(Item));
    size_ = 0;
  }

private:
  static constexpr std::size_t min_capacity = 8;  // two buckets: shift_ stays below 64

  std::size_t home(std::uint64_t h) const { return static_cast<std::size_t>(h >> shift_) * lanes; }

  // Requires: key absent, room for one more.
  V* place(std::uint64_t key, const V& v) {
    for (std::size_t i = home(hash(key));; i = (i + 1) & mask_) {
      Item& it = items_[i];
      if (it.key == 0) {
        it.key = key;
        it.value = v;
        ++size_;
        return &it.value;
      }
    }
  }

  void erase_index(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (items_[j].key == 0) break;
      const std::size_t h = home(hash(items_[j].key));
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
    const std::size_t old_cap = old ? mask_ + 1 : 0;
    items_ = allocate(cap * sizeof(Item));
    std::memset(static_cast<void*>(items_), 0, cap * sizeof(Item));
    if (counter_) *counter_ += cap * sizeof(Item);
    mask_ = cap - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(cap / lanes));
    size_ = 0;
    for (std::size_t i = 0; i < old_cap; ++i)
      if (old[i].key) place(old[i].key, old[i].value);
    if (old) {
      deallocate(old, old_cap * sizeof(Item));
      if (counter_) *counter_ -= old_cap * sizeof(Item);
    }
  }

  void release() {
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
  std::size_t mask_ = 0;  // capacity - 1 (items)
  unsigned shift_ = 63;   // 64 - log2(buckets)
  std::size_t size_ = 0;
  std::size_t* counter_ = nullptr;
};

}  // namespace fwd::l2::detail
