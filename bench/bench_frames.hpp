#pragma once
// The frame corpus the hash and LAG benchmarks share: `count` 64-byte IPv4/TCP frames with random
// source MACs, addresses and ports (fixed seed), one frame per 64-byte row.
#include <cstdint>
#include <random>
#include <vector>

#include "fwd/net/build.hpp"

inline constexpr std::size_t bench_frame_size = 64;

inline std::vector<std::uint8_t> random_tcp_frames(std::size_t count, std::uint64_t seed) {
  const auto base = fwd::net::FrameBuilder()
                        .eth(fwd::net::Mac::parse("00:00:5e:00:01:01"), fwd::net::Mac::parse("00:25:90:11:22:33"))
                        .ipv4(fwd::net::Ipv4::parse("10.0.0.1"), fwd::net::Ipv4::parse("10.0.0.2"))
                        .tcp(1, 2)
                        .min_size(bench_frame_size)
                        .build();
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> v(count * bench_frame_size);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t* f = v.data() + i * bench_frame_size;
    std::copy(base.begin(), base.end(), f);
    const std::uint64_t r = rng(), s = rng();
    for (int b = 0; b < 6; ++b) f[6 + b] = static_cast<std::uint8_t>(s >> (8 * b));    // src MAC (OVS SLB)
    for (int b = 0; b < 12; ++b) f[26 + b] = static_cast<std::uint8_t>(r >> (5 * b));  // IPs, ports
  }
  return v;
}
