#pragma once
/// \file
/// hash::Policy: one value type over every emulated hash family, named by a spec string.
///
/// A spec string is `family:options[;key=value...]`, the one way to name a hash policy in C++,
/// Python, the CLI and vector files (grammar in shared/vectors/README.md §3 and README.md):
///   freebsd-9.3:l2,l3,l4;key=0x1234abcd   freebsd-fnv:l3,l4;key=7   linux-6.12:layer3+4
///   ovs-3.1:balance-slb;basis=42          dpdk:l34                   toeplitz:ipv4_tcp;key=6d5a...
///   bmv2:crc16                            vendor:src_ip,dst_ip,src_port,dst_port;fn=crc16;seed=1
/// A Policy holds one concrete *hasher* in a std::variant. The variant is resolved once per call
/// (or once per batch through visit()), and each hasher inlines its family's walk, so the batch
/// loop is a straight loop over one concrete function. Each family names its index rule: plain
/// `hash % members` (FreeBSD, Linux, DPDK, bmv2, vendor modulo), OVS's bucket `hash & 0xff`,
/// Toeplitz's RETA `(hash & (reta_size-1)) % members`.
///
/// Thread rules: a Policy is immutable after construction; every const method may run
/// concurrently (the GIL is released around batch loops).

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fwd/describe/json_fwd.hpp"
#include "fwd/hash/crc.hpp"
#include "fwd/hash/dpdk.hpp"
#include "fwd/hash/freebsd.hpp"
#include "fwd/hash/linux.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/hash/toeplitz.hpp"
#include "fwd/hash/trace.hpp"
#include "fwd/hash/vendor.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash {

/// Frames per block in the two-pass batch kernels (hash_block): inputs of a block fit in L1.
inline constexpr std::size_t block_size = 64;

/// `h % n` for one member count n, without a divide per frame: Lemire's "fastmod" (Faster
/// Remainder by Direct Computation, 2019) with a 64-bit reciprocal computed once per batch, exact
/// for every 32-bit h and 32-bit n. A hash wider than 32 bits (bmv2 identity) takes the divide.
/// n = 0 gives 0 (only families whose index ignores or tolerates 0 members get there).
struct Modulus {
  std::uint32_t n;
  std::uint64_t reciprocal;
  explicit Modulus(std::uint32_t d) : n(d), reciprocal(d ? ~std::uint64_t{0} / d + 1 : 0) {}
  std::uint32_t operator()(std::uint64_t h) const {
    if (h >> 32) return n ? static_cast<std::uint32_t>(h % n) : 0;
    const std::uint64_t low = reciprocal * h;
    return static_cast<std::uint32_t>((static_cast<unsigned __int128>(low) * n) >> 64);
  }
};

/// FreeBSD lagg, 9.x/10.x hash32 or current FNV.
struct FreebsdHasher {
  freebsd::Options options;
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta& m, T& t) const {
    return freebsd::hash(f, m, options, t);
  }
  /// Batch (FNV): a block's inputs gathered first, then folded four equal-length inputs at a time
  /// (the byte-serial multiply chains of four frames overlap instead of running one after another).
  /// hash32 already folds four bytes per step and stays frame by frame.
  template <class Row> void hash_block(Row row, std::size_t n, std::uint64_t* out) const {
    const net::PacketMeta meta{};
    if (options.variant != freebsd::Variant::fnv) {
      for (std::size_t i = 0; i < n; ++i) out[i] = freebsd::hash(row(i), meta, options);
      return;
    }
    std::uint8_t in[block_size][freebsd::max_input];
    std::uint8_t len[block_size];
    for (std::size_t i = 0; i < n; ++i) len[i] = static_cast<std::uint8_t>(freebsd::gather(row(i), meta, options, in[i]));
    std::size_t i = 0;
    std::uint32_t h[4];
    for (; i + 4 <= n; i += 4) {
      if (len[i] == len[i + 1] && len[i] == len[i + 2] && len[i] == len[i + 3]) {
        const std::uint8_t* const lanes[4] = {in[i], in[i + 1], in[i + 2], in[i + 3]};
        freebsd::fnv_lanes<4>(options.key, lanes, len[i], h);
        for (std::size_t k = 0; k < 4; ++k) out[i + k] = h[k];
      } else {
        for (std::size_t k = 0; k < 4; ++k) out[i + k] = freebsd::detail::fnv1(options.key, in[i + k], len[i + k]);
      }
    }
    for (; i < n; ++i) out[i] = freebsd::detail::fnv1(options.key, in[i], len[i]);
  }
  std::uint32_t index(std::uint64_t h, const Modulus& m) const { return m(h); }
};

/// Linux bonding xmit_hash_policy, kernel 6.12.
struct LinuxHasher {
  linux_bond::XmitHashPolicy policy;
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta& m, T& t) const {
    return linux_bond::hash(f, m, policy, t);
  }
  std::uint32_t index(std::uint64_t h, const Modulus& m) const { return m(h); }
};

/// Open vSwitch 3.1 bond hash (generic build); the index is the bucket.
struct OvsHasher {
  ovs::BondMode mode;
  std::uint32_t basis;
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta& m, T& t) const {
    return ovs::hash(f, m, mode, basis, t);
  }
  std::uint32_t index(std::uint64_t h, const Modulus&) const { return static_cast<std::uint32_t>(h & 0xff); }
};

/// DPDK net/bonding balance transmit policies.
struct DpdkHasher {
  dpdk::XmitPolicy policy;
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta&, T& t) const {
    const auto r = dpdk::hash(f, policy, t);
    if constexpr (T::enabled) {
      if (!r.defined) t.note("DPDK would read past the end of this frame: result undefined (missing bytes taken as zero)");
    }
    return r.hash;
  }
  std::uint32_t index(std::uint64_t h, const Modulus& m) const { return m(h); }
};

/// Toeplitz RSS over the tuple of one of six hash types; the index goes through the RETA.
struct ToeplitzHasher {
  std::shared_ptr<const toeplitz::Key> key;  // byte tables: shared, not copied with the Policy
  toeplitz::HashType type;
  std::uint32_t reta_size = 128;
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta&, T& t) const {
    return toeplitz::hash(*key, f, type, t);
  }
  template <class T> std::uint64_t raw(net::Bytes input, T& t) const { return toeplitz::hash_input(*key, input, t); }
  std::uint32_t index(std::uint64_t h, const Modulus& m) const {
    return m(static_cast<std::uint32_t>(h) & (reta_size - 1));  // toeplitz::reta_index
  }
};

/// P4 bmv2 hash primitives over the 5-tuple field list {src, dst, proto, sport, dport}.
struct Bmv2Hasher {
  bmv2::Algorithm algorithm;
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta&, T& t) const {
    if constexpr (!T::enabled) return bmv2::hash_frame_fast(algorithm, f);
    std::array<std::uint8_t, 37> fields;
    const std::size_t len = bmv2::field_list(f, fields);
    return bmv2::hash(algorithm, net::Bytes(fields.data(), len), t);
  }
  template <class T> std::uint64_t raw(net::Bytes input, T& t) const { return bmv2::hash(algorithm, input, t); }
  std::uint32_t index(std::uint64_t h, const Modulus& m) const { return m(h); }
};

/// libfwd's vendor-style configurable model (not bit-exact to any product).
struct VendorHasher {
  vendor::Config config;
  /// The input layout of plain IPv4 TCP/UDP frames under this config (batch metadata), made once.
  vendor::PlainLayout plain{config, net::PacketMeta{}};
  /// A CRC function over that layout, straight from the frames (inactive for xor*, xxh3).
  vendor::PlainCrc plain_crc{plain, config.function};
  template <class T> std::uint64_t operator()(net::Bytes f, const net::PacketMeta& m, T& t) const {
    if constexpr (!T::enabled) {
      std::array<std::uint8_t, vendor::max_input> buf;
      const std::size_t n = vendor::gather(config, f, m, buf.data());
      return vendor::detail::apply(config.function, buf.data(), n, config.seed);
    }
    return vendor::hash(config, f, m, t);
  }
  /// Batch: every frame's input gathered first, then hashed in a second pass. Hashing right after
  /// the byte stores that built an input would stall on store-to-load forwarding (wide loads over
  /// narrow stores still in flight); a block later they come from L1.
  template <class Row> void hash_block(Row row, std::size_t n, std::uint64_t* out) const {
    const net::PacketMeta meta{};
    const vendor::Function f = config.function;
    const bool xor_n = vendor::detail::is_xor_n(f);  // xorN: byte XOR below the CRC-16/ARC high byte
    const Crc* crc = xor_n ? &detail::crc16_arc : vendor::crc_of(f);
    if (plain_crc.tables) {
      // A block of plain frames only (what captures mostly are): straight into the CRC.
      const std::uint8_t* src[block_size];
      bool all_plain = true;
      for (std::size_t i = 0; i < n; ++i) {
        const net::Bytes fr = row(i);
        all_plain &= fr.size() >= plain.min_frame && vendor::is_plain_ipv4_l4(fr);
        src[i] = fr.data();
      }
      if (all_plain) {
        plain_crc.block(src, n, out);
        return;
      }
    }
    if (crc && config.fields == vendor::preset::five_tuple) {
      // The 5-tuple of a plain IPv4 frame is src, dst (contiguous at 26), protocol (23), ports
      // (34): the CRC runs over the frame in place, continuing from the seed's register state.
      const std::uint8_t s[4] = {static_cast<std::uint8_t>(config.seed >> 24), static_cast<std::uint8_t>(config.seed >> 16),
                                 static_cast<std::uint8_t>(config.seed >> 8), static_cast<std::uint8_t>(config.seed)};
      const std::uint64_t seeded = crc->update(crc->start(), net::Bytes(s, 4));
      for (std::size_t i = 0; i < n; ++i) {
        const net::Bytes fr = row(i);
        if (vendor::is_plain_ipv4_l4(fr)) {
          const std::uint8_t* p = fr.data();
          const std::uint8_t rest[5] = {p[23], p[34], p[35], p[36], p[37]};
          const std::uint64_t reg = crc->update(crc->update(seeded, net::Bytes(p + 26, 8)), net::Bytes(rest, 5));
          if (xor_n) {
            unsigned x = s[0] ^ s[1] ^ s[2] ^ s[3] ^ rest[0] ^ rest[1] ^ rest[2] ^ rest[3] ^ rest[4];
            for (int k = 26; k < 34; ++k) x ^= p[k];
            out[i] = vendor::detail::xor_n(f, x, static_cast<std::uint32_t>(crc->finish(reg)));
          } else {
            out[i] = vendor::crc_result(f, crc->finish(reg));
          }
        } else {
          std::uint8_t in[vendor::max_input];
          const std::size_t len = vendor::gather<vendor::preset::five_tuple>(config, fr, meta, in);
          out[i] = vendor::detail::apply(f, in, len, config.seed);
        }
      }
      return;
    }
    // One spare row: PlainLayout::build writes up to 15 bytes past an input (into the next row).
    alignas(64) std::uint8_t in[block_size + 1][vendor::max_input];
    std::uint8_t len[block_size];
    if (config.fields == vendor::preset::five_tuple) {
      for (std::size_t i = 0; i < n; ++i)
        len[i] = static_cast<std::uint8_t>(vendor::gather<vendor::preset::five_tuple>(config, row(i), meta, in[i]));
    } else {
      // Any other field set: plain frames through the layout made once, run by run over the block
      // (the run's offsets stay in registers), then every other frame walked over its row.
      static constexpr std::uint8_t blank[vendor::max_input + 16] = {};
      const std::uint8_t* src[block_size];
      bool any_walked = false;
      for (std::size_t i = 0; i < n; ++i) {
        const net::Bytes fr = row(i);
        const bool fast = fr.size() >= plain.min_frame && vendor::is_plain_ipv4_l4(fr);
        src[i] = fast ? fr.data() : blank;  // a walked frame's row is rewritten below
        len[i] = static_cast<std::uint8_t>(plain.size);
        any_walked |= !fast;
      }
      plain.build_block(src, n, in);
      for (std::size_t i = 0; i < n && any_walked; ++i)
        if (src[i] == blank) len[i] = static_cast<std::uint8_t>(vendor::gather(config, row(i), meta, in[i]));
    }
    vendor::apply_block(config, in, len, n, out);
  }
  std::uint32_t index(std::uint64_t h, const Modulus& m) const {  // vendor::map, modulo by reciprocal
    if (m.n == 0) return 0;
    const unsigned w = vendor::width(config.function);
    const std::uint32_t mask = w == 32 ? ~0u : (1u << w) - 1;
    std::uint32_t x = static_cast<std::uint32_t>(h) & mask;
    const unsigned r = config.rotate < w ? config.rotate : config.rotate % w;
    if (r) x = ((x >> r) | (x << (w - r))) & mask;
    if (config.mapping == vendor::Mapping::buckets) x %= config.buckets ? config.buckets : 1;
    return m(x);
  }
};

/// What explain() returns: the walk, the hash and the member choice, as data, text and JSON.
struct Explanation {
  std::string spec;
  std::size_t frame_length = 0;
  std::string frame_summary;  ///< e.g. "IPv4 TCP 192.168.80.2:80 -> 192.168.0.17:30892"
  std::vector<TraceStep> steps;
  std::uint64_t hash = 0;
  std::uint32_t members = 0;
  std::uint32_t index = 0;
  std::string index_rule;  ///< e.g. "0x4fd006c2 % 2 = 0"

  std::string to_text() const;
  /// The JSON twin of to_text() (serialise with describe::dump()).
  describe::json::value to_json() const;
};

/// A hasher with a two-pass block kernel (hash_block over up to block_size rows): batch loops
/// hash a block through it rather than frame by frame.
template <class H>
concept BlockHasher = requires(const H& h, std::uint64_t* o) { h.hash_block([](std::size_t) { return net::Bytes{}; }, 0, o); };

class Policy {
public:
  using Hasher = std::variant<FreebsdHasher, LinuxHasher, OvsHasher, DpdkHasher, ToeplitzHasher,
                              Bmv2Hasher, VendorHasher>;

  /// Builds a policy from a spec string; throws fwd::Error naming the bad token and the accepted ones.
  static Policy from_spec(std::string_view spec);

  /// The canonical spec string (aliases resolved, numbers normalised).
  const std::string& spec() const { return spec_; }
  /// The family name as in spec strings ("freebsd-9.3", "linux-6.12", ...).
  std::string_view family() const;
  /// Whether the family also hashes raw input bytes (Toeplitz tuples, bmv2 field lists).
  bool takes_raw_input() const {
    return std::holds_alternative<ToeplitzHasher>(hasher_) || std::holds_alternative<Bmv2Hasher>(hasher_);
  }
  /// Width of the hash in bits: 64 for bmv2 identity, else 32.
  unsigned hash_bits() const;

  /// The hash of one frame (never reads past it).
  std::uint64_t hash(net::Bytes frame, const net::PacketMeta& meta = {}) const {
    return std::visit([&](const auto& h) { NoTrace t; return h(frame, meta, t); }, hasher_);
  }
  /// The hash of raw input bytes (Toeplitz tuple, bmv2 field list); throws for other families.
  std::uint64_t hash_input(net::Bytes input) const;
  /// The member index (or OVS bucket) the family's own rule derives from a hash.
  /// Throws fwd::Error if members is 0 (OVS ignores it: the bucket is independent of members).
  std::uint32_t index(std::uint64_t hash, std::uint32_t members) const;
  /// The hash walk of one frame: fields, running hash, final hash, member index.
  Explanation explain(net::Bytes frame, const net::PacketMeta& meta, std::uint32_t members) const;
  /// The same for raw input (Toeplitz, bmv2).
  Explanation explain_input(net::Bytes input, std::uint32_t members) const;

  /// Whether batches of this policy run through a block kernel (BlockHasher).
  bool has_block_kernel() const {
    return std::visit([](const auto& h) { return BlockHasher<std::decay_t<decltype(h)>>; }, hasher_);
  }
  /// Calls f(hasher) with the concrete hasher: resolve the variant once, then loop.
  template <class F> decltype(auto) visit(F&& f) const { return std::visit(std::forward<F>(f), hasher_); }

  /// A batch of frames laid out as rows of `stride` bytes; row i holds lengths[i] bytes (or
  /// `stride` bytes when lengths is null).
  struct Batch {
    const std::uint8_t* data = nullptr;
    std::size_t stride = 0;
    std::size_t count = 0;
    const std::uint32_t* lengths = nullptr;
    net::Bytes row(std::size_t i) const {
      return {data + i * stride, lengths ? std::min<std::size_t>(lengths[i], stride) : stride};
    }
  };
  /// out[i] = hash(row i) (truncated to Out). No allocation; safe without the GIL.
  template <class Out> void hash_batch(const Batch& b, Out* out) const {
    visit([&](const auto& h) { batch_loop(h, b, [&](std::size_t i, std::uint64_t x) { out[i] = static_cast<Out>(x); }); });
  }
  /// out[i] = index(hash(row i), members).
  template <class Out> void index_batch(const Batch& b, std::uint32_t members, Out* out) const {
    check_members(members);
    visit([&](const auto& h) {
      const Modulus m(members);
      batch_loop(h, b, [&](std::size_t i, std::uint64_t x) { out[i] = static_cast<Out>(h.index(x, m)); });
    });
  }

  const Hasher& hasher() const { return hasher_; }

private:
  // The batch loop of one concrete hasher: frame by frame, or block by block through the
  // hasher's hash_block() when it has one (two-pass kernels). emit(i, hash) stores a result.
  template <class H, class Emit> static void batch_loop(const H& h, const Batch& b, Emit&& emit) {
    if constexpr (BlockHasher<H>) {
      std::uint64_t hashes[block_size];
      for (std::size_t first = 0; first < b.count; first += block_size) {
        const std::size_t n = std::min(block_size, b.count - first);
        h.hash_block([&](std::size_t i) { return b.row(first + i); }, n, hashes);
        for (std::size_t i = 0; i < n; ++i) emit(first + i, hashes[i]);
      }
    } else {
      const net::PacketMeta meta{};
      NoTrace t;
      for (std::size_t i = 0; i < b.count; ++i) emit(i, h(b.row(i), meta, t));
    }
  }

  Policy(Hasher h, std::string spec) : hasher_(std::move(h)), spec_(std::move(spec)) {}
  void check_members(std::uint32_t members) const;

  Hasher hasher_;
  std::string spec_;
};

}  // namespace fwd::hash
