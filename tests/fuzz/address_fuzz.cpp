// libFuzzer target: the address parsers. Arbitrary text given to Mac, Ipv4, Ipv6 and Vlan parse
// must give a value or fwd::Error, never a crash; a parsed value prints to text that parses back
// to the same value, and printing is a fixed point (to_string(parse(to_string(x))) == to_string(x)).
// The first input bytes also serve as raw values: bytes -> to_string -> parse must round-trip.
// Build: see hash_fuzz.cpp; seeds in tests/fuzz/corpus/address_fuzz/, run with tools/fuzz.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fwd/error.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"

namespace {

template <class T> void text_round_trip(std::string_view text) {
  T v;
  try {
    v = T::parse(text);
  } catch (const fwd::Error& e) {
    if (std::string_view(e.what()).empty()) __builtin_trap();
    return;
  }
  const std::string s = v.to_string();
  const T back = T::parse(s);  // must not throw
  if (!(back == v) || back.to_string() != s) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  text_round_trip<fwd::net::Mac>(text);
  text_round_trip<fwd::net::Ipv4>(text);
  text_round_trip<fwd::net::Ipv6>(text);
  text_round_trip<fwd::net::Vlan>(text);

  // Raw values from the first bytes: every value has a text form that parses back to it.
  std::uint8_t raw[16] = {};
  std::memcpy(raw, data, size < 16 ? size : 16);
  const fwd::net::Mac mac = fwd::net::Mac::from_bytes(raw);
  if (fwd::net::Mac::parse(mac.to_string()) != mac) __builtin_trap();
  const fwd::net::Ipv4 v4{static_cast<std::uint32_t>(raw[0]) << 24 | raw[1] << 16 | raw[2] << 8 | raw[3]};
  if (fwd::net::Ipv4::parse(v4.to_string()) != v4) __builtin_trap();
  fwd::net::Ipv6 v6;
  std::memcpy(v6.bytes.data(), raw, 16);
  if (fwd::net::Ipv6::parse(v6.to_string()) != v6) __builtin_trap();
  const fwd::net::Vlan vlan{static_cast<std::uint16_t>(raw[0] << 8 | raw[1])};
  // Vlan text carries VID and PCP, not DEI: the round trip holds with DEI cleared.
  const fwd::net::Vlan no_dei{static_cast<std::uint16_t>(vlan.tci & ~0x1000u)};
  if (fwd::net::Vlan::parse(vlan.to_string()) != no_dei) __builtin_trap();
  return 0;
}
