#pragma once
// Shared fixtures of the route tests: a path set of n next hops and random IPv4 flows.
#include <random>
#include <string>
#include <vector>

#include "fwd/route/ecmp.hpp"

namespace route_test {

using namespace fwd::route;

inline PathSet paths(int n, Family fam = Family::ipv4, GroupKind kind = GroupKind::multipath) {
  PathSet ps;
  ps.kind = kind;
  ps.family = fam;
  for (int i = 1; i <= n; ++i) {
    NextHop nh{.gateway = "10." + std::to_string(i) + ".0.2", .device = "eth" + std::to_string(i)};
    nh.prefsrc = Address::v4(0x0a000001u | (static_cast<std::uint32_t>(i) << 16));
    if (fam == Family::ipv6) nh.prefsrc.reset();
    if (kind != GroupKind::multipath) nh.id = static_cast<std::uint32_t>(i);
    ps.nexthops.push_back(nh);
  }
  return ps;
}

inline std::vector<Flow> random_flows(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Flow> v(n);
  const std::uint8_t protos[] = {6, 17, 1, 132, 47};
  for (auto& f : v) {
    const auto r = rng();
    f = Flow::v4(static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(r >> 32), protos[rng() % 5],
                 static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
    if (rng() % 7 == 0) f.flags &= static_cast<std::uint8_t>(~flow_has_proto);
  }
  return v;
}

}  // namespace route_test
