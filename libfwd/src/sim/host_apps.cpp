// fwd::sim::HostApps: `ping -f` (sbin/ping/ping.c, FreeBSD 9.x) on the host's stack. The TCP
// listeners and connection generators are in host_apps_tcp.cpp.
#include "fwd/sim/host_apps.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/sim/host.hpp"
#include "fwd/sim/network.hpp"
#include "host_wire.hpp"

namespace fwd::sim {

using detail::csum;
using detail::FrameRef;
using detail::FrameSlot;
using detail::ip_checksum;
using detail::put16;
using detail::put32;
using net::be16;

std::size_t HostApps::ping_flood(const PingConfig& c) {
  if (c.count == 0) throw Error(fmt::format("host '{}': ping count must be > 0", host_.cfg_.name));
  if (c.payload < 8 || c.payload > 1400) throw Error(fmt::format("host '{}': ping payload {} out of 8..1400", host_.cfg_.name, c.payload));
  if (c.interval.ns < 0 || c.wake.ns < 0 || c.turnaround.ns < 0 || c.maxwait.ns < 0)
    throw Error(fmt::format("host '{}': ping interval, wake, turnaround and maxwait must be >= 0", host_.cfg_.name));
  // With exact timers, interval 0 and wake 0 every request would leave in the same nanosecond:
  // `count` frames at once, no virtual time passing (the real ping is paced by its loop).
  if (host_.cfg_.tick.ns == 0 && c.interval.ns == 0 && c.wake.ns == 0)
    throw Error(fmt::format("host '{}': ping interval 0 with wake 0 on a host with exact timers sends every request "
                            "at the same instant: give interval > 0, wake > 0 or the host a tick (hz)",
                            host_.cfg_.name));
  const auto* r = host_.lookup(c.dst);
  if (!r) throw Error(fmt::format("host '{}': no route to ping destination {}", host_.cfg_.name, c.dst.to_string()));
  PingApp a;
  a.cfg = c;
  // Grown as requests go out: memory follows what was sent, not the requested count.
  a.res.send_ns.reserve(std::min<std::uint32_t>(c.count, 1u << 16));
  a.res.rtt_ns.reserve(std::min<std::uint32_t>(c.count, 1u << 16));
  a.slot = host_.new_slot(Host::TimerOwner::ping, static_cast<std::uint32_t>(pings_.size()));
  // Template: Ethernet (dst filled at resolution) + IPv4 + ICMP echo request + payload.
  const net::Ipv4 src = host_.source_for(r->iface, c.dst);
  std::vector<std::uint8_t> data(c.payload);
  for (std::size_t i = 8; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);  // ping's fill pattern
  net::Ipv4Fields v4f;
  v4f.ttl = 64;
  auto bytes = net::FrameBuilder()
                   .eth(net::Mac{}, host_.ifaces_[r->iface].mac)
                   .ipv4(src, c.dst, v4f)
                   .icmp(8, 0, c.id, 0)
                   .payload(data)
                   .build();
  a.tmpl = host_.net_.pool().alloc_copy(bytes);
  PingApp& p = pings_.emplace_back(std::move(a));
  p.res.started = c.start;
  host_.arm(p.slot, c.start);  // the first request goes out at `start`
  return pings_.size() - 1;
}

const PingResult& HostApps::ping_result(std::size_t app) const {
  if (app >= pings_.size()) throw Error(fmt::format("host '{}' has no ping {}", host_.cfg_.name, app));
  return pings_[app].res;
}

void HostApps::ping_send(PingApp& a, Time at) {
  const std::uint32_t i = a.next;
  const FrameSlot& t = host_.net_.pool().slot(a.tmpl);
  const FrameRef f = host_.net_.pool().alloc_copy(t.bytes());
  FrameSlot& s = host_.net_.pool().slot(f);
  std::uint8_t* ip = s.data() + 14;
  const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
  const std::size_t tot = be16(ip + 2);
  std::uint8_t* icmp = ip + ihl;
  const std::uint16_t seq = static_cast<std::uint16_t>(a.cfg.first_seq + i);
  put16(ip + 4, host_.next_ip_id());
  ip_checksum(ip);
  put16(icmp + 6, seq);
  put32(icmp + 8, static_cast<std::uint32_t>(at.ns / 1'000'000'000));  // struct timeval in the data
  put32(icmp + 12, static_cast<std::uint32_t>(at.ns / 1'000 % 1'000'000));
  icmp[2] = icmp[3] = 0;
  put16(icmp + 2, csum(icmp, tot - ihl));
  a.res.send_ns.push_back(at.ns);  // index i == a.next == size
  a.res.rtt_ns.push_back(-1);
  ++a.next;
  ++a.res.sent;
  a.last_send = at;
  if (!host_.ip_output(f, at)) ++a.res.send_errors;
  if (a.next >= a.cfg.count) a.done_sending = true;
  // select() timeout: the flood interval measured from this send, in ticks.
  host_.arm(a.slot, host_.tick_after(at, a.cfg.interval));
}

void HostApps::ping_timer(std::uint32_t app, Time now) {
  PingApp& a = pings_[app];
  if (a.res.finished) return;
  if (a.next == 0) {
    ping_send(a, now);
    return;
  }
  if (!a.done_sending) {
    ping_send(a, now + a.cfg.wake);
    return;
  }
  ping_finish_step(a, now);
}

// After the last request ping.c sets almost_done and waits one more interval (2 * max RTT
// rounded to >= 1 s when anything came back, else MAXWAIT) for stragglers, then stops.
void HostApps::ping_finish_step(PingApp& a, Time now) {
  if (a.almost_done) {
    a.res.finished = true;
    a.res.ended = now;
    host_.disarm(a.slot);
    return;
  }
  a.almost_done = true;
  host_.arm(a.slot, host_.tick_after(now, a.res.received ? Time::from_s(1) : a.cfg.maxwait));
}

void HostApps::ping_reply(std::uint16_t id, std::uint16_t seq, Time now) {
  for (PingApp& a : pings_) {
    if (a.cfg.id != id || a.res.finished || a.next == 0) continue;
    // 16-bit sequence numbers wrap on long runs: the reply belongs to the newest request
    // with that sequence number.
    const std::uint32_t newest = a.next - 1;
    const std::uint16_t newest_seq = static_cast<std::uint16_t>(a.cfg.first_seq + newest);
    const std::uint32_t back = static_cast<std::uint16_t>(newest_seq - seq);
    if (back > newest) continue;
    const std::uint32_t i = newest - back;
    if (a.res.rtt_ns[i] < 0) {
      a.res.rtt_ns[i] = now.ns - a.res.send_ns[i];
      ++a.res.received;
    }
    if (a.res.received >= a.cfg.count) {
      a.res.finished = true;
      a.res.ended = now;
      host_.disarm(a.slot);
      return;
    }
    // -f: a reply makes select() return and the loop sends the next request at once.
    if (!a.done_sending) ping_send(a, now + a.cfg.turnaround);
    else ping_finish_step(a, now);
    return;
  }
}


}  // namespace fwd::sim
