// Loads, polarization and what-if over traced paths (slow path: one pass over the arrays).
#include "fwd/path/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/path/detail/compiled.hpp"

namespace fwd::path {

PathView PathView::of(const Paths& p) {
  return PathView{p.count,          p.max_hops,       p.hop_node.data(), p.hop_dev.data(), p.hop_port.data(),
                  p.hop_nexthop.data(), p.n_hops.data(), p.end_node.data(), p.end_port.data(), p.drop.data(),
                  p.drop_node.data()};
}

namespace {

void check(const Fabric& f, const PathView& v) {
  if (!v.hop_node || !v.hop_port || !v.n_hops || !v.end_node || !v.drop)
    throw Error("path metrics: hop_node, hop_port, n_hops, end_node and drop are required");
  const auto np = static_cast<std::int32_t>(f.ports().size()), nn = static_cast<std::int32_t>(f.nodes().size());
  for (std::size_t i = 0; i < v.count; ++i) {
    if (v.n_hops[i] > v.max_hops) throw Error(fmt::format("path metrics: flow {} has {} hops > max_hops", i, v.n_hops[i]));
    for (std::size_t h = 0; h < v.n_hops[i]; ++h) {
      const auto k = i * v.max_hops + h;
      if (v.hop_node[k] < 0 || v.hop_node[k] >= nn || v.hop_port[k] < 0 || v.hop_port[k] >= np)
        throw Error(fmt::format("path metrics: flow {} hop {} names no node/port of this fabric", i, h));
    }
    if (v.end_node[i] >= nn) throw Error(fmt::format("path metrics: flow {} ends on an unknown node", i));
  }
}

double entropy_bits(const std::vector<std::uint64_t>& counts) {
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  if (!total) return 0;
  double h = 0;
  for (auto c : counts)
    if (c) {
      const double p = static_cast<double>(c) / static_cast<double>(total);
      h -= p * std::log2(p);
    }
  return h;
}

}  // namespace

Load load(const Fabric& f, const PathView& v) {
  check(f, v);
  Load l;
  l.port_tx.assign(f.ports().size(), 0);
  l.port_rx.assign(f.ports().size(), 0);
  l.node_in.assign(f.nodes().size(), 0);
  l.node_end.assign(f.nodes().size(), 0);
  l.node_drop.assign(f.nodes().size(), 0);
  l.drops.assign(drop_reason_count, 0);
  for (std::size_t i = 0; i < v.count; ++i) {
    for (std::size_t h = 0; h < v.n_hops[i]; ++h) {
      const auto k = i * v.max_hops + h;
      const PortId p = v.hop_port[k];
      ++l.port_tx[static_cast<std::size_t>(p)];
      if (v.hop_dev && v.hop_dev[k] >= 0 && v.hop_dev[k] != p) ++l.port_tx[static_cast<std::size_t>(v.hop_dev[k])];
      ++l.node_in[static_cast<std::size_t>(v.hop_node[k])];
    }
    const unsigned d = v.drop[i] < drop_reason_count ? v.drop[i] : 0;
    ++l.drops[d];
    if (d == 0 && v.end_node[i] >= 0) {
      ++l.node_end[static_cast<std::size_t>(v.end_node[i])];
      ++l.node_in[static_cast<std::size_t>(v.end_node[i])];
      if (v.end_port && v.end_port[i] >= 0) ++l.port_rx[static_cast<std::size_t>(v.end_port[i])];
    } else if (v.drop_node && v.drop_node[i] >= 0) {
      ++l.node_drop[static_cast<std::size_t>(v.drop_node[i])];
      // A node that drops a flow it received counts it as arrived unless it was also a hop.
      const std::size_t nh = v.n_hops[i];
      if (nh == 0 || v.hop_node[i * v.max_hops + nh - 1] != v.drop_node[i])
        ++l.node_in[static_cast<std::size_t>(v.drop_node[i])];
    }
    for (std::size_t h = 0; h < v.n_hops[i]; ++h) {
      // The peer received the frame unless this was the last hop of a flow dropped on transmit.
      const PortId peer = f.port(v.hop_port[i * v.max_hops + h]).peer;
      const bool last = h + 1 == v.n_hops[i];
      const bool arrived = !last || d == 0 ||
                           (d != static_cast<unsigned>(Drop::link_down) && d != static_cast<unsigned>(Drop::unconnected));
      if (peer != none && arrived) ++l.port_rx[static_cast<std::size_t>(peer)];
    }
  }
  return l;
}

std::vector<NodePolarization> polarization(const Fabric& f, const PathView& v) {
  check(f, v);
  const auto& t = f.tables();
  const std::size_t nn = f.nodes().size();
  // Candidate sets per node.
  std::vector<std::vector<PortId>> cand(nn);
  auto add_dev = [&](NodeId n, PortId dev) {
    const Port& d = f.port(dev);
    auto& c = cand[static_cast<std::size_t>(n)];
    if (d.members.empty()) {
      if (std::find(c.begin(), c.end(), dev) == c.end()) c.push_back(dev);
    } else {
      for (PortId m : d.members)
        if (std::find(c.begin(), c.end(), m) == c.end()) c.push_back(m);
    }
  };
  std::vector<std::map<std::pair<PortId, PortId>, std::uint64_t>> joint(nn);  // (upstream, choice) -> flows
  std::vector<std::uint64_t> flows(nn, 0);
  std::map<std::pair<NodeId, std::int64_t>, bool> added;
  for (std::size_t i = 0; i < v.count; ++i) {
    for (std::size_t h = 0; h < v.n_hops[i]; ++h) {
      const auto k = i * v.max_hops + h;
      const NodeId n = v.hop_node[k];
      const PortId dev = v.hop_dev ? v.hop_dev[k] : v.hop_port[k];
      const std::int32_t nh = v.hop_nexthop ? v.hop_nexthop[k] : -1;
      if (nh >= 0) {
        const auto& ref = f.nexthops()[static_cast<std::size_t>(nh)];
        const std::int64_t key = (std::int64_t{ref.family} << 40) | ref.route;
        if (added.emplace(std::make_pair(n, key), true).second)
          for (const auto& hop : f.node(n).routes[ref.family == 6][static_cast<std::size_t>(ref.route)].nexthops)
            add_dev(n, hop.dev);
      } else if (dev >= 0) {
        if (added.emplace(std::make_pair(n, -1 - std::int64_t{dev}), true).second) add_dev(n, dev);
      }
      const PortId upstream = h == 0 ? -1 : f.port(v.hop_port[k - 1]).peer;
      ++joint[static_cast<std::size_t>(n)][{upstream, v.hop_port[k]}];
      ++flows[static_cast<std::size_t>(n)];
    }
  }
  std::vector<NodePolarization> out;
  for (std::size_t n = 0; n < nn; ++n) {
    auto& c = cand[n];
    if (c.size() < 2) continue;
    std::sort(c.begin(), c.end());
    NodePolarization p;
    p.node = static_cast<NodeId>(n);
    p.flows = flows[n];
    p.candidates = c;
    p.counts.assign(c.size(), 0);
    for (PortId q : c) p.up.push_back(t.carrier[static_cast<std::size_t>(q)]);
    std::map<PortId, std::vector<std::uint64_t>> by_up;
    for (const auto& [key, cnt] : joint[n]) {
      const auto it = std::find(c.begin(), c.end(), key.second);
      if (it == c.end()) continue;
      const auto idx = static_cast<std::size_t>(it - c.begin());
      p.counts[idx] += cnt;
      auto& row = by_up[key.first];
      row.resize(c.size(), 0);
      row[idx] += cnt;
    }
    std::uint64_t total = 0, mx = 0;
    for (std::size_t k = 0; k < c.size(); ++k) {
      if (p.counts[k]) ++p.used;
      if (p.up[k]) {
        ++p.up_count;
        total += p.counts[k];
        mx = std::max(mx, p.counts[k]);
      }
    }
    p.entropy = entropy_bits(p.counts);
    double cond = 0;
    std::uint64_t all = 0;
    for (const auto& [u, row] : by_up) {
      std::uint64_t s = 0;
      for (auto x : row) s += x;
      all += s;
      cond += static_cast<double>(s) * entropy_bits(row);
    }
    p.conditional_entropy = all ? cond / static_cast<double>(all) : 0;
    const double norm = p.up_count > 1 ? std::log2(static_cast<double>(p.up_count)) : 1.0;
    p.normalized_entropy = p.entropy / norm;
    p.normalized_conditional_entropy = p.conditional_entropy / norm;
    p.imbalance = total && p.up_count ? static_cast<double>(mx) / (static_cast<double>(total) / p.up_count) : 0.0;
    out.push_back(std::move(p));
  }
  return out;
}

void moved_flags(const PathView& a, const PathView& b, std::uint8_t* out) {
  if (a.count != b.count) throw Error(fmt::format("what-if: {} flows before, {} after", a.count, b.count));
  for (std::size_t i = 0; i < a.count; ++i) {
    bool same = a.n_hops[i] == b.n_hops[i] && a.drop[i] == b.drop[i] && a.end_node[i] == b.end_node[i];
    if (same && a.end_port && b.end_port) same = a.end_port[i] == b.end_port[i];
    for (std::size_t h = 0; same && h < a.n_hops[i]; ++h)
      same = a.hop_port[i * a.max_hops + h] == b.hop_port[i * b.max_hops + h];
    out[i] = same ? 0 : 1;
  }
}

WhatIf what_if(const Fabric& before, const PathView& a, const Fabric& after, const PathView& b) {
  check(before, a);
  check(after, b);
  if (after.ports().size() < before.ports().size())
    throw Error("what-if: the 'after' fabric has fewer ports than 'before' (remove by failing, not deleting)");
  WhatIf w;
  w.flows = a.count;
  std::vector<std::uint8_t> moved(a.count);
  moved_flags(a, b, moved.data());
  const auto& ta = before.tables();
  const auto& tb = after.tables();
  const std::size_t np = after.ports().size();
  w.dim = np + 1;
  w.matrix.assign(w.dim * w.dim, 0);
  auto end_of = [&](const PathView& v, std::size_t i) -> std::size_t {
    return v.drop[i] == 0 && v.end_port && v.end_port[i] >= 0 ? static_cast<std::size_t>(v.end_port[i]) : np;
  };
  std::uint64_t must = 0;
  for (std::size_t i = 0; i < a.count; ++i) {
    w.moved += moved[i];
    w.delivered_before += a.drop[i] == 0;
    w.delivered_after += b.drop[i] == 0;
    ++w.matrix[end_of(a, i) * w.dim + end_of(b, i)];
    // Had to move: its old path used a port that lost its carrier (or its node went away).
    bool lost = false;
    for (std::size_t h = 0; !lost && h < a.n_hops[i]; ++h) {
      const auto p = static_cast<std::size_t>(a.hop_port[i * a.max_hops + h]);
      lost = ta.carrier[p] && !tb.carrier[p];
    }
    if (!lost && a.drop[i] == 0 && a.end_port && a.end_port[i] >= 0) {
      lost = !after.port(a.end_port[i]).admin_up && before.port(a.end_port[i]).admin_up;
    }
    must += lost ? 1 : 0;
  }
  // Additions: at each node that gained candidates, their fair share of the flows it chooses for.
  const auto pa = polarization(before, a);
  const auto pb = polarization(after, b);
  std::uint64_t share = 0;
  for (const auto& q : pb) {
    std::uint32_t gained = 0;
    const NodePolarization* old = nullptr;
    for (const auto& o : pa)
      if (o.node == q.node) old = &o;
    // A node that received no flows before only sees flows an upstream addition moved (counted
    // there); its own candidates are not additions.
    if (!old) continue;
    for (std::size_t k = 0; k < q.candidates.size(); ++k) {
      if (!q.up[k]) continue;
      const PortId p = q.candidates[k];
      bool was = false;
      for (std::size_t j = 0; j < old->candidates.size(); ++j)
          if (old->candidates[j] == p && old->up[j]) was = true;
      if (!was) ++gained;
    }
    if (gained && q.up_count)
      share += q.flows * gained / q.up_count;
  }
  w.min_moved = std::min<std::uint64_t>(a.count, must + share);
  return w;
}

}  // namespace fwd::path
