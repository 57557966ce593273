// fwd::sim::Host minimal TCP: listeners answer SYN with SYN-ACK (FreeBSD syncache_add), connecting
// sockets retransmit their SYN on the followed system's schedule (FreeBSD tcp_timer_rexmt with
// tcp_syn_backoff[]; Linux tcp_retransmit_timer), connection generators at a rate.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/sim/detail/host_state.hpp"
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
Time Host::tcp_rto(std::uint32_t shift, Time from, bool& final, Time started) const {
  final = false;
  if (cfg_.os == "linux") {
    final = shift >= linux_syn_retries;
    return from + Time::from_ms(linux_rto_init_ms << std::min<std::uint32_t>(shift, 20));
  }
  const std::size_t n = sizeof(freebsd_syn_backoff) / sizeof(freebsd_syn_backoff[0]);
  const std::int64_t ms = std::min(freebsd_rtobase_ms * freebsd_syn_backoff[std::min<std::size_t>(shift, n - 1)],
                                   freebsd_rexmtmax_ms);
  // The retransmit callout counts kernel ticks (t_rxtcur is in ticks): it fires on a tick edge.
  Time due = cfg_.tick.ns ? callout_at(from, Time::from_ms(ms).ns / cfg_.tick.ns, false) : from + Time::from_ms(ms);
  const Time keepinit = cfg_.tick.ns ? callout_at(started, Time::from_ms(freebsd_keepinit_ms).ns / cfg_.tick.ns, false)
                                     : started + Time::from_ms(freebsd_keepinit_ms);
  if (due >= keepinit) {
    due = keepinit;
    final = true;
  }
  return due;
}

void Host::tcp_send(net::Ipv4 src, net::Ipv4 dst, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                    std::uint32_t ack, std::uint8_t flags, Time at) {
  net::TcpFields t;
  t.seq = seq;
  t.ack = ack;
  t.flags = flags;
  if (flags & net::tcp_flags::syn) t.options = {2, 4, 0x05, 0xb4};  // MSS 1460
  net::Ipv4Fields v4f;
  v4f.ttl = 64;
  v4f.id = ip_id_++;
  auto bytes = net::FrameBuilder().eth(net::Mac{}, net::Mac{}).ipv4(src, dst, v4f).tcp(sport, dport, t).build();
  ip_output(net_.pool().alloc_copy(bytes), at);
}

void Host::tcp_input(IfaceId ifc, FrameRef f, std::size_t l3, Time now) {
  (void)ifc;
  auto& s = net_.pool().slot(f);
  const std::uint8_t* ip = s.data() + l3;
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  if (!net::fits(s.len, l3 + ihl, 20)) return drop(HostDrop::ip_bad, f);
  const std::uint8_t* th = ip + ihl;
  const net::Ipv4 src{be32(ip + 12)}, dst{be32(ip + 16)};
  const std::uint16_t sport = be16(th), dport = be16(th + 2);
  const std::uint32_t seq = be32(th + 4), ack = be32(th + 8);
  const std::uint8_t flags = th[13];
  auto& T = *tcp_;
  const bool listening = std::find(T.listeners.begin(), T.listeners.end(), dport) != T.listeners.end();
  if ((flags & (net::tcp_flags::syn | net::tcp_flags::ack)) == net::tcp_flags::syn) {
    if (!listening) return drop(HostDrop::tcp_no_socket, f);
    ++T.syns_received;
    // syncache_add: a duplicate SYN finds its entry and the SYN-ACK is sent again, same ISS.
    detail::SynEntry* e = nullptr;
    for (auto& x : T.syncache)
      if (x.raddr == src && x.rport == sport && x.lport == dport) e = &x;
    if (!e) {
      T.syncache.push_back({dst, src, dport, sport, static_cast<std::uint32_t>(net_.rng().next()), seq});
      e = &T.syncache.back();
    }
    ++counters_.delivered;
    net_.pool().free(f);
    ++T.synacks_sent;
    tcp_send(dst, src, dport, sport, e->iss, seq + 1, net::tcp_flags::syn | net::tcp_flags::ack, now + cfg_.stack_delay);
    return;
  }
  if ((flags & (net::tcp_flags::syn | net::tcp_flags::ack)) == (net::tcp_flags::syn | net::tcp_flags::ack)) {
    const std::uint32_t i = T.by_port.empty() ? T.none : T.by_port[dport];
    if (i != T.none && T.conns[i].raddr == src && T.conns[i].rport == sport && ack == T.conns[i].iss + 1) {
      const detail::TcpConn done = T.conns[i];
      T.apps[done.app]->res.attempts[done.attempt].established_ns = now.ns;
      T.remove(i);
      ++counters_.delivered;
      net_.pool().free(f);
      tcp_send(done.laddr, done.raddr, done.lport, done.rport, done.iss + 1, seq + 1, net::tcp_flags::ack,
               now + cfg_.stack_delay);
      tcp_rearm();
      return;
    }
    return drop(HostDrop::tcp_no_socket, f);
  }
  for (std::size_t i = 0; i < T.syncache.size(); ++i) {
    const detail::SynEntry& e = T.syncache[i];
    if (e.raddr == src && e.rport == sport && e.lport == dport && (flags & net::tcp_flags::ack) && ack == e.iss + 1) {
      ++T.established_passive;
      T.syncache.erase(T.syncache.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  if (!listening) return drop(HostDrop::tcp_no_socket, f);
  ++counters_.delivered;
  net_.pool().free(f);
}

std::size_t Host::tcp_connects(const TcpConnectConfig& c) {
  if (!(c.rate_per_s > 0) || !std::isfinite(c.rate_per_s))
    throw Error(fmt::format("host '{}': connection rate {} must be > 0", cfg_.name, c.rate_per_s));
  // One connect() per microsecond is already beyond what one real host's stack does; above it
  // the generator would only simulate EADDRNOTAVAIL failures, one event each.
  if (c.rate_per_s > 1e6)
    throw Error(fmt::format("host '{}': connection rate {:g}/s is above 1e6/s (one connect() per microsecond)",
                            cfg_.name, c.rate_per_s));
  const std::vector<net::Ipv4> dsts = c.dsts.empty() ? std::vector<net::Ipv4>{c.dst} : c.dsts;
  for (const auto& d : dsts)
    if (!lookup(d)) throw Error(fmt::format("host '{}': no route to {}", cfg_.name, d.to_string()));
  auto& T = *tcp_;
  if (T.conn_slot == 0xffffffffu) T.conn_slot = new_slot(2, 0);
  auto a = std::make_unique<detail::TcpGenApp>();
  a->cfg = c;
  a->cfg.dsts = dsts;
  a->slot = new_slot(1, static_cast<std::uint32_t>(T.apps.size()));
  T.apps.push_back(std::move(a));
  arm(T.apps.back()->slot, c.start);
  return T.apps.size() - 1;
}

const TcpConnectResult& Host::tcp_result(std::size_t app) const {
  if (app >= tcp_->apps.size()) throw Error(fmt::format("host '{}' has no TCP generator {}", cfg_.name, app));
  return tcp_->apps[app]->res;
}

std::uint64_t Host::tcp_syns_received() const { return tcp_->syns_received; }
std::uint64_t Host::tcp_synacks_sent() const { return tcp_->synacks_sent; }
std::uint64_t Host::tcp_established_passive() const { return tcp_->established_passive; }

void Host::tcp_gen_timer(std::uint32_t app, Time now) {
  auto& T = *tcp_;
  detail::TcpGenApp& a = *T.apps[app];
  if (now >= a.cfg.until || (a.cfg.max_count && a.count >= a.cfg.max_count)) return;
  const net::Ipv4 dst = a.cfg.dsts[a.rr++ % a.cfg.dsts.size()];
  const Route* r = lookup(dst);
  detail::TcpConn c;
  c.laddr = source_for(r->iface, dst);
  c.raddr = dst;
  c.rport = a.cfg.port;
  // Random ephemeral port (net.inet.ip.portrange.randomized, 10000..65535), unique here: a few
  // random draws, then FreeBSD's in_pcb_lport walk upward from the last draw over the whole range;
  // when every port is held, connect() fails with EADDRNOTAVAIL (counted, nothing sent).
  constexpr std::uint32_t first = 10000, span = 55536;
  bool found = false;
  std::uint32_t p = 0;
  const bool full = T.live >= span;  // every port held: no search (EADDRNOTAVAIL at once)
  for (int draw = 0; draw < 64 && !found && !full; ++draw) {
    p = first + static_cast<std::uint32_t>(net_.rng().next() % span);
    found = !T.port_used(static_cast<std::uint16_t>(p));
  }
  if (!found && !full) {
    std::int32_t q = p < first + span - 1 ? T.free_port(p + 1, first + span - 1) : -1;
    if (q < 0) q = T.free_port(first, p);
    if (q >= 0) { p = static_cast<std::uint32_t>(q); found = true; }
  }
  if (!found) {
    ++a.res.addr_unavailable;
  } else {
    c.lport = static_cast<std::uint16_t>(p);
    c.iss = static_cast<std::uint32_t>(net_.rng().next());
    c.app = app;
    c.attempt = static_cast<std::uint32_t>(a.res.attempts.size());
    c.started = now;
    c.due = tcp_rto(0, now, c.final, now);
    a.res.attempts.push_back({now.ns, -1, 1, dst, c.lport});
    T.add(c);
    tcp_send(c.laddr, c.raddr, c.lport, c.rport, c.iss, 0, net::tcp_flags::syn, now);
    tcp_rearm();
  }
  ++a.count;
  // Next attempt: fixed gaps, or exponential gaps from the network's generator.
  double gap_s = 1.0 / a.cfg.rate_per_s;
  if (a.cfg.poisson) gap_s = -std::log(1.0 - net_.rng().uniform()) / a.cfg.rate_per_s;
  const Time next = now + Time::from_seconds(gap_s);
  if (next < a.cfg.until && (!a.cfg.max_count || a.count < a.cfg.max_count)) arm(a.slot, next);
}

void Host::tcp_conn_timer(Time now) {
  auto& T = *tcp_;
  // Every attempt due by now, in creation order (the order the sockets were opened).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> due;
  for (auto it = T.due.begin(); it != T.due.end() && std::get<0>(*it) <= now.ns; ++it)
    due.emplace_back(std::get<1>(*it), std::get<2>(*it));
  std::sort(due.begin(), due.end());
  for (const auto& [seq, i] : due) {
    detail::TcpConn& c = T.conns[i];
    if (c.final) {  // connection attempt abandoned (ETIMEDOUT)
      T.remove(i);
      continue;
    }
    ++c.shift;
    bool final = false;
    const Time next = tcp_rto(c.shift, now, final, c.started);
    c.final = final;
    T.reschedule(i, next);
    ++T.apps[c.app]->res.attempts[c.attempt].syn_sent;
    tcp_send(c.laddr, c.raddr, c.lport, c.rport, c.iss, 0, net::tcp_flags::syn, now);
  }
  tcp_rearm();
}

void Host::tcp_rearm() {
  auto& T = *tcp_;
  if (T.conn_slot == 0xffffffffu) return;
  if (T.live == 0) { disarm(T.conn_slot); return; }
  arm(T.conn_slot, Time{std::get<0>(*T.due.begin())});
}

}  // namespace fwd::sim
