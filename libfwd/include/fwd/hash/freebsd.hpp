#pragma once
/// \file
/// FreeBSD lagg(4) transmit hash (`ifconfig laggN lagghash l2,l3,l4`), bit-exact.
///
/// Follows two versions, which share one header walk (`lagg_hashmbuf`) and differ in the byte
/// step and in which flag gates the IPv6 flow label:
///  - `hash32`: FreeBSD 9.x and 10.x (10.4.0 identical to 9.3): DJB "times 33", flow label under l3,
///    and no IPv6 hashing at all without l3;
///  - `fnv`: current FreeBSD (12 and later): FNV-1 32-bit (multiply, then XOR), flow label under l4.
/// Both carry the in-band 802.1Q offset bug: for a tagged frame without an out-of-band tag the
/// "tag" is read at bytes 28..29 and the "inner ethertype" at bytes 30..31, so L3/L4 are
/// practically never hashed for in-band tagged frames. The key is the initial value of the
/// running hash (random per lagg on the real system, explicit here). Truncated frames hash what
/// was complete before the first cut header; nothing past the frame is read.
/// Reference: shared/specs/hash-algorithms.md §1; vectors freebsd_lagg_hash32/fnv.jsonl.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "fwd/describe/field.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash::freebsd {

enum class Variant : std::uint8_t { hash32, fnv };

/// lagghash flags, as `ifconfig` takes them.
enum Flags : std::uint8_t { l2 = 1, l3 = 2, l4 = 4 };

}  // namespace fwd::hash::freebsd

namespace fwd::describe {
template <>
struct Enumerators<hash::freebsd::Flags> {
  using E = hash::freebsd::Flags;
  static constexpr std::string_view what = "lagghash flag";
  static constexpr Enumerator<E> table[] = {
      {E::l2, "l2", "source and destination MAC and the VLAN tag"},
      {E::l3, "l3", "IP source and destination addresses (9.x/10.x: and the IPv6 flow label)"},
      {E::l4, "l4", "L4 source and destination ports (12 and later: and the IPv6 flow label)"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::hash::freebsd {

struct Options {
  Variant variant = Variant::hash32;
  std::uint8_t flags = l2 | l3 | l4;  ///< FreeBSD's default lagghash is l2,l3,l4
  std::uint32_t key = 0;
};

namespace detail {

/// 9.x/10.x `hash32_buf`: h = h * 33 + c. Four bytes at a time as one polynomial step
/// (h*33^4 + c0*33^3 + c1*33^2 + c2*33 + c3) to shorten the multiply dependency chain.
inline std::uint32_t times33(std::uint32_t h, const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    h = h * 1185921u + p[i] * 35937u + p[i + 1] * 1089u + p[i + 2] * 33u + p[i + 3];
  for (; i < n; ++i) h = h * 33u + p[i];
  return h;
}

/// Current FreeBSD `fnv_32_buf`: FNV-1 (multiply first, then XOR).
inline std::uint32_t fnv1(std::uint32_t h, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) h = (h * 0x01000193u) ^ p[i];
  return h;
}

inline std::uint32_t fold(Variant v, std::uint32_t h, const std::uint8_t* p, std::size_t n) {
  return v == Variant::hash32 ? times33(h, p, n) : fnv1(h, p, n);
}

}  // namespace detail

/// The key current FreeBSD derives from a random word `s`: FNV-1 of s's 4 host-order bytes.
inline std::uint32_t fnv_key_from_random(std::uint32_t s) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(s), static_cast<std::uint8_t>(s >> 8),
                             static_cast<std::uint8_t>(s >> 16), static_cast<std::uint8_t>(s >> 24)};
  return detail::fnv1(0x811C9DC5u, b, 4);
}

/// The lagg hash of one frame. `meta.vlan_tci` is the out-of-band tag (M_VLANTAG / ether_vtag).
template <class Tracer = NoTrace>
std::uint32_t hash(net::Bytes frame, const net::PacketMeta& meta, const Options& o, Tracer& tr) {
  const std::size_t n = frame.size();
  const std::uint8_t* p = frame.data();
  const Variant v = o.variant;
  std::uint32_t h = o.key;
  tr.step("key", h);
  auto take = [&](const char* name, std::size_t off, std::size_t len) {
    h = detail::fold(v, h, p + off, len);
    tr.field(name, off, frame.subspan(off, len), h);
  };
  if (n < 14) {
    if constexpr (Tracer::enabled) tr.note("frame shorter than an Ethernet header: the key is the hash");
    return h;
  }
  std::uint16_t etype = net::be16(p + 12);
  std::size_t off = 14;
  if (o.flags & l2) {
    take("src_mac", 6, 6);  // source first: lagg hashes ether_shost before ether_dhost
    take("dst_mac", 0, 6);
  }
  if (meta.vlan_tci && (o.flags & l2)) {
    const std::uint8_t tag[2] = {static_cast<std::uint8_t>(*meta.vlan_tci),
                                 static_cast<std::uint8_t>(*meta.vlan_tci >> 8)};
    h = detail::fold(v, h, tag, 2);  // host (little-endian) order: low byte first
    if constexpr (Tracer::enabled) tr.value("vlan_tag (out-of-band, low byte first)", {tag[0], tag[1]}, h);
  } else if (etype == net::ethertype::vlan) {
    if (n < 32) {
      if constexpr (Tracer::enabled) tr.note("802.1Q frame shorter than 32 bytes: walk stops after the MACs");
      return h;
    }
    if constexpr (Tracer::enabled)
      tr.note("in-band 802.1Q quirk: the tag is read at bytes 28..29 and the inner ethertype at 30..31");
    if (o.flags & l2) take("vlan_tag (bytes 28..29, quirk)", 28, 2);
    etype = net::be16(p + 30);
    off = 18;
  }
  if (etype == net::ethertype::ipv4) {
    if (n < off + 20) {
      if constexpr (Tracer::enabled) tr.note("IPv4 header cut short: walk stops");
      return h;
    }
    if (o.flags & l3) take("ip_src,ip_dst", off + 12, 8);
    const std::uint8_t proto = p[off + 9];
    if ((o.flags & l4) && (proto == 6 || proto == 17 || proto == 132)) {
      const std::size_t ihl = (p[off] & 0x0fu) * 4u;
      if (ihl >= 20 && n >= off + ihl + 4) {
        take("src_port,dst_port", off + ihl, 4);
      } else if constexpr (Tracer::enabled) {
        tr.note(ihl < 20 ? "IPv4 ihl < 5: ports not hashed" : "ports cut short: not hashed");
      }
    }
  } else if (etype == net::ethertype::ipv6) {
    if (v == Variant::hash32 && !(o.flags & l3)) {
      if constexpr (Tracer::enabled) tr.note("9.x/10.x hash nothing of IPv6 without l3");
      return h;
    }
    if (n < off + 40) {
      if constexpr (Tracer::enabled) tr.note("IPv6 header cut short: walk stops");
      return h;
    }
    if (o.flags & l3) {
      take("ip6_src", off + 8, 16);
      take("ip6_dst", off + 24, 16);
    }
    if (v == Variant::hash32 || (o.flags & l4)) {
      const std::uint8_t word[4] = {0, static_cast<std::uint8_t>(p[off + 1] & 0x0f), p[off + 2],
                                    p[off + 3]};
      h = detail::fold(v, h, word, 4);
      if constexpr (Tracer::enabled) tr.value("flow_label (version and class masked)", {word, word + 4}, h);
    }
  } else if constexpr (Tracer::enabled) {
    tr.note("ethertype not IPv4/IPv6 (as lagg sees it): nothing more is hashed");
  }
  return h;
}

/// Longest input the walk feeds its fold: MACs 12 + tag 2 + IPv6 addresses 32 + flow label word 4.
inline constexpr std::size_t max_input = 50;

/// The bytes hash() folds for `frame`, in order, written to `out` (max_input bytes); returns their
/// count. hash() == fold(key, gather()) because every step of the walk is the same fold; the batch
/// kernel gathers a block of frames first and then folds several inputs at once (batch_test checks
/// it against hash() on random frames).
inline std::size_t gather(net::Bytes frame, const net::PacketMeta& meta, const Options& o, std::uint8_t* out) {
  const std::size_t n = frame.size();
  const std::uint8_t* p = frame.data();
  std::size_t k = 0;
  auto put = [&](std::uint8_t b) { out[k++] = b; };
  auto take = [&](std::size_t off, std::size_t len) {
    std::copy_n(p + off, len, out + k);
    k += len;
  };
  auto done = [&] { return k; };
  if (n < 14) return 0;
  std::uint16_t etype = net::be16(p + 12);
  std::size_t off = 14;
  if (o.flags & l2) {
    take(6, 6);
    take(0, 6);
  }
  if (meta.vlan_tci && (o.flags & l2)) {
    put(static_cast<std::uint8_t>(*meta.vlan_tci));
    put(static_cast<std::uint8_t>(*meta.vlan_tci >> 8));
  } else if (etype == net::ethertype::vlan) {
    if (n < 32) return done();
    if (o.flags & l2) take(28, 2);
    etype = net::be16(p + 30);
    off = 18;
  }
  if (etype == net::ethertype::ipv4) {
    if (n < off + 20) return done();
    if (o.flags & l3) take(off + 12, 8);
    const std::uint8_t proto = p[off + 9];
    if ((o.flags & l4) && (proto == 6 || proto == 17 || proto == 132)) {
      const std::size_t ihl = (p[off] & 0x0fu) * 4u;
      if (ihl >= 20 && n >= off + ihl + 4) take(off + ihl, 4);
    }
  } else if (etype == net::ethertype::ipv6) {
    if (o.variant == Variant::hash32 && !(o.flags & l3)) return done();
    if (n < off + 40) return done();
    if (o.flags & l3) {
      take(off + 8, 16);
      take(off + 24, 16);
    }
    if (o.variant == Variant::hash32 || (o.flags & l4)) {
      put(0);
      put(static_cast<std::uint8_t>(p[off + 1] & 0x0f));
      put(p[off + 2]);
      put(p[off + 3]);
    }
  }
  return done();
}

/// FNV-1 fold of K inputs of equal length n from the same key, interleaved byte by byte: K
/// independent multiply chains in flight instead of one.
template <std::size_t K>
inline void fnv_lanes(std::uint32_t key, const std::uint8_t* const* in, std::size_t n, std::uint32_t* out) {
  std::uint32_t h[K];
  for (std::size_t k = 0; k < K; ++k) h[k] = key;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < K; ++k) h[k] = (h[k] * 0x01000193u) ^ in[k][i];
  for (std::size_t k = 0; k < K; ++k) out[k] = h[k];
}

inline std::uint32_t hash(net::Bytes frame, const net::PacketMeta& meta, const Options& o) {
  NoTrace t;
  return hash(frame, meta, o, t);
}

}  // namespace fwd::hash::freebsd
