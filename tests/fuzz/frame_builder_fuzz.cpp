// libFuzzer target: FrameBuilder driven by arbitrary layer choices and field values. build()
// must give a frame or fwd::Error, never a crash; a built frame parses back (PacketView) to what
// was asked: tags, ethertype, addresses, protocol, ports, valid IPv4 header and L4 checksums,
// lengths that match the frame, at least min_size bytes.
// Build: see hash_fuzz.cpp; seeds in tests/fuzz/corpus/frame_builder_fuzz/, run with tools/fuzz.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/packet.hpp"

namespace {

// Reads the input front to back; zeros once it runs out.
struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t u8() { return n ? (--n, *p++) : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) << 16 | u16(); }
  std::vector<std::uint8_t> bytes(std::size_t k) {
    std::vector<std::uint8_t> v;
    while (k-- && n) v.push_back(u8());
    return v;
  }
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fwd::net;
  Reader r{data, size};
  const std::uint8_t shape = r.u8(), more = r.u8();
  FrameBuilder b;
  const bool eth = (shape & 0x80) == 0;  // rarely without: build() must then refuse
  if (eth) b.eth(Mac::from_u64(r.u32()), Mac::from_u64(std::uint64_t{r.u16()} << 32 | r.u32()));
  const unsigned tags = shape & 3;
  std::uint16_t tpid[3] = {}, tci[3] = {};
  for (unsigned i = 0; i < tags; ++i) {
    tpid[i] = (more & (1u << i)) ? 0x88a8 : 0x8100;
    tci[i] = r.u16();
    b.vlan(tci[i], tpid[i]);
  }
  const unsigned l3 = (shape >> 2) % 5;  // none, ipv4, ipv6, arp, raw ethertype
  const unsigned l4 = (shape >> 4) % 5;  // none, tcp, udp, icmp, carp
  Ipv4 s4{r.u32()}, d4{r.u32()};
  Ipv6 s6, d6;
  Ipv4Fields f4;
  std::uint16_t raw_type = 0;
  try {
    switch (l3) {
      case 1:
        f4.ttl = r.u8();
        f4.options = r.bytes(r.u8() % 48);  // > 40 must be refused
        if (more & 0x10) f4.more_fragments = true;
        if (more & 0x20) f4.fragment_offset = r.u16();
        b.ipv4(s4, d4, f4);
        break;
      case 2: {
        for (auto& x : s6.bytes) x = r.u8();
        for (auto& x : d6.bytes) x = r.u8();
        Ipv6Fields f6;
        f6.flow_label = r.u32() & ((more & 0x40) ? 0xffffffu : 0xfffffu);  // > 20 bits must be refused
        b.ipv6(s6, d6, f6);
        break;
      }
      case 3: b.arp(1 + (more & 1), Mac::from_u64(r.u32()), s4, Mac{}, d4); break;
      case 4: raw_type = r.u16(); b.ethertype(raw_type); break;
      default: break;
    }
    const std::uint16_t sport = r.u16(), dport = r.u16();
    switch (l4) {
      case 1: {
        TcpFields t;
        t.flags = r.u8();
        t.options = r.bytes(r.u8() % 48);
        b.tcp(sport, dport, t);
        break;
      }
      case 2: b.udp(sport, dport); break;
      case 3: b.icmp(r.u8(), r.u8(), r.u16(), r.u16()); break;
      case 4: b.carp(r.u8(), r.u8(), r.u8()); break;
      default: break;
    }
    const std::size_t min = (more & 0x80) ? r.u8() : 60;
    b.min_size(min);
    const auto payload = r.bytes(r.n);
    b.payload(Bytes(payload));
    std::vector<std::uint8_t> frame;
    try {
      frame = b.build();
    } catch (const fwd::Error& e) {
      check(!std::string_view(e.what()).empty());
      return 0;
    }
    check(eth);
    check(frame.size() >= min);
    const PacketView v{Bytes(frame)};
    // An ethertype that is itself a TPID (raw type, or a payload length of 0x8100) reads as one more tag.
    const std::uint16_t type_after_tags = be16(frame.data() + 12 + 4 * tags);
    if (type_after_tags != 0x8100 && type_after_tags != 0x88a8) check(v.tag_count() == tags);
    for (unsigned i = 0; i < tags; ++i) check(v.tag_tpid(i) == tpid[i] && v.tag_tci(i) == tci[i]);
    if (l3 == 1) {
      check(v.has_ipv4() && v.ipv4_src() == s4 && v.ipv4_dst() == d4);
      const std::size_t ihl = (frame[v.l3_offset()] & 0x0fu) * 4u;
      check(internet_checksum(Bytes(frame.data() + v.l3_offset(), ihl)) == 0);
      check(be16(frame.data() + v.l3_offset() + 2) + v.l3_offset() <= frame.size());
    }
    if (l3 == 2) check(v.has_ipv6() && v.ip_src_bytes().size() == 16 &&
                       std::memcmp(v.ip_src_bytes().data(), s6.bytes.data(), 16) == 0);
    if (l3 == 4) check(v.ethertype() == raw_type);
    if ((l3 == 1 || l3 == 2) && (l4 == 1 || l4 == 2) && !v.is_fragment())
      check(v.has_ports() && v.src_port() == sport && v.dst_port() == dport);
  } catch (const fwd::Error& e) {
    check(!std::string_view(e.what()).empty());  // option / flow-label limits refused by the setters
  }
  return 0;
}
