#pragma once
/// \file
/// Fabric: the nodes of a network and the links between them, as the path engine (trace.hpp) walks
/// them. A value type built through checked calls (every bad name, address or spec throws
/// fwd::Error saying what is accepted); the walk itself only reads compiled tables.
///
/// Nodes and what they do with a frame that arrives on one of their ports:
///   * host    originates flows; may own laggs (lag::Lag over its physical ports) and static routes
///             like a router (a host with forwarding off ends every frame addressed to it);
///   * switch  forwards by destination MAC to the port behind which that MAC lives (the FDB a
///             learning switch converges to, computed from the wiring); a port may be a LAG whose
///             member is chosen by the LAG's own hash (lag::Lag spec);
///   * router  longest-prefix match over its routes; a route has one next hop or several
///             (multipath); several are chosen between by the route layer with the router's ECMP
///             settings (fwd::route spec string, per address family);
///   * sink    an end node: every frame that reaches it ends there (on the port it arrived on).
/// A router or host also ends a frame whose destination is one of its own addresses or `local`
/// prefixes.
///
/// Ports are physical interfaces (a link attaches to them) or logical devices: a lagg/LAG over
/// physical members. A port has an administrative state (`ip link set X down`); its carrier is up
/// when it and its peer are administratively up and the link is up. Multipath next hops whose
/// device is administratively down are `dead`; whose carrier is lost are `linkdown` (chosen
/// anyway unless the router's ECMP spec sets `ignore_routes_with_linkdown=1`; a frame sent on a
/// device without carrier is dropped on transmit), as Linux does.
///
/// Not modelled (stated, not guessed): VLANs (every switch port is in one broadcast domain),
/// spanning tree (a MAC reachable through two ports of a switch is refused at compile), flooding
/// to unknown MACs (the converged FDB is complete, so a miss is a drop `unknown_mac`), reject /
/// blackhole routes, policy routing, separate IPv4/IPv6 forwarding switches, neighbour state
/// other than "known MAC" (`fib_multipath_use_neigh`). LAG and resilient-group state advances as
/// flows are traced, as on live devices: one trace at a time per Fabric.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"

namespace fwd::path {

using NodeId = std::int32_t;
using PortId = std::int32_t;
using LinkId = std::int32_t;
inline constexpr std::int32_t none = -1;

enum class NodeKind : std::uint8_t { host, switch_, router, sink };
std::string_view name(NodeKind k);
NodeKind node_kind_from_name(std::string_view text);

/// An IPv4 or IPv6 prefix; IPv4 is stored in the first 4 bytes (network order).
struct Prefix {
  std::uint8_t family = 4;  ///< 4 or 6
  std::uint8_t length = 0;
  std::array<std::uint8_t, 16> addr{};

  /// "10.0.0.0/8", "2001:db8::/32", "default" (needs `family`), a bare address = host prefix.
  static Prefix parse(std::string_view text, std::uint8_t default_family = 4);
  bool contains(const std::uint8_t* a) const;
  std::string to_string() const;
};

/// An IPv4 or IPv6 address (the family tells which part of `addr` is used).
struct Address {
  std::uint8_t family = 4;
  std::array<std::uint8_t, 16> addr{};
  static Address parse(std::string_view text);
  std::string to_string() const;
  friend bool operator==(const Address&, const Address&) = default;
};

/// One next hop of a route: gateway (may be unset for on-link routes), device, weight.
struct NextHop {
  std::optional<Address> gateway;
  PortId dev = none;
  std::uint16_t weight = 1;
};

struct Route {
  Prefix dst;
  std::vector<NextHop> nexthops;  ///< in kernel order
  std::int32_t first_nh = 0;      ///< index of nexthops[0] in Fabric::nexthops() (global id)
};

struct Neighbour {
  PortId dev = none;
  Address ip;
  net::Mac mac;
};

struct Port {
  std::string name;
  NodeId node = none;
  net::Mac mac;
  bool admin_up = true;
  PortId peer = none;                ///< physical ports: the port at the other end of the link
  LinkId link = none;
  PortId lag = none;                 ///< physical member of this logical port
  std::vector<PortId> members;       ///< logical (lag) ports: the physical members, in lag order
  std::int32_t lag_index = none;     ///< logical ports: index into Fabric::lags()
  std::vector<Address> addresses;
};

struct Node {
  std::string name;
  NodeKind kind = NodeKind::host;
  std::vector<PortId> ports;
  bool forwarding = false;           ///< routers: true
  /// Route-layer ECMP spec per family ([0] IPv4, [1] IPv6; "" = linux-6.18 defaults): system,
  /// policy, fields, seed, boot_seed, ignore_routes_with_linkdown (fwd/route/ecmp.hpp).
  std::string ecmp_spec[2];
  std::vector<Route> routes[2];      ///< per family, any order (lookup is longest prefix)
  std::vector<Prefix> local[2];      ///< prefixes the node owns (addresses are added implicitly)
  std::vector<Neighbour> neighbours;
};

struct Link {
  PortId a = none, b = none;
  bool up = true;
};

class Fabric {
public:
  // ---- building (checked; throws fwd::Error) --------------------------------------------------
  NodeId add_node(std::string name, NodeKind kind);
  PortId add_port(NodeId node, std::string name, std::optional<net::Mac> mac = {});
  /// A logical LAG port (host lagg or switch LAG port) over existing physical ports of the node.
  PortId add_lag(NodeId node, std::string name, std::string_view lag_spec, std::span<const PortId> members,
                 std::optional<net::Mac> mac = {});
  LinkId connect(PortId a, PortId b);
  /// An address with its prefix length; also adds the connected route unless `connected_route`
  /// is false (a recorded state lists its kernel routes itself).
  void add_address(PortId port, std::string_view cidr, bool connected_route = true);
  void add_local(NodeId node, std::string_view prefix);
  /// A route: one next hop, or several (multipath). `family` is taken from the prefix.
  void add_route(NodeId node, std::string_view prefix, std::vector<NextHop> nexthops);
  void add_neighbour(PortId dev, std::string_view ip, net::Mac mac);
  void set_forwarding(NodeId node, bool on);
  /// Route-layer ECMP settings for IPv4 (family 4) or IPv6 (6); validated by the route layer.
  void set_ecmp(NodeId node, int family, std::string spec);

  // ---- state changes (what-if) ----------------------------------------------------------------
  void set_admin(PortId port, bool up);
  void set_link_up(LinkId link, bool up);
  /// Removes a node from service: every port administratively down.
  void set_node_up(NodeId node, bool up);
  lag::Lag& lag(PortId logical_port);

  // ---- lookups --------------------------------------------------------------------------------
  NodeId node_id(std::string_view name) const;              ///< throws, listing the nodes
  PortId port_id(NodeId node, std::string_view name) const; ///< throws, listing the node's ports
  PortId port_id(std::string_view node_colon_port) const;   ///< "t1:t1-a"
  std::optional<NodeId> find_node(std::string_view name) const;
  std::optional<PortId> find_port(NodeId node, std::string_view name) const;
  LinkId link_of(PortId physical) const;
  std::string port_label(PortId p) const;                   ///< "node:port"

  std::span<const Node> nodes() const { return nodes_; }
  std::span<const Port> ports() const { return ports_; }
  std::span<const Link> links() const { return links_; }
  const Node& node(NodeId n) const { return nodes_.at(static_cast<std::size_t>(n)); }
  const Port& port(PortId p) const { return ports_.at(static_cast<std::size_t>(p)); }
  std::span<const lag::Lag> lags() const { return lags_; }

  /// Carrier of a physical port: it and its peer administratively up, link up.
  bool carrier(PortId p) const;
  /// A logical or physical port can transmit at all (admin up and, for a LAG, any member).
  bool port_usable(PortId p) const;

  /// Every next hop of every route, globally numbered (Route::first_nh + i).
  struct NextHopRef {
    NodeId node;
    std::uint8_t family;
    std::int32_t route;  ///< index into node.routes[family == 6]
    std::int32_t index;  ///< index into route.nexthops
  };
  std::span<const NextHopRef> nexthops() const { return nh_refs_; }
  /// "[router, gateway, device]" parts of a global next hop id.
  std::string nexthop_gateway(std::int32_t nh) const;
  PortId nexthop_dev(std::int32_t nh) const;

  /// Compiles derived tables (switch FDBs, address ownership, neighbour MACs, ECMP groups). Called
  /// by the tracer when the fabric changed; cheap enough to call after every what-if change.
  void compile() const;
  bool compiled() const { return compiled_; }

  /// Whether tracing one flow changes state a later flow's trace reads: an order-dependent LAG
  /// (OVS bond, round-robin) or a resilient ECMP group (a pick marks its bucket used). Such a
  /// batch must run in row order on one thread. Compiles the fabric if it changed, so concurrent
  /// const traces afterwards only read.
  bool order_dependent() const;

  // compiled tables (read by trace.cpp)
  struct Compiled;
  const Compiled& tables() const;

  Fabric();
  Fabric(const Fabric&);
  Fabric& operator=(const Fabric&);
  Fabric(Fabric&&) noexcept;
  Fabric& operator=(Fabric&&) noexcept;
  ~Fabric();

private:
  void changed() { compiled_ = false; }
  Node& mut_node(NodeId n);
  Port& mut_port(PortId p);
  void renumber_nexthops();

  std::vector<Node> nodes_;
  std::vector<Port> ports_;
  std::vector<Link> links_;
  std::vector<lag::Lag> lags_;
  std::vector<NextHopRef> nh_refs_;
  mutable bool compiled_ = false;
  mutable std::unique_ptr<Compiled> tables_;
};

}  // namespace fwd::path
