#pragma once
/// \file
/// Mac: a 48-bit Ethernet address as a value type (6 bytes, network order).

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace fwd::net {

/// An Ethernet MAC address. Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` and `aabb.ccdd.eeff`.
struct Mac {
  std::array<std::uint8_t, 6> bytes{};

  constexpr Mac() = default;
  constexpr explicit Mac(const std::array<std::uint8_t, 6>& b) : bytes(b) {}
  /// From the low 48 bits of `v` (most significant byte first on the wire).
  static constexpr Mac from_u64(std::uint64_t v) {
    Mac m;
    for (int i = 5; i >= 0; --i, v >>= 8) m.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return m;
  }
  static constexpr Mac from_bytes(const std::uint8_t* p) {
    Mac m;
    for (std::size_t i = 0; i < 6; ++i) m.bytes[i] = p[i];
    return m;
  }
  /// Parses text; throws fwd::Error naming the text and the accepted forms.
  static Mac parse(std::string_view text);
  static constexpr Mac broadcast() { return from_u64(0xffffffffffffULL); }

  constexpr std::uint64_t to_u64() const {
    std::uint64_t v = 0;
    for (auto b : bytes) v = (v << 8) | b;
    return v;
  }
  constexpr bool is_multicast() const { return (bytes[0] & 1) != 0; }  // group bit, incl. broadcast
  constexpr bool is_broadcast() const { return to_u64() == 0xffffffffffffULL; }
  constexpr bool is_zero() const { return to_u64() == 0; }
  /// `aa:bb:cc:dd:ee:ff`, lower case.
  std::string to_string() const;

  friend constexpr auto operator<=>(const Mac&, const Mac&) = default;
};

}  // namespace fwd::net
