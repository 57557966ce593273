// fwd/io/pcap.hpp: files are generated here (writer, or hand-built bytes), never checked in.
#include "fwd/io/pcap.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using fwd::Time;
using fwd::io::FileError;
using fwd::io::PcapReader;
using fwd::io::PcapWriter;

namespace {
std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fwd_pcap_test_" + std::to_string(::getpid()) + "_" + name)).string();
}
void put_le16(std::vector<std::uint8_t>& v, std::uint16_t x) { v.push_back(x & 0xff); v.push_back(x >> 8); }
void put_le32(std::vector<std::uint8_t>& v, std::uint32_t x) { for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i))); }
void save(const std::string& path, const std::vector<std::uint8_t>& v) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
}
std::vector<std::uint8_t> load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::vector<std::uint8_t> frame(std::size_t n, std::uint8_t fill) { return std::vector<std::uint8_t>(n, fill); }

// A classic microsecond pcap: global header + records (ts_sec, ts_usec, caplen, len, bytes).
std::vector<std::uint8_t> usec_pcap(std::uint32_t linktype, const std::vector<std::vector<std::uint8_t>>& frames) {
  std::vector<std::uint8_t> v;
  put_le32(v, 0xa1b2c3d4);
  put_le16(v, 2);
  put_le16(v, 4);
  put_le32(v, 0);
  put_le32(v, 0);
  put_le32(v, 65535);
  put_le32(v, linktype);
  std::uint32_t usec = 250;
  for (const auto& f : frames) {
    put_le32(v, 1700000000);
    put_le32(v, usec++);
    put_le32(v, static_cast<std::uint32_t>(f.size()));
    put_le32(v, static_cast<std::uint32_t>(f.size() + 4));
    v.insert(v.end(), f.begin(), f.end());
  }
  return v;
}

// pcapng: SHB, IDB (Ethernet, if_tsresol = 9: nanoseconds), then one EPB per frame.
std::vector<std::uint8_t> pcapng(const std::vector<std::vector<std::uint8_t>>& frames, std::uint64_t t0_ns) {
  std::vector<std::uint8_t> v;
  put_le32(v, 0x0a0d0d0a);
  put_le32(v, 28);
  put_le32(v, 0x1a2b3c4d);
  put_le16(v, 1);
  put_le16(v, 0);
  put_le32(v, 0xffffffff);
  put_le32(v, 0xffffffff);
  put_le32(v, 28);
  // IDB with option if_tsresol (code 9, length 1, value 9) + opt_endofopt.
  put_le32(v, 1);
  put_le32(v, 32);
  put_le16(v, 1);
  put_le16(v, 0);
  put_le32(v, 0);
  put_le16(v, 9);
  put_le16(v, 1);
  v.push_back(9);
  v.push_back(0);
  v.push_back(0);
  v.push_back(0);
  put_le32(v, 0);
  put_le32(v, 32);
  std::uint64_t t = t0_ns;
  for (const auto& f : frames) {
    const std::uint32_t padded = static_cast<std::uint32_t>((f.size() + 3) / 4 * 4);
    const std::uint32_t len = 32 + padded;
    put_le32(v, 6);
    put_le32(v, len);
    put_le32(v, 0);
    put_le32(v, static_cast<std::uint32_t>(t >> 32));
    put_le32(v, static_cast<std::uint32_t>(t));
    put_le32(v, static_cast<std::uint32_t>(f.size()));
    put_le32(v, static_cast<std::uint32_t>(f.size()));
    v.insert(v.end(), f.begin(), f.end());
    v.resize(v.size() + (padded - f.size()), 0);
    put_le32(v, len);
    t += 1500;
  }
  return v;
}
std::string error_of(const std::string& path) {
  try {
    fwd::io::read_frames(path);
  } catch (const fwd::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Pcap, WriteThenReadBackWithNanosecondTimestamps) {
  const auto path = tmp("rw.pcap");
  {
    PcapWriter w(path);
    w.write(Time::from_ns(1'700'000'000'123'456'789), frame(60, 0xaa));
    w.write(Time::from_ns(1'700'000'001'000'000'001), frame(10, 0xbb), 1514);  // short frame, cut capture
    w.write(Time::from_ns(5), frame(100, 0xcc));
  }
  PcapReader r(path);
  EXPECT_EQ(r.format(), "pcap");
  EXPECT_EQ(r.linktype(), 1);
  fwd::io::Record v;
  ASSERT_TRUE(r.next(v));
  EXPECT_EQ(v.timestamp.ns, 1'700'000'000'123'456'789);
  EXPECT_EQ(v.data.size(), 60u);
  EXPECT_EQ(v.wire_length, 60u);
  ASSERT_TRUE(r.next(v));
  EXPECT_EQ(v.data.size(), 10u);
  EXPECT_EQ(v.wire_length, 1514u);
  ASSERT_TRUE(r.next(v));
  EXPECT_EQ(v.timestamp.ns, 5);
  EXPECT_FALSE(r.next(v));
  EXPECT_EQ(r.records(), 3u);

  const auto b = fwd::io::read_frames(path);
  EXPECT_EQ(b.count, 3u);
  EXPECT_EQ(b.stride, 100u);
  EXPECT_EQ(b.lengths, (std::vector<std::uint32_t>{60, 10, 100}));
  EXPECT_EQ(b.wire_lengths, (std::vector<std::uint32_t>{60, 1514, 100}));
  EXPECT_EQ(b.data[60], 0);  // zero padding after a 60-byte frame
  EXPECT_EQ(b.data[100 + 9], 0xbb);
  EXPECT_EQ(b.data[100 + 10], 0);
  const auto cut = fwd::io::read_frames(path, 64);
  EXPECT_EQ(cut.stride, 64u);
  EXPECT_EQ(cut.lengths[2], 64u);
  std::remove(path.c_str());
}

TEST(Pcap, MicrosecondFilesAreScaledToNanoseconds) {
  const auto path = tmp("usec.pcap");
  save(path, usec_pcap(1, {frame(60, 1), frame(42, 2)}));
  const auto b = fwd::io::read_frames(path);
  ASSERT_EQ(b.count, 2u);
  EXPECT_EQ(b.timestamps_ns[0], 1'700'000'000'000'250'000);
  EXPECT_EQ(b.timestamps_ns[1], 1'700'000'000'000'251'000);
  EXPECT_EQ(b.wire_lengths[1], 46u);
  std::remove(path.c_str());
  // The writer's microsecond mode reads back the same way.
  const auto p2 = tmp("usec2.pcap");
  {
    PcapWriter w(p2, 1, 65535, false);
    w.write(Time::from_ns(3'000'004'999), frame(20, 0));
  }
  EXPECT_EQ(load(p2)[0], 0xd4);  // 0xa1b2c3d4 little-endian: the microsecond magic
  EXPECT_EQ(fwd::io::read_frames(p2).timestamps_ns[0], 3'000'004'000);
  std::remove(p2.c_str());
}

TEST(Pcap, ReadsPcapng) {
  const auto path = tmp("x.pcapng");
  save(path, pcapng({frame(60, 7), frame(61, 8), frame(13, 9)}, 1'600'000'000'000'000'123ULL));
  const auto b = fwd::io::read_frames(path);
  EXPECT_EQ(b.format, "pcapng");
  ASSERT_EQ(b.count, 3u);
  EXPECT_EQ(b.lengths, (std::vector<std::uint32_t>{60, 61, 13}));
  EXPECT_EQ(b.timestamps_ns[0], 1'600'000'000'000'000'123LL);
  EXPECT_EQ(b.timestamps_ns[2], 1'600'000'000'000'003'123LL);
  EXPECT_EQ(b.row(1)[60], 8);
  std::remove(path.c_str());
}

TEST(Pcap, ClearErrors) {
  // Missing file: a FileError (OSError in Python) with the system's reason.
  EXPECT_THROW(PcapReader("/nonexistent/dir/x.pcap"), FileError);
  EXPECT_NE(error_of("/nonexistent/dir/x.pcap").find("No such file or directory"), std::string::npos);
  // Not a capture.
  const auto junk = tmp("junk.pcap");
  save(junk, std::vector<std::uint8_t>(100, 'x'));
  const auto e1 = error_of(junk);
  EXPECT_NE(e1.find("expected a pcap or pcapng file"), std::string::npos) << e1;
  // Empty file.
  save(junk, {});
  EXPECT_NE(error_of(junk).find("too short"), std::string::npos) << error_of(junk);
  // Unsupported link type: names it and lists the supported ones.
  save(junk, usec_pcap(113, {frame(20, 0)}));
  EXPECT_EQ(error_of(junk), "capture '" + junk + "': link type LINUX_SLL (113) is not supported: supported link types: EN10MB (1, Ethernet)");
  // Truncated in the middle of the second record: says which record and where.
  auto v = usec_pcap(1, {frame(60, 1), frame(60, 2)});
  v.resize(v.size() - 30);
  save(junk, v);
  const auto e2 = error_of(junk);
  EXPECT_NE(e2.find("record 2 at byte offset 100"), std::string::npos) << e2;
  EXPECT_NE(e2.find("truncated"), std::string::npos) << e2;
  // Truncated pcapng block.
  auto ng = pcapng({frame(60, 1)}, 0);
  ng.resize(ng.size() - 10);
  save(junk, ng);
  EXPECT_NE(error_of(junk).find("record 1"), std::string::npos) << error_of(junk);
  std::remove(junk.c_str());
  EXPECT_THROW(PcapWriter("/nonexistent/dir/out.pcap"), FileError);
}

// Issue 11 regressions.
namespace {
// pcapng with if_tsresol = 0 (units of one second) and one EPB at `units`.
std::vector<std::uint8_t> pcapng_seconds(std::uint64_t units, std::size_t frame_len) {
  auto v = pcapng({}, 0);                       // SHB + IDB (tsresol 9)
  v[28 + 16 + 4] = 0;                            // if_tsresol value byte -> 10^0
  const std::uint32_t padded = static_cast<std::uint32_t>((frame_len + 3) / 4 * 4), len = 32 + padded;
  put_le32(v, 6); put_le32(v, len); put_le32(v, 0);
  put_le32(v, static_cast<std::uint32_t>(units >> 32)); put_le32(v, static_cast<std::uint32_t>(units));
  put_le32(v, static_cast<std::uint32_t>(frame_len)); put_le32(v, static_cast<std::uint32_t>(frame_len));
  v.resize(v.size() + padded, 0x11);
  put_le32(v, len);
  return v;
}
}  // namespace

TEST(Pcap, HugePcapngTimestampIsAnErrorNotASignedOverflow) {
  const auto path = tmp("huge_ts.pcapng");
  save(path, pcapng_seconds(std::uint64_t{1} << 62, 60));  // 2^62 s: beyond int64 nanoseconds
  const auto e = error_of(path);
  EXPECT_NE(e.find("outside the int64 nanosecond range"), std::string::npos) << e;
  save(path, pcapng_seconds(1'700'000'000, 60));           // an ordinary second still reads
  const auto b = fwd::io::read_frames(path);
  ASSERT_EQ(b.count, 1u);
  EXPECT_EQ(b.timestamps_ns[0], 1'700'000'000'000'000'000);
  std::remove(path.c_str());
}

TEST(Pcap, EveryRecordZeroLength) {
  // All-empty records: no bytes to copy (memcpy from a null buffer was undefined behaviour, seen by UBSan).
  const auto path = tmp("empty_records.pcap");
  save(path, usec_pcap(1, {frame(0, 0), frame(0, 0), frame(0, 0)}));
  const auto b = fwd::io::read_frames(path);
  EXPECT_EQ(b.count, 3u);
  EXPECT_EQ(b.stride, 1u);
  EXPECT_EQ(b.lengths, (std::vector<std::uint32_t>{0, 0, 0}));
  EXPECT_EQ(b.wire_lengths, (std::vector<std::uint32_t>{4, 4, 4}));
  std::remove(path.c_str());
}

TEST(Pcap, PaddingIsBoundedByTheCaptureSize) {
  // 20 000 small frames and one of 256 KiB: padding every row to the longest asked for 5 GB.
  std::vector<std::vector<std::uint8_t>> frames(20000, frame(60, 1));
  frames.push_back(frame(262144, 2));
  const auto path = tmp("one_large.pcap");
  save(path, usec_pcap(1, frames));
  const auto e = error_of(path);
  EXPECT_NE(e.find("give a maximum row length"), std::string::npos) << e;
  // With a row length it reads, in memory proportional to the rows asked for.
  const auto b = fwd::io::read_frames(path, 512);
  EXPECT_EQ(b.count, 20001u);
  EXPECT_EQ(b.data.size(), 20001u * 512u);
  EXPECT_EQ(b.lengths.back(), 512u);
  EXPECT_EQ(b.wire_lengths.back(), 262148u);
  std::remove(path.c_str());
}
