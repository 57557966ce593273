#pragma once
/// \file
/// CaptureReader: the records of a pcap or pcapng capture, streamed in chunks, without libpcap.
///
/// Why a second reader beside PcapReader (libpcap): the flow table needs every link type of a
/// pcapng file (one per interface), must read a capture of any size in bounded memory, must read
/// from memory at tens of millions of records per second, and must never stop on a record it
/// cannot use. libpcap refuses pcapng files whose interfaces differ in link type and pays a call
/// and a copy per record.
///
/// Formats: classic pcap (microsecond magic a1b2c3d4 and nanosecond magic a1b23c4d, either byte
/// order) and pcapng (any number of sections, either byte order; Interface Description Blocks with
/// if_tsresol (decimal or binary) and if_tsoffset; Enhanced, Simple and obsolete Packet Blocks;
/// every other block is skipped). Timestamps are int64 nanoseconds since 1970; a timestamp that
/// does not fit (about +-292 years) is an error naming the record, never a wrapped value.
///
/// Memory: a file is read through one buffer of `chunk_bytes` (default 1 MiB) that grows only to
/// hold a single record larger than it; records larger than `max_record_bytes` (default 64 MiB)
/// are an error. Reading from memory copies nothing.
///
/// Bad input: a file that is not a capture, a corrupt header or block is a fwd::Error naming the
/// file, the record number and the byte offset. A record cut short by the end of the file (a
/// capture whose writer was killed) ends the stream; `truncated_tail()` says so and how many
/// bytes were left, so callers can count it rather than lose it silently.
///
/// Thread rules: a reader belongs to one thread; distinct readers are independent.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/io/pcap.hpp"  // FileError
#include "fwd/net/bytes.hpp"

namespace fwd::io {

/// Link types (LINKTYPE_* of the pcap registry) the flow reader classifies.
namespace linktype {
inline constexpr int ethernet = 1;          ///< EN10MB
inline constexpr int linux_sll = 113;       ///< Linux cooked capture v1 (16-byte header)
inline constexpr int linux_sll2 = 276;      ///< Linux cooked capture v2 (20-byte header)
inline constexpr int raw = 101;             ///< raw IP (version from the first nibble)
inline constexpr int ipv4 = 228;            ///< raw IPv4
inline constexpr int ipv6 = 229;            ///< raw IPv6
}  // namespace linktype

/// One record as read: `data` is valid until the next call to next().
struct CaptureRecord {
  std::int64_t timestamp_ns = 0;
  std::uint32_t wire_length = 0;  ///< original length on the wire
  std::uint32_t interface = 0;    ///< pcapng interface id (0 for classic pcap)
  int linktype = 0;               ///< link type of the record's interface
  net::Bytes data;                ///< captured bytes
};

class CaptureReader {
public:
  static constexpr std::size_t default_chunk_bytes = std::size_t{1} << 20;
  static constexpr std::size_t default_max_record_bytes = std::size_t{64} << 20;

  /// Streams the file at `path`. Throws FileError if it cannot be opened, fwd::Error if it does not
  /// start like a pcap or pcapng file.
  explicit CaptureReader(const std::string& path, std::size_t chunk_bytes = default_chunk_bytes,
                         std::size_t max_record_bytes = default_max_record_bytes);
  /// Reads a capture held in memory (not copied: `bytes` must outlive the reader). `name` is used
  /// in error messages.
  CaptureReader(net::Bytes bytes, std::string name = "<memory>",
                std::size_t max_record_bytes = default_max_record_bytes);
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  /// "pcap" or "pcapng".
  const std::string& format() const { return format_; }
  /// Next packet record; false at the end (or at a truncated last record, see truncated_tail()).
  bool next(CaptureRecord& out);
  /// Packet records returned so far.
  std::uint64_t records() const { return records_; }
  /// Bytes left over at the end that did not form a whole record (0 for a clean end).
  std::uint64_t truncated_tail() const { return tail_; }
  /// Link type of every interface seen so far (classic pcap: one).
  const std::vector<int>& interface_linktypes() const { return if_linktype_; }

private:
  struct Interface {
    int linktype = 0;
    std::uint32_t snaplen = 0;
    bool decimal = true;   // if_tsresol: 10^-exp (true) or 2^-exp
    unsigned exp = 6;      // default: microseconds
    std::int64_t offset_s = 0;
  };

  bool ensure(std::size_t n);  // at least n bytes at pos_; false at end of input
  void read_header();
  bool next_pcap(CaptureRecord& out);
  bool next_pcapng(CaptureRecord& out);
  void section_header(std::size_t len);
  void interface_block(const std::uint8_t* body, std::size_t len);
  std::int64_t pcapng_time(const Interface& itf, std::uint64_t units) const;
  std::uint32_t u32(const std::uint8_t* p) const { return swap_ ? net::be32(p) : net::le32(p); }
  std::uint16_t u16(const std::uint8_t* p) const { return swap_ ? net::be16(p) : net::le16(p); }
  [[noreturn]] void fail(const std::string& what) const;

  std::string name_;
  std::string format_;
  std::FILE* file_ = nullptr;
  std::vector<std::uint8_t> buf_;   // file mode: the chunk buffer
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;            // valid bytes at data_
  std::size_t pos_ = 0;             // parse position in data_
  std::uint64_t consumed_ = 0;      // file offset of data_[0]
  std::size_t chunk_ = default_chunk_bytes;
  std::size_t max_record_ = default_max_record_bytes;
  bool eof_ = false;
  bool swap_ = false;               // file byte order is big-endian
  bool pcapng_ = false;
  bool nanosecond_ = false;         // classic pcap: fraction in ns
  std::vector<Interface> ifs_;
  std::vector<int> if_linktype_;
  std::uint64_t records_ = 0;
  std::uint64_t tail_ = 0;
};

}  // namespace fwd::io
