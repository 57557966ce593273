// frame_for_flow (slow path: goes through the FrameBuilder so checksums are right).
#include "fwd/net/flow.hpp"

#include <cstring>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"

namespace fwd::net {

std::vector<std::uint8_t> frame_for_flow(const FlowRecord& r) {
  FrameBuilder b;
  b.eth(Mac::from_u64(r.dst_mac), Mac::from_u64(r.src_mac));
  if (r.vlan >= 0) {
    if (r.vlan > 0xffff) throw Error(fmt::format("flow vlan {} out of range: expected -1 (untagged) or a TCI 0..65535", r.vlan));
    b.vlan(static_cast<std::uint16_t>(r.vlan));
  }
  if (r.ip_version == 0) {
    b.ethertype(r.eth_type);
    return b.build();
  }
  if (r.ip_version == 4) {
    Ipv4 s, d;
    std::uint8_t sb[4], db[4];
    std::memcpy(sb, r.src_ip, 4);
    std::memcpy(db, r.dst_ip, 4);
    s.value = be32(sb);
    d.value = be32(db);
    Ipv4Fields f;
    f.protocol = r.ip_proto;
    b.ipv4(s, d, f);
  } else if (r.ip_version == 6) {
    Ipv6 s, d;
    std::memcpy(s.bytes.data(), r.src_ip, 16);
    std::memcpy(d.bytes.data(), r.dst_ip, 16);
    Ipv6Fields f;
    f.next_header = r.ip_proto;
    b.ipv6(s, d, f);
  } else {
    throw Error(fmt::format("flow ip_version {} invalid: expected 4, 6 or 0 (non-IP)", r.ip_version));
  }
  switch (r.ip_proto) {
    case 6: b.tcp(r.src_port, r.dst_port); break;
    case 17: b.udp(r.src_port, r.dst_port); break;
    case 132: {
      // SCTP common header: ports, verification tag, checksum (left zero).
      const std::uint8_t h[12] = {static_cast<std::uint8_t>(r.src_port >> 8), static_cast<std::uint8_t>(r.src_port),
                                  static_cast<std::uint8_t>(r.dst_port >> 8), static_cast<std::uint8_t>(r.dst_port)};
      b.payload(Bytes(h, 12));
      break;
    }
    case 1: case 58:
      if ((r.ip_proto == 1) == (r.ip_version == 4)) b.icmp(r.ip_version == 4 ? 8 : 128, 0, r.src_port, r.dst_port);
      break;
    default: break;
  }
  return b.build();
}

}  // namespace fwd::net
