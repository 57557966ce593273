#pragma once
/// \file
/// VendorLag: vendor / ASIC-style member mapping, libfwd's documented model (hash-algorithms.md
/// §7; not bit-exact to any product). Members are taken in member-list order, filtered to up.
///  - modulo: `up[h % n]` (the classic "hash % number of links": a failure re-spreads almost
///    every flow);
///  - table: a B-entry table filled round robin over the up members, `table[h % B]` (B = 8 over 3
///    members gives the 3:3:2 port-channel ratios); rebuilt from scratch on every change;
///  - resilient: a B-entry ResilientTable (resilient.hpp): a failure moves only the failed
///    member's buckets.
/// When the hash is the vendor model's own, its `rotate` applies before the mapping.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <fmt/format.h>

#include "fwd/hash/vendor.hpp"
#include "fwd/lag/resilient.hpp"
#include "fwd/describe/field.hpp"
#include "fwd/lag/types.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {

enum class VendorMode : std::uint8_t { modulo, table, resilient };

}  // namespace fwd::lag

namespace fwd::describe {
template <>
struct Enumerators<lag::VendorMode> {
  using E = lag::VendorMode;
  static constexpr std::string_view what = "vendor LAG mode";
  static constexpr Enumerator<E> table[] = {
      {E::modulo, "modulo", "up[h % n]: hash modulo the up members"},
      {E::table, "table", "table[h % B], B entries filled round robin over the up members, rebuilt on every change"},
      {E::resilient, "resilient", "a B-entry resilient table: a failure moves only the failed member's buckets"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::lag {

constexpr const char* to_string(VendorMode m) { return describe::name_of(m).data(); }

class VendorLag {
public:
  struct Config {
    VendorMode mode = VendorMode::modulo;
    std::uint32_t buckets = 8;  ///< B for table / resilient
    /// The vendor hash model's config when the hash is the vendor model (for its rotate).
    std::optional<hash::vendor::Config> hash_config;
  };
  explicit VendorLag(Config c) : config_(std::move(c)) {
    if (config_.hash_config) {
      config_.hash_config->mapping = hash::vendor::Mapping::modulo;  // the LAG maps, not the hash
    }
    if (config_.mode != VendorMode::modulo && (config_.buckets == 0 || config_.buckets > 65536))
      throw Error(fmt::format("bad table size {}: expected 1 to 65536 buckets", config_.buckets));
    if (config_.mode == VendorMode::resilient) table_ = ResilientTable(config_.buckets);
  }
  const Config& config() const { return config_; }

  std::string follows() const {
    switch (config_.mode) {
      case VendorMode::modulo: return "vendor-style model (libfwd, not bit-exact): hash % up members";
      case VendorMode::table: return fmt::format("vendor-style model (libfwd, not bit-exact): {}-bucket table, round robin", config_.buckets);
      case VendorMode::resilient: return fmt::format("vendor-style model (libfwd, not bit-exact): {}-bucket resilient table", config_.buckets);
    }
    return {};
  }
  bool needs_hash() const { return true; }

  void add_member(MemberIndex m, const MemberStates& s, Time now) {
    members_.push_back(m);
    update(s, now, initial_);
  }
  /// Call once construction is complete: later changes move buckets minimally (resilient).
  void finish_initial() { initial_ = false; }

  void update(const MemberStates& s, Time = {}, bool refill = false) {
    up_.clear();
    for (MemberIndex m : members_)
      if (s[m].is_up()) up_.push_back(m);
    if (config_.mode != VendorMode::resilient) return;
    if (refill) table_.fill(up_);
    else table_.update(up_, s.size());
  }

  /// The slot of `h` among `n` (the vendor model's rotate applies when present).
  std::uint32_t slot(std::uint32_t h, std::uint32_t n) const {
    return config_.hash_config ? hash::vendor::map(*config_.hash_config, h, n) : h % n;
  }

  Selection select(std::uint32_t h, const MemberStates&) const {
    if (up_.empty()) return Selection::drop();
    const auto n = static_cast<std::uint32_t>(up_.size());
    switch (config_.mode) {
      case VendorMode::modulo: return Selection::to(up_[slot(h, n)]);
      case VendorMode::table: return Selection::to(up_[slot(h, config_.buckets) % n]);
      case VendorMode::resilient: return Selection::to(table_[slot(h, config_.buckets)]);
    }
    return Selection::drop();
  }

  MemberArray order(const MemberStates&) const { return up_; }
  /// Member of each bucket (table and resilient modes).
  std::vector<MemberIndex> table() const {
    if (config_.mode == VendorMode::resilient) return table_.buckets();
    std::vector<MemberIndex> t;
    if (config_.mode == VendorMode::table)
      for (std::uint32_t i = 0; i < config_.buckets; ++i) t.push_back(up_.empty() ? no_member : up_[i % up_.size()]);
    return t;
  }

  std::string describe(std::uint32_t h, const MemberStates&, std::span<const std::string> names, Selection sel) const {
    auto name = [&](MemberIndex m) { return member_name(m, names); };
    if (up_.empty()) return "no member is up: dropped";
    const auto n = static_cast<std::uint32_t>(up_.size());
    switch (config_.mode) {
      case VendorMode::modulo:
        return fmt::format("modulo: 0x{:x} % {} up members = {} -> {}", h, n, slot(h, n), name(sel.member));
      case VendorMode::table:
        return fmt::format("table: bucket 0x{:x} % {} = {}; table[{}] = up[{} % {}] -> {}", h, config_.buckets,
                           slot(h, config_.buckets), slot(h, config_.buckets), slot(h, config_.buckets), n, name(sel.member));
      case VendorMode::resilient:
        return fmt::format("resilient: bucket 0x{:x} % {} = {} -> {}", h, config_.buckets, slot(h, config_.buckets),
                           name(sel.member));
    }
    return {};
  }

private:
  Config config_;
  MemberArray members_;
  MemberArray up_;
  ResilientTable table_;
  bool initial_ = true;
};

}  // namespace fwd::lag
