#pragma once
/// \file
/// PacketMeta and PacketView.
///
/// PacketMeta is what a network stack keeps *beside* the frame bytes and what several emulated
/// hashes read: an out-of-band VLAN tag (FreeBSD `M_VLANTAG`, Linux hardware-accelerated tag), the
/// stack's idea of the network protocol (Linux `skb->protocol`), a NIC flow id / RSS hash
/// (FreeBSD `m_pkthdr.flowid`, Linux `skb->hash`), the output VLAN an OVS bridge chose, the
/// ingress port of a switch.
///
/// PacketView is a non-owning, bounds-checked view of one frame plus the offsets of the headers a
/// generic parser found: Ethernet, up to 4 stacked 802.1Q/802.1ad tags, IPv4 (options, fragments),
/// IPv6 (hop-by-hop, routing, destination options and fragment headers walked), TCP, UDP, SCTP,
/// ICMP/ICMPv6 and ARP. It never reads past the frame: a header that is not entirely present ends
/// the walk and is reported as truncated. Emulated hashes do *not* use this generic view: each
/// real system walks headers its own way (see fwd/hash/); PacketView serves the vendor-style hash,
/// the switch, the builder's tests and users.

#include <cstdint>
#include <optional>

#include "fwd/net/bytes.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"

namespace fwd::net {

/// Ethertypes and IP protocol numbers used across libfwd.
namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800, arp = 0x0806, vlan = 0x8100, qinq = 0x88a8,
                               ipv6 = 0x86dd, mpls = 0x8847, pppoe = 0x8864, lldp = 0x88cc,
                               slow = 0x8809;
}
namespace ipproto {
inline constexpr std::uint8_t icmp = 1, tcp = 6, udp = 17, gre = 47, esp = 50, ah = 51,
                              icmpv6 = 58, sctp = 132, carp = 112;
}

/// State a stack keeps beside the frame bytes. Every field is optional; defaults mean "absent".
struct PacketMeta {
  /// Out-of-band 802.1Q TCI (tag stripped from the bytes by the driver or vlan(4)).
  std::optional<std::uint16_t> vlan_tci;
  /// Linux `skb->protocol`. Absent: be16(frame[12..13]) for frames of 14 bytes or more, else 0.
  std::optional<std::uint16_t> protocol;
  /// Offset of the network header (Linux `skb_network_offset`), 14 unless set.
  std::uint16_t network_offset = 14;
  /// NIC / stack flow hash: FreeBSD `flowid` (with M_FLOWID), Linux `skb->hash`.
  std::optional<std::uint32_t> flow_hash;
  /// Linux `skb->l4_hash`: `flow_hash` is a layer-4 hash (encap3+4 returns it unchanged).
  bool flow_hash_is_l4 = false;
  /// OVS: VID of the VLAN the bridge outputs the frame on (0 = untagged).
  std::uint16_t output_vlan = 0;
  /// Switch ingress port (vendor-style hashes may include it).
  std::uint16_t ingress_port = 0;

  /// Linux `skb->protocol` as the vectors define its default.
  std::uint16_t protocol_or_default(Bytes frame) const {
    if (protocol) return *protocol;
    return frame.size() >= 14 ? be16(frame.data() + 12) : std::uint16_t{0};
  }
};

/// A non-owning view of one frame with the header offsets found by a generic parser.
/// Offsets are valid only when the matching `has_*` flag is set.
class PacketView {
public:
  static constexpr unsigned max_tags = 4;

  PacketView() = default;
  explicit PacketView(Bytes frame) : frame_(frame) { parse(); }

  Bytes bytes() const { return frame_; }
  std::size_t size() const { return frame_.size(); }

  bool has_ethernet() const { return frame_.size() >= 14; }
  Mac dst_mac() const { return has_ethernet() ? Mac::from_bytes(frame_.data()) : Mac{}; }
  Mac src_mac() const { return has_ethernet() ? Mac::from_bytes(frame_.data() + 6) : Mac{}; }
  /// Ethertype at bytes 12..13 (the outer one: 0x8100 for a tagged frame).
  std::uint16_t outer_ethertype() const { return has_ethernet() ? be16(frame_.data() + 12) : 0; }
  /// Ethertype after the in-band tags (the payload's type); 0 if truncated inside the tags.
  std::uint16_t ethertype() const { return ethertype_; }
  unsigned tag_count() const { return tags_; }
  /// TPID and TCI of in-band tag i (0 = outermost).
  std::uint16_t tag_tpid(unsigned i) const { return be16(frame_.data() + 12 + 4 * i); }
  std::uint16_t tag_tci(unsigned i) const { return be16(frame_.data() + 14 + 4 * i); }

  std::size_t l3_offset() const { return l3_; }
  bool has_ipv4() const { return ipv4_; }
  bool has_ipv6() const { return ipv6_; }
  bool has_arp() const { return arp_; }
  Ipv4 ipv4_src() const { return Ipv4{be32(frame_.data() + l3_ + 12)}; }
  Ipv4 ipv4_dst() const { return Ipv4{be32(frame_.data() + l3_ + 16)}; }
  Bytes ip_src_bytes() const {
    return ipv4_ ? frame_.subspan(l3_ + 12, 4) : ipv6_ ? frame_.subspan(l3_ + 8, 16) : Bytes{};
  }
  Bytes ip_dst_bytes() const {
    return ipv4_ ? frame_.subspan(l3_ + 16, 4) : ipv6_ ? frame_.subspan(l3_ + 24, 16) : Bytes{};
  }
  std::uint8_t ttl() const {
    return ipv4_ ? frame_[l3_ + 8] : ipv6_ ? frame_[l3_ + 7] : std::uint8_t{0};
  }
  std::uint32_t ipv6_flow_label() const { return ipv6_ ? be32(frame_.data() + l3_) & 0xfffff : 0; }
  /// An IPv4 fragment (MF set or offset != 0) or an IPv6 packet with a fragment header.
  bool is_fragment() const { return fragment_; }
  /// A fragment other than the first: it carries no transport header.
  bool is_later_fragment() const { return later_fragment_; }

  /// IP protocol of the transport header (after IPv6 extension headers); 0 if none.
  std::uint8_t ip_proto() const { return proto_; }
  std::size_t l4_offset() const { return l4_; }
  /// The whole transport header (TCP 20, UDP 8, SCTP 12, ICMP 8 bytes) is present.
  bool has_l4() const { return l4_ok_; }
  /// Ports for TCP, UDP and SCTP; 0 otherwise.
  std::uint16_t src_port() const { return has_ports() ? be16(frame_.data() + l4_) : 0; }
  std::uint16_t dst_port() const { return has_ports() ? be16(frame_.data() + l4_ + 2) : 0; }
  bool has_ports() const {
    return l4_ok_ && (proto_ == ipproto::tcp || proto_ == ipproto::udp || proto_ == ipproto::sctp);
  }
  /// A header (tag, IP, transport) that the frame announces is cut short.
  bool is_truncated() const { return truncated_; }

private:
  void parse() {
    const std::size_t n = frame_.size();
    const std::uint8_t* p = frame_.data();
    if (n < 14) { truncated_ = n > 0; return; }
    std::uint16_t type;
    std::size_t off;
    const bool tags_complete = skip_vlan_tags(p, n, type, off, max_tags);
    tags_ = static_cast<std::uint8_t>((off - 14) / 4);
    if (!tags_complete) { truncated_ = true; return; }
    ethertype_ = type;
    l3_ = off;
    if (type == ethertype::ipv4) {
      if (!fits(n, off, 20) || (p[off] & 0x0f) < 5 || !fits(n, off, (p[off] & 0x0fu) * 4u)) {
        truncated_ = true;
        return;
      }
      ipv4_ = true;
      const std::uint16_t frag = be16(p + off + 6);
      fragment_ = (frag & 0x3fff) != 0;
      later_fragment_ = (frag & 0x1fff) != 0;
      proto_ = p[off + 9];
      l4_ = off + (p[off] & 0x0fu) * 4u;
    } else if (type == ethertype::ipv6) {
      if (!fits(n, off, 40)) { truncated_ = true; return; }
      ipv6_ = true;
      std::uint8_t next = p[off + 6];
      std::size_t at = off + 40;
      for (int hops = 0; hops < 8; ++hops) {
        if (next == 0 || next == 43 || next == 60) {
          if (!fits(n, at, 2)) { truncated_ = true; return; }
          next = p[at];
          at += (std::size_t{p[at + 1]} + 1) * 8;
        } else if (next == 44) {
          if (!fits(n, at, 8)) { truncated_ = true; return; }
          fragment_ = true;
          later_fragment_ = (be16(p + at + 2) & 0xfff8) != 0;
          next = p[at];
          at += 8;
        } else {
          break;
        }
      }
      proto_ = next;
      l4_ = at;
    } else if (type == ethertype::arp) {
      arp_ = fits(n, off, 28);
      truncated_ = !arp_;
      return;
    } else {
      return;
    }
    if (later_fragment_) return;
    std::size_t need = 0;
    switch (proto_) {
      case ipproto::tcp: need = 20; break;
      case ipproto::udp: need = 8; break;
      case ipproto::sctp: need = 12; break;
      case ipproto::icmp: case ipproto::icmpv6: need = 8; break;
      default: return;
    }
    l4_ok_ = fits(n, l4_, need);
    truncated_ = !l4_ok_;
  }

  Bytes frame_{};
  std::size_t l3_ = 0, l4_ = 0;
  std::uint16_t ethertype_ = 0;
  std::uint8_t proto_ = 0;
  std::uint8_t tags_ = 0;
  bool ipv4_ = false, ipv6_ = false, arp_ = false, fragment_ = false, later_fragment_ = false,
       l4_ok_ = false, truncated_ = false;
};

}  // namespace fwd::net
