#pragma once
/// \file
/// Byte loads used by every header walk. `be*` read network order; `le*` read the bytes the way a
/// little-endian x86-64 host loads them into a native integer ("host order"), which is what the
/// original code of most emulated systems does. These take a raw pointer: callers check bounds
/// first (every header walk in libfwd tests `n >= off + width` before loading).

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

namespace fwd::net {

using Bytes = std::span<const std::uint8_t>;

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t be24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
inline std::uint32_t be32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t le32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}
inline std::uint64_t be48(const std::uint8_t* p) {
  return (std::uint64_t{be16(p)} << 32) | be32(p + 2);
}

/// True when `count` bytes starting at `offset` lie inside a frame of `size` bytes (no overflow).
constexpr bool fits(std::size_t size, std::size_t offset, std::size_t count) {
  return offset <= size && count <= size - offset;
}

/// Walks up to `max_tags` in-band 802.1Q (0x8100) / 802.1ad (0x88a8) tags of a frame of `n` >= 14
/// bytes. On return `type` is the ethertype after the tags and `offset` the byte after it. Returns
/// false (leaving both at the last complete tag) when a tag is cut short. Systems that treat tags
/// differently (FreeBSD lagg, DPDK, Linux bonding) walk them their own way.
inline bool skip_vlan_tags(const std::uint8_t* p, std::size_t n, std::uint16_t& type, std::size_t& offset,
                           unsigned max_tags = 4) {
  type = be16(p + 12);
  offset = 14;
  for (unsigned tags = 0; (type == 0x8100 || type == 0x88a8) && tags < max_tags; ++tags) {
    if (!fits(n, offset, 4)) return false;
    type = be16(p + offset + 2);
    offset += 4;
  }
  return true;
}

}  // namespace fwd::net
