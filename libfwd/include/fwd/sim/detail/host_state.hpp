#pragma once
/// \file
/// Internal state of fwd::sim::Host kept out of host.hpp: CARP vhids (around carp::Instance)
/// and the minimal TCP (listeners, SYN cache, connecting sockets, connection generators).

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "fwd/sim/carp.hpp"
#include "fwd/sim/host.hpp"
#include "fwd/sim/traffic.hpp"

namespace fwd::sim::detail {

struct CarpVhid {
  explicit CarpVhid(carp::Config c) : inst(std::move(c)) {}
  carp::Instance inst;
  IfaceId iface = no_iface;
  carp::MacPlan plan4{}, plan6{};
  std::uint32_t slot = 0;
  struct Window {
    Time from, until;
  };
  std::vector<Window> silence;  // "node stops advertising" windows
  carp::ActionBuffer buf;
  std::uint64_t adverts_sent = 0, adverts_failed = 0, garps_sent = 0, nas_sent = 0;
  std::uint64_t log_lines = 0;
  bool link_up = true;  // carpdev usability last told to inst (Host::carp_links)
  bool silenced(Time t) const {
    for (const auto& w : silence)
      if (t >= w.from && t < w.until) return true;
    return false;
  }
};

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

/// A SYN-cache entry of a listener (SYN received, SYN-ACK sent).
struct SynEntry {
  net::Ipv4 laddr{}, raddr{};
  std::uint16_t lport = 0, rport = 0;
  std::uint32_t iss = 0, irs = 0;
};

struct TcpGenApp {
  TcpConnectConfig cfg;
  TcpConnectResult res;
  std::uint32_t slot = 0;
  std::uint32_t count = 0;
  std::size_t rr = 0;
};

struct HostTcp {
  std::vector<std::uint16_t> listeners;
  /// Connecting sockets in stable slots (free slots reused), found by local port (lport is
  /// unique among them) and by due time: tens of thousands pending cost O(log n) each, not O(n).
  std::vector<TcpConn> conns;
  std::vector<std::uint32_t> free_conns;
  std::vector<std::uint32_t> by_port;  // lport -> slot, allocated with the first connection
  std::set<std::tuple<std::int64_t, std::uint64_t, std::uint32_t>> due;  // (due ns, seq, slot)
  std::size_t live = 0;
  std::uint64_t next_seq = 0;
  static constexpr std::uint32_t none = 0xffffffffu;
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
  /// Local ports of `conns` (one bit per port): the ephemeral-port search tests a bit, not the list.
  std::array<std::uint64_t, 1024> lport_used{};
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
  std::vector<SynEntry> syncache;
  std::vector<std::unique_ptr<TcpGenApp>> apps;
  std::uint32_t conn_slot = 0xffffffffu;
  std::uint64_t synacks_sent = 0, established_passive = 0, syns_received = 0;
};

}  // namespace fwd::sim::detail
