#include "fwd/hash/freebsd.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

#include <string>
#include <vector>

namespace fb = fwd::hash::freebsd;
using fwd::net::PacketMeta;

namespace {
const auto VLAN100 = hex("001b21ccdd02001b21aabb01810000640800450000281234000040065"
                         "49a0a0000010a00000230390050000000010000000050022000000000000000");
}  // namespace

TEST(FreebsdHash32, WorkedExampleOfTheSpec) {
  fb::Options o{fb::Variant::hash32, fb::l2 | fb::l3 | fb::l4, 0};
  EXPECT_EQ(fb::hash(F1, {}, o), 0x4fd006c2u);
  EXPECT_EQ(fb::hash(F1, {}, o) % 2, 0u);
  PacketMeta tagged;
  tagged.vlan_tci = 4094;
  EXPECT_EQ(fb::hash(F1, tagged, o), 0x9935d5cfu);
}

TEST(FreebsdFnv, WorkedExampleOfTheSpec) {
  fb::Options o{fb::Variant::fnv, fb::l2 | fb::l3 | fb::l4, 0};
  EXPECT_EQ(fb::hash(F1, {}, o), 0x18c6b922u);
}

TEST(FreebsdHash32, InBandVlanQuirkHashesOnlyMacsAndBytes28To29) {
  fb::Options all{fb::Variant::hash32, fb::l2 | fb::l3 | fb::l4, 0};
  fb::Options only_l2{fb::Variant::hash32, fb::l2, 0};
  EXPECT_EQ(fb::hash(VLAN100, {}, all), 0x206d4af7u);
  EXPECT_EQ(fb::hash(VLAN100, {}, only_l2), 0x206d4af7u);
  // Without l2 the walk still reads the bogus inner ethertype: L3/L4 never hashed, key returned.
  fb::Options l34{fb::Variant::hash32, fb::l3 | fb::l4, 0x1234};
  EXPECT_EQ(fb::hash(VLAN100, {}, l34), 0x1234u);
}

TEST(FreebsdHash32, MatchesByteByByteDefinition) {
  // h = h*33 + c over src MAC, dst MAC, addresses, ports: the unrolled step must equal it.
  std::uint32_t h = 0xdeadbeef;
  std::vector<std::uint8_t> bytes;
  for (int i = 6; i < 12; ++i) bytes.push_back(F1[i]);
  for (int i = 0; i < 6; ++i) bytes.push_back(F1[i]);
  for (int i = 26; i < 34; ++i) bytes.push_back(F1[i]);
  for (int i = 34; i < 38; ++i) bytes.push_back(F1[i]);
  for (auto c : bytes) h = h * 33 + c;
  EXPECT_EQ(fb::hash(F1, {}, {fb::Variant::hash32, fb::l2 | fb::l3 | fb::l4, 0xdeadbeef}), h);
}

TEST(FreebsdHash, TruncatedFramesHashWhatWasComplete) {
  fb::Options o{fb::Variant::hash32, fb::l2 | fb::l3 | fb::l4, 77};
  for (std::size_t n = 0; n <= F1.size(); ++n) {
    const fwd::net::Bytes cut(F1.data(), n);
    const std::uint32_t h = fb::hash(cut, {}, o);
    if (n < 14) {
      EXPECT_EQ(h, 77u) << n;
    } else if (n < 34) {
      // Between the end of the MACs and a complete IPv4 header only the MACs count.
      EXPECT_EQ(h, fb::hash(cut, {}, {fb::Variant::hash32, fb::l2, 77})) << n;
    } else if (n >= 38) {
      EXPECT_EQ(h, fb::hash(F1, {}, o)) << n;
    }
  }
}

TEST(FreebsdHash, Ipv6FlowLabelGatedByL3InHash32AndByL4InFnv) {
  // IPv6 UDP with flow label 0x12345, traffic class nonzero (masked off).
  const auto f = hex("333300000001020000000001" "86dd" "6ab12345000811" "40"
          "20010db8000000000000000000000001" "20010db8000000000000000000000002" "1234567800080000");
  fb::Options h32_l4{fb::Variant::hash32, fb::l4, 5};
  EXPECT_EQ(fb::hash(f, {}, h32_l4), 5u) << "9.x hashes nothing of IPv6 without l3";
  fb::Options h32_l3{fb::Variant::hash32, fb::l3, 5};
  fb::Options fnv_l3{fb::Variant::fnv, fb::l3, 5};
  fb::Options fnv_l34{fb::Variant::fnv, fb::l3 | fb::l4, 5};
  fwd::hash::Trace t;
  fb::hash(f, {}, h32_l3, t);
  ASSERT_FALSE(t.steps.empty());
  EXPECT_EQ(t.steps.back().bytes, (std::vector<std::uint8_t>{0x00, 0x01, 0x23, 0x45}));
  EXPECT_NE(fb::hash(f, {}, fnv_l3), fb::hash(f, {}, fnv_l34));
}

TEST(FreebsdHash, TraceRecordsTheWalkAndEqualsTheHash) {
  fb::Options o{fb::Variant::hash32, fb::l2 | fb::l3 | fb::l4, 0};
  fwd::hash::Trace t;
  const auto h = fb::hash(F1, {}, o, t);
  EXPECT_EQ(h, fb::hash(F1, {}, o));
  std::vector<std::string> names;
  for (const auto& s : t.steps)
    if (s.kind == fwd::hash::TraceStep::Kind::field) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"src_mac", "dst_mac", "ip_src,ip_dst", "src_port,dst_port"}));
  EXPECT_EQ(t.steps.back().hash, h);
}
