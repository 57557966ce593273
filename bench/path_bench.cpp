// fwd::path::trace: 1 M IPv4/TCP flows through a three-tier fabric of Linux routers (client -> t1
// 4-way -> 4 x t2 4-way -> 16 x t3 2-way -> sink), policy 1, with equal seeds on every router (one
// multipath hash per flow, reused by every tier: spec linux-ecmp §10) and with a different seed per
// router (three hashes per flow). `route_hash_only` is the same-run baseline: the route layer's
// three scalar hashes per flow alone, i.e. what the per-flow walk paid before the trace hashed in
// route-layer batches. This fabric is one the tracer's IPv4 lane takes (detail/trace_fast.hpp).
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "bench_frames.hpp"
#include "fwd/path/trace.hpp"
#include "fwd/route/ecmp.hpp"

namespace {

using namespace fwd;
using namespace fwd::path;

constexpr std::size_t flow_count = 1 << 20;
constexpr std::size_t frame_size = bench_frame_size;

const std::vector<std::uint8_t>& corpus() {
  static const std::vector<std::uint8_t> frames = [] {
    auto v = random_tcp_frames(flow_count, 20261204);
    for (std::size_t i = 0; i < flow_count; ++i) {
      std::uint8_t* f = v.data() + i * frame_size;
      const net::Mac to = net::Mac::parse("02:00:00:00:00:01");
      std::copy(to.bytes.begin(), to.bytes.end(), f);
      f[14 + 16] = 198;  // destination in 198.18.0.0/16
      f[14 + 17] = 18;
    }
    return v;
  }();
  return frames;
}

std::string spec(bool same, unsigned& k) {
  return same ? std::string("linux-6.18:policy=1;seed=0x1234abcd")
              : fmt::format("linux-6.18:policy=1;seed={:#x}", (++k * 0x9e3779b9u));
}

Fabric three_tier(bool same) {
  Fabric f;
  unsigned k = 0;
  const NodeId c = f.add_node("c", NodeKind::host), t1 = f.add_node("t1", NodeKind::router);
  const NodeId s = f.add_node("s", NodeKind::host);
  f.connect(f.add_port(c, "c-t1"), f.add_port(t1, "t1-cli", net::Mac::parse("02:00:00:00:00:01")));
  f.add_local(s, "198.18.0.0/16");
  std::vector<NextHop> h1;
  unsigned sink = 0;
  for (unsigned i = 0; i < 4; ++i) {
    const NodeId t2 = f.add_node(fmt::format("t2-{}", i), NodeKind::router);
    const PortId a = f.add_port(t1, fmt::format("t1-{}", i)), b = f.add_port(t2, "up");
    f.connect(a, b);
    f.add_address(a, fmt::format("10.1.{}.1/24", i));
    f.add_address(b, fmt::format("10.1.{}.2/24", i));
    h1.push_back({Address::parse(fmt::format("10.1.{}.2", i)), a, 1});
    std::vector<NextHop> h2;
    for (unsigned j = 0; j < 4; ++j) {
      const NodeId t3 = f.add_node(fmt::format("t3-{}{}", i, j), NodeKind::router);
      const PortId x = f.add_port(t2, fmt::format("d{}", j)), y = f.add_port(t3, "up");
      f.connect(x, y);
      f.add_address(x, fmt::format("10.2.{}.1/24", i * 4 + j));
      f.add_address(y, fmt::format("10.2.{}.2/24", i * 4 + j));
      h2.push_back({Address::parse(fmt::format("10.2.{}.2", i * 4 + j)), x, 1});
      std::vector<NextHop> h3;
      for (unsigned m = 0; m < 2; ++m, ++sink) {
        const PortId p = f.add_port(t3, fmt::format("d{}", m)), q = f.add_port(s, fmt::format("s{}", sink));
        f.connect(p, q);
        f.add_address(p, fmt::format("10.3.{}.1/24", sink));
        f.add_address(q, fmt::format("10.3.{}.2/24", sink));
        h3.push_back({Address::parse(fmt::format("10.3.{}.2", sink)), p, 1});
      }
      f.add_route(t3, "198.18.0.0/16", h3);
      f.set_ecmp(t3, 4, spec(same, k));
    }
    f.add_route(t2, "198.18.0.0/16", h2);
    f.set_ecmp(t2, 4, spec(same, k));
  }
  f.add_route(t1, "198.18.0.0/16", h1);
  f.set_ecmp(t1, 4, spec(same, k));
  f.compile();
  return f;
}

void trace_three_tier(benchmark::State& state, bool same) {
  const Fabric f = three_tier(same);
  Paths out(flow_count, 4);
  const hash::Policy::Batch b{corpus().data(), frame_size, flow_count, nullptr};
  const Ingress in{.port = f.port_id("t1:t1-cli")};
  for (auto _ : state) {
    trace(f, b, in, out.out());
    benchmark::DoNotOptimize(out.end_node.data());
    benchmark::ClobberMemory();
  }
  std::size_t delivered = 0;
  for (auto d : out.drop) delivered += d == 0;
  if (delivered != flow_count) state.SkipWithError("flows were dropped");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}

// The first 64 K flows traced 16 times (frames and hop arrays stay in cache): what the walk costs
// apart from streaming ~150 MB of frames and hop arrays through memory (measured: nothing).
void trace_three_tier_cached(benchmark::State& state, bool same) {
  const Fabric f = three_tier(same);
  constexpr std::size_t part = 1 << 16;
  Paths out(part, 4);
  const Ingress in{.port = f.port_id("t1:t1-cli")};
  for (auto _ : state) {
    for (std::size_t rep = 0; rep < flow_count / part; ++rep) {
      const hash::Policy::Batch batch{corpus().data(), frame_size, part, nullptr};
      trace(f, batch, in, out.out());
    }
    benchmark::DoNotOptimize(out.end_node.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}

// Only the required outputs (hop_node, hop_port, n_hops, end_node, drop): what writing the
// optional hop arrays costs.
void trace_three_tier_required_only(benchmark::State& state, bool same) {
  const Fabric f = three_tier(same);
  Paths out(flow_count, 4);
  PathOut o = out.out();
  o.hop_dev = o.hop_nexthop = nullptr;
  o.hop_rx_hash = nullptr;
  o.end_port = o.drop_node = nullptr;
  const hash::Policy::Batch b{corpus().data(), frame_size, flow_count, nullptr};
  const Ingress in{.port = f.port_id("t1:t1-cli")};
  for (auto _ : state) {
    trace(f, b, in, o);
    benchmark::DoNotOptimize(out.end_node.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}

// The general walker on the same flows (receive hashes given, all 0 = none: the same paths, but
// the IPv4 lane steps aside): the engine as it was before the lane, measured in the same run.
void trace_three_tier_general_walker(benchmark::State& state, bool same) {
  const Fabric f = three_tier(same);
  Paths out(flow_count, 4);
  std::vector<std::uint32_t> rx(flow_count * f.nodes().size(), 0);
  const TraceOptions opt{rx.data(), f.nodes().size()};
  const hash::Policy::Batch b{corpus().data(), frame_size, flow_count, nullptr};
  const Ingress in{.port = f.port_id("t1:t1-cli")};
  for (auto _ : state) {
    trace(f, b, in, out.out(), opt);
    benchmark::DoNotOptimize(out.end_node.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}

void route_hash_only(benchmark::State& state) {
  route::PathSet ps;
  for (int k = 0; k < 4; ++k) ps.nexthops.push_back({.gateway = "", .device = std::to_string(k)});
  auto e1 = route::Ecmp::from_spec("linux-6.18:policy=1;seed=1", ps);
  auto e2 = route::Ecmp::from_spec("linux-6.18:policy=1;seed=2", ps);
  auto e3 = route::Ecmp::from_spec("linux-6.18:policy=1;seed=3", ps);
  const auto& c = corpus();
  for (auto _ : state) {
    std::uint32_t acc = 0;
    for (std::size_t i = 0; i < flow_count; ++i) {
      const net::Bytes pkt(c.data() + i * frame_size + 14, frame_size - 14);
      acc += e1.hash(pkt) + e2.hash(pkt) + e3.hash(pkt);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}

}  // namespace

BENCHMARK_CAPTURE(trace_three_tier, same_seeds, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(trace_three_tier, different_seeds, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(trace_three_tier_cached, same_seeds, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(trace_three_tier_cached, different_seeds, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(trace_three_tier_required_only, same_seeds, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(trace_three_tier_general_walker, same_seeds, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(trace_three_tier_general_walker, different_seeds, false)->Unit(benchmark::kMillisecond);
BENCHMARK(route_hash_only)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
