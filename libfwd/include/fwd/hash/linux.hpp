#pragma once
/// \file
/// Linux bonding `xmit_hash_policy` hashes, bit-exact with Linux 6.12 (Debian 6.12.117) on
/// little-endian x86-64 (spec: shared/specs/hash-algorithms.md §2).
///
/// Six policies. `layer2` and `vlan+srcmac` read the MAC header only. `layer2+3` and `layer3+4`
/// use the bonding driver's own IP step: IPv4/IPv6 at `skb_network_offset`, no extension-header
/// walk, no IHL check, ICMP echo ids in place of ports and ICMP errors re-parsed so they hash like
/// the flow they report. `encap2+3` and `encap3+4` run a model of the kernel's generic flow
/// dissector (`__skb_flow_dissect` with the bonding key set and no flags): in-band tags, PPPoE,
/// GRE v0 / PPTP / TEB, IPIP, 6in4, 6in6 and IPv6 extension headers are walked, the innermost IP
/// header wins, and at most 16 headers are looked at.
///
/// Everything the kernel loads into a native integer (addresses, ports) is read little-endian, as
/// x86-64 does; the ethertype term of the L2 hash is numeric. `skb->protocol` comes from
/// PacketMeta, never from the bytes, so an in-band tagged frame keeps proto 0x8100.
///
/// Hot path: no allocation, no exceptions, every load behind `net::fits`. Each function is a
/// template over a tracer (fwd/hash/trace.hpp); with NoTrace the hooks vanish and tracing calls
/// that build strings sit behind `if constexpr (Tracer::enabled)`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fwd/error.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/describe/field.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash::linux_bond {

/// The bonding driver's `xmit_hash_policy` values (kernel 6.12).
enum class XmitHashPolicy : std::uint8_t {
  layer2, layer2_3, layer3_4, encap2_3, encap3_4, vlan_srcmac
};

}  // namespace fwd::hash::linux_bond

namespace fwd::describe {
template <>
struct Enumerators<hash::linux_bond::XmitHashPolicy> {
  using E = hash::linux_bond::XmitHashPolicy;
  static constexpr std::string_view what = "linux xmit_hash_policy";
  static constexpr Enumerator<E> table[] = {
      {E::layer2, "layer2", "source and destination MAC and the EtherType"},
      {E::layer2_3, "layer2+3", "MACs and IP addresses"},
      {E::layer3_4, "layer3+4", "IP addresses and L4 ports (protocol only for fragments)"},
      {E::encap2_3, "encap2+3", "layer2+3 of the innermost headers (flow dissector)"},
      {E::encap3_4, "encap3+4", "layer3+4 of the innermost headers (flow dissector)"},
      {E::vlan_srcmac, "vlan+srcmac", "VLAN id and source MAC"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::hash::linux_bond {

/// Every policy, in the order of the enum.
inline constexpr auto all_policies = describe::enumerator_values<XmitHashPolicy>();

/// The policy name as users type it (`layer2+3`), as in /sys/class/net/<bond>/bonding.
constexpr std::string_view name(XmitHashPolicy policy) noexcept { return describe::name_of(policy); }

/// Parses a policy name (`layer2`, `layer2+3`, `layer3+4`, `encap2+3`, `encap3+4`, `vlan+srcmac`;
/// case-sensitive). Throws fwd::Error naming the bad text and the accepted names.
inline XmitHashPolicy policy_from_name(std::string_view text) { return describe::parse_enumerator<XmitHashPolicy>(text); }

namespace detail {

using net::be16;
using net::be24;
using net::fits;
using net::le32;

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

namespace eth {
inline constexpr std::uint16_t ipv4 = 0x0800, arp = 0x0806, rarp = 0x8035, vlan = 0x8100,
                               qinq = 0x88a8, ipv6 = 0x86dd, mpls_uc = 0x8847, mpls_mc = 0x8848,
                               pppoe_ses = 0x8864, teb = 0x6558, ppp = 0x880b, cfm = 0x8902,
                               tipc = 0x88ca, fcoe = 0x8906, ptp = 0x88f7, hsr = 0x892f,
                               prp = 0x88fb, batman = 0x4305;
}

// MAX_FLOW_DISSECT_HDRS: the dissector refuses the 16th hand-over from one header to the next.
inline constexpr unsigned max_hops = 15;

// "0x0800"-style text for trace notes (slow path only).
inline std::string hex(std::uint32_t v, int digits = 4) {
  constexpr char d[] = "0123456789abcdef";
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += d[(v >> (4 * i)) & 0xf];
  return s;
}

// The bonding fold (`bond_ip_hash` after the address XOR).
constexpr std::uint32_t fold(std::uint32_t h) {
  h ^= h >> 16;
  h ^= h >> 8;
  return h;
}

// `ipv6_addr_hash`: the four 32-bit words of the address XORed, each loaded in host order.
inline std::uint32_t a6(const std::uint8_t* a) {
  return le32(a) ^ le32(a + 4) ^ le32(a + 8) ^ le32(a + 12);
}

// `proto_ports_offset`: where the 4 "port" bytes sit in the transport header, or -1.
constexpr int ports_offset(unsigned ip_proto) {
  switch (ip_proto) {
    case 6: case 17: case 33: case 50: case 132: case 136:  // TCP UDP DCCP ESP SCTP UDP-Lite
      return 0;
    case 51: return 4;                                                // AH: its SPI
    default: return -1;
  }
}

// The 4 port bytes as one host-order word; `at` is where they were read (npos: not read, 0).
struct Ports {
  std::uint32_t value = 0;
  std::size_t at = npos;
};

inline Ports read_ports(const std::uint8_t* p, std::size_t n, std::size_t th, unsigned ip_proto) {
  const int off = ports_offset(ip_proto);
  if (off < 0 || !fits(n, th + static_cast<std::size_t>(off), 4)) return {};
  return {le32(p + th + static_cast<std::size_t>(off)), th + static_cast<std::size_t>(off)};
}

// `flow_dissector_key_icmp`: type, code, id; `packed()` is the struct loaded as a u32.
struct Icmp {
  std::uint8_t type = 0, code = 0;
  std::uint16_t id = 0;
  std::size_t at = npos;     // offset of the ICMP header when it was read
  bool id_was_zero = false;  // an echo/timestamp id of 0, hashed as 1
  constexpr std::uint32_t packed() const {
    return std::uint32_t{type} | std::uint32_t{code} << 8 | std::uint32_t{id} << 16;
  }
};

// `icmp_has_id`: the test is on the type number alone, for ICMP and ICMPv6 alike.
constexpr bool icmp_has_id(std::uint8_t type) {
  return type == 0 || type == 8 || type == 13 || type == 14 || type == 128 || type == 129;
}
// `icmp_is_err` (ICMPv4: unreachable, source quench, redirect, time exceeded, parameter problem).
constexpr bool icmp_is_err(std::uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// `skb_flow_get_icmp_tci`: nothing is read unless the whole 8-byte header is present.
inline Icmp read_icmp(const std::uint8_t* p, std::size_t n, std::size_t th) {
  Icmp k;
  if (!fits(n, th, 8)) return k;
  k.at = th;
  k.type = p[th];
  k.code = p[th + 1];
  if (icmp_has_id(k.type)) {
    k.id = be16(p + th + 4);
    if (k.id == 0) {  // the kernel keeps 0 to mean "no id"
      k.id = 1;
      k.id_was_zero = true;
    }
  }
  return k;
}

// The address pair that enters the hash and where it came from (for the trace).
struct Addrs {
  std::uint32_t src = 0, dst = 0;
  std::size_t src_off = npos, dst_off = npos;
  std::uint8_t width = 0;  // bytes per address in the frame: 4, 16, or 0 (none)
};

inline Addrs v4_addrs(const std::uint8_t* p, std::size_t nh) {
  return {le32(p + nh + 12), le32(p + nh + 16), nh + 12, nh + 16, 4};
}
inline Addrs v6_addrs(const std::uint8_t* p, std::size_t nh) {
  return {a6(p + nh + 8), a6(p + nh + 24), nh + 8, nh + 24, 16};
}

// `bond_eth_hash`: dst MAC[5] ^ src MAC[5] ^ ethertype (numeric); 0 below 14 bytes.
template <class Tracer>
std::uint32_t l2(net::Bytes frame, Tracer& tr) {
  if (frame.size() < 14) {
    tr.note("frame shorter than 14 bytes: L2 hash 0");
    return 0;
  }
  const std::uint8_t* p = frame.data();
  std::uint32_t h = p[5];
  tr.field("dst_mac[5]", 5, frame.subspan(5, 1), h);
  h ^= p[11];
  tr.field("src_mac[5]", 11, frame.subspan(11, 1), h);
  h ^= be16(p + 12);
  tr.field("ethertype", 12, frame.subspan(12, 2), h);
  return h;
}

// `bond_vlan_srcmac_hash`: out-of-band TCI (PCP included) ^ src OUI ^ src NIC part.
template <class Tracer>
std::uint32_t vlan_srcmac(net::Bytes frame, const net::PacketMeta& meta, Tracer& tr) {
  if (frame.size() < 14) {
    tr.note("frame shorter than 14 bytes: hash 0");
    return 0;
  }
  const std::uint8_t* p = frame.data();
  std::uint32_t h = meta.vlan_tci.value_or(0);
  if constexpr (Tracer::enabled) {
    if (meta.vlan_tci)
      tr.value("vlan_tci", {static_cast<std::uint8_t>(h >> 8), static_cast<std::uint8_t>(h)}, h);
    else
      tr.note("no out-of-band VLAN tag: TCI 0 (in-band tags are not read)");
  }
  h ^= be24(p + 6);
  tr.field("src_mac[0..2]", 6, frame.subspan(6, 3), h);
  h ^= be24(p + 9);
  tr.field("src_mac[3..5]", 9, frame.subspan(9, 3), h);
  return h;
}

// The start value of an L4 hash: the ICMP key when it has an id, else the ports.
template <class Tracer>
std::uint32_t l4_start(net::Bytes frame, const Icmp& icmp, const Ports& ports, Tracer& tr) {
  if (icmp.id != 0) {
    const std::uint32_t h = icmp.packed();
    tr.field("icmp_type_code", icmp.at, frame.subspan(icmp.at, 2), h);
    tr.field("icmp_id", icmp.at + 4, frame.subspan(icmp.at + 4, 2), h);
    if (icmp.id_was_zero) tr.note("ICMP id 0 is hashed as 1");
    return h;
  }
  if (ports.at != npos)
    tr.field("ports", ports.at, frame.subspan(ports.at, 4), ports.value);
  else
    tr.note("no ports: L4 value 0");
  return ports.value;
}

// `bond_ip_hash`: h ^ dst ^ src, fold, and `>> 1` for the 3+4 policies.
template <class Tracer>
std::uint32_t finish(net::Bytes frame, std::uint32_t h, const Addrs& a, bool l34, Tracer& tr) {
  h ^= a.dst;
  if (a.dst_off != npos) tr.field("dst_ip", a.dst_off, frame.subspan(a.dst_off, a.width), h);
  h ^= a.src;
  if (a.src_off != npos) tr.field("src_ip", a.src_off, frame.subspan(a.src_off, a.width), h);
  if (a.src_off == npos && a.dst_off == npos) tr.note("no addresses: src = dst = 0");
  h = fold(h);
  tr.step("fold", h);
  if (l34) {
    h >>= 1;
    tr.step(">> 1", h);
  }
  return h;
}

// ---------------------------------------------------------------- layer2+3, layer3+4

struct IpStep {
  Addrs addrs;
  std::size_t th = 0;  // transport header offset (IPv4: from ihl, unchecked)
  Ports ports;
  bool fragment = false;
};

// `bond_flow_ip`. `ip_proto` is in/out as in the kernel: an IPv4 fragment leaves it unchanged
// (-1 for the outer header, the ICMP protocol for an embedded one), so it gets no ports.
// Forced inline: left as a call (GCC 12 -O2 does not inline it twice), layer3+4 on 64-byte
// IPv4/TCP frames ran at ~110 M frames/s instead of ~230 M (throwaway loop, one core).
[[gnu::always_inline]] inline bool ip_step(const std::uint8_t* p, std::size_t n,
                                           std::uint16_t proto, std::size_t nh, bool want_ports,
                                           int& ip_proto, IpStep& r) {
  if (proto == eth::ipv4) {
    if (!fits(n, nh, 20)) return false;
    r.addrs = v4_addrs(p, nh);
    r.th = nh + (p[nh] & 0x0fu) * 4u;  // no sanity check: ihl 0..4 is used as is
    r.fragment = (be16(p + nh + 6) & 0x3fff) != 0;
    if (!r.fragment) ip_proto = p[nh + 9];
  } else if (proto == eth::ipv6) {
    if (!fits(n, nh, 40)) return false;
    r.addrs = v6_addrs(p, nh);
    r.th = nh + 40;
    r.fragment = false;
    ip_proto = p[nh + 6];  // no extension-header walk
  } else {
    return false;
  }
  r.ports = (want_ports && ip_proto >= 0) ? read_ports(p, n, r.th, static_cast<unsigned>(ip_proto))
                                          : Ports{};
  return true;
}

template <class Tracer>
void note_ip_fail(Tracer& tr, std::uint16_t proto, std::size_t nh, const char* what) {
  if constexpr (Tracer::enabled) {
    if (proto == eth::ipv4 || proto == eth::ipv6)
      tr.note(std::string(what) + (proto == eth::ipv4 ? "IPv4" : "IPv6") + " header at " +
              std::to_string(nh) + " truncated: unfolded L2 returned");
    else
      tr.note("proto " + hex(proto) + " is not IP: unfolded L2 returned");
  }
}

template <class Tracer>
std::uint32_t ip_hash(net::Bytes frame, std::uint16_t proto, std::size_t nh, bool l34, Tracer& tr) {
  const std::uint8_t* p = frame.data();
  const std::size_t n = frame.size();
  int ip_proto = -1;
  IpStep r;
  if (!ip_step(p, n, proto, nh, l34, ip_proto, r)) [[unlikely]] {
    note_ip_fail(tr, proto, nh, "");
    return l2(frame, tr);
  }
  if (r.fragment) tr.note("IPv4 fragment: no ports");
  Icmp icmp;
  if (ip_proto == 1 || ip_proto == 58) [[unlikely]] {
    icmp = read_icmp(p, n, r.th);
    const bool is_error = ip_proto == 1 ? icmp_is_err(icmp.type) : icmp.type < 128;
    if (is_error) {
      // Correlate the error with the flow it reports: the embedded header (same ethertype as
      // the outer one) replaces addresses and ports.
      if constexpr (Tracer::enabled)
        tr.note("ICMP error type " + std::to_string(icmp.type) +
                (icmp.at == npos ? " (header cut: reads as 0)" : "") +
                ": embedded header at " + std::to_string(r.th + 8) +
                " replaces addresses and ports");
      if (!ip_step(p, n, proto, r.th + 8, l34, ip_proto, r)) {
        note_ip_fail(tr, proto, r.th + 8, "embedded ");
        return l2(frame, tr);
      }
      if (r.fragment) tr.note("embedded IPv4 header is a fragment: no ports");
    }
  }
  const std::uint32_t h = l34 ? l4_start(frame, icmp, r.ports, tr) : l2(frame, tr);
  return finish(frame, h, r.addrs, l34, tr);
}

// ---------------------------------------------------------------- encap2+3, encap3+4

// What the flow dissector keeps for the bonding hash.
struct Key {
  Addrs addrs;
  Ports ports;
  Icmp icmp;
};

// `__skb_flow_dissect` with the bonding key set and no flags, from `proto0` at `nh`.
// Returns false where the kernel takes `out_bad`; `k` then is meaningless.
template <class Tracer>
bool dissect(net::Bytes frame, std::uint16_t proto0, std::size_t nh, bool vlan_present, Key& k,
             Tracer& tr) {
  const std::uint8_t* p = frame.data();
  const std::size_t n = frame.size();
  std::uint16_t proto = proto0;
  unsigned hops = 0, tags = 0;

  // skb_flow_dissect_allowed(): false once the walk must stop (with success).
  auto next_hop = [&]() {
    if (++hops <= max_hops) return true;
    tr.note("hop limit: 16th header hand-over refused, walk ends with what it has");
    return false;
  };
  // A header the frame cuts short: the dissector's `out_bad`.
  auto cut = [&](const char* what, std::size_t at, std::size_t need) {
    if constexpr (Tracer::enabled)
      tr.note(std::string(what) + " at " + std::to_string(at) + " needs " + std::to_string(need) +
              " bytes, frame has " + std::to_string(n) + ": dissector fails");
    return false;
  };

  for (;;) {
    // ------------------------------------------------------ network-layer step
    std::uint8_t ip = 0;
    std::size_t th = 0;
    switch (proto) {
      case eth::ipv4: {
        if (!fits(n, nh, 20)) return cut("IPv4 header", nh, 20);
        const unsigned ihl = p[nh] & 0x0fu;
        if (ihl < 5) {
          if constexpr (Tracer::enabled)
            tr.note("IPv4 ihl " + std::to_string(ihl) + " < 5 at " + std::to_string(nh) +
                    ": dissector fails");
          return false;
        }
        if constexpr (Tracer::enabled)
          if (k.addrs.width != 0)
            tr.note("inner IPv4 header at " + std::to_string(nh) + " replaces addresses");
        k.addrs = v4_addrs(p, nh);
        ip = p[nh + 9];
        th = nh + 4 * ihl;  // may lie past the end: ports then read as 0
        if ((be16(p + nh + 6) & 0x3fff) != 0) {
          tr.note("IPv4 fragment: no ports, no ICMP key, nothing entered");
          return true;
        }
        break;
      }
      case eth::ipv6: {
        if (!fits(n, nh, 40)) return cut("IPv6 header", nh, 40);
        if constexpr (Tracer::enabled)
          if (k.addrs.width != 0)
            tr.note("inner IPv6 header at " + std::to_string(nh) + " replaces addresses");
        k.addrs = v6_addrs(p, nh);
        ip = p[nh + 6];
        th = nh + 40;
        break;
      }
      case eth::vlan:
      case eth::qinq: {
        if (tags == 0 && vlan_present) {
          // The accelerated tag is the first one: the dissector takes skb->protocol, reads nothing.
          proto = proto0;
          tr.note("out-of-band VLAN tag counts as the first tag (nothing read)");
        } else {
          if (!fits(n, nh, 4)) return cut("VLAN tag", nh, 4);
          proto = be16(p + nh + 2);
          if constexpr (Tracer::enabled)
            tr.note("in-band tag at " + std::to_string(nh) + ": inner ethertype " + hex(proto));
          nh += 4;
        }
        ++tags;
        if (!next_hop()) return true;
        continue;
      }
      case eth::pppoe_ses: {
        if (!fits(n, nh, 8)) return cut("PPPoE session header", nh, 8);
        if (p[nh] != 0x11 || p[nh + 1] != 0x00) {  // version 1, type 1, code 0
          tr.note("PPPoE header not version 1 / type 1 / code 0: dissector fails");
          return false;
        }
        const std::uint16_t pp = be16(p + nh + 6);
        nh += 8;
        if (pp == 0x0021) proto = eth::ipv4;
        else if (pp == 0x0057) proto = eth::ipv6;
        else if (pp == 0x0281) proto = eth::mpls_uc;
        else if (pp == 0x0283) proto = eth::mpls_mc;
        else if ((pp & 0x0101) == 0x0001) {
          if constexpr (Tracer::enabled)
            tr.note("PPPoE carries PPP protocol " + hex(pp) + ": success without addresses");
          return true;
        } else {
          if constexpr (Tracer::enabled)
            tr.note("PPPoE carries invalid PPP protocol " + hex(pp) + ": dissector fails");
          return false;
        }
        if constexpr (Tracer::enabled) tr.note("PPPoE session: inner ethertype " + hex(proto));
        if (!next_hop()) return true;
        continue;
      }
      case eth::mpls_uc:
      case eth::mpls_mc:
      case eth::arp:
      case eth::rarp:
      case eth::cfm:
        // No MPLS/ARP/CFM key in the bonding set: accepted without reading a byte.
        if constexpr (Tracer::enabled)
          tr.note("ethertype " + hex(proto) + ": accepted, nothing read (src = dst = 0)");
        return true;
      case eth::tipc: {
        if (!fits(n, nh, 16)) return cut("TIPC header", nh, 16);
        // tipc_hdr_rps_key: word 3 (source node), except keepalives, which the kernel spreads
        // with a random key; libfwd is deterministic and uses 0 for those.
        const bool keepalive = (net::be32(p + nh) & 0x0e080000u) == 0x0e080000u;
        k.addrs = keepalive ? Addrs{} : Addrs{le32(p + nh + 12), 0, nh + 12, npos, 4};
        if (keepalive) tr.note("TIPC keepalive: the kernel uses a random key, libfwd uses 0");
        return true;
      }
      case eth::fcoe:
        if (!fits(n, nh, 38)) return cut("FCoE header", nh, 38);
        return true;
      case eth::ptp:
        if (!fits(n, nh, 34)) return cut("PTP header", nh, 34);
        return true;
      case eth::hsr:
      case eth::prp:
        if (!fits(n, nh, 6)) return cut("HSR/PRP tag", nh, 6);
        proto = be16(p + nh + 4);
        nh += 6;
        if (!next_hop()) return true;
        continue;
      case eth::batman:
        // batadv_unicast_packet (10 bytes) + inner Ethernet header; unicast, compat version 15.
        if (!fits(n, nh, 24)) return cut("batman-adv header", nh, 24);
        if (p[nh + 1] != 15 || p[nh] != 0x40) {
          tr.note("batman-adv: not a version-15 unicast packet: dissector fails");
          return false;
        }
        proto = be16(p + nh + 22);
        nh += 24;
        if (!next_hop()) return true;
        continue;
      default:
        if constexpr (Tracer::enabled)
          tr.note("ethertype " + hex(proto) + " not accepted by the flow dissector");
        return false;
    }

    // ------------------------------------------------------ transport step(s)
    const bool l3_is_v6 = proto == eth::ipv6;
    for (;;) {
      enum class Next : std::uint8_t { done, l3, l4 } next = Next::done;
      switch (ip) {
        case 47: {  // GRE
          if (!fits(n, th, 4)) return cut("GRE header", th, 4);
          const std::uint16_t f = be16(p + th);
          const unsigned ver = f & 0x7u;
          std::uint16_t q = be16(p + th + 2);
          if ((f & 0x4000) != 0 || ver > 1 || (ver == 1 && !(q == eth::ppp && (f & 0x2000) != 0))) {
            tr.note("GRE with routing bit, version >= 2 or non-PPTP version 1: not entered");
            break;
          }
          std::size_t o = th + 4;
          if (f & 0x8000) o += 4;  // checksum + reserved, not read
          if (f & 0x2000) {        // key: must be present
            if (!fits(n, o, 4)) return cut("GRE key", o, 4);
            o += 4;
          }
          if (f & 0x1000) o += 4;  // sequence, not read
          if (ver == 0) {
            if (q == eth::teb) {
              if (!fits(n, o, 14)) return cut("GRE TEB inner Ethernet header", o, 14);
              q = be16(p + o + 12);  // inner MACs are not hashed
              o += 14;
            }
          } else {  // PPTP: optional ack, then the 4-byte PPP header
            if (f & 0x0080) o += 4;
            if (!fits(n, o, 4)) return cut("PPTP PPP header", o, 4);
            const std::uint16_t pp = be16(p + o + 2);
            if (pp == 0x0021) q = eth::ipv4;
            else if (pp == 0x0057) q = eth::ipv6;
            o += 4;
          }
          if constexpr (Tracer::enabled)
            tr.note("GRE entered: inner header (" + hex(q) + ") at " + std::to_string(o) +
                    " replaces addresses");
          proto = q;
          nh = o;
          next = Next::l3;
          break;
        }
        case 0: case 43: case 60:  // hop-by-hop, routing, destination options
          if (!l3_is_v6) break;
          if (!fits(n, th, 2)) return cut("IPv6 extension header", th, 2);
          if constexpr (Tracer::enabled)
            tr.note("IPv6 extension header " + std::to_string(ip) + " at " + std::to_string(th) +
                    " (" + std::to_string((p[th + 1] + 1) * 8) + " bytes) skipped");
          ip = p[th];
          th += (std::size_t{p[th + 1]} + 1) * 8;
          next = Next::l4;
          break;
        case 44:  // IPv6 fragment header (first or later fragment): stop, no ports
          if (!l3_is_v6) break;
          if (!fits(n, th, 8)) return cut("IPv6 fragment header", th, 8);
          tr.note("IPv6 fragment header: no ports, no ICMP key");
          return true;
        case 4:
          tr.note("IPv4-in-IP entered");
          proto = eth::ipv4, nh = th, next = Next::l3;
          break;
        case 41:
          tr.note("IPv6-in-IP entered");
          proto = eth::ipv6, nh = th, next = Next::l3;
          break;
        case 137:  // MPLS-in-IP: MPLS is accepted unread, so the outer pair stays
          proto = eth::mpls_uc, nh = th, next = Next::l3;
          break;
        case 1: case 58:
          k.icmp = read_icmp(p, n, th);
          if (k.icmp.at == npos) tr.note("ICMP header cut: ICMP key 0");
          break;
        default:
          break;
      }
      // Ports follow every transport step with its protocol (0 for GRE, IPIP, ...), so the
      // innermost transport header wins.
      k.ports = read_ports(p, n, th, ip);
      if (next == Next::done) return true;
      if (!next_hop()) return true;
      if (next == Next::l3) break;
    }
  }
}

template <class Tracer>
std::uint32_t encap_hash(net::Bytes frame, const net::PacketMeta& meta, std::uint16_t proto,
                         bool l34, Tracer& tr) {
  if (l34 && meta.flow_hash_is_l4 && meta.flow_hash) {
    // bond_xmit_hash: an skb with an L4 hash skips the dissector; no fold, no shift.
    tr.note("encap3+4: the packet carries an L4 flow hash, returned unchanged");
    tr.step("skb_hash", *meta.flow_hash);
    return *meta.flow_hash;
  }
  Key k;
  if (!dissect(frame, proto, meta.network_offset, meta.vlan_tci.has_value(), k, tr)) {
    tr.note("flow dissector failed: unfolded L2 returned");
    return l2(frame, tr);
  }
  const std::uint32_t h = l34 ? l4_start(frame, k.icmp, k.ports, tr) : l2(frame, tr);
  return finish(frame, h, k.addrs, l34, tr);
}

}  // namespace detail

/// The transmit hash of `frame` under `policy`, as `bond_xmit_hash` in Linux 6.12 computes it.
/// `meta.protocol` is `skb->protocol` (absent: be16(frame[12..13]) for frames of 14+ bytes, else
/// 0); `meta.network_offset` is the network header offset; `meta.vlan_tci` is the out-of-band tag
/// (its value is read by vlan+srcmac only); `meta.flow_hash` with `flow_hash_is_l4` is the L4 skb
/// hash that encap3+4 returns unchanged. The member is `hash % usable_members` (spec §2.7).
template <class Tracer = NoTrace>
std::uint32_t hash(net::Bytes frame, const net::PacketMeta& meta, XmitHashPolicy policy,
                   Tracer& tr) {
  const std::size_t nh = meta.network_offset;
  switch (policy) {
    case XmitHashPolicy::layer2:
      return detail::l2(frame, tr);
    case XmitHashPolicy::vlan_srcmac:
      return detail::vlan_srcmac(frame, meta, tr);
    case XmitHashPolicy::layer2_3:
      return detail::ip_hash(frame, meta.protocol_or_default(frame), nh, false, tr);
    case XmitHashPolicy::layer3_4:
      return detail::ip_hash(frame, meta.protocol_or_default(frame), nh, true, tr);
    case XmitHashPolicy::encap2_3:
      return detail::encap_hash(frame, meta, meta.protocol_or_default(frame), false, tr);
    case XmitHashPolicy::encap3_4:
      return detail::encap_hash(frame, meta, meta.protocol_or_default(frame), true, tr);
  }
  return 0;
}

/// The transmit hash without tracing (the hot path).
inline std::uint32_t hash(net::Bytes frame, const net::PacketMeta& meta, XmitHashPolicy policy) {
  NoTrace tr;
  return hash(frame, meta, policy, tr);
}

}  // namespace fwd::hash::linux_bond
