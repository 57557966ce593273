#pragma once
/// \file
/// What a next-hop lookup is asked about when there is no packet: a flow description (the
/// arguments of `ip route get`, or a socket's flowi), and the per-lookup metadata that applies to
/// packets and flows alike (forwarding vs locally originated, receive hash, virtual time).

#include <array>
#include <cstdint>
#include <optional>

#include "fwd/route/path_set.hpp"
#include "fwd/time.hpp"

namespace fwd::route {

/// Flow flags.
inline constexpr std::uint8_t flow_has_src = 1;    ///< `from SRC` given (else source 0 = unspecified)
inline constexpr std::uint8_t flow_has_proto = 2;  ///< `ipproto` given (else IPv4 uses UDP, IPv6 0: spec §4.5)

/// A flow description, fixed 48-byte layout so that arrays of it are numpy structured arrays
/// (fwd.route.FLOW_DTYPE) and batches are plain spans.
struct Flow {
  std::array<std::uint8_t, 16> src{};  ///< network order; IPv4 in src[0..3]
  std::array<std::uint8_t, 16> dst{};
  std::uint32_t flowlabel = 0;         ///< IPv6 flow label (20 bits); `ip route get` always has 0
  std::uint16_t sport = 0, dport = 0;  ///< host order
  std::uint8_t family = 4;             ///< 4 or 6
  std::uint8_t proto = 0;              ///< ip_proto; meaningful when flags & flow_has_proto
  std::uint8_t flags = flow_has_src | flow_has_proto;
  std::uint8_t reserved[5] = {};      ///< zero; pads the record to 48 bytes

  /// An IPv4 flow (addresses as numbers, 10.0.0.1 == 0x0a000001).
  static Flow v4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::uint16_t sport, std::uint16_t dport);
  /// Any family from addresses (both must be of one family; throws fwd::Error otherwise).
  static Flow make(const Address& src, const Address& dst, std::optional<std::uint8_t> proto,
                   std::uint16_t sport = 0, std::uint16_t dport = 0, std::uint32_t flowlabel = 0);
  Family fam() const { return family == 6 ? Family::ipv6 : Family::ipv4; }
  /// ip_proto as the kernel sees it: the given one, else 17 (IPv4) / 0 (IPv6).
  std::uint8_t effective_proto() const { return (flags & flow_has_proto) ? proto : (family == 6 ? 0 : 17); }
};
static_assert(sizeof(Flow) == 48, "Flow is a fixed 48-byte record (numpy dtype)");

/// Which lookup the kernel does (spec §4 notation).
enum class Lookup : std::uint8_t {
  forward,  ///< forwarding: a received packet, or `ip route get ... iif DEV`
  local,    ///< locally originated `ip route get` (IPv4: dummy packet, skb path; IPv6: flow path)
  socket,   ///< locally generated socket traffic: flow path for both families
  packet,   ///< a forwarded packet described by its flow: the packet is built and dissected (skb path)
};
std::string_view name(Lookup l);      ///< "forward", "local", "socket", "packet"
Lookup lookup_from_name(std::string_view s);  ///< throws fwd::Error listing the names

/// Per-lookup metadata.
struct Meta {
  Lookup lookup = Lookup::forward;
  /// Receive hash carried by the packet: Linux skb->hash (from the NIC or a software flow hash
  /// computed upstream, spec §4.2/§10), FreeBSD mbuf flowid.
  std::optional<std::uint32_t> rx_hash;
  /// Linux skb->l4_hash: rx_hash covers the L4 ports. Only an L4 hash short-circuits policy 1.
  bool rx_hash_l4 = true;
  /// Decide skb->l4_hash as the kernel's software flow hash does (__skb_get_hash: the hash is an
  /// L4 hash when the dissected keys have ports or a flow label), overriding rx_hash_l4. For a
  /// recorded skb->hash whose origin flag was not recorded (spec §10, multi-queue links).
  bool rx_hash_l4_auto = false;
  /// Virtual time of the lookup (resilient groups mark the bucket used; timers compare to it).
  Time now{};
};

}  // namespace fwd::route
