// The tracer's IPv4 lane (detail/trace_fast.hpp): the common case of trace.cpp's walk with its
// state in a small per-flow struct and its tables flat. Every check the general walker makes is
// made here in the same order; where the general walker would drop the flow, or take a path the
// lane does not model, the lane hands the flow back instead of deciding.
#include "fwd/path/detail/trace_fast.hpp"

#include <algorithm>
#include <span>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fwd/net/mac.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/path/detail/ecmp.hpp"
#include "fwd/route/ecmp.hpp"

namespace fwd::path::detail {

namespace {

enum class Step : std::uint8_t { done, wait, back };

// One flow's walk: where it stands (top of `node`, arrived on `in_port`), its packet and the one
// multipath hash it last computed (routers with the same configuration compute the same value).
// Its hash key (route::PlainV4Key) is kept beside, in the driver's per-lane key columns.
struct Lane {
  const std::uint8_t* l3;
  std::uint32_t l3_len;
  std::uint32_t flow;
  std::uint64_t dmac;  // destination MAC on the wire now
  NodeId node;
  PortId in_port;
  std::uint32_t dst;   // IPv4 destination, host order
  std::int32_t config; // configuration of `hash` (-1: none yet)
  std::uint32_t hash;
  std::int32_t group, first_nh;  // the multipath route the walk waits at
  std::uint8_t ttl, hops;
};

class Ipv4Lane {
public:
  Ipv4Lane(const Fabric::Compiled& t, const PathOut& out)
      : out_(out), hint_(t.fast_nodes.size(), 0), H_(out.max_hops), nodes_(t.fast_nodes.data()), net_(t.fast_net.data()),
        mask_(t.fast_mask.data()), routes_(t.fast_routes.data()), nh_(t.nh_fast.data()),
        port_mac_(t.port_mac.data()), groups_(t.fast_groups.data()), upper_(t.fast_upper.data()),
        index_(t.fast_index.data()) {}

  // Walks until the flow ends (done), reaches a multipath route (wait, L.group set) or leaves the
  // lane (back). The driver makes the choices a tier at a time: all flows of a chunk then run the
  // same per-node code paths one after the other (measured faster than walking each flow through
  // to its end, choices inline).
  Step advance(Lane& L) {
    for (;;) {
      if (L.hops >= H_) return Step::back;  // too_many_hops
      const auto& fn = nodes_[L.node];
      if (fn.kind == NodeKind::sink) return deliver(L);
      if (fn.kind == NodeKind::switch_) return Step::back;
      // Frames for another unicast MAC: not_for_us.
      if (L.dmac != port_mac_[L.in_port] && !((L.dmac >> 40) & 1)) return Step::back;
      // One scan over the owned prefixes then the routes: an owned match ends the flow here, else
      // the first matching route is the longest prefix (the checks between do not change it).
      // Flows through a node mostly match the same entry: the last one that is sure to be the
      // first match when it matches is tried alone first.
      std::uint32_t k = hint_[L.node];
      if ((L.dst & mask_[k]) != net_[k]) {
        k = first_match(L.dst, fn.owned_begin, fn.routes_end);
        if (k < fn.routes_end && routes_[k].first_if_match) hint_[L.node] = k;
      }
      if (k < fn.routes_begin) return deliver(L);
      if (!fn.forwarding) return Step::back;
      const std::size_t row = static_cast<std::size_t>(L.flow) * H_;
      for (std::size_t h = 0; h < L.hops; ++h)
        if (hop_node_[row + h] == L.node) return Step::back;  // loop
      if (L.ttl <= 1) return Step::back;
      --L.ttl;
      if (k == fn.routes_end) return Step::back;  // no_route
      const auto& r = routes_[k];
      if (r.group >= 0) {
        L.group = r.group;
        L.first_nh = r.first_nh;
        return Step::wait;
      }
      if (!hop(L, r.first_nh)) return Step::back;
    }
  }

  // The choice at L's multipath route when it is a threshold table (route::Ecmp::threshold_table:
  // what select_hash_batch chooses), L's hash being that of the group's configuration; -2 when the
  // route layer has to choose.
  std::int32_t table_choice(const Lane& L) const {
    const auto& g = groups_[L.group];
    if (!g.table) return -2;
    return index_[g.index_begin + count_below(g, L.hash)];
  }

  // Takes next hop `nh` when its compiled form is complete (a physical device with carrier, a
  // peer and the gateway's MAC): records the hop and moves to the peer. False: leave the lane.
  bool hop(Lane& L, std::int32_t nh) const {
    const auto& nf = nh_[nh];
    if (!nf.fast) return false;
    const std::size_t at = static_cast<std::size_t>(L.flow) * H_ + L.hops;
    hop_node_[at] = L.node;
    hop_port_[at] = nf.dev;
    if (hop_dev_) hop_dev_[at] = nf.dev;
    if (hop_nexthop_) hop_nexthop_[at] = nh;  // hop_rx_hash stays 0 (clear_rows): no receive hash here
    ++L.hops;
    L.dmac = nf.gw_mac;
    L.in_port = nf.peer;
    L.node = nf.peer_node;
    return true;
  }

private:
  // The first prefix in [begin, end) (multiples of 4) that contains `dst`, or `end`.
  std::uint32_t first_match(std::uint32_t dst, std::uint32_t begin, std::uint32_t end) const {
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi32(static_cast<int>(dst));
    for (std::uint32_t k = begin; k < end; k += 4) {
      const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask_ + k));
      const __m128i n = _mm_loadu_si128(reinterpret_cast<const __m128i*>(net_ + k));
      const int hit = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(d, m), n)));
      if (hit) return k + static_cast<std::uint32_t>(__builtin_ctz(static_cast<unsigned>(hit)));
    }
    return end;
#else
    std::uint32_t k = begin;
    while (k < end && (dst & mask_[k]) != net_[k]) ++k;
    return k;
#endif
  }

  // How many upper bounds of group g lie below h (unsigned): four at a time with SSE2.
  std::uint32_t count_below(const Fabric::Compiled::FastGroup& g, std::uint32_t h) const {
#if defined(__SSE2__)
    if (g.count <= 4) {
      const __m128i flip = _mm_set1_epi32(static_cast<int>(0x80000000u));
      const __m128i ub = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(upper_ + g.upper_begin)), flip);
      const __m128i hv = _mm_xor_si128(_mm_set1_epi32(static_cast<int>(h)), flip);
      const int below = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(hv, ub)));
      // Bits set in a 4-bit mask (no popcnt in the baseline ISA: __builtin_popcount is a call).
      return (0x4332322132212110ull >> (4 * below)) & 0xf;
    }
#endif
    std::uint32_t below = 0;
    for (std::uint32_t j = 0; j < g.count; ++j) below += upper_[g.upper_begin + j] < h;
    return below;
  }

public:
  // Marks every hop of flows [first, first + n) unused (-1; receive hash 0), array by array: the
  // walk then writes only the hops it takes, and a flow's unused tail costs nothing per flow.
  void clear_rows(std::size_t first, std::size_t n) const {
    const std::size_t a = first * H_, b = (first + n) * H_;
    for (std::int32_t* v : {hop_node_, hop_port_, hop_dev_, hop_nexthop_})
      if (v) std::fill(v + a, v + b, -1);
    if (hop_rx_hash_) std::fill(hop_rx_hash_ + a, hop_rx_hash_ + b, 0u);
  }

private:
  // The hop rows are already cleared (clear_rows).
  Step deliver(const Lane& L) const {
    const std::size_t i = L.flow;
    end_node_[i] = L.node;
    if (end_port_) end_port_[i] = L.in_port;
    if (drop_node_) drop_node_[i] = -1;
    n_hops_[i] = L.hops;
    drop_[i] = 0;
    return Step::done;
  }

  const PathOut& out_;
  // Per node: the entry of fast_net its last flow matched, when that entry is first_if_match (0,
  // a padding entry that matches nothing, until then). Only a shortcut: the same k as a scan.
  std::vector<std::uint32_t> hint_;
  // The output arrays (optional ones may be null).
  std::int32_t* const hop_node_ = out_.hop_node;
  std::int32_t* const hop_port_ = out_.hop_port;
  std::int32_t* const hop_dev_ = out_.hop_dev;
  std::int32_t* const hop_nexthop_ = out_.hop_nexthop;
  std::uint32_t* const hop_rx_hash_ = out_.hop_rx_hash;
  std::int32_t* const end_node_ = out_.end_node;
  std::int32_t* const end_port_ = out_.end_port;
  std::int32_t* const drop_node_ = out_.drop_node;
  std::uint8_t* const n_hops_ = out_.n_hops;
  std::uint8_t* const drop_ = out_.drop;
  const std::size_t H_;
  const Fabric::Compiled::FastNode* nodes_;
  const std::uint32_t *net_, *mask_;
  const Fabric::Compiled::FastRoute* routes_;
  const Fabric::Compiled::NhFast* nh_;
  const std::uint64_t* port_mac_;
  const Fabric::Compiled::FastGroup* groups_;
  const std::uint32_t* upper_;
  const std::int32_t* index_;
};

}  // namespace

void trace_ipv4_lane(const Fabric& fabric, const Fabric::Compiled& t, const hash::Policy::Batch& frames,
                     const Ingress& ingress, const PathOut& out, std::vector<std::uint32_t>& rest) {
  Ipv4Lane lane(t, out);
  constexpr std::size_t chunk = 2048;
  const std::size_t ngroup = t.groups.size();
  std::vector<Lane> lanes(std::min(chunk, frames.count));
  // active / next: lane indices of this round's / the next round's walks (at most one per lane).
  // hashed / picks: flows waiting for a batch hash / a route-layer pick; sorted: picks by group.
  const std::size_t cap = lanes.size();
  std::vector<std::uint32_t> active(cap), next(cap), hashed(cap), picks(cap), sorted(cap), hashes(cap);
  std::vector<std::int32_t> chosen(cap);
  // Per lane: its packet's plain key (proto 0: not plain) and the selector (plain_hash) its next
  // hash is under; key_*_at: the same compacted in `hashed` order when that is not lane order.
  std::vector<std::uint32_t> key_lo(cap), key_hi(cap), key_ports(cap), key_which(cap);
  std::vector<std::uint8_t> key_proto(cap);
  std::vector<std::uint32_t> key_lo_at(cap), key_hi_at(cap), key_ports_at(cap), key_which_at(cap);
  std::vector<std::uint8_t> key_proto_at(cap);
  std::vector<std::uint32_t> gfirst(t.groups.size() + 1);
  const NodeId port_node = ingress.ports || ingress.port == none ? none : fabric.port(ingress.port).node;
  for (std::size_t base = 0; base < frames.count; base += chunk) {
    const std::size_t m = std::min(chunk, frames.count - base);
    lane.clear_rows(base, m);
    std::size_t n_active = 0;
    for (std::size_t k = 0; k < m; ++k) {
      const std::size_t i = base + k;
      const PortId p = ingress.ports ? ingress.ports[i] : ingress.port;
      const net::Bytes frame = frames.row(i);
      // The frames stream in once: ask for a later one while this one is read.
      if (i + 16 < frames.count) __builtin_prefetch(frames.data + (i + 16) * frames.stride);
      if (p == none || frame.size() < 14) {  // originated at a node / no Ethernet header
        rest.push_back(static_cast<std::uint32_t>(i));
        continue;
      }
      // An untagged IPv4 frame is recognised here with net::PacketView's own conditions (a whole
      // header, IHL >= 5); anything else is parsed by PacketView.
      const std::uint8_t* p0 = frame.data();
      std::size_t l3 = 14;
      if (p0[12] == 0x08 && p0[13] == 0x00) {
        const std::size_t ihl = (frame.size() >= 34 ? p0[14] & 0x0fu : 0u) * 4u;
        if (ihl < 20 || frame.size() < 14 + ihl) {
          rest.push_back(static_cast<std::uint32_t>(i));
          continue;
        }
      } else {
        const net::PacketView pv(frame);
        if (!pv.has_ipv4()) {
          rest.push_back(static_cast<std::uint32_t>(i));
          continue;
        }
        l3 = pv.l3_offset();
      }
      Lane& L = lanes[n_active];
      L.l3 = p0 + l3;
      L.l3_len = static_cast<std::uint32_t>(frame.size() - l3);
      L.flow = static_cast<std::uint32_t>(i);
      L.dmac = net::be48(p0);
      L.node = ingress.ports ? fabric.port(p).node : port_node;
      L.in_port = p;
      L.dst = net::be32(L.l3 + 16);
      const auto key = route::plain_v4_key(net::Bytes(L.l3, L.l3_len)).value_or(route::PlainV4Key{});
      key_lo[n_active] = key.lo, key_hi[n_active] = key.hi, key_ports[n_active] = key.ports;
      key_proto[n_active] = key.proto;
      L.config = -1;
      L.ttl = L.l3[8];
      L.hops = 0;
      active[n_active] = static_cast<std::uint32_t>(n_active);
      ++n_active;
    }
    // A round walks every active flow to its next multipath route. There each needs its group's
    // configuration's hash: a cached one (routers with equal settings compute equal hashes) or one
    // hashed alone is chosen at once; plain keys missing a hash go to one route-layer batch
    // whatever their configurations, and are chosen as it returns. Chosen flows are the next
    // round's active ones.
    while (n_active) {
      std::size_t nhash = 0, npick = 0, n_next = 0;
      bool in_order = true;  // hashed[at] == at so far
      const auto choose = [&](std::uint32_t k) {
        Lane& L = lanes[k];
        const std::int32_t c = lane.table_choice(L);
        if (c == -2) {  // not a threshold table: the route layer picks, per group (below)
          picks[npick++] = k;
          return;
        }
        if (c >= 0 && lane.hop(L, L.first_nh + c))
          next[n_next++] = k;
        else
          rest.push_back(L.flow);  // no_live_nexthop or a next hop the lane does not take
      };
      for (std::size_t a = 0; a < n_active; ++a) {
        const auto k = active[a];
        Lane& L = lanes[k];
        const Step step = lane.advance(L);
        if (step != Step::wait) {
          if (step == Step::back) rest.push_back(L.flow);
          continue;
        }
        const auto& g = t.fast_groups[static_cast<std::size_t>(L.group)];
        if (L.config != g.config) {
          L.config = g.config;  // the hash follows, alone or from the batch below
          if (key_proto[k] && g.plain_slot >= 0) {
            key_which[k] = static_cast<std::uint32_t>(g.plain_slot);
            in_order &= k == nhash;
            hashed[nhash++] = k;
            continue;
          }
          L.hash = multipath_hash(t.configs[static_cast<std::size_t>(g.config)], net::Bytes(L.l3, L.l3_len), 0, false, false);
        }
        choose(k);
      }
      if (nhash) {
        // Lanes 0..nhash-1 in order: their columns as they are; else compacted in `hashed` order.
        route::PlainV4Columns keys{key_lo.data(), key_hi.data(), key_ports.data(), key_proto.data(), nhash};
        const std::uint32_t* which = key_which.data();
        if (!in_order) {
          for (std::size_t at = 0; at < nhash; ++at) {
            const auto k = hashed[at];
            key_lo_at[at] = key_lo[k], key_hi_at[at] = key_hi[k], key_ports_at[at] = key_ports[k];
            key_proto_at[at] = key_proto[k], key_which_at[at] = key_which[k];
          }
          keys = {key_lo_at.data(), key_hi_at.data(), key_ports_at.data(), key_proto_at.data(), nhash};
          which = key_which_at.data();
        }
        t.plain_hash.hash(keys, which, hashes.data());
      }
      for (std::size_t at = 0; at < nhash; ++at) {
        const auto k = in_order ? static_cast<std::uint32_t>(at) : hashed[at];
        lanes[k].hash = hashes[at];
        choose(k);
      }
      if (npick) {
        std::fill(gfirst.begin(), gfirst.end(), 0);
        for (std::size_t a = 0; a < npick; ++a) ++gfirst[static_cast<std::size_t>(lanes[picks[a]].group) + 1];
        for (std::size_t g = 0; g < ngroup; ++g) gfirst[g + 1] += gfirst[g];
        for (std::size_t a = 0; a < npick; ++a) {
          const std::size_t at = gfirst[static_cast<std::size_t>(lanes[picks[a]].group)]++;
          sorted[at] = picks[a];
          hashes[at] = lanes[picks[a]].hash;
        }
        // gfirst[g] is now the end of group g's run.
        for (std::size_t g = 0, b = 0; g < ngroup; b = gfirst[g++])
          if (gfirst[g] > b) pick_batch(t.groups[g], hashes.data() + b, gfirst[g] - b, chosen.data() + b);
        for (std::size_t at = 0; at < npick; ++at) {
          Lane& L = lanes[sorted[at]];
          if (chosen[at] >= 0 && lane.hop(L, L.first_nh + chosen[at]))
            next[n_next++] = sorted[at];
          else
            rest.push_back(L.flow);
        }
      }
      std::swap(active, next);
      n_active = n_next;
    }
  }
}

}  // namespace fwd::path::detail
