// libFuzzer target: hash policy spec strings. Arbitrary text must give a Policy or fwd::Error,
// never a crash; an accepted spec's canonical form must parse to the same canonical form and the
// same hash on a fixed set of frames (the canonical spec names the same policy).
// Build: see hash_fuzz.cpp; seeds in tests/fuzz/corpus/policy_spec_fuzz/, run with tools/fuzz.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/hash/policy.hpp"
#include "fwd/net/build.hpp"

namespace {
const std::vector<std::vector<std::uint8_t>>& frames() {
  using namespace fwd::net;
  static const std::vector<std::vector<std::uint8_t>> f = {
      FrameBuilder().eth(Mac::parse("00:00:5e:00:01:01"), Mac::parse("00:25:90:11:22:33"))
          .ipv4(Ipv4::parse("10.0.0.1"), Ipv4::parse("10.9.8.7")).tcp(1234, 80).build(),
      FrameBuilder().eth(Mac::parse("02:00:00:00:00:01"), Mac::parse("02:00:00:00:00:02")).vlan(100)
          .ipv6(Ipv6::parse("2001:db8::1"), Ipv6::parse("2001:db8::2")).udp(53, 5353).build(),
      {0x01, 0x02, 0x03}};
  return f;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string spec(reinterpret_cast<const char*>(data), size);
  std::optional<fwd::hash::Policy> p;
  try {
    p.emplace(fwd::hash::Policy::from_spec(spec));
  } catch (const fwd::Error& e) {
    if (std::string_view(e.what()).empty()) __builtin_trap();  // an error must say what is wrong
    return 0;
  }
  const auto again = fwd::hash::Policy::from_spec(p->spec());  // must not throw
  if (again.spec() != p->spec()) __builtin_trap();
  for (const auto& f : frames()) {
    const std::uint64_t h = p->hash(fwd::net::Bytes(f));
    if (again.hash(fwd::net::Bytes(f)) != h) __builtin_trap();
    if (p->index(h, 7) >= 7 && p->family() != "ovs-3.1") __builtin_trap();
    if (p->explain(fwd::net::Bytes(f), {}, 7).hash != h) __builtin_trap();
  }
  return 0;
}
