// Flow tables from captures: frame classification and the open-addressing table.
#include "fwd/io/flows.hpp"

#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "fwd/net/packet.hpp"  // ethertype constants

namespace fwd::io {

namespace {

using net::be16;
using net::be32;
using net::be48;

bool has_ports(std::uint8_t proto) {
  return proto == 6 || proto == 17 || proto == 132 || proto == 33 || proto == 136;
}

// The hash of a key from its fields' values: classify() calls it with values it holds in
// registers (reading the freshly written key back as words stalls on store forwarding), grow()
// with the stored key's fields. Four independent multiply lanes, folded at the end.
std::uint64_t hash_values(std::uint64_t src_mac, std::uint64_t dst_mac, std::uint64_t misc_a, std::uint64_t misc_b,
                          std::uint64_t s0, std::uint64_t s1, std::uint64_t d0, std::uint64_t d1) {
  const std::uint64_t a = (src_mac ^ 0x9e3779b97f4a7c15ull) * (s0 ^ 0xbf58476d1ce4e5b9ull);
  const std::uint64_t b = (dst_mac ^ 0x94d049bb133111ebull) * (s1 ^ 0x2545f4914f6cdd1dull);
  const std::uint64_t c = (misc_a ^ 0xd6e8feb86659fd93ull) * (d0 ^ 0xa0761d6478bd642full);
  const std::uint64_t d = (misc_b ^ 0xe7037ed1a0b428dbull) * (d1 ^ 0x8ebc6af09c88c6e3ull);
  std::uint64_t h = a ^ ((b << 21) | (b >> 43)) ^ ((c << 42) | (c >> 22)) ^ d;
  h ^= h >> 31;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

std::uint64_t misc_a(std::int32_t vlan, std::uint8_t ver, std::uint8_t proto, std::uint16_t sport) {
  return std::uint64_t{static_cast<std::uint32_t>(vlan)} | (std::uint64_t{ver} << 32) | (std::uint64_t{proto} << 40) |
         (std::uint64_t{sport} << 48);
}
std::uint64_t misc_b(std::uint16_t dport, std::uint16_t eth_type) { return dport | (std::uint64_t{eth_type} << 16); }
std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::uint64_t key_hash(const net::FlowRecord& k) {
  return hash_values(k.src_mac, k.dst_mac, misc_a(k.vlan, k.ip_version, k.ip_proto, k.src_port),
                     misc_b(k.dst_port, k.eth_type), load64(k.src_ip), load64(k.src_ip + 8), load64(k.dst_ip),
                     load64(k.dst_ip + 8));
}

// The walk behind classify_frame; `later` is set for a fragment that carries no transport header.
// The key's values are kept in locals and written once at the end, with their hash.
bool classify(int lt, net::Bytes frame, net::FlowRecord& k, std::uint32_t& label, SkipReason& why, bool& later,
              std::uint64_t& hash) {
  std::uint64_t src_mac = 0, dst_mac = 0, s0 = 0, s1 = 0, d0 = 0, d1 = 0;
  std::int32_t vlan = -1;
  std::uint16_t sport = 0, dport = 0;
  std::uint8_t ver = 0;
  label = 0;
  later = false;
  const std::uint8_t* p = frame.data();
  const std::size_t n = frame.size();
  std::size_t off = 0;
  std::uint16_t type = 0;
  switch (lt) {
    case linktype::ethernet:
      if (n < 14) { why = SkipReason::truncated_link; return false; }
      dst_mac = be48(p);
      src_mac = be48(p + 6);
      type = be16(p + 12);
      off = 14;
      break;
    case linktype::linux_sll:  // pkttype, hatype, halen, addr[8], protocol
      if (n < 16) { why = SkipReason::truncated_link; return false; }
      if (be16(p + 4) == 6) src_mac = be48(p + 6);
      type = be16(p + 14);
      off = 16;
      break;
    case linktype::linux_sll2:  // protocol, reserved, ifindex, hatype, pkttype, halen, addr[8]
      if (n < 20) { why = SkipReason::truncated_link; return false; }
      if (p[11] == 6) src_mac = be48(p + 12);
      type = be16(p);
      off = 20;
      break;
    case linktype::raw:
      if (n < 1) { why = SkipReason::truncated_link; return false; }
      type = (p[0] >> 4) == 6 ? net::ethertype::ipv6 : net::ethertype::ipv4;
      break;
    case linktype::ipv4: type = net::ethertype::ipv4; break;
    case linktype::ipv6: type = net::ethertype::ipv6; break;
    default: why = SkipReason::unknown_linktype; return false;
  }
  // In-band tags (also the ones libpcap re-inserts after a cooked header); the outer TCI is kept.
  for (int i = 0; i < 4 && (type == net::ethertype::vlan || type == net::ethertype::qinq || type == 0x9100); ++i) {
    if (n < off + 4) { why = SkipReason::truncated_link; return false; }
    if (vlan < 0) vlan = be16(p + off);
    type = be16(p + off + 2);
    off += 4;
  }
  std::size_t l4;
  std::uint8_t proto;
  if (type == net::ethertype::ipv4) {
    if (n < off + 20) { why = SkipReason::truncated_ip; return false; }
    const std::size_t ihl = (p[off] & 0x0fu) * 4u;
    if ((p[off] >> 4) != 4 || ihl < 20) { why = SkipReason::bad_ip; return false; }
    if (n < off + ihl) { why = SkipReason::truncated_ip; return false; }
    ver = 4;
    proto = p[off + 9];
    std::memcpy(&s0, p + off + 12, 4);  // the key's byte layout: address, then zeros
    std::memcpy(&d0, p + off + 16, 4);
    later = (be16(p + off + 6) & 0x1fff) != 0;
    l4 = off + ihl;
  } else if (type == net::ethertype::ipv6) {
    if (n < off + 40) { why = SkipReason::truncated_ip; return false; }
    if ((p[off] >> 4) != 6) { why = SkipReason::bad_ip; return false; }
    ver = 6;
    label = be32(p + off) & 0xfffff;
    s0 = load64(p + off + 8);
    s1 = load64(p + off + 16);
    d0 = load64(p + off + 24);
    d1 = load64(p + off + 32);
    proto = p[off + 6];
    l4 = off + 40;
    for (int hops = 0; hops < 8; ++hops) {
      if (proto == 0 || proto == 43 || proto == 60) {  // hop-by-hop, routing, destination options
        if (n < l4 + 2) { why = SkipReason::truncated_ip; return false; }
        proto = p[l4];
        l4 += (std::size_t{p[l4 + 1]} + 1) * 8;
      } else if (proto == 51) {  // AH: length in 4-byte units minus 2
        if (n < l4 + 2) { why = SkipReason::truncated_ip; return false; }
        proto = p[l4];
        l4 += (std::size_t{p[l4 + 1]} + 2) * 4;
      } else if (proto == 44) {  // fragment
        if (n < l4 + 8) { why = SkipReason::truncated_ip; return false; }
        later = (be16(p + l4 + 2) & 0xfff8) != 0;
        proto = p[l4];
        l4 += 8;
      } else {
        break;
      }
    }
  } else {
    why = type == net::ethertype::arp ? SkipReason::arp : SkipReason::not_ip;
    return false;
  }
  if (later) {
  } else if (has_ports(proto)) {
    if (n < l4 + 4) { why = SkipReason::truncated_transport; return false; }
    sport = be16(p + l4);
    dport = be16(p + l4 + 2);
  } else if ((proto == 1 || proto == 58) && n >= l4 + 8) {
    const std::uint8_t t = p[l4];
    const bool echo = proto == 1 ? (t == 8 || t == 0) : (t == 128 || t == 129);
    if (echo) sport = be16(p + l4 + 4);
  }
  std::memset(&k, 0, sizeof k);
  k.src_mac = src_mac;
  k.dst_mac = dst_mac;
  k.vlan = vlan;
  k.ip_version = ver;
  k.ip_proto = proto;
  k.src_port = sport;
  k.dst_port = dport;
  k.eth_type = type;
  std::memcpy(k.src_ip, &s0, 8);
  std::memcpy(k.src_ip + 8, &s1, 8);
  std::memcpy(k.dst_ip, &d0, 8);
  std::memcpy(k.dst_ip + 8, &d1, 8);
  hash = hash_values(src_mac, dst_mac, misc_a(vlan, ver, proto, sport), misc_b(dport, type), s0, s1, d0, d1);
  return true;
}

bool same_key(const net::FlowRecord& x, const net::FlowRecord& y) {
#if defined(__SSE2__)
  // Four 16-byte compares in registers (an eight-word loop went through the stack).
  const auto* a = reinterpret_cast<const __m128i*>(&x);
  const auto* b = reinterpret_cast<const __m128i*>(&y);
  const __m128i d = _mm_or_si128(_mm_or_si128(_mm_xor_si128(_mm_loadu_si128(a), _mm_loadu_si128(b)),
                                              _mm_xor_si128(_mm_loadu_si128(a + 1), _mm_loadu_si128(b + 1))),
                                 _mm_or_si128(_mm_xor_si128(_mm_loadu_si128(a + 2), _mm_loadu_si128(b + 2)),
                                              _mm_xor_si128(_mm_loadu_si128(a + 3), _mm_loadu_si128(b + 3))));
  return _mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())) == 0xffff;
#else
  return std::memcmp(&x, &y, sizeof x) == 0;
#endif
}

static_assert(sizeof(net::FlowRecord) == 64);

// Lookups land anywhere in the rows and slots: with 4 KiB pages a table of a few hundred thousand
// flows misses the TLB on almost every frame. Asks for transparent huge pages on the 2 MiB-aligned
// interior of a fresh (not yet touched) buffer of at least 4 MiB; a hint only (THP may be off).
void huge_page_hint(const void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  if (bytes < 2 * huge) return;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (a + huge - 1) & ~(huge - 1), hi = (a + bytes) & ~(huge - 1);
  if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace

std::string_view skip_reason_name(SkipReason r) {
  switch (r) {
    case SkipReason::unknown_linktype: return "unknown_linktype";
    case SkipReason::truncated_link: return "truncated_link";
    case SkipReason::arp: return "arp";
    case SkipReason::not_ip: return "not_ip";
    case SkipReason::truncated_ip: return "truncated_ip";
    case SkipReason::bad_ip: return "bad_ip";
    case SkipReason::truncated_transport: return "truncated_transport";
  }
  return "?";
}

bool flow_linktype_supported(int lt) {
  return lt == linktype::ethernet || lt == linktype::linux_sll || lt == linktype::linux_sll2 || lt == linktype::raw ||
         lt == linktype::ipv4 || lt == linktype::ipv6;
}

bool classify_frame(int linktype, net::Bytes frame, net::FlowRecord& key, std::uint32_t& flow_label, SkipReason& why) {
  bool later;
  std::uint64_t hash;
  return classify(linktype, frame, key, flow_label, why, later, hash);
}

FlowTable::FlowTable(std::size_t max_flows)
    : max_flows_(std::min<std::size_t>(max_flows ? max_flows : default_max_flows, 0xfffffff0u)) {
  slots_.assign(1024, 0);
  mask_ = slots_.size() - 1;
}

std::uint64_t FlowTable::skipped_total() const {
  std::uint64_t s = 0;
  for (auto c : skipped_) s += c;
  return s;
}

void FlowTable::grow() {
  std::vector<std::uint64_t> bigger;
  bigger.reserve(slots_.size() * 2);
  huge_page_hint(bigger.data(), slots_.size() * 2 * sizeof(std::uint64_t));
  bigger.resize(slots_.size() * 2, 0);
  const std::uint64_t mask = bigger.size() - 1;
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    const std::uint64_t h = key_hash(flows_[i].key);
    std::uint64_t at = h & mask;
    while (bigger[at]) at = (at + 1) & mask;
    bigger[at] = (h & 0xffffffff00000000ull) | (i + 1);
  }
  slots_.swap(bigger);
  mask_ = mask;
}

__attribute__((always_inline)) inline std::int64_t FlowTable::insert(const net::FlowRecord& key, std::uint64_t h) {
  const std::uint64_t tag = h & 0xffffffff00000000ull;
  std::uint64_t at = h & mask_;
  for (;;) {
    const std::uint64_t s = slots_[at];
    if (s == 0) break;
    if ((s & 0xffffffff00000000ull) == tag) {
      const std::size_t i = (s & 0xffffffffu) - 1;
      if (same_key(flows_[i].key, key)) return static_cast<std::int64_t>(i);
    }
    at = (at + 1) & mask_;
  }
  return insert_new(key, at, tag);
}

std::int64_t FlowTable::insert_new(const net::FlowRecord& key, std::uint64_t at, std::uint64_t tag) {
  if (flows_.size() >= max_flows_)
    throw Error(fmt::format("more than {} distinct flows after {} records: raise max_flows if the host has the memory "
                            "(about 150 bytes per flow)", max_flows_, records_));
  const std::size_t i = flows_.size();
  if (i == flows_.capacity()) {
    // Doubling by hand: the new rows get the huge-page hint before anything touches them.
    std::vector<Flow> bigger;
    bigger.reserve(std::max<std::size_t>(2 * i, 64));
    huge_page_hint(bigger.data(), bigger.capacity() * sizeof(Flow));
    bigger.insert(bigger.end(), flows_.begin(), flows_.end());
    flows_.swap(bigger);
  }
  Flow f;
  f.key = key;
  flows_.push_back(f);
  slots_[at] = tag | (i + 1);
  if (flows_.size() * 2 > slots_.size()) grow();
  return static_cast<std::int64_t>(i);
}

void FlowTable::count_skip(int linktype, SkipReason why) {
  ++skipped_[static_cast<std::size_t>(why)];
  if (why == SkipReason::unknown_linktype) {
    auto it = std::find_if(unknown_lt_.begin(), unknown_lt_.end(), [&](const auto& e) { return e.first == linktype; });
    if (it == unknown_lt_.end()) unknown_lt_.emplace_back(linktype, 1);
    else ++it->second;
  }
}

__attribute__((always_inline)) inline std::int64_t FlowTable::account(const net::FlowRecord& k, std::uint64_t h, std::int64_t ts, std::uint32_t wire,
                                std::uint32_t label) {
  const std::int64_t i = insert(k, h);
  Flow& f = flows_[static_cast<std::size_t>(i)];
  if (f.packets == 0) {
    f.first_ns = f.last_ns = ts;
    f.flow_label = label;
  } else {
    f.first_ns = std::min(f.first_ns, ts);
    f.last_ns = std::max(f.last_ns, ts);
  }
  ++f.packets;
  f.bytes += wire;
  return i;
}

std::int64_t FlowTable::add(int linktype, std::int64_t ts, std::uint32_t wire_length, net::Bytes frame) {
  ++records_;
  net::FlowRecord k;
  std::uint32_t label;
  SkipReason why;
  bool later;
  std::uint64_t hash;
  if (!classify(linktype, frame, k, label, why, later, hash)) {
    count_skip(linktype, why);
    return -1;
  }
  later_fragments_ += later;
  return account(k, hash, ts, wire_length, label);
}

void FlowTable::add_records(CaptureReader& reader, std::vector<std::int64_t>* frame_flow) {
  // A software pipeline over groups of 16 records (8, 32 and 64 measured slower at 128 K random
  // flows: more lines in flight than the core tracks): group g is read, classified and its first slots
  // prefetched (stage 1), then its rows prefetched (stage 2), while group g-1, whose rows were
  // prefetched one group earlier, is looked up and counted (stage 3), in record order. Prefetches
  // are hints only: stage 3 probes the table as it is then.
  constexpr std::size_t group = 16;
  struct Pending {
    net::FlowRecord key;
    std::uint64_t hash;
    std::int64_t ts;
    std::uint32_t wire, label;
    bool ok;
  };
  Pending pend[2][group];
  std::size_t count[2] = {0, 0};
  CaptureRecord r;
  bool more = true;
  for (unsigned g = 0;; g ^= 1) {
    Pending* cur = pend[g];
    std::size_t n = 0;
    while (more && n < group && (more = reader.next(r))) {
      Pending& p = cur[n++];
      ++records_;
      SkipReason why;
      bool later;
      p.ok = classify(r.linktype, r.data, p.key, p.label, why, later, p.hash);
      if (!p.ok) {
        count_skip(r.linktype, why);
        continue;
      }
      later_fragments_ += later;
      p.ts = r.timestamp_ns;
      p.wire = r.wire_length;
      __builtin_prefetch(&slots_[p.hash & mask_]);
    }
    count[g] = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (!cur[i].ok) continue;
      // The row whose tag matches along the probe run (the first slot may hold another flow; a
      // stage that fetched that one left the real row to miss), else none: a new flow has no row.
      const std::uint64_t tag = cur[i].hash & 0xffffffff00000000ull;
      std::uint64_t at = cur[i].hash & mask_;
      for (int probe = 0; probe < 4; ++probe, at = (at + 1) & mask_) {
        const std::uint64_t s = slots_[at];
        if (!s) break;
        if ((s & 0xffffffff00000000ull) == tag && (s & 0xffffffffu) <= flows_.size()) {
          const Flow* f = &flows_[(s & 0xffffffffu) - 1];
          __builtin_prefetch(&f->key);
          __builtin_prefetch(&f->packets, 1);
          break;
        }
      }
    }
    const Pending* prev = pend[g ^ 1];
    for (std::size_t i = 0; i < count[g ^ 1]; ++i) {
      const Pending& p = prev[i];
      const std::int64_t idx = p.ok ? account(p.key, p.hash, p.ts, p.wire, p.label) : -1;
      if (frame_flow) frame_flow->push_back(idx);
    }
    count[g ^ 1] = 0;
    if (n == 0) break;  // the previous group is done and nothing is left
  }
  if (reader.truncated_tail()) add_truncated_record();
}

void add_capture(FlowTable& table, CaptureReader& reader, std::vector<std::int64_t>* frame_flow) {
  table.add_records(reader, frame_flow);
}

FlowTable read_flows(const std::string& path, std::size_t max_flows, std::size_t chunk_bytes) {
  CaptureReader reader(path, chunk_bytes);
  FlowTable table(max_flows);
  add_capture(table, reader);
  return table;
}

}  // namespace fwd::io
