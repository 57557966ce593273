#pragma once
/// \file
/// The bucket table of a Linux resilient nexthop group (spec §7; net/ipv4/nexthop.c nh_res_*),
/// in virtual time. Members are indexes into the owner's member list; the table keeps, per bucket,
/// its owner, when it was last migrated and last used; per member, how many buckets it owns and
/// wants; and the underweight list (head first, members inserted at the head in group order, so
/// it is in reverse group order).
///
/// Lifecycle, as the kernel's: create() = rebalance + upkeep on an empty table; change() (group
/// replace or member delete) = keep buckets of members that stay (matched by id), empty the rest,
/// rebalance, upkeep. Upkeep scans buckets from 0: empty buckets are always migrated, buckets of
/// overweight members when idle (T = 0: always) or when the unbalanced timer U expired; every
/// migration goes to the head of the underweight list. While unbalanced, the next upkeep is due at
/// the earliest possible migration, at least 0.5 s later. Time is kept in ns (the kernel counts
/// jiffies; same order of events, finer clock).

#include <cstdint>
#include <optional>
#include <vector>

#include "fwd/time.hpp"

namespace fwd::route {

class ResilientTable {
public:
  struct Member {
    std::uint32_t id = 0;
    std::uint32_t weight = 1;
  };

  ResilientTable() = default;
  ResilientTable(std::uint32_t num_buckets, Time idle_timer, Time unbalanced_timer)
      : buckets_(num_buckets), idle_(idle_timer), unbalanced_(unbalanced_timer) {}

  /// Creation: all buckets empty, then rebalance and upkeep.
  void create(const std::vector<Member>& members, Time now) {
    for (auto& b : buckets_) b = Bucket{};
    change(members, now);
  }
  /// Starts from a table read from a kernel (owner ids per bucket); unknown ids leave the bucket
  /// empty. Then rebalance and upkeep (a balanced table stays as it is).
  void load(const std::vector<Member>& members, const std::vector<std::uint32_t>& owner_ids, Time now) {
    members_ = members;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      buckets_[i] = Bucket{};
      if (i < owner_ids.size())
        for (std::size_t m = 0; m < members.size(); ++m)
          if (members[m].id == owner_ids[i]) { buckets_[i].member = static_cast<std::int32_t>(m); break; }
      buckets_[i].used = buckets_[i].migrated = now;
    }
    rebalance(now, false);
    upkeep(now);
  }
  /// Group replaced / member deleted: new member list (group order), buckets follow their ids.
  void change(const std::vector<Member>& members, Time now) {
    const bool had_uw = !uw_.empty();
    const Time prev_since = unbalanced_since_;
    for (auto& b : buckets_) {
      if (b.member < 0) continue;
      const std::uint32_t id = members_[static_cast<std::size_t>(b.member)].id;
      b.member = -1;
      for (std::size_t m = 0; m < members.size(); ++m)
        if (members[m].id == id) { b.member = static_cast<std::int32_t>(m); break; }
    }
    members_ = members;
    rebalance(now, true);
    if (had_uw && !uw_.empty()) unbalanced_since_ = prev_since;
    upkeep(now);
  }
  /// Lookup: the member owning bucket `h mod B` (-1 if empty); marks the bucket used at `now`.
  std::int32_t lookup(std::uint32_t h, Time now) {
    Bucket& b = buckets_[h % buckets_.size()];
    b.used = now;
    return b.member;
  }
  std::int32_t peek(std::uint32_t h) const { return buckets_[h % buckets_.size()].member; }
  /// Periodic upkeep when due.
  void run(Time now) {
    while (next_upkeep_ && *next_upkeep_ <= now) {
      const Time at = *next_upkeep_;
      upkeep(at);
    }
  }

  std::size_t size() const { return buckets_.size(); }
  std::int32_t owner(std::size_t bucket) const { return buckets_[bucket].member; }
  const std::vector<Member>& members() const { return members_; }
  std::uint32_t wants(std::size_t m) const { return wants_[m]; }
  std::uint32_t count(std::size_t m) const { return count_[m]; }
  bool balanced() const { return uw_.empty(); }
  std::optional<Time> next_upkeep() const { return next_upkeep_; }
  Time idle_timer() const { return idle_; }
  Time unbalanced_timer() const { return unbalanced_; }

private:
  struct Bucket {
    std::int32_t member = -1;
    Time used{}, migrated{};
  };

  // nh_res_group_rebalance: wanted shares (round-half-up of B*w/W), underweight list (head insert).
  void rebalance(Time now, bool /*changed*/) {
    const std::size_t n = members_.size();
    wants_.assign(n, 0);
    count_.assign(n, 0);
    for (const auto& b : buckets_)
      if (b.member >= 0) ++count_[static_cast<std::size_t>(b.member)];
    std::uint64_t total = 0;
    for (const auto& m : members_) total += m.weight;
    uw_.clear();
    std::uint64_t w = 0, prev = 0;
    for (std::size_t i = 0; i < n; ++i) {
      w += members_[i].weight;
      const std::uint64_t ub = total ? (buckets_.size() * w + total / 2) / total : 0;
      wants_[i] = static_cast<std::uint32_t>(ub - prev);
      prev = ub;
      if (count_[i] < wants_[i]) {
        if (uw_.empty()) unbalanced_since_ = now;
        uw_.insert(uw_.begin(), static_cast<std::int32_t>(i));
      }
    }
  }

  // nh_res_table_upkeep.
  void upkeep(Time now) {
    Time deadline = now + (unbalanced_.ns ? unbalanced_ : idle_);
    auto earlier = [&](Time t) { if (t < deadline) deadline = t; };
    for (auto& b : buckets_) {
      bool migrate = false;
      if (b.member < 0) {
        migrate = true;
      } else {
        const auto m = static_cast<std::size_t>(b.member);
        if (count_[m] > wants_[m]) {
          const Time idle_point = b.used == b.migrated ? now : b.used + idle_;
          if (now >= idle_point) {
            migrate = true;
          } else {
            if (unbalanced_.ns) {
              const Time unb = unbalanced_since_ + unbalanced_;
              if (now > unb) migrate = true;
              else earlier(unb);
            }
            if (!migrate) earlier(idle_point);
          }
        }
      }
      if (!migrate) continue;
      if (uw_.empty()) continue;  // nothing wants a bucket (the kernel warns once)
      const auto to = static_cast<std::size_t>(uw_.front());
      if (b.member >= 0) --count_[static_cast<std::size_t>(b.member)];
      b.member = static_cast<std::int32_t>(to);
      ++count_[to];
      b.used = b.migrated = now;
      if (count_[to] == wants_[to]) uw_.erase(uw_.begin());
    }
    if (uw_.empty()) {
      next_upkeep_.reset();
    } else {
      const Time min_deadline = now + Time::from_ms(500);
      next_upkeep_ = deadline < min_deadline ? min_deadline : deadline;
    }
  }

  std::vector<Bucket> buckets_;
  std::vector<Member> members_;
  std::vector<std::uint32_t> wants_, count_;
  std::vector<std::int32_t> uw_;  // head = front
  Time idle_{}, unbalanced_{}, unbalanced_since_{};
  std::optional<Time> next_upkeep_;
};

}  // namespace fwd::route
