#pragma once
// Byte helpers of fwd::sim::Host's packet code (private to libfwd/src/sim/host*.cpp): big-endian
// stores, MAC copy and the RFC 1071 checksum of the per-packet path.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fwd/net/mac.hpp"

namespace fwd::sim::detail {

inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}
inline void put_mac(std::uint8_t* p, net::Mac m) { std::memcpy(p, m.bytes.data(), 6); }

// RFC 1071 over a short even-length span (IP header, ICMP echo): the per-packet path.
inline std::uint16_t csum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t s = 0;
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) s += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (i < n) s += static_cast<std::uint32_t>(p[i]) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}
inline void ip_checksum(std::uint8_t* ip) {
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  ip[10] = ip[11] = 0;
  put16(ip + 10, csum(ip, ihl));
}

}  // namespace fwd::sim::detail
