#pragma once
/// \file
/// The socket tables of a fwd::sim::Host's minimal TCP (host_apps.hpp): connecting sockets
/// (SYN_SENT) indexed by local port and by due time, and a listener's SYN cache keyed by the
/// connection's remote address, remote port and local port. Every lookup on the packet path is
/// O(1) or O(log n): tens of thousands of pending connections cost no more per segment than one.

#include <array>
#include <bit>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "fwd/net/ip.hpp"
#include "fwd/time.hpp"

namespace fwd::sim::detail {

/// A connecting socket (SYN_SENT).
struct TcpConn {
  std::uint16_t lport = 0;
  net::Ipv4 laddr{}, raddr{};
  std::uint16_t rport = 0;
  std::uint32_t iss = 0;
  std::uint32_t app = 0, attempt = 0;
  std::uint32_t shift = 0;  // retransmissions so far (t_rxtshift)
  bool final = false;       // `due` ends the attempt instead of retransmitting
  Time started{}, due{};
  std::uint64_t seq = 0;    // creation order: same-time retransmissions leave in this order
};

/// Connecting sockets in stable slots (free slots reused), found by local port (lport is unique
/// among them) and by due time.
struct ConnTable {
  static constexpr std::uint32_t none = 0xffffffffu;
  std::vector<TcpConn> conns;
  std::vector<std::uint32_t> free_conns;
  std::vector<std::uint32_t> by_port;  // lport -> slot, allocated with the first connection
  std::set<std::tuple<std::int64_t, std::uint64_t, std::uint32_t>> due;  // (due ns, seq, slot)
  std::size_t live = 0;
  std::uint64_t next_seq = 0;
  /// Local ports of `conns` (one bit per port): the ephemeral-port search tests a bit, not the list.
  std::array<std::uint64_t, 1024> lport_used{};

  std::uint32_t add(TcpConn c) {
    if (by_port.empty()) by_port.assign(65536, none);
    c.seq = next_seq++;
    std::uint32_t s;
    if (free_conns.empty()) {
      s = static_cast<std::uint32_t>(conns.size());
      conns.push_back(c);
    } else {
      s = free_conns.back();
      free_conns.pop_back();
      conns[s] = c;
    }
    by_port[c.lport] = s;
    due.emplace(c.due.ns, c.seq, s);
    set_port(c.lport, true);
    ++live;
    return s;
  }
  void remove(std::uint32_t s) {
    const TcpConn& c = conns[s];
    due.erase({c.due.ns, c.seq, s});
    by_port[c.lport] = none;
    set_port(c.lport, false);
    free_conns.push_back(s);
    --live;
  }
  void reschedule(std::uint32_t s, Time when) {
    TcpConn& c = conns[s];
    due.erase({c.due.ns, c.seq, s});
    c.due = when;
    due.emplace(c.due.ns, c.seq, s);
  }
  /// The slot of the connecting socket on local port `lport`, or `none`.
  std::uint32_t find(std::uint16_t lport) const { return by_port.empty() ? none : by_port[lport]; }
  bool port_used(std::uint16_t p) const { return (lport_used[p >> 6] >> (p & 63)) & 1u; }
  /// First port of [a, b] not in use, or -1 (a word of the bitmap at a time).
  std::int32_t free_port(std::uint32_t a, std::uint32_t b) const {
    for (std::uint32_t p = a; p <= b;) {
      const std::uint64_t free_bits = ~lport_used[p >> 6] >> (p & 63);
      if (free_bits) {
        const std::uint32_t q = p + static_cast<std::uint32_t>(std::countr_zero(free_bits));
        return q <= b ? static_cast<std::int32_t>(q) : -1;
      }
      p = (p | 63u) + 1;
    }
    return -1;
  }
  void set_port(std::uint16_t p, bool used) {
    if (used) lport_used[p >> 6] |= std::uint64_t{1} << (p & 63);
    else lport_used[p >> 6] &= ~(std::uint64_t{1} << (p & 63));
  }
};

/// A SYN-cache entry of a listener (SYN received, SYN-ACK sent).
struct SynEntry {
  net::Ipv4 laddr{};
  std::uint32_t iss = 0, irs = 0;
};

/// The listeners' SYN cache (FreeBSD syncache), one entry per (remote address, remote port,
/// local port): a duplicate SYN finds its entry (and the same ISS), the handshake's ACK removes it.
/// A hash map on the packed key, so a SYN or an ACK costs O(1) however many handshakes are pending.
struct SynCache {
  static std::uint64_t key(net::Ipv4 raddr, std::uint16_t rport, std::uint16_t lport) {
    return std::uint64_t{raddr.value} << 32 | std::uint64_t{rport} << 16 | lport;
  }
  /// The entry for the connection, or nullptr.
  SynEntry* find(net::Ipv4 raddr, std::uint16_t rport, std::uint16_t lport) {
    const auto it = entries.find(key(raddr, rport, lport));
    return it == entries.end() ? nullptr : &it->second;
  }
  SynEntry& add(net::Ipv4 raddr, std::uint16_t rport, std::uint16_t lport, SynEntry e) {
    return entries.emplace(key(raddr, rport, lport), e).first->second;
  }
  void erase(net::Ipv4 raddr, std::uint16_t rport, std::uint16_t lport) { entries.erase(key(raddr, rport, lport)); }
  std::size_t size() const { return entries.size(); }
  boost::unordered_flat_map<std::uint64_t, SynEntry> entries;
};

}  // namespace fwd::sim::detail
