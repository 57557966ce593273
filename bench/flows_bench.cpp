// Flow-table build from an in-memory capture: 1 M records (IPv4/TCP, IPv6/UDP, some VLAN-tagged,
// 64..190 bytes) in a nanosecond pcap held in memory, each record from one of N distinct flows
// picked uniformly at random (no locality at all: the worst case for the table; the argument is N),
// read with CaptureReader and added to a FlowTable (classification, hashing, lookup, counters).
// items/s = frames/s.
// Baselines in the same run: `records_only` walks the same capture's records without classifying
// them (the floor the reader imposes), `bare_loop` sums the captured lengths of the frames from a
// precomputed offset table (no parsing at all).
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "fwd/io/flows.hpp"
#include "fwd/net/build.hpp"

namespace {

constexpr std::size_t record_count = 1 << 20;

struct Capture {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> offsets;   // start of each frame's bytes
  std::vector<std::uint32_t> lengths;
};

void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

Capture make_capture(std::size_t flow_count) {
  {
    using namespace fwd::net;
    std::vector<std::vector<std::uint8_t>> flows(flow_count);
    std::mt19937_64 rng(20261204);
    for (std::size_t i = 0; i < flow_count; ++i) {
      FrameBuilder b;
      b.eth(Mac::parse("00:00:5e:00:01:01"), Mac::parse("00:25:90:11:22:33"));
      if (i % 8 == 0) b.vlan(static_cast<std::uint16_t>(100 + i % 4));
      const auto r = rng();
      if (i % 4 == 3) {
        Ipv6 s = Ipv6::parse("2001:db8::1"), d = Ipv6::parse("2001:db8:1::2");
        for (int k = 0; k < 4; ++k) s.bytes[12 + k] = static_cast<std::uint8_t>(r >> (8 * k));
        b.ipv6(s, d).udp(static_cast<std::uint16_t>(r >> 32), 4789);
      } else {
        b.ipv4(Ipv4{static_cast<std::uint32_t>(r)}, Ipv4::parse("192.168.0.1"))
            .tcp(static_cast<std::uint16_t>(r >> 32), 443);
      }
      b.min_size(64 + (r >> 48) % 127);
      flows[i] = b.build();
    }
    Capture c;
    auto& v = c.bytes;
    put32(v, 0xa1b23c4d);
    v.push_back(2); v.push_back(0); v.push_back(4); v.push_back(0);
    put32(v, 0); put32(v, 0); put32(v, 262144); put32(v, 1);
    for (std::size_t i = 0; i < record_count; ++i) {
      const auto& f = flows[rng() % flow_count];
      put32(v, 1700000000 + static_cast<std::uint32_t>(i / 100000));
      put32(v, static_cast<std::uint32_t>(i % 1000000000));
      put32(v, static_cast<std::uint32_t>(f.size()));
      put32(v, static_cast<std::uint32_t>(f.size()));
      c.offsets.push_back(v.size());
      c.lengths.push_back(static_cast<std::uint32_t>(f.size()));
      v.insert(v.end(), f.begin(), f.end());
    }
    return c;
  }
}

const Capture& capture(std::size_t flow_count = 1 << 14) {
  static std::map<std::size_t, Capture> made;
  auto it = made.find(flow_count);
  if (it == made.end()) it = made.emplace(flow_count, make_capture(flow_count)).first;
  return it->second;
}

void flow_table_build(benchmark::State& state) {
  const auto& c = capture(static_cast<std::size_t>(state.range(0)));
  std::size_t flows = 0;
  for (auto _ : state) {
    fwd::io::CaptureReader r(fwd::net::Bytes(c.bytes.data(), c.bytes.size()));
    fwd::io::FlowTable t;
    fwd::io::add_capture(t, r);
    flows = t.flows().size();
    benchmark::DoNotOptimize(t.flows().data());
  }
  state.counters["flows"] = static_cast<double>(flows);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * record_count));
}
BENCHMARK(flow_table_build)->Arg(256)->Arg(1 << 14)->Arg(1 << 17)->Unit(benchmark::kMillisecond);

void records_only(benchmark::State& state) {
  const auto& c = capture();
  for (auto _ : state) {
    fwd::io::CaptureReader r(fwd::net::Bytes(c.bytes.data(), c.bytes.size()));
    fwd::io::CaptureRecord rec;
    std::uint64_t sum = 0;
    while (r.next(rec)) sum += rec.wire_length + rec.data[13];
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * record_count));
}
BENCHMARK(records_only)->Unit(benchmark::kMillisecond);

void bare_loop(benchmark::State& state) {
  const auto& c = capture();
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < record_count; ++i) sum += c.lengths[i] + c.bytes[c.offsets[i] + 13];
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * record_count));
}
BENCHMARK(bare_loop)->Unit(benchmark::kMillisecond);

}  // namespace


namespace {
// Classification alone (no table): what the table adds is flow_table_build minus this.
void classify_only(benchmark::State& state) {
  const auto& c = capture();
  for (auto _ : state) {
    fwd::io::CaptureReader r(fwd::net::Bytes(c.bytes.data(), c.bytes.size()));
    fwd::io::CaptureRecord rec;
    fwd::net::FlowRecord key;
    std::uint32_t label;
    fwd::io::SkipReason why;
    std::uint64_t sum = 0;
    while (r.next(rec)) sum += fwd::io::classify_frame(rec.linktype, rec.data, key, label, why) + key.src_port;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * record_count));
}
BENCHMARK(classify_only)->Unit(benchmark::kMillisecond);
}  // namespace

BENCHMARK_MAIN();
