// switch_forward/<macs>: fwd::l2::Switch (linux-bridge profile, 8 ports) receiving known-unicast
// frames between random MACs: per frame the source is learned (a refresh), the destination looked
// up and the egress decision built. switch_forward_std_reference/<macs>: the same logic over a
// std::unordered_map, measured in the same run. MACs are random (fixed seed) and learned in
// shuffled order before timing; frames pick random source/destination pairs. Time advances once
// per 32 frames (a datapath batch). Counter bytes_per_entry: container bytes / MACs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "fwd/l2/switch.hpp"

namespace {

using namespace fwd;
using namespace fwd::l2;

constexpr int kPorts = 8;
constexpr std::size_t kFrames = 1 << 16;
constexpr std::size_t kFrameLen = 60;
constexpr std::size_t kBatch = 32;

struct Workload {
  std::vector<std::uint64_t> macs;
  std::vector<PortId> port_of;           // home port of each MAC
  std::vector<std::uint8_t> frames;      // kFrames * kFrameLen
  std::vector<LinkId> ingress;           // ingress link of each frame
};

void put_mac(std::uint8_t* p, std::uint64_t m) {
  for (int i = 0; i < 6; ++i) p[i] = static_cast<std::uint8_t>(m >> (8 * (5 - i)));
}

const Workload& workload(std::size_t n) {
  static std::unordered_map<std::size_t, Workload> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  Workload w;
  std::mt19937_64 rng(0x5eed0000 + n);
  w.macs.reserve(n);
  std::unordered_map<std::uint64_t, bool> seen;
  while (w.macs.size() < n) {
    const std::uint64_t m = (rng() & 0xfeffffffffffULL) | 0x020000000000ULL;  // unicast, local
    if (seen.emplace(m, true).second) w.macs.push_back(m);
  }
  w.port_of.resize(n);
  for (auto& p : w.port_of) p = static_cast<PortId>(rng() % kPorts);
  w.frames.assign(kFrames * kFrameLen, 0);
  w.ingress.resize(kFrames);
  for (std::size_t i = 0; i < kFrames; ++i) {
    const std::size_t s = rng() % n;
    std::size_t d = rng() % n;
    if (w.port_of[d] == w.port_of[s]) d = (d + 1) % n;  // mostly known unicast to another port
    std::uint8_t* f = &w.frames[i * kFrameLen];
    put_mac(f, w.macs[d]);
    put_mac(f + 6, w.macs[s]);
    f[12] = 0x88;
    f[13] = 0xb5;
    w.ingress[i] = w.port_of[s];
  }
  return cache.emplace(n, std::move(w)).first->second;
}

std::vector<std::size_t> shuffled(std::size_t n) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(42));
  return order;
}

void switch_forward(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const Workload& w = workload(n);
  auto cfg = SwitchConfig::defaults(Profile::linux_bridge);
  cfg.reserve = n;
  cfg.events = event_mask::none;
  std::vector<PortConfig> ports;
  for (int i = 0; i < kPorts; ++i) ports.push_back(PortConfig{.name = "p" + std::to_string(i)});
  Switch sw(cfg, ports);
  Time now = Time::from_s(1);
  std::uint8_t f[kFrameLen] = {};
  f[0] = 0xff, f[1] = 0xff, f[2] = 0xff, f[3] = 0xff, f[4] = 0xff, f[5] = 0xff, f[12] = 0x88, f[13] = 0xb5;
  Decision d;
  for (std::size_t i : shuffled(n)) {  // learn every MAC in shuffled order
    put_mac(f + 6, w.macs[i]);
    sw.receive(w.port_of[i], net::Bytes(f, kFrameLen), now, d);
  }
  std::size_t i = 0;
  std::uint64_t out = 0;
  std::array<Switch::Rx, kBatch> rx;
  std::array<Decision, kBatch> dec;
  for (auto _ : state) {
    for (std::size_t b = 0; b < kBatch; ++b, ++i) {
      const std::size_t k = i & (kFrames - 1);
      rx[b] = {w.ingress[k], net::Bytes(&w.frames[k * kFrameLen], kFrameLen)};
    }
    sw.receive_burst(rx, now, dec);
    for (const auto& x : dec) out += x.egress.size();
    now += Time::from_us(10);
  }
  benchmark::DoNotOptimize(out);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  state.counters["bytes_per_entry"] = static_cast<double>(sw.fdb().memory_bytes()) / static_cast<double>(n);
  if (sw.counters().forwarded < state.iterations() * kBatch / 2) state.SkipWithError("frames were not forwarded");
}

// ---- the reference: the same switch logic over std::unordered_map ---------------------------

std::size_t g_ref_bytes = 0;
template <class T>
struct RefAlloc {
  using value_type = T;
  RefAlloc() = default;
  template <class U>
  RefAlloc(const RefAlloc<U>&) {}
  T* allocate(std::size_t k) {
    g_ref_bytes += k * sizeof(T);
    return std::allocator<T>{}.allocate(k);
  }
  void deallocate(T* p, std::size_t k) {
    g_ref_bytes -= k * sizeof(T);
    std::allocator<T>{}.deallocate(p, k);
  }
  template <class U>
  bool operator==(const RefAlloc<U>&) const { return true; }
};

class RefSwitch {
public:
  struct Entry {
    std::uint32_t stamp;
    PortId port;
    std::uint8_t flags;
  };
  struct Out {
    PortId port;
    LinkId link;
  };

  explicit RefSwitch(std::size_t n) { map_.reserve(n); }

  // Linux bridge semantics as in Switch::rx_linux for an admitted unicast frame.
  void receive(PortId in, const std::uint8_t* p, std::size_t len, Time now,
               boost::container::small_vector<Out, 8>& out) {
    out.clear();
    ++rx_;
    if (len < 14) return;
    const std::uint64_t dst = net::be48(p), src = net::be48(p + 6);
    if (((src >> 40) & 1) || src == 0) return;
    const std::uint32_t t = static_cast<std::uint32_t>(now.ns / 4'000'000);  // jiffies
    auto it = map_.find(src);
    if (it == map_.end() || t - it->second.stamp >= ageing_) {
      map_[src] = Entry{t, in, 0};
    } else {
      it->second.stamp = t;
      if (it->second.port != in) it->second.port = in;
    }
    if ((dst >> 40) & 1) {
      for (PortId q = 0; q < kPorts; ++q)
        if (q != in) out.push_back({q, q});
      return;
    }
    auto h = map_.find(dst);
    if (h == map_.end() || t - h->second.stamp >= ageing_) {
      for (PortId q = 0; q < kPorts; ++q)
        if (q != in) out.push_back({q, q});
      return;
    }
    if (h->second.port == in) return;
    out.push_back({h->second.port, h->second.port});
    ++forwarded_;
  }
  std::uint64_t forwarded() const { return forwarded_; }

private:
  std::unordered_map<std::uint64_t, Entry, std::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                     RefAlloc<std::pair<const std::uint64_t, Entry>>>
      map_;
  std::uint32_t ageing_ = 300 * 250;
  std::uint64_t rx_ = 0, forwarded_ = 0;
};

void switch_forward_std_reference(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const Workload& w = workload(n);
  const std::size_t before = g_ref_bytes;
  RefSwitch sw(n);
  Time now = Time::from_s(1);
  std::uint8_t f[kFrameLen] = {};
  f[0] = 0xff, f[1] = 0xff, f[2] = 0xff, f[3] = 0xff, f[4] = 0xff, f[5] = 0xff, f[12] = 0x88, f[13] = 0xb5;
  boost::container::small_vector<RefSwitch::Out, 8> out;
  for (std::size_t i : shuffled(n)) {
    put_mac(f + 6, w.macs[i]);
    sw.receive(w.port_of[i], f, kFrameLen, now, out);
  }
  const std::size_t bytes = g_ref_bytes - before;
  std::size_t i = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (std::size_t b = 0; b < kBatch; ++b, ++i) {
      const std::size_t k = i & (kFrames - 1);
      sw.receive(w.ingress[k], &w.frames[k * kFrameLen], kFrameLen, now, out);
      sum += out.size();
    }
    now += Time::from_us(10);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  state.counters["bytes_per_entry"] = static_cast<double>(bytes) / static_cast<double>(n);
}

}  // namespace

BENCHMARK(switch_forward)->Arg(4096)->Arg(65536)->Arg(1048576);
BENCHMARK(switch_forward_std_reference)->Arg(4096)->Arg(65536)->Arg(1048576);

BENCHMARK_MAIN();
