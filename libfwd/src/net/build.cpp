// FrameBuilder (slow path).
#include "fwd/net/build.hpp"

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::net {

namespace {
void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  put16(v, static_cast<std::uint16_t>(x >> 16));
  put16(v, static_cast<std::uint16_t>(x));
}
void set16(std::vector<std::uint8_t>& v, std::size_t at, std::uint16_t x) {
  v[at] = static_cast<std::uint8_t>(x >> 8);
  v[at + 1] = static_cast<std::uint8_t>(x);
}
template <class C> void append(std::vector<std::uint8_t>& v, const C& c) { v.insert(v.end(), c.begin(), c.end()); }

std::uint32_t partial_sum(Bytes data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += be16(data.data() + i);
  if (i < data.size()) sum += std::uint32_t{data[i]} << 8;  // odd byte padded with a zero after it
  return sum;
}
}  // namespace

std::uint16_t internet_checksum(Bytes data, std::uint32_t initial) {
  std::uint64_t sum = partial_sum(data, 0) + std::uint64_t{initial};
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

FrameBuilder& FrameBuilder::eth(Mac dst, Mac src) {
  dst_ = dst;
  src_ = src;
  has_eth_ = true;
  return *this;
}
FrameBuilder& FrameBuilder::vlan(std::uint16_t tci, std::uint16_t tpid) {
  tags_.emplace_back(tpid, tci);
  return *this;
}
FrameBuilder& FrameBuilder::ethertype(std::uint16_t type) {
  l3_ = L3::raw;
  raw_type_ = type;
  return *this;
}
FrameBuilder& FrameBuilder::ipv4(Ipv4 src, Ipv4 dst, Ipv4Fields f) {
  if (f.options.size() > 40) throw Error("IPv4 options longer than 40 bytes");
  l3_ = L3::ipv4;
  v4src_ = src;
  v4dst_ = dst;
  v4_ = std::move(f);
  return *this;
}
FrameBuilder& FrameBuilder::ipv6(const Ipv6& src, const Ipv6& dst, Ipv6Fields f) {
  if (f.flow_label > 0xfffff) throw Error("IPv6 flow label wider than 20 bits");
  l3_ = L3::ipv6;
  v6src_ = src;
  v6dst_ = dst;
  v6_ = f;
  return *this;
}
FrameBuilder& FrameBuilder::tcp(std::uint16_t s, std::uint16_t d, TcpFields f) {
  if (f.options.size() > 40) throw Error("TCP options longer than 40 bytes");
  l4_ = L4::tcp;
  sport_ = s;
  dport_ = d;
  tcp_ = std::move(f);
  return *this;
}
FrameBuilder& FrameBuilder::udp(std::uint16_t s, std::uint16_t d) {
  l4_ = L4::udp;
  sport_ = s;
  dport_ = d;
  return *this;
}
FrameBuilder& FrameBuilder::icmp(std::uint8_t type, std::uint8_t code, std::uint16_t id, std::uint16_t seq) {
  l4_ = L4::icmp;
  icmp_type_ = type;
  icmp_code_ = code;
  icmp_id_ = id;
  icmp_seq_ = seq;
  return *this;
}
FrameBuilder& FrameBuilder::arp(std::uint16_t op, Mac sha, Ipv4 spa, Mac tha, Ipv4 tpa) {
  l3_ = L3::arp;
  arp_op_ = op;
  arp_sha_ = sha;
  arp_spa_ = spa;
  arp_tha_ = tha;
  arp_tpa_ = tpa;
  return *this;
}
FrameBuilder& FrameBuilder::carp(std::uint8_t vhid, std::uint8_t advbase, std::uint8_t advskew,
                                 std::uint64_t counter, const std::array<std::uint8_t, 20>& hmac) {
  l4_ = L4::carp;
  carp_.clear();
  carp_.push_back(0x21);  // version 2, type 1 (advertisement)
  carp_.push_back(vhid);
  carp_.push_back(advskew);
  carp_.push_back(7);  // authlen: 7 32-bit words (counter + HMAC)
  carp_.push_back(0);  // pad
  carp_.push_back(advbase);
  put16(carp_, 0);  // checksum, filled in build()
  put32(carp_, static_cast<std::uint32_t>(counter >> 32));
  put32(carp_, static_cast<std::uint32_t>(counter));
  append(carp_, hmac);
  return *this;
}
FrameBuilder& FrameBuilder::payload(Bytes bytes) {
  payload_.assign(bytes.begin(), bytes.end());
  return *this;
}
FrameBuilder& FrameBuilder::min_size(std::size_t n) {
  min_size_ = n;
  return *this;
}

std::vector<std::uint8_t> FrameBuilder::build() const {
  if (!has_eth_) throw Error("FrameBuilder: eth(dst, src) is required");
  if ((l4_ != L4::none) && l3_ != L3::ipv4 && l3_ != L3::ipv6)
    throw Error("FrameBuilder: a transport layer needs ipv4() or ipv6() below it");
  if (l4_ == L4::carp && l3_ != L3::ipv4) throw Error("FrameBuilder: CARP is built over IPv4 only");

  // Every length field is 16 bits (header-length nibbles count 4-byte words up to 60 bytes): a
  // frame that does not fit is refused rather than built with a wrapped length.
  const auto fits16 = [](std::size_t n, const char* what) {
    if (n > 0xffff) throw Error(fmt::format("FrameBuilder: {} of {} bytes does not fit its 16-bit length field (at most 65535)", what, n));
  };
  if (tcp_.options.size() > 40) throw Error(fmt::format("FrameBuilder: {} bytes of TCP options: at most 40", tcp_.options.size()));
  if (v4_.options.size() > 40) throw Error(fmt::format("FrameBuilder: {} bytes of IPv4 options: at most 40", v4_.options.size()));

  // Transport layer first: its bytes go into IP lengths and checksums.
  std::vector<std::uint8_t> l4;
  std::uint8_t proto = 0;
  std::size_t csum_at = 0;
  bool pseudo = true;
  switch (l4_) {
    case L4::none: break;
    case L4::tcp: {
      proto = ipproto::tcp;
      const std::size_t opt = (tcp_.options.size() + 3) / 4 * 4;
      put16(l4, sport_); put16(l4, dport_); put32(l4, tcp_.seq); put32(l4, tcp_.ack);
      l4.push_back(static_cast<std::uint8_t>(((20 + opt) / 4) << 4));
      l4.push_back(tcp_.flags);
      put16(l4, tcp_.window); put16(l4, 0); put16(l4, 0);
      append(l4, tcp_.options);
      l4.resize(20 + opt, 0);
      csum_at = 16;
      break;
    }
    case L4::udp:
      proto = ipproto::udp;
      put16(l4, sport_); put16(l4, dport_);
      fits16(8 + payload_.size(), "a UDP datagram");
      put16(l4, static_cast<std::uint16_t>(8 + payload_.size())); put16(l4, 0);
      csum_at = 6;
      break;
    case L4::icmp:
      proto = l3_ == L3::ipv6 ? ipproto::icmpv6 : ipproto::icmp;
      pseudo = l3_ == L3::ipv6;  // ICMPv6 checksums a pseudo-header, ICMPv4 does not
      l4.push_back(icmp_type_); l4.push_back(icmp_code_); put16(l4, 0);
      put16(l4, icmp_id_); put16(l4, icmp_seq_);
      csum_at = 2;
      break;
    case L4::carp:
      proto = ipproto::carp;
      pseudo = false;
      l4 = carp_;
      csum_at = 6;
      break;
  }
  append(l4, payload_);
  if (l4_ != L4::none) {
    std::uint32_t sum = 0;
    if (pseudo) {
      if (l3_ == L3::ipv4) {
        const auto s = v4src_.to_bytes(), d = v4dst_.to_bytes();
        sum = partial_sum(s, partial_sum(d, 0)) + proto + static_cast<std::uint32_t>(l4.size());
      } else {
        sum = partial_sum(v6src_.bytes, partial_sum(v6dst_.bytes, 0)) + proto + static_cast<std::uint32_t>(l4.size());
      }
    }
    std::uint16_t c = internet_checksum(l4, sum);
    if (l4_ == L4::udp && c == 0) c = 0xffff;  // 0 means "no checksum" in UDP
    set16(l4, csum_at, c);
  }

  std::vector<std::uint8_t> f;
  append(f, dst_.bytes);
  append(f, src_.bytes);
  std::uint16_t type = 0;
  switch (l3_) {
    case L3::ipv4: type = ethertype::ipv4; break;
    case L3::ipv6: type = ethertype::ipv6; break;
    case L3::arp: type = ethertype::arp; break;
    case L3::raw: type = raw_type_; break;
    case L3::none:
      fits16(payload_.size(), "an 802.3 payload");
      type = payload_.empty() ? 0 : static_cast<std::uint16_t>(payload_.size());
      break;
  }
  for (const auto& [tpid, tci] : tags_) { put16(f, tpid); put16(f, tci); }
  put16(f, type);

  if (l3_ == L3::ipv4) {
    const std::size_t opt = (v4_.options.size() + 3) / 4 * 4;
    const std::size_t at = f.size();
    const std::uint8_t p = v4_.protocol.value_or(proto);
    f.push_back(static_cast<std::uint8_t>(0x40 | ((20 + opt) / 4)));
    f.push_back(v4_.tos);
    fits16(20 + opt + l4.size(), "an IPv4 packet");
    put16(f, static_cast<std::uint16_t>(20 + opt + l4.size()));
    put16(f, v4_.id);
    put16(f, static_cast<std::uint16_t>((v4_.dont_fragment ? 0x4000 : 0) | (v4_.more_fragments ? 0x2000 : 0) |
                                        (v4_.fragment_offset & 0x1fff)));
    f.push_back(l4_ == L4::carp ? std::uint8_t{255} : v4_.ttl);  // CARP requires TTL 255
    f.push_back(p);
    put16(f, 0);
    append(f, v4src_.to_bytes());
    append(f, v4dst_.to_bytes());
    append(f, v4_.options);
    f.resize(at + 20 + opt, 0);
    set16(f, at + 10, internet_checksum(Bytes(f.data() + at, 20 + opt)));
    append(f, l4);
  } else if (l3_ == L3::ipv6) {
    put32(f, 0x60000000u | (std::uint32_t{v6_.traffic_class} << 20) | v6_.flow_label);
    fits16(l4.size(), "an IPv6 payload");
    put16(f, static_cast<std::uint16_t>(l4.size()));
    f.push_back(v6_.next_header.value_or(l4_ == L4::none ? std::uint8_t{59} : proto));
    f.push_back(v6_.hop_limit);
    append(f, v6src_.bytes);
    append(f, v6dst_.bytes);
    append(f, l4);
  } else if (l3_ == L3::arp) {
    put16(f, 1); put16(f, ethertype::ipv4); f.push_back(6); f.push_back(4); put16(f, arp_op_);
    append(f, arp_sha_.bytes); append(f, arp_spa_.to_bytes());
    append(f, arp_tha_.bytes); append(f, arp_tpa_.to_bytes());
    append(f, payload_);
  } else {
    append(f, payload_);
  }
  if (f.size() < min_size_) f.resize(min_size_, 0);
  return f;
}

}  // namespace fwd::net
