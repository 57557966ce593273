// libFuzzer target: every system's distributor under arbitrary member state changes (link, admin,
// LACP) and arbitrary frames. A selection must name an existing member, or drop / broadcast.
// Build: see hash_fuzz.cpp.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fwd/lag/lag.hpp"

namespace {
const char* const specs[] = {
    "freebsd-9.3:lacp;key=1", "freebsd-9.3:loadbalance;key=2", "freebsd-9.3:failover", "freebsd-9.3:roundrobin",
    "freebsd-12:lacp;key=3", "freebsd-10:broadcast", "linux-6.12:802.3ad;xmit_hash_policy=layer3+4",
    "linux-6.12:balance-xor;xmit_hash_policy=encap3+4", "linux-3.x:balance-xor;xmit_hash_policy=layer2+3",
    "linux-6.12:active-backup", "linux-6.12:balance-rr", "ovs-3.1:balance-slb", "ovs-3.1:balance-tcp",
    "ovs-3.1:active-backup", "dpdk:balance;xmit_policy=l34", "dpdk:802.3ad", "vendor:modulo", "vendor:table;size=8",
    "vendor:resilient;size=64"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t members = 1 + data[1] % 5;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < members; ++i) names.push_back("m" + std::to_string(i));
  auto lag = fwd::lag::Lag::from_spec(specs[data[0] % (sizeof specs / sizeof *specs)], names);
  fwd::Time now = fwd::Time::from_s(1);
  // Records: [op, arg, length] then `length` frame bytes; op selects a state change or a send.
  std::size_t at = 2;
  while (at + 3 <= size) {
    const std::uint8_t op = data[at], arg = data[at + 1];
    const std::size_t len = std::min<std::size_t>(data[at + 2], size - at - 3);
    at += 3;
    const fwd::lag::MemberIndex m = static_cast<fwd::lag::MemberIndex>(arg % members);
    now += fwd::Time::from_ms(op);
    switch (op % 4) {
      case 0: lag.set_link(m, (arg & 0x80) != 0, now); break;
      case 1: lag.set_admin(m, (arg & 0x80) != 0, now); break;
      case 2: lag.set_lacp(m, arg & 0x20, arg & 0x40, arg & 0x80, now); break;
      default: {
        auto frame = std::make_unique<std::uint8_t[]>(len ? len : 1);
        std::memcpy(frame.get(), data + at, len);
        const auto s = lag.select_at(fwd::net::Bytes(frame.get(), len), {}, now);
        if (s.is_member() && s.member >= members) __builtin_trap();
        break;
      }
    }
    at += len;
  }
  return 0;
}
