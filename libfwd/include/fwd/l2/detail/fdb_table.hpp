#pragma once
// FdbTable: the open-addressing hash table under fwd::l2::MacTable (not public API).
//
// Layout: an array of 64-byte buckets, each one cache line holding four u64 keys followed by
// their four 8-byte values; key 0 marks an empty item. No stored key is 0: make_key() sets bit
// 63 of every key (detail/fdb.hpp), because (VLAN 0, 00:00:00:00:00:00) does occur -- Linux
// floods frames to it like unknown unicast, and it once corrupted the table (fabe642). Linear
// probing over items (item i is lane i % 4 of
// bucket i / 4), but every key's home is the first item of a bucket: a lookup reads one cache
// line and compares its four keys at once (SSE2: the four low halves in one compare, then the
// one candidate in full; no branch on the lane -- the lane a key sits in is random, and a
// branch per lane mispredicted on about every other lookup), following into the next line only when that bucket is full (about 3 % of
// hits at load 1/2). Deletion by backward shift, so there are no tombstones and churn never
// forces a rehash: the table allocates only when it grows past 3/4 load (capacity doubles). At
// the load reserve() gives for a power-of-two number of entries (1/2) the table holds 32 bytes
// per entry.
//
// hash() is independent of the table size, so a burst can hash its keys first, prefetch their
// lines (prefetch(h)) and look them up later (find(key, h)) even if an insertion in between
// grew the table. Measured in bench/switch_bench.cpp against the same switch over
// std::unordered_map (bench/std_fdb_table.hpp).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace fwd::l2::detail {

template <class V>
class FdbTable {
  static_assert(sizeof(V) == 8, "FdbTable values are 8 bytes");

public:
  static constexpr std::size_t lanes = 4;  // items per bucket (one cache line)
  struct alignas(64) Bucket {
    std::uint64_t key[lanes];
    V value[lanes];
  };

  explicit FdbTable(std::size_t* alloc_counter = nullptr) : counter_(alloc_counter) { rehash(min_capacity); }
  ~FdbTable() { release(); }
  FdbTable(const FdbTable&) = delete;
  FdbTable& operator=(const FdbTable&) = delete;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mask_ + 1; }
  std::size_t memory_bytes() const { return (mask_ + 1) / lanes * sizeof(Bucket); }

  /// Largest number of items (capacity) the table grows to: 2^40 items, 8 TiB of buckets.
  static constexpr std::size_t max_capacity = std::size_t{1} << 40;
  /// Room for `n` entries without growing; throws std::length_error beyond max_capacity * 3/4
  /// (callers validate sizes first: TableConfig::validate).
  void reserve(std::size_t n) {
    if (n > max_capacity / 4 * 3) throw std::length_error("FdbTable::reserve: more entries than the table can hold");
    std::size_t cap = min_capacity;
    while (cap * 3 / 4 < n) cap *= 2;  // ends: n <= 3/4 of max_capacity
    if (cap > mask_ + 1) rehash(cap);
  }

  // Fibonacci hashing: the bucket is the top bits of key * 2^64/phi, and every key bit reaches
  // the top bits of the product (private and deterministic; nothing observable depends on it:
  // dumps are sorted). One multiply: the two-round mix it replaced was 3.5 % of the frame path's instructions.
  static std::uint64_t hash(std::uint64_t key) { return key * 0x9e3779b97f4a7c15ULL; }
  void prefetch(std::uint64_t h) const { __builtin_prefetch(&buckets_[h >> shift_]); }

  V* find(std::uint64_t key) { return find(key, hash(key)); }
  const V* find(std::uint64_t key) const { return const_cast<FdbTable*>(this)->find(key, hash(key)); }
  // `h` must be hash(key).
  [[gnu::always_inline]] V* find(std::uint64_t key, std::uint64_t h) {
    std::size_t b = static_cast<std::size_t>(h >> shift_);
    for (;;) {
      Bucket& B = buckets_[b];
      // Lanes whose low 32 bits match, then the full compare: one candidate, right, on almost
      // every hit (the MAC's last four bytes), so the loop runs once and its branch predicts.
      for (unsigned m = lanes_low_equal(B, static_cast<std::uint32_t>(key)); m; m &= m - 1) {
        const unsigned i = static_cast<unsigned>(__builtin_ctz(m));
        if (B.key[i] == key) [[likely]]
          return &B.value[i];
      }
      // An empty item in the bucket ends the search: a key never sits past a hole after its home.
      if (has_empty(B)) return nullptr;
      b = (b + 1) & (mask_ / lanes);
    }
  }

  /// Inserts (key, v) if absent; returns the value and whether it was inserted.
  std::pair<V*, bool> insert(std::uint64_t key, const V& v) {
    if (V* old = find(key)) return {old, false};
    if (size_ + 1 > (mask_ + 1) * 3 / 4) rehash((mask_ + 1) * 2);
    return {place(key, v), true};
  }

  bool erase(std::uint64_t key) {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (key_at(i) == key) {
        erase_index(i);
        return true;
      }
      if (key_at(i) == 0) return false;
    }
  }

  /// Calls f(key, value&) for every entry (order: storage, i.e. meaningless).
  template <class F>
  void for_each(F&& f) {
    for (std::size_t i = 0; i <= mask_; ++i)
      if (key_at(i)) f(key_at(i), value_at(i));
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i <= mask_; ++i)
      if (key_at(i)) f(key_at(i), static_cast<const V&>(value_at(i)));
  }

  /// Erases the entries for which pred(key, value) is true; returns how many. pred may be
  /// called more than once for an entry it keeps (a backward shift can move an entry across the
  /// end of the array), never again for one it erased.
  template <class P>
  std::size_t erase_if(P&& pred) {
    std::size_t n = 0;
    for (std::size_t i = 0; i <= mask_;) {
      if (key_at(i) && pred(key_at(i), static_cast<const V&>(value_at(i)))) {
        erase_index(i);
        ++n;
        continue;  // an entry may have shifted into i
      }
      ++i;
    }
    return n;
  }

  void clear() {
    std::memset(static_cast<void*>(buckets_), 0, memory_bytes());
    size_ = 0;
  }

private:
  static constexpr std::size_t min_capacity = 8;  // two buckets: shift_ stays below 64

#if defined(__SSE2__)
  // Bit i is set when lane i's key has `low` as its low 32 bits: the four low halves gathered
  // into one register and compared at once (SSE2 has no 64-bit compare).
  static unsigned lanes_low_equal(const Bucket& B, std::uint32_t low) {
    const __m128 a = _mm_castsi128_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(&B.key[0])));
    const __m128 c = _mm_castsi128_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(&B.key[2])));
    const __m128i lows = _mm_castps_si128(_mm_shuffle_ps(a, c, _MM_SHUFFLE(2, 0, 2, 0)));
    const __m128i eq = _mm_cmpeq_epi32(lows, _mm_set1_epi32(static_cast<int>(low)));
    return static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(eq)));
  }
#else
  static unsigned lanes_low_equal(const Bucket& B, std::uint32_t low) {
    unsigned m = 0;
    for (unsigned i = 0; i < lanes; ++i) {
      const std::uint32_t x = static_cast<std::uint32_t>(B.key[i]) ^ low;
      m |= static_cast<unsigned>(((x | (0u - x)) >> 31) ^ 1u) << i;  // 1 when x == 0, no branch
    }
    return m;
  }
#endif
  static bool has_empty(const Bucket& B) {
    return (B.key[0] == 0) | (B.key[1] == 0) | (B.key[2] == 0) | (B.key[3] == 0);
  }

  std::uint64_t& key_at(std::size_t i) const { return buckets_[i / lanes].key[i % lanes]; }
  V& value_at(std::size_t i) const { return buckets_[i / lanes].value[i % lanes]; }
  std::size_t home(std::uint64_t key) const { return static_cast<std::size_t>(hash(key) >> shift_) * lanes; }

  // Requires: key absent, room for one more.
  V* place(std::uint64_t key, const V& v) {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (key_at(i) == 0) {
        key_at(i) = key;
        value_at(i) = v;
        ++size_;
        return &value_at(i);
      }
    }
  }

  void erase_index(std::size_t i) {
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (key_at(j) == 0) break;
      const std::size_t h = home(key_at(j));
      // Item j may move back to the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
      if (!stays) {
        key_at(i) = key_at(j);
        value_at(i) = value_at(j);
        i = j;
      }
    }
    key_at(i) = 0;
    --size_;
  }

  void rehash(std::size_t cap) {
    Bucket* old = buckets_;
    const std::size_t old_cap = old ? mask_ + 1 : 0;
    const std::size_t bytes = cap / lanes * sizeof(Bucket);
    buckets_ = allocate(bytes);
    std::memset(static_cast<void*>(buckets_), 0, bytes);
    if (counter_) *counter_ += bytes;
    mask_ = cap - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(cap / lanes));
    size_ = 0;
    for (std::size_t i = 0; i < old_cap; ++i) {
      const Bucket& B = old[i / lanes];
      if (B.key[i % lanes]) place(B.key[i % lanes], B.value[i % lanes]);
    }
    if (old) {
      const std::size_t old_bytes = old_cap / lanes * sizeof(Bucket);
      deallocate(old, old_bytes);
      if (counter_) *counter_ -= old_bytes;
    }
  }

  void release() {
    if (counter_) *counter_ -= memory_bytes();
    deallocate(buckets_, memory_bytes());
    buckets_ = nullptr;
  }

  // Tables of 2 MiB and more are 2 MiB aligned and, on Linux, marked for transparent huge
  // pages: a random lookup in a 32 MiB table otherwise costs a TLB miss (a two-dimensional
  // page walk under a hypervisor) that no prefetch hides -- 67 ns per lookup measured here at
  // 1 M entries with 4 KiB pages.
  static constexpr std::size_t huge = std::size_t{2} << 20;
  static Bucket* allocate(std::size_t bytes) {
    const std::size_t align = bytes >= huge ? huge : 64;
    void* p = ::operator new(bytes, std::align_val_t{align});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= huge) (void)::madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return static_cast<Bucket*>(p);
  }
  static void deallocate(Bucket* p, std::size_t bytes) {
    ::operator delete(static_cast<void*>(p), std::align_val_t{bytes >= huge ? huge : 64});
  }

  Bucket* buckets_ = nullptr;
  std::size_t mask_ = 0;  // capacity - 1 (items)
  unsigned shift_ = 63;   // 64 - log2(buckets)
  std::size_t size_ = 0;
  std::size_t* counter_ = nullptr;
};

}  // namespace fwd::l2::detail
