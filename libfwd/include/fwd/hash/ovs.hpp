#pragma once
/// \file
/// Open vSwitch bond hashes (balance-slb, balance-tcp), bit-exact to OVS 3.1.0 built WITHOUT
/// SSE4.2 (the generic murmur-style `hash_add` of lib/hash.h).
///
/// balance-slb hashes the source MAC together with the *output* VLAN the bridge chose (not the
/// frame's tag): `hash_mac(dl_src, vlan, basis)`. balance-tcp hashes fields of OVS's flow
/// extraction (`flow_hash_5tuple`), not raw offsets, so `extract` reproduces the subset of
/// `miniflow_extract` that the hash reads: up to two 0x8100/0x88a8 tags stripped only when the
/// tag and the next type are complete, 802.3 LLC/SNAP, IPv4/IPv6 sanity checks that zero the L3
/// fields but keep dl_type, IPv6 extension headers (bounded by the payload length, never the
/// Ethernet padding), first/later fragments, L4 headers only when complete, ARP.
/// The bucket is `hash & 0xff`; which member serves a bucket is state (fwd/lag), not hashing.
/// Not modelled: SSE4.2/ARMv8-CRC builds (CRC32C mixing) and the kernel datapath's per-boot
/// random dp_hash, which no offline model can reproduce.
/// Everything here is value code: no allocation (except inside an enabled tracer), no
/// exceptions, and no byte read past the frame.
/// Reference: shared/specs/hash-algorithms.md §3; vectors ovs_bond_balance_slb/tcp.jsonl.

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "fwd/describe/field.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash::ovs {

/// The two hashing bond modes (`bond_mode=balance-slb|balance-tcp`).
enum class BondMode : std::uint8_t { balance_slb, balance_tcp };

}  // namespace fwd::hash::ovs

namespace fwd::describe {
template <>
struct Enumerators<hash::ovs::BondMode> {
  using E = hash::ovs::BondMode;
  static constexpr std::string_view what = "bond mode";
  static constexpr Enumerator<E> table[] = {
      {E::balance_slb, "balance-slb", "hash_mac(source MAC, output VLAN, basis); bucket = hash & 0xff"},
      {E::balance_tcp, "balance-tcp", "flow_hash_5tuple of the extracted flow; bucket = hash & 0xff"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::hash::ovs {

// ---------------------------------------------------------------------------------------------
// lib/hash.h generic primitives (32-bit murmur3 body and finaliser).

namespace detail {
constexpr std::uint32_t rotl(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
}  // namespace detail

/// OVS `hash_add`: mixes the 32-bit word `d` into the running hash `h` (generic build).
constexpr std::uint32_t hash_add(std::uint32_t h, std::uint32_t d) {
  d *= 0xcc9e2d51u;
  d = detail::rotl(d, 15);
  d *= 0x1b873593u;
  h ^= d;
  h = detail::rotl(h, 13);
  return h * 5u + 0xe6546b64u;
}

/// OVS `hash_add64`: the low 32 bits, then the high 32 bits.
constexpr std::uint32_t hash_add64(std::uint32_t h, std::uint64_t d) {
  return hash_add(hash_add(h, static_cast<std::uint32_t>(d)), static_cast<std::uint32_t>(d >> 32));
}

/// OVS `hash_finish`: XOR of `final_` (a byte count or an arbitrary tag), then murmur3 fmix32.
constexpr std::uint32_t hash_finish(std::uint32_t h, std::uint32_t final_) {
  h ^= final_;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/// balance-slb hash of a source MAC in an output VLAN (what `ovs-appctl bond/hash` computes
/// before `& 0xff`): `hash_finish(hash_add64(basis, vlan << 48 | mac), 8)`.
constexpr std::uint32_t hash_mac(net::Mac src, std::uint16_t vlan, std::uint32_t basis) {
  const std::uint64_t word = (std::uint64_t{vlan} << 48) | src.to_u64();
  return hash_finish(hash_add64(basis, word), 8);
}

// ---------------------------------------------------------------------------------------------
// Flow extraction (the part of miniflow_extract that balance-tcp reads).

/// `nw_frag` bits, as OVS stores them.
namespace nw_frag {
inline constexpr std::uint8_t any = 1, later = 2;
}

/// The subset of OVS flow extraction that balance-tcp reads.
struct FlowKey {
  /// Why extraction left fields at zero (diagnostic; the hash does not read it).
  enum class Stop : std::uint8_t {
    none,            ///< everything the frame offers was extracted
    short_frame,     ///< fewer than 14 bytes: every field zero
    no_l3,           ///< dl_type carries no fields the hash reads (MPLS, LLDP, 802.3 without SNAP, ...)
    ipv4_sanity,     ///< IPv4 header short / ihl < 5 / total length inconsistent: L3 fields zero
    ipv6_sanity,     ///< IPv6 header short / payload length past the frame: L3 fields zero
    ipv6_ext_header, ///< an extension header is cut short: addresses kept, nw_proto zero
    arp_malformed,   ///< ARP not Ethernet/IPv4 or shorter than 28 bytes: fields zero
    later_fragment,  ///< a non-first fragment: no L4 fields
    l4_truncated,    ///< the L4 header is not complete within the IP payload: ports zero
  };

  std::uint16_t dl_type = 0;              ///< after the tags / LLC-SNAP; 0x05ff = 802.3 without SNAP
  std::array<std::uint8_t, 16> nw_src{};  ///< wire order; IPv4 and ARP use the first 4 bytes
  std::array<std::uint8_t, 16> nw_dst{};
  std::uint8_t nw_proto = 0;              ///< IP protocol (after IPv6 ext headers) or ARP opcode
  std::uint8_t nw_frag = 0;               ///< 0, nw_frag::any (first fragment), any|later
  std::uint16_t tp_src = 0, tp_dst = 0;   ///< ports; ICMP/ICMPv6/IGMP: type and code
  Stop stop = Stop::short_frame;

  /// Frame offsets the fields came from, for explanations (0: not taken from the frame).
  std::uint16_t dl_type_offset = 0, nw_src_offset = 0, nw_dst_offset = 0, nw_proto_offset = 0,
                l4_offset = 0;
};

namespace detail {

inline void copy_addr(std::array<std::uint8_t, 16>& to, const std::uint8_t* from, std::size_t len) {
  for (std::size_t i = 0; i < len; ++i) to[i] = from[i];
}

/// L4 header sizes OVS requires before it reads the ports (TCP_HEADER_LEN, UDP_HEADER_LEN,
/// SCTP_HEADER_LEN, ICMP_HEADER_LEN, IGMP_HEADER_LEN, sizeof(struct icmp6_data_header)).
/// 0: the protocol has no L4 fields in the flow.
constexpr std::size_t l4_header_len(std::uint8_t proto) {
  switch (proto) {
    case net::ipproto::tcp: return 20;
    case net::ipproto::udp: return 8;
    case net::ipproto::sctp: return 12;
    case net::ipproto::icmp: return 8;
    case 2: return 8;  // IGMP: type/code become tp_src/tp_dst (not hashed: not in the port set)
    case net::ipproto::icmpv6: return 8;
    default: return 0;
  }
}

}  // namespace detail

/// The subset of OVS 3.1 flow extraction that balance-tcp reads: dl_type, nw_src/dst, nw_proto,
/// tp_src, tp_dst, nw_frag. Never reads past the frame.
inline FlowKey extract(net::Bytes frame) {
  using net::be16;
  using net::fits;
  FlowKey k;
  const std::size_t n = frame.size();
  const std::uint8_t* p = frame.data();
  if (n < 14) return k;  // OVS requires a whole Ethernet header before reading anything

  // Tags: OVS strips a tag only if TPID+TCI and the following type are all present (6 bytes),
  // so a 14..17-byte frame typed 0x8100 keeps dl_type 0x8100.
  std::size_t off = 12;
  for (int tags = 0; tags < 2; ++tags) {
    const std::uint16_t tpid = be16(p + off);
    if (tpid != net::ethertype::vlan && tpid != net::ethertype::qinq) break;
    if (!fits(n, off, 6)) break;
    off += 4;
  }
  std::uint16_t type = be16(p + off);
  k.dl_type_offset = static_cast<std::uint16_t>(off);
  off += 2;
  if (type < 0x0600) {
    // 802.3 length: only LLC/SNAP with the Ethernet OUI 00-00-00 yields a type.
    const bool snap = fits(n, off, 8) && p[off] == 0xaa && p[off + 1] == 0xaa &&
                      p[off + 2] == 0x03 && p[off + 3] == 0 && p[off + 4] == 0 && p[off + 5] == 0;
    if (snap && be16(p + off + 6) >= 0x0600) {
      type = be16(p + off + 6);
      k.dl_type_offset = static_cast<std::uint16_t>(off + 6);
      off += 8;
    } else {
      type = 0x05ff;  // FLOW_DL_TYPE_NONE
      k.dl_type_offset = 0;
    }
  }
  k.dl_type = type;
  k.stop = FlowKey::Stop::no_l3;

  std::size_t l4 = 0, l4_size = 0;  // the L4 header and the bytes the IP layer says it carries
  if (type == net::ethertype::ipv4) {
    const std::size_t size = n - off;
    if (size < 20) { k.stop = FlowKey::Stop::ipv4_sanity; return k; }
    const std::size_t ip_len = (p[off] & 0x0fu) * 4u;
    const std::size_t tot_len = be16(p + off + 2);
    if (ip_len < 20 || size < ip_len || tot_len > size || ip_len > tot_len ||
        size - tot_len > 0xffff) {
      k.stop = FlowKey::Stop::ipv4_sanity;
      return k;
    }
    detail::copy_addr(k.nw_src, p + off + 12, 4);
    detail::copy_addr(k.nw_dst, p + off + 16, 4);
    k.nw_src_offset = static_cast<std::uint16_t>(off + 12);
    k.nw_dst_offset = static_cast<std::uint16_t>(off + 16);
    k.nw_proto = p[off + 9];
    k.nw_proto_offset = static_cast<std::uint16_t>(off + 9);
    const std::uint16_t frag = be16(p + off + 6);
    if (frag & 0x3fff) {  // MF or a fragment offset
      k.nw_frag = nw_frag::any;
      if (frag & 0x1fff) k.nw_frag |= nw_frag::later;
    }
    l4 = off + ip_len;
    l4_size = tot_len - ip_len;  // Ethernet padding past total_length is never parsed
  } else if (type == net::ethertype::ipv6) {
    const std::size_t size = n - off;
    if (size < 40) { k.stop = FlowKey::Stop::ipv6_sanity; return k; }
    const std::size_t plen = be16(p + off + 4);
    if (plen + 40 > size || size - (plen + 40) > 0xffff) {
      k.stop = FlowKey::Stop::ipv6_sanity;
      return k;
    }
    detail::copy_addr(k.nw_src, p + off + 8, 16);
    detail::copy_addr(k.nw_dst, p + off + 24, 16);
    k.nw_src_offset = static_cast<std::uint16_t>(off + 8);
    k.nw_dst_offset = static_cast<std::uint16_t>(off + 24);

    // Extension headers, bounded by the payload length. Every header must offer 8 bytes
    // before its fields are read; an overlong length ends the walk as a failure.
    std::uint8_t proto = p[off + 6];
    std::size_t proto_at = off + 6;  // the byte that named `proto`
    std::size_t at = off + 40, left = plen;
    std::uint8_t frag = 0;
    for (;;) {
      const bool generic = proto == 0 || proto == 43 || proto == 60;
      if (!generic && proto != net::ipproto::ah && proto != 44) break;
      if (left < 8) { k.stop = FlowKey::Stop::ipv6_ext_header; return k; }
      std::size_t len = 8;
      if (generic) len = (std::size_t{p[at + 1]} + 1) * 8;
      else if (proto == net::ipproto::ah) len = (std::size_t{p[at + 1]} + 2) * 4;
      if (len > left) { k.stop = FlowKey::Stop::ipv6_ext_header; return k; }
      const std::size_t header = at;
      const std::size_t named_by = proto_at;
      const bool is_frag = proto == 44;
      proto = p[header];
      proto_at = header;
      at += len;
      left -= len;
      if (is_frag) {
        const std::uint16_t offlg = be16(p + header + 2);
        if (offlg != 0) {
          frag = nw_frag::any;
          if (offlg & 0xfff8) {
            // A later fragment: OVS reports the fragment header itself as the protocol.
            frag |= nw_frag::later;
            proto = 44;
            proto_at = named_by;
            break;
          }
        }
      }
    }
    k.nw_proto = proto;
    k.nw_proto_offset = static_cast<std::uint16_t>(proto_at);
    k.nw_frag = frag;
    l4 = at;
    l4_size = left;
  } else if (type == net::ethertype::arp || type == 0x8035 /* RARP */) {
    const bool ok = fits(n, off, 28) && be16(p + off) == 1 &&
                    be16(p + off + 2) == net::ethertype::ipv4 && p[off + 4] == 6 && p[off + 5] == 4;
    if (!ok) { k.stop = FlowKey::Stop::arp_malformed; return k; }
    detail::copy_addr(k.nw_src, p + off + 14, 4);
    detail::copy_addr(k.nw_dst, p + off + 24, 4);
    k.nw_src_offset = static_cast<std::uint16_t>(off + 14);
    k.nw_dst_offset = static_cast<std::uint16_t>(off + 24);
    // OVS keeps only an opcode that fits nw_proto's 8 bits.
    if (be16(p + off + 6) <= 0xff) {
      k.nw_proto = p[off + 7];
      k.nw_proto_offset = static_cast<std::uint16_t>(off + 7);
    }
    k.stop = FlowKey::Stop::none;
    return k;
  } else {
    return k;  // MPLS, PPPoE, LLDP, slow protocols, NSH...: nothing the hash reads
  }

  if (k.nw_frag & nw_frag::later) { k.stop = FlowKey::Stop::later_fragment; return k; }
  const std::size_t need = detail::l4_header_len(k.nw_proto);
  if (need == 0) { k.stop = FlowKey::Stop::none; return k; }
  if (l4_size < need) { k.stop = FlowKey::Stop::l4_truncated; return k; }
  const bool type_code = k.nw_proto == net::ipproto::icmp || k.nw_proto == net::ipproto::icmpv6 ||
                         k.nw_proto == 2;
  k.tp_src = type_code ? p[l4] : be16(p + l4);
  k.tp_dst = type_code ? p[l4 + 1] : be16(p + l4 + 2);
  k.l4_offset = static_cast<std::uint16_t>(l4);
  k.stop = FlowKey::Stop::none;
  return k;
}

// ---------------------------------------------------------------------------------------------
// The bond hashes.

namespace detail {

inline std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

inline const char* stop_reason(FlowKey::Stop s) {
  switch (s) {
    case FlowKey::Stop::ipv4_sanity: return "IPv4 sanity check failed: L3 fields zero";
    case FlowKey::Stop::ipv6_sanity: return "IPv6 sanity check failed: L3 fields zero";
    case FlowKey::Stop::ipv6_ext_header:
      return "IPv6 extension header cut short: addresses kept, nw_proto zero";
    case FlowKey::Stop::arp_malformed: return "ARP not Ethernet/IPv4 or short: L3 fields zero";
    case FlowKey::Stop::later_fragment: return "later fragment: no ports";
    case FlowKey::Stop::l4_truncated: return "L4 header incomplete: ports zero";
    default: return nullptr;
  }
}

/// Hashes one 4-byte address word and records where it came from.
template <class Tracer>
std::uint32_t add_word(std::uint32_t h, const char* name, const std::uint8_t* word,
                       std::size_t frame_offset, net::Bytes frame, Tracer& tr) {
  h = hash_add(h, net::le32(word));  // the flow stores wire bytes; x86-64 loads them little-endian
  if constexpr (Tracer::enabled) {
    if (frame_offset != 0) tr.field(name, frame_offset, frame.subspan(frame_offset, 4), h);
    else tr.value(name, std::vector<std::uint8_t>(word, word + 4), h);
  }
  return h;
}

template <class Tracer>
std::uint32_t hash_slb(net::Bytes frame, std::uint16_t vlan, std::uint32_t basis, Tracer& tr) {
  const bool has_eth = frame.size() >= 14;
  const net::Mac src = has_eth ? net::Mac::from_bytes(frame.data() + 6) : net::Mac{};
  const std::uint64_t word = (std::uint64_t{vlan} << 48) | src.to_u64();
  if constexpr (Tracer::enabled) {
    tr.step("basis", basis);
    if (has_eth) {
      tr.field("dl_src", 6, frame.subspan(6, 6), src.to_u64());
    } else {
      tr.note("frame shorter than 14 bytes: dl_src is 0");
      tr.value("dl_src", std::vector<std::uint8_t>(6, 0), 0);
    }
    tr.value("output_vlan", {static_cast<std::uint8_t>(vlan >> 8), static_cast<std::uint8_t>(vlan)},
             word);
  }
  std::uint32_t h = hash_add64(basis, word);
  tr.step("hash_add64(basis, vlan << 48 | dl_src)", h);
  h = hash_finish(h, 8);
  tr.step("hash_finish(h, 8)", h);
  return h;
}

template <class Tracer>
std::uint32_t hash_tcp(net::Bytes frame, std::uint32_t basis, Tracer& tr) {
  const FlowKey k = extract(frame);
  std::uint32_t h = basis;
  if constexpr (Tracer::enabled) {
    tr.step("basis", basis);
    if (k.stop == FlowKey::Stop::short_frame) tr.note("frame shorter than 14 bytes: every flow field zero");
    if (k.dl_type_offset != 0) {
      tr.field("dl_type", k.dl_type_offset, frame.subspan(k.dl_type_offset, 2), h);
    } else {
      tr.value("dl_type", {static_cast<std::uint8_t>(k.dl_type >> 8), static_cast<std::uint8_t>(k.dl_type)}, h);
    }
  }
  const bool v6 = k.dl_type == net::ethertype::ipv6;
  if (v6) {
    static constexpr const char* src_names[4] = {"ipv6_src[0..3]", "ipv6_src[4..7]", "ipv6_src[8..11]", "ipv6_src[12..15]"};
    static constexpr const char* dst_names[4] = {"ipv6_dst[0..3]", "ipv6_dst[4..7]", "ipv6_dst[8..11]", "ipv6_dst[12..15]"};
    // Eight hash_add calls: OVS feeds the two addresses as four 64-bit words through
    // hash_add64, i.e. one hash_add per 32-bit word in memory order.
    for (std::size_t i = 0; i < 4; ++i)
      h = add_word(h, src_names[i], k.nw_src.data() + 4 * i, k.nw_src_offset ? k.nw_src_offset + 4 * i : 0, frame, tr);
    for (std::size_t i = 0; i < 4; ++i)
      h = add_word(h, dst_names[i], k.nw_dst.data() + 4 * i, k.nw_dst_offset ? k.nw_dst_offset + 4 * i : 0, frame, tr);
  } else if (k.dl_type == net::ethertype::ipv4 || k.dl_type == net::ethertype::arp) {
    const bool arp = k.dl_type == net::ethertype::arp;
    h = add_word(h, arp ? "arp_spa" : "nw_src", k.nw_src.data(), k.nw_src_offset, frame, tr);
    h = add_word(h, arp ? "arp_tpa" : "nw_dst", k.nw_dst.data(), k.nw_dst_offset, frame, tr);
  } else {
    if constexpr (Tracer::enabled) {
      if (k.stop != FlowKey::Stop::short_frame)
        tr.note("dl_type " + hex16(k.dl_type) + " is not IPv4, IPv6 or ARP: no L3/L4 fields hashed");
    }
    h = hash_finish(h, 42);
    tr.step("hash_finish(h, 42)", h);
    return h;
  }
  if constexpr (Tracer::enabled) {
    if (const char* why = stop_reason(k.stop)) tr.note(why);
  }

  h = hash_add(h, k.nw_proto);
  if constexpr (Tracer::enabled) {
    if (k.nw_proto_offset != 0) tr.field("nw_proto", k.nw_proto_offset, frame.subspan(k.nw_proto_offset, 1), h);
    else tr.value("nw_proto", {k.nw_proto}, h);
  }
  const std::uint8_t pr = k.nw_proto;
  if (pr == net::ipproto::tcp || pr == net::ipproto::udp || pr == net::ipproto::sctp ||
      pr == net::ipproto::icmp || pr == net::ipproto::icmpv6) {
    // tp_src and tp_dst are adjacent network-order 16-bit fields of one 32-bit flow word.
    const std::uint32_t ports = std::uint32_t{__builtin_bswap16(k.tp_src)} |
                                (std::uint32_t{__builtin_bswap16(k.tp_dst)} << 16);
    h = hash_add(h, ports);
    if constexpr (Tracer::enabled) {
      const bool raw = k.l4_offset != 0 && pr != net::ipproto::icmp && pr != net::ipproto::icmpv6;
      if (raw) {
        tr.field("tp_src,tp_dst", k.l4_offset, frame.subspan(k.l4_offset, 4), h);
      } else {
        tr.value(pr == net::ipproto::tcp || pr == net::ipproto::udp || pr == net::ipproto::sctp
                     ? "tp_src,tp_dst"
                     : "tp_src,tp_dst (ICMP type, code)",
                 {static_cast<std::uint8_t>(k.tp_src >> 8), static_cast<std::uint8_t>(k.tp_src),
                  static_cast<std::uint8_t>(k.tp_dst >> 8), static_cast<std::uint8_t>(k.tp_dst)},
                 h);
      }
    }
  } else if constexpr (Tracer::enabled) {
    tr.note("nw_proto " + std::to_string(pr) + " is not TCP/UDP/SCTP/ICMP/ICMPv6: ports not hashed");
  }
  h = hash_finish(h, 42);
  tr.step("hash_finish(h, 42)", h);
  return h;
}

}  // namespace detail

/// The bond hash of one frame. balance-slb reads `meta.output_vlan` (the VLAN the bridge
/// outputs on, 0 = untagged); balance-tcp reads only the frame. The bucket is `hash & 0xff`.
template <class Tracer = NoTrace>
std::uint32_t hash(net::Bytes frame, const net::PacketMeta& meta, BondMode mode,
                   std::uint32_t basis, Tracer& tr) {
  if (mode == BondMode::balance_slb) return detail::hash_slb(frame, meta.output_vlan, basis, tr);
  return detail::hash_tcp(frame, basis, tr);
}

/// The bond hash of one frame, without tracing.
inline std::uint32_t hash(net::Bytes frame, const net::PacketMeta& meta, BondMode mode,
                          std::uint32_t basis) {
  NoTrace tr;
  return hash(frame, meta, mode, basis, tr);
}

}  // namespace fwd::hash::ovs
