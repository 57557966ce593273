#pragma once
// StdFdbTable: the FdbTable interface over std::unordered_map<uint64_t, V> (benchmark only,
// not part of libfwd).
//
// It exists for one purpose: bench/switch_bench.cpp runs the *same* switch and table logic
// (fwd::l2::BasicSwitch / BasicMacTable, whose template sources bench/CMakeLists.txt compiles
// a second time for this store) over this
// store as its std::unordered_map reference, so the measured ratio is the data structure's and
// nothing else. The map keeps std::hash<uint64_t> (libstdc++: the identity, buckets by modulo
// a prime) and its node-per-entry layout; it offers no way to start a lookup's memory loads
// without doing the lookup, so hash() returns 0 and prefetch() does nothing. memory_bytes()
// counts what the map asks its allocator for (nodes and bucket array, not malloc's headers).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>

namespace fwd::l2::detail {

template <class V>
class StdFdbTable {
  template <class T>
  struct CountingAlloc {
    using value_type = T;
    std::size_t* counter = nullptr;
    CountingAlloc() = default;
    explicit CountingAlloc(std::size_t* c) : counter(c) {}
    template <class U>
    CountingAlloc(const CountingAlloc<U>& o) : counter(o.counter) {}
    T* allocate(std::size_t k) {
      if (counter) *counter += k * sizeof(T);
      return std::allocator<T>{}.allocate(k);
    }
    void deallocate(T* p, std::size_t k) {
      if (counter) *counter -= k * sizeof(T);
      std::allocator<T>{}.deallocate(p, k);
    }
    template <class U>
    bool operator==(const CountingAlloc<U>& o) const { return counter == o.counter; }
  };
  using Map = std::unordered_map<std::uint64_t, V, std::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                                 CountingAlloc<std::pair<const std::uint64_t, V>>>;

public:
  explicit StdFdbTable(std::size_t* alloc_counter = nullptr)
      : counter_(alloc_counter), map_(0, std::hash<std::uint64_t>{}, std::equal_to<std::uint64_t>{},
                                      CountingAlloc<std::pair<const std::uint64_t, V>>(alloc_counter)) {}
  StdFdbTable(const StdFdbTable&) = delete;
  StdFdbTable& operator=(const StdFdbTable&) = delete;

  std::size_t size() const { return map_.size(); }
  std::size_t capacity() const { return map_.bucket_count(); }
  std::size_t memory_bytes() const { return counter_ ? *counter_ : 0; }
  void reserve(std::size_t n) { map_.reserve(n); }

  static std::uint64_t hash(std::uint64_t) { return 0; }
  void prefetch(std::uint64_t) const {}

  V* find(std::uint64_t key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  const V* find(std::uint64_t key) const { return const_cast<StdFdbTable*>(this)->find(key); }
  [[gnu::always_inline]] V* find(std::uint64_t key, std::uint64_t) { return find(key); }

  std::pair<V*, bool> insert(std::uint64_t key, const V& v) {
    auto [it, inserted] = map_.emplace(key, v);
    return {&it->second, inserted};
  }
  bool erase(std::uint64_t key) { return map_.erase(key) != 0; }

  template <class F>
  void for_each(F&& f) {
    for (auto& [k, v] : map_) f(k, v);
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, v] : map_) f(k, v);
  }
  template <class P>
  std::size_t erase_if(P&& pred) {
    std::size_t n = 0;
    for (auto it = map_.begin(); it != map_.end();) {
      if (pred(it->first, static_cast<const V&>(it->second))) {
        it = map_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }
  void clear() { map_.clear(); }

private:
  std::size_t* counter_ = nullptr;
  Map map_;
};

}  // namespace fwd::l2::detail
