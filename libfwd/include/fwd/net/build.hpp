#pragma once
/// \file
/// FrameBuilder: builds well-formed frames layer by layer, for tests, examples and users.
///
/// Layers are given outermost first (`eth`, optional `vlan` tags, one network layer, one transport
/// layer, payload). `build()` fills in what follows from the stacking: ethertypes and IP protocol
/// numbers, IPv4 total length and header checksum, IPv6 payload length, UDP length, TCP/UDP/ICMP
/// checksums over the right pseudo-headers, and pads to the 60-byte Ethernet minimum (no FCS).
/// A field can be forced (e.g. a wrong checksum) with `raw()` after building. Slow path: it
/// allocates; build frames once and reuse the bytes.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "fwd/net/bytes.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"

namespace fwd::net {

struct Ipv4Fields {
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t id = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  ///< in 8-byte units
  std::vector<std::uint8_t> options;  ///< padded to a multiple of 4 bytes
  std::optional<std::uint8_t> protocol;  ///< default: from the transport layer (0 = none)
};

struct Ipv6Fields {
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::optional<std::uint8_t> next_header;  ///< default: from the transport layer (59 = none)
};

struct TcpFields {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0x02;  ///< SYN; 0x12 SYN-ACK, 0x10 ACK, 0x18 PSH-ACK, 0x04 RST
  std::uint16_t window = 65535;
  std::vector<std::uint8_t> options;  ///< padded to a multiple of 4 bytes
};

namespace tcp_flags {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

class FrameBuilder {
public:
  FrameBuilder& eth(Mac dst, Mac src);
  /// An in-band tag; TPID 0x8100 (802.1Q) or 0x88a8 (802.1ad). Several calls stack tags.
  FrameBuilder& vlan(std::uint16_t tci, std::uint16_t tpid = 0x8100);
  /// Explicit ethertype after the tags (for protocols the builder does not model).
  FrameBuilder& ethertype(std::uint16_t type);
  FrameBuilder& ipv4(Ipv4 src, Ipv4 dst, Ipv4Fields f = {});
  FrameBuilder& ipv6(const Ipv6& src, const Ipv6& dst, Ipv6Fields f = {});
  FrameBuilder& tcp(std::uint16_t src_port, std::uint16_t dst_port, TcpFields f = {});
  FrameBuilder& udp(std::uint16_t src_port, std::uint16_t dst_port);
  /// ICMP (over IPv4) or ICMPv6 (over IPv6) with a 4-byte rest-of-header (id, seq for echo).
  FrameBuilder& icmp(std::uint8_t type, std::uint8_t code, std::uint16_t id = 0, std::uint16_t seq = 0);
  /// ARP for IPv4 over Ethernet; op 1 request, 2 reply.
  FrameBuilder& arp(std::uint16_t op, Mac sender_mac, Ipv4 sender_ip, Mac target_mac, Ipv4 target_ip);
  /// CARP advertisement (FreeBSD carp(4), IP protocol 112): version 2, type 1.
  FrameBuilder& carp(std::uint8_t vhid, std::uint8_t advbase, std::uint8_t advskew,
                     std::uint64_t counter = 0, const std::array<std::uint8_t, 20>& hmac = {});
  FrameBuilder& payload(Bytes bytes);
  /// Pads to at least `min_size` bytes (default 60, the Ethernet minimum without FCS; 0 = none).
  FrameBuilder& min_size(std::size_t n);

  std::vector<std::uint8_t> build() const;

private:
  enum class L3 : std::uint8_t { none, ipv4, ipv6, arp, raw };
  enum class L4 : std::uint8_t { none, tcp, udp, icmp, carp };

  Mac dst_{}, src_{};
  bool has_eth_ = false;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> tags_;  // tpid, tci
  std::uint16_t raw_type_ = 0;
  L3 l3_ = L3::none;
  Ipv4 v4src_{}, v4dst_{};
  Ipv4Fields v4_;
  Ipv6 v6src_{}, v6dst_{};
  Ipv6Fields v6_;
  std::uint16_t arp_op_ = 1;
  Mac arp_sha_{}, arp_tha_{};
  Ipv4 arp_spa_{}, arp_tpa_{};
  L4 l4_ = L4::none;
  std::uint16_t sport_ = 0, dport_ = 0;
  TcpFields tcp_;
  std::uint8_t icmp_type_ = 8, icmp_code_ = 0;
  std::uint16_t icmp_id_ = 0, icmp_seq_ = 0;
  std::vector<std::uint8_t> carp_;
  std::vector<std::uint8_t> payload_;
  std::size_t min_size_ = 60;
};

/// RFC 1071 Internet checksum of `data`, starting from a partial 32-bit sum.
std::uint16_t internet_checksum(Bytes data, std::uint32_t initial = 0);

}  // namespace fwd::net
