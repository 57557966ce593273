#include "fwd/net/bytes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace fwd::net;

TEST(Bytes, NetworkAndHostOrderLoads) {
  const std::uint8_t b[6] = {0x00, 0x50, 0x78, 0xac, 0x12, 0x34};
  EXPECT_EQ(be16(b), 0x0050);
  EXPECT_EQ(le16(b), 0x5000);
  EXPECT_EQ(be24(b + 1), 0x5078acu);
  EXPECT_EQ(be32(b), 0x005078acu);
  EXPECT_EQ(le32(b), 0xac785000u);  // the spec's Linux port word for 80 -> 30892
  EXPECT_EQ(be48(b), 0x005078ac1234ULL);
}

TEST(Bytes, FitsNeverOverflows) {
  EXPECT_TRUE(fits(60, 56, 4));
  EXPECT_FALSE(fits(60, 57, 4));
  EXPECT_FALSE(fits(60, 61, 0));
  EXPECT_TRUE(fits(60, 60, 0));
  constexpr auto huge = std::numeric_limits<std::size_t>::max();
  EXPECT_FALSE(fits(60, huge, 2));
  EXPECT_FALSE(fits(60, 2, huge));
}
