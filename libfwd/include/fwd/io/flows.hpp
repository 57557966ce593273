#pragma once
/// \file
/// Unidirectional flow tables from captures.
///
/// A flow is every frame with the same key: Ethernet source and destination MAC, outer VLAN TCI
/// (-1 untagged), IP version, source and destination address, IP protocol (after IPv6 extension
/// headers) and ports. The key is a net::FlowRecord, so a flow table row turns back into a frame
/// that every hash in libfwd reads as the flow's frames (net::frame_for_flow). Per flow: packets,
/// bytes (the sum of the records' *original* lengths, what crossed the wire), first and last
/// timestamp and the IPv6 flow label of the first packet (0 for IPv4).
///
/// Key conventions (the same ones net::FlowRecord and the Linux flow dissector use):
///  - ports are read for TCP, UDP, SCTP, DCCP and UDP-Lite when the first 4 bytes of the transport
///    header are captured; later fragments (IPv4 offset != 0, IPv6 fragment header with offset
///    != 0) carry no transport header and have ports 0 (counted in later_fragments());
///  - ICMP and ICMPv6 echo request/reply: src_port = identifier, dst_port = 0; other ICMP: 0, 0;
///  - Linux cooked captures (SLL, SLL2) carry only the sender's link address: src_mac is it (when
///    it is 6 bytes long), dst_mac is 0. A VLAN tag libpcap re-inserted after the cooked header
///    (protocol 0x8100/0x88a8) is read like an in-band tag;
///  - raw IP captures (link types 101, 228, 229) have MACs 0.
///
/// Frames that are not part of any flow are never dropped silently: each is counted under one
/// SkipReason, so records() == frames in flows + sum of skipped(). A record cut short by the end of
/// the file is counted apart (truncated_records()).
///
/// Cost: classification reads only the headers; the table is open addressing with the key's hash
/// kept beside the index (one cache line per probe); memory grows with distinct flows, never with
/// the capture (read_flows streams the file in chunks). More than `max_flows` distinct flows is an
/// error naming the limit, not an exhausted host.
/// Thread rules: a FlowTable belongs to one thread.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/io/capture.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/flow.hpp"

namespace fwd::io {

/// Why a frame belongs to no flow.
enum class SkipReason : std::uint8_t {
  unknown_linktype,     ///< a link type the reader does not classify
  truncated_link,       ///< shorter than its link-layer header or VLAN tags
  arp,                  ///< ARP (no IP flow)
  not_ip,               ///< another ethertype (LLDP, LACP, MPLS...) or an 802.3 length field
  truncated_ip,         ///< IP header (or an IPv6 extension header) cut short by the snap length
  bad_ip,               ///< version field disagrees with the ethertype, IPv4 IHL < 5
  truncated_transport,  ///< a first fragment whose transport ports are not captured
};
inline constexpr std::size_t skip_reason_count = 7;
/// "unknown_linktype", "truncated_link", ... (stable names used in JSON and Python).
std::string_view skip_reason_name(SkipReason r);

/// One row of a flow table. Layout mirrored by fwd.flows.FLOW_TABLE_DTYPE. Two cache lines: the
/// key (compared on lookup) in the first, the counters (updated per frame) in the second.
struct alignas(64) Flow {
  net::FlowRecord key;          ///< zero padding included: keys compare as eight words
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;      ///< sum of original (wire) lengths
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::uint32_t flow_label = 0; ///< IPv6 flow label of the first packet
  std::uint32_t reserved_[7] = {};
};
static_assert(sizeof(Flow) == 128, "Flow must match fwd.flows.FLOW_TABLE_DTYPE");

/// Classifies one link-layer frame: fills `key` (zeroed first) and `flow_label`, or returns false
/// and sets `why`. Never reads past `frame`.
bool classify_frame(int linktype, net::Bytes frame, net::FlowRecord& key, std::uint32_t& flow_label, SkipReason& why);

/// True for the link types classify_frame reads.
bool flow_linktype_supported(int linktype);

class FlowTable {
public:
  static constexpr std::size_t default_max_flows = 10'000'000;

  explicit FlowTable(std::size_t max_flows = default_max_flows);

  /// Adds one record; returns the index of its flow, or -1 if it belongs to none (counted).
  std::int64_t add(int linktype, std::int64_t timestamp_ns, std::uint32_t wire_length, net::Bytes frame);
  /// Counts a record the capture cut short (end of file inside a record).
  void add_truncated_record() { ++truncated_records_; }

  const std::vector<Flow>& flows() const { return flows_; }
  std::vector<Flow>& flows() { return flows_; }
  std::uint64_t records() const { return records_; }
  std::uint64_t skipped(SkipReason r) const { return skipped_[static_cast<std::size_t>(r)]; }
  std::uint64_t skipped_total() const;
  std::uint64_t later_fragments() const { return later_fragments_; }
  std::uint64_t truncated_records() const { return truncated_records_; }
  /// Records per link type not classified (link type, count), for messages.
  const std::vector<std::pair<int, std::uint64_t>>& unknown_linktypes() const { return unknown_lt_; }

  /// Adds every record of `reader` (what add_capture does): records are classified in groups
  /// whose table slots and rows are prefetched before they are updated, so lookups in a table
  /// larger than the cache overlap instead of waiting one after the other.
  void add_records(CaptureReader& reader, std::vector<std::int64_t>* frame_flow);

private:
  std::int64_t insert(const net::FlowRecord& key, std::uint64_t hash);
  [[gnu::noinline]] std::int64_t insert_new(const net::FlowRecord& key, std::uint64_t slot, std::uint64_t tag);
  std::int64_t account(const net::FlowRecord& key, std::uint64_t hash, std::int64_t ts, std::uint32_t wire,
                       std::uint32_t label);
  void count_skip(int linktype, SkipReason why);
  void grow();

  std::vector<Flow> flows_;
  std::vector<std::uint64_t> slots_;  // (hash high 32 bits << 32) | (flow index + 1); 0 = empty
  std::uint64_t mask_ = 0;
  std::size_t max_flows_;
  std::uint64_t records_ = 0;
  std::array<std::uint64_t, skip_reason_count> skipped_{};
  std::uint64_t later_fragments_ = 0;
  std::uint64_t truncated_records_ = 0;
  std::vector<std::pair<int, std::uint64_t>> unknown_lt_;
};

/// Adds every record of `reader` to `table`. If `frame_flow` is given, appends each record's flow
/// index (-1: skipped) to it.
void add_capture(FlowTable& table, CaptureReader& reader, std::vector<std::int64_t>* frame_flow = nullptr);

/// The flow table of the capture at `path`, streamed in chunks of `chunk_bytes`.
FlowTable read_flows(const std::string& path, std::size_t max_flows = FlowTable::default_max_flows,
                     std::size_t chunk_bytes = CaptureReader::default_chunk_bytes);

}  // namespace fwd::io
