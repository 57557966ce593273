// libFuzzer target: a Switch of each profile receiving an arbitrary sequence of frames (bursts of
// frames at one time, time moving forward, short and malformed frames included), three ways at
// once: frame by frame (receive), as bursts (receive_burst) and with the fast path off (every
// frame through the profile's full rules; tests/cpp/l2/switch_twins.hpp). Every frame must end
// as exactly one decision with egress ports that exist, and the three must agree on every
// decision, counter and FDB entry (a difference aborts with it printed). AddressSanitizer
// reports any read past a frame (each frame is copied into an exactly-sized buffer). Build: see
// hash_fuzz.cpp.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "../cpp/l2/switch_twins.hpp"
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
  // A tiny table exercises refusal / eviction. Otherwise no cap - except OVS, whose 0 means its
  // default 8192, reserved at once: walking that table three times after every burst was most of
  // an execution. 256 is as good as no cap here: an input of at most 4096 bytes carries fewer
  // than 256 frames long enough to be learned.
  cfg.max_entries = (data[0] & 0x10) ? 4 : profile == fwd::l2::Profile::ovs_3_1 ? 256 : 0;
  cfg.ageing = fwd::Time::from_s(profile == fwd::l2::Profile::ovs_3_1 ? 15 : 2);
  // A small event ring: three switches are built per input, and zero-filling three 4096-event
  // rings was a third of an execution; a short ring also exercises overwriting the oldest.
  cfg.event_capacity = 16;
  fwd::l2::testing::SwitchTwins tw(cfg, ports(profile));
  fwd::Time now = fwd::Time::from_s(1);
  std::vector<std::unique_ptr<std::uint8_t[]>> owned;
  std::vector<fwd::l2::RxFrame> burst;
  auto flush = [&] {
    if (burst.empty()) return;
    const std::string diff = tw.receive(burst, now);
    if (!diff.empty()) {
      std::fprintf(stderr, "receive / receive_burst / slow path disagree: %s\n", diff.c_str());
      __builtin_trap();
    }
    burst.clear();
    owned.clear();
  };
  // Records: [link, time step, length] then `length` frame bytes. A time step of 0 adds the
  // frame to the current burst; any other step ends the burst and moves time on.
  std::size_t at = 1;
  while (at + 3 <= size) {
    const fwd::l2::LinkId link = data[at] % (port_count + 1);  // one past the last: a bad link id
    if (data[at + 1] != 0) {
      flush();
      now += fwd::Time::from_ms(data[at + 1] * 7);
    }
    const std::size_t len = std::min<std::size_t>(data[at + 2], size - at - 3);
    at += 3;
    auto frame = std::make_unique<std::uint8_t[]>(len ? len : 1);
    std::memcpy(frame.get(), data + at, len);
    at += len;
    burst.push_back({link, fwd::net::Bytes(frame.get(), len)});
    owned.push_back(std::move(frame));
  }
  flush();
  return 0;
}
