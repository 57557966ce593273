// Flow tables from captures: frame classification and the open-addressing table.
#include "fwd/io/flows.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "fwd/net/packet.hpp"  // ethertype constants

namespace fwd::io {

namespace {

using net::be16;
using net::be32;
using net::be48;

bool has_ports(std::uint8_t proto) {
  return proto == 6 || proto == 17 || proto == 132 || proto == 33 || proto == 136;
}

// The walk behind classify_frame; `later` is set for a fragment that carries no transport header.
bool classify(int lt, net::Bytes frame, net::FlowRecord& k, std::uint32_t& label, SkipReason& why, bool& later) {
  std::memset(&k, 0, sizeof k);
  k.vlan = -1;
  label = 0;
  later = false;
  const std::uint8_t* p = frame.data();
  const std::size_t n = frame.size();
  std::size_t off = 0;
  std::uint16_t type = 0;
  switch (lt) {
    case linktype::ethernet:
      if (n < 14) { why = SkipReason::truncated_link; return false; }
      k.dst_mac = be48(p);
      k.src_mac = be48(p + 6);
      type = be16(p + 12);
      off = 14;
      break;
    case linktype::linux_sll:  // pkttype, hatype, halen, addr[8], protocol
      if (n < 16) { why = SkipReason::truncated_link; return false; }
      if (be16(p + 4) == 6) k.src_mac = be48(p + 6);
      type = be16(p + 14);
      off = 16;
      break;
    case linktype::linux_sll2:  // protocol, reserved, ifindex, hatype, pkttype, halen, addr[8]
      if (n < 20) { why = SkipReason::truncated_link; return false; }
      if (p[11] == 6) k.src_mac = be48(p + 12);
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
    if (k.vlan < 0) k.vlan = be16(p + off);
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
    k.ip_version = 4;
    proto = p[off + 9];
    std::memcpy(k.src_ip, p + off + 12, 4);
    std::memcpy(k.dst_ip, p + off + 16, 4);
    later = (be16(p + off + 6) & 0x1fff) != 0;
    l4 = off + ihl;
  } else if (type == net::ethertype::ipv6) {
    if (n < off + 40) { why = SkipReason::truncated_ip; return false; }
    if ((p[off] >> 4) != 6) { why = SkipReason::bad_ip; return false; }
    k.ip_version = 6;
    label = be32(p + off) & 0xfffff;
    std::memcpy(k.src_ip, p + off + 8, 16);
    std::memcpy(k.dst_ip, p + off + 24, 16);
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
  k.eth_type = type;
  k.ip_proto = proto;
  if (later) return true;
  if (has_ports(proto)) {
    if (n < l4 + 4) { why = SkipReason::truncated_transport; return false; }
    k.src_port = be16(p + l4);
    k.dst_port = be16(p + l4 + 2);
  } else if ((proto == 1 || proto == 58) && n >= l4 + 8) {
    const std::uint8_t t = p[l4];
    const bool echo = proto == 1 ? (t == 8 || t == 0) : (t == 128 || t == 129);
    if (echo) k.src_port = be16(p + l4 + 4);
  }
  return true;
}

std::uint64_t key_hash(const net::FlowRecord& k) {
  std::uint64_t w[8];
  std::memcpy(w, &k, sizeof w);
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t x : w) h = (((h << 5) | (h >> 59)) ^ x) * 0xbf58476d1ce4e5b9ull;
  h ^= h >> 31;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

static_assert(sizeof(net::FlowRecord) == 64);

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
  return classify(linktype, frame, key, flow_label, why, later);
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
  std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
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

std::int64_t FlowTable::insert(const net::FlowRecord& key, std::uint64_t h) {
  const std::uint64_t tag = h & 0xffffffff00000000ull;
  std::uint64_t at = h & mask_;
  for (;;) {
    const std::uint64_t s = slots_[at];
    if (s == 0) break;
    if ((s & 0xffffffff00000000ull) == tag) {
      const std::size_t i = (s & 0xffffffffu) - 1;
      if (std::memcmp(&flows_[i].key, &key, sizeof key) == 0) return static_cast<std::int64_t>(i);
    }
    at = (at + 1) & mask_;
  }
  if (flows_.size() >= max_flows_)
    throw Error(fmt::format("more than {} distinct flows after {} records: raise max_flows if the host has the memory "
                            "(about 150 bytes per flow)", max_flows_, records_));
  const std::size_t i = flows_.size();
  Flow f;
  f.key = key;
  flows_.push_back(f);
  slots_[at] = tag | (i + 1);
  if (flows_.size() * 2 > slots_.size()) grow();
  return static_cast<std::int64_t>(i);
}

std::int64_t FlowTable::add(int linktype, std::int64_t ts, std::uint32_t wire_length, net::Bytes frame) {
  ++records_;
  net::FlowRecord k;
  std::uint32_t label;
  SkipReason why;
  bool later;
  if (!classify(linktype, frame, k, label, why, later)) {
    ++skipped_[static_cast<std::size_t>(why)];
    if (why == SkipReason::unknown_linktype) {
      auto it = std::find_if(unknown_lt_.begin(), unknown_lt_.end(), [&](const auto& e) { return e.first == linktype; });
      if (it == unknown_lt_.end()) unknown_lt_.emplace_back(linktype, 1);
      else ++it->second;
    }
    return -1;
  }
  later_fragments_ += later;
  const std::int64_t i = insert(k, key_hash(k));
  Flow& f = flows_[static_cast<std::size_t>(i)];
  if (f.packets == 0) {
    f.first_ns = f.last_ns = ts;
    f.flow_label = label;
  } else {
    f.first_ns = std::min(f.first_ns, ts);
    f.last_ns = std::max(f.last_ns, ts);
  }
  ++f.packets;
  f.bytes += wire_length;
  return i;
}

void add_capture(FlowTable& table, CaptureReader& reader, std::vector<std::int64_t>* frame_flow) {
  CaptureRecord r;
  while (reader.next(r)) {
    const std::int64_t i = table.add(r.linktype, r.timestamp_ns, r.wire_length, r.data);
    if (frame_flow) frame_flow->push_back(i);
  }
  if (reader.truncated_tail()) table.add_truncated_record();
}

FlowTable read_flows(const std::string& path, std::size_t max_flows, std::size_t chunk_bytes) {
  CaptureReader reader(path, chunk_bytes);
  FlowTable table(max_flows);
  add_capture(table, reader);
  return table;
}

}  // namespace fwd::io
