// ResilientTable (fwd/lag/resilient.hpp).
#include "fwd/lag/resilient.hpp"

#include <gtest/gtest.h>

#include <map>

using fwd::lag::MemberArray;
using fwd::lag::MemberIndex;
using fwd::lag::ResilientTable;

namespace {
std::map<MemberIndex, unsigned> counts(const ResilientTable& t) {
  std::map<MemberIndex, unsigned> c;
  for (MemberIndex m : t.buckets()) ++c[m];
  return c;
}
}  // namespace

TEST(ResilientTable, FillIsRoundRobin) {
  ResilientTable t(8);
  t.fill(MemberArray{0, 1, 2});
  EXPECT_EQ(counts(t), (std::map<MemberIndex, unsigned>{{0, 3}, {1, 3}, {2, 2}}));
  EXPECT_EQ(t[0], 0);
  EXPECT_EQ(t[4], 1);
}

TEST(ResilientTable, FailureMovesOnlyTheFailedMembersBuckets) {
  ResilientTable t(64);
  t.fill(MemberArray{0, 1, 2, 3});
  const auto before = t.buckets();
  t.update(MemberArray{0, 2, 3}, 4);
  unsigned moved = 0;
  for (std::size_t i = 0; i < 64; ++i) {
    if (before[i] != 1) {
      EXPECT_EQ(t[static_cast<std::uint32_t>(i)], before[i]);
    } else {
      EXPECT_NE(t[static_cast<std::uint32_t>(i)], 1);
    }
    moved += before[i] != t[static_cast<std::uint32_t>(i)];
  }
  EXPECT_EQ(moved, 16u);
  const auto c = counts(t);  // 16 buckets spread over 3: 22, 21, 21
  EXPECT_EQ(c.at(0) + c.at(2) + c.at(3), 64u);
  EXPECT_LE(std::max({c.at(0), c.at(2), c.at(3)}) - std::min({c.at(0), c.at(2), c.at(3)}), 1u);
  // Recovery: member 1 takes back its fair share (16) from the fullest members, nothing else moves.
  const auto degraded = t.buckets();
  t.update(MemberArray{0, 1, 2, 3}, 4);
  EXPECT_EQ(counts(t).at(1), 16u);
  unsigned moved_back = 0;
  for (std::size_t i = 0; i < 64; ++i) moved_back += degraded[i] != t[static_cast<std::uint32_t>(i)];
  EXPECT_EQ(moved_back, 16u);
}

TEST(ResilientTable, AllDownEmptiesTheTable) {
  ResilientTable t(4);
  t.fill(MemberArray{0, 1});
  t.update(MemberArray{}, 2);
  for (MemberIndex m : t.buckets()) EXPECT_EQ(m, fwd::lag::no_member);
  t.update(MemberArray{1}, 2);
  for (MemberIndex m : t.buckets()) EXPECT_EQ(m, 1);
}
