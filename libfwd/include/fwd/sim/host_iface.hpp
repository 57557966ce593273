#pragma once
/// \file
/// HostIface: one interface of a fwd::sim::Host (a NIC, a lagg(4) over NICs or a vlan(4) over a
/// NIC or lagg) with its addresses, the CARP vhids on it, its capture and its counters. Plain
/// data kept by the Host in creation order (IfaceId = index); Network reads `kind` and `link`.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/sim/capture.hpp"
#include "fwd/sim/host_counters.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

using IfaceId = std::uint32_t;
inline constexpr IfaceId no_iface = 0xffffffffu;

/// What an interface is.
enum class IfKind : std::uint8_t { nic, lagg, vlan };

/// An IPv4 address on an interface (prefix and its mask).
struct Addr4 {
  net::Ipv4 addr;
  std::uint8_t prefix;
  std::uint32_t mask;
};
/// An IPv6 address on an interface.
struct Addr6 {
  net::Ipv6 addr;
  std::uint8_t prefix;
};

struct HostIface {
  std::string name;
  IfKind kind = IfKind::nic;
  net::Mac mac{};
  bool up = true;
  bool carrier = true;               ///< NIC: link carrier
  IfaceId parent = no_iface;         ///< vlan: parent; NIC: its lagg (if a member)
  lag::MemberIndex member = lag::no_member;  ///< NIC: index in its lagg
  std::uint16_t vid = 0;             ///< vlan
  std::uint32_t link = 0xffffffffu;  ///< NIC: network link end (set by Network::connect)
  std::unique_ptr<lag::Lag> lag;     ///< lagg
  std::vector<IfaceId> members;      ///< lagg
  std::vector<std::pair<std::uint16_t, IfaceId>> vlans;  ///< NIC/lagg: children
  std::vector<Addr4> v4;
  std::vector<Addr6> v6;
  std::vector<std::uint32_t> carp;   ///< vhid indexes on this interface
  Time blackout_from{INT64_MAX}, blackout_until{INT64_MIN};  ///< injected lagg transmit blackout
  Capture* cap = nullptr;
  IfaceCounters counters;
};

}  // namespace fwd::sim
