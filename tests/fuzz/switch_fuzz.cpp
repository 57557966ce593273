// libFuzzer target: a Switch of each profile receiving an arbitrary sequence of frames (single and
// burst receive, time moving forward, short and malformed frames included). Every frame must end
// as exactly one decision with egress ports that exist; AddressSanitizer reports any read past a
// frame (each frame is copied into an exactly-sized buffer). Build: see hash_fuzz.cpp.
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fwd/l2/switch.hpp"

namespace {

constexpr int port_count = 6;

std::vector<fwd::l2::PortConfig> ports(fwd::l2::Profile p) {
  std::vector<fwd::l2::PortConfig> v;
  for (int i = 0; i < port_count; ++i) v.push_back({.name = "p" + std::to_string(i)});
  if (p == fwd::l2::Profile::ovs_3_1) {
    v[1].tag = 10;              // access port of VLAN 10
    v[2].trunks = {10, 20};     // trunk of 10 and 20
    v[3].tag = 20;
    v[3].vlan_mode = fwd::l2::VlanMode::native_untagged;
    v[3].trunks = {10};
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto profile = static_cast<fwd::l2::Profile>(data[0] % 4);
  auto cfg = fwd::l2::SwitchConfig::defaults(profile);
  cfg.max_entries = (data[0] & 0x10) ? 4 : 0;  // a tiny table exercises refusal / eviction
  cfg.ageing = fwd::Time::from_s(profile == fwd::l2::Profile::ovs_3_1 ? 15 : 2);
  fwd::l2::Switch sw(cfg, ports(profile));
  fwd::Time now = fwd::Time::from_s(1);
  fwd::l2::Decision d;
  // Records: [link, time step, length] then `length` frame bytes.
  std::size_t at = 1;
  while (at + 3 <= size) {
    const fwd::l2::LinkId link = data[at] % (port_count + 1);  // one past the last: a bad link id
    now += fwd::Time::from_ms(data[at + 1] * 7);
    const std::size_t len = std::min<std::size_t>(data[at + 2], size - at - 3);
    at += 3;
    auto frame = std::make_unique<std::uint8_t[]>(len ? len : 1);
    std::memcpy(frame.get(), data + at, len);
    at += len;
    sw.receive(link, fwd::net::Bytes(frame.get(), len), now, d);
    for (const auto& e : d.egress)
      if (e.port >= port_count) __builtin_trap();
  }
  (void)sw.fdb_show(now);
  return 0;
}
