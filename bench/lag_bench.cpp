// Lag selection over 1 M pre-built 64-byte IPv4/TCP frames, one benchmark per distributor
// (Lag::select_batch: hash + member choice, policy and distributor variants resolved once per
// batch), with the hash-only figure of the same policy beside it (Policy::hash_batch) so the
// distributor's share is the difference. One member of four is down, so failure paths run too.
// `select_hash_only/<spec>` times the distributor alone over precomputed hashes.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "bench_frames.hpp"

namespace {

constexpr std::size_t frame_count = 1 << 20;
constexpr std::size_t frame_size = bench_frame_size;

const std::vector<std::uint8_t>& corpus() {
  static const std::vector<std::uint8_t> frames = random_tcp_frames(frame_count, 20261126);
  return frames;
}

const std::vector<std::string> kMembers = {"m0", "m1", "m2", "m3"};

fwd::hash::Policy::Batch batch() { return {corpus().data(), frame_size, frame_count, nullptr}; }

void lag_select(benchmark::State& state, const std::string& spec) {
  auto lag = fwd::lag::Lag::from_spec(spec, kMembers);
  lag.set_link(1, false);
  std::vector<std::int16_t> out(frame_count);
  const auto b = batch();
  for (auto _ : state) {
    lag.select_batch(b, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frame_count));
  state.SetLabel(lag.follows());
}

void hash_only(benchmark::State& state, const std::string& spec) {
  const auto lag = fwd::lag::Lag::from_spec(spec, kMembers);
  std::vector<std::uint32_t> out(frame_count);
  const auto b = batch();
  for (auto _ : state) {
    lag.policy().hash_batch(b, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frame_count));
  state.SetLabel(lag.policy().spec());
}

void select_hash_only(benchmark::State& state, const std::string& spec) {
  auto lag = fwd::lag::Lag::from_spec(spec, kMembers);
  lag.set_link(1, false);
  std::vector<std::uint64_t> hashes(frame_count);
  std::mt19937_64 rng(7);
  for (auto& h : hashes) h = rng() & 0xffffffffu;
  std::vector<std::int16_t> out(frame_count);
  for (auto _ : state) {
    lag.select_hash_batch(hashes.data(), frame_count, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frame_count));
}

const std::vector<std::string> kSpecs = {
    "freebsd-9.3:lacp;key=0x1234",
    "freebsd-9.3:loadbalance;key=0x1234",
    "linux-6.12:802.3ad;xmit_hash_policy=layer3+4",
    "linux-3.x:balance-xor;xmit_hash_policy=layer3+4",
    "ovs-3.1:balance-slb;basis=0",
    "ovs-3.1:balance-tcp;basis=0",
    "dpdk:balance;xmit_policy=l34",
    "vendor:modulo",
    "vendor:table;size=8",
    "vendor:resilient;size=256",
};

const int registered = [] {
  for (const auto& s : kSpecs) {
    benchmark::RegisterBenchmark(("lag_select/" + s).c_str(), lag_select, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("hash_only/" + s).c_str(), hash_only, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("select_hash_only/" + s).c_str(), select_hash_only, s)->Unit(benchmark::kMillisecond);
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
