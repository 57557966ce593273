// Value types of the route layer: addresses, next hops, flows, names.
#include "fwd/route/path_set.hpp"

#include <cstring>

#include "fwd/error.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/route/flow.hpp"

namespace fwd::route {

Address Address::parse(std::string_view text) {
  Address a;
  if (text.find(':') != std::string_view::npos) {
    a.family = Family::ipv6;
    a.bytes = net::Ipv6::parse(text).bytes;
  } else {
    a = v4(net::Ipv4::parse(text).value);
  }
  return a;
}

Address Address::v4(std::uint32_t value) {
  Address a;
  a.family = Family::ipv4;
  const auto b = net::Ipv4{value}.to_bytes();
  std::memcpy(a.bytes.data(), b.data(), 4);
  return a;
}

std::string Address::to_string() const {
  if (family == Family::ipv4) return net::Ipv4{v4_value()}.to_string();
  return net::Ipv6{bytes}.to_string();
}

std::string NextHop::to_string() const {
  std::string s;
  if (!gateway.empty()) s += "via " + gateway;
  if (!device.empty()) s += (s.empty() ? "" : " ") + std::string("dev ") + device;
  if (id) s += " id " + std::to_string(id);
  if (weight != 1) s += " weight " + std::to_string(weight);
  if (dead) s += " dead";
  if (linkdown) s += " linkdown";
  if (!neigh_valid) s += " neigh-invalid";
  return s;
}

std::string_view name(GroupKind k) {
  switch (k) {
    case GroupKind::multipath: return "multipath";
    case GroupKind::hash_threshold: return "hash-threshold";
    case GroupKind::resilient: return "resilient";
  }
  return "?";
}

GroupKind group_kind_from_name(std::string_view s) {
  if (s == "multipath") return GroupKind::multipath;
  if (s == "hash-threshold" || s == "mpath") return GroupKind::hash_threshold;
  if (s == "resilient") return GroupKind::resilient;
  throw Error("unknown path set kind '" + std::string(s) + "': expected multipath, hash-threshold, resilient");
}

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
