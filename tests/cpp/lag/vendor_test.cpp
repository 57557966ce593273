// Vendor-style modulo / table / resilient mapping (fwd/lag/vendor.hpp), through fwd::lag::Lag.
#include "fwd/lag/vendor.hpp"

#include <gtest/gtest.h>

#include <map>

#include "fwd/lag/lag.hpp"

using fwd::lag::Lag;
using fwd::lag::MemberIndex;
using fwd::lag::Outcome;

TEST(VendorLag, EightBucketTableOverThreeIsThreeThreeTwo) {
  auto lag = Lag::from_spec("vendor:table;size=8", {"a", "b", "c"});
  std::map<MemberIndex, unsigned> c;
  for (std::uint32_t h = 0; h < 8; ++h) ++c[lag.select_hash(h).member];
  EXPECT_EQ(c, (std::map<MemberIndex, unsigned>{{0, 3}, {1, 3}, {2, 2}}));
  // The table is rebuilt over the up members on a failure: 8 over 2 -> 4:4.
  lag.set_link(2, false);
  c.clear();
  for (std::uint32_t h = 0; h < 8; ++h) ++c[lag.select_hash(h).member];
  EXPECT_EQ(c, (std::map<MemberIndex, unsigned>{{0, 4}, {1, 4}}));
}

TEST(VendorLag, ModuloRespreadsResilientDoesNot) {
  auto mod = Lag::from_spec("vendor:modulo", {"a", "b", "c", "d"});
  auto res = Lag::from_spec("vendor:resilient;size=64", {"a", "b", "c", "d"});
  std::vector<MemberIndex> m0, r0;
  for (std::uint32_t h = 0; h < 1000; ++h) {
    m0.push_back(mod.select_hash(h).member);
    r0.push_back(res.select_hash(h).member);
  }
  mod.set_link(1, false);
  res.set_link(1, false);
  unsigned mod_moved = 0, res_moved = 0, on_b = 0;
  for (std::uint32_t h = 0; h < 1000; ++h) {
    mod_moved += mod.select_hash(h).member != m0[h];
    const MemberIndex r = res.select_hash(h).member;
    res_moved += r != r0[h];
    on_b += r0[h] == 1;
    if (r0[h] != 1) {
      EXPECT_EQ(r, r0[h]);
    }
  }
  EXPECT_EQ(res_moved, on_b);  // only b's flows moved
  EXPECT_GT(mod_moved, 2 * res_moved);
}

TEST(VendorLag, VendorHashRotateAppliesBeforeTheMapping) {
  auto plain = Lag::from_spec("vendor:modulo;fields=src_ip,dst_ip", {"a", "b"});
  auto rot = Lag::from_spec("vendor:modulo;fields=src_ip,dst_ip;rotate=1", {"a", "b"});
  EXPECT_EQ(plain.select_hash(2).member, 0);
  EXPECT_EQ(rot.select_hash(2).member, 1);  // 2 >> 1 = 1
  EXPECT_EQ(rot.select_hash(1).member, 0);  // bit 0 rotates to bit 15: even
}

TEST(VendorLag, AllDownDrops) {
  auto lag = Lag::from_spec("vendor:resilient", {"a"});
  lag.set_link(0, false);
  EXPECT_EQ(lag.select_hash(3).outcome, Outcome::no_member);
  lag.set_link(0, true);
  EXPECT_EQ(lag.select_hash(3).member, 0);
}
