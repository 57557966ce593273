#pragma once
/// \file
/// Traffic generators of fwd::sim hosts, and what they measured.
///
///  - PingFlood: FreeBSD 9.x/10.x `ping -f -c N` (sbin/ping/ping.c). The loop sends the next echo
///    request as soon as select() returns: because a reply arrived (after `turnaround` of
///    user-space work), or because the flood interval (10 ms, measured from the last send)
///    expired. The kernel turns the select timeout into clock ticks as ceil(t/tick) + 1
///    (`tvtohz`) and fires on a tick boundary, so at hz = 1000 a timeout is 11 ticks: the first
///    gap after the last answered request is in (10, 11] ms, later ones exactly 11.0 ms (spec
///    seed-scenario.md §4). With the host's tick at 0 the timers are exact (10 ms).
///    After the N-th request ping waits for the outstanding replies (MAXWAIT 10 s) and stops.
///  - TcpConnects: connection attempts to ip:port at a fixed rate (or Poisson with a seed);
///    each is a TcpConnect of the host's minimal TCP (host.hpp): SYN, the followed system's SYN
///    retransmission schedule, ACK on SYN-ACK, done. Results per attempt.
///  - Frames at times: Network::send_frame_at() (network.hpp).
/// Results are plain data; the per-request arrays are sized once at start (no allocation on the
/// per-packet path).

#include <cstdint>
#include <string>
#include <vector>

#include "fwd/net/ip.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

/// `ping -f -c count` settings.
struct PingConfig {
  net::Ipv4 dst{};
  std::uint32_t count = 100000;
  Time start{};                          ///< when the first request is sent
  Time interval = Time::from_ms(10);     ///< flood interval (ping.c: 10 ms without -i)
  Time turnaround = Time::from_us(16);   ///< reply received -> next request sent (user space)
  Time wake = Time::from_us(1);          ///< tick-boundary wakeup -> request sent
  std::uint16_t id = 22737;              ///< ICMP identifier (the seed's)
  std::uint16_t first_seq = 0;
  std::uint16_t payload = 56;            ///< data bytes (64-byte ICMP message)
  Time maxwait = Time::from_s(10);       ///< ping.c MAXWAIT after the last request
};

/// What a flood ping measured. Times are virtual; -1 = no reply.
struct PingResult {
  std::uint32_t sent = 0;
  std::uint32_t received = 0;
  std::uint32_t send_errors = 0;         ///< sendto() failed (e.g. lagg transit: ENETDOWN)
  bool finished = false;
  Time started{}, ended{};
  std::vector<std::int64_t> send_ns;     ///< per request, index = seq - first_seq
  std::vector<std::int64_t> rtt_ns;      ///< -1 when unanswered
  std::uint32_t lost() const { return sent - received; }
  /// Sequence numbers of unanswered requests, ascending.
  std::vector<std::uint32_t> lost_seqs() const;
  /// Gaps between consecutive lost requests' send times, in ms.
  std::vector<double> lost_gaps_ms() const;
  /// ping(8)'s summary lines ("N packets transmitted, M packets received, x% packet loss" + rtt).
  std::string summary(const std::string& dst) const;
};

/// Connection attempts at a rate.
struct TcpConnectConfig {
  net::Ipv4 dst{};
  std::uint16_t port = 80;
  double rate_per_s = 10.0;
  Time start{};
  Time until = Time::from_s(10);
  std::uint32_t max_count = 0;   ///< 0 = no limit
  bool poisson = false;          ///< exponential gaps from the network's seed; else fixed
  /// Round-robin over these destinations when non-empty (then `dst` is ignored).
  std::vector<net::Ipv4> dsts;
};

/// One connection attempt as the client saw it.
struct TcpAttempt {
  std::int64_t started_ns = 0;
  std::int64_t established_ns = -1;   ///< -1: never
  std::uint32_t syn_sent = 0;         ///< SYNs sent (1 + retransmissions)
  net::Ipv4 dst{};
  std::uint16_t sport = 0;
};

struct TcpConnectResult {
  std::vector<TcpAttempt> attempts;
  /// connect() refused with EADDRNOTAVAIL: every ephemeral port (10000…65535) was held by a
  /// pending attempt; no SYN was sent and no attempt recorded (FreeBSD in_pcb_lport).
  std::uint32_t addr_unavailable = 0;
  std::uint32_t established() const;
  std::uint32_t retransmitted() const;  ///< attempts that needed more than one SYN
};

}  // namespace fwd::sim
