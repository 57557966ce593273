// fwd/hash/siphash.hpp: the paper's reference vectors; the word form equals the byte form.
#include <gtest/gtest.h>

#include <random>

#include "fwd/hash/siphash.hpp"

TEST(SipHash, ReferenceVectorsOfThePaper) {
  // SipHash paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5; empty -> 726fdb47dd0e0e31.
  fwd::hash::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::uint8_t msg[15];
  for (int i = 0; i < 15; ++i) msg[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(fwd::hash::siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
  EXPECT_EQ(fwd::hash::siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}

TEST(SipHash, WordFormEqualsByteForm) {
  std::mt19937_64 rng(1);
  for (int t = 0; t < 100; ++t) {
    fwd::hash::SipKey key{rng(), rng()};
    std::uint64_t w[6];
    std::uint8_t b[48];
    for (int i = 0; i < 6; ++i) {
      w[i] = rng();
      for (int j = 0; j < 8; ++j) b[8 * i + j] = static_cast<std::uint8_t>(w[i] >> (8 * j));
    }
    EXPECT_EQ(fwd::hash::siphash24_words(key, w), fwd::hash::siphash24(key, b, 48));
  }
}
