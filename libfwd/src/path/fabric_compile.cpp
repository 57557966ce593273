// Fabric::compile: the derived tables the tracer reads (slow path, run after every change).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/path/detail/compiled.hpp"
#include "fwd/path/fabric.hpp"

namespace fwd::path {

namespace {

// Default ECMP settings of a router that has none: the recorded kernel with its defaults.
constexpr const char* default_ecmp = "linux-6.18";

}  // namespace

void Fabric::compile() const {
  auto t = std::make_unique<Compiled>();
  const std::size_t np = ports_.size(), nn = nodes_.size();

  t->carrier.resize(np);
  for (std::size_t p = 0; p < np; ++p) t->carrier[p] = carrier(static_cast<PortId>(p)) ? 1 : 0;

  // LAG copies whose members follow the fabric: a member without carrier is link-down.
  t->lags = lags_;
  t->hashes_l2 = !lags_.empty();
  for (const auto& n : nodes_) t->hashes_l2 = t->hashes_l2 || n.kind == NodeKind::switch_;
  for (std::size_t p = 0; p < np; ++p) {
    const Port& lp = ports_[p];
    if (lp.lag_index == none) continue;
    auto& l = t->lags[static_cast<std::size_t>(lp.lag_index)];
    for (std::size_t m = 0; m < lp.members.size(); ++m) {
      const bool up = t->carrier[static_cast<std::size_t>(lp.members[m])] != 0;
      if (l.state(static_cast<lag::MemberIndex>(m)).link_up != up) l.set_link(static_cast<lag::MemberIndex>(m), up);
    }
  }

  // The MAC each port answers with: a lagg member answers with its lagg's MAC.
  t->port_mac.resize(np);
  for (std::size_t p = 0; p < np; ++p) {
    const Port& pp = ports_[p];
    t->port_mac[p] = (pp.lag != none ? ports_[static_cast<std::size_t>(pp.lag)].mac : pp.mac).to_u64();
  }

  // L2 segments: from a physical port, the non-switch ports reachable through links and switches
  // (a switch floods until it learns, so every port of every switch on the way is reachable).
  auto top_port = [&](PortId p) { return ports_[static_cast<std::size_t>(p)].lag != none ? ports_[static_cast<std::size_t>(p)].lag : p; };
  auto reach = [&](PortId from, std::vector<PortId>& out) {
    std::vector<NodeId> seen_switches;
    std::vector<PortId> stack{from};
    while (!stack.empty()) {
      const PortId p = stack.back();
      stack.pop_back();
      const PortId peer = ports_[static_cast<std::size_t>(p)].peer;
      if (peer == none) continue;
      const Port& pp = ports_[static_cast<std::size_t>(peer)];
      const Node& n = nodes_[static_cast<std::size_t>(pp.node)];
      if (n.kind != NodeKind::switch_) {
        const PortId tp = top_port(peer);
        if (std::find(out.begin(), out.end(), tp) == out.end()) out.push_back(tp);
        continue;
      }
      if (std::find(seen_switches.begin(), seen_switches.end(), pp.node) != seen_switches.end()) continue;
      seen_switches.push_back(pp.node);
      for (PortId q : n.ports)
        if (ports_[static_cast<std::size_t>(q)].members.empty() && q != peer) stack.push_back(q);
    }
  };
  t->segment.resize(np);
  for (std::size_t p = 0; p < np; ++p) {
    const Port& pp = ports_[p];
    if (nodes_[static_cast<std::size_t>(pp.node)].kind == NodeKind::switch_) continue;
    if (!pp.members.empty()) {
      for (PortId m : pp.members) reach(m, t->segment[p]);
    } else if (pp.lag == none) {
      reach(static_cast<PortId>(p), t->segment[p]);
    }
  }

  // Switch FDBs: behind each top-level port, the MACs of the non-switch ports its members reach.
  t->fdb.resize(nn);
  for (std::size_t ni = 0; ni < nn; ++ni) {
    const Node& n = nodes_[ni];
    if (n.kind != NodeKind::switch_) continue;
    auto& fdb = t->fdb[ni];
    for (PortId q : n.ports) {
      const Port& qp = ports_[static_cast<std::size_t>(q)];
      if (qp.lag != none) continue;  // a member: its LAG port is the FDB entry
      std::vector<PortId> behind;
      if (!qp.members.empty())
        for (PortId m : qp.members) reach(m, behind);
      else
        reach(q, behind);
      for (PortId b : behind) fdb.emplace_back(t->port_mac[static_cast<std::size_t>(b)], q);
    }
    std::sort(fdb.begin(), fdb.end());
    // The same MAC behind two ports (a loop in the L2 wiring) has no converged FDB entry.
    for (std::size_t i = 1; i < fdb.size(); ++i)
      if (fdb[i].first == fdb[i - 1].first && fdb[i].second != fdb[i - 1].second)
        throw Error(fmt::format("switch '{}': MAC {} is reachable through ports '{}' and '{}' (an L2 loop; "
                                "libfwd does not model spanning tree)",
                                n.name, net::Mac::from_u64(fdb[i].first).to_string(),
                                ports_[static_cast<std::size_t>(fdb[i - 1].second)].name,
                                ports_[static_cast<std::size_t>(fdb[i].second)].name));
    fdb.erase(std::unique(fdb.begin(), fdb.end()), fdb.end());
  }

  // Gateways: a permanent neighbour entry wins; otherwise the port owning the address on the
  // device's segment answers ARP / neighbour solicitation with its MAC.
  t->nh_mac.assign(nh_refs_.size(), -1);
  for (std::size_t k = 0; k < nh_refs_.size(); ++k) {
    const auto& ref = nh_refs_[k];
    const Node& n = nodes_[static_cast<std::size_t>(ref.node)];
    const NextHop& hop =
        n.routes[ref.family == 6][static_cast<std::size_t>(ref.route)].nexthops[static_cast<std::size_t>(ref.index)];
    if (!hop.gateway) continue;
    bool found = false;
    for (const auto& nb : n.neighbours)
      if (nb.dev == hop.dev && nb.ip == *hop.gateway) {
        t->nh_mac[k] = static_cast<std::int64_t>(nb.mac.to_u64());
        found = true;
        break;
      }
    if (found) continue;
    for (PortId q : t->segment[static_cast<std::size_t>(hop.dev)]) {
      const auto& addrs = ports_[static_cast<std::size_t>(q)].addresses;
      if (std::find(addrs.begin(), addrs.end(), *hop.gateway) != addrs.end()) {
        t->nh_mac[k] = static_cast<std::int64_t>(t->port_mac[static_cast<std::size_t>(q)]);
        break;
      }
    }
  }

  t->nh_fast.resize(nh_refs_.size());
  for (std::size_t k = 0; k < nh_refs_.size(); ++k) {
    const auto& ref = nh_refs_[k];
    const NextHop& hop = nodes_[static_cast<std::size_t>(ref.node)]
                             .routes[ref.family == 6][static_cast<std::size_t>(ref.route)]
                             .nexthops[static_cast<std::size_t>(ref.index)];
    auto& nf = t->nh_fast[k];
    const Port& d = ports_[static_cast<std::size_t>(hop.dev)];
    nf.dev = hop.dev;
    nf.peer = d.peer;
    nf.peer_node = d.peer != none ? ports_[static_cast<std::size_t>(d.peer)].node : none;
    nf.gw_mac = t->nh_mac[k] >= 0 ? static_cast<std::uint64_t>(t->nh_mac[k]) : 0;
    nf.fast = d.members.empty() && d.admin_up && d.peer != none && t->carrier[static_cast<std::size_t>(hop.dev)] &&
              t->nh_mac[k] >= 0;
  }
  t->kind.resize(nn);
  t->forwarding.resize(nn);
  for (std::size_t ni = 0; ni < nn; ++ni) {
    t->kind[ni] = nodes_[ni].kind;
    t->forwarding[ni] = nodes_[ni].forwarding ? 1 : 0;
  }

  // What each node owns: its addresses (host prefixes) and local prefixes.
  t->owned.resize(nn);
  for (std::size_t ni = 0; ni < nn; ++ni) {
    auto& o = t->owned[ni];
    auto add = [&](const Prefix& p) {
      if (p.family == 6) {
        o.v6.push_back(p);
        return;
      }
      const std::uint32_t v = (std::uint32_t{p.addr[0]} << 24) | (std::uint32_t{p.addr[1]} << 16) |
                              (std::uint32_t{p.addr[2]} << 8) | p.addr[3];
      const std::uint32_t m = p.length ? ~std::uint32_t{0} << (32 - p.length) : 0;
      o.net4.push_back(v & m);
      o.mask4.push_back(m);
    };
    // Local prefixes first: at an end node they are what most packets match.
    for (int fam = 0; fam < 2; ++fam)
      for (const auto& p : nodes_[ni].local[fam]) add(p);
    for (PortId q : nodes_[ni].ports)
      for (const auto& a : ports_[static_cast<std::size_t>(q)].addresses)
        add(Prefix{a.family, static_cast<std::uint8_t>(a.family == 6 ? 128 : 32), a.addr});
  }

  // ECMP configurations, shared by routers with equal spec strings (and so equal hashes).
  std::map<std::pair<std::string, int>, std::int32_t> config_ids;
  for (int fam = 0; fam < 2; ++fam) {
    t->ecmp_config[fam].assign(nn, -1);
    t->routes[fam].resize(nn);
  }
  for (std::size_t ni = 0; ni < nn; ++ni) {
    const Node& n = nodes_[ni];
    for (int fam = 0; fam < 2; ++fam) {
      auto& list = t->routes[fam][ni];
      for (const Route& r : n.routes[fam]) {
        Compiled::RouteRef ref{r.dst, r.first_nh, static_cast<std::uint16_t>(r.nexthops.size()), -1, 0, 0};
        if (r.dst.family == 4) {
          ref.mask4 = r.dst.length ? ~std::uint32_t{0} << (32 - r.dst.length) : 0;
          ref.net4 = ((std::uint32_t{r.dst.addr[0]} << 24) | (std::uint32_t{r.dst.addr[1]} << 16) |
                      (std::uint32_t{r.dst.addr[2]} << 8) | r.dst.addr[3]) & ref.mask4;
        }
        if (r.nexthops.size() > 1) {
          const std::string spec = n.ecmp_spec[fam].empty() ? default_ecmp : n.ecmp_spec[fam];
          const auto key = std::make_pair(spec, fam ? 6 : 4);
          auto it = config_ids.find(key);
          if (it == config_ids.end()) {
            t->configs.push_back(detail::make_config(spec, fam ? 6 : 4));
            it = config_ids.emplace(key, static_cast<std::int32_t>(t->configs.size() - 1)).first;
          }
          t->ecmp_config[fam][ni] = it->second;
          std::vector<detail::NextHopState> states;
          for (const NextHop& h : r.nexthops) {
            const Port& d = ports_[static_cast<std::size_t>(h.dev)];
            states.push_back({h.weight, !d.admin_up, t->carrier[static_cast<std::size_t>(h.dev)] == 0});
          }
          t->groups.push_back(detail::make_group(t->configs[static_cast<std::size_t>(it->second)], it->second, states));
          ref.group = static_cast<std::int32_t>(t->groups.size() - 1);
        }
        list.push_back(ref);
      }
      std::stable_sort(list.begin(), list.end(),
                       [](const Compiled::RouteRef& a, const Compiled::RouteRef& b) { return a.dst.length > b.dst.length; });
    }
  }
  // The flat IPv4 tables of the tracer's fast lane: per node, owned prefixes then routes, each
  // run padded to a multiple of 4 with entries that match nothing (mask 0, net 1) so the lane
  // compares four prefixes at a time. The first four entries are such padding too: entry 0 is
  // the lane's "no hint yet".
  t->fast_nodes.resize(nn);
  auto pad4 = [&] {
    do {
      t->fast_net.push_back(1);
      t->fast_mask.push_back(0);
      t->fast_routes.push_back({-1, -1, 0, false});
    } while (t->fast_net.size() % 4);
  };
  // A node's entries [begin, end) get first_if_match: none before them in the run overlaps them
  // (two prefixes overlap when they agree on the shorter one's mask). Entries with more than 256
  // before them are left false: the lane then scans for them, and compiling stays linear.
  auto mark_first = [&](std::size_t begin, std::size_t end) {
    for (std::size_t j = begin; j < end && j - begin <= 256; ++j) {
      auto& r = t->fast_routes[j];
      if (t->fast_mask[j] == 0 && t->fast_net[j] == 1) continue;  // padding
      r.first_if_match = true;
      for (std::size_t e = begin; e < j && r.first_if_match; ++e) {
        const std::uint32_t m = t->fast_mask[e] & t->fast_mask[j];
        const bool padding = t->fast_mask[e] == 0 && t->fast_net[e] == 1;
        if (!padding && (t->fast_net[e] & m) == (t->fast_net[j] & m)) r.first_if_match = false;
      }
    }
  };
  pad4();
  for (std::size_t ni = 0; ni < nn; ++ni) {
    auto& fn = t->fast_nodes[ni];
    fn.kind = nodes_[ni].kind;
    fn.forwarding = nodes_[ni].forwarding;
    fn.owned_begin = static_cast<std::uint32_t>(t->fast_net.size());
    // Any owned match ends the walk, so their order is free: widest first, since a node's local
    // prefixes take its traffic and a host may own many single addresses behind them.
    const auto& o = t->owned[ni];
    std::vector<std::size_t> by_width(o.net4.size());
    for (std::size_t k = 0; k < by_width.size(); ++k) by_width[k] = k;
    std::stable_sort(by_width.begin(), by_width.end(), [&](std::size_t a, std::size_t b) { return o.mask4[a] < o.mask4[b]; });
    for (const std::size_t k : by_width) {
      t->fast_net.push_back(o.net4[k]);
      t->fast_mask.push_back(o.mask4[k]);
      t->fast_routes.push_back({-1, -1, 0, false});
    }
    if (t->fast_net.size() % 4) pad4();
    fn.routes_begin = static_cast<std::uint32_t>(t->fast_net.size());
    for (const auto& r : t->routes[0][ni]) {
      t->fast_net.push_back(r.net4);
      t->fast_mask.push_back(r.mask4);
      t->fast_routes.push_back({r.first_nh, r.count > 1 ? r.group : -1, r.count, false});
    }
    if (t->fast_net.size() % 4) pad4();
    fn.routes_end = static_cast<std::uint32_t>(t->fast_net.size());
    mark_first(fn.owned_begin, fn.routes_end);
  }
  std::vector<std::int32_t> plain_slot;
  std::int32_t slots = 0;
  for (const auto& c : t->configs) plain_slot.push_back(c.plain_v4 ? slots++ : -1);
  t->plain_hash = detail::plain_hasher(t->configs);
  for (const auto& g : t->groups) {
    t->fast_groups.push_back({g.config, plain_slot[static_cast<std::size_t>(g.config)],
                              static_cast<std::uint32_t>(t->fast_upper.size()), static_cast<std::uint32_t>(t->fast_index.size()),
                              static_cast<std::uint32_t>(g.upper.size()), g.table});
    t->fast_upper.insert(t->fast_upper.end(), g.upper.begin(), g.upper.end());
    // Padding to four bounds that no hash lies above (the lane compares four at a time).
    for (std::size_t k = g.upper.size(); k < 4; ++k) t->fast_upper.push_back(0xffffffffu);
    t->fast_index.insert(t->fast_index.end(), g.index.begin(), g.index.end());
  }
  t->fast_ok = !t->hashes_l2;
  for (const auto& g : t->groups) t->fast_ok = t->fast_ok && detail::stateless(g);

  tables_ = std::move(t);
  compiled_ = true;
}

}  // namespace fwd::path
