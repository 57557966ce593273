// pcap / pcapng records, streamed in chunks (see fwd/io/capture.hpp for why not libpcap).
#include "fwd/io/capture.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace fwd::io {

namespace {
constexpr std::uint32_t pcapng_shb = 0x0A0D0D0A, pcapng_idb = 1, pcapng_opb = 2, pcapng_spb = 3, pcapng_epb = 6;
constexpr std::int64_t ns_per_s = 1'000'000'000;
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
}  // namespace

CaptureReader::CaptureReader(const std::string& path, std::size_t chunk_bytes, std::size_t max_record_bytes)
    : name_(path), chunk_(std::max<std::size_t>(chunk_bytes, 4096)), max_record_(max_record_bytes) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw FileError(fmt::format("cannot open capture '{}': {}", path, std::strerror(errno)));
  buf_.resize(chunk_);
  data_ = buf_.data();
  try {
    read_header();
  } catch (...) {
    std::fclose(file_);
    file_ = nullptr;
    throw;
  }
}

CaptureReader::CaptureReader(net::Bytes bytes, std::string name, std::size_t max_record_bytes)
    : name_(std::move(name)), data_(bytes.data()), size_(bytes.size()), max_record_(max_record_bytes), eof_(true) {
  read_header();
}

CaptureReader::~CaptureReader() {
  if (file_) std::fclose(file_);
}

void CaptureReader::fail(const std::string& what) const {
  throw Error(fmt::format("cannot read capture '{}' ({}): {}", name_, format_.empty() ? "unknown format" : format_, what));
}

bool CaptureReader::ensure(std::size_t n) {
  if (size_ - pos_ >= n) return true;
  if (eof_) return false;
  // File mode: keep the unread tail, make room, refill.
  const std::size_t keep = size_ - pos_;
  if (n > buf_.size()) {
    if (n > max_record_ + 64)
      fail(fmt::format("record {} at byte offset {} is {} bytes long, more than the {} bytes accepted", records_ + 1,
                       consumed_ + pos_, n, max_record_));
    std::vector<std::uint8_t> bigger(std::max(n, buf_.size() * 2));
    if (keep) std::memcpy(bigger.data(), buf_.data() + pos_, keep);
    buf_.swap(bigger);
  } else if (keep && pos_) {
    std::memmove(buf_.data(), buf_.data() + pos_, keep);
  }
  consumed_ += pos_;
  pos_ = 0;
  size_ = keep;
  data_ = buf_.data();
  while (size_ < n && !eof_) {
    const std::size_t got = std::fread(buf_.data() + size_, 1, buf_.size() - size_, file_);
    size_ += got;
    if (got == 0) {
      if (std::ferror(file_)) fail(fmt::format("read error at byte offset {}: {}", consumed_ + size_, std::strerror(errno)));
      eof_ = true;
    }
  }
  return size_ >= n;
}

void CaptureReader::read_header() {
  if (!ensure(4)) {
    throw Error(fmt::format("cannot read capture '{}': the file is {} bytes long, too short for a pcap or pcapng header",
                            name_, size_));
  }
  const std::uint8_t* p = data_ + pos_;
  const std::uint32_t magic_le = net::le32(p);
  if (magic_le == pcapng_shb) {
    pcapng_ = true;
    format_ = "pcapng";
    return;  // the section header is read as the first block
  }
  format_ = "pcap";
  if (magic_le == 0xa1b2c3d4 || magic_le == 0xa1b23c4d) {
    swap_ = false;
  } else if (net::be32(p) == 0xa1b2c3d4 || net::be32(p) == 0xa1b23c4d) {
    swap_ = true;
  } else {
    format_.clear();
    throw Error(fmt::format("cannot read capture '{}': unknown magic number {:02x}{:02x}{:02x}{:02x} (expected a pcap "
                            "file: a1b2c3d4 or a1b23c4d in either byte order, or a pcapng file: 0a0d0d0a)",
                            name_, p[0], p[1], p[2], p[3]));
  }
  nanosecond_ = u32(p) == 0xa1b23c4d;
  if (!ensure(24)) fail(fmt::format("the file header is cut short ({} of 24 bytes)", size_ - pos_));
  p = data_ + pos_;
  Interface itf;
  itf.snaplen = u32(p + 16);
  itf.linktype = static_cast<int>(u32(p + 20) & 0xffff);  // the upper bits carry FCS information
  itf.exp = nanosecond_ ? 9 : 6;
  ifs_.push_back(itf);
  if_linktype_.push_back(itf.linktype);
  pos_ += 24;
}

bool CaptureReader::next(CaptureRecord& out) { return pcapng_ ? next_pcapng(out) : next_pcap(out); }

bool CaptureReader::next_pcap(CaptureRecord& out) {
  if (!ensure(16)) {
    tail_ = size_ - pos_;
    return false;
  }
  const std::uint8_t* h = data_ + pos_;
  const std::uint32_t caplen = u32(h + 8);
  if (caplen > max_record_)
    fail(fmt::format("record {} at byte offset {}: captured length {} is more than the {} bytes accepted (corrupt "
                     "record header?)", records_ + 1, consumed_ + pos_, caplen, max_record_));
  if (!ensure(16 + std::size_t{caplen})) {
    tail_ = size_ - pos_;
    return false;
  }
  h = data_ + pos_;
  // Records are read front to back: ask for the bytes a few records ahead (a hint; never read).
  __builtin_prefetch(h + 2048);
  // ts_sec is unsigned 32-bit: at most 4.3e18 ns, always inside int64.
  const std::int64_t frac = u32(h + 4);
  out.timestamp_ns = static_cast<std::int64_t>(u32(h)) * ns_per_s + (nanosecond_ ? frac : frac * 1000);
  out.wire_length = u32(h + 12);
  out.interface = 0;
  out.linktype = ifs_[0].linktype;
  out.data = net::Bytes(h + 16, caplen);
  pos_ += 16 + std::size_t{caplen};
  ++records_;
  return true;
}

std::int64_t CaptureReader::pcapng_time(const Interface& itf, std::uint64_t units) const {
  // ns = units * 1e9 / resolution, in 128-bit arithmetic, then range-checked.
  using u128 = unsigned __int128;
  u128 ns;
  if (itf.decimal) {
    if (itf.exp <= 9) {
      u128 mul = 1;
      for (unsigned i = itf.exp; i < 9; ++i) mul *= 10;
      ns = u128{units} * mul;
    } else {
      u128 div = 1;
      for (unsigned i = 9; i < itf.exp && div <= u128{units}; ++i) div *= 10;
      ns = u128{units} / div;
    }
  } else {
    ns = itf.exp >= 127 ? 0 : (u128{units} * static_cast<u128>(ns_per_s)) >> itf.exp;
  }
  const __int128 total = static_cast<__int128>(ns) + static_cast<__int128>(itf.offset_s) * ns_per_s;
  if (ns > static_cast<u128>(int64_max) || total > int64_max || total < std::numeric_limits<std::int64_t>::min())
    fail(fmt::format("record {}: timestamp {} (resolution {}^-{} s, offset {} s) is outside the int64 nanosecond "
                     "range (about 1678..2262)", records_ + 1, units, itf.decimal ? 10 : 2, itf.exp, itf.offset_s));
  return static_cast<std::int64_t>(total);
}

void CaptureReader::section_header(std::size_t len) {
  if (len < 28) fail(fmt::format("section header at byte offset {} is {} bytes long (at least 28)", consumed_ + pos_, len));
  ifs_.clear();  // interface ids are per section
}

void CaptureReader::interface_block(const std::uint8_t* body, std::size_t len) {
  if (len < 8) fail(fmt::format("interface description block {} is cut short", ifs_.size()));
  Interface itf;
  itf.linktype = u16(body);
  itf.snaplen = u32(body + 4);
  std::size_t at = 8;
  while (at + 4 <= len) {
    const std::uint16_t code = u16(body + at), olen = u16(body + at + 2);
    at += 4;
    if (code == 0) break;
    if (at + olen > len) fail(fmt::format("interface description block {}: option {} runs past the block", ifs_.size(), code));
    if (code == 9 && olen >= 1) {
      itf.decimal = (body[at] & 0x80) == 0;
      itf.exp = body[at] & 0x7f;
    } else if (code == 14 && olen >= 8) {
      const std::uint64_t v = swap_ ? (std::uint64_t{net::be32(body + at)} << 32) | net::be32(body + at + 4)
                                    : (std::uint64_t{net::le32(body + at + 4)} << 32) | net::le32(body + at);
      itf.offset_s = static_cast<std::int64_t>(v);
      if (itf.offset_s > int64_max / ns_per_s || itf.offset_s < -(int64_max / ns_per_s))
        fail(fmt::format("interface description block {}: if_tsoffset {} s is out of range", ifs_.size(), itf.offset_s));
    }
    at += (std::size_t{olen} + 3) & ~std::size_t{3};
  }
  ifs_.push_back(itf);
  if_linktype_.push_back(itf.linktype);
}

bool CaptureReader::next_pcapng(CaptureRecord& out) {
  for (;;) {
    if (!ensure(12)) {
      tail_ = size_ - pos_;
      return false;
    }
    const std::uint8_t* p = data_ + pos_;
    const std::uint32_t type_le = net::le32(p);
    if (type_le == pcapng_shb) {
      // The byte-order magic decides how everything in this section is read.
      const std::uint32_t bom = net::le32(p + 8);
      if (bom == 0x1A2B3C4D) swap_ = false;
      else if (bom == 0x4D3C2B1A) swap_ = true;
      else fail(fmt::format("section header at byte offset {}: bad byte-order magic {:08x}", consumed_ + pos_, bom));
    }
    const std::uint32_t type = u32(p);
    const std::uint32_t len = u32(p + 4);
    if (len < 12 || len % 4 != 0)
      fail(fmt::format("block at byte offset {} (after record {}) has length {} (a multiple of 4, at least 12)",
                       consumed_ + pos_, records_, len));
    if (len > max_record_ + 64)
      fail(fmt::format("block at byte offset {} is {} bytes long, more than the {} bytes accepted", consumed_ + pos_, len,
                       max_record_ + 64));
    if (!ensure(len)) {
      tail_ = size_ - pos_;
      return false;
    }
    p = data_ + pos_;
    if (u32(p + len - 4) != len)
      fail(fmt::format("block at byte offset {}: trailing length {} differs from the leading {}", consumed_ + pos_,
                       u32(p + len - 4), len));
    const std::uint8_t* body = p + 8;
    const std::size_t blen = len - 12;
    const std::uint64_t at = consumed_ + pos_;
    if (type == pcapng_shb) {
      section_header(len);
      pos_ += len;
      continue;
    }
    if (type == pcapng_idb) {
      interface_block(body, blen);
      pos_ += len;
      continue;
    }
    if (type != pcapng_epb && type != pcapng_spb && type != pcapng_opb) {
      pos_ += len;  // statistics, name resolution, custom...: not packets
      continue;
    }
    std::uint32_t ifid = 0, caplen = 0, wire = 0;
    std::uint64_t units = 0;
    std::size_t hdr = 0;
    if (type == pcapng_epb) {
      if (blen < 20) fail(fmt::format("enhanced packet block at byte offset {} is cut short", at));
      ifid = u32(body);
      units = (std::uint64_t{u32(body + 4)} << 32) | u32(body + 8);
      caplen = u32(body + 12);
      wire = u32(body + 16);
      hdr = 20;
    } else if (type == pcapng_opb) {
      if (blen < 20) fail(fmt::format("packet block at byte offset {} is cut short", at));
      ifid = u16(body);
      units = (std::uint64_t{u32(body + 4)} << 32) | u32(body + 8);
      caplen = u32(body + 12);
      wire = u32(body + 16);
      hdr = 20;
    } else {
      if (blen < 4) fail(fmt::format("simple packet block at byte offset {} is cut short", at));
      wire = u32(body);
      hdr = 4;
      caplen = static_cast<std::uint32_t>(std::min<std::size_t>(wire, blen - 4));
      if (!ifs_.empty() && ifs_[0].snaplen) caplen = std::min(caplen, ifs_[0].snaplen);
    }
    if (ifid >= ifs_.size())
      fail(fmt::format("packet block at byte offset {} names interface {}, but the section describes {}", at, ifid,
                       ifs_.size()));
    if (caplen > blen - hdr)
      fail(fmt::format("packet block at byte offset {}: captured length {} runs past the block ({} bytes of data)", at,
                       caplen, blen - hdr));
    const Interface& itf = ifs_[ifid];
    out.timestamp_ns = type == pcapng_spb ? 0 : pcapng_time(itf, units);
    out.wire_length = wire;
    out.interface = ifid;
    out.linktype = itf.linktype;
    out.data = net::Bytes(body + hdr, caplen);
    pos_ += len;
    ++records_;
    return true;
  }
}

}  // namespace fwd::io
