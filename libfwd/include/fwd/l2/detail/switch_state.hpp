#pragma once
// Per-port and per-link runtime state of fwd::l2::Switch and the parsed view of one frame
// (not public API).
#include <bitset>
#include <cstdint>

#include "fwd/l2/flap.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/time.hpp"

namespace fwd::lag {
class OvsBond;
class Lag;
}  // namespace fwd::lag

namespace fwd::l2::detail {

struct PortState {
  bool is_lag = false;
  std::uint16_t first_link = 0, link_count = 1;
  std::uint16_t links_up = 1;      // members (or the one link) with carrier
  bool admin_up = true;
  Time shutdown_until{INT64_MIN};  // err-disabled by a flap action until then
  bool learning = true, flood = true, mcast_flood = true, bcast_flood = true;
  bool hairpin = false, locked = false, sticky = false;
  // VLAN-aware switches: classification and egress encoding.
  std::int32_t pvid = -1;             // VLAN of untagged/priority-tagged frames, -1: dropped
  bool access_drops_tagged = false;   // OVS access port: any non-zero VID is dropped
  std::bitset<4096> member;           // VLANs the port carries
  std::bitset<4096> untagged;         // VLANs sent without a tag
  // LAG
  lag::OvsBond* bond = nullptr;       // OVS bond state (owned by the switch)
  lag::Lag* lag = nullptr;            // generic LAG (non-OVS profiles, owned by the switch)
  std::uint8_t bond_mode = 0;         // 0 none, 1 balance-slb, 2 active-backup, 3 balance-tcp
  std::uint32_t bond_basis = 0;

  bool up(Time now) const { return admin_up && links_up > 0 && shutdown_until.ns <= now.ns; }
};

struct LinkState {
  PortId port = no_port;
  std::uint16_t member = 0;  // index in the LAG's member list (0 for a physical port)
  bool carrier = true;
};

// The fields of one frame the switch reads; every load checked against the frame length.
struct Parsed {
  const std::uint8_t* p = nullptr;
  std::size_t n = 0;
  std::uint64_t dst = 0, src = 0;
  std::uint16_t tpid = 0;   // bytes 12..13
  std::uint16_t tci = 0;    // outer tag's TCI when tagged
  std::uint16_t type = 0;   // EtherType after the outer tag (or bytes 12..13)
  std::uint16_t l3 = 14;    // offset after the outer tag
  bool tagged = false;      // an outer tag the switch recognises (0x8100, OVS also 0x88a8)
  bool malformed = false;   // recognised TPID but the tag is cut short

  // Requires n >= 14 (checked by the caller).
  void parse(net::Bytes frame, bool accept_qinq) {
    p = frame.data();
    n = frame.size();
    dst = net::be48(p);
    src = net::be48(p + 6);
    tpid = net::be16(p + 12);
    if (tpid == 0x8100 || (accept_qinq && tpid == 0x88a8)) {
      if (!net::fits(n, 14, 4)) {
        malformed = true;
        return;
      }
      tagged = true;
      tci = net::be16(p + 14);
      type = net::be16(p + 16);
      l3 = 18;
    } else {
      type = tpid;
    }
  }
  // OVS is_gratuitous_arp(): broadcast ARP reply, or broadcast request with SPA == TPA.
  bool is_gratuitous_arp() const {
    if (type != 0x0806 || dst != 0xffff'ffff'ffffULL || !net::fits(n, l3, 28)) return false;
    const std::uint8_t* a = p + l3;
    if (net::be16(a) != 1 || net::be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) return false;
    const std::uint16_t op = net::be16(a + 6);
    if (op == 2) return true;
    return op == 1 && net::be32(a + 14) == net::be32(a + 24);
  }
};

// What the first pass over a frame (BasicSwitch::classify_fast) learns: whether it may take the
// fast path as far as the frame and its ingress port tell, and then its FDB keys and hashes.
struct FastInfo {
  std::uint64_t src_key, dst_key, src_h, dst_h;
  PortId in;
  std::uint16_t vlan;
  bool fast;
};

// Per link and per port: the few fields the fast path reads, packed (PortState is ~1 KiB with
// its VLAN bitsets). Maintained by BasicSwitch::refresh_fast().
struct LinkHot {
  PortId port = no_port;
  bool fast_in = false;  // carrier && the port's fast_in
};
struct PortHot {
  bool fast_in = false, fast_out = false;
  std::uint16_t first_link = 0xffff;
};

constexpr bool is_group(std::uint64_t mac) { return (mac >> 40) & 1; }
constexpr bool is_broadcast(std::uint64_t mac) { return mac == 0xffff'ffff'ffffULL; }
// 01:80:c2:00:00:00 .. 0f (IEEE 802.1D reserved group addresses).
constexpr bool is_link_local(std::uint64_t mac) { return (mac >> 4) == 0x0180c200000ULL; }

// OVS eth_addr_is_reserved() (lib/packets.c): the 802.1D range plus Extreme and Cisco groups.
constexpr bool is_ovs_reserved(std::uint64_t mac) {
  if (is_link_local(mac)) return true;
  switch (mac) {
    case 0x00e02b000000ULL: case 0x00e02b000004ULL: case 0x00e02b000006ULL:  // EDP, EAPS
    case 0x01000c000000ULL: case 0x01000cccccccULL: case 0x01000ccccccdULL:  // ISL, CDP.., PVST+
    case 0x01000ccdcdcdULL:                                                  // STP UplinkFast
      return true;
    default:
      return mac >= 0x01000cccccc0ULL && mac <= 0x01000cccccc7ULL;           // Cisco CFM
  }
}

}  // namespace fwd::l2::detail
