#pragma once
/// \file
/// FlowRecord: a packed flow description for batch work, mirroring the numpy structured dtype
/// `fwd.net.FLOW_DTYPE` (align=True) field for field, so a numpy array of flows is read in place.
/// `frame_for_flow` turns one record into a minimal well-formed frame (60 bytes for IPv4 TCP/UDP).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fwd::net {

struct FlowRecord {
  std::uint64_t src_mac;   ///< 48-bit MAC as a number (00:25:90:11:22:33 == 0x002590112233)
  std::uint64_t dst_mac;
  std::int32_t vlan;       ///< 802.1Q TCI in-band (VID, PCP in bits 13..15), -1 = untagged
  std::uint8_t ip_version; ///< 4, 6, or 0 for a non-IP frame (then eth_type is used)
  std::uint8_t ip_proto;   ///< 6 TCP, 17 UDP, 132 SCTP, 1/58 ICMP echo (src_port = id), other: bare
  std::uint16_t src_port;
  std::uint16_t dst_port;
  std::uint16_t eth_type;  ///< ethertype for non-IP frames
  std::uint8_t src_ip[16]; ///< IPv4 in the first 4 bytes, network order
  std::uint8_t dst_ip[16];
};
static_assert(offsetof(FlowRecord, vlan) == 16 && offsetof(FlowRecord, src_ip) == 28 &&
              sizeof(FlowRecord) == 64, "FlowRecord must match fwd.net.FLOW_DTYPE");

/// The frame a flow describes: Ethernet, optional tag, IPv4/IPv6, transport header, padding.
std::vector<std::uint8_t> frame_for_flow(const FlowRecord& flow);

}  // namespace fwd::net
