// Ecmp: spec strings, path-set state (upper bounds, resilient table, FreeBSD slots, vendor list)
// and next-hop selection of each system. The Linux hash itself is fwd/route/linux_hash.hpp.
#include "fwd/route/ecmp.hpp"

#include <algorithm>
#include <bit>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <type_traits>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "fwd/error.hpp"
#include "fwd/hash/toeplitz.hpp"
#include "fwd/hash/vendor.hpp"
#include "fwd/route/linux_hash.hpp"
#include "fwd/route/resilient_table.hpp"

namespace fwd::route {


std::string_view name(System s) {
  switch (s) {
    case System::linux_6_18: return "linux-6.18";
    case System::linux_6_12: return "linux-6.12";
    case System::freebsd_13: return "freebsd-13";
    case System::vendor: return "vendor";
  }
  return "?";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::uint64_t parse_number(std::string_view spec, std::string_view key, std::string_view v, std::uint64_t max,
                           std::string_view accepted) {
  std::uint64_t x = 0;
  std::string_view digits = v;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2), base = 16;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), x, base);
  if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || x > max)
    throw Error("bad value '" + std::string(v) + "' for " + std::string(key) + " in ECMP spec \"" + std::string(spec) +
                "\": expected " + std::string(accepted));
  return x;
}

std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

std::string hexbytes(const std::vector<std::uint8_t>& v) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : v) s += d[c >> 4], s += d[c & 15];
  return s;
}

// ---- batch SipHash across lanes ----------------------------------------------------------------
// Plain IPv4 keys (PlainV4Columns) are hashed 32 rows at a time from the SipHash state after the
// words that depend on the protocol only (V4Midstates): with AVX-512 as 4 independent chains of
// 8 lanes (vprolq rotates), with AVX2 as 4 x 2 chains of 4 lanes, else 4 interleaved scalar
// states. The lanes load the columns directly: a key is written once by its producer and read by
// a vector load much later, never through a store-to-load forward of eight scalar stores (which
// stalls the vector load; measured 3x slower per hash than the lanes themselves). Every form
// computes exactly hash_v4 (linux_hash.hpp) >> 1; the tests compare them row by row.
constexpr std::size_t plain_block = 32;

// Where a lane starts: the SipHash state after the protocol's words, and the bits of the ports word
// the policy hashes. A selector has two rows, TCP's then UDP's (policies 0 and 2: protocol 0's
// state in both, ports masked off); a lane of selector w starts at row 2w + (proto == 17). One
// row per 64 bytes so the AVX lanes can gather it with one index.
struct alignas(64) PlainStart {
  std::uint64_t v[4];
  std::uint64_t ports_mask;
};

void plain_starts(const linux_mp::V4Midstates& mid, unsigned policy, PlainStart* two) {
  const auto row = [&](const hash::detail::SipState& st, std::uint64_t mask) {
    return PlainStart{{st.v0, st.v1, st.v2, st.v3}, mask};
  };
  two[0] = policy == 1 ? row(mid.state[6], ~std::uint64_t{0}) : row(mid.state[0], 0);
  two[1] = policy == 1 ? row(mid.state[17], ~std::uint64_t{0}) : row(mid.state[0], 0);
}

// The start rows a batch reads, and, for the AVX-512 lanes, the same words of 32 consecutive rows
// in columns (window[k * 32 + j] = word k of row window_first + j; word 4: ports_mask): lanes
// whose rows all lie in the window pick their start with two-table permutes instead of gathers.
struct PlainTable {
  const PlainStart* rows;
  const std::uint64_t* window = nullptr;
  std::uint32_t window_first = 0;
};

// Mixed: each row under its own selector which[i]; else every row under selector 0.
template <bool Mixed>
void plain_block_scalar(const PlainTable& s, const std::uint32_t* which, const std::uint32_t* lo, const std::uint32_t* hi,
                        const std::uint32_t* ports, const std::uint8_t* proto, std::uint32_t* out) {
  for (std::size_t g = 0; g < plain_block; g += 4) {
    hash::detail::SipState st[4];
    std::uint64_t mask[4];
    for (std::size_t l = 0; l < 4; ++l) {
      const PlainStart& r = s.rows[(Mixed ? 2 * std::size_t{which[g + l]} : 0) + (proto[g + l] == 17)];
      st[l].v0 = r.v[0], st[l].v1 = r.v[1], st[l].v2 = r.v[2], st[l].v3 = r.v[3];
      mask[l] = r.ports_mask;
    }
    for (std::size_t l = 0; l < 4; ++l) st[l].absorb((std::uint64_t{ports[g + l]} << 32) & mask[l]);
    for (std::size_t l = 0; l < 4; ++l) st[l].absorb(std::uint64_t{lo[g + l]} << 32);
    for (std::size_t l = 0; l < 4; ++l) st[l].absorb(hi[g + l]);
    for (std::size_t l = 0; l < 4; ++l) st[l].absorb(std::uint64_t{48} << 56);
    for (std::size_t l = 0; l < 4; ++l) out[g + l] = static_cast<std::uint32_t>(st[l].finish()) >> 1;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define FWD_SIPROUND(v0, v1, v2, v3)                                              \
  v0 = _mm512_add_epi64(v0, v1); v1 = _mm512_rol_epi64(v1, 13); v1 = _mm512_xor_si512(v1, v0); \
  v0 = _mm512_rol_epi64(v0, 32);                                                  \
  v2 = _mm512_add_epi64(v2, v3); v3 = _mm512_rol_epi64(v3, 16); v3 = _mm512_xor_si512(v3, v2); \
  v0 = _mm512_add_epi64(v0, v3); v3 = _mm512_rol_epi64(v3, 21); v3 = _mm512_xor_si512(v3, v0); \
  v2 = _mm512_add_epi64(v2, v1); v1 = _mm512_rol_epi64(v1, 17); v1 = _mm512_xor_si512(v1, v2); \
  v2 = _mm512_rol_epi64(v2, 32);
#define FWD_ABSORB(v0, v1, v2, v3, m)                                             \
  v3 = _mm512_xor_si512(v3, m); FWD_SIPROUND(v0, v1, v2, v3) FWD_SIPROUND(v0, v1, v2, v3) \
  v0 = _mm512_xor_si512(v0, m);

// GCC 12's _mm512_rol_epi64 passes an "undefined" vector it then warns about (a header artefact).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// SipHash-2-4 finalisation of 2 x 8 lanes: the length word (key bytes << 56), 0xff into v2, four
// rounds, fold to 32 bits, store. Used by the any-length word lanes (sipw_avx512).
__attribute__((target("avx512f"))) inline void sip_finish_avx512(__m512i& a0, __m512i& a1, __m512i& a2, __m512i& a3,
                                                                 __m512i& b0, __m512i& b1, __m512i& b2, __m512i& b3,
                                                                 std::size_t key_bytes, std::uint32_t* out) {
  const __m512i len = _mm512_set1_epi64(static_cast<long long>(std::uint64_t{key_bytes & 0xff} << 56));
  FWD_ABSORB(a0, a1, a2, a3, len) FWD_ABSORB(b0, b1, b2, b3, len)
  const __m512i ff = _mm512_set1_epi64(0xff);
  a2 = _mm512_xor_si512(a2, ff); b2 = _mm512_xor_si512(b2, ff);
  FWD_SIPROUND(a0, a1, a2, a3) FWD_SIPROUND(b0, b1, b2, b3)
  FWD_SIPROUND(a0, a1, a2, a3) FWD_SIPROUND(b0, b1, b2, b3)
  FWD_SIPROUND(a0, a1, a2, a3) FWD_SIPROUND(b0, b1, b2, b3)
  FWD_SIPROUND(a0, a1, a2, a3) FWD_SIPROUND(b0, b1, b2, b3)
  const __m512i ra = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
  const __m512i rb = _mm512_xor_si512(_mm512_xor_si512(b0, b1), _mm512_xor_si512(b2, b3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_cvtepi64_epi32(ra));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), _mm512_cvtepi64_epi32(rb));
}

// Eight 32-bit words widened to 64-bit lanes; one 64-bit value in every lane.
__attribute__((target("avx512f"))) inline __m512i u64x8(const std::uint32_t* p) {
  return _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
__attribute__((target("avx512f"))) inline __m512i bc8(std::uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }

// Lane l gets w[j[l]] from 32 words (j in 0..31; upper: the lanes with j >= 16).
__attribute__((target("avx512f"))) inline __m512i window_word(const std::uint64_t* w, __m512i j, __mmask8 upper) {
  const __m512i a = _mm512_permutex2var_epi64(_mm512_load_si512(w), j, _mm512_load_si512(w + 8));
  const __m512i b = _mm512_permutex2var_epi64(_mm512_load_si512(w + 16), j, _mm512_load_si512(w + 24));
  return _mm512_mask_blend_epi64(upper, a, b);
}

template <bool Mixed>
__attribute__((target("avx512f"))) void plain_block_avx512(const PlainTable& s, const std::uint32_t* which,
                                                          const std::uint32_t* lo, const std::uint32_t* hi,
                                                          const std::uint32_t* ports, const std::uint8_t* proto,
                                                          std::uint32_t* out) {
  const __m512i udp = _mm512_set1_epi64(17), one = _mm512_set1_epi64(1), sixteen = _mm512_set1_epi64(16);
  const auto* base = reinterpret_cast<const long long*>(s.rows);
  __m512i v[4][4], pmask[4];
  for (int c = 0; c < 4; ++c) {
    const __mmask8 u = _mm512_cmpeq_epi64_mask(
        _mm512_cvtepu8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(proto + 8 * c))), udp);
    if constexpr (Mixed) {
      __m512i row = _mm512_slli_epi64(u64x8(which + 8 * c), 1);
      row = _mm512_mask_add_epi64(row, u, row, one);  // 2 * which + udp
      if (s.window) {
        // Row - window_first in 0..31: bits 0-3 pick one of 16 from two tables, bit 4 the pair.
        const __m512i j = _mm512_sub_epi64(row, bc8(s.window_first));
        const __mmask8 upper = _mm512_test_epi64_mask(j, sixteen);
        for (int k = 0; k < 4; ++k) v[c][k] = window_word(s.window + 32 * k, j, upper);
        pmask[c] = window_word(s.window + 32 * 4, j, upper);
      } else {
        // 8 quadwords a row: one gather per state word.
        row = _mm512_slli_epi64(row, 3);
        for (int k = 0; k < 4; ++k) v[c][k] = _mm512_i64gather_epi64(row, base + k, 8);
        pmask[c] = _mm512_i64gather_epi64(row, base + 4, 8);
      }
    } else {
      for (int k = 0; k < 4; ++k) v[c][k] = _mm512_mask_blend_epi64(u, bc8(s.rows[0].v[k]), bc8(s.rows[1].v[k]));
      pmask[c] = bc8(s.rows[0].ports_mask);
    }
  }
  for (int c = 0; c < 4; ++c) {
    const __m512i w = _mm512_and_si512(_mm512_slli_epi64(u64x8(ports + 8 * c), 32), pmask[c]);
    FWD_ABSORB(v[c][0], v[c][1], v[c][2], v[c][3], w)
  }
  for (int c = 0; c < 4; ++c) {
    const __m512i w = _mm512_slli_epi64(u64x8(lo + 8 * c), 32);
    FWD_ABSORB(v[c][0], v[c][1], v[c][2], v[c][3], w)
  }
  for (int c = 0; c < 4; ++c) {
    const __m512i w = u64x8(hi + 8 * c);
    FWD_ABSORB(v[c][0], v[c][1], v[c][2], v[c][3], w)
  }
  const __m512i len = bc8(std::uint64_t{48} << 56), ff = bc8(0xff);
  for (int c = 0; c < 4; ++c) {
    FWD_ABSORB(v[c][0], v[c][1], v[c][2], v[c][3], len)
    v[c][2] = _mm512_xor_si512(v[c][2], ff);
  }
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) { FWD_SIPROUND(v[c][0], v[c][1], v[c][2], v[c][3]) }
  for (int c = 0; c < 4; ++c) {
    const __m512i h = _mm512_xor_si512(_mm512_xor_si512(v[c][0], v[c][1]), _mm512_xor_si512(v[c][2], v[c][3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8 * c), _mm256_srli_epi32(_mm512_cvtepi64_epi32(h), 1));
  }
}
#pragma GCC diagnostic pop
// AVX2 has no 64-bit rotate: shifts + or, byte shuffles for the 16- and 32-bit rotations.
#define FWD_ROL2(x, b) _mm256_or_si256(_mm256_slli_epi64(x, b), _mm256_srli_epi64(x, 64 - (b)))
#define FWD_ROL2_32(x) _mm256_shuffle_epi32(x, 0xb1)
#define FWD_ROL2_16(x) _mm256_shuffle_epi8(x, rot16)
#define FWD_SIPROUND2(v0, v1, v2, v3)                                              \
  v0 = _mm256_add_epi64(v0, v1); v1 = FWD_ROL2(v1, 13); v1 = _mm256_xor_si256(v1, v0); \
  v0 = FWD_ROL2_32(v0);                                                           \
  v2 = _mm256_add_epi64(v2, v3); v3 = FWD_ROL2_16(v3); v3 = _mm256_xor_si256(v3, v2); \
  v0 = _mm256_add_epi64(v0, v3); v3 = FWD_ROL2(v3, 21); v3 = _mm256_xor_si256(v3, v0); \
  v2 = _mm256_add_epi64(v2, v1); v1 = FWD_ROL2(v1, 17); v1 = _mm256_xor_si256(v1, v2); \
  v2 = FWD_ROL2_32(v2);
#define FWD_ABSORB2(v0, v1, v2, v3, m)                                            \
  v3 = _mm256_xor_si256(v3, m); FWD_SIPROUND2(v0, v1, v2, v3) FWD_SIPROUND2(v0, v1, v2, v3) \
  v0 = _mm256_xor_si256(v0, m);

__attribute__((target("avx2"))) inline __m256i u64x4(const std::uint32_t* p) {
  return _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
__attribute__((target("avx2"))) inline __m256i bc4(std::uint64_t x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }

template <bool Mixed>
__attribute__((target("avx2"))) void plain_block_avx2(const PlainTable& s, const std::uint32_t* which,
                                                      const std::uint32_t* lo, const std::uint32_t* hi,
                                                      const std::uint32_t* ports, const std::uint8_t* proto,
                                                      std::uint32_t* out) {
  // Rotating each 64-bit lane left by 16 = moving its bytes up by 2 (little-endian lanes).
  const __m256i rot16 = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13,
                                         6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13);
  const __m256i udp = _mm256_set1_epi64x(17);
  const __m256i len = bc4(std::uint64_t{48} << 56), ff = bc4(0xff);
  const __m256i odd = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  const auto* base = reinterpret_cast<const long long*>(s.rows);
  // Two chains of four lanes at a time: AVX2 has 16 vector registers, and 8 hold the states.
  for (std::size_t g = 0; g < plain_block; g += 8) {
    __m256i v[2][4], pmask[2];
    for (int c = 0; c < 2; ++c) {
      std::int32_t p4;
      std::memcpy(&p4, proto + g + 4 * c, 4);
      const __m256i u = _mm256_cmpeq_epi64(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(p4)), udp);
      if constexpr (Mixed) {
        // Row 2 * which + udp (u is -1 in UDP lanes), 8 quadwords a row.
        const __m256i row = _mm256_slli_epi64(_mm256_sub_epi64(_mm256_slli_epi64(u64x4(which + g + 4 * c), 1), u), 3);
        for (int k = 0; k < 4; ++k) v[c][k] = _mm256_i64gather_epi64(base + k, row, 8);
        pmask[c] = _mm256_i64gather_epi64(base + 4, row, 8);
      } else {
        for (int k = 0; k < 4; ++k) v[c][k] = _mm256_blendv_epi8(bc4(s.rows[0].v[k]), bc4(s.rows[1].v[k]), u);
        pmask[c] = bc4(s.rows[0].ports_mask);
      }
    }
    for (int c = 0; c < 2; ++c) {
      const __m256i w = _mm256_and_si256(_mm256_slli_epi64(u64x4(ports + g + 4 * c), 32), pmask[c]);
      FWD_ABSORB2(v[c][0], v[c][1], v[c][2], v[c][3], w)
    }
    for (int c = 0; c < 2; ++c) {
      const __m256i w = _mm256_slli_epi64(u64x4(lo + g + 4 * c), 32);
      FWD_ABSORB2(v[c][0], v[c][1], v[c][2], v[c][3], w)
    }
    for (int c = 0; c < 2; ++c) {
      const __m256i w = u64x4(hi + g + 4 * c);
      FWD_ABSORB2(v[c][0], v[c][1], v[c][2], v[c][3], w)
    }
    for (int c = 0; c < 2; ++c) {
      FWD_ABSORB2(v[c][0], v[c][1], v[c][2], v[c][3], len)
      v[c][2] = _mm256_xor_si256(v[c][2], ff);
    }
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 2; ++c) { FWD_SIPROUND2(v[c][0], v[c][1], v[c][2], v[c][3]) }
    for (int c = 0; c < 2; ++c) {
      const __m256i h = _mm256_xor_si256(_mm256_xor_si256(v[c][0], v[c][1]), _mm256_xor_si256(v[c][2], v[c][3]));
      const __m128i low = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(h, odd));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + g + 4 * c), _mm_srli_epi32(low, 1));
    }
  }
}
#undef FWD_ABSORB2
#undef FWD_SIPROUND2
#undef FWD_ROL2_16
#undef FWD_ROL2_32
#undef FWD_ROL2

std::atomic<detail::BatchIsa> isa_cap{detail::BatchIsa::best};
bool have_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes && isa_cap.load(std::memory_order_relaxed) == detail::BatchIsa::best;
}
bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes && isa_cap.load(std::memory_order_relaxed) != detail::BatchIsa::portable;
}
#else
std::atomic<detail::BatchIsa> isa_cap{detail::BatchIsa::best};
template <bool Mixed>
void plain_block_avx512(const PlainTable& s, const std::uint32_t* which, const std::uint32_t* lo, const std::uint32_t* hi,
                        const std::uint32_t* ports, const std::uint8_t* proto, std::uint32_t* out) {
  plain_block_scalar<Mixed>(s, which, lo, hi, ports, proto, out);
}
template <bool Mixed>
void plain_block_avx2(const PlainTable& s, const std::uint32_t* which, const std::uint32_t* lo, const std::uint32_t* hi,
                      const std::uint32_t* ports, const std::uint8_t* proto, std::uint32_t* out) {
  plain_block_scalar<Mixed>(s, which, lo, hi, ports, proto, out);
}
bool have_avx512() { return false; }
bool have_avx2() { return false; }
#endif

// What the fix-up of other protocols needs of a selector.
struct PlainSelector {
  const linux_mp::V4Midstates* mid;
  unsigned policy;
};

// out[i] = the multipath hash of row i of `k` under selector which[i] (Mixed) or selector 0:
// whole blocks read in place, the last partial block through a zero-padded copy. The lanes start
// from TCP's or UDP's state; a policy-1 row of another protocol (a flow description may carry
// any) is then hashed alone from its own.
template <bool Mixed>
void hash_plain_rows(const PlainTable& starts, const PlainSelector* sel, const std::uint32_t* which,
                     const PlainV4Columns& k, std::uint32_t* out) {
  auto* block = have_avx512() ? plain_block_avx512<Mixed> : have_avx2() ? plain_block_avx2<Mixed> : plain_block_scalar<Mixed>;
  std::size_t i = 0;
  for (; i + plain_block <= k.count; i += plain_block)
    block(starts, Mixed ? which + i : nullptr, k.lo + i, k.hi + i, k.ports + i, k.proto + i, out + i);
  if (i < k.count) {
    std::uint32_t w[plain_block] = {}, lo[plain_block] = {}, hi[plain_block] = {}, ports[plain_block] = {}, h[plain_block];
    std::uint8_t proto[plain_block] = {};
    const std::size_t r = k.count - i;
    if (Mixed) std::copy_n(which + i, r, w);
    std::copy_n(k.lo + i, r, lo);
    std::copy_n(k.hi + i, r, hi);
    std::copy_n(k.ports + i, r, ports);
    std::copy_n(k.proto + i, r, proto);
    block(starts, w, lo, hi, ports, proto, h);
    std::copy_n(h, r, out + i);
  }
  if (!Mixed && sel[0].policy != 1) return;
  // Counted first in a loop the compiler vectorises: the fix-up loop below, with a SipHash in its
  // body, cost 20% of the batch when run over rows that need nothing.
  std::size_t other = 0;
  for (std::size_t j = 0; j < k.count; ++j) other += (k.proto[j] != 6) & (k.proto[j] != 17);
  for (std::size_t j = 0; other && j < k.count; ++j) {
    const PlainSelector& se = sel[Mixed ? which[j] : 0];
    if (k.proto[j] == 6 || k.proto[j] == 17 || se.policy != 1) continue;
    hash::detail::SipState st = se.mid->state[k.proto[j]];
    st.absorb(std::uint64_t{k.ports[j]} << 32);
    st.absorb(std::uint64_t{k.lo[j]} << 32);
    st.absorb(k.hi[j]);
    st.absorb(std::uint64_t{48} << 56);
    out[j] = static_cast<std::uint32_t>(st.finish()) >> 1;
  }
}

// Every row under one selector's midstates and policy (0-2).
void hash_plain_columns(const linux_mp::V4Midstates& mid, unsigned policy, const PlainV4Columns& k, std::uint32_t* out) {
  PlainStart starts[2];
  plain_starts(mid, policy, starts);
  const PlainSelector sel{&mid, policy};
  hash_plain_rows<false>({starts}, &sel, nullptr, k, out);
}

// A block of plain keys in columns, filled row by row by a caller then hashed in one go.
struct PlainKeyBlock {
  static constexpr std::size_t capacity = 256;
  alignas(64) std::uint32_t lo[capacity], hi[capacity], ports[capacity];
  std::uint8_t proto[capacity];
  std::size_t n = 0;
  void push(const PlainV4Key& k) {
    lo[n] = k.lo, hi[n] = k.hi, ports[n] = k.ports, proto[n] = k.proto;
    ++n;
  }
  PlainV4Columns columns() const { return {lo, hi, ports, proto, n}; }
};

// Keys of any length (6 words for IPv4 keys, 9 for IPv6) hashed from the seed's key state, 16 lanes.
struct WordLanes16 {
  alignas(64) std::uint64_t w[9][16];
  std::uint32_t out[16];
};

void sipw_scalar(hash::SipKey key, WordLanes16& L, std::size_t nw) {
  for (std::size_t g = 0; g < 16; g += 4) {
    hash::detail::SipState s[4] = {hash::detail::SipState(key), hash::detail::SipState(key), hash::detail::SipState(key),
                                   hash::detail::SipState(key)};
    for (std::size_t k = 0; k < nw; ++k)
      for (std::size_t l = 0; l < 4; ++l) s[l].absorb(L.w[k][g + l]);
    for (std::size_t l = 0; l < 4; ++l) s[l].absorb(std::uint64_t{(nw * 8) & 0xff} << 56);
    for (std::size_t l = 0; l < 4; ++l) L.out[g + l] = static_cast<std::uint32_t>(s[l].finish());
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
__attribute__((target("avx512f"))) void sipw_avx512(hash::SipKey key, WordLanes16& L, std::size_t nw) {
  const hash::detail::SipState s0(key);
  __m512i a0 = _mm512_set1_epi64(static_cast<long long>(s0.v0)), a1 = _mm512_set1_epi64(static_cast<long long>(s0.v1)),
          a2 = _mm512_set1_epi64(static_cast<long long>(s0.v2)), a3 = _mm512_set1_epi64(static_cast<long long>(s0.v3));
  __m512i b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  for (std::size_t k = 0; k < nw; ++k) {
    const __m512i m = _mm512_load_si512(L.w[k]), n = _mm512_load_si512(L.w[k] + 8);
    FWD_ABSORB(a0, a1, a2, a3, m) FWD_ABSORB(b0, b1, b2, b3, n)
  }
  sip_finish_avx512(a0, a1, a2, a3, b0, b1, b2, b3, nw * 8, L.out);
}
#undef FWD_ABSORB
#undef FWD_SIPROUND
#pragma GCC diagnostic pop
#else
void sipw_avx512(hash::SipKey key, WordLanes16& L, std::size_t nw) { sipw_scalar(key, L, nw); }
#endif

}  // namespace

namespace {

constexpr std::string_view linux_keys =
    "policy, fields, seed, boot_seed, ignore_routes_with_linkdown, use_neigh";

}  // namespace

struct Ecmp::Impl {
  // Far above real routers (Linux groups hold up to 256 members of weight <= 256); keeps the
  // weight-expanded vendor list and every table bounded.
  static constexpr std::size_t max_nexthops = 4096;
  std::string spec;
  System system = System::linux_6_18;
  LinuxConfig lc;
  linux_mp::Config mc;
  std::string rss_key_name = "microsoft";
  std::optional<hash::toeplitz::Key> rss_key;
  hash::vendor::Config vendor;
  PathSet ps;
  std::vector<std::int64_t> bounds;   // hash-threshold upper bounds (multipath, groups)
  std::vector<std::int32_t> live;     // resilient: table member -> nexthop index
  ResilientTable table;
  bool table_built = false;
  std::vector<std::int32_t> slots;    // freebsd compiled nhops / vendor weighted list
  std::shared_ptr<const linux_mp::V4Midstates> v4_mid;  // batch fast path (immutable, shared by copies)

  bool is_linux() const { return system == System::linux_6_18 || system == System::linux_6_12; }

  // ---- validation and derived state ---------------------------------------------------------
  void validate(std::vector<NextHop>& nhs) const {
    if (nhs.empty()) throw Error("a path set needs at least one next hop");
    if (nhs.size() > max_nexthops)
      throw Error("a path set of " + std::to_string(nhs.size()) + " next hops: expected 1 to " +
                  std::to_string(max_nexthops));
    const bool group = ps.kind != GroupKind::multipath;
    bool any_id = false;
    for (const auto& n : nhs) any_id |= n.id != 0;
    for (std::size_t i = 0; i < nhs.size(); ++i) {
      auto& n = nhs[i];
      if (n.weight < 1 || n.weight > 256)
        throw Error("next hop " + std::to_string(i) + " (" + n.to_string() + ") has weight " + std::to_string(n.weight) +
                    ": expected 1 to 256");
      if (n.prefsrc && n.prefsrc->family != ps.family)
        throw Error("next hop " + std::to_string(i) + " prefsrc " + n.prefsrc->to_string() +
                    " is not of the route's family");
      if (group && !any_id) n.id = static_cast<std::uint32_t>(i + 1);  // implicit ids 1..n
      if (group) {
        if (n.id == 0) throw Error("group member " + std::to_string(i) + " has id 0: expected ids 1 to 4294967295");
        for (std::size_t j = 0; j < i; ++j)
          if (nhs[j].id == n.id) throw Error("group member id " + std::to_string(n.id) + " appears twice");
      }
    }
  }

  bool in_hash(const NextHop& n) const {
    switch (system) {
      case System::linux_6_18: case System::linux_6_12:
        if (ps.kind == GroupKind::multipath) return !n.dead && !(lc.ignore_linkdown && n.linkdown);
        return !n.dead;  // nexthop objects of a downed device leave their groups
      default:
        return !n.dead && !n.linkdown;
    }
  }

  void rebuild(Time now) {
    const auto& nhs = ps.nexthops;
    bounds.clear();
    slots.clear();
    if (system == System::freebsd_13) { compile_freebsd(); return; }
    if (system == System::vendor) {
      for (std::size_t i = 0; i < nhs.size(); ++i)
        if (in_hash(nhs[i])) slots.insert(slots.end(), nhs[i].weight, static_cast<std::int32_t>(i));
      return;
    }
    if (ps.kind == GroupKind::resilient) {
      std::vector<ResilientTable::Member> members;
      live.clear();
      for (std::size_t i = 0; i < nhs.size(); ++i)
        if (in_hash(nhs[i])) {
          members.push_back({nhs[i].id, nhs[i].weight});
          live.push_back(static_cast<std::int32_t>(i));
        }
      if (!table_built) {
        table = ResilientTable(ps.num_buckets, ps.idle_timer, ps.unbalanced_timer);
        if (ps.buckets.empty()) table.create(members, now);
        else table.load(members, ps.buckets, now);
        table_built = true;
      } else {
        table.change(members, now);
      }
      return;
    }
    // fib_rebalance / nh_hthr_group_rebalance: round-half-up((w << 31) / total) - 1, dead -1.
    std::uint64_t total = 0;
    for (const auto& n : nhs)
      if (in_hash(n)) total += n.weight;
    std::uint64_t w = 0;
    for (const auto& n : nhs) {
      if (!in_hash(n) || total == 0) { bounds.push_back(-1); continue; }
      w += n.weight;
      bounds.push_back(static_cast<std::int64_t>(((w << 31) + total / 2) / total) - 1);
    }
  }

  // FreeBSD nhgrp_ctl.c: calc_min_mpath_slots + compile_nhgrp (from FreeBSD source knowledge).
  void compile_freebsd() {
    const auto& nhs = ps.nexthops;
    std::vector<std::int32_t> idx;
    for (std::size_t i = 0; i < nhs.size(); ++i)
      if (in_hash(nhs[i])) idx.push_back(static_cast<std::int32_t>(i));
    if (idx.empty()) return;
    std::vector<std::uint64_t> ws;
    for (auto i : idx) ws.push_back(nhs[static_cast<std::size_t>(i)].weight);
    std::vector<std::uint64_t> sorted = ws;
    std::sort(sorted.begin(), sorted.end());
    std::uint64_t total = 0, last = 0, xmin = sorted[0];
    for (auto v : sorted) {
      total += v;
      if (v != last && (v - last < xmin || xmin == 0)) xmin = v - last;
      last = v;
    }
    std::uint64_t num = total / xmin;
    bool exact = total % xmin == 0;
    for (auto v : ws) exact = exact && v % xmin == 0;
    if (!exact || num > 64) num = 64;  // RIB_MAX_MPATH_WIDTH
    std::uint64_t rem_sum = total, rem_slots = num;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::uint64_t n = rem_sum ? ws[k] * rem_slots / rem_sum : 0;
      rem_sum -= ws[k];
      rem_slots -= n;
      slots.insert(slots.end(), n, idx[k]);
    }
  }

  // ---- hashing --------------------------------------------------------------------------------
  bool skb_path(const Flow& f, Lookup l) const {
    if (l == Lookup::socket) return false;
    if (l == Lookup::packet) return true;
    return f.family == 4;  // ip route get: IPv4 builds a dummy packet, IPv6 hashes the flow (§4.5)
  }

  /// skb->l4_hash: given, or (rx_hash_l4_auto) what __skb_get_hash would have set for this packet:
  /// ports or a flow label in the dissected keys (an IPv6 outer label alone suffices: the software
  /// hash stops at the flow label).
  bool use_rx(net::Bytes p, const Meta& m) const {
    if (mc.policy != 1 || !m.rx_hash) return false;
    if (!m.rx_hash_l4_auto) return m.rx_hash_l4;
    const std::uint16_t proto = linux_mp::ethertype(ps.family);
    if (proto == linux_mp::eth_ipv6 && p.size() >= 4 && (net::be32(p.data()) & 0xfffff)) return true;
    const linux_mp::Dissected d = linux_mp::dissect(p, proto, false);
    return d.ports != 0 || d.flow_label != 0;
  }

  std::uint32_t linux_packet(net::Bytes p, const Meta& m, linux_mp::Trace* t) const {
    if (use_rx(p, m)) {
      if (t) t->path = "receive hash: skb->l4_hash set, policy 1 uses skb->hash >> 1 (spec §4.2)", t->rx_hash_used = true;
      return *m.rx_hash;
    }
    return linux_mp::skb_hash(mc, p, ps.family, t);
  }

  std::uint32_t linux_flow(const Flow& f, const Meta& m, linux_mp::Trace* t) const {
    if (skb_path(f, m.lookup)) {
      std::uint8_t buf[80];
      const std::size_t n = linux_mp::build_packet(f, buf);
      return linux_packet(net::Bytes(buf, n), m, t);
    }
    return linux_mp::flow_hash(mc, f, t);
  }

  // The FreeBSD flowid: the receive hash, else the Toeplitz RSS hash of the tuple.
  std::uint32_t freebsd_tuple(const std::uint8_t* src, const std::uint8_t* dst, bool v6, std::uint8_t proto,
                              const std::uint8_t* ports, std::vector<std::uint8_t>* shown) const {
    std::uint8_t in[36];
    const std::size_t a = v6 ? 16 : 4;
    std::memcpy(in, src, a);
    std::memcpy(in + a, dst, a);
    std::size_t n = 2 * a;
    if ((proto == 6 || proto == 17) && ports) std::memcpy(in + n, ports, 4), n += 4;
    if (shown) shown->assign(in, in + n);
    return hash::toeplitz::hash_input(*rss_key, net::Bytes(in, n));
  }

  std::uint32_t freebsd_packet(net::Bytes p, const Meta& m, Explanation* ex) const {
    if (m.rx_hash) {
      if (ex) ex->path = "mbuf flowid (receive hash)";
      return *m.rx_hash;
    }
    if (ex) ex->path = "no flowid on the mbuf: Toeplitz RSS hash of the tuple with key=" + rss_key_name;
    const std::uint8_t zero[32] = {};
    if (p.size() >= 20 && (p[0] >> 4) == 4) {
      const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
      const bool frag = net::be16(p.data() + 6) & 0x3fff;
      const std::uint8_t* ports = (!frag && net::fits(p.size(), ihl, 4)) ? p.data() + ihl : nullptr;
      return freebsd_tuple(p.data() + 12, p.data() + 16, false, p[9], ports, ex ? &ex->hashed : nullptr);
    }
    if (p.size() >= 40 && (p[0] >> 4) == 6) {
      const std::uint8_t* ports = net::fits(p.size(), 40, 4) ? p.data() + 40 : nullptr;
      return freebsd_tuple(p.data() + 8, p.data() + 24, true, p[6], ports, ex ? &ex->hashed : nullptr);
    }
    return freebsd_tuple(zero, zero, ps.family == Family::ipv6, 0, nullptr, ex ? &ex->hashed : nullptr);
  }

  std::uint32_t vendor_packet(net::Bytes p, Explanation* ex) const {
    std::uint8_t frame[14 + 114] = {};
    const bool v6 = !p.empty() ? (p[0] >> 4) == 6 : ps.family == Family::ipv6;
    frame[12] = v6 ? 0x86 : 0x08;
    frame[13] = v6 ? 0xdd : 0x00;
    const std::size_t n = std::min<std::size_t>(p.size(), sizeof frame - 14);
    if (n) std::memcpy(frame + 14, p.data(), n);  // an empty span may be null
    hash::NoTrace nt;
    const std::uint32_t h = hash::vendor::hash(vendor, net::Bytes(frame, 14 + n), net::PacketMeta{}, nt);
    if (ex) ex->path = "vendor hash model (fwd/hash/vendor.hpp) over an Ethernet frame carrying the packet";
    return h;
  }

  /// The selection value for a packet.
  std::uint32_t value(net::Bytes p, const Meta& m, linux_mp::Trace* t, Explanation* ex) const {
    switch (system) {
      case System::freebsd_13: return freebsd_packet(p, m, ex);
      case System::vendor: return vendor_packet(p, ex);
      default: return linux_packet(p, m, t) >> 1;
    }
  }
  std::uint32_t value(const Flow& f, const Meta& m, linux_mp::Trace* t, Explanation* ex) const {
    switch (system) {
      case System::freebsd_13: {
        if (m.rx_hash) {
          if (ex) ex->path = "mbuf flowid (receive hash)";
          return *m.rx_hash;
        }
        if (ex) ex->path = "no flowid: Toeplitz RSS hash of the flow's tuple with key=" + rss_key_name;
        std::uint8_t ports[4] = {static_cast<std::uint8_t>(f.sport >> 8), static_cast<std::uint8_t>(f.sport),
                                 static_cast<std::uint8_t>(f.dport >> 8), static_cast<std::uint8_t>(f.dport)};
        return freebsd_tuple(f.src.data(), f.dst.data(), f.family == 6, f.effective_proto(), ports,
                             ex ? &ex->hashed : nullptr);
      }
      case System::vendor: {
        std::uint8_t buf[80];
        const std::size_t n = linux_mp::build_packet(f, buf);
        return vendor_packet(net::Bytes(buf, n), ex);
      }
      default: return linux_flow(f, m, t) >> 1;
    }
  }

  // ---- selection ------------------------------------------------------------------------------
  /// Source address for the IPv4 source-address preference (6.18 local lookups), or null.
  const std::uint8_t* pref_src(const Meta& m, const std::uint8_t* src4) const {
    if (system != System::linux_6_18 || ps.kind != GroupKind::multipath || ps.family != Family::ipv4) return nullptr;
    if (m.lookup != Lookup::local && m.lookup != Lookup::socket) return nullptr;
    if (!src4 || net::le32(src4) == 0) return nullptr;
    return src4;
  }

  std::int32_t choose(std::uint32_t h, const Meta& m, const std::uint8_t* src4, bool mark, std::string* step) const {
    const auto& nhs = ps.nexthops;
    const auto n = static_cast<std::int32_t>(nhs.size());
    switch (system) {
      case System::freebsd_13:
      case System::vendor: {
        if (slots.empty()) { if (step) *step = "no usable next hop"; return no_path; }
        const std::uint32_t s = h % static_cast<std::uint32_t>(slots.size());
        if (step)
          *step = std::string(system == System::vendor ? "hash % " : "flowid % ") + std::to_string(slots.size()) +
                  (system == System::vendor ? " weighted live paths = " : " slots (nhg_size) = ") + std::to_string(s);
        return slots[s];
      }
      default: break;
    }
    if (ps.kind == GroupKind::resilient) {
      const std::int32_t owner = table.peek(h);
      if (step) *step = "bucket h % " + std::to_string(table.size()) + " = " + std::to_string(h % table.size()) +
                        (owner < 0 ? " is empty" : " owned by member id " + std::to_string(table.members()[static_cast<std::size_t>(owner)].id));
      (void)mark;
      return owner < 0 ? no_path : live[static_cast<std::size_t>(owner)];
    }
    if (ps.kind == GroupKind::hash_threshold) {
      // nexthop_select_path_hthr: unusable neighbours skipped, first usable is the fallback.
      std::int32_t first = no_path;
      for (std::int32_t i = 0; i < n; ++i) {
        if (bounds[static_cast<std::size_t>(i)] < 0 || !nhs[static_cast<std::size_t>(i)].neigh_valid) continue;
        if (first == no_path) first = i;
        if (static_cast<std::int64_t>(h) > bounds[static_cast<std::size_t>(i)]) continue;
        if (step) *step = "first usable member with upper bound >= h";
        return i;
      }
      if (first == no_path)
        for (std::int32_t i = 0; i < n && first == no_path; ++i)
          if (bounds[static_cast<std::size_t>(i)] >= 0) first = i;
      if (step) *step = "no usable member at or after h: first usable member";
      return first;
    }
    // Legacy multipath route.
    const bool v4 = ps.family == Family::ipv4;
    const bool use_neigh = v4 && lc.use_neigh;
    if (system == System::linux_6_12 || !v4) {
      std::int32_t first = no_path;
      for (std::int32_t i = 0; i < n; ++i) {
        const auto& nh = nhs[static_cast<std::size_t>(i)];
        if (use_neigh) {
          if (!nh.neigh_valid) continue;
          if (first == no_path) first = i;
        }
        if (static_cast<std::int64_t>(h) > bounds[static_cast<std::size_t>(i)]) continue;
        if (step) *step = "first path with upper bound >= h";
        return i;
      }
      if (step) *step = first == no_path ? "no live path" : "no valid neighbour at or after h: first valid one";
      return first;
    }
    // 6.18 IPv4 (spec §5.1): score = 2 (path source == flow source) + 1 (h <= bound); first strictly
    // higher score wins; stop at 3, or at 1 when the flow has no source.
    const std::uint8_t* src = pref_src(m, src4);
    std::int32_t best = no_path;
    int best_score = -1;
    for (std::int32_t i = 0; i < n; ++i) {
      const auto& nh = nhs[static_cast<std::size_t>(i)];
      const std::int64_t ub = bounds[static_cast<std::size_t>(i)];
      if (ub < 0 || (use_neigh && !nh.neigh_valid)) continue;
      int score = static_cast<std::int64_t>(h) <= ub ? 1 : 0;
      if (src && nh.prefsrc && std::memcmp(nh.prefsrc->bytes.data(), src, 4) == 0) score += 2;
      if (score > best_score) best = i, best_score = score;
      if (score == 3 || (score == 1 && !src)) break;
    }
    if (step) {
      if (!src) *step = "first live path with upper bound >= h";
      else *step = "source-address preference (6.18, local IPv4): best score " + std::to_string(best_score) +
                   " (2 = path source matches, +1 = h <= upper bound)";
    }
    return best;
  }

  std::int32_t select_value(std::uint32_t h, const Meta& m, const std::uint8_t* src4) {
    if (is_linux() && ps.kind == GroupKind::resilient) {
      if (table.next_upkeep()) table.run(m.now);
      const std::int32_t owner = table.lookup(h, m.now);
      return owner < 0 ? no_path : live[static_cast<std::size_t>(owner)];
    }
    return choose(h, m, src4, true, nullptr);
  }

  /// The Linux flow keys (as SipHash words, symmetric order applied) that hashing `f` under policy
  /// 0, 1 or 2 would build, without building and dissecting the packet: the packets build_packet
  /// makes carry no encapsulation, extension header or ICMP error, so the keys follow from the flow
  /// directly (ports only in a TCP/UDP header on the skb path; flow labels raw on the flow path and
  /// under policy 0, host order under policy 2 on the skb path). Returns the word count (6 or 9),
  /// or 0 when the flow is not of the route's family (the caller hashes that row the long way).
  std::size_t flow_words(const Flow& f, Lookup lk, std::uint64_t (&w)[9]) const {
    const bool v6 = ps.family == Family::ipv6;
    if ((f.family == 6) != v6) return 0;
    const bool skb = skb_path(f, lk);
    const std::uint8_t proto = f.effective_proto();
    const unsigned pol = mc.policy;
    std::uint32_t ports = 0;
    if (pol == 1 && (!skb || proto == 6 || proto == 17))
      ports = (std::uint32_t{__builtin_bswap16(f.dport)} << 16) | __builtin_bswap16(f.sport);
    const auto ps16 = static_cast<std::uint16_t>(ports & 0xffff), pd16 = static_cast<std::uint16_t>(ports >> 16);
    if (pd16 < ps16) ports = (std::uint32_t{ps16} << 16) | pd16;
    std::uint8_t kp = pol == 1 ? proto : 0;
    std::uint32_t label = 0;
    if (v6) {
      kp = proto;
      const std::uint32_t fl = f.flowlabel & 0xfffff;
      if (pol == 0 || (pol == 2 && !skb)) label = __builtin_bswap32(fl);
      else if (pol == 2) label = fl;
    }
    w[0] = (std::uint64_t{kp} << 16) | (std::uint64_t{label} << 32);
    w[1] = w[2] = 0;
    w[3] = std::uint64_t{ports} << 32;
    if (!v6) {
      std::uint32_t a = net::le32(f.src.data()), b = net::le32(f.dst.data());
      if (b < a) std::swap(a, b);
      w[4] = std::uint64_t{a} << 32;
      w[5] = b;
      return 6;
    }
    const bool swap = std::memcmp(f.dst.data(), f.src.data(), 16) < 0;
    const std::uint8_t* a = swap ? f.dst.data() : f.src.data();
    const std::uint8_t* b = swap ? f.src.data() : f.dst.data();
    std::uint64_t a1, b1;
    std::memcpy(&a1, a + 4, 8);
    std::memcpy(&b1, b + 4, 8);
    w[4] = std::uint64_t{net::le32(a)} << 32;
    w[5] = a1;
    w[6] = net::le32(a + 12) | (std::uint64_t{net::le32(b)} << 32);
    w[7] = b1;
    w[8] = net::le32(b + 12);
    return 9;
  }

  /// The generic batch: the system's hash and the path set's rule are chosen once, outside the
  /// row loop (each combination is its own instantiated loop).
  template <class Row, class Src>
  void rows(std::size_t n, const Meta& meta, const std::uint32_t* rx, std::int32_t* out, Row row, Src src) {
    Meta m = meta;
    auto loop = [&](auto hash_of, auto pick) {
      for (std::size_t i = 0; i < n; ++i) {
        if (rx) m.rx_hash = rx[i];
        const auto& r = row(i);
        out[i] = pick(hash_of(r), r);
      }
    };
    auto threshold = [&](std::uint32_t h, const auto& r) { return choose(h, m, src(r), true, nullptr); };
    auto bucket = [&](std::uint32_t h, const auto&) {
      if (table.next_upkeep()) table.run(m.now);
      const std::int32_t owner = table.lookup(h, m.now);
      return owner < 0 ? no_path : live[static_cast<std::size_t>(owner)];
    };
    switch (system) {
      case System::freebsd_13:
        return loop([&](const auto& r) { return value(r, m, nullptr, nullptr); }, threshold);
      case System::vendor:
        return loop([&](const auto& r) { return value(r, m, nullptr, nullptr); }, threshold);
      default: {
        auto lh = [&](const auto& r) {
          if constexpr (std::is_same_v<std::decay_t<decltype(r)>, Flow>) return linux_flow(r, m, nullptr) >> 1;
          else return linux_packet(r, m, nullptr) >> 1;
        };
        if (ps.kind == GroupKind::resilient) return loop(lh, bucket);
        return loop(lh, threshold);
      }
    }
  }

  static const std::uint8_t* packet_src4(net::Bytes p) {
    return p.size() >= 20 && (p[0] >> 4) == 4 ? p.data() + 12 : nullptr;
  }
  static const std::uint8_t* flow_src4(const Flow& f) {
    return f.family == 4 && (f.flags & flow_has_src) ? f.src.data() : nullptr;
  }

  Explanation explain_common(std::uint32_t v, const linux_mp::Trace& t, Explanation ex, const Meta& m,
                             const std::uint8_t* src4) const {
    ex.spec = spec;
    ex.follows = follows();
    if (is_linux()) {
      ex.path = t.path;
      ex.hashed = t.hashed;
      ex.inner_hashed = t.inner_hashed;
      ex.outer_hash = t.outer;
      ex.inner_hash = t.inner;
      ex.hash = v;
      ex.h = v >> 1;
      if (!t.hashed.empty()) ex.fields = describe(t.hashed);
      if (!t.inner_hashed.empty())
        for (auto& f : describe(t.inner_hashed)) ex.fields.push_back("inner." + f);
    } else {
      ex.hash = v;
      ex.h = v;
    }
    ex.upper_bounds = bounds;
    const std::uint32_t h = ex.h;
    if (is_linux() && ps.kind == GroupKind::resilient) ex.bucket = h % table.size();
    else if (!slots.empty()) ex.bucket = h % static_cast<std::uint32_t>(slots.size());
    ex.chosen = choose(h, m, src4, false, &ex.step);
    if (ex.chosen >= 0) ex.nexthop = ps.nexthops[static_cast<std::size_t>(ex.chosen)].to_string();
    return ex;
  }

  /// The flow_keys fields of hashed bytes (already in symmetric order).
  static std::vector<std::string> describe(const std::vector<std::uint8_t>& b) {
    std::vector<std::string> f;
    auto addr = [&](std::size_t off, bool v6) {
      Address a;
      a.family = v6 ? Family::ipv6 : Family::ipv4;
      std::memcpy(a.bytes.data(), b.data() + off, v6 ? 16 : 4);
      return a.to_string();
    };
    f.push_back("ip_proto=" + std::to_string(b[2]));
    f.push_back("flow_label(mem)=" + hexbytes({b.begin() + 4, b.begin() + 8}));
    f.push_back("src_port=" + std::to_string(net::be16(b.data() + 28)));
    f.push_back("dst_port=" + std::to_string(net::be16(b.data() + 30)));
    if (b.size() == 48) f.push_back("src=" + addr(36, false)), f.push_back("dst=" + addr(40, false));
    else if (b.size() == 72) f.push_back("src=" + addr(36, true)), f.push_back("dst=" + addr(52, true));
    else f.push_back("addr_type=none");
    return f;
  }

  std::string follows() const {
    switch (system) {
      case System::linux_6_18:
        return "Linux 6.18 fib_multipath_hash / rt6_multipath_hash and path selection (recorded on 6.18.44; "
               "shared/specs/linux-ecmp.md)";
      case System::linux_6_12:
        return "Linux 6.12 (6.18 without the IPv4 source-address preference of local lookups, spec §5.1/§8)";
      case System::freebsd_13:
        return "FreeBSD 13+ ROUTE_MPATH: nhgrp nhops[flowid % nhg_size] with weight-compiled slots (from FreeBSD "
               "source knowledge, not recorded)";
      case System::vendor:
        return "libfwd vendor hash model with a per-device seed, hash % weighted live paths (NOT bit-exact to any "
               "device)";
    }
    return "";
  }

  void build_spec() {
    std::string s(name(system));
    if (is_linux()) {
      s += ":policy=" + std::to_string(lc.policy);
      if (lc.policy == 3) {
        char b[16];
        std::snprintf(b, sizeof b, "0x%x", lc.fields);
        s += ";fields=" + std::string(b);
      }
      s += ";seed=" + hex32(lc.seed);
      if (lc.seed == 0) s += ";boot_seed=" + hex32(lc.boot_seed);
      if (lc.ignore_linkdown) s += ";ignore_routes_with_linkdown=1";
      if (lc.use_neigh) s += ";use_neigh=1";
    } else if (system == System::freebsd_13) {
      s += ":key=" + rss_key_name;
    } else {
      s += ":fields=";
      std::string fl;
      for (std::size_t i = 0; i < hash::vendor::field_count; ++i)
        if (vendor.fields & (1u << i)) fl += (fl.empty() ? "" : ",") + std::string(hash::vendor::field_names[i]);
      s += fl + ";function=" + std::string(hash::vendor::name(vendor.function)) + ";seed=" + hex32(vendor.seed);
      if (vendor.rotate) s += ";rotate=" + std::to_string(vendor.rotate);
    }
    spec = s;
  }
};

// ---- construction ---------------------------------------------------------------------------------

Ecmp::Ecmp(std::unique_ptr<Impl> p) : impl_(std::move(p)) {}
Ecmp::Ecmp(const Ecmp& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
Ecmp::Ecmp(Ecmp&&) noexcept = default;
Ecmp& Ecmp::operator=(const Ecmp& o) {
  if (this != &o) impl_ = std::make_unique<Impl>(*o.impl_);
  return *this;
}
Ecmp& Ecmp::operator=(Ecmp&&) noexcept = default;
Ecmp::~Ecmp() = default;

Ecmp Ecmp::from_spec(std::string_view spec_in, PathSet paths) {
  auto p = std::make_unique<Impl>();
  const std::string_view spec = trim(spec_in);
  const std::size_t colon = spec.find(':');
  const std::string_view sys = trim(spec.substr(0, colon));
  if (sys == "linux-6.18") p->system = System::linux_6_18;
  else if (sys == "linux-6.12") p->system = System::linux_6_12;
  else if (sys == "freebsd-13" || sys == "freebsd") p->system = System::freebsd_13;
  else if (sys == "vendor") p->system = System::vendor;
  else
    throw Error("unknown ECMP system '" + std::string(sys) + "' in \"" + std::string(spec) +
                "\": expected linux-6.18, linux-6.12, freebsd-13 (alias freebsd), vendor");
  std::string_view rest = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  bool fields_given = false;
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    const std::string_view tok = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    if (tok.empty()) continue;
    const std::size_t eq = tok.find('=');
    if (eq == std::string_view::npos)
      throw Error("bad ECMP option '" + std::string(tok) + "' in \"" + std::string(spec) + "\": expected key=value");
    const std::string_view key = trim(tok.substr(0, eq)), val = trim(tok.substr(eq + 1));
    if (p->is_linux()) {
      if (key == "policy") p->lc.policy = static_cast<unsigned>(parse_number(spec, key, val, 3, "0, 1, 2 or 3"));
      else if (key == "fields") {
        p->lc.fields = static_cast<std::uint32_t>(parse_number(spec, key, val, 0xfff, "a bit mask 0x1 to 0xfff"));
        if (p->lc.fields == 0)
          throw Error("bad value '0' for fields in ECMP spec \"" + std::string(spec) +
                      "\": expected a bit mask 0x1 to 0xfff (the sysctl rejects 0)");
        fields_given = true;
      } else if (key == "seed") p->lc.seed = static_cast<std::uint32_t>(parse_number(spec, key, val, 0xffffffff, "0 to 0xffffffff"));
      else if (key == "boot_seed") p->lc.boot_seed = static_cast<std::uint32_t>(parse_number(spec, key, val, 0xffffffff, "0 to 0xffffffff"));
      else if (key == "ignore_routes_with_linkdown") p->lc.ignore_linkdown = parse_number(spec, key, val, 1, "0 or 1");
      else if (key == "use_neigh" || key == "fib_multipath_use_neigh") p->lc.use_neigh = parse_number(spec, key, val, 1, "0 or 1");
      else
        throw Error("unknown ECMP option '" + std::string(key) + "' for " + std::string(sys) + " in \"" +
                    std::string(spec) + "\": expected " + std::string(linux_keys));
    } else if (p->system == System::freebsd_13) {
      if (key != "key")
        throw Error("unknown ECMP option '" + std::string(key) + "' for freebsd-13 in \"" + std::string(spec) +
                    "\": expected key");
      p->rss_key_name = std::string(val);
    } else {
      if (key == "mapping" || key == "buckets")
        throw Error("ECMP option '" + std::string(key) + "' for vendor in \"" + std::string(spec) +
                    "\": expected fields, function, seed, rotate (next hops are picked by hash % weighted paths)");
      p->vendor.set(key, val);
    }
  }
  if (fields_given && p->lc.policy != 3) {
    // Accepted (the sysctl exists whatever the policy) but only policy 3 reads it.
  }
  if (p->system == System::freebsd_13) {
    const std::string& k = p->rss_key_name;
    if (k == "microsoft") p->rss_key.emplace(hash::toeplitz::microsoft_key);
    else if (k == "symmetric") p->rss_key.emplace(hash::toeplitz::symmetric_key);
    else {
      std::vector<std::uint8_t> bytes;
      std::string_view h = k;
      if (h.size() > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) h.remove_prefix(2);
      auto nib = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
      bool ok = h.size() % 2 == 0 && h.size() >= 8 && h.size() <= 128;
      for (std::size_t i = 0; ok && i < h.size(); i += 2) {
        const int a = nib(h[i]), b = nib(h[i + 1]);
        ok = a >= 0 && b >= 0;
        bytes.push_back(static_cast<std::uint8_t>(a * 16 + b));
      }
      if (!ok)
        throw Error("bad value '" + k + "' for key in ECMP spec \"" + std::string(spec) +
                    "\": expected microsoft, symmetric or 4 to 64 bytes of hex");
      p->rss_key.emplace(net::Bytes(bytes.data(), bytes.size()));
    }
  }
  if (p->system == System::vendor) p->vendor.validate();
  p->mc.policy = p->lc.policy;
  p->mc.fields = p->lc.fields;
  p->mc.key = linux_mp::sip_key(p->lc.effective_seed());
  // Built here, not on first use, so that batches over a shared Ecmp only read (8 KiB, ~10 us).
  if (p->is_linux()) p->v4_mid = std::make_shared<const linux_mp::V4Midstates>(p->mc.key);
  if (paths.kind == GroupKind::resilient) {
    if (paths.num_buckets < 1 || paths.num_buckets > 65535)
      throw Error("resilient group with " + std::to_string(paths.num_buckets) + " buckets: expected 1 to 65535");
    if (paths.idle_timer.ns < 0 || paths.unbalanced_timer.ns < 0)
      throw Error("resilient group timers must not be negative");
  }
  std::vector<NextHop> nhs = std::move(paths.nexthops);
  p->ps = std::move(paths);
  p->validate(nhs);
  p->ps.nexthops = std::move(nhs);
  p->build_spec();
  p->rebuild(Time{});
  return Ecmp(std::move(p));
}

const std::string& Ecmp::spec() const { return impl_->spec; }
System Ecmp::system() const { return impl_->system; }
std::string Ecmp::follows() const { return impl_->follows(); }
const LinuxConfig& Ecmp::linux_config() const { return impl_->lc; }
const PathSet& Ecmp::paths() const { return impl_->ps; }

// ---- control path -------------------------------------------------------------------------------

namespace {
void check_index(std::size_t i, std::size_t n) {
  if (i >= n)
    throw Error("next hop index " + std::to_string(i) + " out of range: the path set has " + std::to_string(n) +
                " next hops");
}
}  // namespace

void Ecmp::set_dead(std::size_t i, bool dead, Time now) {
  check_index(i, size());
  impl_->ps.nexthops[i].dead = dead;
  impl_->rebuild(now);
}
void Ecmp::set_linkdown(std::size_t i, bool linkdown, Time now) {
  check_index(i, size());
  impl_->ps.nexthops[i].linkdown = linkdown;
  impl_->rebuild(now);
}
void Ecmp::set_neigh_valid(std::size_t i, bool valid, Time now) {
  check_index(i, size());
  impl_->ps.nexthops[i].neigh_valid = valid;
  impl_->rebuild(now);
}
void Ecmp::replace(std::vector<NextHop> nexthops, Time now) {
  impl_->validate(nexthops);
  impl_->ps.nexthops = std::move(nexthops);
  impl_->rebuild(now);
}
void Ecmp::remove_nexthop(std::uint32_t id, Time now) {
  auto& nhs = impl_->ps.nexthops;
  const auto it = std::find_if(nhs.begin(), nhs.end(), [&](const NextHop& n) { return n.id == id; });
  if (it == nhs.end()) {
    std::string ids;
    for (const auto& n : nhs) ids += (ids.empty() ? "" : ", ") + std::to_string(n.id);
    throw Error("no next hop with id " + std::to_string(id) + ": the group has " + ids);
  }
  if (nhs.size() == 1) throw Error("cannot delete nexthop " + std::to_string(id) + ": it is the group's last member");
  nhs.erase(it);
  impl_->rebuild(now);
}
void Ecmp::run(Time now) {
  if (impl_->is_linux() && impl_->ps.kind == GroupKind::resilient) impl_->table.run(now);
}
std::vector<std::int64_t> Ecmp::upper_bounds() const { return impl_->bounds; }
std::vector<std::int32_t> Ecmp::buckets() const {
  std::vector<std::int32_t> v;
  if (!impl_->is_linux() || impl_->ps.kind != GroupKind::resilient) return v;
  for (std::size_t i = 0; i < impl_->table.size(); ++i) {
    const std::int32_t o = impl_->table.owner(i);
    v.push_back(o < 0 ? -1 : impl_->live[static_cast<std::size_t>(o)]);
  }
  return v;
}
std::vector<std::uint32_t> Ecmp::bucket_ids() const {
  std::vector<std::uint32_t> v;
  for (const auto m : buckets()) v.push_back(m < 0 ? 0 : impl_->ps.nexthops[static_cast<std::size_t>(m)].id);
  return v;
}

// ---- data path ----------------------------------------------------------------------------------

std::uint32_t Ecmp::hash(net::Bytes packet, const Meta& meta) const { return impl_->value(packet, meta, nullptr, nullptr); }
std::uint32_t Ecmp::hash(const Flow& flow, const Meta& meta) const { return impl_->value(flow, meta, nullptr, nullptr); }

std::int32_t Ecmp::select(net::Bytes packet, const Meta& meta) {
  return impl_->select_value(impl_->value(packet, meta, nullptr, nullptr), meta, Impl::packet_src4(packet));
}
std::int32_t Ecmp::select(const Flow& flow, const Meta& meta) {
  return impl_->select_value(impl_->value(flow, meta, nullptr, nullptr), meta, Impl::flow_src4(flow));
}
std::int32_t Ecmp::select_hash(std::uint32_t h, const Meta& meta, const Address* src) {
  const std::uint8_t* s = src && src->family == Family::ipv4 ? src->bytes.data() : nullptr;
  return impl_->select_value(h, meta, s);
}

void Ecmp::select_batch(std::span<const Flow> flows, std::int32_t* out, const Meta& meta,
                        const std::uint32_t* rx_hashes) {
  Impl& im = *impl_;
  const std::size_t n = flows.size();
  // The common case resolved once: Linux policy 1, IPv4 flows, skb path (route get / packet),
  // legacy route or hash-threshold group, no source preference: SipHash on words + bound scan.
  // Policies 0 and 2 hash IPv4 addresses only (ip_proto 0, ports 0: midstate 0) on both paths;
  // policy 1 needs the skb path (ports only in a TCP/UDP header) for the same shortcut.
  const unsigned pol = im.mc.policy;
  const bool fast = im.is_linux() && pol != 3 && im.ps.family == Family::ipv4 &&
                    im.ps.kind == GroupKind::multipath && (pol != 1 || meta.lookup != Lookup::socket) &&
                    !im.lc.use_neigh && !meta.rx_hash_l4_auto &&
                    (im.system == System::linux_6_12 || meta.lookup == Lookup::forward || meta.lookup == Lookup::packet);
  if (fast) {
    const linux_mp::V4Midstates& mid = *im.v4_mid;
    // Live bounds are increasing: the first bound >= v is the count of live bounds < v, so the
    // choice is a branch-free count (a data-dependent early exit mispredicts on random hashes).
    std::uint32_t live_ub[64];
    std::int32_t live_idx[65];
    std::size_t nb = 0;
    for (std::size_t j = 0; j < im.bounds.size() && nb < 64; ++j)
      if (im.bounds[j] >= 0) live_ub[nb] = static_cast<std::uint32_t>(im.bounds[j]), live_idx[nb++] = static_cast<std::int32_t>(j);
    const bool small = nb == im.bounds.size() || nb < 64;
    live_idx[nb] = no_path;
    const std::int64_t* ub = im.bounds.data();
    const std::size_t nball = im.bounds.size();
    const bool use_rx = pol == 1 && meta.rx_hash_l4 && (rx_hashes || meta.rx_hash);
    PlainKeyBlock K;
    std::uint32_t h[PlainKeyBlock::capacity];
    for (std::size_t i = 0; i < n; i += PlainKeyBlock::capacity) {
      const std::size_t m = std::min(PlainKeyBlock::capacity, n - i);
      // Keys first, hashes in one go (see hash_plain_columns).
      K.n = 0;
      for (std::size_t l = 0; l < m; ++l) {
        const Flow& f = flows[i + l];
        const std::uint8_t p = pol == 1 ? f.effective_proto() : 0;
        std::uint32_t a = net::le32(f.src.data()), b = net::le32(f.dst.data());
        // The dummy / described packet carries ports only in a TCP or UDP header.
        std::uint32_t ps = 0, pd = 0;
        if (p == 6 || p == 17) ps = __builtin_bswap16(f.sport), pd = __builtin_bswap16(f.dport);
        if (b < a) std::swap(a, b);   // symmetric ordering, as consistentify
        if (pd < ps) std::swap(ps, pd);
        K.push({a, b, (pd << 16) | ps, p});
      }
      hash_plain_columns(mid, pol, K.columns(), h);
      for (std::size_t l = 0; l < m; ++l) {
        std::uint32_t v = h[l];
        if (flows[i + l].family != 4) {  // not an IPv4 flow: the long way, as select() would
          Meta mr = meta;
          if (rx_hashes) mr.rx_hash = rx_hashes[i + l];
          v = im.value(flows[i + l], mr, nullptr, nullptr);
        } else if (use_rx) {
          v = (rx_hashes ? rx_hashes[i + l] : *meta.rx_hash) >> 1;
        }
        if (small) {
          std::uint32_t k = 0;
          for (std::size_t j = 0; j < nb; ++j) k += live_ub[j] < v;
          out[i + l] = live_idx[k];
        } else {
          std::int32_t c = no_path;
          for (std::size_t j = 0; j < nball; ++j)
            if (static_cast<std::int64_t>(v) <= ub[j]) { c = static_cast<std::int32_t>(j); break; }
          out[i + l] = c;
        }
      }
    }
    return;
  }
  if (im.is_linux() && im.mc.policy != 3 && !meta.rx_hash_l4_auto && std::endian::native == std::endian::little) {
    // Policies 0-2: keys built from the flow as words, 16 SipHash lanes; the selection rule per row.
    void (*lanes)(hash::SipKey, WordLanes16&, std::size_t) = have_avx512() ? sipw_avx512 : sipw_scalar;
    const bool use_rx = meta.rx_hash_l4 && (rx_hashes || meta.rx_hash) && im.mc.policy == 1;
    const bool plain = im.ps.kind == GroupKind::multipath && !im.lc.use_neigh &&
                       (im.system == System::linux_6_12 || im.ps.family == Family::ipv6 ||
                        meta.lookup == Lookup::forward || meta.lookup == Lookup::packet);
    Meta m = meta;
    WordLanes16 L;
    for (std::size_t i = 0; i < n; i += 16) {
      const std::size_t cnt = std::min<std::size_t>(16, n - i);
      std::size_t nw = 0;
      bool mixed = false;
      std::uint16_t odd = 0;  // rows hashed the long way (other family, or lanes of another key size)
      for (std::size_t l = 0; l < 16; ++l) {
        std::uint64_t w[9] = {};
        const std::size_t k = im.flow_words(flows[i + (l < cnt ? l : 0)], meta.lookup, w);
        if (k == 0 || (nw && k != nw)) { odd |= static_cast<std::uint16_t>(1u << l); mixed = true; continue; }
        nw = k;
        for (std::size_t j = 0; j < k; ++j) L.w[j][l] = w[j];
      }
      if (nw) lanes(im.mc.key, L, nw);
      (void)mixed;
      for (std::size_t l = 0; l < cnt; ++l) {
        const Flow& f = flows[i + l];
        const bool skb = im.skb_path(f, meta.lookup);
        if (rx_hashes) m.rx_hash = rx_hashes[i + l];
        std::uint32_t v;
        if (use_rx && skb) v = *m.rx_hash >> 1;
        else if (odd & (1u << l)) v = im.value(f, m, nullptr, nullptr);
        else v = (L.out[l] ? L.out[l] : 1) >> 1;
        if (plain) {
          std::int32_t c = no_path;
          for (std::size_t j = 0; j < im.bounds.size(); ++j)
            if (static_cast<std::int64_t>(v) <= im.bounds[j]) { c = static_cast<std::int32_t>(j); break; }
          out[i + l] = c;
        } else {
          out[i + l] = im.select_value(v, m, Impl::flow_src4(f));
        }
      }
    }
    return;
  }
  im.rows(n, meta, rx_hashes, out, [&](std::size_t i) -> const Flow& { return flows[i]; },
          [](const Flow& f) { return Impl::flow_src4(f); });
}

void Ecmp::select_batch(const PacketBatch& packets, std::int32_t* out, const Meta& meta,
                        const std::uint32_t* rx_hashes) {
  impl_->rows(packets.count, meta, rx_hashes, out, [&](std::size_t i) { return packets.row(i); },
              [](net::Bytes p) { return Impl::packet_src4(p); });
}

void Ecmp::hash_batch(std::span<const Flow> flows, std::uint32_t* out, const Meta& meta) const {
  for (std::size_t i = 0; i < flows.size(); ++i) out[i] = impl_->value(flows[i], meta, nullptr, nullptr);
}

namespace {
// Legacy multipath routes without neighbour checks and without the source preference (6.12, or
// a forwarded packet): the first live bound >= h, i.e. the count of live bounds below h.
template <class Im>
bool plain_threshold(const Im& im, const Meta& meta) {
  return im.is_linux() && im.ps.kind == GroupKind::multipath && !im.lc.use_neigh &&
         (im.system == System::linux_6_12 || meta.lookup == Lookup::forward || meta.lookup == Lookup::packet) &&
         im.bounds.size() <= 64;
}
}  // namespace

bool Ecmp::threshold_table(const Meta& meta, std::vector<std::uint32_t>& upper, std::vector<std::int32_t>& index) const {
  const Impl& im = *impl_;
  upper.clear();
  index.clear();
  if (!plain_threshold(im, meta)) return false;
  for (std::size_t j = 0; j < im.bounds.size(); ++j)
    if (im.bounds[j] >= 0) {
      upper.push_back(static_cast<std::uint32_t>(im.bounds[j]));
      index.push_back(static_cast<std::int32_t>(j));
    }
  index.push_back(no_path);
  return true;
}

void Ecmp::select_hash_batch(const std::uint32_t* h, std::size_t n, std::int32_t* out, const Meta& meta) {
  Impl& im = *impl_;
  const bool plain = plain_threshold(im, meta);
  if (!plain) {
    for (std::size_t i = 0; i < n; ++i) out[i] = im.select_value(h[i], meta, nullptr);
    return;
  }
  std::uint32_t live_ub[64];
  std::int32_t live_idx[65];
  std::size_t nb = 0;
  for (std::size_t j = 0; j < im.bounds.size(); ++j)
    if (im.bounds[j] >= 0) live_ub[nb] = static_cast<std::uint32_t>(im.bounds[j]), live_idx[nb++] = static_cast<std::int32_t>(j);
  live_idx[nb] = no_path;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t k = 0;
    for (std::size_t j = 0; j < nb; ++j) k += live_ub[j] < h[i];
    out[i] = live_idx[k];
  }
}

bool Ecmp::hashes_plain_v4(const Meta& meta) const {
  const Impl& im = *impl_;
  return im.is_linux() && im.mc.policy != 3 && im.ps.family == Family::ipv4 && !meta.rx_hash &&
         std::endian::native == std::endian::little;
}

void Ecmp::hash_plain_v4(const PlainV4Columns& keys, std::uint32_t* out) const {
  if (!hashes_plain_v4()) throw Error("hash_plain_v4: " + impl_->spec + " does not hash plain IPv4 keys (Linux policies 0-2 on an IPv4 route only)");
  hash_plain_columns(*impl_->v4_mid, impl_->mc.policy, keys, out);
}

struct PlainV4Hasher::Impl {
  std::vector<PlainStart> starts;  // two rows per selector (plain_starts)
  std::vector<PlainSelector> sel;
  std::vector<std::shared_ptr<const linux_mp::V4Midstates>> mids;  // what sel points into
};

PlainV4Hasher::PlainV4Hasher(std::span<const Ecmp* const> selectors) {
  auto im = std::make_shared<Impl>();
  im->starts.resize(2 * selectors.size());
  for (std::size_t w = 0; w < selectors.size(); ++w) {
    if (!selectors[w]) throw Error("PlainV4Hasher: selector " + std::to_string(w) + " is null");
    const Ecmp::Impl& e = *selectors[w]->impl_;
    if (!selectors[w]->hashes_plain_v4())
      throw Error("PlainV4Hasher: selector " + std::to_string(w) + " (" + e.spec +
                  ") does not hash plain IPv4 keys (Linux policies 0-2 on an IPv4 route only)");
    plain_starts(*e.v4_mid, e.mc.policy, im->starts.data() + 2 * w);
    im->sel.push_back({e.v4_mid.get(), e.mc.policy});
    im->mids.push_back(e.v4_mid);
  }
  impl_ = std::move(im);
}

std::size_t PlainV4Hasher::size() const { return impl_ ? impl_->sel.size() : 0; }

void PlainV4Hasher::hash(const PlainV4Columns& keys, const std::uint32_t* which, std::uint32_t* out) const {
  if (!keys.count) return;
  std::uint32_t top = 0, bottom = ~0u;
  for (std::size_t i = 0; i < keys.count; ++i) top = std::max(top, which[i]), bottom = std::min(bottom, which[i]);
  if (top >= size())
    throw Error("PlainV4Hasher: selector index " + std::to_string(top) + " out of range (" + std::to_string(size()) +
                " selectors)");
  // Rows of one selector start from broadcast states. Rows of up to 16 consecutive selectors
  // (every router of a tier, when the fabric numbers them in order) from a 32-row window.
  const Impl& im = *impl_;
  if (top == bottom) return hash_plain_rows<false>({im.starts.data() + 2 * top}, im.sel.data() + top, nullptr, keys, out);
  PlainTable table{im.starts.data()};
  alignas(64) std::uint64_t window[5 * 32];
  if (top - bottom < 16) {
    table.window_first = 2 * bottom;
    const std::size_t n = std::min<std::size_t>(32, im.starts.size() - table.window_first);
    for (std::size_t j = 0; j < 32; ++j)
      for (std::size_t w = 0; w < 5; ++w) {
        const PlainStart& r = im.starts[table.window_first + std::min(j, n - 1)];
        window[32 * w + j] = w < 4 ? r.v[w] : r.ports_mask;
      }
    table.window = window;
  }
  hash_plain_rows<true>(table, im.sel.data(), which, keys, out);
}

void Ecmp::hash_batch(std::span<const net::Bytes> packets, std::uint32_t* out, const Meta& meta) const {
  const Impl& im = *impl_;
  const std::size_t n = packets.size();
  if (!hashes_plain_v4(meta)) {
    for (std::size_t i = 0; i < n; ++i) out[i] = im.value(packets[i], meta, nullptr, nullptr);
    return;
  }
  // Plain packets' keys gathered into columns and hashed per block; others the long way as met.
  PlainKeyBlock K;
  std::uint32_t h[PlainKeyBlock::capacity];
  std::uint32_t row[PlainKeyBlock::capacity];
  for (std::size_t i = 0; i < n;) {
    K.n = 0;
    for (; i < n && K.n < PlainKeyBlock::capacity; ++i) {
      if (const auto k = plain_v4_key(packets[i])) {
        row[K.n] = static_cast<std::uint32_t>(i);
        K.push(*k);
      } else {
        out[i] = im.value(packets[i], meta, nullptr, nullptr);
      }
    }
    hash_plain_columns(*im.v4_mid, im.mc.policy, K.columns(), h);
    for (std::size_t l = 0; l < K.n; ++l) out[row[l]] = h[l];
  }
}

Explanation Ecmp::explain(net::Bytes packet, const Meta& meta) const {
  linux_mp::Trace t;
  Explanation ex;
  std::uint32_t v;
  if (impl_->is_linux()) v = impl_->linux_packet(packet, meta, &t);
  else v = impl_->value(packet, meta, nullptr, &ex);
  return impl_->explain_common(v, t, std::move(ex), meta, Impl::packet_src4(packet));
}

Explanation Ecmp::explain(const Flow& flow, const Meta& meta) const {
  linux_mp::Trace t;
  Explanation ex;
  std::uint32_t v;
  if (impl_->is_linux()) v = impl_->linux_flow(flow, meta, &t);
  else v = impl_->value(flow, meta, nullptr, &ex);
  return impl_->explain_common(v, t, std::move(ex), meta, Impl::flow_src4(flow));
}

// ---- text -----------------------------------------------------------------------------------------

std::string Explanation::to_text() const {
  std::string s = "spec     " + spec + "\nfollows  " + follows + "\nhash     " + path + "\n";
  if (!fields.empty()) {
    s += "fields  ";
    for (const auto& f : fields) s += " " + f;
    s += "\n";
  }
  if (!hashed.empty()) s += "hashed   " + hexbytes(hashed) + " (" + std::to_string(hashed.size()) + " bytes)\n";
  if (!inner_hashed.empty())
    s += "inner    " + hexbytes(inner_hashed) + " (" + std::to_string(inner_hashed.size()) + " bytes)\n";
  if (outer_hash || inner_hash)
    s += "combine  jhash_2words(" + hex32(outer_hash) + ", " + hex32(inner_hash) + ", 0)\n";
  s += "value    " + hex32(hash) + " -> h = " + hex32(h) + " (" + std::to_string(h) + ")\n";
  if (!upper_bounds.empty()) {
    s += "bounds  ";
    for (auto b : upper_bounds) s += " " + std::to_string(b);
    s += "\n";
  }
  if (bucket) s += "bucket   " + std::to_string(*bucket) + "\n";
  s += "step     " + step + "\n";
  s += "chosen   " + (chosen < 0 ? std::string("none") : std::to_string(chosen) + ": " + nexthop) + "\n";
  return s;
}

describe::json::value Explanation::to_json() const {
  namespace json = describe::json;
  json::array field_list(fields.begin(), fields.end()), bounds(upper_bounds.begin(), upper_bounds.end());
  return json::object{{"spec", spec},       {"follows", follows},
                      {"path", path},       {"fields", std::move(field_list)},
                      {"hashed", hexbytes(hashed)}, {"inner_hashed", hexbytes(inner_hashed)},
                      {"outer_hash", outer_hash},   {"inner_hash", inner_hash},
                      {"hash", hash},       {"h", h},
                      {"upper_bounds", std::move(bounds)},
                      {"bucket", bucket ? json::value(*bucket) : json::value(nullptr)},
                      {"step", step},       {"chosen", chosen},
                      {"nexthop", nexthop}};
}

std::string Ecmp::to_text() const {
  const auto& ps = impl_->ps;
  std::string s = spec() + "  " + std::string(name(ps.kind)) + " IPv" + (ps.family == Family::ipv6 ? "6" : "4") + "\n";
  for (std::size_t i = 0; i < ps.nexthops.size(); ++i) {
    s += "  " + std::to_string(i) + ": " + ps.nexthops[i].to_string();
    if (i < impl_->bounds.size()) s += "  upper_bound " + std::to_string(impl_->bounds[i]);
    s += "\n";
  }
  const auto b = bucket_ids();
  if (!b.empty()) {
    s += "  buckets:";
    for (auto id : b) s += " " + std::to_string(id);
    s += "\n";
  }
  return s;
}

describe::json::value Ecmp::to_json() const {
  namespace json = describe::json;
  const auto& ps = impl_->ps;
  json::array hops;
  for (const auto& n : ps.nexthops)
    hops.push_back(json::object{{"gw", n.gateway}, {"dev", n.device}, {"weight", n.weight}, {"id", n.id},
                                {"dead", n.dead}, {"linkdown", n.linkdown}});
  const auto b = bucket_ids();
  return json::object{{"spec", spec()},
                      {"kind", name(ps.kind)},
                      {"family", ps.family == Family::ipv6 ? 6 : 4},
                      {"nexthops", std::move(hops)},
                      {"upper_bounds", json::array(impl_->bounds.begin(), impl_->bounds.end())},
                      {"buckets", json::array(b.begin(), b.end())}};
}

void detail::set_batch_isa(BatchIsa cap) { isa_cap.store(cap, std::memory_order_relaxed); }

}  // namespace fwd::route
