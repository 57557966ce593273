// CARP / VRRP on the wire: SHA-1 and the CARP HMAC, advert frames, takeover GARP/NA frames and
// the receive-side parser (carp.md §2, §7; RFC 3768 §5, RFC 5798 §5).
#include <algorithm>
#include <cstring>

#include "fwd/net/build.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/sim/carp.hpp"
#include "fwd/sim/detail/carp_hmac.hpp"

namespace fwd::sim::carp {

namespace detail {

namespace {
std::uint32_t rol(std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void sha1_block(std::uint32_t h[5], const std::uint8_t* p) {
  std::uint32_t w[80];
  for (int i = 0; i < 16; ++i) w[i] = net::be32(p + 4 * i);
  for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    std::uint32_t f, k;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
    else { f = b ^ c ^ d; k = 0xca62c1d6; }
    const std::uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d; d = c; c = rol(b, 30); b = a; a = t;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

std::array<std::uint8_t, 20> key_of(const Config& c) {
  std::array<std::uint8_t, 20> k{};
  std::memcpy(k.data(), c.pass.data(), std::min<std::size_t>(c.pass.size(), k.size()));
  return k;
}

bool scope_embedded(const net::Ipv6& a) {
  const auto& b = a.bytes;
  const bool link_local = b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
  const bool mc_scoped = b[0] == 0xff && ((b[1] & 0x0f) == 0x01 || (b[1] & 0x0f) == 0x02);
  return link_local || mc_scoped;
}
}  // namespace

// Incremental SHA-1: the HMAC hashes prefix ‖ counter without building the concatenation, so
// verifying a received advert does not allocate.
class Sha1 {
public:
  void update(const std::uint8_t* p, std::size_t n) {
    total_ += n;
    if (fill_) {
      const std::size_t k = std::min(n, std::size_t{64} - fill_);
      std::memcpy(buf_ + fill_, p, k);
      fill_ += k;
      p += k;
      n -= k;
      if (fill_ < 64) return;
      sha1_block(h_, buf_);
      fill_ = 0;
    }
    for (; n >= 64; p += 64, n -= 64) sha1_block(h_, p);
    if (n) std::memcpy(buf_, p, n);
    fill_ = n;
  }
  std::array<std::uint8_t, 20> final() {
    const std::uint64_t bits = total_ * 8;
    const std::uint8_t pad = 0x80;
    update(&pad, 1);
    const std::uint8_t zero[64] = {};
    update(zero, fill_ <= 56 ? 56 - fill_ : 120 - fill_);
    std::uint8_t len[8];
    for (int b = 0; b < 8; ++b) len[b] = static_cast<std::uint8_t>(bits >> (56 - 8 * b));
    update(len, 8);
    std::array<std::uint8_t, 20> out{};
    for (int w = 0; w < 5; ++w)
      for (int b = 0; b < 4; ++b) out[4 * w + b] = static_cast<std::uint8_t>(h_[w] >> (24 - 8 * b));
    return out;
  }

private:
  std::uint32_t h_[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  std::uint8_t buf_[64] = {};
  std::size_t fill_ = 0;
  std::uint64_t total_ = 0;
};

std::array<std::uint8_t, 20> sha1(const std::uint8_t* data, std::size_t n) {
  Sha1 h;
  h.update(data, n);
  return h.final();
}

std::vector<std::uint8_t> hmac_prefix(const Config& c) {
  std::vector<std::uint8_t> v(64, 0);
  const auto key = key_of(c);
  for (std::size_t i = 0; i < 64; ++i) v[i] = static_cast<std::uint8_t>((i < 20 ? key[i] : 0) ^ 0x36);
  v.push_back(2);  // CARP_VERSION
  v.push_back(1);  // CARP_ADVERTISEMENT
  v.push_back(c.vhid);
  // The kernel walks "smallest address above the last one" until none is left: ascending,
  // duplicates once, and 0.0.0.0 / 255.255.255.255 (its loop bounds) never.
  std::vector<std::uint32_t> a4;
  for (const auto& a : c.vips4)
    if (a.value != 0 && a.value != 0xffffffffu) a4.push_back(a.value);
  std::sort(a4.begin(), a4.end());
  a4.erase(std::unique(a4.begin(), a4.end()), a4.end());
  for (auto a : a4) {
    const auto b = net::Ipv4{a}.to_bytes();
    v.insert(v.end(), b.begin(), b.end());
  }
  std::vector<std::array<std::uint8_t, 16>> a6;
  for (auto a : c.vips6) {
    if (scope_embedded(a)) a.bytes[2] = a.bytes[3] = 0;  // in6.s6_addr16[1] = 0
    const bool zero = std::all_of(a.bytes.begin(), a.bytes.end(), [](auto x) { return x == 0; });
    const bool ones = std::all_of(a.bytes.begin(), a.bytes.end(), [](auto x) { return x == 0xff; });
    if (!zero && !ones) a6.push_back(a.bytes);
  }
  std::sort(a6.begin(), a6.end());  // memcmp order
  a6.erase(std::unique(a6.begin(), a6.end()), a6.end());
  for (const auto& a : a6) v.insert(v.end(), a.begin(), a.end());
  return v;
}

std::array<std::uint8_t, 20> hmac_from_prefix(const std::vector<std::uint8_t>& prefix, const Config& c,
                                              std::uint64_t counter) {
  std::uint8_t ctr[8];
  for (int b = 0; b < 8; ++b) ctr[b] = static_cast<std::uint8_t>(counter >> (56 - 8 * b));  // as on the wire
  Sha1 inner;
  inner.update(prefix.data(), prefix.size());
  inner.update(ctr, 8);
  const auto ih = inner.final();
  std::uint8_t outer[84];
  const auto key = key_of(c);
  for (std::size_t i = 0; i < 64; ++i) outer[i] = static_cast<std::uint8_t>((i < 20 ? key[i] : 0) ^ 0x5c);
  std::memcpy(outer + 64, ih.data(), 20);
  return sha1(outer, sizeof outer);
}

}  // namespace detail

std::array<std::uint8_t, 20> carp_hmac(const Config& c, std::uint64_t counter) {
  return detail::hmac_from_prefix(detail::hmac_prefix(c), c, counter);
}

Advert make_advert(const Config& sender, const AdvertFields& f) {
  Advert a;
  a.fields = f;
  const MacPlan plan = mac_plan(sender, f.family);
  a.eth_src = plan.advert_src;
  a.eth_dst = f.family == Family::ipv4 ? net::Mac::from_u64(0x01005e000012ULL) : net::Mac::from_u64(0x333300000012ULL);
  a.src4 = sender.src4.value_or(net::Ipv4{});
  a.src6 = sender.src6.value_or(net::Ipv6{});
  a.ttl = 255;
  if (is_carp(sender.profile)) {
    a.authlen = 7;
    a.hmac = carp_hmac(sender, f.counter);
  } else {
    a.authlen = 0;  // VRRPv2 auth type 0
    a.addr_count = static_cast<std::uint8_t>(f.family == Family::ipv4 ? sender.vips4.size() : sender.vips6.size());
  }
  return a;
}

// ---- frames ----------------------------------------------------------------------------------

namespace {
void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}
void set16(std::vector<std::uint8_t>& v, std::size_t at, std::uint16_t x) {
  v[at] = static_cast<std::uint8_t>(x >> 8);
  v[at + 1] = static_cast<std::uint8_t>(x);
}
template <class C> void append(std::vector<std::uint8_t>& v, const C& c) { v.insert(v.end(), c.begin(), c.end()); }

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t s = 0) {
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) s += net::be16(p + i);
  if (i < n) s += std::uint32_t{p[i]} << 8;
  return s;
}

const net::Ipv4 group4{0xe0000012u};  // 224.0.0.18
net::Ipv6 group6() {
  net::Ipv6 a;
  a.bytes[0] = 0xff; a.bytes[1] = 0x02; a.bytes[15] = 0x12;  // ff02::12
  return a;
}

// Ethernet (+ optional tag) header with the given ethertype.
std::vector<std::uint8_t> eth(net::Mac dst, net::Mac src, std::uint16_t type, const FrameParams& p) {
  std::vector<std::uint8_t> f;
  f.reserve(96);
  append(f, dst.bytes);
  append(f, src.bytes);
  if (p.vlan_tci) { put16(f, 0x8100); put16(f, *p.vlan_tci); }
  put16(f, type);
  return f;
}

void ipv4_header(std::vector<std::uint8_t>& f, std::uint8_t tos, std::size_t payload, std::uint16_t id, bool df,
                 net::Ipv4 src, net::Ipv4 dst) {
  const std::size_t at = f.size();
  f.push_back(0x45);
  f.push_back(tos);
  put16(f, static_cast<std::uint16_t>(20 + payload));
  put16(f, id);
  put16(f, df ? 0x4000 : 0);
  f.push_back(255);  // CARP_DFLTTL / VRRP_IP_TTL
  f.push_back(net::ipproto::carp);
  put16(f, 0);
  append(f, src.to_bytes());
  append(f, dst.to_bytes());
  set16(f, at + 10, net::internet_checksum(net::Bytes(f.data() + at, 20)));
}

void ipv6_header(std::vector<std::uint8_t>& f, std::uint8_t tclass, std::size_t payload, std::uint8_t nh,
                 const net::Ipv6& src, const net::Ipv6& dst) {
  const std::uint32_t first = 0x60000000u | (std::uint32_t{tclass} << 20);
  put16(f, static_cast<std::uint16_t>(first >> 16));
  put16(f, static_cast<std::uint16_t>(first));
  put16(f, static_cast<std::uint16_t>(payload));
  f.push_back(nh);
  f.push_back(255);
  append(f, src.bytes);
  append(f, dst.bytes);
}

std::uint32_t pseudo6(const net::Ipv6& s, const net::Ipv6& d, std::size_t len, std::uint8_t nh) {
  return sum16(s.bytes.data(), 16, sum16(d.bytes.data(), 16)) + static_cast<std::uint32_t>(len) + nh;
}
}  // namespace

std::vector<std::uint8_t> advert_frame(const Config& c, const AdvertFields& fl, const FrameParams& p) {
  const bool v6 = fl.family == Family::ipv6;
  const MacPlan plan = mac_plan(c, fl.family);
  const net::Ipv4 s4 = c.src4.value_or(net::Ipv4{});
  const net::Ipv6 s6 = c.src6.value_or(net::Ipv6{});
  const net::Ipv6 g6 = group6();

  // The message above IP.
  std::vector<std::uint8_t> m;
  m.reserve(64);
  m.push_back(static_cast<std::uint8_t>((fl.version << 4) | (fl.type & 0x0f)));
  m.push_back(fl.vhid);
  if (is_carp(c.profile)) {
    m.push_back(fl.advskew);
    m.push_back(7);  // authlen: counter + HMAC in 32-bit words
    m.push_back(0);
    m.push_back(fl.advbase);
    put16(m, 0);
    for (int b = 7; b >= 0; --b) m.push_back(static_cast<std::uint8_t>(fl.counter >> (8 * b)));
    append(m, carp_hmac(c, fl.counter));
    set16(m, 6, net::internet_checksum(m));  // CARP header only, no pseudo-header
  } else {
    const std::size_t n = v6 ? c.vips6.size() : c.vips4.size();
    m.push_back(fl.priority);
    m.push_back(static_cast<std::uint8_t>(n));
    if (c.profile == Profile::vrrp_v2) {
      m.push_back(0);  // auth type 0 (RFC 3768 §5.3.6)
      m.push_back(fl.advbase);
    } else {
      put16(m, static_cast<std::uint16_t>(fl.interval_cs & 0x0fff));  // 4 reserved bits + Max Adver Int
    }
    put16(m, 0);
    if (v6) for (const auto& a : c.vips6) append(m, a.bytes);
    else for (const auto& a : c.vips4) append(m, a.to_bytes());
    if (c.profile == Profile::vrrp_v2) m.insert(m.end(), 8, 0);  // authentication data
    std::uint32_t initial = 0;
    if (c.profile == Profile::vrrp_v3) {  // RFC 5798 §5.2.8: pseudo-header included
      initial = v6 ? pseudo6(s6, g6, m.size(), net::ipproto::carp)
                   : sum16(s4.to_bytes().data(), 4, sum16(group4.to_bytes().data(), 4)) + net::ipproto::carp +
                         static_cast<std::uint32_t>(m.size());
    }
    set16(m, 6, net::internet_checksum(m, initial));
  }

  const net::Mac dst = v6 ? net::Mac::from_u64(0x333300000012ULL) : net::Mac::from_u64(0x01005e000012ULL);
  auto f = eth(dst, plan.advert_src, v6 ? net::ethertype::ipv6 : net::ethertype::ipv4, p);
  if (v6) ipv6_header(f, c.traffic_class, m.size(), net::ipproto::carp, s6, g6);
  // CARP sets IP_DF (carp_send_ad_locked); keepalived's DF setting is not in the spec: left clear.
  else ipv4_header(f, c.tos, m.size(), p.ip_id, is_carp(c.profile), s4, group4);
  append(f, m);
  return f;
}

std::vector<std::uint8_t> garp_frame(const SendGratuitousArp& g, const FrameParams& p) {
  net::FrameBuilder b;
  b.eth(net::Mac::broadcast(), g.eth_src);
  if (p.vlan_tci) b.vlan(*p.vlan_tci);
  b.arp(1, g.sender_hw, g.vip, g.target_hw, g.vip);
  return b.build();
}

net::Ipv6 link_local_from_mac(net::Mac m) {
  net::Ipv6 a;
  a.bytes[0] = 0xfe; a.bytes[1] = 0x80;
  a.bytes[8] = static_cast<std::uint8_t>(m.bytes[0] ^ 0x02);
  a.bytes[9] = m.bytes[1]; a.bytes[10] = m.bytes[2];
  a.bytes[11] = 0xff; a.bytes[12] = 0xfe;
  a.bytes[13] = m.bytes[3]; a.bytes[14] = m.bytes[4]; a.bytes[15] = m.bytes[5];
  return a;
}

std::vector<std::uint8_t> na_frame(const Config& c, const SendNeighborAdvert& n, const FrameParams& p) {
  net::Ipv6 all_nodes;
  all_nodes.bytes[0] = 0xff; all_nodes.bytes[1] = 0x02; all_nodes.bytes[15] = 0x01;
  const net::Ipv6 src = link_local_from_mac(c.carpdev_mac);
  std::vector<std::uint8_t> m;
  m.push_back(136);  // ND_NEIGHBOR_ADVERT
  m.push_back(0);
  put16(m, 0);
  put16(m, 0x2000);  // ND_NA_FLAG_OVERRIDE (carp_send_na passes no other flag)
  put16(m, 0);
  append(m, n.target.bytes);
  m.push_back(2);  // ND_OPT_TARGET_LINKADDR
  m.push_back(1);  // length in 8-byte units
  append(m, n.target_ll.bytes);
  set16(m, 2, net::internet_checksum(m, pseudo6(src, all_nodes, m.size(), net::ipproto::icmpv6)));
  auto f = eth(net::Mac::from_u64(0x333300000001ULL), n.eth_src, net::ethertype::ipv6, p);
  ipv6_header(f, 0, m.size(), net::ipproto::icmpv6, src, all_nodes);
  append(f, m);
  return f;
}

// ---- receive ---------------------------------------------------------------------------------

std::optional<Advert> parse_advert(net::Bytes frame, Profile receiver, Drop* why) {
  Drop sink;
  Drop& d = why ? *why : sink;
  d = Drop::none;
  const std::size_t n = frame.size();
  const std::uint8_t* p = frame.data();
  if (n < 14) { d = Drop::not_advert; return std::nullopt; }
  Advert a;
  a.eth_dst = net::Mac::from_bytes(p);
  a.eth_src = net::Mac::from_bytes(p + 6);
  std::uint16_t type = net::be16(p + 12);
  std::size_t off = 14;
  for (int tags = 0; (type == net::ethertype::vlan || type == net::ethertype::qinq) && tags < 4; ++tags) {
    if (!net::fits(n, off, 4)) { d = Drop::not_advert; return std::nullopt; }
    if (!a.vlan_tci) a.vlan_tci = net::be16(p + off);
    type = net::be16(p + off + 2);
    off += 4;
  }
  std::size_t pay = 0, pay_len = 0;
  std::uint32_t pseudo = 0;  // VRRPv3 checksum start
  if (type == net::ethertype::ipv4) {
    if (!net::fits(n, off, 20)) { d = Drop::ip_tooshort; return std::nullopt; }
    if ((p[off] >> 4) != 4) { d = Drop::not_advert; return std::nullopt; }
    const std::size_t hl = (p[off] & 0x0fu) * 4u;
    if (hl < 20 || !net::fits(n, off, hl)) { d = Drop::ip_tooshort; return std::nullopt; }
    if (net::internet_checksum(net::Bytes(p + off, hl)) != 0) { d = Drop::ip_badsum; return std::nullopt; }
    const std::size_t total = net::be16(p + off + 2);
    if (total < hl || !net::fits(n, off, total)) { d = Drop::ip_tooshort; return std::nullopt; }
    // Fragments would be reassembled first; a 56-byte advert never is one, so they are refused.
    if ((net::be16(p + off + 6) & 0x3fff) != 0 || p[off + 9] != net::ipproto::carp) {
      d = Drop::not_advert;
      return std::nullopt;
    }
    a.fields.family = Family::ipv4;
    a.ttl = p[off + 8];
    a.src4 = net::Ipv4{net::be32(p + off + 12)};
    pay = off + hl;
    pay_len = total - hl;
    pseudo = sum16(p + off + 12, 8) + net::ipproto::carp + static_cast<std::uint32_t>(pay_len);
  } else if (type == net::ethertype::ipv6) {
    if (!net::fits(n, off, 40)) { d = Drop::ip_tooshort; return std::nullopt; }
    if ((p[off] >> 4) != 6) { d = Drop::not_advert; return std::nullopt; }
    const std::size_t plen = net::be16(p + off + 4);
    if (!net::fits(n, off + 40, plen)) { d = Drop::ip_tooshort; return std::nullopt; }
    if (p[off + 6] != net::ipproto::carp) { d = Drop::not_advert; return std::nullopt; }
    a.fields.family = Family::ipv6;
    a.ttl = p[off + 7];
    std::memcpy(a.src6.bytes.data(), p + off + 8, 16);
    pay = off + 40;
    pay_len = plen;
    pseudo = sum16(p + off + 8, 32) + net::ipproto::carp + static_cast<std::uint32_t>(pay_len);
  } else {
    d = Drop::not_advert;
    return std::nullopt;
  }
  const std::uint8_t* m = p + pay;

  if (is_carp(receiver)) {
    // carp_input / carp6_input: TTL, length, checksum over the 36-byte header.
    if (a.ttl != 255) { d = Drop::badttl; return std::nullopt; }
    if (pay_len < 36) { d = Drop::badlen; return std::nullopt; }
    if (net::internet_checksum(net::Bytes(m, 36)) != 0) { d = Drop::badsum; return std::nullopt; }
    a.fields.version = m[0] >> 4;
    a.fields.type = m[0] & 0x0f;
    a.fields.vhid = m[1];
    a.fields.advskew = m[2];
    a.authlen = m[3];
    a.fields.advbase = m[5];
    a.fields.counter = (std::uint64_t{net::be32(m + 8)} << 32) | net::be32(m + 12);
    std::memcpy(a.hmac.data(), m + 16, 20);
    return a;
  }

  // VRRP (RFC 3768 §7.1, RFC 5798 §7.1): TTL, version, complete message, checksum, type.
  const bool v3 = receiver == Profile::vrrp_v3;
  if (a.ttl != 255) { d = Drop::badttl; return std::nullopt; }
  if (pay_len < 8) { d = Drop::badlen; return std::nullopt; }
  if ((m[0] >> 4) != (v3 ? 3 : 2)) { d = Drop::badver; return std::nullopt; }
  const std::size_t asz = a.fields.family == Family::ipv6 ? 16 : 4;
  if (pay_len < 8 + m[3] * asz + (v3 ? 0 : 8)) { d = Drop::badlen; return std::nullopt; }
  if (net::internet_checksum(net::Bytes(m, pay_len), v3 ? pseudo : 0) != 0) { d = Drop::badsum; return std::nullopt; }
  if ((m[0] & 0x0f) != 1) { d = Drop::badtype; return std::nullopt; }
  a.fields.version = m[0] >> 4;
  a.fields.type = 1;
  a.fields.vhid = m[1];
  a.fields.priority = m[2];
  a.addr_count = m[3];
  if (v3) {
    a.fields.interval_cs = net::be16(m + 4) & 0x0fff;
  } else {
    a.authlen = m[4];
    a.fields.advbase = m[5];
  }
  return a;
}

}  // namespace fwd::sim::carp
