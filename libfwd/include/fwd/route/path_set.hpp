#pragma once
/// \file
/// The value types of a multipath route: an IP address of either family, a next hop (gateway,
/// device, weight, flags, nexthop-object id) and a PathSet (a legacy multipath route, a
/// hash-threshold nexthop group or a resilient nexthop group, with its members in kernel order).
/// Plain values: copy them freely; an Ecmp (ecmp.hpp) owns one PathSet and keeps its derived
/// state (upper bounds, bucket table) in step with it.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/time.hpp"

namespace fwd::route {

/// Address family of a route, a flow or a next hop.
enum class Family : std::uint8_t { ipv4 = 4, ipv6 = 6 };

/// An IPv4 or IPv6 address, network-order bytes (IPv4 in bytes[0..3], the rest zero).
struct Address {
  Family family = Family::ipv4;
  std::array<std::uint8_t, 16> bytes{};

  /// Dotted quad or RFC 4291 text; throws fwd::Error naming the text otherwise.
  static Address parse(std::string_view text);
  static Address v4(std::uint32_t value);  ///< 10.0.0.1 == 0x0a000001
  std::string to_string() const;
  std::uint32_t v4_value() const {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
  }
  friend bool operator==(const Address&, const Address&) = default;
};

/// One path of a multipath route / one member of a nexthop group.
struct NextHop {
  std::string gateway;            ///< `via` address as text ("" = directly connected); reported, not hashed
  std::string device;             ///< egress device (`dev`)
  std::uint32_t weight = 1;       ///< 1..256 (`weight` of a route path, `id,weight` in a group)
  std::optional<Address> prefsrc; ///< preferred source of the path (IPv4 source-address preference, spec §5.1)
  std::uint32_t id = 0;           ///< nexthop object id (groups; 0 for legacy route paths)
  bool dead = false;              ///< RTNH_F_DEAD (device down): out of the hash
  bool linkdown = false;          ///< RTNH_F_LINKDOWN (no carrier): out only with ignore_routes_with_linkdown=1
  bool neigh_valid = true;        ///< neighbour entry usable (hash-threshold groups skip invalid ones, spec §6)

  std::string to_string() const;  ///< "via GW dev DEV weight W [dead] [linkdown]"
  friend bool operator==(const NextHop&, const NextHop&) = default;
};

/// What kind of multipath object the paths form.
enum class GroupKind : std::uint8_t {
  multipath,       ///< legacy route `nexthop via .. nexthop via ..` (hash-threshold, §5)
  hash_threshold,  ///< `ip nexthop add id G group a/b/..` (type mpath, §6)
  resilient,       ///< `type resilient buckets B idle_timer T unbalanced_timer U` (§7)
};
std::string_view name(GroupKind k);  ///< "multipath", "hash-threshold", "resilient"
/// Parses "multipath" / "hash-threshold" / "resilient"; throws fwd::Error listing them.
GroupKind group_kind_from_name(std::string_view s);

/// A multipath route or nexthop group: its next hops in kernel order (route order for IPv4, the
/// order `ip -6 route show` lists siblings for IPv6, group order for groups).
struct PathSet {
  GroupKind kind = GroupKind::multipath;
  Family family = Family::ipv4;
  std::vector<NextHop> nexthops;
  // Resilient groups only.
  std::uint32_t num_buckets = 128;  ///< B (kernel default 128), 1..65535
  Time idle_timer = Time::from_s(120);  ///< T (kernel default 120 s); 0 = every bucket always idle
  Time unbalanced_timer{};              ///< U (default 0 = never force)
  /// Optional starting bucket table (member id per bucket, as `ip nexthop bucket show` prints it);
  /// empty = the table the kernel builds at creation.
  std::vector<std::uint32_t> buckets;
};

}  // namespace fwd::route
