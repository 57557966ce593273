// libFuzzer target: every hash policy (its explain walk and its batch kernels) and PacketView over
// arbitrary bytes, with arbitrary out-of-band metadata. The frame is copied into an exactly-sized heap buffer, so
// AddressSanitizer reports any read past it. Build (clang, not part of the default build):
//   cmake -S . -B BUILD-fuzz -DCMAKE_CXX_COMPILER=clang++ -DFWD_FUZZ=ON -DFWD_PYTHON=OFF \
//         -DFWD_TESTS=OFF -DFWD_BENCH=OFF && cmake --build BUILD-fuzz --target hash_fuzz
//   BUILD-fuzz/tests/fuzz/hash_fuzz -max_total_time=60
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fwd/hash/policy.hpp"
#include "fwd/net/packet.hpp"

namespace {

const std::vector<fwd::hash::Policy>& policies() {
  static const std::vector<fwd::hash::Policy> all = [] {
    std::vector<fwd::hash::Policy> v;
    for (const char* spec :
         {"freebsd-9.3:l2,l3,l4;key=1", "freebsd-9.3:l3,l4;key=2", "freebsd-fnv:l2,l3,l4;key=3", "freebsd-fnv:l4;key=4",
          "linux-6.12:layer2", "linux-6.12:layer2+3", "linux-6.12:layer3+4", "linux-6.12:encap2+3",
          "linux-6.12:encap3+4", "linux-6.12:vlan+srcmac", "ovs-3.1:balance-slb;basis=5", "ovs-3.1:balance-tcp",
          "dpdk:l2", "dpdk:l23", "dpdk:l34", "toeplitz:ipv4_tcp", "toeplitz:ipv6_udp", "toeplitz:ipv6",
          "bmv2:crc16", "bmv2:crc32", "bmv2:csum16", "bmv2:xor16", "bmv2:identity", "vendor:l2,l3,l4,ttl,ipv6_flow_label",
          "vendor:5tuple;function=xxh3;buckets=8", "vendor:l2,l3,l4;function=crc16", "vendor:5tuple;function=crc32-lo",
          "vendor:l3,l4,ingress_port;function=crc16-ccitt;seed=7"})
      v.push_back(fwd::hash::Policy::from_spec(spec));
    return v;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  // The first 6 bytes choose the metadata; the rest is the frame.
  fwd::net::PacketMeta meta;
  if (data[0] & 1) meta.vlan_tci = static_cast<std::uint16_t>(data[1] << 8 | data[2]);
  if (data[0] & 2) meta.protocol = static_cast<std::uint16_t>(data[3] << 8 | data[4]);
  if (data[0] & 4) {
    meta.flow_hash = static_cast<std::uint32_t>(data[5]) * 0x01010101u;
    meta.flow_hash_is_l4 = (data[0] & 8) != 0;
  }
  meta.output_vlan = static_cast<std::uint16_t>(data[1] & 0x0f);
  const std::size_t n = size - 6;
  auto frame = std::make_unique<std::uint8_t[]>(n ? n : 1);  // exactly n readable bytes
  std::memcpy(frame.get(), data + 6, n);
  const fwd::net::Bytes f(frame.get(), n);

  const fwd::net::PacketView view(f);
  volatile std::uint64_t sink = view.src_port() + view.ttl() + view.ipv6_flow_label();
  // Every policy hashes the frame (cheap); one, chosen by the input (bits 4-6 of byte 0 with
  // byte 5), also walks explain, which must agree: explain builds its trace text, so running it
  // for all 25 policies made an execution ~20x dearer without reaching anything new.
  const auto& all = policies();
  const std::size_t explained = ((data[0] >> 4 & 7u) << 8 | data[5]) % all.size();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& p = all[i];
    const std::uint64_t h = p.hash(f, meta);
    sink = sink + h + p.index(h, 3);
    if (p.takes_raw_input()) sink = sink + p.hash_input(f);
    if ((data[0] & 0x80) && i == explained) {  // the explain walk must agree with the hash
      if (p.explain(f, meta, 3).hash != h) __builtin_trap();
    }
  }
  // The batch kernels (block kernels, plain-frame layouts, CRCs straight from the frame) over
  // three copies of the frame in one exactly-sized buffer must give the scalar hash; reading past
  // the last row is an AddressSanitizer report.
  constexpr std::size_t copies = 3;
  auto rows = std::make_unique<std::uint8_t[]>(n ? copies * n : 1);
  for (std::size_t c = 0; c < copies; ++c) std::memcpy(rows.get() + c * n, data + 6, n);
  const fwd::hash::Policy::Batch batch{rows.get(), n, n ? copies : 0, nullptr};
  for (const auto& p : all) {
    std::uint64_t out[copies] = {};
    p.hash_batch(batch, out);
    const std::uint64_t h = p.hash(f);
    for (std::size_t c = 0; c < batch.count; ++c)
      if (out[c] != h) __builtin_trap();
  }
  (void)sink;
  return 0;
}
