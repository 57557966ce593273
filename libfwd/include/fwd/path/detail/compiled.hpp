#pragma once
/// \file
/// The tables a Fabric compiles for the tracer: carrier per port, switch FDBs, owned addresses,
/// gateway MACs, longest-prefix route lists and the route layer's ECMP groups. Internal to path.

#include <cstdint>
#include <utility>
#include <vector>

#include "fwd/path/detail/ecmp.hpp"
#include "fwd/path/fabric.hpp"

namespace fwd::path {

struct Fabric::Compiled {
  struct RouteRef {
    Prefix dst;
    std::int32_t first_nh = 0;
    std::uint16_t count = 0;
    std::int32_t group = -1;  ///< index into groups when count > 1
    std::uint32_t net4 = 0, mask4 = 0;  ///< IPv4 routes: the prefix as numbers (one compare per route)
  };
  /// What a node owns, per family: its addresses and `local` prefixes (IPv4 as net/mask numbers).
  struct Owned {
    std::vector<std::uint32_t> net4, mask4;
    std::vector<Prefix> v6;
  };
  struct L2Peer {
    PortId port;   ///< the non-switch port reachable on the segment
    net::Mac mac;  ///< the MAC it answers with (its LAG's MAC for a lagg member)
  };
  mutable std::vector<lag::Lag> lags;           ///< member link state synced to carrier (select may mutate)
  std::vector<std::uint8_t> carrier;            ///< per port
  std::vector<std::vector<std::pair<std::uint64_t, PortId>>> fdb;  ///< per node, sorted by MAC
  std::vector<std::vector<PortId>> segment;     ///< per port: non-switch ports reachable at L2
  std::vector<std::uint64_t> port_mac;          ///< per port, as u64 (a lag member answers with its lag's MAC)
  std::vector<std::int64_t> nh_mac;             ///< per global next hop: gateway MAC, -1 unknown / on-link
  std::vector<std::vector<RouteRef>> routes[2]; ///< per node, longest prefix first
  std::vector<std::int32_t> ecmp_config[2];     ///< per node: index into configs
  std::vector<detail::EcmpConfig> configs;
  std::vector<detail::EcmpGroup> groups;
  std::vector<Owned> owned;                     ///< per node
  /// Per global next hop, the common case resolved once: a physical device, up, with carrier and
  /// a peer, gateway MAC known. `fast` = all of that holds, so the walk takes it in one step.
  struct NhFast {
    PortId dev = none, peer = none;
    NodeId peer_node = none;
    std::uint64_t gw_mac = 0;
    bool fast = false;
  };
  std::vector<NhFast> nh_fast;
  std::vector<NodeKind> kind;                   ///< per node
  std::vector<std::uint8_t> forwarding;         ///< per node
  bool hashes_l2 = false;  ///< a LAG or switch may read the Ethernet header after a router

  /// The IPv4 lane of the tracer (trace_fast.cpp) reads these flat copies of `kind`, `forwarding`,
  /// `owned` and `routes[0]`: per node one contiguous run of prefixes, owned ones first, so a hop
  /// costs a few loads instead of chasing nested vectors. Same order as the nested tables (the
  /// first matching route is the longest prefix).
  struct FastRoute {
    std::int32_t first_nh;
    std::int32_t group;   ///< -1: single next hop
    std::uint32_t count;
    /// No earlier prefix of the node overlaps this one, so a destination it contains has its
    /// first match here (the lane may test it alone; padding entries: false).
    bool first_if_match;
  };
  struct FastNode {
    std::uint32_t owned_begin, routes_begin, routes_end;  ///< into fast_net / fast_mask, multiples of 4
    NodeKind kind;
    bool forwarding;
  };
  std::vector<FastNode> fast_nodes;
  std::vector<std::uint32_t> fast_net, fast_mask;  ///< owned prefixes then routes, per node, padded
  std::vector<FastRoute> fast_routes;              ///< parallel to fast_net; routes only
  /// Per ECMP group: its configuration, that configuration's selector in plain_hash (-1: it does
  /// not hash plain keys) and, when the route layer's choice is a threshold table
  /// (EcmpGroup::table), that table flat: upper bounds [upper_begin, +count) (then 0xffffffff up
  /// to at least four), indices [index_begin, +count+1).
  struct FastGroup {
    std::int32_t config, plain_slot;
    std::uint32_t upper_begin, index_begin, count;
    bool table;
  };
  std::vector<FastGroup> fast_groups;
  route::PlainV4Hasher plain_hash;  ///< the configurations with plain_v4 (detail::plain_hasher)
  std::vector<std::uint32_t> fast_upper;
  std::vector<std::int32_t> fast_index;
  /// The lane may take every flow: no LAG, no switch, every ECMP group stateless (picks do not
  /// depend on the order flows are traced in), so a flow it hands back can be retraced alone.
  bool fast_ok = false;
};

}  // namespace fwd::path
