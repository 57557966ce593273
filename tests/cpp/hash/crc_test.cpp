#include "fwd/hash/crc.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace bm = fwd::hash::bmv2;
using fwd::hash::Crc;
using fwd::hash::CrcSpec;
using fwd::net::Bytes;
using Buf = std::vector<std::uint8_t>;

namespace {
const std::string check_text = "123456789";
const Bytes check(reinterpret_cast<const std::uint8_t*>(check_text.data()), check_text.size());

// The Rocksoft model one bit at a time, MSB-first on (optionally reflected) bytes: the reference.
std::uint64_t crc_bitwise(const CrcSpec& s, Bytes data) {
  const std::uint64_t top = std::uint64_t{1} << (s.width - 1);
  const std::uint64_t mask = s.width == 64 ? ~std::uint64_t{0} : (top << 1) - 1;
  std::uint64_t reg = s.init;
  for (std::uint8_t b : data) {
    const std::uint64_t in = s.refin ? Crc::reflect(b, 8) : b;
    for (int i = 7; i >= 0; --i) {
      const bool bit = ((reg & top) != 0) != (((in >> i) & 1) != 0);
      reg = ((reg << 1) & mask) ^ (bit ? s.poly : 0);
    }
  }
  if (s.refout) reg = Crc::reflect(reg, s.width);
  return reg ^ s.xorout;
}

}  // namespace

TEST(Bmv2, CheckValuesOfEveryAlgorithm) {
  using A = bm::Algorithm;
  EXPECT_EQ(bm::hash(A::crc16, check), 0xBB3Du);
  EXPECT_EQ(bm::hash(A::crc16_custom, check), 0xBB3Du);
  EXPECT_EQ(bm::hash(A::crc32, check), 0xCBF43926u);
  EXPECT_EQ(bm::hash(A::crc32_custom, check), 0xCBF43926u);
  EXPECT_EQ(bm::hash(A::crcCCITT, check), 0x29B1u);
  EXPECT_EQ(bm::hash(A::csum16, check), 0xF62Au);
  EXPECT_EQ(bm::hash(A::xor16, check), 0x3908u);
  EXPECT_EQ(bm::hash(A::identity, check), 0x3132333435363738u);
  // The custom CRCs' other widths, in bmv2's default configuration.
  EXPECT_EQ(Crc(fwd::hash::crc_spec::bmv2_crc8_default)(check), 0xF4u);
  EXPECT_EQ(Crc(fwd::hash::crc_spec::bmv2_crc64_default)(check), 0x46A5A9388A5BEFFEu);
}

TEST(Bmv2, EmptyInput) {
  using A = bm::Algorithm;
  EXPECT_EQ(bm::hash(A::crc16, {}), 0u);
  EXPECT_EQ(bm::hash(A::crc16_custom, {}), 0u);
  EXPECT_EQ(bm::hash(A::crc32, {}), 0u);
  EXPECT_EQ(bm::hash(A::crc32_custom, {}), 0u);
  EXPECT_EQ(bm::hash(A::crcCCITT, {}), 0xFFFFu);
  EXPECT_EQ(bm::hash(A::csum16, {}), 0xFFFFu);
  EXPECT_EQ(bm::hash(A::xor16, {}), 0u);
  EXPECT_EQ(bm::hash(A::identity, {}), 0u);
}

TEST(Bmv2, OddLengthsAndLongInputs) {
  // csum16 pads an odd last byte with a zero byte after it: 0x1234 + 0x5600, complemented.
  EXPECT_EQ(bm::csum16(hex("123456")), static_cast<std::uint16_t>(~(0x1234 + 0x5600)));
  // End-around carry: 0xffff + 0x0001 = 0x10000 -> 0x0001 -> ~ = 0xfffe.
  EXPECT_EQ(bm::csum16(hex("ffff0001")), 0xfffeu);
  EXPECT_EQ(bm::xor16(hex("123456")), 0x1234u ^ 0x5600u);
  EXPECT_EQ(bm::xor16(hex("ab")), 0xab00u);
  EXPECT_EQ(bm::identity(hex("0102")), 0x0102u);
  EXPECT_EQ(bm::identity(hex("0102030405060708090a")), 0x0102030405060708u);
  const Buf ff(16, 0xff);
  EXPECT_EQ(bm::identity(ff), 0xffffffffffffffffu);
  EXPECT_EQ(bm::xor16(ff), 0u);  // 8 equal words cancel
}

TEST(Bmv2, AlgorithmNames) {
  for (int i = 0; i < 8; ++i) {
    const auto a = static_cast<bm::Algorithm>(i);
    EXPECT_EQ(bm::algorithm_from_name(bm::name(a)), a);
  }
  EXPECT_EQ(bm::name(bm::Algorithm::crcCCITT), "crcCCITT");
  EXPECT_EQ(bm::algorithm_from_name("cksum16"), bm::Algorithm::csum16);
  try {
    bm::algorithm_from_name("crcccitt");
    FAIL();
  } catch (const fwd::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'crcccitt'"), std::string::npos) << m;
    EXPECT_NE(m.find("crc16, crc16_custom, crc32, crc32_custom, crcCCITT, csum16, xor16, identity"), std::string::npos) << m;
  }
}

TEST(Crc, KnownCatalogueCrcs) {
  // reveng catalogue check values: cover widths 8/16/32/64 and both register directions.
  EXPECT_EQ(Crc({16, 0x1021, 0, 0, false, false})(check), 0x31C3u);                            // XMODEM
  EXPECT_EQ(Crc({16, 0x1021, 0, 0, true, true})(check), 0x2189u);                              // KERMIT
  EXPECT_EQ(Crc({32, 0x04c11db7, 0xffffffff, 0xffffffff, false, false})(check), 0xFC891918u);  // BZIP2
  EXPECT_EQ(Crc({32, 0x1edc6f41, 0xffffffff, 0xffffffff, true, true})(check), 0xE3069283u);    // ISCSI
  EXPECT_EQ(Crc({8, 0x31, 0, 0, true, true})(check), 0xA1u);                                   // MAXIM-DOW
  EXPECT_EQ(Crc({64, 0x42f0e1eba9ea3693, ~0ull, ~0ull, true, true})(check), 0x995DC9BBDF1939FAu);  // XZ
  EXPECT_EQ(Crc({64, 0x42f0e1eba9ea3693, 0, 0, false, false})(check), 0x6C40DF5F0B497347u);   // ECMA-182
}

TEST(Crc, TableEqualsBitwiseForEveryConfiguration) {
  std::mt19937_64 rng(42);
  for (unsigned width : {8u, 16u, 32u, 64u}) {
    const std::uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    for (int refin = 0; refin < 2; ++refin)
      for (int refout = 0; refout < 2; ++refout)
        for (int k = 0; k < 10; ++k) {
          const CrcSpec s{width, rng() & mask, rng() & mask, rng() & mask, refin == 1, refout == 1};
          const Crc crc(s);
          Buf in(rng() % 40);
          for (auto& x : in) x = static_cast<std::uint8_t>(rng());
          ASSERT_EQ(crc(in), crc_bitwise(s, in)) << "width " << width << " refin " << refin << " refout " << refout;
          // Streaming in two pieces gives the same value.
          const std::size_t cut = in.empty() ? 0 : rng() % in.size();
          const auto reg = crc.update(crc.update(crc.start(), Bytes(in.data(), cut)), Bytes(in.data() + cut, in.size() - cut));
          EXPECT_EQ(crc.finish(reg), crc(in));
        }
  }
}

// The sliced engine (8 bytes per step) against the one-lookup-per-byte register, for every width
// and reflection, every length from 0 to 80 (all tail lengths) and random split points.
TEST(Crc, SlicedEqualsBytewiseForEveryConfiguration) {
  std::mt19937_64 rng(7);
  for (unsigned width : {8u, 16u, 32u, 64u}) {
    const std::uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    for (int refin = 0; refin < 2; ++refin)
      for (int refout = 0; refout < 2; ++refout)
        for (int k = 0; k < 4; ++k) {
          const CrcSpec s{width, rng() & mask, rng() & mask, rng() & mask, refin == 1, refout == 1};
          const Crc crc(s);
          for (std::size_t len = 0; len <= 80; ++len) {
            Buf in(len);
            for (auto& x : in) x = static_cast<std::uint8_t>(rng());
            const std::uint64_t reg0 = rng() & mask;  // any register state, not only start()
            ASSERT_EQ(crc.update(reg0, in), crc.update_bytewise(reg0, in))
                << "width " << width << " refin " << refin << " len " << len;
            const std::size_t cut = len ? rng() % len : 0;
            EXPECT_EQ(crc.update(crc.update(reg0, Bytes(in.data(), cut)), Bytes(in.data() + cut, len - cut)),
                      crc.update_bytewise(reg0, in));
          }
        }
  }
  for (const Crc* c : {&fwd::hash::detail::crc16_arc, &fwd::hash::detail::crc32_iso_hdlc,
                       &fwd::hash::detail::crc16_ccitt_false}) {
    Buf in(37);
    for (int k = 0; k < 1000; ++k) {
      for (auto& x : in) x = static_cast<std::uint8_t>(rng());
      const Bytes b(in.data(), 1 + rng() % in.size());
      ASSERT_EQ(c->update(c->start(), b), c->update_bytewise(c->start(), b));
    }
  }
}

TEST(Crc, BadSpecsThrow) {
  EXPECT_THROW(Crc({12, 0x80f, 0, 0, false, true}), fwd::Error);
  EXPECT_THROW(Crc({16, 0x18005, 0, 0, true, true}), fwd::Error);
  EXPECT_THROW(Crc({8, 0x07, 0x100, 0, false, false}), fwd::Error);
  try {
    Crc({24, 0x864cfb, 0xb704ce, 0, false, false});
    FAIL();
  } catch (const fwd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 8, 16, 32 or 64"), std::string::npos) << e.what();
  }
}

TEST(Bmv2FieldList, Ipv4TaggedAndOptions) {
  std::array<std::uint8_t, 37> out{};
  ASSERT_EQ(bm::field_list(F1, out), 13u);
  EXPECT_EQ(Buf(out.begin(), out.begin() + 13), hex("c0a85002c0a8001106005078ac"));
  // vlan100_opts_ihl7 of the corpus: tag skipped, ports after 28 bytes of IPv4 header.
  const Buf tagged = hex("001b21ccdd02001b21aabb01810000640800470000301234000040064e8e0a0000010a000002"
                         "010101010101010108ae0d0500000001000000005002ffff00000000");
  ASSERT_EQ(bm::field_list(tagged, out), 13u);
  EXPECT_EQ(Buf(out.begin(), out.begin() + 13), hex("0a0000010a0000020608ae0d05"));
  // A later fragment: the 4 payload bytes where the ports would be (as bmv2's parser does).
  Buf later = F1;
  later[20] = 0x00, later[21] = 0x03;
  ASSERT_EQ(bm::field_list(later, out), 13u);
  EXPECT_EQ(Buf(out.begin() + 9, out.begin() + 13), hex("005078ac"));
}

TEST(Bmv2FieldList, Ipv6) {
  const Buf v6 = hex("00005e000101002590112233" "86dd" "600123450014" "0640"
                     "20010db8000000000000000000000001" "20010db8000000000000000000000002"
                     "04d20050000000000000000050022000000000000000");
  std::array<std::uint8_t, 37> out{};
  ASSERT_EQ(bm::field_list(v6, out), 37u);
  EXPECT_EQ(Buf(out.begin(), out.end()),
            hex("20010db800000000000000000000000120010db80000000000000000000000020604d20050"));
  EXPECT_EQ(bm::field_list(Bytes(v6.data(), 58), out), 37u);  // ports are all that is needed
  EXPECT_EQ(bm::field_list(Bytes(v6.data(), 57), out), 0u);
  Buf hbh = v6;
  hbh[20] = 0;  // hop-by-hop first: the plain parser does not reach TCP
  EXPECT_EQ(bm::field_list(hbh, out), 0u);
}

TEST(Bmv2FieldList, NoListForOtherFrames) {
  std::array<std::uint8_t, 37> out{};
  EXPECT_EQ(bm::field_list({}, out), 0u);
  EXPECT_EQ(bm::field_list(Bytes(F1.data(), 13), out), 0u);
  EXPECT_EQ(bm::field_list(Bytes(F1.data(), 37), out), 0u);  // cut inside the ports
  EXPECT_EQ(bm::field_list(Bytes(F1.data(), 38), out), 13u);
  Buf icmp = F1;
  icmp[23] = 1;
  EXPECT_EQ(bm::field_list(icmp, out), 0u);
  Buf sctp = F1;
  sctp[23] = 132;
  EXPECT_EQ(bm::field_list(sctp, out), 0u);
  Buf ihl4 = F1;
  ihl4[14] = 0x44;
  EXPECT_EQ(bm::field_list(ihl4, out), 0u);
  EXPECT_EQ(bm::field_list(hex("ffffffffffff00259011223308060001080006040001"), out), 0u);  // ARP
}

TEST(Bmv2, HashFrameTracesFieldsAtFrameOffsets) {
  fwd::hash::Trace tr;
  const auto h = bm::hash_frame(bm::Algorithm::crc32, F1, tr);
  EXPECT_EQ(h, bm::hash(bm::Algorithm::crc32, hex("c0a85002c0a8001106005078ac")));
  ASSERT_EQ(tr.steps.size(), 5u);
  EXPECT_EQ(tr.steps[0].name, "src_addr");
  EXPECT_EQ(tr.steps[0].offset, 26u);
  EXPECT_EQ(tr.steps[0].hash, bm::hash(bm::Algorithm::crc32, hex("c0a85002")));
  EXPECT_EQ(tr.steps[2].name, "protocol");
  EXPECT_EQ(tr.steps[2].offset, 23u);
  EXPECT_EQ(tr.steps[3].name, "ports");
  EXPECT_EQ(tr.steps[3].offset, 34u);
  EXPECT_EQ(tr.steps[3].hash, h);
  fwd::hash::Trace none;
  EXPECT_EQ(bm::hash_frame(bm::Algorithm::crcCCITT, Bytes(F1.data(), 20), none), 0xFFFFu);
  EXPECT_EQ(none.steps.front().kind, fwd::hash::TraceStep::Kind::note);
}

#ifdef FWD_TEST_DATA
// Every public bmv2 vector: the hash of hash_input_hex, index = hash % members, and our field
// list from the frame for corpus frames.
TEST(Bmv2, PublicVectors) {
  int lines = 0, frames = 0;
  for (std::string_view algo : bm::algorithm_names) {
    std::ifstream in(std::string(FWD_TEST_DATA) + "/vectors/bmv2_" + std::string(algo) + ".jsonl");
    ASSERT_TRUE(in) << algo;
    std::string line;
    while (std::getline(in, line)) {
      ++lines;
      SCOPED_TRACE(std::string(algo) + " " + json_field(line, "name"));
      const auto a = bm::algorithm_from_name(json_field(line, "bmv2_algorithm"));
      const Buf input = hex(json_field(line, "hash_input_hex"));
      const Buf frame = hex(json_field(line, "frame_hex"));
      const std::uint64_t want = std::stoull(json_field(line, "hash"));
      ASSERT_EQ(bm::hash(a, input), want);
      EXPECT_EQ(want % std::stoull(json_field(line, "members")), std::stoull(json_field(line, "index")));
      if (!frame.empty()) {
        ++frames;
        std::array<std::uint8_t, 37> out{};
        const std::size_t n = bm::field_list(frame, out);
        EXPECT_EQ(Buf(out.begin(), out.begin() + n), input);
      }
    }
  }
  EXPECT_GE(lines, 8 * 150);
  EXPECT_GE(frames, 8 * 100);
}
#endif
