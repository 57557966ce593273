// Hash policies over a batch of 1 M pre-built 64-byte IPv4/TCP frames, each hashed and mapped to 4
// members through Policy::index_batch (the variant resolved once per batch, as Python does it).
// Baseline in the same run: `xxh3_5tuple_baseline` hashes the same flows' 13-byte 5-tuples,
// extracted in advance, with XXH3 and maps them `% 4`. Compare items/s as ratios to the baseline.
#include <benchmark/benchmark.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <string>
#include <vector>

#include "fwd/hash/policy.hpp"
#include "bench_frames.hpp"

namespace {

constexpr std::size_t frame_count = 1 << 20;
constexpr std::size_t frame_size = bench_frame_size;

struct Corpus {
  std::vector<std::uint8_t> frames;  // frame_count rows of frame_size bytes
  std::vector<std::uint8_t> tuples;  // frame_count rows of 13 bytes: src, dst, proto, sport, dport
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus c;
    c.frames = random_tcp_frames(frame_count, 20261125);
    c.tuples.resize(frame_count * 13);
    for (std::size_t i = 0; i < frame_count; ++i) {
      const std::uint8_t* f = c.frames.data() + i * frame_size;
      std::uint8_t* t = c.tuples.data() + i * 13;
      std::copy(f + 26, f + 34, t);  // src, dst
      t[8] = f[23];                  // protocol
      std::copy(f + 34, f + 38, t + 9);  // ports
    }
    return c;
  }();
  return c;
}

void policy_index_batch(benchmark::State& state, const std::string& spec) {
  const auto policy = fwd::hash::Policy::from_spec(spec);
  const Corpus& c = corpus();
  std::vector<std::uint16_t> out(frame_count);
  const fwd::hash::Policy::Batch batch{c.frames.data(), frame_size, frame_count, nullptr};
  for (auto _ : state) {
    policy.index_batch(batch, 4, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frame_count));
}

void xxh3_5tuple_baseline(benchmark::State& state) {
  const Corpus& c = corpus();
  std::vector<std::uint16_t> out(frame_count);
  for (auto _ : state) {
    for (std::size_t i = 0; i < frame_count; ++i)
      out[i] = static_cast<std::uint16_t>(XXH3_64bits(c.tuples.data() + i * 13, 13) % 4);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frame_count));
}

const int registered = [] {
  benchmark::RegisterBenchmark("xxh3_5tuple_baseline", xxh3_5tuple_baseline)->Unit(benchmark::kMillisecond);
  for (const char* spec :
       {"freebsd-9.3:l2,l3,l4;key=0x1234abcd", "freebsd-fnv:l2,l3,l4;key=0x1234abcd", "linux-6.12:layer2",
        "linux-6.12:layer2+3", "linux-6.12:layer3+4", "linux-6.12:encap2+3", "linux-6.12:encap3+4",
        "linux-6.12:vlan+srcmac", "ovs-3.1:balance-slb;basis=0", "ovs-3.1:balance-tcp;basis=0", "dpdk:l2",
        "dpdk:l23", "dpdk:l34", "toeplitz:ipv4_tcp", "toeplitz:ipv4", "toeplitz:ipv4_udp", "toeplitz:ipv6",
        "toeplitz:ipv6_tcp", "toeplitz:ipv6_udp", "bmv2:crc16", "bmv2:crc16_custom", "bmv2:crc32", "bmv2:crc32_custom",
        "bmv2:crcCCITT", "bmv2:csum16", "bmv2:xor16", "bmv2:identity", "vendor:5tuple;function=crc16",
        "vendor:5tuple;function=crc16-ccitt", "vendor:5tuple;function=crc32-hi", "vendor:5tuple;function=crc32-lo",
        "vendor:5tuple;function=xor16", "vendor:5tuple;function=xor8", "vendor:5tuple;function=xxh3",
        "vendor:l2,l3,l4;function=crc16", "vendor:l2,l3,l4;function=xxh3"}) {
    benchmark::RegisterBenchmark((std::string("policy_index_batch/") + spec).c_str(),
                                 [s = std::string(spec)](benchmark::State& st) { policy_index_batch(st, s); })
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
