#pragma once
/// \file
/// Capture: what one interface saw, in the order it saw it, as tcpdump-style text or pcap.
///
/// A capture point is where FreeBSD 9.3 puts its BPF taps (spec seed-scenario.md §8, carp.md
/// §6): on a NIC every frame that arrives (the carpdev is promiscuous) or leaves; on a lagg
/// every frame from a member before the COLLECTING check; on a vlan(4) interface the untagged
/// frame before the L2 destination check. That is why the seed's BACKUP shows the stray echo
/// requests on vlan2 although it drops them: the tap runs first.
/// Storage: one byte arena plus a record per frame (time, direction, offset, length); it grows
/// with the capture, so only interfaces asked for are captured. `snaplen` caps stored bytes.
/// Text: one line per frame, `tcpdump -e -n -tt` style with virtual seconds as timestamps:
///   5.432811 > 90:e2:ba:0d:0a:98 > 00:00:5e:00:01:02, vlan 2, IPv4, length 102: IP 192.168.80.6
///   > 192.168.80.254: ICMP echo request, id 22737, seq 16720, length 64
/// ('<' marks received frames, '>' sent ones). pcap: classic libpcap format, LINKTYPE_ETHERNET,
/// nanosecond timestamps (magic 0xa1b23c4d), written by write_pcap().

#include <cstdint>
#include <string>
#include <vector>

#include "fwd/net/bytes.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

/// One frame of a capture (bytes in Capture::bytes_of()).
struct CaptureRecord {
  Time time{};
  bool outgoing = false;
  std::uint32_t offset = 0;
  std::uint32_t caplen = 0;
  std::uint32_t length = 0;  ///< original length
};

class Capture {
public:
  explicit Capture(std::string name, std::uint32_t snaplen = 65535) : name_(std::move(name)), snaplen_(snaplen) {}

  const std::string& name() const { return name_; }
  void add(Time t, bool outgoing, net::Bytes frame) {
    const std::uint32_t cap = frame.size() < snaplen_ ? static_cast<std::uint32_t>(frame.size()) : snaplen_;
    records_.push_back({t, outgoing, static_cast<std::uint32_t>(bytes_.size()), cap,
                        static_cast<std::uint32_t>(frame.size())});
    bytes_.insert(bytes_.end(), frame.data(), frame.data() + cap);
  }
  std::size_t size() const { return records_.size(); }
  const std::vector<CaptureRecord>& records() const { return records_; }
  net::Bytes bytes_of(const CaptureRecord& r) const { return {bytes_.data() + r.offset, r.caplen}; }
  void clear() { records_.clear(); bytes_.clear(); }

  /// tcpdump-style text, one line per frame (see the file comment).
  std::string to_text() const;
  /// Writes a pcap file (nanosecond timestamps, Ethernet); throws fwd::Error naming the path.
  void write_pcap(const std::string& path) const;

private:
  std::string name_;
  std::uint32_t snaplen_;
  std::vector<CaptureRecord> records_;
  std::vector<std::uint8_t> bytes_;
};

/// One frame as `tcpdump -e -n` would print it after the timestamp (no timestamp, no newline).
std::string format_frame(net::Bytes frame);
/// Seconds with 6 decimals, as tcpdump -tt prints them.
std::string format_time(Time t);

}  // namespace fwd::sim
