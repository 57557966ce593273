#pragma once
/// \file
/// The vendor / ASIC-style configurable hash: libfwd's own documented model, NOT bit-exact to any
/// product (Broadcom-based platforms, Cisco, Arista, Juniper and Dell publish the menu, not the bits).
///
/// What it models is that menu (shared/specs/hash-algorithms.md §7, stable across libfwd releases):
/// a selectable field set hashed in one fixed order, a choice of 16-bit functions (plus xxh3), a
/// 32-bit per-device seed, and a member mapping (modulo, or a B-entry round-robin bucket table such
/// as the classic 8-bucket port-channel, with an optional rotate of the hash bits). Its uses are
/// what-if studies: polarization across tiers with equal seeds, 3:3:2 ratios of 8 buckets on 3 links.
///
/// Input bytes: the seed as 4 big-endian bytes (xxh3 takes it as its seed instead), then each
/// selected field in the order of `Field`, big-endian, at a fixed width. A field the packet lacks
/// contributes zeros of its width; an absent src_ip/dst_ip is 4 zero bytes (as if 0.0.0.0: the
/// width of the most common case, and a non-IP frame then hashes like 0.0.0.0 -> 0.0.0.0), IPv6
/// addresses are 16 bytes. Fields are found with net::PacketView; nothing past the frame is read.
/// A Config is a plain value: parse it once (throws fwd::Error), then hash from any thread.

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL  // inlined XXH3 is ~2x faster than the shared-library call on short keys
#endif
#include <xxhash.h>

#include "fwd/describe/field.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/crc.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash::vendor {

/// Hashable fields, in the order they are hashed.
enum class Field : std::uint8_t {
  ingress_port, vlan, src_mac, dst_mac, ethertype, src_ip, dst_ip, ip_proto, src_port, dst_port,
  ipv6_flow_label, ttl
};
inline constexpr std::size_t field_count = 12;

/// Hash functions of the menu.
enum class Function : std::uint8_t {
  crc16, crc16_ccitt, crc16_bisync, crc32_hi, crc32_lo, xor16, xor1, xor2, xor4, xor8, xxh3
};

/// How a hash becomes a member index.
enum class Mapping : std::uint8_t { modulo, buckets };

}  // namespace fwd::hash::vendor

// ---- descriptions (fwd/describe/field.hpp): the names in spec strings, with their docs ----
namespace fwd::describe {
template <>
struct Enumerators<hash::vendor::Field> {
  using E = hash::vendor::Field;
  static constexpr std::string_view what = "vendor hash field";
  static constexpr Enumerator<E> table[] = {
      {E::ingress_port, "ingress_port", "the ingress port number"},
      {E::vlan, "vlan", "the outer VLAN id"},
      {E::src_mac, "src_mac", "source MAC"},
      {E::dst_mac, "dst_mac", "destination MAC"},
      {E::ethertype, "ethertype", "the EtherType after the VLAN tags"},
      {E::src_ip, "src_ip", "IPv4/IPv6 source address"},
      {E::dst_ip, "dst_ip", "IPv4/IPv6 destination address"},
      {E::ip_proto, "ip_proto", "IP protocol / IPv6 next header"},
      {E::src_port, "src_port", "TCP/UDP/SCTP source port"},
      {E::dst_port, "dst_port", "TCP/UDP/SCTP destination port"},
      {E::ipv6_flow_label, "ipv6_flow_label", "the IPv6 flow label"},
      {E::ttl, "ttl", "IPv4 TTL / IPv6 hop limit"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
  static_assert(std::size(table) == hash::vendor::field_count, "a vendor Field without a description");
};
template <>
struct Enumerators<hash::vendor::Function> {
  using E = hash::vendor::Function;
  static constexpr std::string_view what = "vendor hash function";
  static constexpr Enumerator<E> table[] = {
      {E::crc16, "crc16", "CRC-16/ARC"},
      {E::crc16_ccitt, "crc16-ccitt", "CRC-16/CCITT-FALSE"},
      {E::crc16_bisync, "crc16-bisync", "CRC-16/ARC (the BISYNC polynomial)"},
      {E::crc32_hi, "crc32-hi", "high 16 bits of CRC-32/ISO-HDLC"},
      {E::crc32_lo, "crc32-lo", "low 16 bits of CRC-32/ISO-HDLC"},
      {E::xor16, "xor16", "XOR of the big-endian 16-bit words"},
      {E::xor1, "xor1", "byte XOR folded to 1 bit below the CRC-16 high byte"},
      {E::xor2, "xor2", "byte XOR folded to 2 bits below the CRC-16 high byte"},
      {E::xor4, "xor4", "byte XOR folded to 4 bits below the CRC-16 high byte"},
      {E::xor8, "xor8", "byte XOR below the CRC-16 high byte"},
      {E::xxh3, "xxh3", "low 32 bits of XXH3-64 with the seed as XXH3 seed"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<hash::vendor::Mapping> {
  using E = hash::vendor::Mapping;
  static constexpr std::string_view what = "vendor hash mapping";
  static constexpr Enumerator<E> table[] = {
      {E::modulo, "modulo", "member = hash mod members"},
      {E::buckets, "buckets", "member = table[hash mod buckets], a round-robin table of `buckets` entries"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::hash::vendor {

inline constexpr auto field_names = describe::enumerator_name_array<Field>();
inline constexpr auto function_names = describe::enumerator_name_array<Function>();

/// A set of fields (bit i = Field i).
using FieldSet = std::uint16_t;
constexpr FieldSet bit(Field f) { return static_cast<FieldSet>(1u << static_cast<unsigned>(f)); }

/// Presets accepted in field lists. They can be combined ("l2,l3") and mixed with field names.
namespace preset {
inline constexpr FieldSet l2 = bit(Field::vlan) | bit(Field::src_mac) | bit(Field::dst_mac) | bit(Field::ethertype);
inline constexpr FieldSet l3 = bit(Field::src_ip) | bit(Field::dst_ip);
inline constexpr FieldSet l4 = bit(Field::src_port) | bit(Field::dst_port);
inline constexpr FieldSet five_tuple = l3 | bit(Field::ip_proto) | l4;
}  // namespace preset

constexpr std::string_view name(Field f) { return describe::name_of(f); }
constexpr std::string_view name(Function f) { return describe::name_of(f); }
constexpr std::string_view name(Mapping m) { return describe::name_of(m); }

/// Significant bits of a function's result: 16 for the CRC16s, crc32-hi/lo and xor16, 8 + N for
/// xorN, 32 for xxh3. `rotate` works within this width.
constexpr unsigned width(Function f) {
  switch (f) {
    case Function::xor1: return 9;
    case Function::xor2: return 10;
    case Function::xor4: return 12;
    case Function::xor8: return 16;
    case Function::xxh3: return 32;
    default: return 16;
  }
}

namespace detail {
inline std::string join(const auto& names) {
  std::string s;
  for (auto n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}
/// Decimal or 0x-hex unsigned number up to `max`; throws naming `what`.
inline std::uint64_t parse_number(std::string_view what, std::string_view text, std::uint64_t max) {
  std::string_view digits = text;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2), base = 16;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || v > max)
    throw Error("bad " + std::string(what) + " '" + std::string(text) + "': expected a decimal or 0x-hex number from 0 to " +
                std::to_string(max));
  return v;
}

/// xorN from the XOR of all input bytes and the input's CRC-16/ARC: the XOR folded to N bits,
/// below the CRC's high byte.
inline std::uint32_t xor_n(Function f, unsigned x, std::uint32_t crc16) {
  const unsigned bits = width(f) - 8;
  for (unsigned w = 8; w > bits; w /= 2) x = (x ^ (x >> (w / 2))) & ((1u << (w / 2)) - 1);
  return ((crc16 >> 8) << bits) | x;
}
inline bool is_xor_n(Function f) {
  return f == Function::xor1 || f == Function::xor2 || f == Function::xor4 || f == Function::xor8;
}

/// The function applied to the whole input (seed bytes included, except for xxh3).
inline std::uint32_t apply(Function f, const std::uint8_t* p, std::size_t n, std::uint32_t seed) {
  const net::Bytes b(p, n);
  switch (f) {
    case Function::crc16: case Function::crc16_bisync: return static_cast<std::uint32_t>(fwd::hash::detail::crc16_arc(b));
    case Function::crc16_ccitt: return static_cast<std::uint32_t>(fwd::hash::detail::crc16_ccitt_false(b));
    case Function::crc32_hi: return static_cast<std::uint32_t>(fwd::hash::detail::crc32_iso_hdlc(b) >> 16);
    case Function::crc32_lo: return static_cast<std::uint32_t>(fwd::hash::detail::crc32_iso_hdlc(b) & 0xffff);
    case Function::xor16: return bmv2::xor16(b);
    case Function::xor1: case Function::xor2: case Function::xor4: case Function::xor8: {
      unsigned x = 0;
      for (std::uint8_t c : b) x ^= c;
      return xor_n(f, x, static_cast<std::uint32_t>(fwd::hash::detail::crc16_arc(b)));
    }
    case Function::xxh3: return static_cast<std::uint32_t>(XXH3_64bits_withSeed(p, n, seed));
  }
  return 0;
}
}  // namespace detail

/// A vendor-model configuration. Defaults: 5-tuple, crc16, seed 0, modulo, no rotate.
struct Config {
  FieldSet fields = preset::five_tuple;
  Function function = Function::crc16;
  std::uint32_t seed = 0;
  Mapping mapping = Mapping::modulo;
  std::uint32_t buckets = 8;  ///< table size B when mapping == buckets
  unsigned rotate = 0;        ///< right rotation of the hash within width(function), before mapping

  bool has(Field f) const { return (fields & bit(f)) != 0; }

  /// Parses "src_ip,dst_ip,ip_proto" / "5tuple" / "l2,l3,l4" ... (comma-separated field names and
  /// presets l2, l3, l4, 5tuple). Throws fwd::Error naming a bad field and the accepted ones.
  static FieldSet parse_fields(std::string_view text) {
    FieldSet set = 0;
    std::string_view rest = text;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view tok = detail::trim(rest.substr(0, comma));
      FieldSet f = 0;
      if (tok == "l2") f = preset::l2;
      else if (tok == "l3") f = preset::l3;
      else if (tok == "l4") f = preset::l4;
      else if (tok == "5tuple") f = preset::five_tuple;
      for (std::size_t i = 0; i < field_count && !f; ++i)
        if (tok == field_names[i]) f = bit(static_cast<Field>(i));
      if (!f)
        throw Error((tok.empty() ? std::string("empty vendor hash field") : "unknown vendor hash field '" + std::string(tok) + "'") +
                    " in \"" + std::string(text) + "\": expected " + detail::join(field_names) +
                    " or a preset l2, l3, l4, 5tuple");
      set |= f;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return set;
  }

  /// Applies one `key=value` option: fields, function, seed, mapping (modulo | buckets),
  /// buckets=B (1..4096; selects the bucket mapping), rotate=R or offset=R (bits, < width of the
  /// function, checked by validate()). Throws fwd::Error on an unknown key or a bad value.
  void set(std::string_view key, std::string_view value) {
    if (key == "fields") {
      fields = parse_fields(value);
    } else if (key == "function") {
      function = describe::parse_enumerator<Function>(value);
    } else if (key == "seed") {
      seed = static_cast<std::uint32_t>(detail::parse_number("vendor hash seed", value, 0xffffffffu));
    } else if (key == "mapping") {
      mapping = describe::parse_enumerator<Mapping>(value);
    } else if (key == "buckets") {
      const auto b = detail::parse_number("vendor hash buckets", value, 4096);
      if (b == 0) throw Error("bad vendor hash buckets '0': expected a number from 1 to 4096");
      buckets = static_cast<std::uint32_t>(b);
      mapping = Mapping::buckets;
    } else if (key == "rotate" || key == "offset") {
      rotate = static_cast<unsigned>(detail::parse_number("vendor hash rotate", value, 31));
    } else {
      throw Error("unknown vendor hash option '" + std::string(key) +
                  "': expected fields, function, seed, mapping, buckets, rotate, offset");
    }
  }

  /// Throws fwd::Error if the combination is invalid (empty field set, rotate >= width).
  void validate() const {
    if (fields == 0 || fields >= (1u << field_count))
      throw Error("vendor hash needs at least one field: expected " + detail::join(field_names));
    if (rotate >= width(function))
      throw Error("vendor hash rotate " + std::to_string(rotate) + " with " + std::string(name(function)) +
                  ": expected 0 to " + std::to_string(width(function) - 1));
    if (buckets == 0) throw Error("vendor hash buckets 0: expected 1 to 4096");
  }

  /// Parses the options of a `vendor:` spec string: an optional field list then `;key=value`
  /// options, e.g. "5tuple;function=crc32-lo;seed=0x1234;buckets=8;rotate=4". Without a field list
  /// the 5-tuple is used. Throws fwd::Error naming the bad token and what is accepted.
  static Config parse(std::string_view options) {
    Config c;
    std::string_view rest = options;
    for (std::size_t index = 0;; ++index) {
      const std::size_t semi = rest.find(';');
      const std::string_view tok = detail::trim(rest.substr(0, semi));
      const std::size_t eq = tok.find('=');
      if (eq != std::string_view::npos) {
        c.set(detail::trim(tok.substr(0, eq)), detail::trim(tok.substr(eq + 1)));
      } else if (index == 0 && !tok.empty()) {
        c.fields = parse_fields(tok);
      } else if (!tok.empty()) {
        throw Error("bad vendor hash option '" + std::string(tok) + "' in \"" + std::string(options) +
                    "\": expected a field list first, then key=value options");
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
    c.validate();
    return c;
  }

  /// The canonical options text (parse(to_string()) == *this).
  std::string to_string() const {
    std::string s;
    for (std::size_t i = 0; i < field_count; ++i) {
      if (!has(static_cast<Field>(i))) continue;
      if (!s.empty()) s += ',';
      s += field_names[i];
    }
    char seed_hex[11];
    std::snprintf(seed_hex, sizeof seed_hex, "0x%08x", seed);
    s += ";function=" + std::string(name(function)) + ";seed=" + seed_hex;
    if (mapping == Mapping::buckets) s += ";buckets=" + std::to_string(buckets);
    if (rotate) s += ";rotate=" + std::to_string(rotate);
    return s;
  }

  friend bool operator==(const Config&, const Config&) = default;
};

/// Largest input: seed 4 + ports/vlan/ethertype 2*5 + MACs 12 + IPv6 addresses 32 + proto 1 +
/// flow label 4 + ttl 1.
inline constexpr std::size_t max_input = 64;

/// The vendor-model hash of `frame`: width(function) significant bits. With a tracer, every field is
/// recorded (frame offset when it is a run of frame bytes) with the function of the input so far.
template <class Tracer = NoTrace>
std::uint32_t hash(const Config& c, net::Bytes frame, const net::PacketMeta& meta, Tracer& tr) {
  const net::PacketView v(frame);
  std::array<std::uint8_t, max_input> buf{};
  std::size_t n = 0;
  const bool xxh = c.function == Function::xxh3;
  auto running = [&] { return detail::apply(c.function, buf.data(), n, c.seed); };
  constexpr std::size_t not_in_frame = ~std::size_t{0};

  // Appends `len` bytes (from `src`, or zeros when src is null = field absent) and traces them.
  auto put = [&](Field f, const std::uint8_t* src, std::size_t len, std::size_t frame_off) {
    if (src) std::copy_n(src, len, buf.data() + n);
    else std::fill_n(buf.data() + n, len, std::uint8_t{0});
    n += len;
    if constexpr (Tracer::enabled) {
      const char* nm = field_names[static_cast<std::size_t>(f)].data();
      if (!src) tr.note(std::string(name(f)) + " absent: " + std::to_string(len) + " zero bytes");
      if (src && frame_off != not_in_frame) tr.field(nm, frame_off, net::Bytes(buf.data() + n - len, len), running());
      else tr.value(nm, std::vector<std::uint8_t>(buf.data() + n - len, buf.data() + n), running());
    }
  };
  auto put16 = [&](Field f, std::uint16_t x) {
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
    put(f, b, 2, not_in_frame);
  };

  if (!xxh) {
    const std::uint8_t s[4] = {static_cast<std::uint8_t>(c.seed >> 24), static_cast<std::uint8_t>(c.seed >> 16),
                               static_cast<std::uint8_t>(c.seed >> 8), static_cast<std::uint8_t>(c.seed)};
    std::copy_n(s, 4, buf.data());
    n = 4;
    if constexpr (Tracer::enabled) tr.value("seed", std::vector<std::uint8_t>(s, s + 4), running());
  } else if constexpr (Tracer::enabled) {
    tr.note("xxh3: seed " + std::to_string(c.seed) + " is the XXH3 seed, not input bytes");
  }

  const std::uint8_t* p = frame.data();
  const bool eth = v.has_ethernet(), ip = v.has_ipv4() || v.has_ipv6();
  const std::size_t l3 = v.l3_offset();
  for (std::size_t i = 0; i < field_count; ++i) {
    const auto f = static_cast<Field>(i);
    if (!c.has(f)) continue;
    switch (f) {
      case Field::ingress_port: put16(f, meta.ingress_port); break;
      case Field::vlan:
        // The out-of-band tag is the outer one when present (the driver stripped it).
        if (meta.vlan_tci) put16(f, *meta.vlan_tci & 0x0fff);
        else if (v.tag_count() > 0) put16(f, v.tag_tci(0) & 0x0fff);
        else put(f, nullptr, 2, 0);
        break;
      case Field::src_mac: put(f, eth ? p + 6 : nullptr, 6, 6); break;
      case Field::dst_mac: put(f, eth ? p : nullptr, 6, 0); break;
      case Field::ethertype: {
        const bool known = eth && v.ethertype() != 0;
        put(f, known ? p + 12 + 4 * v.tag_count() : nullptr, 2, 12 + 4 * v.tag_count());
        break;
      }
      case Field::src_ip:
        if (ip) put(f, v.ip_src_bytes().data(), v.ip_src_bytes().size(), l3 + (v.has_ipv4() ? 12 : 8));
        else put(f, nullptr, 4, 0);
        break;
      case Field::dst_ip:
        if (ip) put(f, v.ip_dst_bytes().data(), v.ip_dst_bytes().size(), l3 + (v.has_ipv4() ? 16 : 24));
        else put(f, nullptr, 4, 0);
        break;
      case Field::ip_proto: {
        const std::uint8_t proto = v.ip_proto();
        if (!ip) put(f, nullptr, 1, 0);
        else put(f, &proto, 1, v.has_ipv4() ? l3 + 9 : not_in_frame);  // IPv6: after ext headers
        break;
      }
      case Field::src_port: put(f, v.has_ports() ? p + v.l4_offset() : nullptr, 2, v.l4_offset()); break;
      case Field::dst_port: put(f, v.has_ports() ? p + v.l4_offset() + 2 : nullptr, 2, v.l4_offset() + 2); break;
      case Field::ipv6_flow_label:
        if (v.has_ipv6()) {
          const std::uint32_t fl = v.ipv6_flow_label();
          const std::uint8_t b[4] = {0, static_cast<std::uint8_t>(fl >> 16), static_cast<std::uint8_t>(fl >> 8),
                                     static_cast<std::uint8_t>(fl)};
          put(f, b, 4, not_in_frame);
        } else {
          put(f, nullptr, 4, 0);
        }
        break;
      case Field::ttl: put(f, ip ? p + l3 + (v.has_ipv4() ? 8 : 7) : nullptr, 1, l3 + (v.has_ipv4() ? 8 : 7)); break;
    }
  }
  const std::uint32_t h = running();
  if constexpr (Tracer::enabled) tr.step(function_names[static_cast<std::size_t>(c.function)].data(), h);
  return h;
}
inline std::uint32_t hash(const Config& c, net::Bytes frame, const net::PacketMeta& meta = {}) {
  NoTrace tr;
  return hash(c, frame, meta, tr);
}

/// The common frame: untagged IPv4 without options carrying TCP or UDP, not a later fragment, the
/// transport header complete (PacketView then has ports at 34). Fields sit at fixed offsets.
inline bool is_plain_ipv4_l4(net::Bytes frame) {
  const std::uint8_t* p = frame.data();
  const std::size_t n = frame.size();
  return n >= 42 && p[12] == 0x08 && p[13] == 0x00 && p[14] == 0x45 && (net::be16(p + 20) & 0x1fff) == 0 &&
         ((p[23] == 6 && n >= 54) || p[23] == 17);
}

/// The input bytes hash() hashes for `frame` (the seed, unless xxh3, then every selected field), written
/// to `out` (max_input bytes); returns their count. The fast path of the batch loops: one straight
/// pass with fixed-size copies instead of the traced per-field walk, equal to it byte for byte
/// (batch_test checks it against hash() on random frames).
/// `Known`, when not 0, is the field set of `c` known at compile time (the batch kernels instantiate
/// the default 5-tuple): the field tests then fold away.
template <FieldSet Known = 0>
inline std::size_t gather(const Config& c, net::Bytes frame, const net::PacketMeta& meta, std::uint8_t* out) {
  const auto has = [&](Field f) { return ((Known ? Known : c.fields) & bit(f)) != 0; };
  // Where the fields are. The common frame (untagged IPv4 without options, TCP or UDP, not a later
  // fragment, transport header complete) is recognised directly; every other frame goes through
  // PacketView, which gives the same offsets for the common one.
  struct Where {
    bool eth = false, v4 = false, v6 = false, ports = false;
    std::uint8_t proto = 0;
    unsigned tags = 0;
    std::uint16_t ethertype = 0;
    std::size_t l3 = 0, l4 = 0;
  } w;
  const std::uint8_t* p = frame.data();
  if (is_plain_ipv4_l4(frame)) {
    w = {true, true, false, true, p[23], 0, 0x0800, 14, 34};
  } else {
    const net::PacketView v(frame);
    w = {v.has_ethernet(), v.has_ipv4(), v.has_ipv6(), v.has_ports(), v.ip_proto(), v.tag_count(), v.ethertype(),
         v.l3_offset(), v.l4_offset()};
  }
  std::uint8_t* o = out;
  auto put16 = [&](std::uint16_t x) {
    o[0] = static_cast<std::uint8_t>(x >> 8);
    o[1] = static_cast<std::uint8_t>(x);
    o += 2;
  };
  auto copy = [&](const std::uint8_t* src, std::size_t len) {  // len is a constant at each call
    if (src) std::copy_n(src, len, o);
    else std::fill_n(o, len, std::uint8_t{0});
    o += len;
  };
  if (c.function != Function::xxh3) {
    o[0] = static_cast<std::uint8_t>(c.seed >> 24);
    o[1] = static_cast<std::uint8_t>(c.seed >> 16);
    o[2] = static_cast<std::uint8_t>(c.seed >> 8);
    o[3] = static_cast<std::uint8_t>(c.seed);
    o += 4;
  }
  const std::size_t l3 = w.l3;
  if (has(Field::ingress_port)) put16(meta.ingress_port);
  if (has(Field::vlan)) {
    if (meta.vlan_tci) put16(*meta.vlan_tci & 0x0fff);
    else if (w.tags > 0) put16(net::be16(p + 14) & 0x0fff);
    else put16(0);
  }
  if (has(Field::src_mac)) copy(w.eth ? p + 6 : nullptr, 6);
  if (has(Field::dst_mac)) copy(w.eth ? p : nullptr, 6);
  if (has(Field::ethertype)) copy(w.eth && w.ethertype != 0 ? p + 12 + 4 * w.tags : nullptr, 2);
  if (has(Field::src_ip)) {
    if (w.v6) copy(p + l3 + 8, 16);
    else copy(w.v4 ? p + l3 + 12 : nullptr, 4);
  }
  if (has(Field::dst_ip)) {
    if (w.v6) copy(p + l3 + 24, 16);
    else copy(w.v4 ? p + l3 + 16 : nullptr, 4);
  }
  if (has(Field::ip_proto)) *o++ = w.v4 || w.v6 ? w.proto : std::uint8_t{0};
  if (has(Field::src_port)) copy(w.ports ? p + w.l4 : nullptr, 2);
  if (has(Field::dst_port)) copy(w.ports ? p + w.l4 + 2 : nullptr, 2);
  if (has(Field::ipv6_flow_label)) {
    o[0] = 0;
    o[1] = w.v6 ? static_cast<std::uint8_t>(p[l3 + 1] & 0x0f) : std::uint8_t{0};
    o[2] = w.v6 ? p[l3 + 2] : std::uint8_t{0};
    o[3] = w.v6 ? p[l3 + 3] : std::uint8_t{0};
    o += 4;
  }
  if (has(Field::ttl)) *o++ = w.v4 ? p[l3 + 8] : w.v6 ? p[l3 + 7] : std::uint8_t{0};
  return static_cast<std::size_t>(o - out);
}

/// Where gather() takes each input byte from for a plain IPv4 TCP/UDP frame (is_plain_ipv4_l4)
/// under one Config and the batch's metadata: a short list of runs, each up to 16 bytes of the
/// frame at a fixed offset or of constant bytes (seed, ingress port, absent VLAN and flow label).
/// Made once per Policy, it takes the field tests and the header walk out of the per-frame loop:
/// build() then writes an input with one 16-byte copy per run. Equal to gather() byte for byte on
/// every plain frame of at least `min_frame` bytes (batch_test checks it on every field set).
struct PlainLayout {
  struct Run {
    std::uint8_t off = 0;     ///< frame offset, or offset into `consts`
    std::uint8_t len = 0;     ///< bytes the run contributes (1..16)
    bool frame = false;       ///< from the frame, else from consts
  };
  std::array<Run, 2 * field_count + 2> runs{};
  std::size_t count = 0;      ///< runs used
  std::size_t size = 0;       ///< input length (what gather() returns)
  std::size_t min_frame = 0;  ///< shortest frame whose 16-byte reads stay inside it
  std::array<std::uint8_t, max_input + 16> consts{};
  std::size_t nconst = 0;

  PlainLayout() = default;
  PlainLayout(const Config& c, const net::PacketMeta& meta) {
    if (c.function != Function::xxh3) {
      const std::uint8_t s[4] = {static_cast<std::uint8_t>(c.seed >> 24), static_cast<std::uint8_t>(c.seed >> 16),
                                 static_cast<std::uint8_t>(c.seed >> 8), static_cast<std::uint8_t>(c.seed)};
      constant(s, 4);
    }
    const auto c16 = [&](std::uint16_t x) {
      const std::uint8_t b[2] = {static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
      constant(b, 2);
    };
    const std::uint8_t zeros[4] = {};
    // The field order and sources of gather() for an untagged plain IPv4 frame (l3 = 14, l4 = 34).
    if (c.has(Field::ingress_port)) c16(meta.ingress_port);
    if (c.has(Field::vlan)) c16(meta.vlan_tci ? static_cast<std::uint16_t>(*meta.vlan_tci & 0x0fff) : 0);
    if (c.has(Field::src_mac)) from_frame(6, 6);
    if (c.has(Field::dst_mac)) from_frame(0, 6);
    if (c.has(Field::ethertype)) from_frame(12, 2);
    if (c.has(Field::src_ip)) from_frame(26, 4);
    if (c.has(Field::dst_ip)) from_frame(30, 4);
    if (c.has(Field::ip_proto)) from_frame(23, 1);
    if (c.has(Field::src_port)) from_frame(34, 2);
    if (c.has(Field::dst_port)) from_frame(36, 2);
    if (c.has(Field::ipv6_flow_label)) constant(zeros, 4);
    if (c.has(Field::ttl)) from_frame(22, 1);
  }

  /// Writes the input of plain frame `p` to `out`; writes up to 15 bytes past the input's end
  /// (`out` needs size + 16 bytes of room). Returns size.
  std::size_t build(const std::uint8_t* p, std::uint8_t* out) const {
    std::uint8_t* o = out;
    for (std::size_t r = 0; r < count; ++r) {
      const Run& run = runs[r];
      std::memcpy(o, (run.frame ? p : consts.data()) + run.off, 16);
      o += run.len;
    }
    return size;
  }

  /// build() of n frames (src[i], each long enough) into rows out[i], run by run: a run's offsets
  /// and source stay fixed across the frames. Rows need max_input bytes and one spare row after.
  template <std::size_t Row>
  void build_block(const std::uint8_t* const* src, std::size_t n, std::uint8_t (*out)[Row]) const {
    std::size_t at = 0;
    for (std::size_t r = 0; r < count; ++r) {
      const Run run = runs[r];
      if (run.frame) {
        for (std::size_t i = 0; i < n; ++i) std::memcpy(out[i] + at, src[i] + run.off, 16);
      } else {
        std::uint8_t k[16];
        std::memcpy(k, consts.data() + run.off, 16);
        for (std::size_t i = 0; i < n; ++i) std::memcpy(out[i] + at, k, 16);
      }
      at += run.len;
    }
  }

private:
  void add(bool frame, std::size_t off, std::size_t len) {
    Run* last = count ? &runs[count - 1] : nullptr;
    if (last && last->frame == frame && last->off + last->len == off && last->len + len <= 16) {
      last->len = static_cast<std::uint8_t>(last->len + len);
    } else {
      runs[count++] = Run{static_cast<std::uint8_t>(off), static_cast<std::uint8_t>(len), frame};
    }
    size += len;
    if (frame && off + 16 > min_frame) min_frame = off + 16;
  }
  void from_frame(std::size_t off, std::size_t len) { add(true, off, len); }
  void constant(const std::uint8_t* b, std::size_t len) {
    std::copy_n(b, len, consts.data() + nconst);
    add(false, nconst, len);
    nconst += len;
  }
};

/// The CRC behind a CRC function of the menu (nullptr for xor*, xxh3) and how its value becomes
/// the function's result (crc32-hi/lo take one half).
inline const Crc* crc_of(Function f) {
  switch (f) {
    case Function::crc16: case Function::crc16_bisync: return &fwd::hash::detail::crc16_arc;
    case Function::crc16_ccitt: return &fwd::hash::detail::crc16_ccitt_false;
    case Function::crc32_hi: case Function::crc32_lo: return &fwd::hash::detail::crc32_iso_hdlc;
    default: return nullptr;
  }
}
inline std::uint32_t crc_result(Function f, std::uint64_t crc) {
  if (f == Function::crc32_hi) return static_cast<std::uint32_t>(crc >> 16);
  if (f == Function::crc32_lo) return static_cast<std::uint32_t>(crc & 0xffff);
  return static_cast<std::uint32_t>(crc);
}

/// hash() of n gathered inputs (gather()), out[i] for in[i] of len[i] bytes. CRC functions run four
/// inputs of equal length at once (Crc::update_lanes), from the register state after the seed
/// bytes every input starts with (computed once); the others one by one.
inline void apply_block(const Config& c, const std::uint8_t (*in)[max_input], const std::uint8_t* len, std::size_t n,
                        std::uint64_t* out) {
  constexpr std::size_t prefix = 4;
  const Function f = c.function;
  std::size_t i = 0;
  if (const Crc* crc = crc_of(f)) {
    const std::uint64_t seeded = crc->update(crc->start(), net::Bytes(in[0], n ? prefix : 0));
    for (; i + 4 <= n; i += 4) {
      if (len[i] == len[i + 1] && len[i] == len[i + 2] && len[i] == len[i + 3]) {
        std::uint64_t regs[4] = {seeded, seeded, seeded, seeded};
        const std::uint8_t* const lanes[4] = {in[i] + prefix, in[i + 1] + prefix, in[i + 2] + prefix, in[i + 3] + prefix};
        crc->update_lanes<4>(regs, lanes, len[i] - prefix);
        for (std::size_t k = 0; k < 4; ++k) out[i + k] = crc_result(f, crc->finish(regs[k]));
      } else {
        for (std::size_t k = 0; k < 4; ++k)
          out[i + k] = crc_result(f, crc->finish(crc->update(seeded, net::Bytes(in[i + k] + prefix, len[i + k] - prefix))));
      }
    }
  }
  for (; i < n; ++i) out[i] = detail::apply(f, in[i], len[i], c.seed);
}

/// CRC contributions by input position. Entry [d][b] is what byte b followed by d zero bytes adds
/// to the register (the engine's own form, before finish()). A CRC is linear in its input, so for
/// inputs of one length L: register(input) = register(input with byte q zeroed) ^ [L-1-q][input[q]],
/// for every q at once. Made once per CRC (about 64 KB each) on first use; immutable after.
struct CrcByPosition {
  std::array<std::uint32_t, max_input * 256> at{};  ///< [d * 256 + b]
  explicit CrcByPosition(const Crc& c) {
    for (unsigned b = 0; b < 256; ++b) {
      const std::uint8_t byte = static_cast<std::uint8_t>(b), zero = 0;
      std::uint64_t r = c.update_bytewise(0, net::Bytes(&byte, 1));
      at[b] = static_cast<std::uint32_t>(r);
      for (std::size_t d = 1; d < max_input; ++d)
        at[d * 256 + b] = static_cast<std::uint32_t>(r = c.update_bytewise(r, net::Bytes(&zero, 1)));
    }
  }
  /// The tables of f's CRC (nullptr for xor*, xxh3).
  static const CrcByPosition* of(Function f) {
    switch (f) {
      case Function::crc16: case Function::crc16_bisync: { static const CrcByPosition t(fwd::hash::detail::crc16_arc); return &t; }
      case Function::crc16_ccitt: { static const CrcByPosition t(fwd::hash::detail::crc16_ccitt_false); return &t; }
      case Function::crc32_hi: case Function::crc32_lo: { static const CrcByPosition t(fwd::hash::detail::crc32_iso_hdlc); return &t; }
      default: return nullptr;
    }
  }
};

/// A CRC function over plain frames' inputs (PlainLayout) computed straight from the frames: the
/// constant bytes' share is folded once into `base`, and each frame byte the input takes is one
/// independent table lookup (CrcByPosition) - no input is built and no byte waits for the one
/// before it. Frames are read 8 bytes at a time, chunk by chunk of the layout's frame runs.
struct PlainCrc {
  struct Chunk {
    std::uint8_t off = 0;   ///< frame offset of the chunk's first byte
    std::uint8_t len = 0;   ///< 1..8 bytes
    std::uint8_t dist = 0;  ///< input bytes after the chunk's first byte (its table row)
  };
  const CrcByPosition* tables = nullptr;  ///< nullptr: the function is not a CRC
  const Crc* crc = nullptr;
  Function function = Function::crc16;
  std::uint32_t base = 0;
  std::array<Chunk, 2 * (2 * field_count + 2)> chunks{};
  std::size_t count = 0;

  PlainCrc() = default;
  PlainCrc(const PlainLayout& lay, Function f) : tables(CrcByPosition::of(f)), crc(crc_of(f)), function(f) {
    if (!tables) return;
    // base: the register over the input of an all-zero frame (every frame byte's share is zero).
    static constexpr std::uint8_t zero_frame[max_input + 32] = {};
    std::uint8_t in[max_input + 16];
    const std::size_t n = lay.build(zero_frame, in);
    base = static_cast<std::uint32_t>(crc->update(crc->start(), net::Bytes(in, n)));
    std::size_t q = 0;  // input position of the run
    for (std::size_t r = 0; r < lay.count; ++r) {
      const auto& run = lay.runs[r];
      for (std::size_t k = 0; run.frame && k < run.len; k += 8)
        chunks[count++] = Chunk{static_cast<std::uint8_t>(run.off + k), static_cast<std::uint8_t>(std::min<std::size_t>(8, run.len - k)),
                                static_cast<std::uint8_t>(n - 1 - q - k)};
      q += run.len;
    }
  }

  /// out[i] = the function's value for frame src[i] (each a plain frame of at least
  /// PlainLayout::min_frame bytes: every 8-byte read stays inside it).
  void block(const std::uint8_t* const* src, std::size_t n, std::uint64_t* out) const {
    constexpr std::size_t lanes = 64;  // frames per pass: each chunk's table row stays in registers
    std::uint32_t acc[lanes];
    for (std::size_t first = 0; first < n; first += lanes) {
      const std::size_t m = std::min(lanes, n - first);
      std::fill_n(acc, m, base);
      for (std::size_t c = 0; c < count; ++c) {
        const Chunk ch = chunks[c];
        const std::uint32_t* t = tables->at.data() + ch.dist * 256;  // byte k's row is 256 * k lower
        with_length(ch.len, [&]<std::size_t M>() {
          for (std::size_t i = 0; i < m; ++i) {
            std::uint64_t w;
            std::memcpy(&w, src[first + i] + ch.off, 8);
            if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
            std::uint32_t x = 0;
#pragma GCC unroll 8
            for (std::size_t k = 0; k < M; ++k) x ^= *(t - 256 * k + ((w >> (8 * k)) & 0xff));
            acc[i] ^= x;
          }
        });
      }
      for (std::size_t i = 0; i < m; ++i) out[first + i] = crc_result(function, crc->finish(acc[i]));
    }
  }

private:
  template <class F> static void with_length(std::size_t len, F&& f) {
    switch (len) {
      case 1: return f.template operator()<1>();
      case 2: return f.template operator()<2>();
      case 3: return f.template operator()<3>();
      case 4: return f.template operator()<4>();
      case 5: return f.template operator()<5>();
      case 6: return f.template operator()<6>();
      case 7: return f.template operator()<7>();
      default: return f.template operator()<8>();
    }
  }
};

/// The member for `hash` among `members` (0 when members is 0): the hash rotated right by
/// `rotate` within width(function), then `h % members` (modulo) or `table[h % B]` with the
/// round-robin table `table[i] = i % members` (buckets: B = 8 on 3 members gives 3:3:2).
inline std::uint32_t map(const Config& c, std::uint32_t hash, std::uint32_t members) {
  if (members == 0) return 0;
  const unsigned w = width(c.function);
  std::uint32_t h = w == 32 ? hash : hash & ((1u << w) - 1);
  const unsigned r = c.rotate % w;
  if (r) h = ((h >> r) | (h << (w - r))) & (w == 32 ? ~0u : (1u << w) - 1);
  if (c.mapping == Mapping::buckets) return (h % (c.buckets ? c.buckets : 1)) % members;
  return h % members;
}

}  // namespace fwd::hash::vendor
