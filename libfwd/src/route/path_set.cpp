// Value types of a path set: addresses, next hops, path-set kinds.
#include "fwd/route/path_set.hpp"

#include <cstring>

#include "fwd/error.hpp"
#include "fwd/net/ip.hpp"

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

}  // namespace fwd::route
