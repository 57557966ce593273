#pragma once
/// \file
/// Ecmp: which next hop of a multipath route a packet or a flow takes, bit for bit as a named real
/// system chooses it. The main header of the fwd::route layer (depends on fwd/net and fwd/hash only).
///
/// How to use it:
///
///     using namespace fwd::route;
///     PathSet ps{.kind = GroupKind::multipath, .family = Family::ipv4,
///                .nexthops = {{.gateway = "10.1.0.2", .device = "eth1"},
///                             {.gateway = "10.2.0.2", .device = "eth2", .weight = 2}}};
///     Ecmp r = Ecmp::from_spec("linux-6.18:policy=1;seed=0x1234abcd", ps);
///     int i = r.select(packet_bytes);                       // a raw IPv4/IPv6 packet (no L2 header)
///     int j = r.select(Flow::v4(src, dst, 6, 40000, 443),   // a flow description (`ip route get`)
///                      {.lookup = Lookup::local});
///     r.select_batch(flows, out);                           // span in, next-hop indices out
///     std::cout << r.explain(packet_bytes).to_text();       // fields, hashed bytes, hash, bounds, choice
///     r.set_dead(1, true);                                  // control path: bounds are recomputed
///
/// `select` returns the index of the chosen next hop in paths().nexthops, or `no_path` (-1) when no
/// path is usable. A receive hash (Linux skb->hash / FreeBSD flowid) rides in Meta::rx_hash.
/// Lookup kinds: a *packet* forwarded by a router is hashed as a packet (skb path); a Flow with
/// Lookup::forward / local means `ip route get` semantics (IPv4 builds the kernel's dummy packet,
/// IPv6 hashes the flow description); to emulate real forwarded traffic from flow records use
/// Lookup::packet (the packet the flow describes is built and dissected, both families), which is
/// what a multi-hop path computation wants: every router sees the same packet (spec §10).
///
/// ECMP spec strings (README "ECMP spec strings"):
///
///   ecmp-spec := system [":" option *(";" option)]      option := key "=" value
///
///   linux-6.18  policy=0..3 (0)  fields=0x1..0xfff (0x7; policy 3)  seed=N (0 = boot seed)
///   linux-6.12  boot_seed=N (the value a seed-0 kernel drew at boot; 0)  use_neigh=0|1 (0)
///               ignore_routes_with_linkdown=0|1 (0)
///               (6.12 = 6.18 without the IPv4 source-address preference of local lookups, §5.1/§8)
///   freebsd-13  key=microsoft|symmetric|HEX (microsoft)   alias: freebsd
///               ROUTE_MPATH: nhops[flowid % slots]; from FreeBSD source knowledge, not recorded
///   vendor      fields=.. function=.. seed=.. rotate=.. (fwd/hash/vendor.hpp), per-device seed;
///               hash % live weighted paths; a model of switch ASICs, NOT bit-exact to any device
///
/// Thread rules: select() / select_batch() on a resilient group mark buckets used and may run the
/// table's upkeep, so one Ecmp per thread for resilient groups; on other path sets they only read,
/// as explain() and hash() always do. Control-path calls need exclusive access. Copies are
/// independent.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fwd/describe/json.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/route/flow.hpp"
#include "fwd/route/path_set.hpp"
#include "fwd/time.hpp"

namespace fwd::route {

/// select() result when no path is usable (every path dead / no member).
inline constexpr std::int32_t no_path = -1;

/// The systems an Ecmp can follow.
enum class System : std::uint8_t { linux_6_18, linux_6_12, freebsd_13, vendor };
std::string_view name(System s);  ///< "linux-6.18", "linux-6.12", "freebsd-13", "vendor"

/// Linux multipath sysctls (spec §3-§5).
struct LinuxConfig {
  unsigned policy = 0;             ///< fib_multipath_hash_policy 0..3
  std::uint32_t fields = 0x7;      ///< fib_multipath_hash_fields (policy 3)
  std::uint32_t seed = 0;          ///< fib_multipath_hash_seed (0 = boot seed)
  std::uint32_t boot_seed = 0;     ///< effective seed when seed == 0
  bool ignore_linkdown = false;    ///< ignore_routes_with_linkdown
  bool use_neigh = false;          ///< fib_multipath_use_neigh
  std::uint32_t effective_seed() const { return seed ? seed : boot_seed; }
};

/// A batch of raw IP packets: row i is `lengths[i]` (or `stride`) bytes at data + i*stride.
struct PacketBatch {
  const std::uint8_t* data = nullptr;
  std::size_t stride = 0;
  std::size_t count = 0;
  const std::uint32_t* lengths = nullptr;
  net::Bytes row(std::size_t i) const {
    return {data + i * stride, lengths ? (lengths[i] < stride ? lengths[i] : stride) : stride};
  }
};

/// A plain IPv4 TCP/UDP packet (IHL 5, not a fragment, both ports present) reduced to the words
/// Linux's multipath hash reads of it: each the little-endian load of the wire bytes (what the
/// kernel compares), already in the symmetric order it hashes them: lo <= hi, ports = (higher
/// port << 16) | lower port; proto is 6 or 17 (a key built by hand may carry any protocol: it is
/// hashed as a flow of that protocol with that ports word). Extracted once per packet, it can be
/// hashed under any number of configurations (Ecmp::hash_plain_v4), e.g. every router a flow crosses.
struct PlainV4Key {
  std::uint32_t lo = 0, hi = 0, ports = 0;
  std::uint8_t proto = 0;
};

/// The key of `packet` (raw IP, from the network header, read as IPv4 whatever its version
/// nibble, as an IPv4 route dissects it) when it is plain; nullopt otherwise.
inline std::optional<PlainV4Key> plain_v4_key(net::Bytes packet) {
  const std::uint8_t* b = packet.data();
  if (packet.size() < 24) return std::nullopt;
  // The other tests in one branch: a tested protocol per branch mispredicts on mixed TCP and UDP.
  const unsigned p = b[9];
  if (!(((b[0] & 0x0f) == 5) & !(net::be16(b + 6) & 0x3fff) & ((p == 6) | (p == 17)))) return std::nullopt;
  std::uint32_t lo = net::le32(b + 12), hi = net::le32(b + 16);
  std::uint32_t ps = net::le16(b + 20), pd = net::le16(b + 22);
  if (hi < lo) std::swap(lo, hi);
  if (pd < ps) std::swap(ps, pd);
  return PlainV4Key{lo, hi, (pd << 16) | ps, b[9]};
}

/// Plain IPv4 keys in columns (row i of each array is one key), as Ecmp::hash_plain_v4 reads them.
struct PlainV4Columns {
  const std::uint32_t* lo = nullptr;
  const std::uint32_t* hi = nullptr;
  const std::uint32_t* ports = nullptr;
  const std::uint8_t* proto = nullptr;
  std::size_t count = 0;
};

/// What explain() returns: how the hash was made and how the next hop was picked.
struct Explanation {
  std::string spec;
  std::string follows;            ///< which system/version/source the behaviour follows
  std::string path;               ///< "skb path (packet dissected)", "flow path", "receive hash", ...
  std::vector<std::string> fields;          ///< the fields that went in, "name=value"
  std::vector<std::uint8_t> hashed;         ///< the bytes hashed (outer / only hash)
  std::vector<std::uint8_t> inner_hashed;   ///< policy 3 skb path: bytes of the inner hash (may be empty)
  std::uint32_t outer_hash = 0, inner_hash = 0;  ///< policy 3 parts (jhash_2words inputs)
  std::uint32_t hash = 0;         ///< the 32-bit flow hash (Linux) / flowid (FreeBSD) / vendor hash
  std::uint32_t h = 0;            ///< the value selection used (Linux: hash >> 1, 31 bits)
  std::vector<std::int64_t> upper_bounds;  ///< hash-threshold bounds (-1 = dead), empty otherwise
  std::optional<std::uint32_t> bucket;     ///< resilient bucket / FreeBSD slot / vendor modulo index
  std::string step;               ///< the selection rule applied, one line
  std::int32_t chosen = no_path;
  std::string nexthop;            ///< chosen next hop as text ("" when no_path)

  std::string to_text() const;
  describe::json::value to_json() const;  ///< the JSON twin of to_text()
};

class Ecmp {
public:
  /// Builds from a spec string and a path set. Throws fwd::Error naming the bad token and the
  /// accepted values, or what is wrong with the paths (no next hop, weight out of 1..256, ...).
  static Ecmp from_spec(std::string_view spec, PathSet paths);

  Ecmp(const Ecmp&);
  Ecmp(Ecmp&&) noexcept;
  Ecmp& operator=(const Ecmp&);
  Ecmp& operator=(Ecmp&&) noexcept;
  ~Ecmp();

  // ---- identity ---------------------------------------------------------------------------
  const std::string& spec() const;   ///< canonical spec (defaults written out)
  System system() const;
  std::string follows() const;
  const LinuxConfig& linux_config() const;  ///< meaningful for linux-* systems
  const PathSet& paths() const;
  std::size_t size() const { return paths().nexthops.size(); }

  // ---- control path -----------------------------------------------------------------------
  void set_dead(std::size_t i, bool dead, Time now = {});
  void set_linkdown(std::size_t i, bool linkdown, Time now = {});
  void set_neigh_valid(std::size_t i, bool valid, Time now = {});
  /// `ip route replace` / `ip nexthop replace id G group ...`: new members; a resilient table
  /// migrates as the kernel's does (buckets of members that stay are kept where possible).
  void replace(std::vector<NextHop> nexthops, Time now = {});
  /// `ip nexthop del id N`: the member with that id leaves the group. Throws if absent.
  void remove_nexthop(std::uint32_t id, Time now = {});
  /// Periodic work at `now`: resilient-group upkeep (idle / unbalanced timers).
  void run(Time now);
  /// Hash-threshold upper bounds (-1 = out of the hash); empty for resilient groups.
  std::vector<std::int64_t> upper_bounds() const;
  /// Resilient table: member index owning each bucket (-1 = empty); empty for other kinds.
  std::vector<std::int32_t> buckets() const;
  /// Resilient table as member ids (what `ip nexthop bucket show` prints).
  std::vector<std::uint32_t> bucket_ids() const;

  // ---- data path --------------------------------------------------------------------------
  /// The selection value for a packet / flow (Linux: the 31-bit multipath hash h).
  std::uint32_t hash(net::Bytes packet, const Meta& meta = {}) const;
  std::uint32_t hash(const Flow& flow, const Meta& meta = {}) const;
  /// The chosen next hop (index into paths().nexthops) or no_path.
  std::int32_t select(net::Bytes packet, const Meta& meta = {});
  std::int32_t select(const Flow& flow, const Meta& meta = {});
  /// Selection from a precomputed h (the source-address preference needs the flow's source).
  std::int32_t select_hash(std::uint32_t h, const Meta& meta = {}, const Address* src = nullptr);

  /// out[i] = select_hash(h[i], meta) for n precomputed values (no source address), equal bit for
  /// bit; a hash-threshold scan without branches where the rule allows it.
  void select_hash_batch(const std::uint32_t* h, std::size_t n, std::int32_t* out, const Meta& meta = {});
  /// The rule select_hash_batch applies when it is a plain hash-threshold scan for `meta`: the live
  /// upper bounds in order and, for k = the number of them below h, index[k] (no_path last), so
  /// select_hash(h, meta) == index[count of upper[j] < h]. False (tables left empty) when the
  /// choice needs more (resilient tables, neighbour checks, the source-address preference, other
  /// systems); lets a caller inline the choice of a multipath route per packet.
  bool threshold_table(const Meta& meta, std::vector<std::uint32_t>& upper, std::vector<std::int32_t>& index) const;

  /// out[i] = select(flows[i], meta) for every row; rx_hashes (optional, one per row) overrides
  /// meta.rx_hash. Allocation-free, no per-row dispatch; safe without the GIL.
  void select_batch(std::span<const Flow> flows, std::int32_t* out, const Meta& meta = {},
                    const std::uint32_t* rx_hashes = nullptr);
  void select_batch(const PacketBatch& packets, std::int32_t* out, const Meta& meta = {},
                    const std::uint32_t* rx_hashes = nullptr);
  void hash_batch(std::span<const Flow> flows, std::uint32_t* out, const Meta& meta = {}) const;
  /// out[i] = hash(packets[i], meta) for every packet (raw IP, from the network header), equal bit
  /// for bit. Plain IPv4 TCP/UDP packets (no options, not a fragment) on Linux policies 0-2 without
  /// a receive hash go through the SipHash lanes (hash_plain_v4); every other packet is hashed as hash() does.
  /// Gathered rows (a span of views) so callers can batch packets that are not contiguous.
  void hash_batch(std::span<const net::Bytes> packets, std::uint32_t* out, const Meta& meta = {}) const;
  /// True when hash_plain_v4 applies under `meta`: Linux policies 0-2 on an IPv4 route, no
  /// receive hash (what a forwarded packet without skb->hash gets).
  bool hashes_plain_v4(const Meta& meta = {}) const;
  /// out[i] = hash(packet i, meta) for the packets whose keys are row i of `keys` (plain_v4_key),
  /// bit for bit; throws fwd::Error unless hashes_plain_v4(). SipHash lanes read the columns
  /// directly (32 flows at a time with AVX-512), so a caller that keeps keys pays no packet
  /// parsing per hash.
  void hash_plain_v4(const PlainV4Columns& keys, std::uint32_t* out) const;

  /// The whole decision for one packet / flow, without changing any state.
  Explanation explain(net::Bytes packet, const Meta& meta = {}) const;
  Explanation explain(const Flow& flow, const Meta& meta = {}) const;

  /// Paths, state, bounds / bucket table, as text and JSON.
  std::string to_text() const;
  describe::json::value to_json() const;

  struct Impl;

private:
  friend class PlainV4Hasher;
  explicit Ecmp(std::unique_ptr<Impl> p);
  std::unique_ptr<Impl> impl_;
};

/// Plain IPv4 keys hashed under several selectors in one batch, each row under its own: what a
/// tier of flows needs when every router it reaches has its own seed or policy. hash() gives
/// out[i] = selectors[which[i]]->hash_plain_v4(row i), bit for bit, without sorting the rows by
/// selector: each SipHash lane starts from its row's selector state (broadcast when all rows share
/// one, permuted from a window of up to 16 consecutive selectors, else gathered). Keeps the
/// selectors' hashing state (not the selectors); immutable, so one may serve many threads.
class PlainV4Hasher {
public:
  PlainV4Hasher() = default;
  /// Throws fwd::Error naming the first selector that is null or does not hashes_plain_v4().
  explicit PlainV4Hasher(std::span<const Ecmp* const> selectors);
  std::size_t size() const;
  /// Throws fwd::Error when a which[i] is not below size().
  void hash(const PlainV4Columns& keys, const std::uint32_t* which, std::uint32_t* out) const;

private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

namespace detail {
/// Batches run their SipHash lanes with the best instruction set the CPU has (AVX-512, AVX2, else
/// portable 4-lane scalar code); all give the same results. This caps the choice (tests compare
/// them; benchmarks measure them). Default: best.
enum class BatchIsa : std::uint8_t { portable, avx2, best };
void set_batch_isa(BatchIsa cap);
}  // namespace detail

}  // namespace fwd::route
