#pragma once
/// \file
/// What a fwd::sim::Host counts: why it drops frames (HostDrop), per-host, per-interface,
/// per-CARP-vhid and TCP-listener counters. Each struct and the enum are described once, in the
/// tables at the end (fwd/describe/field.hpp); the show text, the JSON twin (Host::to_json), the
/// Python dicts and their docstrings are rendered from those tables.

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

#include "fwd/describe/field.hpp"
#include "fwd/describe/json.hpp"

namespace fwd::sim {

/// Why a host dropped a frame (received, forwarded or locally sent).
enum class HostDrop : std::uint8_t {
  iface_down,          ///< receiving NIC administratively down
  lagg_not_collecting, ///< lagg: frame from a member that is not COLLECTING (9.3 lagg_lacp_input)
  no_vlan,             ///< tagged frame and no vlan(4) with that VID on the interface
  not_for_us_mac,      ///< unicast to a MAC the host does not own
  backup_vmac,         ///< CARP BACKUP: frame for the virtual MAC (carp.md §6)
  multicast_not_joined,///< group address the host has not joined
  runt,                ///< shorter than an Ethernet header
  unknown_ethertype,
  arp_bad,             ///< malformed ARP
  arp_ignored,         ///< ARP request for an address the host does not answer for
  ip_bad,              ///< malformed IPv4 header
  ip_not_for_us,       ///< not a local address and forwarding is off
  no_route,
  ttl_exceeded,
  arp_unresolved,      ///< next hop did not answer ARP (or the held packet was replaced)
  icmp_ignored,        ///< ICMP type not handled
  tcp_no_socket,       ///< TCP segment for no listener / connection
  ipv6_ignored,        ///< IPv6 other than CARP adverts and NAs
  carp_rejected,       ///< advert refused by the CARP receive checks
  tx_lagg_transit,     ///< lagg transmit suppressed (LACP transit or injected TX blackout): ENETDOWN
  tx_lagg_no_member,   ///< lagg had no distributing member
  tx_link_down,        ///< NIC or link down on transmit
  pf_blocked,          ///< a packet-filter rule refused it (e.g. ICMP to the VIP, answer_icmp_to_vip)
  count_
};
inline constexpr std::size_t host_drop_count = static_cast<std::size_t>(HostDrop::count_);
/// The reason text, e.g. "BACKUP: not for us (vMAC)" (the name in the HostDrop table).
const char* to_string(HostDrop d);

/// Per-host counters: every received frame is delivered or dropped (by reason) exactly once;
/// every frame the host tries to send (its own or forwarded) is put on a link or tx-dropped.
struct HostCounters {
  std::uint64_t rx = 0;          ///< frames arriving on NICs
  std::uint64_t delivered = 0;   ///< accepted by the stack (ARP, IP local, forwarded, CARP)
  std::uint64_t forwarded = 0;   ///< of the delivered, IPv4 packets routed on
  std::uint64_t dropped = 0;     ///< received frames dropped
  std::uint64_t tx = 0;          ///< frames put on links
  std::uint64_t tx_dropped = 0;  ///< frames not sent (lagg transit, ARP failure, link down, no route)
  std::array<std::uint64_t, host_drop_count> dropped_by{};  ///< both directions, by reason
};

/// Per-interface counters (netstat -i names).
struct IfaceCounters {
  std::uint64_t ipackets = 0;  ///< frames received on the interface
  std::uint64_t opackets = 0;  ///< frames sent on the interface
  std::uint64_t ierrors = 0;   ///< receive errors
  std::uint64_t oerrors = 0;   ///< frames the interface could not send
  std::uint64_t ibytes = 0;    ///< bytes received
  std::uint64_t obytes = 0;    ///< bytes sent
};

/// What one CARP vhid / VRRP instance put on the wire and logged so far.
struct CarpCounters {
  std::uint64_t state_changes = 0;
  std::uint64_t adverts_sent = 0;   ///< adverts put on the wire
  std::uint64_t send_errors = 0;    ///< adverts whose send failed
  std::uint64_t garps_sent = 0;     ///< gratuitous ARPs
  std::uint64_t nas_sent = 0;       ///< unsolicited neighbour advertisements
  std::uint64_t log_lines = 0;
};

/// The host's TCP listeners together (FreeBSD syncache statistics).
struct TcpListenerCounters {
  std::uint64_t syns_received = 0;  ///< SYNs to a listening port
  std::uint64_t synacks_sent = 0;   ///< SYN-ACKs sent (a duplicate SYN gets the same SYN-ACK again)
  std::uint64_t established = 0;    ///< handshakes completed by the client's ACK
};

/// The counters of a host as a JSON object: the described fields, then dropped_by (reason text ->
/// frames, non-zero reasons only).
describe::json::object counters_json(const HostCounters& c);

}  // namespace fwd::sim

// ---- descriptions (fwd/describe/field.hpp) ----
namespace fwd::describe {
template <>
struct Fields<sim::HostCounters> {
  using C = sim::HostCounters;
  static constexpr std::string_view doc =
      "Host frame accounting: rx == delivered + dropped; every frame sent is tx or tx_dropped "
      "(dropped_by: per reason, both directions).";
  static constexpr Field<C> table[] = {
      {"rx", &C::rx, "frames", "frames arriving on NICs"},
      {"delivered", &C::delivered, "frames", "accepted by the stack (ARP, IP local, forwarded, CARP)"},
      {"forwarded", &C::forwarded, "packets", "of the delivered, IPv4 packets routed on"},
      {"dropped", &C::dropped, "frames", "received frames dropped (see dropped_by)"},
      {"tx", &C::tx, "frames", "frames put on links"},
      {"tx_dropped", &C::tx_dropped, "frames", "frames not sent (lagg transit, ARP failure, link down, no route)"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Fields<sim::IfaceCounters> {
  using C = sim::IfaceCounters;
  static constexpr std::string_view doc = "Per-interface counters (netstat -i names).";
  static constexpr Field<C> table[] = {
      {"ipackets", &C::ipackets, "frames", "frames received on the interface"},
      {"opackets", &C::opackets, "frames", "frames sent on the interface"},
      {"ierrors", &C::ierrors, "frames", "receive errors"},
      {"oerrors", &C::oerrors, "frames", "frames the interface could not send (down, lagg transit, no member)"},
      {"ibytes", &C::ibytes, "bytes", "bytes received"},
      {"obytes", &C::obytes, "bytes", "bytes sent"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Fields<sim::CarpCounters> {
  using C = sim::CarpCounters;
  static constexpr std::string_view doc = "What one CARP vhid / VRRP instance put on the wire and logged.";
  static constexpr Field<C> table[] = {
      {"state_changes", &C::state_changes, "changes", "state machine transitions (INIT/BACKUP/MASTER/FAULT)"},
      {"adverts_sent", &C::adverts_sent, "adverts", "adverts put on the wire"},
      {"send_errors", &C::send_errors, "adverts", "adverts whose send failed"},
      {"garps_sent", &C::garps_sent, "frames", "gratuitous ARPs"},
      {"nas_sent", &C::nas_sent, "frames", "unsolicited IPv6 neighbour advertisements"},
      {"log_lines", &C::log_lines, "lines", "lines written to the host's log"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Fields<sim::TcpListenerCounters> {
  using C = sim::TcpListenerCounters;
  static constexpr std::string_view doc = "The host's TCP listeners together (syncache statistics).";
  static constexpr Field<C> table[] = {
      {"syns_received", &C::syns_received, "segments", "SYNs to a listening port"},
      {"synacks_sent", &C::synacks_sent, "segments", "SYN-ACKs sent (a duplicate SYN is answered again)"},
      {"established", &C::established, "connections", "handshakes completed by the client's ACK"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Enumerators<sim::HostDrop> {
  using E = sim::HostDrop;
  static constexpr std::string_view what = "host drop reason";
  static constexpr Enumerator<E> table[] = {
      {E::iface_down, "interface down", "receiving NIC administratively down"},
      {E::lagg_not_collecting, "lagg: member not collecting", "frame from a lagg member that is not COLLECTING"},
      {E::no_vlan, "no vlan interface for the tag", "tagged frame and no vlan(4) with that VID on the interface"},
      {E::not_for_us_mac, "not for us (dst MAC)", "unicast to a MAC the host does not own"},
      {E::backup_vmac, "BACKUP: not for us (vMAC)", "CARP BACKUP: frame for the virtual MAC (carp.md §6)"},
      {E::multicast_not_joined, "multicast group not joined", "group address the host has not joined"},
      {E::runt, "runt frame", "shorter than an Ethernet header"},
      {E::unknown_ethertype, "unknown ethertype", "neither IPv4, ARP nor IPv6"},
      {E::arp_bad, "ARP: malformed", "malformed ARP"},
      {E::arp_ignored, "ARP: not for us", "ARP request for an address the host does not answer for"},
      {E::ip_bad, "IPv4: malformed header", "malformed IPv4 header"},
      {E::ip_not_for_us, "IPv4: not for us, forwarding off", "not a local address and forwarding is off"},
      {E::no_route, "IPv4: no route", "no route to the destination"},
      {E::ttl_exceeded, "IPv4: TTL exceeded", "forwarded packet with TTL <= 1"},
      {E::arp_unresolved, "ARP: next hop unresolved", "next hop did not answer ARP (or the held packet was replaced)"},
      {E::icmp_ignored, "ICMP: type or protocol not handled", "ICMP type or IP protocol not handled"},
      {E::tcp_no_socket, "TCP: no socket", "TCP segment for no listener / connection"},
      {E::ipv6_ignored, "IPv6: not handled", "IPv6 other than CARP adverts and NAs"},
      {E::carp_rejected, "CARP: advert rejected", "advert refused by the CARP receive checks"},
      {E::tx_lagg_transit, "lagg: transmit suppressed (ENETDOWN)",
       "lagg transmit suppressed (LACP transit or injected TX blackout)"},
      {E::tx_lagg_no_member, "lagg: no distributing member", "lagg had no distributing member"},
      {E::tx_link_down, "transmit: interface or link down", "NIC or link down on transmit"},
      {E::pf_blocked, "pf: blocked", "a packet-filter rule refused it (e.g. ICMP to the VIP, answer_icmp_to_vip)"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
  static_assert(std::size(table) == sim::host_drop_count, "a HostDrop without a description");
};
}  // namespace fwd::describe
