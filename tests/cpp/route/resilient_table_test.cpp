// fwd/route/resilient_table.hpp through Ecmp: creation order, minimal migration, idle timer.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

#include "fwd/error.hpp"
#include "fwd/route/ecmp.hpp"
#include "fwd/route/linux_hash.hpp"
#include "route/route_test_util.hpp"

using namespace fwd::route;
using route_test::paths;
using route_test::random_flows;

TEST(Resilient, CreationFillsTheUnderweightListHeadFirst) {
  PathSet ps = paths(3, Family::ipv4, GroupKind::resilient);
  ps.num_buckets = 8;
  ps.idle_timer = {};
  Ecmp e = Ecmp::from_spec("linux-6.18", ps);
  // Spec §7: 1/2/3 with 8 buckets wants 3, 2, 3: buckets 0-2 -> 3, 3-4 -> 2, 5-7 -> 1.
  EXPECT_EQ(e.bucket_ids(), (std::vector<std::uint32_t>{3, 3, 3, 2, 2, 1, 1, 1}));
}

TEST(Resilient, AddingAMemberMovesOnlyWhatItNeeds) {
  PathSet ps = paths(4, Family::ipv4, GroupKind::resilient);
  ps.num_buckets = 64;
  ps.idle_timer = {};
  Ecmp e = Ecmp::from_spec("linux-6.18", ps);
  const auto before = e.bucket_ids();
  auto nhs = e.paths().nexthops;
  nhs.push_back({.gateway = "10.5.0.2", .device = "eth5", .id = 5});
  e.replace(nhs);
  const auto after = e.bucket_ids();
  int moved = 0, to_new = 0;
  for (std::size_t i = 0; i < after.size(); ++i) moved += before[i] != after[i], to_new += after[i] == 5;
  EXPECT_EQ(to_new, 13);  // round(64*5/5) - round(64*4/5) = 64 - 51
  EXPECT_EQ(moved, to_new);
}

TEST(Resilient, BusyBucketsWaitForTheIdleTimer) {
  PathSet ps = paths(2, Family::ipv4, GroupKind::resilient);
  ps.num_buckets = 8;
  ps.idle_timer = fwd::Time::from_s(10);
  Ecmp e = Ecmp::from_spec("linux-6.18", ps);
  // Use every bucket at t = 1 s, then add a member at t = 2 s: nothing is idle, nothing moves.
  for (std::uint32_t h = 0; h < 8; ++h) e.select_hash(h, {.now = fwd::Time::from_s(1)});
  auto nhs = e.paths().nexthops;
  nhs.push_back({.gateway = "10.3.0.2", .device = "eth3", .id = 3});
  const auto before = e.bucket_ids();
  e.replace(nhs, fwd::Time::from_s(2));
  EXPECT_EQ(e.bucket_ids(), before);
  e.run(fwd::Time::from_s(5));
  EXPECT_EQ(e.bucket_ids(), before);  // still busy (used 4 s ago, idle timer 10 s)
  e.run(fwd::Time::from_s(12));       // idle now: the new member gets its share
  const auto after = e.bucket_ids();
  EXPECT_EQ(std::count(after.begin(), after.end(), 3u), 3);  // round(8*3/3) - round(8*2/3) = 8 - 5
}
