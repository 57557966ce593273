// The path engine's bridge to the route layer (fwd::route): one Ecmp per multipath route, made
// once per compile; per packet the hash (once per distinct configuration) and the pick.
#include "fwd/path/detail/ecmp.hpp"

#include "fwd/error.hpp"
#include "fwd/route/ecmp.hpp"

namespace fwd::path::detail {

// A configuration hashes through an Ecmp over two placeholder paths: the hash depends on the spec
// (system, policy, fields, seed) and the packet only, never on the paths.
struct EcmpImpl {
  route::Ecmp hasher;
};
struct EcmpGroupImpl {
  mutable route::Ecmp ecmp;  // select_hash may mark resilient buckets used
};

namespace {
route::PathSet placeholder(int family) {
  route::PathSet ps;
  ps.family = family == 6 ? route::Family::ipv6 : route::Family::ipv4;
  ps.nexthops = {route::NextHop{.gateway = "", .device = "a"}, route::NextHop{.gateway = "", .device = "b"}};
  return ps;
}
}  // namespace

void check_ecmp_spec(const std::string& spec) { (void)route::Ecmp::from_spec(spec, placeholder(4)); }

EcmpConfig make_config(const std::string& spec, int family) {
  EcmpConfig c;
  c.spec = spec;
  c.family = family;
  c.impl = std::make_shared<const EcmpImpl>(EcmpImpl{route::Ecmp::from_spec(spec, placeholder(family))});
  c.plain_v4 = family == 4 && c.impl->hasher.hashes_plain_v4();
  return c;
}

EcmpGroup make_group(const EcmpConfig& config, std::int32_t config_index, std::span<const NextHopState> hops) {
  route::PathSet ps;
  ps.family = config.family == 6 ? route::Family::ipv6 : route::Family::ipv4;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    route::NextHop h;
    h.device = std::to_string(i);
    h.weight = hops[i].weight;
    h.dead = hops[i].dead;
    h.linkdown = hops[i].linkdown;
    ps.nexthops.push_back(std::move(h));
  }
  EcmpGroup g;
  g.config = config_index;
  g.impl = std::make_shared<const EcmpGroupImpl>(EcmpGroupImpl{route::Ecmp::from_spec(config.spec, std::move(ps))});
  g.table = g.impl->ecmp.threshold_table(route::Meta{.lookup = route::Lookup::forward}, g.upper, g.index);
  for (auto& k : g.index)
    if (k == route::no_path) k = -1;
  return g;
}

std::uint32_t multipath_hash(const EcmpConfig& config, net::Bytes packet, std::uint32_t rx_hash, bool rx_l4,
                             bool local) {
  route::Meta m;
  m.lookup = local ? route::Lookup::local : route::Lookup::forward;
  if (rx_hash) {
    m.rx_hash = rx_hash;
    m.rx_hash_l4 = rx_l4;
  }
  return config.impl->hasher.hash(packet, m);
}

void multipath_hash_batch(const EcmpConfig& config, std::span<const net::Bytes> packets, std::uint32_t* out) {
  config.impl->hasher.hash_batch(packets, out, route::Meta{});
}

route::PlainV4Hasher plain_hasher(std::span<const EcmpConfig> configs) {
  std::vector<const route::Ecmp*> sel;
  for (const auto& c : configs)
    if (c.plain_v4) sel.push_back(&c.impl->hasher);
  return route::PlainV4Hasher(sel);
}

void pick_batch(const EcmpGroup& group, const std::uint32_t* h, std::size_t n, std::int32_t* out) {
  group.impl->ecmp.select_hash_batch(h, n, out, route::Meta{.lookup = route::Lookup::forward});
  for (std::size_t i = 0; i < n; ++i)
    if (out[i] == route::no_path) out[i] = -1;
}

bool stateless(const EcmpGroup& group) { return group.impl->ecmp.paths().kind != route::GroupKind::resilient; }

std::int32_t pick(const EcmpConfig&, const EcmpGroup& group, std::uint32_t hash, bool local) {
  route::Meta m;
  m.lookup = local ? route::Lookup::local : route::Lookup::forward;
  const std::int32_t k = group.impl->ecmp.select_hash(hash, m);
  return k == route::no_path ? -1 : k;
}

}  // namespace fwd::path::detail
