// fwd::sim::HostApps minimal TCP: listeners answer SYN with SYN-ACK (FreeBSD syncache_add),
// connecting sockets retransmit their SYN on the followed system's schedule (FreeBSD
// tcp_timer_rexmt with tcp_syn_backoff[]; Linux tcp_retransmit_timer), connection generators at a rate.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/sim/host.hpp"
#include "fwd/sim/host_apps.hpp"
#include "fwd/sim/network.hpp"

namespace fwd::sim {

using detail::FrameRef;
using net::be16;
using net::be32;

namespace {
// FreeBSD 9.x/10.x sys/netinet/tcp_timer.c: SYN retransmission multipliers of TCPTV_RTOBASE
// (3 s, no RTT sample yet), capped at TCPTV_REXMTMAX (64 s); the attempt is abandoned at
// tcp_keepinit (TCPTV_KEEP_INIT, 75 s).
constexpr int freebsd_syn_backoff[] = {1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64};
constexpr std::int64_t freebsd_rtobase_ms = 3000, freebsd_rexmtmax_ms = 64000, freebsd_keepinit_ms = 75000;
// Linux: TCP_TIMEOUT_INIT 1 s doubling, net.ipv4.tcp_syn_retries = 6.
constexpr std::int64_t linux_rto_init_ms = 1000;
constexpr std::uint32_t linux_syn_retries = 6;
}  // namespace

// The time of the next SYN retransmission after `shift` retransmissions sent at `from`; `final`
// when that time is the end of the attempt instead (FreeBSD: tcp_keepinit; Linux: tcp_syn_retries).
Time HostApps::tcp_rto(std::uint32_t shift, Time from, bool& final, Time started) const {
  const HostConfig& cfg = host_.cfg_;
  final = false;
  if (cfg.is_linux()) {
    final = shift >= linux_syn_retries;
    return from + Time::from_ms(linux_rto_init_ms << std::min<std::uint32_t>(shift, 20));
  }
  const std::size_t n = sizeof(freebsd_syn_backoff) / sizeof(freebsd_syn_backoff[0]);
  const std::int64_t ms = std::min(freebsd_rtobase_ms * freebsd_syn_backoff[std::min<std::size_t>(shift, n - 1)],
                                   freebsd_rexmtmax_ms);
  // The retransmit callout counts kernel ticks (t_rxtcur is in ticks): it fires on a tick edge.
  Time due = cfg.tick.ns ? host_.callout_at(from, Time::from_ms(ms).ns / cfg.tick.ns, false) : from + Time::from_ms(ms);
  const Time keepinit = cfg.tick.ns
                            ? host_.callout_at(started, Time::from_ms(freebsd_keepinit_ms).ns / cfg.tick.ns, false)
                            : started + Time::from_ms(freebsd_keepinit_ms);
  if (due >= keepinit) {
    due = keepinit;
    final = true;
  }
  return due;
}

void HostApps::tcp_send(net::Ipv4 src, net::Ipv4 dst, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                        std::uint32_t ack, std::uint8_t flags, Time at) {
  net::TcpFields t;
  t.seq = seq;
  t.ack = ack;
  t.flags = flags;
  if (flags & net::tcp_flags::syn) t.options = {2, 4, 0x05, 0xb4};  // MSS 1460
  net::Ipv4Fields v4f;
  v4f.ttl = 64;
  v4f.id = host_.next_ip_id();
  auto bytes = net::FrameBuilder().eth(net::Mac{}, net::Mac{}).ipv4(src, dst, v4f).tcp(sport, dport, t).build();
  host_.ip_output(host_.net_.pool().alloc_copy(bytes), at);
}

void HostApps::listen(std::uint16_t port) { listeners_.push_back(port); }

void HostApps::tcp_input(FrameRef f, std::size_t l3, Time now) {
  auto& s = host_.net_.pool().slot(f);
  const std::uint8_t* ip = s.data() + l3;
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  if (!net::fits(s.len, l3 + ihl, 20)) return host_.drop(HostDrop::ip_bad, f);
  const std::uint8_t* th = ip + ihl;
  const net::Ipv4 src{be32(ip + 12)}, dst{be32(ip + 16)};
  const std::uint16_t sport = be16(th), dport = be16(th + 2);
  const std::uint32_t seq = be32(th + 4), ack = be32(th + 8);
  const std::uint8_t flags = th[13];
  const bool listening = std::find(listeners_.begin(), listeners_.end(), dport) != listeners_.end();
  if ((flags & (net::tcp_flags::syn | net::tcp_flags::ack)) == net::tcp_flags::syn) {
    if (!listening) return host_.drop(HostDrop::tcp_no_socket, f);
    ++listener_.syns_received;
    // syncache_add: a duplicate SYN finds its entry and the SYN-ACK is sent again, same ISS.
    const detail::SynEntry* e = syncache_.find(src, sport, dport);
    if (!e) e = &syncache_.add(src, sport, dport, {dst, static_cast<std::uint32_t>(host_.net_.rng().next()), seq});
    const std::uint32_t iss = e->iss;
    ++host_.counters_.delivered;
    host_.net_.pool().free(f);
    ++listener_.synacks_sent;
    tcp_send(dst, src, dport, sport, iss, seq + 1, net::tcp_flags::syn | net::tcp_flags::ack,
             now + host_.cfg_.stack_delay);
    return;
  }
  if ((flags & (net::tcp_flags::syn | net::tcp_flags::ack)) == (net::tcp_flags::syn | net::tcp_flags::ack)) {
    const std::uint32_t i = conns_.find(dport);
    if (i != conns_.none && conns_.conns[i].raddr == src && conns_.conns[i].rport == sport &&
        ack == conns_.conns[i].iss + 1) {
      const detail::TcpConn done = conns_.conns[i];
      gens_[done.app].res.attempts[done.attempt].established_ns = now.ns;
      conns_.remove(i);
      ++host_.counters_.delivered;
      host_.net_.pool().free(f);
      tcp_send(done.laddr, done.raddr, done.lport, done.rport, done.iss + 1, seq + 1, net::tcp_flags::ack,
               now + host_.cfg_.stack_delay);
      tcp_rearm();
      return;
    }
    return host_.drop(HostDrop::tcp_no_socket, f);
  }
  // The handshake's ACK completes the SYN-cache entry (an ACK that does not match its ISS leaves it).
  if (flags & net::tcp_flags::ack) {
    if (const detail::SynEntry* e = syncache_.find(src, sport, dport); e && ack == e->iss + 1) {
      ++listener_.established;
      syncache_.erase(src, sport, dport);
    }
  }
  if (!listening) return host_.drop(HostDrop::tcp_no_socket, f);
  ++host_.counters_.delivered;
  host_.net_.pool().free(f);
}

std::size_t HostApps::tcp_connects(const TcpConnectConfig& c) {
  const std::string& name = host_.cfg_.name;
  if (!(c.rate_per_s > 0) || !std::isfinite(c.rate_per_s))
    throw Error(fmt::format("host '{}': connection rate {} must be > 0", name, c.rate_per_s));
  // One connect() per microsecond is already beyond what one real host's stack does; above it
  // the generator would only simulate EADDRNOTAVAIL failures, one event each.
  if (c.rate_per_s > 1e6)
    throw Error(fmt::format("host '{}': connection rate {:g}/s is above 1e6/s (one connect() per microsecond)", name,
                            c.rate_per_s));
  const std::vector<net::Ipv4> dsts = c.dsts.empty() ? std::vector<net::Ipv4>{c.dst} : c.dsts;
  for (const auto& d : dsts)
    if (!host_.lookup(d)) throw Error(fmt::format("host '{}': no route to {}", name, d.to_string()));
  if (conn_slot_ == no_slot) conn_slot_ = host_.new_slot(Host::TimerOwner::tcp_connections, 0);
  TcpGenApp a;
  a.cfg = c;
  a.cfg.dsts = dsts;
  a.slot = host_.new_slot(Host::TimerOwner::tcp_generator, static_cast<std::uint32_t>(gens_.size()));
  const TcpGenApp& g = gens_.emplace_back(std::move(a));
  host_.arm(g.slot, c.start);
  return gens_.size() - 1;
}

const TcpConnectResult& HostApps::tcp_result(std::size_t app) const {
  if (app >= gens_.size()) throw Error(fmt::format("host '{}' has no TCP generator {}", host_.cfg_.name, app));
  return gens_[app].res;
}

void HostApps::tcp_gen_timer(std::uint32_t app, Time now) {
  TcpGenApp& a = gens_[app];
  if (now >= a.cfg.until || (a.cfg.max_count && a.count >= a.cfg.max_count)) return;
  const net::Ipv4 dst = a.cfg.dsts[a.rr++ % a.cfg.dsts.size()];
  const auto* r = host_.lookup(dst);
  detail::TcpConn c;
  c.laddr = host_.source_for(r->iface, dst);
  c.raddr = dst;
  c.rport = a.cfg.port;
  // Random ephemeral port (net.inet.ip.portrange.randomized, 10000..65535), unique here: a few
  // random draws, then FreeBSD's in_pcb_lport walk upward from the last draw over the whole range;
  // when every port is held, connect() fails with EADDRNOTAVAIL (counted, nothing sent).
  constexpr std::uint32_t first = 10000, span = 55536;
  bool found = false;
  std::uint32_t p = 0;
  const bool full = conns_.live >= span;  // every port held: no search (EADDRNOTAVAIL at once)
  for (int draw = 0; draw < 64 && !found && !full; ++draw) {
    p = first + static_cast<std::uint32_t>(host_.net_.rng().next() % span);
    found = !conns_.port_used(static_cast<std::uint16_t>(p));
  }
  if (!found && !full) {
    std::int32_t q = p < first + span - 1 ? conns_.free_port(p + 1, first + span - 1) : -1;
    if (q < 0) q = conns_.free_port(first, p);
    if (q >= 0) { p = static_cast<std::uint32_t>(q); found = true; }
  }
  if (!found) {
    ++a.res.addr_unavailable;
  } else {
    c.lport = static_cast<std::uint16_t>(p);
    c.iss = static_cast<std::uint32_t>(host_.net_.rng().next());
    c.app = app;
    c.attempt = static_cast<std::uint32_t>(a.res.attempts.size());
    c.started = now;
    c.due = tcp_rto(0, now, c.final, now);
    a.res.attempts.push_back({now.ns, -1, 1, dst, c.lport});
    conns_.add(c);
    tcp_send(c.laddr, c.raddr, c.lport, c.rport, c.iss, 0, net::tcp_flags::syn, now);
    tcp_rearm();
  }
  ++a.count;
  // Next attempt: fixed gaps, or exponential gaps from the network's generator.
  double gap_s = 1.0 / a.cfg.rate_per_s;
  if (a.cfg.poisson) gap_s = -std::log(1.0 - host_.net_.rng().uniform()) / a.cfg.rate_per_s;
  const Time next = now + Time::from_seconds(gap_s);
  if (next < a.cfg.until && (!a.cfg.max_count || a.count < a.cfg.max_count)) host_.arm(a.slot, next);
}

void HostApps::tcp_conn_timer(Time now) {
  // Every attempt due by now, in creation order (the order the sockets were opened).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> due;
  for (auto it = conns_.due.begin(); it != conns_.due.end() && std::get<0>(*it) <= now.ns; ++it)
    due.emplace_back(std::get<1>(*it), std::get<2>(*it));
  std::sort(due.begin(), due.end());
  for (const auto& [seq, i] : due) {
    detail::TcpConn& c = conns_.conns[i];
    if (c.final) {  // connection attempt abandoned (ETIMEDOUT)
      conns_.remove(i);
      continue;
    }
    ++c.shift;
    bool final = false;
    const Time next = tcp_rto(c.shift, now, final, c.started);
    c.final = final;
    conns_.reschedule(i, next);
    ++gens_[c.app].res.attempts[c.attempt].syn_sent;
    tcp_send(c.laddr, c.raddr, c.lport, c.rport, c.iss, 0, net::tcp_flags::syn, now);
  }
  tcp_rearm();
}

void HostApps::tcp_rearm() {
  if (conn_slot_ == no_slot) return;
  if (conns_.live == 0) { host_.disarm(conn_slot_); return; }
  host_.arm(conn_slot_, Time{std::get<0>(*conns_.due.begin())});
}

}  // namespace fwd::sim
