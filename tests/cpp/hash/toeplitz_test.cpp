#include "fwd/hash/toeplitz.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fwd/net/ip.hpp"

namespace tp = fwd::hash::toeplitz;
using fwd::net::Bytes;
using Buf = std::vector<std::uint8_t>;

namespace {
void put16(Buf& b, unsigned v) { b.push_back(v >> 8), b.push_back(v & 0xff); }
void append(Buf& b, const auto& bytes) { b.insert(b.end(), bytes.begin(), bytes.end()); }

// Ethernet + optional tags + IPv4 (ihl words, given protocol and flags/offset) + 4 port bytes + pad.
Buf ipv4_frame(const std::string& src, const std::string& dst, unsigned sport, unsigned dport,
               std::uint8_t proto = 6, std::vector<unsigned> tags = {}, unsigned ihl = 5, unsigned frag = 0) {
  Buf f = hex("00005e000101002590112233");
  for (unsigned tpid : tags) put16(f, tpid), put16(f, 100);
  put16(f, 0x0800);
  f.push_back(static_cast<std::uint8_t>(0x40 | ihl));
  f.push_back(0);
  put16(f, ihl * 4 + 20);
  put16(f, 0x1234);
  put16(f, frag);
  f.push_back(64), f.push_back(proto);
  put16(f, 0);
  append(f, fwd::net::Ipv4::parse(src).to_bytes());
  append(f, fwd::net::Ipv4::parse(dst).to_bytes());
  for (unsigned i = 5; i < ihl; ++i) append(f, std::array<std::uint8_t, 4>{1, 1, 1, 1});  // NOP options
  put16(f, sport), put16(f, dport);
  f.resize(f.size() + 16, 0);
  return f;
}
Buf ipv6_frame(const std::string& src, const std::string& dst, unsigned sport, unsigned dport,
               std::uint8_t next = 6) {
  Buf f = hex("00005e000101002590112233");
  put16(f, 0x86dd);
  append(f, hex("6000000000140040"));
  f[f.size() - 2] = next;
  append(f, fwd::net::Ipv6::parse(src).bytes);
  append(f, fwd::net::Ipv6::parse(dst).bytes);
  put16(f, sport), put16(f, dport);
  f.resize(f.size() + 16, 0);
  return f;
}

// The published Microsoft RSS verification table (spec §5): destination, source, then the values.
struct MsRow { const char* dst; unsigned dport; const char* src; unsigned sport; std::uint32_t l3, l4; };
const MsRow ms_v4[] = {
    {"161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178},
    {"65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea},
    {"12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a},
    {"209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f},
    {"202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2},
};
const MsRow ms_v6[] = {
    {"3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d},
    {"ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf},
    {"fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985, 0x02d1feef},
};
const tp::Key& ms_key() {
  static const tp::Key k(tp::microsoft_key);
  return k;
}
}  // namespace

TEST(Toeplitz, MicrosoftVerificationTableIpv4) {
  for (const auto& r : ms_v4) {
    SCOPED_TRACE(r.src);
    const Buf f = ipv4_frame(r.src, r.dst, r.sport, r.dport);
    EXPECT_EQ(tp::hash(ms_key(), f, tp::HashType::ipv4), r.l3);
    EXPECT_EQ(tp::hash(ms_key(), f, tp::HashType::ipv4_tcp), r.l4);
    std::array<std::uint8_t, 36> in{};
    ASSERT_EQ(tp::extract(f, tp::HashType::ipv4_tcp, in), 12u);
    EXPECT_EQ(tp::hash_input(ms_key(), Bytes(in.data(), 12)), r.l4);
    EXPECT_EQ(tp::hash_bitwise(tp::microsoft_key, Bytes(in.data(), 8)), r.l3);
    EXPECT_EQ(tp::hash_bitwise(tp::microsoft_key, Bytes(in.data(), 12)), r.l4);
  }
}

TEST(Toeplitz, MicrosoftVerificationTableIpv6) {
  for (const auto& r : ms_v6) {
    SCOPED_TRACE(r.src);
    const Buf f = ipv6_frame(r.src, r.dst, r.sport, r.dport);
    EXPECT_EQ(tp::hash(ms_key(), f, tp::HashType::ipv6), r.l3);
    EXPECT_EQ(tp::hash(ms_key(), f, tp::HashType::ipv6_tcp), r.l4);
    std::array<std::uint8_t, 36> in{};
    ASSERT_EQ(tp::extract(f, tp::HashType::ipv6_tcp, in), 36u);
    EXPECT_EQ(tp::hash_bitwise(tp::microsoft_key, Bytes(in.data(), 36)), r.l4);
  }
}

TEST(Toeplitz, WorkedExampleOfTheSpec) {
  EXPECT_EQ(tp::hash_input(ms_key(), hex("420995bba18e6450")), 0x323e8fc2u);
  const Buf f1 = hex("00005e0001010025901122330800450000281234000040069738c0a85002c0a80011"
                     "005078ac00000001000000005012ffff00000000000000000000");
  const std::uint32_t h = tp::hash(ms_key(), f1, tp::HashType::ipv4_tcp);
  EXPECT_EQ(h, 0x8ee0453du);
  EXPECT_EQ(h & 127, 61u);
  EXPECT_EQ(tp::reta_index(h, 2), 1u);
}

TEST(Toeplitz, SymmetricKeyIsSymmetric) {
  const tp::Key sym(tp::symmetric_key);
  const tp::Key ms(tp::microsoft_key);
  std::mt19937 rng(7);
  int ms_asymmetric = 0;
  for (int i = 0; i < 200; ++i) {
    Buf a(36), b(36);
    for (auto& x : a) x = static_cast<std::uint8_t>(rng());
    for (std::size_t addr : {4u, 16u}) {
      // b = a with addresses swapped and ports swapped.
      std::copy_n(a.begin() + addr, addr, b.begin());
      std::copy_n(a.begin(), addr, b.begin() + addr);
      b[2 * addr] = a[2 * addr + 2], b[2 * addr + 1] = a[2 * addr + 3];
      b[2 * addr + 2] = a[2 * addr], b[2 * addr + 3] = a[2 * addr + 1];
      for (std::size_t len : {2 * addr, 2 * addr + 4}) {
        EXPECT_EQ(tp::hash_input(sym, Bytes(a.data(), len)), tp::hash_input(sym, Bytes(b.data(), len)));
        ms_asymmetric += tp::hash_input(ms, Bytes(a.data(), len)) != tp::hash_input(ms, Bytes(b.data(), len));
      }
    }
  }
  EXPECT_GT(ms_asymmetric, 700);  // the Microsoft key is not symmetric: the property is the key's
}

TEST(Toeplitz, ByteTableEqualsBitwiseOnRandomKeysAndInputs) {
  std::mt19937 rng(20261125);
  for (int k = 0; k < 300; ++k) {
    Buf key(4 + rng() % 61);
    for (auto& x : key) x = static_cast<std::uint8_t>(rng());
    const tp::Key table(key);
    ASSERT_EQ(table.size(), key.size());
    for (int i = 0; i < 20; ++i) {
      Buf in(rng() % (key.size() + 9));  // also past the key's end, where key bits read as 0
      for (auto& x : in) x = static_cast<std::uint8_t>(rng());
      ASSERT_EQ(tp::hash_input(table, in), tp::hash_bitwise(key, in)) << "key " << key.size() << " in " << in.size();
    }
  }
}

TEST(Toeplitz, KeySizeIsChecked) {
  EXPECT_THROW(tp::Key(Buf(3, 1)), fwd::Error);
  EXPECT_THROW(tp::Key(Buf(65, 1)), fwd::Error);
  EXPECT_NO_THROW(tp::Key(Buf(52, 1)));
  try {
    tp::Key(Buf(0));
    FAIL();
  } catch (const fwd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("0 bytes"), std::string::npos) << e.what();
  }
}

TEST(Toeplitz, HashTypeNames) {
  for (auto t : {tp::HashType::ipv4, tp::HashType::ipv4_tcp, tp::HashType::ipv4_udp, tp::HashType::ipv6,
                 tp::HashType::ipv6_tcp, tp::HashType::ipv6_udp})
    EXPECT_EQ(tp::hash_type_from_name(tp::name(t)), t);
  EXPECT_EQ(tp::name(tp::HashType::ipv6_udp), "ipv6_udp");
  try {
    tp::hash_type_from_name("ipv4-tcp");
    FAIL();
  } catch (const fwd::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'ipv4-tcp'"), std::string::npos) << m;
    EXPECT_NE(m.find("ipv4, ipv4_tcp, ipv4_udp, ipv6, ipv6_tcp, ipv6_udp"), std::string::npos) << m;
  }
}

TEST(ToeplitzExtract, SkipsInBandTagsAndIpv4Options) {
  const Buf plain = ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80);
  const std::uint32_t h = tp::hash(ms_key(), plain, tp::HashType::ipv4_tcp);
  EXPECT_EQ(tp::hash(ms_key(), ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80, 6, {0x8100}), tp::HashType::ipv4_tcp), h);
  EXPECT_EQ(tp::hash(ms_key(), ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80, 6, {0x88a8, 0x8100}), tp::HashType::ipv4_tcp), h);
  EXPECT_EQ(tp::hash(ms_key(), ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80, 6, {}, 15), tp::HashType::ipv4_tcp), h);
  std::array<std::uint8_t, 36> in{};
  ASSERT_EQ(tp::extract(ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80, 6, {0x8100}, 7), tp::HashType::ipv4_tcp, in), 12u);
  EXPECT_EQ(Buf(in.begin(), in.begin() + 12), hex("0a0000010a00000204d20050"));
}

TEST(ToeplitzExtract, TypeMustMatchTheFrame) {
  std::array<std::uint8_t, 36> in{};
  const Buf udp = ipv4_frame("10.0.0.1", "10.0.0.2", 53, 53, 17);
  EXPECT_EQ(tp::extract(udp, tp::HashType::ipv4_tcp, in), 0u);
  EXPECT_EQ(tp::extract(udp, tp::HashType::ipv4_udp, in), 12u);
  EXPECT_EQ(tp::extract(udp, tp::HashType::ipv4, in), 8u);
  EXPECT_EQ(tp::extract(udp, tp::HashType::ipv6, in), 0u);
  EXPECT_EQ(tp::extract(ipv4_frame("10.0.0.1", "10.0.0.2", 0, 0, 1), tp::HashType::ipv4_udp, in), 0u);  // ICMP
  // Fragments get no L4 tuple (first fragment included), but keep their addresses.
  for (unsigned frag : {0x2000u, 0x2005u, 0x0003u}) {
    const Buf f = ipv4_frame("10.0.0.1", "10.0.0.2", 1, 2, 6, {}, 5, frag);
    EXPECT_EQ(tp::extract(f, tp::HashType::ipv4_tcp, in), 0u) << frag;
    EXPECT_EQ(tp::extract(f, tp::HashType::ipv4, in), 8u) << frag;
  }
  EXPECT_EQ(tp::extract(ipv4_frame("10.0.0.1", "10.0.0.2", 1, 2, 6, {}, 5, 0x4000), tp::HashType::ipv4_tcp, in), 12u);  // DF
  // IPv6: ports only right after the fixed header; extension headers give no L4 tuple.
  const Buf hbh = ipv6_frame("2001:db8::1", "2001:db8::2", 1, 2, 0);
  EXPECT_EQ(tp::extract(hbh, tp::HashType::ipv6_tcp, in), 0u);
  EXPECT_EQ(tp::extract(hbh, tp::HashType::ipv6, in), 32u);
  EXPECT_EQ(tp::extract(ipv6_frame("2001:db8::1", "2001:db8::2", 1, 2, 17), tp::HashType::ipv6_udp, in), 36u);
}

TEST(ToeplitzExtract, TruncationBoundaries) {
  std::array<std::uint8_t, 36> in{};
  const Buf v4 = ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80);  // IP at 14, ports at 34..37
  auto cut = [](const Buf& f, std::size_t n) { return Bytes(f.data(), n); };
  EXPECT_EQ(tp::extract(cut(v4, 33), tp::HashType::ipv4, in), 0u);
  EXPECT_EQ(tp::extract(cut(v4, 34), tp::HashType::ipv4, in), 8u);
  EXPECT_EQ(tp::extract(cut(v4, 37), tp::HashType::ipv4_tcp, in), 0u);
  EXPECT_EQ(tp::extract(cut(v4, 38), tp::HashType::ipv4_tcp, in), 12u);
  const Buf tagged = ipv4_frame("10.0.0.1", "10.0.0.2", 1234, 80, 17, {0x8100});
  EXPECT_EQ(tp::extract(cut(tagged, 37), tp::HashType::ipv4, in), 0u);
  EXPECT_EQ(tp::extract(cut(tagged, 38), tp::HashType::ipv4, in), 8u);
  EXPECT_EQ(tp::extract(cut(tagged, 41), tp::HashType::ipv4_udp, in), 0u);
  EXPECT_EQ(tp::extract(cut(tagged, 42), tp::HashType::ipv4_udp, in), 12u);
  const Buf v6 = ipv6_frame("2001:db8::1", "2001:db8::2", 1234, 80);
  EXPECT_EQ(tp::extract(cut(v6, 53), tp::HashType::ipv6, in), 0u);
  EXPECT_EQ(tp::extract(cut(v6, 54), tp::HashType::ipv6, in), 32u);
  EXPECT_EQ(tp::extract(cut(v6, 57), tp::HashType::ipv6_tcp, in), 0u);
  EXPECT_EQ(tp::extract(cut(v6, 58), tp::HashType::ipv6_tcp, in), 36u);
  for (std::size_t n : {0u, 1u, 13u, 14u, 15u, 17u})
    EXPECT_EQ(tp::extract(cut(tagged, n), tp::HashType::ipv4, in), 0u) << n;
  EXPECT_EQ(tp::hash(ms_key(), cut(v4, 37), tp::HashType::ipv4_tcp), 0u);  // no tuple: no RSS hash
  EXPECT_EQ(tp::extract(hex("ffffffffffff0025901122330806000108000604"), tp::HashType::ipv4, in), 0u);  // ARP
}

TEST(Toeplitz, TraceRecordsFieldsWithFrameOffsetsAndRunningHash) {
  const Buf f = ipv4_frame("66.9.149.187", "161.142.100.80", 2794, 1766, 6, {0x8100});
  fwd::hash::Trace tr;
  const std::uint32_t h = tp::hash(ms_key(), f, tp::HashType::ipv4_tcp, tr);
  EXPECT_EQ(h, 0x51ccc178u);
  ASSERT_EQ(tr.steps.size(), 3u);
  EXPECT_EQ(tr.steps[0].name, "src_addr");
  EXPECT_EQ(tr.steps[0].offset, 30u);
  EXPECT_EQ(tr.steps[0].bytes, hex("420995bb"));
  EXPECT_EQ(tr.steps[1].name, "dst_addr");
  EXPECT_EQ(tr.steps[1].offset, 34u);
  EXPECT_EQ(tr.steps[1].hash, 0x323e8fc2u);  // addresses alone = the ipv4 hash (linearity)
  EXPECT_EQ(tr.steps[2].name, "ports");
  EXPECT_EQ(tr.steps[2].offset, 38u);
  EXPECT_EQ(tr.steps[2].hash, h);

  fwd::hash::Trace raw;
  EXPECT_EQ(tp::hash_input(ms_key(), hex("420995bba18e64500aea06e6"), raw), h);
  ASSERT_EQ(raw.steps.size(), 3u);
  EXPECT_EQ(raw.steps[2].offset, 8u);

  fwd::hash::Trace none;
  EXPECT_EQ(tp::hash(ms_key(), Bytes(f.data(), 20), tp::HashType::ipv4, none), 0u);
  ASSERT_EQ(none.steps.size(), 1u);
  EXPECT_EQ(none.steps[0].kind, fwd::hash::TraceStep::Kind::note);
}

TEST(Toeplitz, RetaRule) {
  EXPECT_EQ(tp::reta_index(0x8ee0453d, 4), 61u % 4);
  EXPECT_EQ(tp::reta_index(0xffffffff, 3), 127u % 3);
  EXPECT_EQ(tp::reta_index(0xffffffff, 3, 512), 511u % 3);
  EXPECT_EQ(tp::reta_index(123, 0), 0u);
  tp::Reta reta(3);
  EXPECT_EQ(reta.size(), 128u);
  for (std::uint32_t h : {0u, 5u, 127u, 128u, 0xdeadbeefu}) EXPECT_EQ(reta.queue(h), tp::reta_index(h, 3));
  reta.set(61, 2);
  EXPECT_EQ(reta.queue(0x8ee0453d), 2u);
  EXPECT_THROW(reta.set(128, 0), fwd::Error);
  EXPECT_THROW(tp::Reta(3, 100), fwd::Error);
  EXPECT_THROW(tp::Reta(0), fwd::Error);
}

#ifdef FWD_TEST_DATA
// Every public vector: the raw-input hash, the RETA index, and our extraction from the frame.
TEST(Toeplitz, PublicVectors) {
  std::ifstream in(std::string(FWD_TEST_DATA) + "/vectors/toeplitz.jsonl");
  ASSERT_TRUE(in) << "missing toeplitz.jsonl";
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const tp::Key key(hex(json_field(line, "key_hex")));
    const Buf input = hex(json_field(line, "hash_input_hex"));
    const Buf frame = hex(json_field(line, "frame_hex"));
    const auto type = tp::hash_type_from_name(json_field(line, "hash_type"));
    const auto want = static_cast<std::uint32_t>(std::stoul(json_field(line, "hash")));
    SCOPED_TRACE(json_field(line, "name") + " " + json_field(line, "hash_type"));
    ASSERT_EQ(tp::hash_input(key, input), want);
    EXPECT_EQ(tp::reta_index(want, std::stoul(json_field(line, "members"))), std::stoul(json_field(line, "index")));
    std::array<std::uint8_t, 36> tuple{};
    const std::size_t n = tp::extract(frame, type, tuple);
    EXPECT_EQ(Buf(tuple.begin(), tuple.begin() + n), input);
    EXPECT_EQ(tp::hash(key, frame, type), want);
  }
  EXPECT_GE(lines, 900);
}
#endif
