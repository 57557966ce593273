#pragma once
/// \file
/// Value types for network-layer identifiers: Ipv4, Ipv6 and Vlan (an 802.1Q tag control word).

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace fwd::net {

/// An IPv4 address; `value` is the address as a number (10.0.0.1 == 0x0a000001).
struct Ipv4 {
  std::uint32_t value = 0;

  static Ipv4 parse(std::string_view text);  ///< dotted quad; throws fwd::Error
  std::string to_string() const;
  constexpr std::array<std::uint8_t, 4> to_bytes() const {
    return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
            static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
  }
  friend constexpr auto operator<=>(const Ipv4&, const Ipv4&) = default;
};

/// An IPv6 address, 16 bytes in network order.
struct Ipv6 {
  std::array<std::uint8_t, 16> bytes{};

  static Ipv6 parse(std::string_view text);  ///< RFC 4291 text form; throws fwd::Error
  std::string to_string() const;              ///< RFC 5952 canonical form
  friend constexpr auto operator<=>(const Ipv6&, const Ipv6&) = default;
};

/// An 802.1Q tag control information word: PCP (3 bits), DEI (1 bit), VID (12 bits).
struct Vlan {
  std::uint16_t tci = 0;

  /// Builds a TCI; throws fwd::Error if vid > 4095 or pcp > 7.
  static Vlan make(unsigned vid, unsigned pcp = 0, bool dei = false);
  /// Parses a VID ("100") or "vid/pcp" ("100/5"); throws fwd::Error.
  static Vlan parse(std::string_view text);
  constexpr std::uint16_t vid() const { return tci & 0x0fff; }
  constexpr unsigned pcp() const { return tci >> 13; }
  constexpr bool dei() const { return (tci & 0x1000) != 0; }
  std::string to_string() const;
  friend constexpr auto operator<=>(const Vlan&, const Vlan&) = default;
};

}  // namespace fwd::net
