#pragma once
/// \file
/// pcap and pcapng input, pcap output, through libpcap (1.10; linked privately: no libpcap
/// header leaks into this one).
///
/// Reading: PcapReader walks a pcap or pcapng file record by record (libpcap detects the format),
/// with timestamps in nanoseconds as written in the file (microsecond files are scaled, pcapng
/// if_tsresol is honoured by libpcap). read_frames() loads a whole capture into one zero-padded
/// block of rows (the layout of hash::Policy::Batch and of the Python batch API), with captured
/// and on-wire lengths beside it. Only Ethernet captures (LINKTYPE_ETHERNET, 1) are accepted:
/// every hash in libfwd starts at the Ethernet header. Errors say what went wrong, where (record
/// number and byte offset) and what is accepted; frames shorter than an Ethernet header are
/// returned like any other (the caller counts them), never dropped.
///
/// Writing: PcapWriter writes classic pcap with nanosecond timestamps (magic 0xa1b23c4d) by
/// default, or microseconds for tools that want them.
/// Thread rules: a reader or writer belongs to one thread; distinct objects are independent.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/time.hpp"

struct pcap;         // libpcap's pcap_t
struct pcap_dumper;  // libpcap's pcap_dumper_t

namespace fwd::io {

/// LINKTYPE_ETHERNET: the one link type libfwd reads.
inline constexpr int linktype_ethernet = 1;

/// The file could not be opened at all (missing, unreadable): Python sees OSError.
class FileError : public Error {
public:
  explicit FileError(const std::string& what) : Error(what) {}
};

/// One record as read: valid until the next call to PcapReader::next().
struct Record {
  Time timestamp;
  std::uint32_t wire_length = 0;  ///< length on the wire (pcap "len")
  net::Bytes data;                ///< captured bytes (pcap "caplen" of them)
};

class PcapReader {
public:
  /// Opens a pcap or pcapng file. Throws FileError if it cannot be opened, fwd::Error if it is
  /// not a capture or its link type is not Ethernet.
  explicit PcapReader(const std::string& path);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  int linktype() const { return linktype_; }
  /// "pcap" or "pcapng".
  const std::string& format() const { return format_; }
  /// Next record; false at the end of the file. Throws fwd::Error for a truncated or corrupt
  /// record, naming the record number and byte offset.
  bool next(Record& out);
  /// Records returned so far.
  std::size_t records() const { return records_; }

private:
  std::string path_;
  std::string format_;
  ::pcap* p_ = nullptr;
  int linktype_ = 0;
  std::size_t records_ = 0;
};

/// A whole capture as one zero-padded block of rows.
struct FrameBlock {
  std::size_t count = 0;
  std::size_t stride = 0;                 ///< bytes per row
  std::vector<std::uint8_t> data;         ///< count * stride, zero-padded
  std::vector<std::uint32_t> lengths;     ///< captured length of each frame (clipped to stride)
  std::vector<std::uint32_t> wire_lengths;
  std::vector<std::int64_t> timestamps_ns;
  std::string format;                     ///< "pcap" or "pcapng"

  net::Bytes row(std::size_t i) const { return {data.data() + i * stride, lengths[i]}; }
};

/// Reads every record of a capture. `max_stride` > 0 caps the row width (longer frames are cut
/// to it; their `lengths` say so); 0 sizes rows to the longest captured frame (at least 1), unless
/// the padded block would exceed max(64 MiB, 16 x the capture's size): then fwd::Error asks for a
/// `max_stride` (memory stays proportional to the input). Flow tables stream instead: fwd/io/flows.hpp.
FrameBlock read_frames(const std::string& path, std::size_t max_stride = 0);

class PcapWriter {
public:
  /// Creates (truncates) `path`. Throws FileError if it cannot be created.
  explicit PcapWriter(const std::string& path, int linktype = linktype_ethernet, std::uint32_t snaplen = 262144,
                      bool nanosecond = true);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  /// Appends one record; `wire_length` 0 means "as captured".
  void write(Time timestamp, net::Bytes frame, std::uint32_t wire_length = 0);
  /// Flushes and closes (also done by the destructor).
  void close();

private:
  std::string path_;
  ::pcap* p_ = nullptr;
  ::pcap_dumper* d_ = nullptr;
  bool nanosecond_ = true;
};

/// Name of a link type as libpcap spells it ("EN10MB", "LINUX_SLL"), or its number.
std::string linktype_name(int linktype);

}  // namespace fwd::io
