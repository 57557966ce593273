#pragma once
/// \file
/// Table-driven CRCs (any Rocksoft-model CRC of width 8/16/32/64) and the P4 bmv2 hash primitives.
///
/// Follows p4lang/behavioral-model at commit 9674187f (the v1model `HashAlgorithm`s that bmv2
/// registers): crc16 (CRC-16/ARC), crc16_custom and crc32_custom in their default configuration,
/// crc32 (ISO-HDLC), crcCCITT (CCITT-FALSE), csum16 (RFC 1071), xor16 and identity. The input is the
/// field-list bytes; `field_list()` builds the 5-tuple list the vectors used, the way a plain P4
/// parser (ethernet -> vlan* -> ipv4|ipv6 -> tcp|udp) would. Every result is bit-exact against
/// shared/vectors/bmv2_*.jsonl (spec: shared/specs/hash-algorithms.md §6).
///
/// `Crc` is one engine for every CRC here, the custom ones included: tables built once from a
/// `CrcSpec` (poly, init, xorout, reflect in/out). Reflected CRCs run a right-shifting register on
/// the reflected polynomial; the others a left-shifting one; a reflect-in/out mismatch reflects the
/// register once at the end, so all 4 combinations are exact. `update()` consumes 8 bytes per step
/// ("slicing by 8": table j maps a byte followed by j zero bytes, so the 8 lookups of one step are
/// independent and the dependency chain is one step per 8 bytes instead of one per byte; the
/// 13-byte IPv4 field list is 2 steps instead of 13). `update_bytewise()` is the plain one-lookup-
/// per-byte register, kept as the reference the sliced engine is tested against (crc_test).
/// A Crc is immutable after construction: share it freely between threads.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <string>
#include <string_view>

#include "fwd/describe/field.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/net/bytes.hpp"

namespace fwd::hash {

/// A CRC in the Rocksoft / "reveng" parameter model.
struct CrcSpec {
  unsigned width = 16;         ///< 8, 16, 32 or 64 bits
  std::uint64_t poly = 0;      ///< normal (MSB-first) form, without the top bit
  std::uint64_t init = 0;      ///< register value before the first byte (unreflected)
  std::uint64_t xorout = 0;    ///< XORed into the final value
  bool refin = false;          ///< bytes enter LSB first (bmv2 "data reflected")
  bool refout = false;         ///< the remainder is reflected (bmv2 "remainder reflected")
};

/// Named CRC parameter sets used by libfwd (check values are for "123456789").
namespace crc_spec {
inline constexpr CrcSpec arc{16, 0x8005, 0, 0, true, true};                   ///< 0xBB3D
inline constexpr CrcSpec ccitt_false{16, 0x1021, 0xffff, 0, false, false};    ///< 0x29B1
inline constexpr CrcSpec iso_hdlc{32, 0x04c11db7, 0xffffffff, 0xffffffff, true, true};  ///< 0xCBF43926
/// bmv2 crc8_custom default (= CRC-8/SMBUS).                                    0xF4
inline constexpr CrcSpec bmv2_crc8_default{8, 0x07, 0, 0, false, false};
/// bmv2 crc64_custom default: poly 0x1B, init 0, reflected, xorout 0.            0x46A5A9388A5BEFFE
inline constexpr CrcSpec bmv2_crc64_default{64, 0x1b, 0, 0, true, true};
}  // namespace crc_spec

/// One table-driven CRC. Construction validates the spec (throws fwd::Error) and builds the table;
/// `operator()` never throws and reads only the given bytes.
class Crc {
public:
  constexpr explicit Crc(const CrcSpec& spec) : spec_(spec) {
    if (spec.width != 8 && spec.width != 16 && spec.width != 32 && spec.width != 64)
      throw Error("CRC width " + std::to_string(spec.width) + " not supported: expected 8, 16, 32 or 64");
    mask_ = spec.width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << spec.width) - 1;
    if ((spec.poly & ~mask_) || (spec.init & ~mask_) || (spec.xorout & ~mask_))
      throw Error("CRC poly/init/xorout wider than " + std::to_string(spec.width) + " bits");
    if (spec.refin) {
      const std::uint64_t rpoly = reflect(spec.poly, spec.width);
      for (unsigned i = 0; i < 256; ++i) {
        std::uint64_t r = i;
        for (int b = 0; b < 8; ++b) r = (r & 1) ? (r >> 1) ^ rpoly : r >> 1;
        table_[i] = r;
      }
      start_ = reflect(spec.init, spec.width);
    } else {
      const std::uint64_t top = std::uint64_t{1} << (spec.width - 1);
      for (unsigned i = 0; i < 256; ++i) {
        std::uint64_t r = std::uint64_t{i} << (spec.width - 8);
        for (int b = 0; b < 8; ++b) r = ((r & top) ? (r << 1) ^ spec.poly : r << 1) & mask_;
        table_[i] = r;
      }
      start_ = spec.init;
    }
    // Slice tables. Reflected: the register is kept in its low `width` bits, bytes enter at the
    // bottom. Non-reflected: it is kept in the top `width` bits of a 64-bit word (so every width
    // shares one step), bytes enter at the top.
    const unsigned top_shift = 64 - spec.width;
    for (unsigned b = 0; b < 256; ++b) slice_[0][b] = spec.refin ? table_[b] : table_[b] << top_shift;
    for (unsigned j = 1; j < 8; ++j)
      for (unsigned b = 0; b < 256; ++b) {
        const std::uint64_t prev = slice_[j - 1][b];
        slice_[j][b] = spec.refin ? (prev >> 8) ^ slice_[0][prev & 0xff] : (prev << 8) ^ slice_[0][prev >> 56];
      }
  }

  const CrcSpec& spec() const { return spec_; }

  /// Register state before any byte; feed with update(), finish with finish().
  constexpr std::uint64_t start() const { return start_; }
  constexpr std::uint64_t update(std::uint64_t reg, net::Bytes data) const {
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    if (spec_.refin) {
      for (; n >= 8; p += 8, n -= 8) reg = step<true, 8>(reg, p);
      return tail<true>(reg, p, n);
    }
    const unsigned top_shift = 64 - spec_.width;
    std::uint64_t r = reg << top_shift;
    for (; n >= 8; p += 8, n -= 8) r = step<false, 8>(r, p);
    return tail<false>(r, p, n) >> top_shift;
  }
  /// update() of K inputs of the same length n at once, their steps interleaved: K independent
  /// dependency chains in flight instead of one (the batch kernels' inner loop).
  template <std::size_t K>
  void update_lanes(std::uint64_t* regs, const std::uint8_t* const* in, std::size_t n) const {
    std::size_t off = 0;
    if (spec_.refin) {
      for (; off + 8 <= n; off += 8)
        for (std::size_t k = 0; k < K; ++k) regs[k] = step<true, 8>(regs[k], in[k] + off);
      if (off < n)
        for (std::size_t k = 0; k < K; ++k) regs[k] = tail<true>(regs[k], in[k] + off, n - off);
      return;
    }
    const unsigned top_shift = 64 - spec_.width;
    std::uint64_t r[K];
    for (std::size_t k = 0; k < K; ++k) r[k] = regs[k] << top_shift;
    for (; off + 8 <= n; off += 8)
      for (std::size_t k = 0; k < K; ++k) r[k] = step<false, 8>(r[k], in[k] + off);
    if (off < n)
      for (std::size_t k = 0; k < K; ++k) r[k] = tail<false>(r[k], in[k] + off, n - off);
    for (std::size_t k = 0; k < K; ++k) regs[k] = r[k] >> top_shift;
  }
  /// The same register, one table lookup per byte (the reference for update()).
  constexpr std::uint64_t update_bytewise(std::uint64_t reg, net::Bytes data) const {
    if (spec_.refin) {
      for (std::uint8_t b : data) reg = (reg >> 8) ^ table_[(reg ^ b) & 0xff];
    } else if (spec_.width == 8) {
      for (std::uint8_t b : data) reg = table_[reg ^ b];
    } else {
      const unsigned sh = spec_.width - 8;
      for (std::uint8_t b : data) reg = ((reg << 8) & mask_) ^ table_[((reg >> sh) ^ b) & 0xff];
    }
    return reg;
  }
  constexpr std::uint64_t finish(std::uint64_t reg) const {
    // The reflected engine holds the reflected remainder: reflect again only if refout is off.
    if (spec_.refin != spec_.refout) reg = reflect(reg, spec_.width);
    return reg ^ spec_.xorout;
  }
  /// The CRC of `data`.
  constexpr std::uint64_t operator()(net::Bytes data) const { return finish(update(start_, data)); }

  static constexpr std::uint64_t reflect(std::uint64_t v, unsigned width) {
    std::uint64_t r = 0;
    for (unsigned i = 0; i < width; ++i, v >>= 1) r = (r << 1) | (v & 1);
    return r;
  }

private:
  // One step over M (1..8) bytes. Reflected (register in the low bits): the bytes meet the low M
  // register bytes and what lies above them shifts down. Otherwise (register in the top bits) the
  // bytes meet the top M register bytes. M is a template argument so the lookups unroll.
  template <bool Reflected, std::size_t M>
  [[gnu::always_inline]] constexpr std::uint64_t step(std::uint64_t r, const std::uint8_t* p) const {
    std::uint64_t x = r, out = M < 8 ? (Reflected ? r >> (8 * M % 64) : r << (8 * M % 64)) : 0;
    if (!std::is_constant_evaluated() && M == 8 && std::endian::native == std::endian::little) {
      std::uint64_t w;  // one unaligned load instead of 8 byte loads
      std::memcpy(&w, p, 8);
      x ^= Reflected ? w : __builtin_bswap64(w);
    } else {
#pragma GCC unroll 8
      for (std::size_t k = 0; k < M; ++k) x ^= std::uint64_t{p[k]} << (Reflected ? 8 * k : 56 - 8 * k);
    }
#pragma GCC unroll 8
    for (std::size_t k = 0; k < M; ++k) out ^= slice_[M - 1 - k][(x >> (Reflected ? 8 * k : 56 - 8 * k)) & 0xff];
    return out;
  }
  template <bool Reflected>
  [[gnu::always_inline]] constexpr std::uint64_t tail(std::uint64_t r, const std::uint8_t* p, std::size_t n) const {
    switch (n) {
      case 1: return step<Reflected, 1>(r, p);
      case 2: return step<Reflected, 2>(r, p);
      case 3: return step<Reflected, 3>(r, p);
      case 4: return step<Reflected, 4>(r, p);
      case 5: return step<Reflected, 5>(r, p);
      case 6: return step<Reflected, 6>(r, p);
      case 7: return step<Reflected, 7>(r, p);
      default: return r;
    }
  }

  CrcSpec spec_;
  std::uint64_t mask_ = 0, start_ = 0;
  std::array<std::uint64_t, 256> table_{};
  std::array<std::array<std::uint64_t, 256>, 8> slice_{};  // slice_[j][b]: byte b, then j zero bytes
};

namespace detail {
inline constexpr Crc crc16_arc{crc_spec::arc};
inline constexpr Crc crc16_ccitt_false{crc_spec::ccitt_false};
inline constexpr Crc crc32_iso_hdlc{crc_spec::iso_hdlc};
}  // namespace detail

namespace bmv2 {

/// The bmv2 hash algorithms the vectors cover (v1model `HashAlgorithm` names).
enum class Algorithm : std::uint8_t { crc16, crc16_custom, crc32, crc32_custom, crcCCITT, csum16, xor16, identity };

}  // namespace bmv2
}  // namespace fwd::hash

namespace fwd::describe {
template <>
struct Enumerators<hash::bmv2::Algorithm> {
  using E = hash::bmv2::Algorithm;
  static constexpr std::string_view what = "bmv2 hash algorithm";
  static constexpr Enumerator<E> table[] = {
      {E::crc16, "crc16", "CRC-16/ARC (bmv2 crc16)"},
      {E::crc16_custom, "crc16_custom", "crc16_custom with bmv2's default parameters (CRC-16/ARC)"},
      {E::crc32, "crc32", "CRC-32/ISO-HDLC (bmv2 crc32)"},
      {E::crc32_custom, "crc32_custom", "crc32_custom with bmv2's default parameters (CRC-32/ISO-HDLC)"},
      {E::crcCCITT, "crcCCITT", "CRC-16/CCITT-FALSE"},
      {E::csum16, "csum16", "RFC 1071 ones'-complement checksum (alias cksum16)"},
      {E::xor16, "xor16", "XOR of the big-endian 16-bit words"},
      {E::identity, "identity", "the input's first 8 bytes as a big-endian number"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe

namespace fwd::hash {
namespace bmv2 {

inline constexpr auto algorithm_names = describe::enumerator_name_array<Algorithm>();

/// The bmv2 name of `a` ("crc16", "crcCCITT", ...).
constexpr std::string_view name(Algorithm a) { return describe::name_of(a); }

/// Parses a bmv2 algorithm name (case-sensitive, as bmv2 registers them; `cksum16` is accepted for
/// csum16). Throws fwd::Error naming the bad value and the accepted names.
inline Algorithm algorithm_from_name(std::string_view s) {
  if (s == "cksum16") return Algorithm::csum16;
  return describe::parse_enumerator<Algorithm>(s);
}

/// RFC 1071 ones'-complement sum of big-endian 16-bit words, complemented; an odd final byte is
/// the high byte of a last word whose low byte is zero. Empty input gives 0xFFFF.
inline std::uint16_t csum16(net::Bytes in) {
  std::uint64_t sum = 0;  // 64-bit accumulator: no carry folding inside the loop
  std::size_t i = 0;
  for (; i + 2 <= in.size(); i += 2) sum += net::be16(in.data() + i);
  if (i < in.size()) sum += std::uint64_t{in[i]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

/// XOR of big-endian 16-bit words; an odd final byte is left-aligned (zero low byte).
inline std::uint16_t xor16(net::Bytes in) {
  std::uint16_t x = 0;
  std::size_t i = 0;
  for (; i + 2 <= in.size(); i += 2) x ^= net::be16(in.data() + i);
  if (i < in.size()) x ^= static_cast<std::uint16_t>(in[i] << 8);
  return x;
}

/// The first min(8, len) bytes as a big-endian number; empty input gives 0.
inline std::uint64_t identity(net::Bytes in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(8, in.size()); ++i) v = (v << 8) | in[i];
  return v;
}

/// bmv2's result for `input` (the field-list bytes). Never throws.
template <class Tracer = NoTrace>
std::uint64_t hash(Algorithm a, net::Bytes input, Tracer& tr) {
  std::uint64_t h = 0;
  switch (a) {
    case Algorithm::crc16: case Algorithm::crc16_custom: h = detail::crc16_arc(input); break;
    case Algorithm::crc32: case Algorithm::crc32_custom: h = detail::crc32_iso_hdlc(input); break;
    case Algorithm::crcCCITT: h = detail::crc16_ccitt_false(input); break;
    case Algorithm::csum16: h = csum16(input); break;
    case Algorithm::xor16: h = xor16(input); break;
    case Algorithm::identity: h = identity(input); break;
  }
  if constexpr (Tracer::enabled) tr.field("field_list", 0, input, h);
  return h;
}
inline std::uint64_t hash(Algorithm a, net::Bytes input) {
  NoTrace tr;
  return hash(a, input, tr);
}

/// Offsets of the 5-tuple fields inside a frame (all valid when `size != 0`).
struct FieldListLayout {
  std::size_t size = 0;  ///< 13 (IPv4), 37 (IPv6) or 0 (no field list)
  std::size_t addr_len = 0, src = 0, dst = 0, proto = 0, ports = 0;
};

/// Where the 5-tuple of `frame` lies, by the rule of field_list().
inline FieldListLayout field_list_layout(net::Bytes frame) {
  const std::size_t n = frame.size();
  const std::uint8_t* p = frame.data();
  if (n < 14) return {};
  std::uint16_t type;
  std::size_t off;
  if (!net::skip_vlan_tags(p, n, type, off)) return {};
  FieldListLayout l;
  std::size_t l4 = 0;
  if (type == 0x0800) {
    if (!net::fits(n, off, 20)) return {};
    const std::size_t ihl = p[off] & 0x0fu;
    if (ihl < 5) return {};
    l = {13, 4, off + 12, off + 16, off + 9, 0};
    l4 = off + ihl * 4;
  } else if (type == 0x86dd) {
    if (!net::fits(n, off, 40)) return {};
    l = {37, 16, off + 8, off + 24, off + 6, 0};
    l4 = off + 40;
  } else {
    return {};
  }
  if (p[l.proto] != 6 && p[l.proto] != 17) return {};
  if (!net::fits(n, l4, 4)) return {};
  l.ports = l4;
  return l;
}

/// The field list {src addr, dst addr, protocol (1 byte), src port, dst port} of `frame`, the
/// way a plain P4 parser extracts it: in-band 802.1Q/802.1ad tags skipped (up to 4); IPv4 (ethertype
/// 0x0800, ihl >= 5, options skipped: ports at ihl*4) or IPv6 (0x86dd, next header *directly* TCP or
/// UDP: extension headers are not walked); protocol 6 or 17 only; ports are the 4 bytes after the IP
/// header and are all that must be present of the transport header. IPv4 fragments are not special:
/// a later fragment yields the 4 payload bytes where the ports would be (the vectors show this).
/// Returns 13 (IPv4) or 37 (IPv6) bytes written to `out`, or 0 when the frame has no such list
/// (non-IP, other protocols, IPv6 extension headers, ihl < 5, cut before the end of the ports).
inline std::size_t field_list(net::Bytes frame, std::array<std::uint8_t, 37>& out) {
  const FieldListLayout l = field_list_layout(frame);
  if (l.size == 0) return 0;
  const std::uint8_t* p = frame.data();
  // Fixed-size copies per address family: they compile to a few moves, not memcpy calls.
  if (l.addr_len == 4) {
    std::copy_n(p + l.src, 4, out.data());
    std::copy_n(p + l.dst, 4, out.data() + 4);
  } else {
    std::copy_n(p + l.src, 16, out.data());
    std::copy_n(p + l.dst, 16, out.data() + 16);
  }
  out[2 * l.addr_len] = p[l.proto];
  std::copy_n(p + l.ports, 4, out.data() + 2 * l.addr_len + 1);
  return l.size;
}

/// bmv2's result for the field list of `frame` without copying it out: the addresses are one
/// contiguous run of the frame (src then dst), followed by protocol and ports. Equal to
/// hash(a, field_list(frame)) (hash_test checks it on random frames); the batch path.
inline std::uint64_t hash_frame_fast(Algorithm a, net::Bytes frame) {
  const FieldListLayout l = field_list_layout(frame);
  const Crc* crc = a == Algorithm::crc16 || a == Algorithm::crc16_custom   ? &detail::crc16_arc
                   : a == Algorithm::crc32 || a == Algorithm::crc32_custom ? &detail::crc32_iso_hdlc
                   : a == Algorithm::crcCCITT                              ? &detail::crc16_ccitt_false
                                                                           : nullptr;
  if ((a == Algorithm::csum16 || a == Algorithm::xor16) && l.size != 0) {
    // The addresses are an even number of bytes, so the 16-bit words are the address words, then
    // (protocol, sport hi), (sport lo, dport hi), (dport lo, 0).
    const std::uint8_t* p = frame.data();
    const std::uint16_t t0 = static_cast<std::uint16_t>(p[l.proto] << 8 | p[l.ports]);
    const std::uint16_t t1 = static_cast<std::uint16_t>(p[l.ports + 1] << 8 | p[l.ports + 2]);
    const std::uint16_t t2 = static_cast<std::uint16_t>(p[l.ports + 3] << 8);
    const std::uint8_t* w = p + l.src;
    if (a == Algorithm::xor16) {
      std::uint16_t x = t0 ^ t1 ^ t2;
      for (std::size_t i = 0; i < l.addr_len; ++i) x ^= net::be16(w + 2 * i);
      return x;
    }
    std::uint64_t sum = std::uint64_t{t0} + t1 + t2;
    for (std::size_t i = 0; i < l.addr_len; ++i) sum += net::be16(w + 2 * i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
  }
  if (!crc || l.size == 0) {
    std::array<std::uint8_t, 37> buf;
    const std::size_t n = field_list(frame, buf);
    NoTrace quiet;
    return hash(a, net::Bytes(buf.data(), n), quiet);
  }
  const std::uint8_t* p = frame.data();
  const std::uint8_t rest[5] = {p[l.proto], p[l.ports], p[l.ports + 1], p[l.ports + 2], p[l.ports + 3]};
  const std::uint64_t reg = crc->update(crc->start(), net::Bytes(p + l.src, 2 * l.addr_len));
  return crc->finish(crc->update(reg, net::Bytes(rest, 5)));
}

/// Extracts the field list of `frame` and hashes it; with a tracer, each field is recorded at its
/// frame offset with the hash of the list up to and including it. A frame without a field list
/// (field_list() == 0) hashes the empty list (libfwd's definition; bmv2 has none for fields of
/// invalid headers), e.g. 0 for crc16, 0xFFFF for crcCCITT.
template <class Tracer = NoTrace>
std::uint64_t hash_frame(Algorithm a, net::Bytes frame, Tracer& tr) {
  std::array<std::uint8_t, 37> buf{};
  const std::size_t n = field_list(frame, buf);
  NoTrace quiet;
  const std::uint64_t h = hash(a, net::Bytes(buf.data(), n), quiet);
  if constexpr (Tracer::enabled) {
    if (n == 0) {
      tr.note("no IPv4/IPv6 TCP/UDP field list in the frame: hashing the empty list");
    } else {
      const FieldListLayout l = field_list_layout(frame);
      const std::size_t a2 = 2 * l.addr_len;
      auto prefix = [&](std::size_t k) { return hash(a, net::Bytes(buf.data(), k), quiet); };
      tr.field("src_addr", l.src, net::Bytes(buf.data(), l.addr_len), prefix(l.addr_len));
      tr.field("dst_addr", l.dst, net::Bytes(buf.data() + l.addr_len, l.addr_len), prefix(a2));
      tr.field("protocol", l.proto, net::Bytes(buf.data() + a2, 1), prefix(a2 + 1));
      tr.field("ports", l.ports, net::Bytes(buf.data() + a2 + 1, 4), h);
    }
    tr.step(name(a).data(), h);
  }
  return h;
}

}  // namespace bmv2
}  // namespace fwd::hash
