// Fabric: checked construction, state changes and the compiled tables the tracer reads.
#include "fwd/path/fabric.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/path/detail/compiled.hpp"
#include "fwd/path/detail/ecmp.hpp"

namespace fwd::path {

std::string_view name(NodeKind k) {
  switch (k) {
    case NodeKind::host: return "host";
    case NodeKind::switch_: return "switch";
    case NodeKind::router: return "router";
    case NodeKind::sink: return "sink";
  }
  return "?";
}

NodeKind node_kind_from_name(std::string_view t) {
  if (t == "host" || t == "client") return NodeKind::host;
  if (t == "switch") return NodeKind::switch_;
  if (t == "router") return NodeKind::router;
  if (t == "sink" || t == "end") return NodeKind::sink;
  throw Error(fmt::format("unknown node kind '{}': expected host, switch, router or sink", t));
}

// ---- addresses ------------------------------------------------------------------------------------

Address Address::parse(std::string_view text) {
  Address a;
  if (text.find(':') != std::string_view::npos) {
    a.family = 6;
    a.addr = net::Ipv6::parse(text).bytes;
  } else {
    a.family = 4;
    const auto b = net::Ipv4::parse(text).to_bytes();
    std::copy(b.begin(), b.end(), a.addr.begin());
  }
  return a;
}

std::string Address::to_string() const {
  if (family == 6) return net::Ipv6{addr}.to_string();
  return net::Ipv4{(std::uint32_t{addr[0]} << 24) | (std::uint32_t{addr[1]} << 16) | (std::uint32_t{addr[2]} << 8) |
                   addr[3]}.to_string();
}

Prefix Prefix::parse(std::string_view text, std::uint8_t default_family) {
  Prefix p;
  if (text == "default") {
    p.family = default_family;
    return p;
  }
  const auto slash = text.find('/');
  const Address a = Address::parse(text.substr(0, slash));
  p.family = a.family;
  p.addr = a.addr;
  const unsigned max = a.family == 6 ? 128 : 32;
  p.length = static_cast<std::uint8_t>(max);
  if (slash != std::string_view::npos) {
    const auto len = text.substr(slash + 1);
    unsigned v = 0;
    if (len.empty() || len.size() > 3) v = 999;
    for (char ch : len) v = (ch >= '0' && ch <= '9') ? v * 10 + static_cast<unsigned>(ch - '0') : 999;
    if (v > max)
      throw Error(fmt::format("invalid prefix '{}': the length must be 0..{} for IPv{}", text, max, a.family));
    p.length = static_cast<std::uint8_t>(v);
  }
  // Host bits are cleared, as `ip route add` does for the route key.
  for (unsigned bit = p.length; bit < max; ++bit) p.addr[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return p;
}

bool Prefix::contains(const std::uint8_t* a) const {
  const unsigned full = length / 8u;
  if (std::memcmp(addr.data(), a, full) != 0) return false;
  const unsigned rest = length % 8u;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (a[full] & mask) == addr[full];
}

std::string Prefix::to_string() const {
  if (length == 0) return "default";
  Address a{family, addr};
  return fmt::format("{}/{}", a.to_string(), length);
}

// ---- construction ---------------------------------------------------------------------------------

Fabric::Fabric() = default;
Fabric::Fabric(const Fabric& o)
    : nodes_(o.nodes_), ports_(o.ports_), links_(o.links_), lags_(o.lags_), nh_refs_(o.nh_refs_) {}
Fabric& Fabric::operator=(const Fabric& o) {
  if (this != &o) {
    nodes_ = o.nodes_;
    ports_ = o.ports_;
    links_ = o.links_;
    lags_ = o.lags_;
    nh_refs_ = o.nh_refs_;
    compiled_ = false;
    tables_.reset();
  }
  return *this;
}
Fabric::Fabric(Fabric&&) noexcept = default;
Fabric& Fabric::operator=(Fabric&&) noexcept = default;
Fabric::~Fabric() = default;

Node& Fabric::mut_node(NodeId n) {
  if (n < 0 || static_cast<std::size_t>(n) >= nodes_.size())
    throw Error(fmt::format("node id {} out of range (the fabric has {} nodes)", n, nodes_.size()));
  changed();
  return nodes_[static_cast<std::size_t>(n)];
}

Port& Fabric::mut_port(PortId p) {
  if (p < 0 || static_cast<std::size_t>(p) >= ports_.size())
    throw Error(fmt::format("port id {} out of range (the fabric has {} ports)", p, ports_.size()));
  changed();
  return ports_[static_cast<std::size_t>(p)];
}

NodeId Fabric::add_node(std::string nm, NodeKind kind) {
  if (nm.empty() || nm.find(':') != std::string::npos || nm.find(' ') != std::string::npos)
    throw Error(fmt::format("invalid node name '{}': expected a non-empty name without ':' or spaces", nm));
  if (find_node(nm)) throw Error(fmt::format("duplicate node name '{}'", nm));
  if (nodes_.size() >= 32000) throw Error("too many nodes (at most 32000)");
  Node n;
  n.name = std::move(nm);
  n.kind = kind;
  n.forwarding = kind == NodeKind::router;
  nodes_.push_back(std::move(n));
  changed();
  return static_cast<NodeId>(nodes_.size() - 1);
}

PortId Fabric::add_port(NodeId node, std::string nm, std::optional<net::Mac> mac) {
  Node& n = mut_node(node);
  if (nm.empty() || nm.find(':') != std::string::npos)
    throw Error(fmt::format("invalid port name '{}' on node '{}': expected a non-empty name without ':'", nm, n.name));
  if (find_port(node, nm)) throw Error(fmt::format("node '{}' already has a port '{}'", n.name, nm));
  Port p;
  p.name = std::move(nm);
  p.node = node;
  // Without a MAC the port gets a locally administered one derived from its id, so every port
  // has a distinct address for the switches' FDB and the gateways' neighbour entries.
  p.mac = mac ? *mac : net::Mac::from_u64(0x0a0000000000ULL | (static_cast<std::uint64_t>(ports_.size()) + 1));
  ports_.push_back(std::move(p));
  n.ports.push_back(static_cast<PortId>(ports_.size() - 1));
  return static_cast<PortId>(ports_.size() - 1);
}

PortId Fabric::add_lag(NodeId node, std::string nm, std::string_view lag_spec, std::span<const PortId> members,
                       std::optional<net::Mac> mac) {
  const Node& n = this->node(node);
  if (members.empty()) throw Error(fmt::format("LAG '{}' on node '{}' has no members", nm, n.name));
  std::vector<std::string> names;
  for (PortId m : members) {
    const Port& mp = port(m);
    if (mp.node != node)
      throw Error(fmt::format("LAG '{}': port '{}' belongs to another node", nm, port_label(m)));
    if (!mp.members.empty()) throw Error(fmt::format("LAG '{}': member '{}' is itself a LAG", nm, mp.name));
    if (mp.lag != none)
      throw Error(fmt::format("LAG '{}': port '{}' is already a member of '{}'", nm, mp.name, port(mp.lag).name));
    names.push_back(mp.name);
  }
  lag::Lag l = lag::Lag::from_spec(lag_spec, names);
  const net::Mac lag_mac = mac ? *mac : port(members[0]).mac;
  const PortId id = add_port(node, std::move(nm), lag_mac);
  lags_.push_back(std::move(l));
  Port& lp = mut_port(id);
  lp.members.assign(members.begin(), members.end());
  lp.lag_index = static_cast<std::int32_t>(lags_.size() - 1);
  for (PortId m : members) mut_port(m).lag = id;
  return id;
}

LinkId Fabric::connect(PortId a, PortId b) {
  for (PortId p : {a, b}) {
    const Port& pp = port(p);
    if (!pp.members.empty())
      throw Error(fmt::format("cannot connect '{}': it is a LAG; connect its members", port_label(p)));
    if (pp.peer != none)
      throw Error(fmt::format("port '{}' is already connected to '{}'", port_label(p), port_label(pp.peer)));
  }
  if (a == b) throw Error(fmt::format("cannot connect port '{}' to itself", port_label(a)));
  links_.push_back({a, b, true});
  const auto id = static_cast<LinkId>(links_.size() - 1);
  Port& pa = mut_port(a);
  pa.peer = b;
  pa.link = id;
  Port& pb = mut_port(b);
  pb.peer = a;
  pb.link = id;
  return id;
}

void Fabric::add_address(PortId port, std::string_view cidr, bool connected_route) {
  const auto slash = cidr.find('/');
  const Address a = Address::parse(cidr.substr(0, slash));
  const Prefix net = Prefix::parse(cidr);  // validates the length
  Port& p = mut_port(port);
  p.addresses.push_back(a);
  // The connected route (`proto kernel scope link`), as the kernel adds it with the address.
  if (connected_route && net.length < (a.family == 6 ? 128 : 32)) {
    Route r;
    r.dst = net;
    r.nexthops.push_back(NextHop{std::nullopt, port, 1});
    nodes_[static_cast<std::size_t>(p.node)].routes[a.family == 6].push_back(std::move(r));
    renumber_nexthops();
  }
}

void Fabric::add_local(NodeId node, std::string_view prefix) {
  const Prefix p = Prefix::parse(prefix);
  mut_node(node).local[p.family == 6].push_back(p);
}

void Fabric::add_route(NodeId node, std::string_view prefix, std::vector<NextHop> nexthops) {
  Node& n = mut_node(node);
  if (n.kind == NodeKind::switch_ || n.kind == NodeKind::sink)
    throw Error(fmt::format("node '{}' is a {}: routes belong to routers and hosts", n.name, name(n.kind)));
  if (nexthops.empty()) throw Error(fmt::format("route {} on '{}' has no next hop", prefix, n.name));
  Route r;
  r.dst = Prefix::parse(prefix, nexthops[0].gateway ? nexthops[0].gateway->family : 4);
  for (auto& nh : nexthops) {
    const Port& d = port(nh.dev);
    if (d.node != node)
      throw Error(fmt::format("route {} on '{}': device '{}' belongs to another node", prefix, n.name,
                              port_label(nh.dev)));
    if (d.lag != none)
      throw Error(fmt::format("route {} on '{}': device '{}' is a member of LAG '{}'; route over the LAG", prefix,
                              n.name, d.name, port(d.lag).name));
    if (nh.gateway && nh.gateway->family != r.dst.family)
      throw Error(fmt::format("route {} on '{}': gateway {} is not IPv{}", prefix, n.name, nh.gateway->to_string(),
                              r.dst.family));
    if (nh.weight < 1 || nh.weight > 256)
      throw Error(fmt::format("route {} on '{}': weight {} out of range 1..256", prefix, n.name, nh.weight));
  }
  for (const auto& other : n.routes[r.dst.family == 6])
    if (other.dst.length == r.dst.length && other.dst.addr == r.dst.addr)
      throw Error(fmt::format("route {} on '{}' already exists", r.dst.to_string(), n.name));
  r.nexthops = std::move(nexthops);
  n.routes[r.dst.family == 6].push_back(std::move(r));
  renumber_nexthops();
}

void Fabric::renumber_nexthops() {
  nh_refs_.clear();
  for (std::size_t ni = 0; ni < nodes_.size(); ++ni)
    for (int fam = 0; fam < 2; ++fam) {
      auto& routes = nodes_[ni].routes[fam];
      for (std::size_t ri = 0; ri < routes.size(); ++ri) {
        routes[ri].first_nh = static_cast<std::int32_t>(nh_refs_.size());
        for (std::size_t k = 0; k < routes[ri].nexthops.size(); ++k)
          nh_refs_.push_back({static_cast<NodeId>(ni), static_cast<std::uint8_t>(fam ? 6 : 4),
                              static_cast<std::int32_t>(ri), static_cast<std::int32_t>(k)});
      }
    }
}

void Fabric::add_neighbour(PortId dev, std::string_view ip, net::Mac mac) {
  const Address a = Address::parse(ip);
  Port& p = mut_port(dev);
  auto& nb = nodes_[static_cast<std::size_t>(p.node)].neighbours;
  for (auto& e : nb)
    if (e.dev == dev && e.ip == a) {
      e.mac = mac;
      return;
    }
  nb.push_back({dev, a, mac});
}

void Fabric::set_forwarding(NodeId node, bool on) { mut_node(node).forwarding = on; }

void Fabric::set_ecmp(NodeId node, int family, std::string spec) {
  if (family != 4 && family != 6) throw Error(fmt::format("address family {}: expected 4 or 6", family));
  detail::check_ecmp_spec(spec);
  mut_node(node).ecmp_spec[family == 6] = std::move(spec);
}

void Fabric::set_admin(PortId port, bool up) { mut_port(port).admin_up = up; }

void Fabric::set_link_up(LinkId link, bool up) {
  if (link < 0 || static_cast<std::size_t>(link) >= links_.size())
    throw Error(fmt::format("link id {} out of range (the fabric has {} links)", link, links_.size()));
  links_[static_cast<std::size_t>(link)].up = up;
  changed();
}

void Fabric::set_node_up(NodeId node, bool up) {
  for (PortId p : this->node(node).ports) mut_port(p).admin_up = up;
}

lag::Lag& Fabric::lag(PortId logical) {
  const Port& p = port(logical);
  if (p.lag_index == none) throw Error(fmt::format("port '{}' is not a LAG", port_label(logical)));
  changed();
  return lags_[static_cast<std::size_t>(p.lag_index)];
}

// ---- lookups --------------------------------------------------------------------------------------

std::optional<NodeId> Fabric::find_node(std::string_view nm) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].name == nm) return static_cast<NodeId>(i);
  return std::nullopt;
}

NodeId Fabric::node_id(std::string_view nm) const {
  if (auto n = find_node(nm)) return *n;
  std::string known;
  for (const auto& n : nodes_) known += (known.empty() ? "" : ", ") + n.name;
  throw Error(fmt::format("unknown node '{}' (nodes: {})", nm, known.empty() ? "none" : known));
}

std::optional<PortId> Fabric::find_port(NodeId node, std::string_view nm) const {
  for (PortId p : this->node(node).ports)
    if (ports_[static_cast<std::size_t>(p)].name == nm) return p;
  return std::nullopt;
}

PortId Fabric::port_id(NodeId node, std::string_view nm) const {
  if (auto p = find_port(node, nm)) return *p;
  std::string known;
  for (PortId p : this->node(node).ports) known += (known.empty() ? "" : ", ") + ports_[static_cast<std::size_t>(p)].name;
  throw Error(fmt::format("node '{}' has no port '{}' (ports: {})", this->node(node).name, nm,
                          known.empty() ? "none" : known));
}

PortId Fabric::port_id(std::string_view label) const {
  const auto colon = label.find(':');
  if (colon == std::string_view::npos)
    throw Error(fmt::format("invalid port '{}': expected NODE:PORT", label));
  return port_id(node_id(label.substr(0, colon)), label.substr(colon + 1));
}

LinkId Fabric::link_of(PortId p) const { return port(p).link; }

std::string Fabric::port_label(PortId p) const {
  const Port& pp = port(p);
  return node(pp.node).name + ":" + pp.name;
}

bool Fabric::carrier(PortId p) const {
  const Port& pp = port(p);
  if (!pp.members.empty()) {
    if (!pp.admin_up) return false;
    for (PortId m : pp.members)
      if (carrier(m)) return true;
    return false;
  }
  if (!pp.admin_up || pp.peer == none) return false;
  return port(pp.peer).admin_up && links_[static_cast<std::size_t>(pp.link)].up;
}

bool Fabric::port_usable(PortId p) const { return carrier(p); }

std::string Fabric::nexthop_gateway(std::int32_t nh) const {
  const auto& ref = nh_refs_.at(static_cast<std::size_t>(nh));
  const auto& hop = nodes_[static_cast<std::size_t>(ref.node)].routes[ref.family == 6][static_cast<std::size_t>(ref.route)]
                        .nexthops[static_cast<std::size_t>(ref.index)];
  return hop.gateway ? hop.gateway->to_string() : std::string{};
}

PortId Fabric::nexthop_dev(std::int32_t nh) const {
  const auto& ref = nh_refs_.at(static_cast<std::size_t>(nh));
  return nodes_[static_cast<std::size_t>(ref.node)].routes[ref.family == 6][static_cast<std::size_t>(ref.route)]
      .nexthops[static_cast<std::size_t>(ref.index)].dev;
}

bool Fabric::order_dependent() const {
  const auto& t = tables();
  return std::any_of(lags_.begin(), lags_.end(), [](const lag::Lag& l) { return l.order_dependent(); }) ||
         std::any_of(t.groups.begin(), t.groups.end(), [](const detail::EcmpGroup& g) { return !detail::stateless(g); });
}

const Fabric::Compiled& Fabric::tables() const {
  if (!compiled_) compile();
  return *tables_;
}

}  // namespace fwd::path
