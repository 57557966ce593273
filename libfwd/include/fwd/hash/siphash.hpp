#pragma once
/// \file
/// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012), written from the
/// paper's algorithm: 64-bit state v0..v3 initialised from the 128-bit key (k0, k1) and the
/// constants "somepseudorandomlygeneratedbytes"; each 8-byte little-endian message word m is
/// absorbed as v3 ^= m, 2 SipRounds, v0 ^= m; the last word carries the length (mod 256) in its
/// top byte; finalisation v2 ^= 0xff, 4 SipRounds, result v0^v1^v2^v3.
/// The Linux kernel's `siphash()` (lib/siphash.c) is this function; the ECMP layer
/// (fwd/route) keys it with the multipath seed. Header-only, allocation-free, constexpr-friendly.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fwd::hash {

struct SipKey {
  std::uint64_t k0 = 0, k1 = 0;
};

namespace detail {
struct SipState {
  std::uint64_t v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  constexpr SipState() = default;
  static constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
  constexpr void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  constexpr explicit SipState(SipKey k)
      : v0(0x736f6d6570736575ULL ^ k.k0), v1(0x646f72616e646f6dULL ^ k.k1),
        v2(0x6c7967656e657261ULL ^ k.k0), v3(0x7465646279746573ULL ^ k.k1) {}
  constexpr void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  constexpr std::uint64_t finish() {
    v2 ^= 0xff;
    round(); round(); round(); round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};
}  // namespace detail

/// SipHash-2-4 of `n` bytes at `p` (little-endian words, as the reference and Linux define it).
inline std::uint64_t siphash24(SipKey key, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  detail::SipState s(key);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t m = 0;
    for (int j = 0; j < 8; ++j) m |= std::uint64_t{b[i + j]} << (8 * j);
    s.absorb(m);
  }
  std::uint64_t last = std::uint64_t{n & 0xff} << 56;
  for (std::size_t j = 0; i + j < n; ++j) last |= std::uint64_t{b[i + j]} << (8 * j);
  s.absorb(last);
  return s.finish();
}

/// SipHash-2-4 of `N` already-assembled 64-bit words (message length 8*N): the hot path of the
/// ECMP hash, where the flow keys are built directly as words.
template <std::size_t N>
constexpr std::uint64_t siphash24_words(SipKey key, const std::uint64_t (&w)[N]) {
  detail::SipState s(key);
  for (std::size_t i = 0; i < N; ++i) s.absorb(w[i]);
  s.absorb(std::uint64_t{(8 * N) & 0xff} << 56);
  return s.finish();
}

}  // namespace fwd::hash
