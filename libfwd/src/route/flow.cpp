// Flow descriptions and lookup names.
#include "fwd/route/flow.hpp"

#include <cstring>

#include "fwd/error.hpp"
#include "fwd/net/ip.hpp"

namespace fwd::route {

std::string_view name(Lookup l) {
  switch (l) {
    case Lookup::forward: return "forward";
    case Lookup::local: return "local";
    case Lookup::socket: return "socket";
    case Lookup::packet: return "packet";
  }
  return "?";
}

Lookup lookup_from_name(std::string_view s) {
  if (s == "forward" || s == "fwd") return Lookup::forward;
  if (s == "local") return Lookup::local;
  if (s == "socket") return Lookup::socket;
  if (s == "packet") return Lookup::packet;
  throw Error("unknown lookup '" + std::string(s) + "': expected forward, local, socket, packet");
}

Flow Flow::v4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::uint16_t sport, std::uint16_t dport) {
  Flow f;
  const auto s = net::Ipv4{src}.to_bytes(), d = net::Ipv4{dst}.to_bytes();
  std::memcpy(f.src.data(), s.data(), 4);
  std::memcpy(f.dst.data(), d.data(), 4);
  f.family = 4;
  f.proto = proto;
  f.sport = sport;
  f.dport = dport;
  f.flags = flow_has_src | flow_has_proto;
  return f;
}

Flow Flow::make(const Address& src, const Address& dst, std::optional<std::uint8_t> proto, std::uint16_t sport,
                std::uint16_t dport, std::uint32_t flowlabel) {
  if (src.family != dst.family)
    throw Error("flow " + src.to_string() + " -> " + dst.to_string() + " mixes IPv4 and IPv6: expected one family");
  if (flowlabel > 0xfffff)
    throw Error("flow label " + std::to_string(flowlabel) + " out of range: expected 0 to 1048575 (20 bits)");
  Flow f;
  f.family = src.family == Family::ipv6 ? 6 : 4;
  f.src = src.bytes;
  f.dst = dst.bytes;
  f.flags = flow_has_src;
  if (proto) f.proto = *proto, f.flags |= flow_has_proto;
  f.sport = sport;
  f.dport = dport;
  f.flowlabel = flowlabel;
  return f;
}

}  // namespace fwd::route
