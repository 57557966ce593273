#pragma once
/// \file
/// HostApps: the applications of a fwd::sim::Host — `ping -f` generators (traffic.hpp PingConfig)
/// and the host's minimal TCP: listeners (SYN -> SYN-ACK through a SYN cache) and connection
/// generators whose sockets retransmit their SYN on the followed system's schedule (FreeBSD
/// tcp_timer_rexmt with tcp_syn_backoff[], Linux tcp_retransmit_timer). Part of its Host
/// (Host::apps()); sends and timers go through the host's stack. Thread rules: the host's.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "fwd/sim/detail/frame_pool.hpp"
#include "fwd/sim/detail/tcp_sockets.hpp"
#include "fwd/sim/host_counters.hpp"
#include "fwd/sim/traffic.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

class Host;

class HostApps {
public:
  explicit HostApps(Host& host) : host_(host) {}
  HostApps(const HostApps&) = delete;
  HostApps& operator=(const HostApps&) = delete;

  // ---- ping -f ---------------------------------------------------------------------------
  /// Starts `ping -f -c count dst` at `c.start`; returns the ping's index. Throws fwd::Error for
  /// count 0, a payload outside 8..1400, negative times, interval and wake 0 on exact timers,
  /// or no route to the destination.
  std::size_t ping_flood(const PingConfig& c);
  /// What ping `app` measured so far (stable reference); throws fwd::Error for an unknown index.
  const PingResult& ping_result(std::size_t app) const;
  std::size_t ping_count() const { return pings_.size(); }

  // ---- TCP -------------------------------------------------------------------------------
  /// A TCP listener on `port` (answers SYN with SYN-ACK).
  void listen(std::uint16_t port);
  /// Starts a connection generator; returns its index. Throws fwd::Error for a rate that is not
  /// in (0, 1e6] per second or a destination without a route.
  std::size_t tcp_connects(const TcpConnectConfig& c);
  /// The generator's attempts so far (stable reference); throws fwd::Error for an unknown index.
  const TcpConnectResult& tcp_result(std::size_t app) const;
  std::size_t tcp_generator_count() const { return gens_.size(); }
  /// The listeners' SYNs received, SYN-ACKs sent and handshakes completed.
  const TcpListenerCounters& listener_counters() const { return listener_; }

private:
  friend class Host;
  struct PingApp {
    PingConfig cfg;
    PingResult res;
    std::uint32_t next = 0;    // next request index
    Time last_send{};
    std::uint32_t slot = 0;
    detail::FrameRef tmpl = detail::no_frame;  // echo request template (IP packet + eth)
    bool done_sending = false;
    bool almost_done = false;
  };
  struct TcpGenApp {
    TcpConnectConfig cfg;
    TcpConnectResult res;
    std::uint32_t slot = 0;
    std::uint32_t count = 0;
    std::size_t rr = 0;
  };
  static constexpr std::uint32_t no_slot = 0xffffffffu;

  // Called by the Host: an echo reply arrived, a TCP segment for a local address, timers.
  void ping_reply(std::uint16_t id, std::uint16_t seq, Time now);
  void ping_timer(std::uint32_t app, Time now);
  void tcp_input(detail::FrameRef f, std::size_t l3, Time now);
  void tcp_gen_timer(std::uint32_t app, Time now);
  void tcp_conn_timer(Time now);

  void ping_send(PingApp& a, Time at);
  void ping_finish_step(PingApp& a, Time now);
  void tcp_send(net::Ipv4 src, net::Ipv4 dst, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                std::uint32_t ack, std::uint8_t flags, Time at);
  Time tcp_rto(std::uint32_t shift, Time from, bool& final, Time started) const;
  void tcp_rearm();

  Host& host_;
  std::deque<PingApp> pings_;       // deque: results handed out by reference stay put
  std::vector<std::uint16_t> listeners_;
  detail::ConnTable conns_;
  detail::SynCache syncache_;
  std::deque<TcpGenApp> gens_;
  std::uint32_t conn_slot_ = no_slot;  // one timer for every connecting socket
  TcpListenerCounters listener_{};
};

}  // namespace fwd::sim
