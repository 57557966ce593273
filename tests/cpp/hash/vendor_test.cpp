#include "fwd/hash/vendor.hpp"

#include <gtest/gtest.h>

#include "fwd/net/build.hpp"
#include "test_frames.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace vd = fwd::hash::vendor;
using fwd::net::Bytes;
using fwd::net::PacketMeta;
using Buf = std::vector<std::uint8_t>;

namespace {
Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// The same with an 802.1Q tag, VID 100, PCP 5.
const Buf F1_TAGGED = hex("00005e000101002590112233" "8100a064" "0800450000281234000040069738c0a85002c0a80011"
                          "005078ac00000001000000005012ffff00000000000000000000");
const Buf ICMP = hex("00005e0001010025901122330800450000541234000040010000c0a85002c0a80011"
                     "0800f7ff0000000000000000000000000000000000000000");
const Buf ARP = hex("ffffffffffff00259011223308060001080006040001002590112233c0a85002000000000000c0a80011");
const Buf V6_UDP = hex("00005e000101002590112233" "86dd" "62e12345000a1140"
                       "20010db8000000000000000000000001" "20010db8000000000000000000000002"
                       "30390050000a0000" "0000000000000000000000000000");

std::uint32_t reference(vd::Function f, const Buf& input, std::uint32_t seed = 0) {
  return vd::detail::apply(f, input.data(), input.size(), seed);
}
const Buf seed0 = hex("00000000");
}  // namespace

TEST(Vendor, FiveTupleInputIsSeedThenFieldsBigEndian) {
  const auto c = vd::Config::parse("5tuple;function=crc16");
  const Buf input = hex("00000000" "c0a85002" "c0a80011" "06" "0050" "78ac");
  EXPECT_EQ(vd::hash(c, F1), fwd::hash::Crc(fwd::hash::crc_spec::arc)(input));
  // Every 16-bit function over the same bytes.
  for (auto [fn, want] : std::vector<std::pair<const char*, std::uint32_t>>{
           {"crc16-ccitt", static_cast<std::uint32_t>(fwd::hash::Crc(fwd::hash::crc_spec::ccitt_false)(input))},
           {"crc32-hi", static_cast<std::uint32_t>(fwd::hash::Crc(fwd::hash::crc_spec::iso_hdlc)(input) >> 16)},
           {"crc32-lo", static_cast<std::uint32_t>(fwd::hash::Crc(fwd::hash::crc_spec::iso_hdlc)(input) & 0xffff)},
           {"xor16", fwd::hash::bmv2::xor16(input)}}) {
    EXPECT_EQ(vd::hash(vd::Config::parse(std::string("5tuple;function=") + fn), F1), want) << fn;
  }
  // crc16-bisync is the same polynomial (0x8005) as crc16: the same function under two menu names.
  EXPECT_EQ(vd::hash(vd::Config::parse("5tuple;function=crc16-bisync"), F1), vd::hash(c, F1));
}

TEST(Vendor, XorNIsCrcHighByteThenFoldedXor) {
  const Buf input = hex("00000000" "c0a85002" "c0a80011");
  std::uint8_t x = 0;
  for (auto b : input) x ^= b;
  const auto hi = static_cast<std::uint32_t>(fwd::hash::Crc(fwd::hash::crc_spec::arc)(input) >> 8);
  const std::uint8_t x4 = (x ^ (x >> 4)) & 0xf, x2 = (x4 ^ (x4 >> 2)) & 3, x1 = (x2 ^ (x2 >> 1)) & 1;
  EXPECT_EQ(vd::hash(vd::Config::parse("l3;function=xor8"), F1), (hi << 8) | x);
  EXPECT_EQ(vd::hash(vd::Config::parse("l3;function=xor4"), F1), (hi << 4) | x4);
  EXPECT_EQ(vd::hash(vd::Config::parse("l3;function=xor2"), F1), (hi << 2) | x2);
  EXPECT_EQ(vd::hash(vd::Config::parse("l3;function=xor1"), F1), (hi << 1) | x1);
  EXPECT_EQ(vd::width(vd::Function::xor1), 9u);
}

TEST(Vendor, Xxh3TakesTheSeedAsItsSeed) {
  const auto c = vd::Config::parse("5tuple;function=xxh3;seed=0xdeadbeef");
  const Buf fields = hex("c0a85002" "c0a80011" "06" "0050" "78ac");  // no seed bytes in front
  EXPECT_EQ(vd::hash(c, F1), static_cast<std::uint32_t>(XXH3_64bits_withSeed(fields.data(), fields.size(), 0xdeadbeef)));
}

TEST(Vendor, SeedChangesTheHash) {
  for (auto fn : vd::function_names) {
    auto c = vd::Config::parse("5tuple;function=" + std::string(fn));
    const auto h0 = vd::hash(c, F1);
    c.seed = 1;
    EXPECT_NE(vd::hash(c, F1), h0) << fn;
    c.seed = 0x9e3779b9;
    EXPECT_NE(vd::hash(c, F1), h0) << fn;
  }
}

TEST(Vendor, AbsentFieldsAreZerosOfTheirWidth) {
  // ICMP has no ports: 2 + 2 zero bytes.
  EXPECT_EQ(vd::hash(vd::Config::parse("l4"), ICMP), reference(vd::Function::crc16, cat({seed0, hex("00000000")})));
  // A non-IP frame: src_ip/dst_ip absent are 4 zero bytes each, ip_proto 1, ttl 1.
  EXPECT_EQ(vd::hash(vd::Config::parse("src_ip,dst_ip,ip_proto,ttl"), ARP),
            reference(vd::Function::crc16, cat({seed0, hex("00000000" "00000000" "00" "00")})));
  // IPv4 has no flow label: 4 zero bytes; ttl is read.
  EXPECT_EQ(vd::hash(vd::Config::parse("ipv6_flow_label,ttl"), F1),
            reference(vd::Function::crc16, cat({seed0, hex("00000000" "40")})));
  // An untagged frame without out-of-band tag: vlan is 0; a frame cut short: everything zeros.
  EXPECT_EQ(vd::hash(vd::Config::parse("vlan,src_mac,dst_mac,ethertype"), Bytes(F1.data(), 10)),
            reference(vd::Function::crc16, cat({seed0, Buf(16, 0)})));
  // An empty frame with every field: 2+2+6+6+2+4+4+1+2+2+4+1 = 36 zero bytes (+ ingress port 7).
  PacketMeta meta;
  meta.ingress_port = 7;
  auto all = vd::Config::parse("ingress_port,l2,5tuple,ipv6_flow_label,ttl");
  EXPECT_EQ(vd::hash(all, Bytes{}, meta), reference(vd::Function::crc16, cat({seed0, hex("0007"), Buf(34, 0)})));
}

TEST(Vendor, FieldsOfIpv6AndTags) {
  EXPECT_EQ(vd::hash(vd::Config::parse("5tuple,ipv6_flow_label,ttl"), V6_UDP),
            reference(vd::Function::crc16,
                      cat({seed0, hex("20010db8000000000000000000000001" "20010db8000000000000000000000002"
                                      "11" "3039" "0050" "00012345" "40")})));
  // The VID (not PCP) of the in-band tag, or of the out-of-band tag, which takes precedence.
  const auto l2 = vd::Config::parse("l2");
  const Buf want = cat({seed0, hex("0064" "002590112233" "00005e000101" "0800")});
  EXPECT_EQ(vd::hash(l2, F1_TAGGED), reference(vd::Function::crc16, want));
  PacketMeta stripped;
  stripped.vlan_tci = 0xa064;
  EXPECT_EQ(vd::hash(l2, F1, stripped), reference(vd::Function::crc16, want));
  // The 5-tuple is found behind the tag.
  EXPECT_EQ(vd::hash(vd::Config::parse("5tuple"), F1_TAGGED), vd::hash(vd::Config::parse("5tuple"), F1));
}

TEST(Vendor, FieldOrderIsFixedWhateverTheTextOrder) {
  EXPECT_EQ(vd::Config::parse("dst_port,src_ip,src_port,dst_ip,ip_proto"), vd::Config::parse("5tuple"));
  EXPECT_EQ(vd::Config::parse("l3,l4").fields, vd::Config::parse("src_ip,dst_ip,src_port,dst_port").fields);
  // Swapping the addresses of the frame changes the hash: the model is not symmetric.
  Buf swapped = F1;
  std::swap_ranges(swapped.begin() + 26, swapped.begin() + 30, swapped.begin() + 30);
  EXPECT_NE(vd::hash(vd::Config::parse("l3"), swapped), vd::hash(vd::Config::parse("l3"), F1));
}

TEST(Vendor, EightBucketsOverThreeMembersGive332) {
  const auto c = vd::Config::parse("5tuple;buckets=8");
  EXPECT_EQ(c.mapping, vd::Mapping::buckets);
  std::map<std::uint32_t, int> count;
  for (std::uint32_t h = 0; h < 0x10000; ++h) ++count[vd::map(c, h, 3)];
  EXPECT_EQ(count[0], 3 * 0x2000);
  EXPECT_EQ(count[1], 3 * 0x2000);
  EXPECT_EQ(count[2], 2 * 0x2000);
  // Modulo over 3 members is (almost) even instead.
  const auto m = vd::Config::parse("5tuple");
  std::map<std::uint32_t, int> mod;
  for (std::uint32_t h = 0; h < 0x10000; ++h) ++mod[vd::map(m, h, 3)];
  EXPECT_EQ(mod[0], 21846);
  EXPECT_EQ(mod[2], 21845);
  EXPECT_EQ(vd::map(m, 12345, 0), 0u);
}

TEST(Vendor, RotateWorksWithinTheFunctionWidth) {
  auto c = vd::Config::parse("5tuple;rotate=4");
  EXPECT_EQ(vd::map(c, 0x0010, 16), 1u);
  EXPECT_EQ(vd::map(c, 0x0001, 0x10000), 0x1000u);  // the low nibble wraps to the top of 16 bits
  c = vd::Config::parse("5tuple;function=xxh3;offset=4");
  EXPECT_EQ(vd::map(c, 0x0000000f, 0xffffffff), 0xf0000000u % 0xffffffffu);
  EXPECT_THROW(vd::Config::parse("5tuple;rotate=16"), fwd::Error);  // crc16: 0..15
  EXPECT_NO_THROW(vd::Config::parse("5tuple;function=xxh3;rotate=16"));
  EXPECT_THROW(vd::Config::parse("5tuple;function=xor1;rotate=9"), fwd::Error);
}

TEST(Vendor, ParseErrorsNameTheBadTokenAndTheAcceptedOnes) {
  auto message = [](const std::string& text) {
    try {
      vd::Config::parse(text);
    } catch (const fwd::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string m = message("src_ip,l5");
  EXPECT_NE(m.find("'l5'"), std::string::npos) << m;
  EXPECT_NE(m.find("ingress_port, vlan, src_mac, dst_mac, ethertype, src_ip, dst_ip, ip_proto, src_port, "
                   "dst_port, ipv6_flow_label, ttl"), std::string::npos) << m;
  EXPECT_NE(m.find("5tuple"), std::string::npos) << m;
  EXPECT_NE(message("src_ip,,dst_ip").find("empty"), std::string::npos);
  EXPECT_NE(message("5tuple;function=crc8").find("crc16, crc16-ccitt"), std::string::npos);
  EXPECT_NE(message("5tuple;hash=crc16").find("'hash'"), std::string::npos);
  EXPECT_NE(message("5tuple;seed=0x1ffffffff").find("0x1ffffffff"), std::string::npos);
  EXPECT_NE(message("5tuple;seed=12ab").find("'12ab'"), std::string::npos);
  EXPECT_NE(message("5tuple;buckets=0").find("buckets"), std::string::npos);
  EXPECT_NE(message("5tuple;mapping=hrw").find("modulo, buckets"), std::string::npos);
  EXPECT_NE(message("5tuple;l3").find("'l3'"), std::string::npos);
}

TEST(Vendor, ParseAcceptsOptionsAndRoundTrips) {
  const auto c = vd::Config::parse("l2, ingress_port ;function=xor4;seed=42;buckets=16;rotate=3");
  EXPECT_TRUE(c.has(vd::Field::ingress_port));
  EXPECT_TRUE(c.has(vd::Field::src_mac));
  EXPECT_FALSE(c.has(vd::Field::src_ip));
  EXPECT_EQ(c.function, vd::Function::xor4);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.buckets, 16u);
  EXPECT_EQ(c.rotate, 3u);
  EXPECT_EQ(c.to_string(), "ingress_port,vlan,src_mac,dst_mac,ethertype;function=xor4;seed=0x0000002a;buckets=16;rotate=3");
  EXPECT_EQ(vd::Config::parse(c.to_string()), c);
  EXPECT_EQ(vd::Config::parse(""), vd::Config{});  // defaults: 5-tuple, crc16, seed 0, modulo
  EXPECT_EQ(vd::Config::parse(";seed=7").seed, 7u);
  EXPECT_EQ(vd::Config::parse("fields=l3;mapping=buckets").buckets, 8u);
}

TEST(Vendor, TraceRecordsEveryFieldInOrder) {
  fwd::hash::Trace tr;
  const auto c = vd::Config::parse("5tuple,ttl;seed=0x01020304");
  const auto h = vd::hash(c, F1, {}, tr);
  std::vector<std::string> names;
  for (const auto& s : tr.steps) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"seed", "src_ip", "dst_ip", "ip_proto", "src_port", "dst_port", "ttl", "crc16"}));
  EXPECT_EQ(tr.steps[1].offset, 26u);
  EXPECT_EQ(tr.steps[1].bytes, hex("c0a85002"));
  EXPECT_EQ(tr.steps[1].hash, reference(vd::Function::crc16, hex("01020304c0a85002")));
  EXPECT_EQ(tr.steps[4].offset, 34u);
  EXPECT_EQ(tr.steps[6].offset, 22u);
  EXPECT_EQ(tr.steps.back().hash, h);

  fwd::hash::Trace absent;
  vd::hash(vd::Config::parse("l4"), ARP, {}, absent);
  ASSERT_GE(absent.steps.size(), 2u);
  EXPECT_EQ(absent.steps[1].kind, fwd::hash::TraceStep::Kind::note);  // "src_port absent: 2 zero bytes"
  EXPECT_NE(absent.steps[1].name.find("src_port absent"), std::string::npos);
}

// The batch's plain-frame layout (PlainLayout, made once per Policy) against gather(), the walk it
// replaces: every one of the 4095 field sets, with and without the seed bytes, with metadata, on
// random plain IPv4 TCP/UDP frames (the only frames it is used for).
TEST(VendorPlainLayout, EqualsGatherForEveryFieldSet) {
  using namespace fwd::hash::vendor;
  std::mt19937_64 rng(77);
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 24; ++i) {
    fwd::net::FrameBuilder b;
    b.eth(fwd::net::Mac::from_u64(rng()), fwd::net::Mac::from_u64(rng()));
    fwd::net::Ipv4Fields f;
    f.ttl = static_cast<std::uint8_t>(rng());
    b.ipv4(fwd::net::Ipv4{static_cast<std::uint32_t>(rng())}, fwd::net::Ipv4{static_cast<std::uint32_t>(rng())}, f);
    if (i % 2) b.tcp(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
    else b.udp(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
    frames.push_back(b.min_size(60 + i).build());
    ASSERT_TRUE(is_plain_ipv4_l4(frames.back()));
  }
  fwd::net::PacketMeta with_meta;
  with_meta.ingress_port = 0x1234;
  with_meta.vlan_tci = 0xa00b;
  std::size_t checked = 0;
  for (unsigned fields = 1; fields < (1u << field_count); ++fields) {
    for (Function fn : {Function::crc16, Function::xxh3}) {
      Config c;
      c.fields = static_cast<FieldSet>(fields);
      c.function = fn;
      c.seed = static_cast<std::uint32_t>(rng());
      for (const fwd::net::PacketMeta& meta : {fwd::net::PacketMeta{}, with_meta}) {
        const PlainLayout lay(c, meta);
        for (const auto& fr : frames) {
          if (fr.size() < lay.min_frame) continue;
          std::uint8_t want[max_input], got[max_input + 16];
          const std::size_t n = gather(c, fr, meta, want);
          ASSERT_EQ(lay.build(fr.data(), got), n) << c.to_string();
          ASSERT_TRUE(std::equal(want, want + n, got)) << c.to_string() << " on a " << fr.size() << "-byte frame";
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 4095u * 2 * 2 * 20);  // every 60+ byte plain frame is long enough for the layout
}
