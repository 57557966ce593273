// fwd::sim::Capture text (tcpdump -e -n -tt style) and pcap output (through fwd::io::PcapWriter).
#include "fwd/sim/capture.hpp"

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/io/pcap.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::sim {

using net::be16;
using net::be32;

std::string format_time(Time t) {
  const std::int64_t us = t.ns / 1000;
  return fmt::format("{}.{:06d}", us / 1'000'000, us % 1'000'000);
}

namespace {

std::string ipv6_at(const std::uint8_t* p) {
  net::Ipv6 a;
  for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = p[i];
  return a.to_string();
}

std::string tcp_flags(std::uint8_t f) {
  std::string s;
  if (f & 0x02) s += 'S';
  if (f & 0x01) s += 'F';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x10) s += '.';
  return s.empty() ? "none" : s;
}

std::string carp_text(const std::uint8_t* c, std::size_t avail) {
  if (avail < 16) return fmt::format("CARP, truncated ({} bytes)", avail);
  const std::uint64_t counter = (std::uint64_t{be32(c + 8)} << 32) | be32(c + 12);
  return fmt::format("CARPv{}-advertise {}: vhid={} advbase={} advskew={} authlen={} counter={}", c[0] >> 4, avail,
                     c[1], c[5], c[2], c[3], counter);
}

std::string l3_text(const std::uint8_t* p, std::size_t n, std::uint16_t type) {
  if (type == net::ethertype::arp) {
    if (n < 28) return "ARP, truncated";
    const std::uint16_t op = be16(p + 6);
    const std::string spa = net::Ipv4{be32(p + 14)}.to_string();
    const std::string tpa = net::Ipv4{be32(p + 24)}.to_string();
    if (op == 1) {
      if (spa == tpa) return fmt::format("ARP, Request who-has {} tell {} (gratuitous, sender {})", tpa, spa,
                                         net::Mac::from_bytes(p + 8).to_string());
      return fmt::format("ARP, Request who-has {} tell {}, length {}", tpa, spa, n);
    }
    if (op == 2) return fmt::format("ARP, Reply {} is-at {}, length {}", spa, net::Mac::from_bytes(p + 8).to_string(), n);
    return fmt::format("ARP, op {}", op);
  }
  if (type == net::ethertype::ipv4) {
    if (n < 20) return "IP, truncated";
    const std::size_t ihl = (p[0] & 0x0fu) * 4u;
    const std::size_t tot = std::min<std::size_t>(be16(p + 2), n);
    const std::string src = net::Ipv4{be32(p + 12)}.to_string(), dst = net::Ipv4{be32(p + 16)}.to_string();
    const std::uint8_t proto = p[9];
    if (ihl < 20 || tot < ihl) return fmt::format("IP {} > {}: bad header", src, dst);
    const std::uint8_t* l4 = p + ihl;
    const std::size_t l4n = tot - ihl;
    if (proto == 1 && l4n >= 8) {
      const char* what = l4[0] == 8 ? "echo request" : l4[0] == 0 ? "echo reply" : nullptr;
      if (what)
        return fmt::format("IP {} > {}: ICMP {}, id {}, seq {}, length {}", src, dst, what, be16(l4 + 4), be16(l4 + 6), l4n);
      return fmt::format("IP {} > {}: ICMP type {} code {}, length {}", src, dst, l4[0], l4[1], l4n);
    }
    if (proto == 6 && l4n >= 20) {
      const std::size_t doff = (l4[12] >> 4) * 4u;
      const std::uint8_t fl = l4[13];
      std::string s = fmt::format("IP {}.{} > {}.{}: Flags [{}], seq {}", src, be16(l4), dst, be16(l4 + 2), tcp_flags(fl), be32(l4 + 4));
      if (fl & 0x10) s += fmt::format(", ack {}", be32(l4 + 8));
      s += fmt::format(", win {}, length {}", be16(l4 + 14), l4n > doff ? l4n - doff : 0);
      return s;
    }
    if (proto == 17 && l4n >= 8)
      return fmt::format("IP {}.{} > {}.{}: UDP, length {}", src, be16(l4), dst, be16(l4 + 2), l4n - 8);
    if (proto == 112) return fmt::format("IP {} > {}: {}", src, dst, carp_text(l4, l4n));
    return fmt::format("IP {} > {}: ip-proto-{} {}", src, dst, proto, l4n);
  }
  if (type == net::ethertype::ipv6) {
    if (n < 40) return "IP6, truncated";
    const std::string src = ipv6_at(p + 8), dst = ipv6_at(p + 24);
    const std::size_t plen = std::min<std::size_t>(be16(p + 4), n - 40);
    const std::uint8_t* l4 = p + 40;
    if (p[6] == 112) return fmt::format("IP6 {} > {}: {}", src, dst, carp_text(l4, plen));
    if (p[6] == 58 && plen >= 24 && l4[0] == 136)
      return fmt::format("IP6 {} > {}: ICMP6, neighbor advertisement, tgt is {}, length {}", src, dst, ipv6_at(l4 + 8), plen);
    return fmt::format("IP6 {} > {}: next-header {}, length {}", src, dst, p[6], plen);
  }
  return fmt::format("ethertype 0x{:04x}, length {}", type, n);
}

}  // namespace

std::string format_frame(net::Bytes f) {
  if (f.size() < 14) return fmt::format("truncated frame, {} bytes", f.size());
  std::string s = fmt::format("{} > {}", net::Mac::from_bytes(f.data() + 6).to_string(), net::Mac::from_bytes(f.data()).to_string());
  std::size_t off = 12;
  std::uint16_t type = be16(f.data() + off);
  while ((type == 0x8100 || type == 0x88a8) && net::fits(f.size(), off, 6)) {
    s += fmt::format(", {} {}", type == 0x8100 ? "vlan" : "qinq", be16(f.data() + off + 2) & 0x0fff);
    off += 4;
    type = be16(f.data() + off);
  }
  const char* name = type == net::ethertype::ipv4 ? "IPv4" : type == net::ethertype::ipv6 ? "IPv6"
                     : type == net::ethertype::arp ? "ARP" : "ethertype";
  s += fmt::format(", {} (0x{:04x}), length {}: ", name, type, f.size());
  s += l3_text(f.data() + off + 2, f.size() - off - 2, type);
  return s;
}

std::string Capture::to_text() const {
  std::string out;
  for (const auto& r : records_) {
    out += format_time(r.time);
    out += r.outgoing ? " > " : " < ";
    out += format_frame(bytes_of(r));
    out += '\n';
  }
  return out;
}

void Capture::write_pcap(const std::string& path) const {
  io::PcapWriter w(path);
  for (const auto& r : records_) w.write(r.time, bytes_of(r), r.length);
  w.close();
}

}  // namespace fwd::sim
