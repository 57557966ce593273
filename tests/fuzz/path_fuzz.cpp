// libFuzzer target: the path tracer's IPv4 lane (libfwd/src/path/trace_fast.cpp) against its
// general walker (trace.cpp) on arbitrary frames. A fixed fabric the lane takes: t1 (4-way, one
// dead next hop) -> four t2 (3-way) -> twelve t3 (2-way) -> s, each router with its own ECMP spec
// (Linux policies 0-2 with their own seeds, 6.12, policy 3, FreeBSD, vendor, so the lane's plain
// keys hash under many selectors at once); inside t1's /14 a more specific route and a local /24;
// 198.19/16 loops between t2 and t3, 198.20/16 has no route at t3. Each frame is a template
// (Ethernet to t1, IPv4 TCP to 198.18.x) XORed with the input, so small mutations reach every
// check of the walk (MACs, header length, fragments, TTL, protocol, destination). The trace with
// the lane must equal the one made by the general walker alone (forced by all-zero receive
// hashes), array by array; each frame is copied into a buffer of its own length so ASan reports a
// read past it. Input: byte 0 = max_hops (1..8) and whether every frame enters on one port; then
// per frame one length byte and up to that many bytes of XOR mask.
// Build: see hash_fuzz.cpp (target path_fuzz).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fwd/net/build.hpp"
#include "fwd/path/detail/compiled.hpp"
#include "fwd/path/fabric.hpp"
#include "fwd/path/trace.hpp"

namespace {

using namespace fwd;
using namespace fwd::path;

const char* const specs[] = {"linux-6.18:policy=1;seed=1", "linux-6.18:policy=0;seed=2", "linux-6.18:policy=2;seed=3",
                             "linux-6.12:policy=1;boot_seed=4", "linux-6.18:policy=3;fields=0x37;seed=5",
                             "freebsd-13", "vendor", "linux-6.18:policy=1;seed=6"};

std::string num(unsigned v) { return std::to_string(v); }

Fabric make_fabric() {
  Fabric f;
  unsigned next_spec = 0;
  auto spec = [&] { return std::string(specs[next_spec++ % std::size(specs)]); };
  const NodeId t1 = f.add_node("t1", NodeKind::router), s = f.add_node("s", NodeKind::host);
  for (int k = 0; k < 2; ++k) {
    const NodeId c = f.add_node("c" + num(k), NodeKind::host);
    const PortId a = f.add_port(c, "up"), b = f.add_port(t1, "cli" + num(k), net::Mac::parse("02:00:00:00:00:0" + num(k + 1)));
    f.connect(a, b);
    f.add_address(b, "10.0." + num(k) + ".1/24");
  }
  f.add_local(s, "198.18.0.0/16");
  std::vector<NextHop> h1;
  unsigned sink = 0;
  for (unsigned i = 0; i < 4; ++i) {
    const NodeId t2 = f.add_node("t2-" + num(i), NodeKind::router);
    const PortId a = f.add_port(t1, "t1-" + num(i)), b = f.add_port(t2, "up");
    f.connect(a, b);
    f.add_address(a, "10.1." + num(i) + ".1/24");
    f.add_address(b, "10.1." + num(i) + ".2/24");
    h1.push_back({Address::parse("10.1." + num(i) + ".2"), a, static_cast<std::uint16_t>(1 + i % 2)});
    std::vector<NextHop> h2;
    for (unsigned j = 0; j < 3; ++j) {
      const unsigned n = i * 4 + j;
      const NodeId t3 = f.add_node("t3-" + num(n), NodeKind::router);
      const PortId x = f.add_port(t2, "d" + num(j)), y = f.add_port(t3, "up");
      f.connect(x, y);
      f.add_address(x, "10.2." + num(n) + ".1/24");
      f.add_address(y, "10.2." + num(n) + ".2/24");
      h2.push_back({Address::parse("10.2." + num(n) + ".2"), x, 1});
      std::vector<NextHop> h3;
      for (unsigned m = 0; m < 2; ++m, ++sink) {
        const PortId p = f.add_port(t3, "d" + num(m)), q = f.add_port(s, "s" + num(sink));
        f.connect(p, q);
        f.add_address(p, "10.3." + num(sink) + ".1/24");
        f.add_address(q, "10.3." + num(sink) + ".2/24");
        h3.push_back({Address::parse("10.3." + num(sink) + ".2"), p, 1});
      }
      f.add_route(t3, "198.18.0.0/16", h3);
      f.add_route(t3, "198.19.0.0/16", {{Address::parse("10.2." + num(n) + ".1"), y, 1}});
      f.set_ecmp(t3, 4, spec());
    }
    f.add_route(t2, "198.18.0.0/16", h2);
    f.add_route(t2, "198.19.0.0/16", h2);
    f.add_route(t2, "198.20.0.0/16", h2);
    f.set_ecmp(t2, 4, spec());
  }
  f.add_route(t1, "198.16.0.0/14", h1);
  f.add_route(t1, "198.18.128.0/17", {{Address::parse("10.1.0.2"), f.port_id(t1, "t1-0"), 1}});
  f.add_local(t1, "198.18.255.0/24");
  f.set_ecmp(t1, 4, spec());
  f.set_admin(f.port_id(t1, "t1-3"), false);
  f.compile();
  return f;
}

const std::vector<std::uint8_t>& frame_template() {
  static const std::vector<std::uint8_t> t = [] {
    net::FrameBuilder fb;
    fb.eth(net::Mac::parse("02:00:00:00:00:01"), net::Mac::parse("02:00:00:00:00:aa"));
    return fb.ipv4(net::Ipv4{0x64400001u}, net::Ipv4{0xc6120005u}, net::Ipv4Fields{}).tcp(40000, 443).build();
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fabric fabric = make_fabric();
  if (!fabric.tables().fast_ok) __builtin_trap();  // the lane must take this fabric
  if (size < 1) return 0;
  const std::size_t hops = 1 + data[0] % 8;
  const bool one_port = data[0] & 0x80;
  constexpr std::size_t stride = 96, max_frames = 64;
  const auto& tpl = frame_template();
  // Frames in their own exactly-sized buffers, then gathered at a fixed stride for the batch.
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t at = 1; at < size && frames.size() < max_frames;) {
    const std::size_t len = std::min<std::size_t>(data[at++], stride);
    std::vector<std::uint8_t> f(len);
    for (std::size_t k = 0; k < len; ++k) f[k] = (k < tpl.size() ? tpl[k] : 0) ^ (at + k < size ? data[at + k] : 0);
    at += len;
    frames.push_back(std::move(f));
  }
  if (frames.empty()) return 0;
  const std::size_t n = frames.size();
  std::vector<std::uint8_t> batch(n * stride);
  std::vector<std::uint32_t> lengths(n);
  std::vector<std::int32_t> ports(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::memcpy(batch.data() + i * stride, frames[i].data(), frames[i].size());
    lengths[i] = static_cast<std::uint32_t>(frames[i].size());
    ports[i] = fabric.port_id(frames[i].size() % 2 ? "t1:cli1" : "t1:cli0");
  }
  const hash::Policy::Batch b{batch.data(), stride, n, lengths.data()};
  const Ingress in = one_port ? Ingress{.port = fabric.port_id("t1:cli0")} : Ingress{.ports = ports.data()};
  Paths lane(n, hops), walker(n, hops);
  trace(fabric, b, in, lane.out());
  const std::vector<std::uint32_t> rx(n * fabric.nodes().size(), 0);
  trace(fabric, b, in, walker.out(), TraceOptions{rx.data(), fabric.nodes().size()});
  if (lane.hop_node != walker.hop_node || lane.hop_dev != walker.hop_dev || lane.hop_port != walker.hop_port ||
      lane.hop_nexthop != walker.hop_nexthop || lane.hop_rx_hash != walker.hop_rx_hash || lane.n_hops != walker.n_hops ||
      lane.drop != walker.drop || lane.end_node != walker.end_node || lane.end_port != walker.end_port ||
      lane.drop_node != walker.drop_node)
    __builtin_trap();
  return 0;
}
