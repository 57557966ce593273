// libFuzzer target: ECMP selection and explain over arbitrary IPv4/IPv6 packets for every Linux
// policy (the flow dissector: IPIP, GRE with flags, extension headers, fragments, ICMP errors),
// FreeBSD and vendor, both families and all path-set kinds, with an arbitrary receive hash and
// lookup kind (byte 0: lookup kind and which of the 48 routers; byte 1: receive-hash flags; bytes
// 2-3: receive hash; the rest: the packet); the batch hashes (hash_batch, hash_plain_v4 from the
// packet's plain_v4_key, and PlainV4Hasher with the key beside a row of another router) must
// equal the scalar one. The packet is copied into an exactly-sized heap buffer, so AddressSanitizer reports
// any read past it. Build as the other targets (see hash_fuzz.cpp), then
//   BUILD-fuzz/tests/fuzz/route_fuzz -max_total_time=60
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fwd/route/ecmp.hpp"

namespace {

using namespace fwd::route;

std::vector<Ecmp>& routers() {
  static std::vector<Ecmp> all = [] {
    std::vector<Ecmp> v;
    for (Family fam : {Family::ipv4, Family::ipv6})
      for (GroupKind kind : {GroupKind::multipath, GroupKind::hash_threshold, GroupKind::resilient})
        for (const char* spec : {"linux-6.18:policy=0", "linux-6.18:policy=1", "linux-6.18:policy=2",
                                 "linux-6.18:policy=3;fields=0xfff", "linux-6.18:policy=3;fields=0xfc0",
                                 "linux-6.12:policy=1;use_neigh=1", "freebsd", "vendor"}) {
          PathSet ps;
          ps.family = fam;
          ps.kind = kind;
          ps.num_buckets = 16;
          for (std::uint32_t i = 1; i <= 3; ++i) ps.nexthops.push_back({.gateway = "gw", .device = "d", .weight = i, .id = i});
          v.push_back(Ecmp::from_spec(spec, ps));
        }
    return v;
  }();
  return all;
}

// Every router that hashes plain IPv4 keys, as one PlainV4Hasher; slot[r] = its selector (-1: none).
struct Mixed {
  PlainV4Hasher hasher;
  std::vector<int> slot;
};
const Mixed& mixed() {
  static const Mixed m = [] {
    Mixed x;
    std::vector<const Ecmp*> sel;
    for (const auto& e : routers()) {
      x.slot.push_back(e.hashes_plain_v4() ? static_cast<int>(sel.size()) : -1);
      if (e.hashes_plain_v4()) sel.push_back(&e);
    }
    x.hasher = PlainV4Hasher(sel);
    return x;
  }();
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  // One router per input, chosen by the input (its top six bits of byte 0): every router is as
  // reachable as before, and an execution costs one select + explain instead of 48 (10 M
  // executions in reach; the fuzzer's feedback steers the choice like any other byte).
  Ecmp& e = routers()[(data[0] >> 2) % routers().size()];
  Meta meta;
  meta.lookup = static_cast<Lookup>(data[0] % 4);
  if (data[1] & 1) meta.rx_hash = (std::uint32_t{data[2]} << 24) | (std::uint32_t{data[3]} << 8);
  meta.rx_hash_l4_auto = data[1] & 2;
  const std::size_t n = size - 4;
  auto buf = std::make_unique<std::uint8_t[]>(n);
  std::memcpy(buf.get(), data + 4, n);
  const fwd::net::Bytes pkt(buf.get(), n);
  const std::int32_t c = e.select(pkt, meta);
  if (c < 0 || static_cast<std::size_t>(c) >= e.size()) __builtin_trap();
  if (e.explain(pkt, meta).chosen != c && e.paths().kind != GroupKind::resilient) __builtin_trap();
  // The batch forms hash exactly as hash(): over the packet, and from its plain IPv4 key.
  const std::uint32_t h = e.hash(pkt, meta);
  std::uint32_t b = 0;
  e.hash_batch(std::span<const fwd::net::Bytes>(&pkt, 1), &b, meta);
  if (b != h) __builtin_trap();
  if (const auto k = plain_v4_key(pkt); k && e.hashes_plain_v4(meta)) {
    e.hash_plain_v4({&k->lo, &k->hi, &k->ports, &k->proto, 1}, &b);
    if (b != h) __builtin_trap();
    const Mixed& m = mixed();
    const auto w = static_cast<std::uint32_t>(m.slot[static_cast<std::size_t>(&e - routers().data())]);
    const std::uint32_t lo[2] = {k->lo, k->hi}, hi[2] = {k->hi, k->lo}, ports[2] = {k->ports, 0};
    const std::uint8_t proto[2] = {k->proto, 6};
    const std::uint32_t which[2] = {w, (w + 1) % static_cast<std::uint32_t>(m.hasher.size())};
    std::uint32_t two[2];
    m.hasher.hash({lo, hi, ports, proto, 2}, which, two);
    if (two[0] != h) __builtin_trap();
  }
  return 0;
}
