// fwd::sim speed: the ns-3 anchor's workload (8-port learning bridge, flood ping host 1 -> host 2,
// shared/anchors/ns3-bridge-ping) and the seed's 100 000-ping CARP run.
//
//   sim_bench                         Google Benchmark suites (sim_bridge_flood_ping, sim_seed_ping,
//                                     sim_tcp_syn_backlog)
//   sim_bench --anchor-json [N]       one run of the anchor workload, one JSON line in the ns-3
//                                     program's format (count, received, sim_time_s, events, wall_s,
//                                     events_per_wall_s), wall time around run_until() only
//   sim_bench --seed-json [N]         the same for the seed topology (tools/bench_vs_ns3.sh)
//
// The anchor equivalent: hosts 10.0.0.1..8 on one fwd::l2 linux-bridge (MAC learning), 10 Gb/s
// cables with 1 us delay, `ping -f` from host 1 to host 2: next request when the reply arrives,
// else 10 ms after the request (exact timers, no kernel or user-space delay, as in the ns-3 app).
// Differences that favour neither side much: ns-3's CSMA links are half-duplex and back off twice
// per ping (4 of its 18 events per ping); libfwd delivers a frame as one event per cable.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fwd/sim/network.hpp"

namespace {

using fwd::Time;
using namespace fwd::sim;
namespace l2 = fwd::l2;

struct Built {
  std::unique_ptr<Network> net;
  Host* pinger = nullptr;
  std::size_t ping = 0;
};

Built bridge_ping(std::uint32_t count) {
  Built b;
  b.net = std::make_unique<Network>();
  std::vector<l2::PortConfig> ports;
  for (int i = 1; i <= 8; ++i) ports.push_back({.name = "p" + std::to_string(i)});
  b.net->add_switch("br", l2::SwitchConfig::defaults(l2::Profile::linux_bridge), ports, Time{});
  for (int i = 1; i <= 8; ++i) {
    Host& h = b.net->add_host({.name = "h" + std::to_string(i), .tick = Time{}, .stack_delay = Time{}});
    h.add_nic("eth0", fwd::net::Mac::from_u64(0x020000000000ULL + i));
    h.add_address("eth0", "10.0.0." + std::to_string(i) + "/24");
    b.net->connect("h" + std::to_string(i) + ":eth0", "br:p" + std::to_string(i),
                   {.latency = Time::from_us(1), .rate_bps = 10'000'000'000ULL});
  }
  b.pinger = &b.net->host("h1");
  b.ping = b.pinger->apps().ping_flood({.dst = fwd::net::Ipv4::parse("10.0.0.2"), .count = count, .turnaround = Time{},
                                 .wake = Time{}});
  return b;
}

// The seed topology of spec seed-scenario.md §1 (the same as fwd/commands/seed.py build()).
Built seed_ping(std::uint32_t count) {
  Built b;
  b.net = std::make_unique<Network>();
  Network& net = *b.net;
  const LinkConfig link{.latency = Time::from_us(1), .rate_bps = 10'000'000'000ULL};
  std::vector<l2::PortConfig> ports;
  struct Fw {
    const char* name;
    const char* m0;
    const char* m1;
    bool ix1_first;
    const char* last;
    std::uint8_t skew;
  };
  const Fw fws[] = {{"fw-a", "90:e2:ba:0d:0a:98", "90:e2:ba:0d:0a:99", false, "251", 0},
                    {"fw-b", "90:e2:ba:0d:0a:7c", "90:e2:ba:0d:0a:7d", true, "252", 150}};
  int n = 0;
  for (const Fw& f : fws) {
    Host& h = net.add_host({.name = f.name, .tick_phase = Time::from_us(110 + 370 * n), .forwarding = true});
    h.add_nic("ix0", fwd::net::Mac::parse(f.m0));
    h.add_nic("ix1", fwd::net::Mac::parse(f.m1));
    char spec[96];
    std::snprintf(spec, sizeof spec, "freebsd-9.3:lacp;lagghash=l2,l3,l4;key=%#x", 0x5eed0000u + 7919u + n);
    h.add_lagg("lagg0", spec, f.ix1_first ? std::vector<std::string>{"ix1", "ix0"} : std::vector<std::string>{"ix0", "ix1"});
    h.add_vlan("vlan2", "lagg0", 2);
    h.add_vlan("vlan3", "lagg0", 3);
    h.add_address("vlan2", std::string("192.168.80.") + f.last + "/24");
    h.add_address("vlan2", std::string("fd00:0:0:80::") + f.last + "/64");
    h.add_address("vlan3", std::string("192.168.0.") + f.last + "/24");
    namespace carp = fwd::sim::carp;
    carp::Config c2 = carp::Config::defaults(carp::Profile::freebsd_9_3, 2);
    c2.advskew = f.skew;
    c2.vips4 = {fwd::net::Ipv4::parse("192.168.80.254")};
    c2.vips6 = {fwd::net::Ipv6::parse("fd00:0:0:80::254")};
    h.carp().add("vlan2", c2);
    carp::Config c4 = carp::Config::defaults(carp::Profile::freebsd_9_3, 4);
    c4.advskew = f.skew;
    c4.vips4 = {fwd::net::Ipv4::parse("192.168.0.254")};
    h.carp().add("vlan3", c4);
    ports.push_back({.name = f.name, .vlan_mode = l2::VlanMode::trunk, .trunks = {2, 3},
                     .lag = l2::LagConfig{.members = {std::string(f.name) + "/ix0", std::string(f.name) + "/ix1"}}});
    ++n;
  }
  for (int k = 0; k < 6; ++k) {
    const std::string name = "web" + std::to_string(k + 1);
    Host& h = net.add_host({.name = name,
                            .os = k < 4 ? HostOs::freebsd_9_3 : HostOs::freebsd_10,
                            .tick_phase = Time::from_us(230 + 290 * k)});
    h.add_nic("ix0", fwd::net::Mac::from_u64(0x0025905eed00ULL + 2 * (k + 1)));
    h.add_nic("ix1", fwd::net::Mac::from_u64(0x0025905eed00ULL + 2 * (k + 1) + 1));
    h.add_lagg("lagg0", k < 4 ? "freebsd-9.3:lacp;key=0x5eed1f0a" : "freebsd-10:lacp;key=0x5eed1f0a", {"ix0", "ix1"});
    h.add_address("lagg0", "192.168.80." + std::to_string(k + 2) + "/24");
    h.set_default_route(fwd::net::Ipv4::parse("192.168.80.254"));
    h.apps().listen(80);
    ports.push_back({.name = name, .vlan_mode = l2::VlanMode::access, .tag = 2,
                     .lag = l2::LagConfig{.members = {name + "/ix0", name + "/ix1"}}});
  }
  net.add_switch("sw0", l2::SwitchConfig::defaults(l2::Profile::vendor), ports, Time::from_us(2));
  for (const Fw& f : fws)
    for (const char* nic : {"ix0", "ix1"})
      net.connect(std::string(f.name) + ":" + nic, std::string("sw0:") + f.name + "/" + nic, link);
  for (int k = 1; k <= 6; ++k)
    for (const char* nic : {"ix0", "ix1"})
      net.connect("web" + std::to_string(k) + ":" + nic, "sw0:web" + std::to_string(k) + "/" + nic, link);
  b.pinger = &net.host("web5");
  b.ping = b.pinger->apps().ping_flood({.dst = fwd::net::Ipv4::parse("192.168.80.254"), .count = count, .start = Time::from_s(5)});
  net.run_until(Time::from_s(5));  // CARP elected, tables warm: the measured part is the ping
  return b;
}

// A listener with N half-open handshakes: a client opens N connections at 1e5/s while every
// SYN-ACK back to it is lost (a fault on the server's side of the cable, after one warm-up
// connection resolved ARP both ways), so the server's SYN cache grows to N entries and every
// new SYN looks it up. Measures the SYN cache (and connecting-socket table) per segment.
struct Backlog {
  std::unique_ptr<Network> net;
  Host* server = nullptr;
};
Backlog syn_backlog(std::uint32_t n) {
  Backlog b;
  b.net = std::make_unique<Network>();
  Network& net = *b.net;
  Host& srv = net.add_host({.name = "srv", .tick = Time{}});
  srv.add_nic("em0", fwd::net::Mac::from_u64(0x020000000001ULL));
  srv.add_address("em0", "10.0.0.1/24");
  srv.apps().listen(80);
  Host& cli = net.add_host({.name = "cli", .tick = Time{}});
  cli.add_nic("em0", fwd::net::Mac::from_u64(0x020000000002ULL));
  cli.add_address("em0", "10.0.0.2/24");
  net.connect("srv:em0", "cli:em0", {.latency = Time::from_us(1)});
  const auto dst = fwd::net::Ipv4::parse("10.0.0.1");
  cli.apps().tcp_connects({.dst = dst, .rate_per_s = 1.0, .max_count = 1});
  net.add_fault({.link = "srv:em0", .direction = "srv", .from = Time::from_ms(100)});
  cli.apps().tcp_connects({.dst = dst, .rate_per_s = 1e5, .start = Time::from_ms(200), .max_count = n});
  b.server = &srv;
  return b;
}

void BM_tcp_syn_backlog(benchmark::State& st) {
  const auto n = static_cast<std::uint32_t>(st.range(0));
  std::uint64_t syns = 0;
  for (auto _ : st) {
    st.PauseTiming();
    Backlog b = syn_backlog(n);
    st.ResumeTiming();
    b.net->run_until(Time::from_ms(200) + Time::from_seconds(n / 1e5) + Time::from_ms(10));
    syns = b.server->apps().listener_counters().syns_received;
  }
  st.counters["syns"] = static_cast<double>(syns);
  st.counters["syns_per_s"] = benchmark::Counter(static_cast<double>(syns) * st.iterations(), benchmark::Counter::kIsRate);
}

struct Measured {
  std::uint32_t count = 0, received = 0;
  double sim_time_s = 0, wall_s = 0;
  std::uint64_t events = 0;
};

Measured run_once(Built& b, Time limit) {
  const std::uint64_t ev0 = b.net->events();
  const Time t0 = b.net->now();
  const auto w0 = std::chrono::steady_clock::now();
  const PingResult& r = b.pinger->apps().ping_result(b.ping);
  while (!r.finished && b.net->now() < limit) b.net->run_until(b.net->now() + Time::from_ms(100));
  const auto w1 = std::chrono::steady_clock::now();
  Measured m;
  m.count = r.sent;
  m.received = r.received;
  m.sim_time_s = (r.ended - t0).seconds();
  m.events = b.net->events() - ev0;
  m.wall_s = std::chrono::duration<double>(w1 - w0).count();
  return m;
}

void BM_bridge_flood_ping(benchmark::State& st) {
  const auto count = static_cast<std::uint32_t>(st.range(0));
  Measured m;
  for (auto _ : st) {
    st.PauseTiming();
    Built b = bridge_ping(count);
    st.ResumeTiming();
    m = run_once(b, Time::from_s(3600));
  }
  st.counters["events"] = static_cast<double>(m.events);
  st.counters["events_per_s"] = benchmark::Counter(static_cast<double>(m.events) * st.iterations(), benchmark::Counter::kIsRate);
  st.counters["received"] = m.received;
  st.counters["sim_time_s"] = m.sim_time_s;
}

void BM_seed_ping(benchmark::State& st) {
  const auto count = static_cast<std::uint32_t>(st.range(0));
  Measured m;
  for (auto _ : st) {
    st.PauseTiming();
    Built b = seed_ping(count);
    st.ResumeTiming();
    m = run_once(b, Time::from_s(3600));
  }
  st.counters["events"] = static_cast<double>(m.events);
  st.counters["events_per_s"] = benchmark::Counter(static_cast<double>(m.events) * st.iterations(), benchmark::Counter::kIsRate);
  st.counters["received"] = m.received;
}

int json_mode(bool seed, std::uint32_t count) {
  Built b = seed ? seed_ping(count) : bridge_ping(count);
  const Measured m = run_once(b, Time::from_s(3600));
  std::printf("{\"impl\": \"libfwd\", \"workload\": \"%s\", \"count\": %u, \"received\": %u, \"sim_time_s\": %.9f, "
              "\"events\": %llu, \"wall_s\": %.6f, \"events_per_wall_s\": %.0f}\n",
              seed ? "seed" : "bridge-ping", m.count, m.received, m.sim_time_s,
              static_cast<unsigned long long>(m.events), m.wall_s, static_cast<double>(m.events) / m.wall_s);
  return m.received == m.count ? 0 : 1;
}

}  // namespace

BENCHMARK(BM_bridge_flood_ping)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_seed_ping)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_tcp_syn_backlog)->Arg(1000)->Arg(30000)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const bool anchor = std::strcmp(argv[i], "--anchor-json") == 0, seed = std::strcmp(argv[i], "--seed-json") == 0;
    if (anchor || seed) {
      const std::uint32_t count = i + 1 < argc ? static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10)) : 100000;
      return json_mode(seed, count ? count : 100000);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
