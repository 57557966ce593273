#pragma once
/// \file
/// DPDK net/bonding balance transmit hashes (`BALANCE_XMIT_POLICY_LAYER2/23/34`), bit-exact to
/// DPDK commit 38f72e500b3b (2026-07-23): `burst_xmit_l2_hash`, `_l23_hash`, `_l34_hash`.
///
/// Every multi-byte field is a little-endian load of wire bytes (what x86-64 gets), XOR-folded:
///   l2  = ETH ^ ETH >> 8                      ETH = src ^ dst as three 16-bit words
///   l23 = fold(ETH ^ L3)                      fold(h) = h ^= h >> 16, then h ^= h >> 8
///   l34 = fold(L3 ^ L4)                       (no MACs); ports only for unfragmented IPv4
///                                             TCP/UDP and for IPv6 whose next header is TCP/UDP
/// At most two tags are skipped: 0x8100 or 0x88a8 first, then only 0x8100.
/// DPDK bounds-checks nothing but the IPv4 L4 header (UDP even needs one payload byte), so on a
/// short frame it reads whatever follows in memory. libfwd never does: bytes DPDK would read past
/// the frame are taken as zero and the result says `defined = false` (the vectors leave such
/// frames out, since the real result depends on memory contents).
/// Value code: no allocation (except inside an enabled tracer), no exceptions.
/// Reference: shared/specs/hash-algorithms.md §4; vectors dpdk_bond_l2/l23/l34.jsonl.

#include <algorithm>
#include <cstdint>
#include <string>

#include "fwd/describe/field.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash::dpdk {

/// The balance transmit policies (`rte_eth_bond_xmit_policy_set`).
enum class XmitPolicy : std::uint8_t { l2, l23, l34 };

}  // namespace fwd::hash::dpdk

namespace fwd::describe {
template <>
struct Enumerators<hash::dpdk::XmitPolicy> {
  using E = hash::dpdk::XmitPolicy;
  static constexpr std::string_view what = "xmit_policy";
  static constexpr Enumerator<E> table[] = {
      {E::l2, "l2", "BALANCE_XMIT_POLICY_LAYER2: source and destination MAC"},
      {E::l23, "l23", "BALANCE_XMIT_POLICY_LAYER23: MACs and IP addresses"},
      {E::l34, "l34", "BALANCE_XMIT_POLICY_LAYER34: IP addresses and TCP/UDP ports"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::hash::dpdk {

/// DPDK reads past short frames; libfwd never does. `defined` is false when DPDK's result would
/// depend on bytes past the end (missing bytes are then taken as zero).
struct Result {
  std::uint32_t hash;
  bool defined;
};

namespace detail {

/// Loads the way DPDK dereferences header pointers, except that a byte past the frame reads as
/// zero and marks the result undefined.
struct Reader {
  net::Bytes frame;
  std::size_t first_missing = SIZE_MAX;  // lowest offset read past the end, if any

  bool defined() const { return first_missing == SIZE_MAX; }
  [[gnu::always_inline]] std::uint8_t u8(std::size_t o) {
    if (o < frame.size()) return frame[o];
    if (o < first_missing) first_missing = o;
    return 0;
  }
  [[gnu::always_inline]] std::uint16_t le16(std::size_t o) {
    if (net::fits(frame.size(), o, 2)) return net::le16(frame.data() + o);
    return static_cast<std::uint16_t>(u8(o) | (u8(o + 1) << 8));
  }
  [[gnu::always_inline]] std::uint16_t be16(std::size_t o) {
    if (net::fits(frame.size(), o, 2)) return net::be16(frame.data() + o);
    return static_cast<std::uint16_t>((u8(o) << 8) | u8(o + 1));
  }
  [[gnu::always_inline]] std::uint32_t le32(std::size_t o) {
    if (net::fits(frame.size(), o, 4)) return net::le32(frame.data() + o);
    return std::uint32_t{le16(o)} | (std::uint32_t{le16(o + 2)} << 16);
  }
  /// The part of [o, o+len) inside the frame (for traces).
  net::Bytes present(std::size_t o, std::size_t len) const {
    if (o >= frame.size()) return {};
    return frame.subspan(o, std::min(len, frame.size() - o));
  }
};

/// Records a field read at [o, o+len); notes the bytes that lie past the end.
template <class Tracer>
void trace_field(Tracer& tr, const Reader& r, const char* name, std::size_t o, std::size_t len,
                 std::uint64_t running) {
  if constexpr (Tracer::enabled) {
    tr.field(name, o, r.present(o, len), running);
    if (o + len > r.frame.size()) {
      const std::size_t from = std::max(o, r.frame.size());
      tr.note(std::string(name) + ": bytes " + std::to_string(from) + ".." +
              std::to_string(o + len - 1) + " lie past the end of the " +
              std::to_string(r.frame.size()) + "-byte frame; DPDK reads them anyway, taken as zero here");
    }
  }
}

/// `ether_hash`: (src ^ dst) as three 16-bit host-order words.
template <class Tracer>
std::uint32_t ether_hash(Reader& r, Tracer& tr) {
  const std::uint32_t dst = r.le16(0) ^ r.le16(2) ^ r.le16(4);
  trace_field(tr, r, "dst_mac", 0, 6, dst);
  const std::uint32_t h = dst ^ r.le16(6) ^ r.le16(8) ^ r.le16(10);
  trace_field(tr, r, "src_mac", 6, 6, h);
  return h;
}

/// `get_vlan_offset`: the ethertype after at most two tags and the L3 offset.
template <class Tracer>
std::size_t skip_vlan(Reader& r, std::uint16_t& type, Tracer& tr) {
  type = r.be16(12);
  trace_field(tr, r, "ether_type", 12, 2, type);
  if (type != net::ethertype::vlan && type != net::ethertype::qinq) return 14;
  type = r.be16(16);
  trace_field(tr, r, "inner ether_type (tag 1)", 16, 2, type);
  if (type != net::ethertype::vlan) return 18;  // the second tag must be 0x8100
  type = r.be16(20);
  trace_field(tr, r, "inner ether_type (tag 2)", 20, 2, type);
  return 22;
}

/// `ipv4_hash` / `ipv6_hash`: src ^ dst as host-order 32-bit words; 0 for other types.
template <class Tracer>
std::uint32_t l3_hash(Reader& r, std::uint16_t type, std::size_t off, Tracer& tr) {
  if (type == net::ethertype::ipv4) {
    const std::uint32_t src = r.le32(off + 12);
    trace_field(tr, r, "ipv4_src", off + 12, 4, src);
    const std::uint32_t h = src ^ r.le32(off + 16);
    trace_field(tr, r, "ipv4_dst", off + 16, 4, h);
    return h;
  }
  if (type == net::ethertype::ipv6) {
    std::uint32_t src = 0, dst = 0;
    for (std::size_t i = 0; i < 4; ++i) src ^= r.le32(off + 8 + 4 * i);
    trace_field(tr, r, "ipv6_src (4 words XORed)", off + 8, 16, src);
    for (std::size_t i = 0; i < 4; ++i) dst ^= r.le32(off + 24 + 4 * i);
    trace_field(tr, r, "ipv6_dst (4 words XORed)", off + 24, 16, src ^ dst);
    return src ^ dst;
  }
  if constexpr (Tracer::enabled) tr.note("not IPv4/IPv6: L3 contributes 0");
  return 0;
}

template <class Tracer>
std::uint32_t fold(std::uint32_t h, Tracer& tr) {
  h ^= h >> 16;
  tr.step("h ^= h >> 16", h);
  h ^= h >> 8;
  tr.step("h ^= h >> 8", h);
  return h;
}

/// The L4 part of `burst_xmit_l34_hash`.
template <class Tracer>
std::uint32_t l4_hash(Reader& r, std::uint16_t type, std::size_t off, Tracer& tr) {
  const std::size_t n = r.frame.size();
  if (type == net::ethertype::ipv4) {
    const std::uint16_t frag = r.be16(off + 6);
    if ((frag & 0x3fff) != 0) {  // MF or an offset: DPDK assumes no L4 header
      if constexpr (Tracer::enabled) tr.note("IPv4 fragment (MF or offset set): no ports");
      return 0;
    }
    const std::size_t th = off + (r.u8(off) & 0x0fu) * 4u;  // ihl is not validated
    const std::uint8_t proto = r.u8(off + 9);
    if (proto == net::ipproto::tcp) {
      if (th + 20 <= n) {
        const std::uint32_t h = r.le16(th) ^ r.le16(th + 2);
        trace_field(tr, r, "tcp ports", th, 4, h);
        return h;
      }
      if constexpr (Tracer::enabled) tr.note("TCP header incomplete (DPDK checks th + 20 <= len): no ports");
    } else if (proto == net::ipproto::udp) {
      if (th + 8 < n) {  // strictly less: DPDK wants at least one payload byte
        const std::uint32_t h = r.le16(th) ^ r.le16(th + 2);
        trace_field(tr, r, "udp ports", th, 4, h);
        return h;
      }
      if constexpr (Tracer::enabled) tr.note("UDP header without payload (DPDK checks th + 8 < len): no ports");
    } else if constexpr (Tracer::enabled) {
      tr.note("IPv4 protocol " + std::to_string(proto) + " is not TCP/UDP: no ports");
    }
    return 0;
  }
  if (type == net::ethertype::ipv6) {
    // Only the fixed header's next-header byte is looked at, and the ports are read without a
    // bounds check right after the 40-byte header.
    const std::uint8_t proto = r.u8(off + 6);
    if (proto == net::ipproto::tcp || proto == net::ipproto::udp) {
      const std::uint32_t h = r.le16(off + 40) ^ r.le16(off + 42);
      trace_field(tr, r, proto == net::ipproto::tcp ? "tcp ports" : "udp ports", off + 40, 4, h);
      return h;
    }
    if constexpr (Tracer::enabled)
      tr.note("IPv6 next header " + std::to_string(proto) + " is not TCP/UDP (extension headers are not walked): no ports");
  }
  return 0;
}

}  // namespace detail

/// The DPDK bonding hash of one frame. `index = hash % members` over the active members in
/// activation order (802.3ad: those DISTRIBUTING).
template <class Tracer = NoTrace>
Result hash(net::Bytes frame, XmitPolicy p, Tracer& tr) {
  detail::Reader r{frame};
  std::uint32_t h = 0;
  switch (p) {
    case XmitPolicy::l2: {
      h = detail::ether_hash(r, tr);
      h ^= h >> 8;
      tr.step("h ^= h >> 8", h);
      break;
    }
    case XmitPolicy::l23: {
      const std::uint32_t eth = detail::ether_hash(r, tr);
      std::uint16_t type = 0;
      const std::size_t off = detail::skip_vlan(r, type, tr);
      h = eth ^ detail::l3_hash(r, type, off, tr);
      tr.step("ETH ^ L3", h);
      h = detail::fold(h, tr);
      break;
    }
    case XmitPolicy::l34: {
      std::uint16_t type = 0;
      const std::size_t off = detail::skip_vlan(r, type, tr);
      const std::uint32_t l3 = detail::l3_hash(r, type, off, tr);
      h = l3 ^ detail::l4_hash(r, type, off, tr);
      tr.step("L3 ^ L4", h);
      h = detail::fold(h, tr);
      break;
    }
  }
  return {h, r.defined()};
}

/// The DPDK bonding hash of one frame, without tracing.
inline Result hash(net::Bytes frame, XmitPolicy p) {
  NoTrace tr;
  return hash(frame, p, tr);
}

}  // namespace fwd::hash::dpdk
