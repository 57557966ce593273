// Text forms of the net IP and VLAN value types (slow path).
#include <arpa/inet.h>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/ip.hpp"

namespace fwd::net {

Ipv4 Ipv4::parse(std::string_view text) {
  std::uint32_t value = 0;
  int parts = 0;
  std::size_t i = 0;
  auto fail = [&] {
    return Error(fmt::format("invalid IPv4 address '{}': expected a dotted quad like 192.0.2.1",
                             text));
  };
  while (parts < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') throw fail();
    unsigned octet = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
      if (++digits > 3 || octet > 255) throw fail();
    }
    value = (value << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') throw fail();
      ++i;
    }
  }
  if (i != text.size()) throw fail();
  return Ipv4{value};
}

std::string Ipv4::to_string() const {
  return fmt::format("{}.{}.{}.{}", value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff,
                     value & 0xff);
}

Ipv6 Ipv6::parse(std::string_view text) {
  Ipv6 a;
  const std::string s(text);
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1)
    throw Error(fmt::format("invalid IPv6 address '{}': expected RFC 4291 text like 2001:db8::1",
                            text));
  return a;
}

std::string Ipv6::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

Vlan Vlan::make(unsigned vid, unsigned pcp, bool dei) {
  if (vid > 4095) throw Error(fmt::format("VLAN id {} out of range: expected 0..4095", vid));
  if (pcp > 7) throw Error(fmt::format("VLAN priority {} out of range: expected 0..7", pcp));
  return Vlan{static_cast<std::uint16_t>((pcp << 13) | (dei ? 0x1000u : 0u) | vid)};
}

Vlan Vlan::parse(std::string_view text) {
  auto number = [&](std::string_view part) {
    if (part.empty() || part.size() > 5) throw Error(fmt::format("invalid VLAN '{}': expected VID or VID/PCP, e.g. 100 or 100/5", text));
    unsigned v = 0;
    for (char c : part) {
      if (c < '0' || c > '9')
        throw Error(fmt::format("invalid VLAN '{}': expected VID or VID/PCP, e.g. 100 or 100/5", text));
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v;
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return make(number(text));
  return make(number(text.substr(0, slash)), number(text.substr(slash + 1)));
}

std::string Vlan::to_string() const {
  return pcp() ? fmt::format("{}/{}", vid(), pcp()) : fmt::format("{}", vid());
}

}  // namespace fwd::net
