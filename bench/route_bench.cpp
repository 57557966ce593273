// ECMP next-hop selection, Linux 6.18 IPv4 policy 1 (SipHash-2-4 over the 48-byte flow keys), an
// 8-path legacy multipath route, 1 M random TCP/UDP flows (fwd::route::Flow records).
//   ecmp_batch_v4_policy1    Ecmp::select_batch: the configuration resolved once per batch, keys
//                            built directly as SipHash words, bound scan; no allocation.
//   ecmp_batch_v4_policy1_avx2 / _portable  the same capped at AVX2 / at portable scalar lanes.
//   ecmp_naive_scalar_loop   the same-run baseline: Ecmp::select per flow through the generic path
//                            (the `ip route get` dummy packet built and dissected, flow_keys
//                            serialised, byte-wise SipHash, selection re-dispatched per flow).
// Compare items/s: target >= 50 M/s per core for the batch and >= 3x the naive loop.
//   plain_hasher_mixed/N     PlainV4Hasher over batches of 1024 plain keys, each row under one of
//                            N selectors (different seeds) at random, as the path tracer hashes a
//                            tier: N = 1 broadcast start states, 16 a 32-row permute window, 32
//                            gathers (AVX-512). plain_hasher_sorted/N is the same-run baseline: rows
//                            sorted by selector, then each selector's hash_plain_v4 on its run.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "fwd/route/ecmp.hpp"

namespace {

using namespace fwd::route;

constexpr std::size_t flow_count = 1 << 20;

const std::vector<Flow>& flows() {
  static const std::vector<Flow> v = [] {
    std::mt19937_64 rng(20261204);
    std::vector<Flow> f(flow_count);
    for (auto& x : f) {
      const auto r = rng();
      x = Flow::v4(static_cast<std::uint32_t>(r), 0xc6120000u | static_cast<std::uint32_t>(r >> 48),
                   (r >> 32) & 1 ? 6 : 17, static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng() >> 20));
    }
    return f;
  }();
  return v;
}

Ecmp router() {
  PathSet ps;
  for (int i = 1; i <= 8; ++i)
    ps.nexthops.push_back({.gateway = "10." + std::to_string(i) + ".0.2", .device = "r-v" + std::to_string(i)});
  return Ecmp::from_spec("linux-6.18:policy=1;seed=0x1234abcd", ps);
}

void ecmp_batch_v4_policy1(benchmark::State& state) {
  Ecmp e = router();
  const auto& f = flows();
  std::vector<std::int32_t> out(f.size());
  for (auto _ : state) {
    e.select_batch(f, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.size()));
}
BENCHMARK(ecmp_batch_v4_policy1)->Unit(benchmark::kMillisecond);

// The same batch capped at AVX2 (4 x 64-bit lanes, rotates from shifts) and at portable code.
void ecmp_batch_v4_policy1_avx2(benchmark::State& state) {
  fwd::route::detail::set_batch_isa(fwd::route::detail::BatchIsa::avx2);
  ecmp_batch_v4_policy1(state);
  fwd::route::detail::set_batch_isa(fwd::route::detail::BatchIsa::best);
}
BENCHMARK(ecmp_batch_v4_policy1_avx2)->Unit(benchmark::kMillisecond);

void ecmp_batch_v4_policy1_portable(benchmark::State& state) {
  fwd::route::detail::set_batch_isa(fwd::route::detail::BatchIsa::portable);
  ecmp_batch_v4_policy1(state);
  fwd::route::detail::set_batch_isa(fwd::route::detail::BatchIsa::best);
}
BENCHMARK(ecmp_batch_v4_policy1_portable)->Unit(benchmark::kMillisecond);

void ecmp_naive_scalar_loop(benchmark::State& state) {
  Ecmp e = router();
  const auto& f = flows();
  std::vector<std::int32_t> out(f.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < f.size(); ++i) out[i] = e.select(f[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.size()));
}
BENCHMARK(ecmp_naive_scalar_loop)->Unit(benchmark::kMillisecond);

// Keys and selectors of the plain_hasher benchmarks: 1 M rows in columns, which[i] < n.
struct MixedRows {
  std::vector<std::uint32_t> lo, hi, ports, which;
  std::vector<std::uint8_t> proto;
  std::vector<Ecmp> sel;
  explicit MixedRows(std::size_t n) : lo(flow_count), hi(flow_count), ports(flow_count), which(flow_count), proto(flow_count) {
    std::mt19937_64 rng(7);
    for (std::size_t i = 0; i < flow_count; ++i) {
      const auto r = rng();
      lo[i] = static_cast<std::uint32_t>(r), hi[i] = static_cast<std::uint32_t>(r >> 32), ports[i] = static_cast<std::uint32_t>(rng());
      proto[i] = rng() & 1 ? 6 : 17;
      which[i] = static_cast<std::uint32_t>(rng() % n);
    }
    for (std::size_t s = 0; s < n; ++s) sel.push_back(Ecmp::from_spec("linux-6.18:policy=1;seed=" + std::to_string(s + 1), router().paths()));
  }
};
constexpr std::size_t tier_batch = 1024;

void plain_hasher_mixed(benchmark::State& state) {
  const MixedRows m(static_cast<std::size_t>(state.range(0)));
  std::vector<const Ecmp*> ptrs;
  for (const auto& e : m.sel) ptrs.push_back(&e);
  const PlainV4Hasher h(ptrs);
  std::vector<std::uint32_t> out(flow_count);
  for (auto _ : state) {
    for (std::size_t b = 0; b < flow_count; b += tier_batch)
      h.hash({m.lo.data() + b, m.hi.data() + b, m.ports.data() + b, m.proto.data() + b, tier_batch}, m.which.data() + b, out.data() + b);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}
BENCHMARK(plain_hasher_mixed)->Arg(1)->Arg(16)->Arg(32)->Unit(benchmark::kMillisecond);

void plain_hasher_sorted(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const MixedRows m(n);
  std::vector<std::uint32_t> out(flow_count), first(n + 1), row(tier_batch), lo(tier_batch), hi(tier_batch), ports(tier_batch), h(tier_batch);
  std::vector<std::uint8_t> proto(tier_batch);
  for (auto _ : state) {
    for (std::size_t b = 0; b < flow_count; b += tier_batch) {
      std::fill(first.begin(), first.end(), 0);
      for (std::size_t i = b; i < b + tier_batch; ++i) ++first[m.which[i] + 1];
      for (std::size_t s = 0; s < n; ++s) first[s + 1] += first[s];
      for (std::size_t i = b; i < b + tier_batch; ++i) {
        const std::size_t at = first[m.which[i]]++;
        row[at] = static_cast<std::uint32_t>(i), lo[at] = m.lo[i], hi[at] = m.hi[i], ports[at] = m.ports[i], proto[at] = m.proto[i];
      }
      for (std::size_t s = 0, a = 0; s < n; a = first[s++])
        m.sel[s].hash_plain_v4({lo.data() + a, hi.data() + a, ports.data() + a, proto.data() + a, first[s] - a}, h.data() + a);
      for (std::size_t at = 0; at < tier_batch; ++at) out[row[at]] = h[at];
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flow_count));
}
BENCHMARK(plain_hasher_sorted)->Arg(1)->Arg(16)->Arg(32)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
