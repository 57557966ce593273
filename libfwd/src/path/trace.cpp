// The path engine: one walk per flow over the compiled fabric; no allocation per flow.
#include "fwd/path/trace.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/path/detail/compiled.hpp"
#include "fwd/path/detail/trace_fast.hpp"

namespace fwd::path {

std::string_view name(Drop d) {
  switch (d) {
    case Drop::delivered: return "delivered";
    case Drop::no_route: return "no_route";
    case Drop::not_forwarding: return "not_forwarding";
    case Drop::ttl_exceeded: return "ttl_exceeded";
    case Drop::link_down: return "link_down";
    case Drop::no_live_nexthop: return "no_live_nexthop";
    case Drop::no_neighbour: return "no_neighbour";
    case Drop::unknown_mac: return "unknown_mac";
    case Drop::not_for_us: return "not_for_us";
    case Drop::loop: return "loop";
    case Drop::too_many_hops: return "too_many_hops";
    case Drop::not_ip: return "not_ip";
    case Drop::no_member: return "no_member";
    case Drop::unconnected: return "unconnected";
  }
  return "?";
}

std::string_view describe(Drop d) {
  switch (d) {
    case Drop::delivered: return "reached an end node";
    case Drop::no_route: return "no route to the destination";
    case Drop::not_forwarding: return "received by a node that does not forward";
    case Drop::ttl_exceeded: return "TTL / hop limit exceeded";
    case Drop::link_down: return "transmitted on a device without carrier (tx dropped)";
    case Drop::no_live_nexthop: return "every next hop of the route is dead";
    case Drop::no_neighbour: return "the gateway's MAC is unknown";
    case Drop::unknown_mac: return "a switch has no port for the destination MAC";
    case Drop::not_for_us: return "a router received a frame for another MAC";
    case Drop::loop: return "routing loop: the flow came back to a router it had crossed";
    case Drop::too_many_hops: return "more hops than max_hops";
    case Drop::not_ip: return "not an IP packet";
    case Drop::no_member: return "no LAG member can carry the frame";
    case Drop::unconnected: return "the egress port has no link";
  }
  return "?";
}

Paths::Paths(std::size_t n, std::size_t hops)
    : count(n), max_hops(hops), hop_node(n * hops, -1), hop_dev(n * hops, -1), hop_port(n * hops, -1),
      hop_nexthop(n * hops, -1), hop_rx_hash(n * hops, 0), n_hops(n, 0), drop(n, 0), end_node(n, -1),
      end_port(n, -1), drop_node(n, -1) {}

PathOut Paths::out() {
  return PathOut{max_hops, hop_node.data(), hop_dev.data(), hop_port.data(), hop_nexthop.data(),
                 hop_rx_hash.data(), n_hops.data(), end_node.data(), end_port.data(), drop.data(),
                 drop_node.data()};
}

std::string Paths::describe(const Fabric& f, std::size_t i) const {
  std::string s;
  for (std::size_t h = 0; h < n_hops[i]; ++h) {
    const std::size_t k = i * max_hops + h;
    if (!s.empty()) s += " -> ";
    s += f.node(hop_node[k]).name;
    if (hop_nexthop[k] >= 0) {
      const auto gw = f.nexthop_gateway(hop_nexthop[k]);
      if (!gw.empty()) s += " " + gw;
    }
    s += " " + f.port(hop_dev[k]).name;
    if (hop_port[k] != hop_dev[k]) s += "(" + f.port(hop_port[k]).name + ")";
  }
  if (!s.empty()) s += " -> ";
  if (drop[i] == 0)
    s += f.port_label(end_port[i] >= 0 ? end_port[i] : f.node(end_node[i]).ports.front());
  else
    s += fmt::format("dropped at {}: {}", drop_node[i] >= 0 ? f.node(drop_node[i]).name : "?",
                     fwd::path::name(static_cast<Drop>(drop[i])));
  return s;
}

namespace {

struct Walker {
  const Fabric& f;
  const Fabric::Compiled& t;
  const PathOut& out;
  const TraceOptions& opt;
  std::vector<std::uint8_t> scratch;

  struct Cached {
    std::int32_t config;
    std::uint32_t rx;
    std::uint32_t h;
  };

  static bool is_ours(const std::vector<Address>& addrs, std::uint8_t fam, const std::uint8_t* dst) {
    const std::size_t len = fam == 6 ? 16 : 4;
    for (const auto& a : addrs)
      if (a.family == fam && std::memcmp(a.addr.data(), dst, len) == 0) return true;
    return false;
  }

  bool owns(NodeId n, std::uint8_t fam, const std::uint8_t* dst) const {
    const auto& o = t.owned[static_cast<std::size_t>(n)];
    if (fam == 4) {
      const std::uint32_t d = net::be32(dst);
      for (std::size_t k = 0; k < o.net4.size(); ++k)
        if ((d & o.mask4[k]) == o.net4[k]) return true;
      return false;
    }
    for (const auto& pre : o.v6)
      if (pre.contains(dst)) return true;
    return false;
  }

  PortId fdb_lookup(NodeId sw, std::uint64_t mac) const {
    const auto& fdb = t.fdb[static_cast<std::size_t>(sw)];
    auto it = std::lower_bound(fdb.begin(), fdb.end(), std::make_pair(mac, PortId{-1}));
    return it != fdb.end() && it->first == mac ? it->second : none;
  }

  // The physical port a logical device transmits on (LAG member choice); -1 = no member.
  PortId physical(PortId dev, net::Bytes frame) {
    const Port& d = f.port(dev);
    if (d.lag_index == none) return dev;
    auto& l = t.lags[static_cast<std::size_t>(d.lag_index)];
    const lag::Selection s = l.select(frame);
    // A broadcast LAG sends a copy on every member; the path follows the first.
    if (s.outcome == lag::Outcome::broadcast) {
      const auto members = l.broadcast_members();
      return members.empty() ? none : d.members[members[0]];
    }
    return s.is_member() ? d.members[s.member] : none;
  }

  // Where a flow's walk stands at the top of a node: all the walk needs to resume there. A walk
  // suspends when a router needs a multipath hash it has not cached; the hashes of every flow
  // waiting on the same configuration are then computed in one route-layer batch.
  struct FlowState {
    NodeId node;
    PortId in_port;
    std::uint64_t cur_dmac;  // destination MAC of the frame on the wire now
    std::uint64_t src_mac;   // source MAC written by the last router (when rewritten)
    unsigned ttl;
    std::uint16_t l3_off, dst_off;
    std::uint8_t hops, ncache;
    bool is_ip, v6, rx_l4, rewritten;
    std::int32_t wait_group;   // the ECMP group whose choice the walk waits for (-1: none)
    std::int32_t wait_first;   // global id of that route's first next hop
    std::uint32_t wait_rx;     // receive hash the router saw
    std::int32_t wait_config;  // the configuration whose hash is missing (-1: known)
    std::uint32_t hash;        // the multipath hash for the waiting choice
    std::int32_t chosen;       // the choice: index in the group, -1 = no usable next hop
    Cached cache[4];
  };

  void start(FlowState& s, net::Bytes frame0, NodeId node, PortId in_port) const {
    const net::PacketView pv(frame0);
    s.node = node;
    s.in_port = in_port;
    s.is_ip = pv.has_ipv4() || pv.has_ipv6();
    s.v6 = pv.has_ipv6();
    s.l3_off = static_cast<std::uint16_t>(s.is_ip ? pv.l3_offset() : 0);
    s.dst_off = static_cast<std::uint16_t>(s.is_ip ? pv.ip_dst_bytes().data() - frame0.data() : 0);
    s.ttl = pv.ttl();
    s.rx_l4 = pv.has_ports() || (pv.has_ipv6() && pv.ipv6_flow_label() != 0);
    s.cur_dmac = frame0.size() >= 14 ? net::Mac::from_bytes(frame0.data()).to_u64() : 0;
    s.src_mac = 0;
    s.hops = 0;
    s.ncache = 0;
    s.rewritten = false;
    s.wait_group = -1;
    s.wait_config = -1;
  }

  static net::Bytes l3_of(const FlowState& s, net::Bytes frame0) {
    return s.is_ip ? frame0.subspan(s.l3_off) : net::Bytes{};
  }

  // Per-flow multipath hash cache: routers with the same ECMP configuration and the same receive
  // hash compute the same value for a packet whose hashed fields forwarding does not change.
  static bool cached(FlowState& s, std::int32_t config, std::uint32_t rx) {
    for (unsigned c = 0; c < s.ncache; ++c)
      if (s.cache[c].config == config && s.cache[c].rx == rx) {
        s.hash = s.cache[c].h;
        return true;
      }
    return false;
  }
  static void add_hash(FlowState& s, std::int32_t config, std::uint32_t rx, std::uint32_t h) {
    s.hash = h;
    s.cache[s.ncache % 4] = {config, rx, h};
    if (s.ncache < 4) ++s.ncache;
  }

  /// Walks flow i from where `s` stands; true when its path is complete, false when it waits for
  /// the choice of ECMP group s.wait_group (resumed with s.chosen set).
  bool run(std::size_t i, net::Bytes frame0, FlowState& s) {
    const std::size_t H = out.max_hops;
    std::int32_t* hn = out.hop_node + i * H;
    std::int32_t* hp = out.hop_port + i * H;
    NodeId node = s.node;
    PortId in_port = s.in_port;
    std::size_t hops = s.hops;
    net::Bytes frame = frame0;
    const bool is_ip = s.is_ip;
    const std::uint8_t fam = s.v6 ? 6 : 4;
    const std::uint8_t* dst = is_ip ? frame0.data() + s.dst_off : nullptr;
    unsigned ttl = s.ttl;
    bool rewritten = false;
    const bool needs_rewrite = t.hashes_l2;
    std::uint64_t cur_dmac = s.cur_dmac;
    std::uint64_t src_mac = s.src_mac;

    auto finish = [&](Drop d, NodeId at, PortId port) -> bool {
      // Slots after the last hop: -1 (0 for the receive hash), written once here.
      for (std::size_t h = hops; h < H; ++h) {
        hn[h] = -1;
        hp[h] = -1;
        if (out.hop_dev) out.hop_dev[i * H + h] = -1;
        if (out.hop_nexthop) out.hop_nexthop[i * H + h] = -1;
        if (out.hop_rx_hash) out.hop_rx_hash[i * H + h] = 0;
      }
      out.n_hops[i] = static_cast<std::uint8_t>(hops);
      out.drop[i] = static_cast<std::uint8_t>(d);
      out.end_node[i] = d == Drop::delivered ? at : -1;
      if (out.end_port) out.end_port[i] = d == Drop::delivered ? port : -1;
      if (out.drop_node) out.drop_node[i] = d == Drop::delivered ? -1 : at;
      return true;
    };
    auto record = [&](NodeId n, PortId dev, PortId phys, std::int32_t nh, std::uint32_t rx) {
      hn[hops] = n;
      hp[hops] = phys;
      if (out.hop_dev) out.hop_dev[i * H + hops] = dev;
      if (out.hop_nexthop) out.hop_nexthop[i * H + hops] = nh;
      if (out.hop_rx_hash) out.hop_rx_hash[i * H + hops] = rx;
      ++hops;
    };
    // Ethernet header as the next node sees it: a router writes its own source MAC and the
    // gateway's destination MAC. Copied only when something downstream may hash MACs.
    auto rewrite = [&](std::uint64_t src, std::uint64_t dstmac) {
      if (frame.size() < 14) return;
      if (!rewritten) {
        if (scratch.size() < frame.size()) scratch.resize(std::max<std::size_t>(frame.size(), 2048));
        std::memcpy(scratch.data(), frame.data(), frame.size());
        frame = net::Bytes(scratch.data(), frame.size());
        rewritten = true;
      }
      const auto d = net::Mac::from_u64(dstmac), sm = net::Mac::from_u64(src);
      std::memcpy(scratch.data(), d.bytes.data(), 6);
      std::memcpy(scratch.data() + 6, sm.bytes.data(), 6);
      src_mac = src;
    };
    // Resuming after a router rewrote the header: the same bytes again in the scratch frame.
    if (s.rewritten) rewrite(src_mac, cur_dmac);

    bool resuming = s.wait_group >= 0;
    for (;;) {
      std::int32_t nh;
      std::uint32_t rx;
      if (resuming) {
        resuming = false;
        s.wait_group = -1;
        rx = s.wait_rx;
        if (s.chosen < 0) return finish(Drop::no_live_nexthop, node, in_port);
        nh = s.wait_first + s.chosen;
      } else {
        if (hops >= H) return finish(Drop::too_many_hops, node, in_port);
        const NodeKind kind = t.kind[static_cast<std::size_t>(node)];
        if (kind == NodeKind::sink) return finish(Drop::delivered, node, in_port);
        if (kind == NodeKind::switch_) {
          if (frame.size() < 14) return finish(Drop::unknown_mac, node, in_port);
          const std::uint64_t dmac = cur_dmac;
          const PortId in_top = in_port != none && f.port(in_port).lag != none ? f.port(in_port).lag : in_port;
          const PortId egress = fdb_lookup(node, dmac);
          if (egress == none || egress == in_top) return finish(Drop::unknown_mac, node, in_port);
          const PortId phys = physical(egress, frame);
          if (phys == none) return finish(Drop::no_member, node, in_port);
          record(node, egress, phys, -1, 0);
          const Port& pp = f.port(phys);
          if (pp.peer == none) return finish(Drop::unconnected, node, in_port);
          if (!t.carrier[static_cast<std::size_t>(phys)]) return finish(Drop::link_down, node, in_port);
          in_port = pp.peer;
          node = f.port(in_port).node;
          continue;
        }
        // host or router
        if (!is_ip) return finish(Drop::not_ip, node, in_port);
        if (in_port != none && frame.size() >= 14) {
          const std::uint64_t dmac = cur_dmac;
          if (dmac != t.port_mac[static_cast<std::size_t>(in_port)] && !net::Mac::from_u64(dmac).is_multicast())
            return finish(Drop::not_for_us, node, in_port);
        }
        if (owns(node, fam, dst)) return finish(Drop::delivered, node, in_port);
        rx = opt.rx_hash && in_port != none
                                     ? opt.rx_hash[i * opt.rx_hash_stride + static_cast<std::size_t>(node)]
                                     : 0;
        if (in_port != none) {
          if (!t.forwarding[static_cast<std::size_t>(node)]) return finish(Drop::not_forwarding, node, in_port);
          for (std::size_t h = 0; h < hops; ++h)
            if (hn[h] == node) return finish(Drop::loop, node, in_port);
          if (ttl <= 1) return finish(Drop::ttl_exceeded, node, in_port);
          --ttl;
        }
        const auto& routes = t.routes[fam == 6][static_cast<std::size_t>(node)];
        const Fabric::Compiled::RouteRef* route = nullptr;
        if (fam == 4) {
          const std::uint32_t d = net::be32(dst);
          for (const auto& r : routes)
            if ((d & r.mask4) == r.net4) {
              route = &r;
              break;
            }
        } else {
          for (const auto& r : routes)
            if (r.dst.contains(dst)) {
              route = &r;
              break;
            }
        }
        if (!route) return finish(Drop::no_route, node, in_port);
        if (route->count > 1) {
          // The walk waits here for its next hop: the driver hashes and picks for every waiting
          // flow in batches (per configuration, per group), then resumes the walk right after.
          s.node = node;
          s.in_port = in_port;
          s.hops = static_cast<std::uint8_t>(hops);
          s.ttl = ttl;
          s.rewritten = rewritten;
          s.cur_dmac = cur_dmac;
          s.src_mac = src_mac;
          s.wait_group = route->group;
          s.wait_first = route->first_nh;
          s.wait_rx = rx;
          return false;
        }
        nh = route->first_nh;
      }
      const auto& nf = t.nh_fast[static_cast<std::size_t>(nh)];
      if (nf.fast && !needs_rewrite) {
        record(node, nf.dev, nf.dev, nh, rx);
        cur_dmac = nf.gw_mac;
        in_port = nf.peer;
        node = nf.peer_node;
        continue;
      }
      const auto& ref = f.nexthops()[static_cast<std::size_t>(nh)];
      const Node& nd = f.node(node);
      const NextHop& hop =
          nd.routes[fam == 6][static_cast<std::size_t>(ref.route)].nexthops[static_cast<std::size_t>(ref.index)];
      const PortId dev = hop.dev;
      if (!f.port(dev).admin_up) {
        // A single-path route over a device that is down: the kernel has no usable route.
        return finish(Drop::no_live_nexthop, node, in_port);
      }
      std::int64_t gw_mac = t.nh_mac[static_cast<std::size_t>(nh)];
      if (gw_mac < 0) {
        // On-link route, or a gateway without neighbour entry: the owner of the address on the
        // segment answers (the destination itself for an on-link route).
        const std::uint8_t* target = hop.gateway ? hop.gateway->addr.data() : dst;
        for (PortId q : t.segment[static_cast<std::size_t>(dev)]) {
          if (is_ours(f.port(q).addresses, fam, target) ||
              (!hop.gateway && owns(f.port(q).node, fam, target))) {
            gw_mac = static_cast<std::int64_t>(t.port_mac[static_cast<std::size_t>(q)]);
            break;
          }
        }
      }
      // The frame as it leaves: the device's MAC as source, the gateway's as destination (a LAG
      // below hashes this header).
      if (gw_mac >= 0 && needs_rewrite) rewrite(t.port_mac[static_cast<std::size_t>(dev)], static_cast<std::uint64_t>(gw_mac));
      const PortId phys = gw_mac >= 0 ? physical(dev, frame) : dev;
      if (phys == none) {
        record(node, dev, dev, nh, rx);
        return finish(Drop::no_member, node, in_port);
      }
      record(node, dev, phys, nh, rx);
      const Port& pp = f.port(phys);
      if (pp.peer == none) return finish(Drop::unconnected, node, in_port);
      if (!t.carrier[static_cast<std::size_t>(phys)]) return finish(Drop::link_down, node, in_port);
      if (gw_mac < 0) return finish(Drop::no_neighbour, node, in_port);
      cur_dmac = static_cast<std::uint64_t>(gw_mac);
      in_port = pp.peer;
      node = f.port(in_port).node;
    }
  }
};

}  // namespace

void trace(const Fabric& fabric, const hash::Policy::Batch& frames, const Ingress& ingress, const PathOut& out,
           const TraceOptions& options) {
  if (!out.hop_node || !out.hop_port || !out.n_hops || !out.end_node || !out.drop)
    throw Error("path trace: hop_node, hop_port, n_hops, end_node and drop outputs are required");
  if (out.max_hops < 1 || out.max_hops > 255) throw Error(fmt::format("max_hops {} out of range 1..255", out.max_hops));
  if (options.rx_hash && options.rx_hash_stride < fabric.nodes().size())
    throw Error(fmt::format("rx_hash has {} columns; the fabric has {} nodes", options.rx_hash_stride,
                            fabric.nodes().size()));
  auto check_port = [&](PortId p) {
    if (p < 0 || static_cast<std::size_t>(p) >= fabric.ports().size())
      throw Error(fmt::format("ingress port {} out of range (the fabric has {} ports)", p, fabric.ports().size()));
  };
  NodeId node0 = ingress.node;
  if (!ingress.ports) {
    if (ingress.port != none) {
      check_port(ingress.port);
      node0 = fabric.port(ingress.port).node;
    } else if (node0 < 0 || static_cast<std::size_t>(node0) >= fabric.nodes().size()) {
      throw Error("path trace: give the ingress port (or the originating node)");
    }
  } else {
    for (std::size_t i = 0; i < frames.count; ++i) check_port(ingress.ports[i]);
  }
  const auto& tables = fabric.tables();
  // The IPv4 lane takes what it can on fabrics where flows may be traced in any order; the general
  // walker below takes the rest (all flows elsewhere), from their start.
  std::vector<std::uint32_t> rest;
  const bool lane = tables.fast_ok && !options.rx_hash;
  if (lane) {
    detail::trace_ipv4_lane(fabric, tables, frames, ingress, out, rest);
    std::sort(rest.begin(), rest.end());
    if (rest.empty()) return;
  }
  const std::size_t total = lane ? rest.size() : frames.count;
  auto flow_of = [&](std::size_t j) -> std::size_t { return lane ? rest[j] : j; };
  Walker w{fabric, tables, out, options, {}};
  // The one scratch frame of the batch, sized once: no allocation per flow.
  if (tables.hashes_l2) w.scratch.resize(std::max<std::size_t>(frames.stride, 64));
  // Flows go in chunks (their states stay in cache). Each flow walks until it is done or waits for
  // a multipath hash; the waiting flows are grouped by configuration and hashed in one route-layer
  // batch per configuration, then walk on: a tier at a time, with the hash lanes full.
  constexpr std::size_t chunk = 1024;
  const std::size_t nconf = tables.configs.size();
  std::vector<Walker::FlowState> st(std::min(chunk, total));
  const std::size_t ngroup = tables.groups.size();
  std::vector<std::uint32_t> waiting, resume(st.size()), sorted(st.size()), hashes(st.size());
  std::vector<std::int32_t> chosen(st.size());
  std::vector<net::Bytes> packets(st.size());
  std::vector<std::size_t> first(nconf + 1), gfirst(ngroup + 1);
  waiting.reserve(st.size());
  std::vector<std::size_t> flow(st.size());  // chunk slot -> flow index
  for (std::size_t base = 0; base < total; base += chunk) {
    const std::size_t m = std::min(chunk, total - base);
    waiting.clear();
    for (std::size_t k = 0; k < m; ++k) {
      const std::size_t i = flow[k] = flow_of(base + k);
      const PortId p = ingress.ports ? ingress.ports[i] : ingress.port;
      const NodeId n = p != none ? fabric.port(p).node : node0;
      w.start(st[k], frames.row(i), n, p);
      if (!w.run(i, frames.row(i), st[k])) waiting.push_back(static_cast<std::uint32_t>(k));
    }
    while (!waiting.empty()) {
      // 1. Hashes: from the flow's cache, else in one batch per configuration (no receive hash),
      //    else (a receive hash: rare) one by one as the scalar walk did.
      std::fill(first.begin(), first.end(), 0);
      std::fill(gfirst.begin(), gfirst.end(), 0);
      std::size_t nhash = 0, npick = 0, nlocal = 0;
      for (auto k : waiting) {
        auto& s = st[k];
        const auto& g = tables.groups[static_cast<std::size_t>(s.wait_group)];
        s.wait_config = -1;
        if (s.in_port != none) {
          ++gfirst[static_cast<std::size_t>(s.wait_group) + 1];
          ++npick;
        } else {
          ++nlocal;
        }
        if (Walker::cached(s, g.config, s.wait_rx)) continue;
        if (s.wait_rx == 0) {
          s.wait_config = g.config;
          ++first[static_cast<std::size_t>(g.config) + 1];
          ++nhash;
        } else {
          const auto h = detail::multipath_hash(tables.configs[static_cast<std::size_t>(g.config)],
                                                Walker::l3_of(s, frames.row(flow[k])), s.wait_rx, s.rx_l4,
                                                s.in_port == none);
          Walker::add_hash(s, g.config, s.wait_rx, h);
        }
      }
      if (nhash) {
        for (std::size_t c = 0; c < nconf; ++c) first[c + 1] += first[c];
        for (auto k : waiting) {
          if (st[k].wait_config < 0) continue;
          const std::size_t at = first[static_cast<std::size_t>(st[k].wait_config)]++;
          sorted[at] = k;
          packets[at] = Walker::l3_of(st[k], frames.row(flow[k]));
        }
        // first[c] is now the end of configuration c's run.
        for (std::size_t c = 0, b = 0; c < nconf; b = first[c++])
          if (first[c] > b)
            detail::multipath_hash_batch(tables.configs[c],
                                         std::span<const net::Bytes>(packets.data() + b, first[c] - b),
                                         hashes.data() + b);
        for (std::size_t at = 0; at < nhash; ++at) {
          auto& s = st[sorted[at]];
          Walker::add_hash(s, s.wait_config, 0, hashes[at]);
        }
      }
      // 2. Choices: one batch per group for forwarded packets (counted above); an originated one
      //    alone.
      for (std::size_t at = 0; nlocal && at < waiting.size(); ++at) {
        auto& s = st[waiting[at]];
        if (s.in_port != none) continue;
        const auto& g = tables.groups[static_cast<std::size_t>(s.wait_group)];
        s.chosen = detail::pick(tables.configs[static_cast<std::size_t>(g.config)], g, s.hash, true);
      }
      if (npick) {
        for (std::size_t c = 0; c < ngroup; ++c) gfirst[c + 1] += gfirst[c];
        for (auto k : waiting) {
          if (st[k].in_port == none) continue;
          const std::size_t at = gfirst[static_cast<std::size_t>(st[k].wait_group)]++;
          sorted[at] = k;
          hashes[at] = st[k].hash;
        }
        for (std::size_t c = 0, b = 0; c < ngroup; b = gfirst[c++])
          if (gfirst[c] > b) detail::pick_batch(tables.groups[c], hashes.data() + b, gfirst[c] - b, chosen.data() + b);
        for (std::size_t at = 0; at < npick; ++at) st[sorted[at]].chosen = chosen[at];
      }
      // 3. Walk on.
      const std::size_t nw = waiting.size();
      std::copy(waiting.begin(), waiting.end(), resume.begin());
      waiting.clear();
      for (std::size_t at = 0; at < nw; ++at) {
        const std::uint32_t k = resume[at];
        if (!w.run(flow[k], frames.row(flow[k]), st[k])) waiting.push_back(k);
      }
    }
  }
}

Paths trace(const Fabric& fabric, const hash::Policy::Batch& frames, const Ingress& ingress, std::size_t max_hops,
            const TraceOptions& options) {
  Paths p(frames.count, max_hops);
  trace(fabric, frames, ingress, p.out(), options);
  return p;
}

}  // namespace fwd::path
