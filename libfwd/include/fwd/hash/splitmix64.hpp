#pragma once
/// \file
/// SplitMix64: the one small, seedable generator behind every deterministic "random" draw in
/// libfwd (FreeBSD's per-lagg key, Linux/OVS random choices, link jitter and loss, CARP/VRRP
/// skews). Where the real system draws a random number, libfwd draws from an explicit seed so
/// runs repeat exactly.

#include <cstdint>

namespace fwd::hash {

/// Advances `state` and returns the next 64-bit output (Steele, Lea, Flood 2014).
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The generator as a value.
struct SplitMix64 {
  std::uint64_t state = 0;
  constexpr std::uint64_t next() { return splitmix64(state); }
  /// Uniform in [0, 1).
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

}  // namespace fwd::hash
