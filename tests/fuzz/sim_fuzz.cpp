// libFuzzer target: the simulated host's receive path and CARP/VRRP wire parsing. The input is a
// sequence of frames; each is (1) parsed by carp::parse_advert as every profile reads it and,
// when accepted, handed to an Instance of that profile with its timers run, and (2) injected
// into a small network towards a FreeBSD host with a lagg-less NIC + vlan(4) + CARP (IPv4 and
// IPv6 VIPs), a TCP listener, forwarding on, and a VRRP (keepalived) instance on a second NIC.
// Every frame must end as delivered or dropped with a reason (host accounting balanced); ASan
// reports any read past a frame (each frame is copied into an exactly-sized buffer).
// Build: see hash_fuzz.cpp (target sim_fuzz).
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/sim/carp.hpp"
#include "fwd/sim/network.hpp"

namespace {

using namespace fwd;
namespace carp = fwd::sim::carp;

carp::Config config(carp::Profile p) {
  carp::Config c = carp::Config::defaults(p, 2);
  c.vips4 = {net::Ipv4::parse("192.168.80.254")};
  if (p != carp::Profile::vrrp_v2) c.vips6 = {net::Ipv6::parse("fd00::254")};
  if (!carp::is_carp(p)) c.vips6.clear();  // VRRP: one family per virtual router
  c.src4 = net::Ipv4::parse("192.168.80.251");
  c.src6 = net::Ipv6::parse("fd00::251");
  c.check_auth = false;  // let fuzzed adverts reach the state machine
  return c;
}

void wire(const std::uint8_t* frame, std::size_t len, Time now, std::vector<carp::Instance>& inst) {
  const net::Bytes b(frame, len);
  carp::ActionBuffer out;
  for (auto& in : inst) {
    carp::Drop why = carp::Drop::none;
    const auto a = carp::parse_advert(b, in.config().profile, &why);
    if (!a) {
      if (why == carp::Drop::none) __builtin_trap();  // a refusal always has a reason
      continue;
    }
    in.on_advert(now, *a, out);
    in.on_timer(now + Time::from_s(4), out);
    out.clear();
  }
}

std::unique_ptr<sim::Network> build() {
  auto owner = std::make_unique<sim::Network>(sim::NetworkConfig{.seed = 7, .max_frames = 4096, .max_events_pending = 65536});
  sim::Network& net = *owner;
  sim::Host& t = net.add_host({.name = "t", .forwarding = true});
  t.add_nic("ix0", net::Mac::parse("90:e2:ba:0d:0a:98"));
  t.add_nic("ix1", net::Mac::parse("90:e2:ba:0d:0a:99"));
  t.add_vlan("vlan2", "ix0", 2);
  t.add_address("ix0", "10.0.0.1/24");
  t.add_address("vlan2", "192.168.80.251/24");
  t.add_address("vlan2", "fd00::251/64");
  t.add_address("ix1", "10.1.0.1/24");
  carp::Config c = carp::Config::defaults(carp::Profile::freebsd_9_3, 2);
  c.vips4 = {net::Ipv4::parse("192.168.80.254")};
  c.vips6 = {net::Ipv6::parse("fd00::254")};
  t.carp().add("vlan2", c);
  carp::Config v = carp::Config::defaults(carp::Profile::vrrp_v2, 7);
  v.vips4 = {net::Ipv4::parse("10.1.0.254")};
  t.carp().add("ix1", v);
  t.apps().listen(80);
  for (const char* n : {"x0", "x1"}) {
    sim::Host& x = net.add_host({.name = n});
    x.add_nic("em0", net::Mac::parse(n[1] == '0' ? "02:00:00:00:00:01" : "02:00:00:00:00:02"));
    net.connect(std::string(n) + ":em0", std::string("t:ix") + n[1]);
  }
  return owner;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<carp::Instance> inst;
  for (auto p : {carp::Profile::freebsd_9_3, carp::Profile::freebsd_10, carp::Profile::vrrp_v2,
                 carp::Profile::vrrp_v3}) {
    inst.emplace_back(config(p));
    carp::ActionBuffer out;
    inst.back().start(Time{}, out);
  }
  const auto owner = build();
  sim::Network& net = *owner;
  Time now = Time::from_ms(1);
  // Records: [port, time step, length] then `length` frame bytes.
  std::size_t at = 0;
  while (at + 3 <= size) {
    const int port = data[at] & 1;
    now += Time::from_us(data[at + 1] * 37);
    const std::size_t len = std::min<std::size_t>(data[at + 2] * 8u + (data[at] >> 1 & 7u), size - at - 3);
    at += 3;
    auto frame = std::make_unique<std::uint8_t[]>(len ? len : 1);
    std::memcpy(frame.get(), data + at, len);
    at += len;
    wire(frame.get(), len, now, inst);
    if (len >= 14 && len <= 1600)  // what send_frame_at accepts (runts are the switch target's)
      net.send_frame_at(now, port ? "x1" : "x0", "em0", std::vector<std::uint8_t>(frame.get(), frame.get() + len));
  }
  // How long the network runs after the last frame: 1.5 s to 10.5 s, chosen by the input (the
  // high nibble of byte 0). CARP/VRRP adverts (an HMAC each, every second per instance) were most
  // of an execution at a fixed 10 s; the short runs still pass the 3-advert master-down timers,
  // and the fuzzer picks a long run whenever one reaches a later timer (TCP retransmissions).
  const Time tail = Time::from_ms(1500 + 600 * (size ? data[0] >> 4 : 15));
  try {
    net.run_until(now + tail);
  } catch (const Error&) {
    // A storm limit: impossible with two hosts, but an error is an answer, not a crash.
    __builtin_trap();
  }
  const auto& c = net.host("t").counters();
  if (c.rx != c.delivered + c.dropped) __builtin_trap();
  if (!net.accounting().balanced()) __builtin_trap();
  return 0;
}
