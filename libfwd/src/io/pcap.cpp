// pcap / pcapng reading and pcap writing through libpcap (slow path).
#include "fwd/io/pcap.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace fwd::io {

namespace {
constexpr const char* supported = "supported link types: EN10MB (1, Ethernet)";
}

std::string linktype_name(int linktype) {
  const char* n = pcap_datalink_val_to_name(linktype);
  return n ? std::string(n) : fmt::format("{}", linktype);
}

PcapReader::PcapReader(const std::string& path) : path_(path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw FileError(fmt::format("cannot open capture '{}': {}", path, std::strerror(errno)));
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t got = std::fread(magic, 1, 4, f);
  std::rewind(f);
  if (got == 4 && magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a) format_ = "pcapng";
  else format_ = "pcap";
  char err[PCAP_ERRBUF_SIZE] = {0};
  p_ = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p_) {
    std::fclose(f);
    if (got < 4)
      throw Error(fmt::format("cannot read capture '{}': the file is {} bytes long, too short for a pcap or pcapng "
                              "header ({})", path, got, err));
    throw Error(fmt::format("cannot read capture '{}': {} (expected a pcap or pcapng file)", path, err));
  }
  linktype_ = pcap_datalink(p_);
  if (linktype_ != linktype_ethernet) {
    const int lt = linktype_;
    pcap_close(p_);
    p_ = nullptr;
    throw Error(fmt::format("capture '{}': link type {} ({}) is not supported: {}", path, linktype_name(lt), lt, supported));
  }
}

PcapReader::~PcapReader() {
  if (p_) pcap_close(p_);
}

bool PcapReader::next(Record& out) {
  std::FILE* f = pcap_file(p_);
  const long offset = f ? std::ftell(f) : -1;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(p_, &h, &data);
  if (rc == PCAP_ERROR_BREAK) return false;  // end of file
  if (rc != 1) {
    throw Error(fmt::format("capture '{}' ({}): record {} at byte offset {}: {}", path_, format_, records_ + 1, offset,
                            pcap_geterr(p_)));
  }
  ++records_;
  // With nanosecond precision requested, libpcap stores nanoseconds in tv_usec. A pcapng file may
  // give any count of any unit (e.g. 2^60 ticks of one second): range-check instead of wrapping.
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(static_cast<std::int64_t>(h->ts.tv_sec), std::int64_t{1'000'000'000}, &ns) ||
      __builtin_add_overflow(ns, static_cast<std::int64_t>(h->ts.tv_usec), &ns)) {
    throw Error(fmt::format("capture '{}' ({}): record {} at byte offset {}: timestamp {} s is outside the int64 "
                            "nanosecond range (about 1678..2262)", path_, format_, records_, offset,
                            static_cast<std::int64_t>(h->ts.tv_sec)));
  }
  out.timestamp = Time::from_ns(ns);
  out.wire_length = h->len;
  out.data = net::Bytes(data, h->caplen);
  return true;
}

FrameBlock read_frames(const std::string& path, std::size_t max_stride) {
  PcapReader r(path);
  FrameBlock b;
  b.format = r.format();
  // Frames are first kept compactly (one buffer + offsets): the padded block is sized once the
  // longest frame is known, and refused if padding would cost far more than the capture itself
  // (one 256 KiB frame among 20 000 small ones used to ask for 5 GB).
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> starts;
  std::size_t longest = 0;
  Record v;
  while (r.next(v)) {
    const std::size_t keep = max_stride ? std::min(v.data.size(), max_stride) : v.data.size();
    starts.push_back(bytes.size());
    if (keep) bytes.insert(bytes.end(), v.data.begin(), v.data.begin() + static_cast<std::ptrdiff_t>(keep));
    b.lengths.push_back(static_cast<std::uint32_t>(keep));
    b.wire_lengths.push_back(v.wire_length);
    b.timestamps_ns.push_back(v.timestamp.ns);
    longest = std::max(longest, keep);
  }
  b.count = starts.size();
  b.stride = max_stride ? max_stride : std::max<std::size_t>(longest, 1);
  const std::size_t budget = std::max<std::size_t>(std::size_t{64} << 20, 16 * (bytes.size() + 16 * b.count));
  if (b.count && b.stride > budget / b.count) {
    throw Error(fmt::format("capture '{}': padding its {} frames to rows of {} bytes (its longest frame) would take "
                            "{:.1f} MB for {:.1f} MB of frames; give a maximum row length (max_length / "
                            "max_stride, e.g. 512 bytes: every header libfwd hashes) or stream the file",
                            path, b.count, b.stride, static_cast<double>(b.count) * static_cast<double>(b.stride) / 1e6,
                            static_cast<double>(bytes.size()) / 1e6));
  }
  b.data.assign(b.count * b.stride, 0);
  for (std::size_t i = 0; i < b.count; ++i)
    if (b.lengths[i]) std::memcpy(b.data.data() + i * b.stride, bytes.data() + starts[i], b.lengths[i]);
  return b;
}

PcapWriter::PcapWriter(const std::string& path, int linktype, std::uint32_t snaplen, bool nanosecond)
    : path_(path), nanosecond_(nanosecond) {
  p_ = pcap_open_dead_with_tstamp_precision(linktype, static_cast<int>(snaplen),
                                            nanosecond ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  if (!p_) throw Error(fmt::format("cannot write capture '{}': libpcap refused link type {}", path, linktype));
  d_ = pcap_dump_open(p_, path.c_str());
  if (!d_) {
    const std::string why = pcap_geterr(p_);
    pcap_close(p_);
    p_ = nullptr;
    throw FileError(fmt::format("cannot create capture '{}': {}", path, why));
  }
}

PcapWriter::~PcapWriter() { close(); }

void PcapWriter::write(Time ts, net::Bytes frame, std::uint32_t wire_length) {
  if (!d_) throw Error(fmt::format("capture '{}' is already closed", path_));
  pcap_pkthdr h{};
  const std::int64_t unit = nanosecond_ ? 1'000'000'000 : 1'000'000;
  const std::int64_t sub = nanosecond_ ? ts.ns : ts.ns / 1000;
  h.ts.tv_sec = static_cast<decltype(h.ts.tv_sec)>(sub / unit);
  h.ts.tv_usec = static_cast<decltype(h.ts.tv_usec)>(sub % unit);
  h.caplen = static_cast<bpf_u_int32>(frame.size());
  h.len = wire_length ? wire_length : h.caplen;
  pcap_dump(reinterpret_cast<u_char*>(d_), &h, frame.data());
}

void PcapWriter::close() {
  if (d_) {
    pcap_dump_close(d_);
    d_ = nullptr;
  }
  if (p_) {
    pcap_close(p_);
    p_ = nullptr;
  }
}

}  // namespace fwd::io
