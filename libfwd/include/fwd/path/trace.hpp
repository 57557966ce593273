#pragma once
/// \file
/// The path engine: every flow's path through a Fabric, hop by hop, in batch.
///
/// A flow is one frame (Ethernet, as it enters) and the place it enters: a node and the physical
/// port it arrives on, or a node with no port (originated there: no forwarding check, no TTL
/// decrement). Each hop records the node, the device it transmits on (the route's device, a lagg or
/// a switch port), the physical port the frame leaves on (the lagg/LAG member) and, for routed hops,
/// the global next-hop id (Fabric::nexthops(): gives [router, gateway, device]). A path ends on a
/// node and the port the frame arrived on, or in a drop with a reason; a drop after a hop (a router
/// transmitting on a link without carrier) keeps that hop, as a tap on the router would see it.
///
/// Receive hash: a router hashes a packet that carries an L4 receive hash (`skb->hash` with
/// `l4_hash`, spec linux-ecmp §4.2/§10) differently; the caller passes the value each node saw per
/// flow (0 = none) and it is recorded per hop. Whether it counts as an L4 hash follows the kernel's
/// `flow_keys_have_l4`: the packet has transport ports, or is IPv6 with a non-zero flow label.
///
/// Two engines give the same paths: forwarded IPv4 flows on fabrics without LAGs, switches or
/// resilient groups (and without receive hashes) take an IPv4 lane that makes the multipath choices
/// a tier at a time (detail/trace_fast.hpp); every other flow takes the general walker.
///
/// Allocation-free per flow: all output goes to caller-owned arrays; one scratch frame buffer per
/// batch holds the rewritten Ethernet header for L2 hashes after a router.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/hash/policy.hpp"
#include "fwd/path/fabric.hpp"

namespace fwd::path {

/// Why a path ended without reaching an end node. `delivered` = it did.
enum class Drop : std::uint8_t {
  delivered = 0,
  no_route,         ///< no route matches the destination
  not_forwarding,   ///< a host/router with forwarding off received a packet not addressed to it
  ttl_exceeded,     ///< TTL / hop limit would reach 0
  link_down,        ///< the chosen device or link has no carrier (tx dropped)
  no_live_nexthop,  ///< every next hop of the route is dead
  no_neighbour,     ///< the gateway's MAC is unknown (no neighbour entry, no owner on the link)
  unknown_mac,      ///< a switch has no port for the destination MAC
  not_for_us,       ///< a router received a frame for another MAC
  loop,             ///< the flow came back to a router it already crossed (routing loop)
  too_many_hops,    ///< more hops than the output has room for
  not_ip,           ///< a router or host cannot route a non-IP frame
  no_member,        ///< a LAG has no member that can carry the frame
  unconnected,      ///< the egress port has no link
};
inline constexpr int drop_reason_count = 14;
std::string_view name(Drop d);
std::string_view describe(Drop d);

/// Where flows enter: one port for all, or one per flow (`ports`, length n). A port of `none`
/// with `node` set means "originated at node".
struct Ingress {
  NodeId node = none;
  PortId port = none;
  const std::int32_t* ports = nullptr;  ///< optional per-flow ingress port
};

/// Caller-owned output arrays for n flows and `max_hops` hops per flow (row-major n x max_hops).
/// Unused hop slots are set to -1 (0 for rx_hash). Optional arrays may be null.
struct PathOut {
  std::size_t max_hops = 8;
  std::int32_t* hop_node = nullptr;     ///< required
  std::int32_t* hop_dev = nullptr;      ///< logical device transmitted on (route dev, lagg, switch port)
  std::int32_t* hop_port = nullptr;     ///< required: physical port the frame leaves on
  std::int32_t* hop_nexthop = nullptr;  ///< global next-hop id of a routed hop (Fabric::nexthops()), -1 for switch hops
  std::uint32_t* hop_rx_hash = nullptr; ///< receive hash the hop's node saw (0 = none)
  std::uint8_t* n_hops = nullptr;       ///< required
  std::int32_t* end_node = nullptr;     ///< required: -1 when dropped
  std::int32_t* end_port = nullptr;     ///< port it arrived on at the end node
  std::uint8_t* drop = nullptr;         ///< required: Drop
  std::int32_t* drop_node = nullptr;    ///< where it was dropped (-1 when delivered)
};

/// Owning output for C++ users.
struct Paths {
  std::size_t count = 0, max_hops = 0;
  std::vector<std::int32_t> hop_node, hop_dev, hop_port, hop_nexthop;
  std::vector<std::uint32_t> hop_rx_hash;
  std::vector<std::uint8_t> n_hops, drop;
  std::vector<std::int32_t> end_node, end_port, drop_node;

  Paths() = default;
  Paths(std::size_t n, std::size_t hops);
  PathOut out();
  std::int32_t node_at(std::size_t flow, std::size_t hop) const { return hop_node[flow * max_hops + hop]; }
  std::int32_t port_at(std::size_t flow, std::size_t hop) const { return hop_port[flow * max_hops + hop]; }
  /// One line: "t1 10.1.2.2 t1-b -> t2b 10.2.23.2 t2b-3 -> s:s-b3" or "... -> dropped: reason".
  std::string describe(const Fabric& f, std::size_t flow) const;
};

struct TraceOptions {
  /// Per-flow, per-node receive hash (n x nodes, row-major; 0 = none), or null.
  const std::uint32_t* rx_hash = nullptr;
  std::size_t rx_hash_stride = 0;  ///< = number of nodes when rx_hash is set
};

/// Traces n flows (frames in `frames`) through `fabric`. Compiles the fabric if needed; throws
/// fwd::Error only for bad arguments (ingress, array sizes), never for a flow.
void trace(const Fabric& fabric, const hash::Policy::Batch& frames, const Ingress& ingress, const PathOut& out,
           const TraceOptions& options = {});
Paths trace(const Fabric& fabric, const hash::Policy::Batch& frames, const Ingress& ingress,
            std::size_t max_hops = 8, const TraceOptions& options = {});

}  // namespace fwd::path
