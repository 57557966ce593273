// The fast paths (batch kernels, sliced CRCs, gathered inputs, interleaved folds) against the
// reference walks: for every policy, on random well-formed, truncated and garbage frames,
// hash_batch/index_batch and hash() equal the traced walk explain() runs (the original code
// path, one field at a time).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "fwd/hash/policy.hpp"
#include "fwd/net/build.hpp"

using fwd::hash::Policy;
namespace net = fwd::net;

namespace {

// A frame drawn from the shapes the hashes branch on: 0-2 tags, IPv4 (options, fragments) or
// IPv6 (extension header) or ARP or other, TCP/UDP/SCTP/ICMP/other, then cut at a random length
// (a third of them) or replaced by random bytes (a tenth).
std::vector<std::uint8_t> random_frame(std::mt19937_64& rng) {
  auto u = [&](std::uint64_t n) { return rng() % n; };
  if (u(10) == 0) {
    std::vector<std::uint8_t> junk(u(80));
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    return junk;
  }
  net::FrameBuilder b;
  b.eth(net::Mac::from_u64(rng()), net::Mac::from_u64(rng()));
  for (std::uint64_t i = u(4) == 0 ? 1 + u(2) : 0; i > 0; --i)
    b.vlan(static_cast<std::uint16_t>(rng()), u(2) ? 0x8100 : 0x88a8);
  const auto l3 = u(8);
  if (l3 < 4) {
    net::Ipv4Fields f;
    if (u(5) == 0) f.options.assign(4 * (1 + u(3)), 1);
    if (u(8) == 0) f.more_fragments = true;
    if (u(8) == 0) f.fragment_offset = static_cast<std::uint16_t>(1 + u(100));
    if (u(10) == 0) f.protocol = static_cast<std::uint8_t>(u(2) ? 132 : rng());
    b.ipv4(net::Ipv4{static_cast<std::uint32_t>(rng())}, net::Ipv4{static_cast<std::uint32_t>(rng())}, f);
  } else if (l3 < 7) {
    net::Ipv6 s, d;
    for (auto& x : s.bytes) x = static_cast<std::uint8_t>(rng());
    for (auto& x : d.bytes) x = static_cast<std::uint8_t>(rng());
    net::Ipv6Fields f;
    f.flow_label = static_cast<std::uint32_t>(rng() & 0xfffff);
    if (u(10) == 0) f.next_header = static_cast<std::uint8_t>(u(2) ? 0 : 44);
    b.ipv6(s, d, f);
  } else if (u(2)) {
    b.arp(1, net::Mac::from_u64(rng()), net::Ipv4{static_cast<std::uint32_t>(rng())}, net::Mac{},
          net::Ipv4{static_cast<std::uint32_t>(rng())});
  } else {
    b.ethertype(static_cast<std::uint16_t>(rng()));
  }
  if (l3 < 7) {
    const auto l4 = u(4);
    const auto sp = static_cast<std::uint16_t>(rng()), dp = static_cast<std::uint16_t>(rng());
    if (l4 == 0) b.tcp(sp, dp);
    else if (l4 == 1) b.udp(sp, dp);
    else if (l4 == 2) b.icmp(8, 0);
  }
  std::vector<std::uint8_t> payload(u(20), 0xab);
  b.payload(payload);
  auto f = b.min_size(u(2) ? 60 : 0).build();
  if (u(3) == 0) f.resize(u(f.size() + 1));
  return f;
}

const char* const all_specs[] = {
    "freebsd-9.3:l2,l3,l4;key=0x1234abcd", "freebsd-9.3:l3;key=7", "freebsd-9.3:l2;key=1", "freebsd-9.3:l4;key=2",
    "freebsd-fnv:l2,l3,l4;key=0x1234abcd", "freebsd-fnv:l3,l4;key=9", "freebsd-fnv:l2;key=3", "freebsd-fnv:l4;key=4",
    "linux-6.12:layer2", "linux-6.12:layer2+3", "linux-6.12:layer3+4", "linux-6.12:encap2+3", "linux-6.12:encap3+4",
    "linux-6.12:vlan+srcmac", "ovs-3.1:balance-slb;basis=0", "ovs-3.1:balance-tcp;basis=77", "dpdk:l2", "dpdk:l23",
    "dpdk:l34", "toeplitz:ipv4", "toeplitz:ipv4_tcp", "toeplitz:ipv4_udp", "toeplitz:ipv6", "toeplitz:ipv6_tcp",
    "toeplitz:ipv6_udp", "bmv2:crc16", "bmv2:crc16_custom", "bmv2:crc32", "bmv2:crc32_custom", "bmv2:crcCCITT",
    "bmv2:csum16", "bmv2:xor16", "bmv2:identity", "vendor:5tuple", "vendor:5tuple;function=xxh3;seed=5",
    "vendor:l2,l3,l4,ttl,ipv6_flow_label,ingress_port;function=crc16-ccitt;seed=0xdeadbeef",
    "vendor:src_ip,dst_ip;function=crc32-hi;buckets=8;rotate=3", "vendor:l3,l4;function=crc32-lo",
    "vendor:5tuple;function=crc16-bisync", "vendor:l2;function=xor16", "vendor:5tuple;function=xor1",
    "vendor:5tuple;function=xor2", "vendor:l3;function=xor4", "vendor:5tuple,vlan;function=xor8;seed=3",
    "vendor:dst_mac,ethertype,ttl;function=xxh3", "vendor:5tuple;function=crc32-hi;seed=9",
    "vendor:5tuple;function=crc16-ccitt;seed=1", "vendor:5tuple;function=crc32-lo;buckets=8;rotate=5"};

}  // namespace

TEST(Batch, EveryPolicyEqualsTheReferenceWalk) {
  std::mt19937_64 rng(20261204);
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 3000; ++i) frames.push_back(random_frame(rng));
  // Batch layout: rows of `stride` bytes with explicit lengths.
  const std::size_t stride = 160;
  std::vector<std::uint8_t> rows(frames.size() * stride, 0xee);
  std::vector<std::uint32_t> lengths(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_LE(frames[i].size(), stride);
    std::copy(frames[i].begin(), frames[i].end(), rows.begin() + i * stride);
    lengths[i] = static_cast<std::uint32_t>(frames[i].size());
  }
  const Policy::Batch batch{rows.data(), stride, frames.size(), lengths.data()};
  for (const char* spec : all_specs) {
    const auto p = Policy::from_spec(spec);
    std::vector<std::uint64_t> reference(frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) reference[i] = p.explain(frames[i], {}, 1).hash;
    std::vector<std::uint64_t> hashes(frames.size());
    p.hash_batch(batch, hashes.data());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      ASSERT_EQ(hashes[i], reference[i]) << spec << " frame " << i << " of " << frames[i].size() << " bytes";
      ASSERT_EQ(p.hash(frames[i]), reference[i]) << spec << " frame " << i;
    }
    for (std::uint32_t members : {1u, 3u, 4u, 7u}) {
      std::vector<std::uint32_t> index(frames.size());
      p.index_batch(batch, members, index.data());
      for (std::size_t i = 0; i < frames.size(); ++i)
        ASSERT_EQ(index[i], p.index(reference[i], members)) << spec << " frame " << i << " members " << members;
    }
    // Out-of-band metadata goes through the scalar path: it equals the reference walk too.
    for (std::size_t i = 0; i < 300; ++i) {
      net::PacketMeta m;
      if (rng() % 2) m.vlan_tci = static_cast<std::uint16_t>(rng());
      m.ingress_port = static_cast<std::uint16_t>(rng());
      ASSERT_EQ(p.hash(frames[i], m), p.explain(frames[i], m, 3).hash) << spec << " frame " << i;
    }
  }
}

// Batches of every size 0..40 (interleaved kernels process frames in groups; the remainder too).
TEST(Batch, EveryBatchSizeAndRemainder) {
  std::mt19937_64 rng(5);
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 40; ++i) frames.push_back(random_frame(rng));
  const std::size_t stride = 160;
  std::vector<std::uint8_t> rows(frames.size() * stride, 0);
  std::vector<std::uint32_t> lengths(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    std::copy(frames[i].begin(), frames[i].end(), rows.begin() + i * stride);
    lengths[i] = static_cast<std::uint32_t>(frames[i].size());
  }
  for (const char* spec : all_specs) {
    const auto p = Policy::from_spec(spec);
    for (std::size_t n = 0; n <= frames.size(); ++n) {
      std::vector<std::uint16_t> out(n + 1, 0xbeef);
      p.index_batch(Policy::Batch{rows.data(), stride, n, lengths.data()}, 5, out.data());
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], p.index(p.explain(frames[i], {}, 5).hash, 5)) << spec;
      ASSERT_EQ(out[n], 0xbeef) << spec << ": wrote past the batch";
    }
  }
}

// The divide-free modulus of the index step against `%`, at the edges and at random.
TEST(Batch, ModulusEqualsRemainder) {
  std::mt19937_64 rng(11);
  std::vector<std::uint32_t> divisors = {1, 2, 3, 4, 5, 7, 8, 255, 256, 1000, 65535, 65536, 0x7fffffff, 0x80000000u,
                                         0xfffffffeu, 0xffffffffu};
  for (int i = 0; i < 200; ++i) divisors.push_back(static_cast<std::uint32_t>(rng() >> (rng() % 32)) | 1u);
  for (std::uint32_t d : divisors) {
    const fwd::hash::Modulus m(d);
    for (std::uint64_t h : std::initializer_list<std::uint64_t>{0, 1, 0xffffffff, 0x80000000, 0x100000000, ~0ull, std::uint64_t{d} - 1,
                            std::uint64_t{d}, std::uint64_t{d} + 1})
      ASSERT_EQ(m(h), h % d) << h << " % " << d;
    for (int k = 0; k < 2000; ++k) {
      const std::uint64_t h = k % 10 == 0 ? rng() : rng() >> 32;
      ASSERT_EQ(m(h), h % d) << h << " % " << d;
    }
  }
  EXPECT_EQ(fwd::hash::Modulus(0)(12345), 0u);
}

// Blocks of plain IPv4 TCP/UDP frames only (what captures mostly are): the vendor kernel then
// hashes from its layout made once (CRCs straight from the frames, other functions over inputs
// built run by run).
TEST(Batch, VendorBlocksOfPlainFramesEqualTheReferenceWalk) {
  std::mt19937_64 rng(99);
  const std::size_t count = 300, stride = 96;
  std::vector<std::uint8_t> rows(count * stride, 0);
  std::vector<std::uint32_t> lengths(count);
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t i = 0; i < count; ++i) {
    net::FrameBuilder b;
    b.eth(net::Mac::from_u64(rng()), net::Mac::from_u64(rng()));
    b.ipv4(net::Ipv4{static_cast<std::uint32_t>(rng())}, net::Ipv4{static_cast<std::uint32_t>(rng())}, {});
    if (rng() % 2) b.tcp(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
    else b.udp(static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng()));
    frames.push_back(b.min_size(60 + rng() % 20).build());
    std::copy(frames[i].begin(), frames[i].end(), rows.begin() + i * stride);
    lengths[i] = static_cast<std::uint32_t>(frames[i].size());
  }
  const Policy::Batch batch{rows.data(), stride, count, lengths.data()};
  for (const char* spec : {"vendor:l2,l3,l4;function=crc16;seed=0x1234", "vendor:l2,l3,l4;function=crc16-ccitt",
                           "vendor:ingress_port,vlan,src_ip,ttl;function=crc32-hi;seed=7",
                           "vendor:ingress_port,l4;function=crc32-lo", "vendor:vlan,dst_mac;function=crc16-bisync",
                           "vendor:l2,l3,l4;function=xxh3;seed=3", "vendor:l2,l4;function=xor4;seed=5",
                           "vendor:src_mac,ipv6_flow_label,ttl;function=crc16"}) {
    const auto p = Policy::from_spec(spec);
    std::vector<std::uint64_t> hashes(count);
    p.hash_batch(batch, hashes.data());
    for (std::size_t i = 0; i < count; ++i)
      ASSERT_EQ(hashes[i], p.explain(frames[i], {}, 1).hash) << spec << " frame " << i;
  }
  // The CRC functions straight from the frames (vendor::PlainCrc), for every field set: a block
  // and a partial one against the scalar walk.
  namespace vd = fwd::hash::vendor;
  const Policy::Batch head{rows.data(), stride, 70, lengths.data()};
  std::vector<std::uint64_t> hashes(70);
  for (unsigned fields = 1; fields < (1u << vd::field_count); ++fields) {
    for (vd::Function fn : {vd::Function::crc16, vd::Function::crc16_bisync, vd::Function::crc16_ccitt,
                            vd::Function::crc32_hi, vd::Function::crc32_lo}) {
      vd::Config c;
      c.fields = static_cast<vd::FieldSet>(fields);
      c.function = fn;
      c.seed = static_cast<std::uint32_t>(rng());
      const auto p = Policy::from_spec("vendor:" + c.to_string());
      p.hash_batch(head, hashes.data());
      for (std::size_t i = 0; i < head.count; ++i) ASSERT_EQ(hashes[i], p.hash(frames[i])) << p.spec() << " frame " << i;
    }
  }
}
