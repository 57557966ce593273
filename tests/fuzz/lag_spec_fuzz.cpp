// libFuzzer target: LAG spec strings and member lists. Input: member names separated by '\n',
// then a '\0', then the spec text (no '\0': the whole input is the spec, members a, b, c).
// Arbitrary input must give a Lag or fwd::Error, never a crash; an accepted spec's canonical form
// must build an equal LAG (same canonical spec, same selections on a fixed set of frames).
// Build: see hash_fuzz.cpp; seeds in tests/fuzz/corpus/lag_spec_fuzz/, run with tools/fuzz.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/lag/lag.hpp"
#include "fwd/net/build.hpp"

namespace {
std::vector<std::vector<std::uint8_t>> make_frames() {
  using namespace fwd::net;
  std::vector<std::vector<std::uint8_t>> v;
  for (std::uint16_t port = 1; port <= 8; ++port)
    v.push_back(FrameBuilder().eth(Mac::from_u64(0x020000000100ULL + port), Mac::from_u64(0x020000000200ULL + port))
                    .ipv4(Ipv4{0x0a000000u + port}, Ipv4{0x0a010000u + port * 7u}).tcp(port, 80).build());
  return v;
}
const std::vector<std::vector<std::uint8_t>> frames = make_frames();
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> members{"a", "b", "c"};
  std::string_view spec = in;
  if (const auto nul = in.find('\0'); nul != std::string_view::npos) {
    members.clear();
    std::string_view list = in.substr(0, nul);
    spec = in.substr(nul + 1);
    while (true) {
      const auto nl = list.find('\n');
      members.emplace_back(list.substr(0, nl));
      if (nl == std::string_view::npos) break;
      list.remove_prefix(nl + 1);
    }
  }
  std::optional<fwd::lag::Lag> lag;
  try {
    lag.emplace(fwd::lag::Lag::from_spec(spec, members));
  } catch (const fwd::Error& e) {
    if (std::string_view(e.what()).empty()) __builtin_trap();
    return 0;
  }
  auto again = fwd::lag::Lag::from_spec(lag->spec(), members);  // must not throw
  if (again.spec() != lag->spec() || lag->size() != members.size()) __builtin_trap();
  for (const auto& f : frames) {
    const auto a = lag->select(fwd::net::Bytes(f)), b = again.select(fwd::net::Bytes(f));
    if (!(a == b)) __builtin_trap();
    if (a.is_member() && a.member >= lag->size()) __builtin_trap();
  }
  return 0;
}
