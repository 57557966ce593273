// hash::Policy::explain and its text / JSON renderings (slow path).
#include <fmt/format.h>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/policy.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::hash {

namespace {

std::string hex_bytes(const std::vector<std::uint8_t>& b, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) out += fmt::format("{}{:02x}", i ? sep : "", b[i]);
  return out;
}

/// One line a person can read: addresses, protocol, ports.
std::string summarize(net::Bytes frame) {
  const net::PacketView v(frame);
  if (!v.has_ethernet()) return fmt::format("{} bytes: shorter than an Ethernet header", frame.size());
  std::string s = fmt::format("{} bytes: {} -> {}", frame.size(), v.src_mac().to_string(), v.dst_mac().to_string());
  for (unsigned i = 0; i < v.tag_count(); ++i)
    s += fmt::format(", {} vid {}", v.tag_tpid(i) == 0x88a8 ? "802.1ad" : "802.1Q", v.tag_tci(i) & 0xfff);
  auto proto_name = [&]() -> std::string {
    switch (v.ip_proto()) {
      case net::ipproto::tcp: return "TCP";
      case net::ipproto::udp: return "UDP";
      case net::ipproto::sctp: return "SCTP";
      case net::ipproto::icmp: return "ICMP";
      case net::ipproto::icmpv6: return "ICMPv6";
      case net::ipproto::carp: return "CARP/VRRP";
      default: return fmt::format("proto {}", v.ip_proto());
    }
  };
  auto endpoint = [&](std::string addr, std::uint16_t port, bool v6) {
    if (!v.has_ports()) return addr;
    return v6 ? fmt::format("[{}]:{}", addr, port) : fmt::format("{}:{}", addr, port);
  };
  if (v.has_ipv4()) {
    s += fmt::format(", IPv4 {} {} -> {}", proto_name(), endpoint(v.ipv4_src().to_string(), v.src_port(), false),
                     endpoint(v.ipv4_dst().to_string(), v.dst_port(), false));
  } else if (v.has_ipv6()) {
    net::Ipv6 a, b;
    std::copy_n(v.ip_src_bytes().begin(), 16, a.bytes.begin());
    std::copy_n(v.ip_dst_bytes().begin(), 16, b.bytes.begin());
    s += fmt::format(", IPv6 {} {} -> {}", proto_name(), endpoint(a.to_string(), v.src_port(), true),
                     endpoint(b.to_string(), v.dst_port(), true));
  } else if (v.has_arp()) {
    const std::uint8_t* a = frame.data() + v.l3_offset();
    const std::uint16_t op = net::be16(a + 6);
    if (net::be16(a) == 1 && net::be16(a + 2) == 0x0800 && a[4] == 6 && a[5] == 4) {
      const std::string spa = net::Ipv4{net::be32(a + 14)}.to_string(), tpa = net::Ipv4{net::be32(a + 24)}.to_string();
      s += op == 1 ? fmt::format(", ARP request who-has {} tell {}", tpa, spa)
           : op == 2 ? fmt::format(", ARP reply {} is-at {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", spa, a[8], a[9],
                                   a[10], a[11], a[12], a[13])
                     : fmt::format(", ARP op {} {} -> {}", op, spa, tpa);
    } else {
      s += fmt::format(", ARP op {} (hardware type {}, protocol 0x{:04x})", op, net::be16(a), net::be16(a + 2));
    }
  } else if (v.ethertype() != 0) {
    s += v.ethertype() < 0x0600 ? fmt::format(", 802.3 length {}", v.ethertype())
                                : fmt::format(", ethertype 0x{:04x}", v.ethertype());
  }
  if (v.is_fragment()) s += v.is_later_fragment() ? " (later fragment)" : " (first fragment)";
  if (v.is_truncated()) s += " (truncated)";
  return s;
}

std::string index_rule(const Policy& p, std::uint64_t h, std::uint32_t n, std::uint32_t idx) {
  return p.visit([&](const auto& hasher) -> std::string {
    using H = std::decay_t<decltype(hasher)>;
    if constexpr (std::is_same_v<H, OvsHasher>) {
      return fmt::format("bucket = 0x{:08x} & 0xff = {} (the member is the bond's bucket table: state)", h, idx);
    } else if constexpr (std::is_same_v<H, ToeplitzHasher>) {
      const auto slot = static_cast<std::uint32_t>(h) & (hasher.reta_size - 1);
      return fmt::format("reta[0x{:08x} & {}] = reta[{}] = {} % {} = {}", h, hasher.reta_size - 1, slot, slot, n, idx);
    } else if constexpr (std::is_same_v<H, VendorHasher>) {
      return fmt::format("vendor mapping of 0x{:08x} over {} members = {}", h, n, idx);
    } else {
      return fmt::format("0x{:0{}x} % {} = {}", h, p.hash_bits() / 4, n, idx);
    }
  });
}

}  // namespace

Explanation Policy::explain(net::Bytes frame, const net::PacketMeta& meta, std::uint32_t members) const {
  Explanation e;
  e.spec = spec_;
  e.frame_length = frame.size();
  e.frame_summary = summarize(frame);
  Trace t;
  e.hash = visit([&](const auto& h) { return h(frame, meta, t); });
  e.steps = std::move(t.steps);
  e.members = members;
  e.index = index(e.hash, members);
  e.index_rule = index_rule(*this, e.hash, members, e.index);
  return e;
}

Explanation Policy::explain_input(net::Bytes input, std::uint32_t members) const {
  Explanation e;
  e.spec = spec_;
  e.frame_length = input.size();
  e.frame_summary = fmt::format("{} bytes of raw input", input.size());
  Trace t;
  e.hash = visit([&](const auto& h) -> std::uint64_t {
    if constexpr (requires { h.raw(input, t); }) {
      return h.raw(input, t);
    } else {
      throw Error(fmt::format("\"{}\" hashes frames, not raw input bytes: only toeplitz and bmv2 policies take raw input", spec_));
    }
  });
  e.steps = std::move(t.steps);
  e.members = members;
  e.index = index(e.hash, members);
  e.index_rule = index_rule(*this, e.hash, members, e.index);
  return e;
}

std::string Explanation::to_text() const {
  const bool wide = hash > 0xffffffffULL;
  const int w = wide ? 16 : 8;
  std::size_t nw = 20;  // name column: as wide as the longest field or step name
  for (const auto& s : steps)
    if (s.kind != TraceStep::Kind::note) nw = std::max(nw, s.name.size());
  std::string out = fmt::format("policy  {}\nframe   {}\n", spec, frame_summary);
  out += fmt::format("walk    {:<{}} {:>6}  {:<34} {}\n", "field", nw, "offset", "bytes", "running hash");
  for (const auto& s : steps) {
    switch (s.kind) {
      case TraceStep::Kind::field: {
        std::string bytes = hex_bytes(s.bytes, " ");
        if (bytes.size() > 34) bytes = bytes.substr(0, 31) + "...";
        const std::string off = s.in_frame ? fmt::format("{}", s.offset) : "";
        out += fmt::format("        {:<{}} {:>6}  {:<34} 0x{:0{}x}\n", s.name, nw, off, bytes, s.hash, w);
        break;
      }
      case TraceStep::Kind::step:
        out += fmt::format("        {:<{}} {:>6}  {:<34} 0x{:0{}x}\n", s.name, nw, "", "", s.hash, w);
        break;
      case TraceStep::Kind::note:
        out += fmt::format("        note: {}\n", s.name);
        break;
    }
  }
  out += fmt::format("hash    0x{:0{}x} ({})\n", hash, w, hash);
  out += fmt::format("member  {}\n", index_rule);
  return out;
}

describe::json::value Explanation::to_json() const {
  namespace json = describe::json;
  json::array st;
  for (const auto& s : steps) {
    switch (s.kind) {
      case TraceStep::Kind::field:
        st.push_back(json::object{{"kind", "field"}, {"name", s.name},
                                  {"offset", s.in_frame ? json::value(s.offset) : json::value(nullptr)},
                                  {"bytes", hex_bytes(s.bytes, "")}, {"hash", s.hash}});
        break;
      case TraceStep::Kind::step:
        st.push_back(json::object{{"kind", "step"}, {"name", s.name}, {"hash", s.hash}});
        break;
      case TraceStep::Kind::note:
        st.push_back(json::object{{"kind", "note"}, {"text", s.name}});
        break;
    }
  }
  json::object o{{"spec", spec}, {"frame_length", frame_length}, {"frame", frame_summary}};
  o["steps"] = std::move(st);
  o["hash"] = hash;
  o["members"] = members;
  o["index"] = index;
  o["index_rule"] = index_rule;
  return o;
}

}  // namespace fwd::hash
