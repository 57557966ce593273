#pragma once
/// \file
/// The Linux multipath hash (shared/specs/linux-ecmp.md §1-§4): the flow dissector over raw IP
/// packets, the zeroed `struct flow_keys` each hash policy fills, the symmetric ordering, SipHash-2-4
/// keyed by the multipath seed, the jhash_2words combiner of policy 3, and the `ip route get`
/// dummy packet. Written from the spec (verified against recordings of a 6.18.44 kernel); every
/// rule below names the spec section it follows.
///
/// Representation: FlowKeys keeps only what the multipath code can fill; `serialize` lays it out as
/// the hashed bytes (offset 8 of the 80-byte struct: 48 bytes for IPv4 keys, 72 for IPv6, 40 when no
/// address type was set). Ports and flow label are kept as the u32 the kernel stores, so their
/// byte order (raw network order vs the dissector's host order, §4.1/§4.3) is explicit.
/// Everything here is bounds-checked: truncated or garbage packets hash what could be read, as the
/// kernel's dissector does, and never read past the span.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fwd/hash/siphash.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/route/flow.hpp"

namespace fwd::route::linux_mp {

inline constexpr std::uint8_t addr_none = 0, addr_v4 = 4, addr_v6 = 6;

/// The fields of `struct flow_keys` the multipath code fills (everything else stays zero).
struct FlowKeys {
  std::uint8_t addr_type = addr_none;      ///< control.addr_type: decides length and ordering
  std::uint8_t ip_proto = 0;               ///< basic.ip_proto (offset 10)
  std::uint32_t flow_label = 0;            ///< tags.flow_label as stored in memory (LE load), offset 12
  std::uint32_t ports = 0;                 ///< ports.src|dst as stored: wire bytes loaded LE, offset 36
  std::array<std::uint8_t, 32> addrs{};    ///< addrs union, offset 44: v4 src@0 dst@4, v6 src@0 dst@16
};

/// Bytes hashed for these keys (48 / 72 / 40).
inline std::size_t hash_length(const FlowKeys& k) {
  return k.addr_type == addr_v4 ? 48 : k.addr_type == addr_v6 ? 72 : 40;
}

/// __flow_hash_consistentify (§3): IPv4 addresses compared as native (LE) u32, IPv6 by memcmp,
/// ports as native u16 of their wire bytes, each decision independent. No address type: no swap.
inline void consistentify(FlowKeys& k) {
  if (k.addr_type == addr_v4) {
    if (net::le32(k.addrs.data() + 4) < net::le32(k.addrs.data()))
      std::swap_ranges(k.addrs.begin(), k.addrs.begin() + 4, k.addrs.begin() + 4);
  } else if (k.addr_type == addr_v6) {
    if (std::memcmp(k.addrs.data() + 16, k.addrs.data(), 16) < 0)
      std::swap_ranges(k.addrs.begin(), k.addrs.begin() + 16, k.addrs.begin() + 16);
  } else {
    return;
  }
  const auto src = static_cast<std::uint16_t>(k.ports & 0xffff), dst = static_cast<std::uint16_t>(k.ports >> 16);
  if (dst < src) k.ports = (std::uint32_t{src} << 16) | dst;
}

/// The hashed bytes of (already ordered) keys, from offset 8 of struct flow_keys. Returns length.
inline std::size_t serialize(const FlowKeys& k, std::uint8_t (&out)[72]) {
  std::memset(out, 0, sizeof out);
  out[2] = k.ip_proto;                                   // offset 10
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<std::uint8_t>(k.flow_label >> (8 * i));   // 12
  for (int i = 0; i < 4; ++i) out[28 + i] = static_cast<std::uint8_t>(k.ports >> (8 * i));       // 36
  const std::size_t n = hash_length(k);
  // addrs at offset 44 = out[36..]; only the part inside the hashed length exists.
  std::memcpy(out + 36, k.addrs.data(), std::min<std::size_t>(n - 36, 32));
  return n;
}

/// Key words (k0 = k1) from the effective 32-bit seed (§3).
inline hash::SipKey sip_key(std::uint32_t seed) {
  const std::uint64_t w = (std::uint64_t{seed} << 32) | seed;
  return {w, w};
}

/// flow_hash_from_keys_seed: order, SipHash, low 32 bits, 0 -> 1.
inline std::uint32_t hash_keys(FlowKeys k, hash::SipKey key) {
  consistentify(k);
  std::uint8_t buf[72];
  const std::size_t n = serialize(k, buf);
  auto h = static_cast<std::uint32_t>(hash::siphash24(key, buf, n));
  return h ? h : 1;
}

/// The fast form for IPv4 keys (48 bytes = 6 words), built directly as words.
inline std::uint32_t hash_v4(std::uint32_t src_le, std::uint32_t dst_le, std::uint8_t proto,
                             std::uint32_t ports_le, hash::SipKey key) {
  if (dst_le < src_le) std::swap(src_le, dst_le);
  const auto ps = static_cast<std::uint16_t>(ports_le & 0xffff), pd = static_cast<std::uint16_t>(ports_le >> 16);
  if (pd < ps) ports_le = (std::uint32_t{ps} << 16) | pd;
  const std::uint64_t w[6] = {std::uint64_t{proto} << 16, 0, 0, std::uint64_t{ports_le} << 32,
                              std::uint64_t{src_le} << 32, dst_le};
  auto h = static_cast<std::uint32_t>(hash::siphash24_words(key, w));
  return h ? h : 1;
}

/// Policy-1 IPv4 keys split for batches. The first three hashed words (n_proto/ip_proto/flow
/// label, vlan, cvlan) depend only on ip_proto, so the SipHash state after absorbing them is a
/// function of (seed, ip_proto): `V4Midstates` keeps it for all 256 protocols and a flow then costs
/// the last three words + length + finalisation (12 SipRounds instead of 18). Same function, same
/// result as hash_v4; the batch lanes of route/ecmp.cpp start from these states.
struct V4Midstates {
  std::vector<hash::detail::SipState> state;  // [ip_proto]
  explicit V4Midstates(hash::SipKey key) {
    state.reserve(256);
    for (unsigned p = 0; p < 256; ++p) {
      hash::detail::SipState s(key);
      s.absorb(std::uint64_t{p} << 16);
      s.absorb(0);
      s.absorb(0);
      state.push_back(s);
    }
  }
};

/// jhash_2words(a, b, 0): lookup3's final mix on a+iv, b+iv, iv with iv = 0xdeadbeef + 8 (§3).
inline std::uint32_t jhash_2words(std::uint32_t a, std::uint32_t b, std::uint32_t initval = 0) {
  auto rol = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  const std::uint32_t iv = initval + 0xdeadbeefu + (2u << 2);
  a += iv; b += iv;
  std::uint32_t c = iv;
  c ^= b; c -= rol(b, 14);
  a ^= c; a -= rol(c, 11);
  b ^= a; b -= rol(a, 25);
  c ^= b; c -= rol(b, 16);
  a ^= c; a -= rol(c, 4);
  b ^= a; b -= rol(a, 14);
  c ^= b; c -= rol(b, 24);
  return c;
}

// ---- the flow dissector (skb_flow_dissect_flow_keys) ------------------------------------------

/// What skb_flow_dissect_flow_keys leaves in the keys the multipath code reads.
struct Dissected {
  std::uint8_t addr_type = addr_none;
  std::uint8_t ip_proto = 0;
  bool encapsulated = false;  ///< FLOW_DIS_ENCAPSULATION
  bool fragment = false;      ///< FLOW_DIS_IS_FRAGMENT
  std::uint32_t flow_label = 0;            ///< host-order 20-bit label (only a non-zero label is stored)
  std::uint32_t ports = 0;                 ///< wire bytes loaded LE
  std::array<std::uint8_t, 32> addrs{};
};

inline constexpr std::uint16_t eth_ip = 0x0800, eth_ipv6 = 0x86dd;

/// Ports of `ip_proto` at `off` (proto_ports_offset): TCP UDP DCCP ESP SCTP UDP-Lite at 0, AH at 4.
inline std::uint32_t l4_ports(net::Bytes p, std::size_t off, std::uint8_t ip_proto) {
  std::size_t poff;
  switch (ip_proto) {
    case 6: case 17: case 33: case 50: case 132: case 136: poff = 0; break;
    case 51: poff = 4; break;
    default: return 0;
  }
  if (!net::fits(p.size(), off + poff, 4)) return 0;
  return net::le32(p.data() + off + poff);
}

/// __skb_flow_dissect with the flow_keys dissector, starting at the network header (offset 0) with
/// skb->protocol `proto`. `stop_at_encap` = FLOW_DISSECTOR_F_STOP_AT_ENCAP. Fragments are never
/// parsed past (no FLOW_DISSECTOR_F_PARSE_1ST_FRAG). At most 15 headers (MAX_FLOW_DISSECT_HDRS).
inline Dissected dissect(net::Bytes p, std::uint16_t proto, bool stop_at_encap) {
  Dissected d;
  const std::uint8_t* b = p.data();
  const std::size_t n = p.size();
  std::size_t nhoff = 0;
  std::uint8_t ip_proto = 0;
  int num_hdrs = 0;
  auto allowed = [&] { return ++num_hdrs <= 15; };
  enum { cont, out_good, out_bad, again_proto, again_ipproto } ret;

proto_again:
  ret = cont;
  switch (proto) {
    case eth_ip: {
      if (!net::fits(n, nhoff, 20) || (b[nhoff] & 0x0f) < 5) { ret = out_bad; break; }
      const std::uint8_t* ih = b + nhoff;
      nhoff += std::size_t{ih[0] & 0x0fu} * 4;
      ip_proto = ih[9];
      std::memcpy(d.addrs.data(), ih + 12, 8);
      d.addr_type = addr_v4;
      if (net::be16(ih + 6) & 0x3fff) {  // MF or offset: a fragment, first or later
        d.fragment = true;
        ret = out_good;
      }
      break;
    }
    case eth_ipv6: {
      if (!net::fits(n, nhoff, 40)) { ret = out_bad; break; }
      const std::uint8_t* ih = b + nhoff;
      ip_proto = ih[6];
      nhoff += 40;
      std::memcpy(d.addrs.data(), ih + 8, 32);
      d.addr_type = addr_v6;
      if (const std::uint32_t fl = net::be32(ih) & 0xfffff) d.flow_label = fl;
      break;
    }
    case 0x8100: case 0x88a8: {
      if (!net::fits(n, nhoff, 4)) { ret = out_bad; break; }
      proto = net::be16(b + nhoff + 2);
      nhoff += 4;
      ret = again_proto;
      break;
    }
    default: ret = out_bad; break;
  }
  if (ret == again_proto) {
    if (allowed()) goto proto_again;
    goto out;
  }
  if (ret != cont) goto out;

ip_proto_again:
  ret = cont;
  switch (ip_proto) {
    case 47: {  // GRE (__skb_flow_dissect_gre)
      if (!net::fits(n, nhoff, 4)) { ret = out_bad; break; }
      const std::uint16_t flags = net::be16(b + nhoff);
      std::uint16_t gproto = net::be16(b + nhoff + 2);
      const unsigned ver = flags & 0x7;
      if ((flags & 0x4000) || ver > 1) { ret = out_good; break; }  // routing present / unknown version
      if (ver == 1 && !(gproto == 0x880b && (flags & 0x2000))) { ret = out_good; break; }
      std::size_t off = 4;
      if (flags & 0x8000) off += 4;  // checksum + reserved1
      if (flags & 0x2000) {
        if (!net::fits(n, nhoff + off, 4)) { ret = out_bad; break; }
        off += 4;  // key: dissected into keyid, never hashed (§2)
      }
      if (flags & 0x1000) off += 4;  // sequence
      if (ver == 0) {
        if (gproto == 0x6558) {  // transparent Ethernet bridging
          if (!net::fits(n, nhoff + off, 14)) { ret = out_bad; break; }
          gproto = net::be16(b + nhoff + off + 12);
          off += 14;
        }
      } else {  // PPTP: ack, then a PPP header
        if (flags & 0x0080) off += 4;
        if (!net::fits(n, nhoff + off, 4)) { ret = out_bad; break; }
        const unsigned ppp = net::be16(b + nhoff + off + 2);
        if (ppp == 0x21) gproto = eth_ip;
        else if (ppp == 0x57) gproto = eth_ipv6;
        off += 4;
      }
      nhoff += off;
      d.encapsulated = true;
      if (stop_at_encap) { ret = out_good; break; }
      proto = gproto;
      ret = again_proto;
      break;
    }
    case 0: case 43: case 60: {  // hop-by-hop, routing, destination options
      if (proto != eth_ipv6) break;
      if (!net::fits(n, nhoff, 2)) { ret = out_bad; break; }
      ip_proto = b[nhoff];
      nhoff += (std::size_t{b[nhoff + 1]} + 1) * 8;
      ret = again_ipproto;
      break;
    }
    case 44: {  // IPv6 fragment header
      if (proto != eth_ipv6) break;
      if (!net::fits(n, nhoff, 8)) { ret = out_bad; break; }
      d.fragment = true;
      ip_proto = b[nhoff];
      nhoff += 8;
      ret = out_good;
      break;
    }
    case 4: case 41: {  // IPIP, IPv6-in-IP
      proto = ip_proto == 4 ? eth_ip : eth_ipv6;
      d.encapsulated = true;
      ret = stop_at_encap ? out_good : again_proto;
      break;
    }
    default: break;
  }
  if (!d.fragment) d.ports = l4_ports(p, nhoff, ip_proto);
  if (ret == again_proto) {
    if (allowed()) goto proto_again;
  } else if (ret == again_ipproto) {
    if (allowed()) goto ip_proto_again;
  }
out:
  d.ip_proto = ip_proto;
  return d;
}

// ---- the hash policies ------------------------------------------------------------------------

/// How a lookup is hashed: a packet (skb path) or a flow description (flow path), §4.
struct Config {
  unsigned policy = 0;
  std::uint32_t fields = 0x7;
  hash::SipKey key{};
};

inline constexpr std::uint32_t field_src_ip = 1u << 0, field_dst_ip = 1u << 1, field_ip_proto = 1u << 2,
                               field_flowlabel = 1u << 3, field_src_port = 1u << 4, field_dst_port = 1u << 5,
                               field_inner_src_ip = 1u << 6, field_inner_dst_ip = 1u << 7,
                               field_inner_ip_proto = 1u << 8, field_inner_flowlabel = 1u << 9,
                               field_inner_src_port = 1u << 10, field_inner_dst_port = 1u << 11;
inline constexpr std::uint32_t outer_mask = 0x3f, inner_mask = 0xfc0;

/// Records what went into a hash (explain). Null in the hot path.
struct Trace {
  std::string path;
  std::vector<std::string> fields;
  std::vector<std::uint8_t> hashed, inner_hashed;
  std::uint32_t outer = 0, inner = 0;
  bool rx_hash_used = false;
};

inline void record(Trace* t, const FlowKeys& k, bool inner = false) {
  if (!t) return;
  FlowKeys o = k;
  consistentify(o);
  std::uint8_t buf[72];
  const std::size_t n = serialize(o, buf);
  (inner ? t->inner_hashed : t->hashed).assign(buf, buf + n);
}

inline std::uint32_t hashed(const Config& c, const FlowKeys& k, Trace* t, bool inner = false) {
  record(t, k, inner);
  return hash_keys(k, c.key);
}

/// Copies addresses of the route family's union view (v4addrs = first 8 bytes, v6addrs = 32).
inline void copy_addrs(FlowKeys& k, const Dissected& d, Family fam, bool src, bool dst) {
  if (fam == Family::ipv4) {
    if (src) std::memcpy(k.addrs.data(), d.addrs.data(), 4);
    if (dst) std::memcpy(k.addrs.data() + 4, d.addrs.data() + 4, 4);
  } else {
    if (src) std::memcpy(k.addrs.data(), d.addrs.data(), 16);
    if (dst) std::memcpy(k.addrs.data() + 16, d.addrs.data() + 16, 16);
  }
}

/// ip_multipath_l3_keys / ip6_multipath_l3_keys (§4.1): outer header, or the quoted header of an
/// ICMP(v6) error. Reads are bounded; bytes beyond the packet read as zero.
inline FlowKeys l3_keys(net::Bytes p, Family fam) {
  FlowKeys k;
  std::uint8_t hdr[48] = {};
  if (!p.empty()) std::memcpy(hdr, p.data(), std::min<std::size_t>(p.size(), sizeof hdr));  // an empty span may be null
  if (fam == Family::ipv4) {
    k.addr_type = addr_v4;
    const std::uint8_t* key = hdr + 12;
    std::uint8_t inner[8];
    const std::size_t ihl = std::size_t{hdr[0] & 0x0fu} * 4;
    if (hdr[9] == 1 && !(net::be16(hdr + 6) & 0x1fff) && net::fits(p.size(), ihl, 8)) {
      const std::uint8_t type = p[ihl];
      if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) && net::fits(p.size(), ihl + 8, 20)) {
        std::memcpy(inner, p.data() + ihl + 8 + 12, 8);
        key = inner;
      }
    }
    std::memcpy(k.addrs.data(), key, 8);
  } else {
    k.addr_type = addr_v6;
    const std::uint8_t* key = hdr;
    if (hdr[6] == 58 && net::fits(p.size(), 40, 8)) {
      const std::uint8_t type = p[40];
      if (type >= 1 && type <= 4 && net::fits(p.size(), 48, 40)) key = p.data() + 48;
    }
    std::memcpy(k.addrs.data(), key + 8, 32);
    k.flow_label = net::le32(key) & 0xffff0f00u;  // raw network-order word masked to 20 bits
    k.ip_proto = key[6];
  }
  return k;
}

inline std::uint16_t ethertype(Family f) { return f == Family::ipv4 ? eth_ip : eth_ipv6; }

/// Policy 3 on a packet (fib_multipath_custom_hash_skb / rt6_...): jhash_2words(outer, inner, 0).
inline std::uint32_t custom_skb(const Config& c, net::Bytes p, Family fam, Trace* t) {
  std::uint32_t outer = 0, inner = 0;
  bool has_inner = true;
  if (c.fields & outer_mask) {
    const Dissected d = dissect(p, ethertype(fam), true);
    FlowKeys k;
    k.addr_type = d.addr_type;
    copy_addrs(k, d, fam, c.fields & field_src_ip, c.fields & field_dst_ip);
    if (c.fields & field_ip_proto) k.ip_proto = d.ip_proto;
    if (fam == Family::ipv6 && (c.fields & field_flowlabel)) k.flow_label = d.flow_label;
    if (c.fields & field_src_port) k.ports |= d.ports & 0xffff;
    if (c.fields & field_dst_port) k.ports |= d.ports & 0xffff0000u;
    has_inner = d.encapsulated;
    outer = hashed(c, k, t);
  }
  if (has_inner && (c.fields & inner_mask)) {
    const Dissected d = dissect(p, ethertype(fam), false);
    if (d.encapsulated) {
      FlowKeys k;
      if (d.addr_type == addr_v4 || d.addr_type == addr_v6) {
        k.addr_type = d.addr_type;
        copy_addrs(k, d, d.addr_type == addr_v4 ? Family::ipv4 : Family::ipv6, c.fields & field_inner_src_ip,
                   c.fields & field_inner_dst_ip);
        if (d.addr_type == addr_v6 && (c.fields & field_inner_flowlabel)) k.flow_label = d.flow_label;
      }
      if (c.fields & field_inner_ip_proto) k.ip_proto = d.ip_proto;
      if (c.fields & field_inner_src_port) k.ports |= d.ports & 0xffff;
      if (c.fields & field_inner_dst_port) k.ports |= d.ports & 0xffff0000u;
      inner = hashed(c, k, t, true);
    }
  }
  if (t) t->outer = outer, t->inner = inner;
  return jhash_2words(outer, inner, 0);
}

/// The 32-bit multipath hash of a packet on the skb path of a `fam` route (before the >> 1).
/// rx_l4: skb->l4_hash with skb->hash = *rx (policy 1 short-circuit, §4.2); returns the raw rx
/// hash then (caller shifts), flagged in `used_rx`.
inline std::uint32_t skb_hash(const Config& c, net::Bytes p, Family fam, Trace* t) {
  switch (c.policy) {
    case 0: {
      if (t) t->path = "skb path: policy 0 (L3; ICMP errors use the quoted header)";
      return hashed(c, l3_keys(p, fam), t);
    }
    case 1: {
      if (t) t->path = "skb path: policy 1 (L4, dissection stops at the first encapsulation)";
      const Dissected d = dissect(p, ethertype(fam), true);
      FlowKeys k;
      k.addr_type = fam == Family::ipv4 ? addr_v4 : addr_v6;
      copy_addrs(k, d, fam, true, true);
      k.ports = d.ports;
      k.ip_proto = d.ip_proto;
      return hashed(c, k, t);
    }
    case 2: {
      if (t) t->path = "skb path: policy 2 (L3 of the innermost header)";
      const Dissected d = dissect(p, ethertype(fam), false);
      FlowKeys k;
      if (d.addr_type == addr_v4) {
        k.addr_type = addr_v4;
        copy_addrs(k, d, Family::ipv4, true, true);
      } else if (d.addr_type == addr_v6) {
        k.addr_type = addr_v6;
        copy_addrs(k, d, Family::ipv6, true, true);
        k.flow_label = d.flow_label;
        k.ip_proto = d.ip_proto;
      } else {
        k = l3_keys(p, fam);
        if (fam == Family::ipv4) k.addr_type = addr_v4;
      }
      return hashed(c, k, t);
    }
    default:
      if (t) t->path = "skb path: policy 3 (custom fields; jhash_2words(outer, inner, 0))";
      return custom_skb(c, p, fam, t);
  }
}

/// The 32-bit multipath hash of a flow description on the flow path (§4; IPv6 `ip route get`,
/// socket traffic). Flow labels are in the raw network-order form.
inline std::uint32_t flow_hash(const Config& c, const Flow& f, Trace* t) {
  const Family fam = f.fam();
  const bool v6 = fam == Family::ipv6;
  const std::size_t alen = v6 ? 16 : 4;
  FlowKeys k;
  k.addr_type = v6 ? addr_v6 : addr_v4;
  const std::uint8_t proto = f.effective_proto();
  const std::uint32_t ports = (std::uint32_t{__builtin_bswap16(f.dport)} << 16) | __builtin_bswap16(f.sport);
  const std::uint32_t label = __builtin_bswap32(f.flowlabel & 0xfffff);
  auto put_src = [&] { std::memcpy(k.addrs.data(), f.src.data(), alen); };
  auto put_dst = [&] { std::memcpy(k.addrs.data() + alen, f.dst.data(), alen); };
  switch (c.policy) {
    case 0: case 2:
      if (t) t->path = "flow path: policy " + std::to_string(c.policy) + " (L3)";
      put_src(); put_dst();
      if (v6) k.flow_label = label, k.ip_proto = proto;
      return hashed(c, k, t);
    case 1:
      if (t) t->path = "flow path: policy 1 (L4 five-tuple)";
      put_src(); put_dst();
      k.ip_proto = proto;
      k.ports = ports;
      return hashed(c, k, t);
    default:
      if (t) t->path = "flow path: policy 3 (outer fields only, no jhash combination)";
      if (!(c.fields & outer_mask)) { if (t) t->outer = 0; return 0; }
      if (c.fields & field_src_ip) put_src();
      if (c.fields & field_dst_ip) put_dst();
      if (c.fields & field_ip_proto) k.ip_proto = proto;
      if (v6 && (c.fields & field_flowlabel)) k.flow_label = label;
      if (c.fields & field_src_port) k.ports |= ports & 0xffff;
      if (c.fields & field_dst_port) k.ports |= ports & 0xffff0000u;
      return hashed(c, k, t);
  }
}

/// The packet a flow describes, as `ip route get` builds it for IPv4 (inet_rtm_getroute_build_skb:
/// IPv4 header + UDP/TCP header with the ports, or an ICMP echo header) and, for Lookup::packet,
/// the IPv6 equivalent. Other protocols: the IP header alone. Returns the length written.
inline std::size_t build_packet(const Flow& f, std::uint8_t (&buf)[80]) {
  std::memset(buf, 0, sizeof buf);
  const std::uint8_t proto = f.effective_proto();
  std::size_t l4 = proto == 6 ? 20 : (proto == 17 || proto == 1 || proto == 58) ? 8 : 0;
  std::size_t ip;
  if (f.family == 6) {
    ip = 40;
    const std::uint32_t w0 = (6u << 28) | (f.flowlabel & 0xfffff);
    buf[0] = static_cast<std::uint8_t>(w0 >> 24); buf[1] = static_cast<std::uint8_t>(w0 >> 16);
    buf[2] = static_cast<std::uint8_t>(w0 >> 8); buf[3] = static_cast<std::uint8_t>(w0);
    buf[4] = static_cast<std::uint8_t>(l4 >> 8); buf[5] = static_cast<std::uint8_t>(l4);
    buf[6] = proto; buf[7] = 64;
    std::memcpy(buf + 8, f.src.data(), 16);
    std::memcpy(buf + 24, f.dst.data(), 16);
  } else {
    ip = 20;
    const std::size_t tot = ip + l4;
    buf[0] = 0x45; buf[2] = static_cast<std::uint8_t>(tot >> 8); buf[3] = static_cast<std::uint8_t>(tot);
    buf[8] = 64; buf[9] = proto;
    std::memcpy(buf + 12, f.src.data(), 4);
    std::memcpy(buf + 16, f.dst.data(), 4);
  }
  std::uint8_t* h = buf + ip;
  if (proto == 6 || proto == 17) {
    h[0] = static_cast<std::uint8_t>(f.sport >> 8); h[1] = static_cast<std::uint8_t>(f.sport);
    h[2] = static_cast<std::uint8_t>(f.dport >> 8); h[3] = static_cast<std::uint8_t>(f.dport);
    if (proto == 6) h[12] = 0x50;
    else h[5] = 8;
  } else if (proto == 1) {
    h[0] = 8;  // echo request
  } else if (proto == 58) {
    h[0] = 128;
  }
  return ip + l4;
}

}  // namespace fwd::route::linux_mp
