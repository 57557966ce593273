// fwd::sim::Network: wiring by name, the event loop, links, faults, switch nodes, accounting.
#include "fwd/sim/network.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/bytes.hpp"

namespace fwd::sim {

using detail::FrameRef;

const char* to_string(FaultMatch m) {
  switch (m) {
    case FaultMatch::any: return "any";
    case FaultMatch::carp: return "carp";
    case FaultMatch::carp_v4: return "carp4";
    case FaultMatch::carp_v6: return "carp6";
    case FaultMatch::src_mac: return "src-mac";
    case FaultMatch::dst_mac: return "dst-mac";
  }
  return "?";
}

FaultMatch parse_fault_match(const std::string& s) {
  if (s == "any") return FaultMatch::any;
  if (s == "carp" || s == "adverts") return FaultMatch::carp;
  if (s == "carp4" || s == "carp-v4") return FaultMatch::carp_v4;
  if (s == "carp6" || s == "carp-v6") return FaultMatch::carp_v6;
  if (s == "src-mac") return FaultMatch::src_mac;
  if (s == "dst-mac") return FaultMatch::dst_mac;
  throw Error(fmt::format("unknown fault match '{}': expected any, carp, carp4, carp6, src-mac, dst-mac", s));
}

bool Accounting::balanced() const {
  return link_tx == link_delivered + link_lost + link_in_flight &&
         switch_rx == switch_forwarded + switch_flooded + switch_to_host + switch_dropped &&
         switch_copies == switch_copies_linked + switch_copies_unlinked + switch_copies_oversize &&
         host_rx == host_delivered + host_dropped;
}

std::string Accounting::to_text() const {
  return fmt::format(
      "links:    {} sent = {} delivered + {} lost/dropped + {} in flight\n"
      "switches: {} received = {} forwarded + {} flooded + {} to host + {} dropped\n"
      "copies:   {} sent by switches = {} onto links + {} to ports with no cable + {} too large to tag\n"
      "hosts:    {} received = {} delivered + {} dropped\n"
      "balanced: {}\n",
      link_tx, link_delivered, link_lost, link_in_flight, switch_rx, switch_forwarded, switch_flooded, switch_to_host,
      switch_dropped, switch_copies, switch_copies_linked, switch_copies_unlinked, switch_copies_oversize, host_rx,
      host_delivered, host_dropped, balanced() ? "yes" : "NO");
}

Network::Network(NetworkConfig cfg) : cfg_(cfg) {
  rng_.state = cfg_.seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  engine_.reserve(1024);
}
Network::~Network() = default;

// ---- building ----------------------------------------------------------------------------------

bool Network::has_host(std::string_view name) const {
  for (const auto& h : hosts_)
    if (h->name() == name) return true;
  return false;
}

Host& Network::add_host(HostConfig cfg) {
  if (cfg.name.empty()) throw Error("a host needs a name");
  if (cfg.name.find(':') != std::string::npos)
    throw Error(fmt::format("host name '{}' contains ':' (reserved for node:interface)", cfg.name));
  if (has_host(cfg.name)) throw Error(fmt::format("duplicate node name '{}'", cfg.name));
  for (const auto& s : switches_)
    if (s->name == cfg.name) throw Error(fmt::format("duplicate node name '{}'", cfg.name));
  hosts_.push_back(std::make_unique<Host>(*this, static_cast<std::uint32_t>(hosts_.size()), std::move(cfg)));
  if (started_) hosts_.back()->start(now());
  return *hosts_.back();
}

l2::Switch& Network::add_switch(const std::string& name, l2::SwitchConfig cfg, std::vector<l2::PortConfig> ports,
                                Time latency) {
  if (name.empty()) throw Error("a switch needs a name");
  if (name.find(':') != std::string::npos)
    throw Error(fmt::format("switch name '{}' contains ':' (reserved for node:interface)", name));
  if (has_host(name)) throw Error(fmt::format("duplicate node name '{}'", name));
  for (const auto& s : switches_)
    if (s->name == name) throw Error(fmt::format("duplicate node name '{}'", name));
  cfg.name = name;
  auto n = std::make_unique<SwitchNode>();
  n->name = name;
  n->sw = std::make_unique<l2::Switch>(std::move(cfg), std::move(ports));
  n->latency = latency;
  n->link_of.assign(n->sw->link_count(), 0xffffffffu);
  switches_.push_back(std::move(n));
  return *switches_.back()->sw;
}

Host& Network::host(std::string_view name) {
  for (auto& h : hosts_)
    if (h->name() == name) return *h;
  throw Error(fmt::format("no host '{}' (hosts: {})", name, fmt::join(host_names(), ", ")));
}
const Host& Network::host(std::string_view name) const { return const_cast<Network*>(this)->host(name); }

l2::Switch& Network::switch_node(std::string_view name) {
  for (auto& s : switches_)
    if (s->name == name) return *s->sw;
  throw Error(fmt::format("no switch '{}' (switches: {})", name, fmt::join(switch_names(), ", ")));
}

std::vector<std::string> Network::host_names() const {
  std::vector<std::string> v;
  for (const auto& h : hosts_) v.push_back(h->name());
  return v;
}
std::vector<std::string> Network::switch_names() const {
  std::vector<std::string> v;
  for (const auto& s : switches_) v.push_back(s->name);
  return v;
}

Network::End Network::resolve(const std::string& endpoint, std::string& canonical) {
  const auto colon = endpoint.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size())
    throw Error(fmt::format("bad endpoint '{}': expected node:interface (e.g. fw-a:ix0 or sw0:p1)", endpoint));
  const std::string node = endpoint.substr(0, colon), port = endpoint.substr(colon + 1);
  canonical = endpoint;
  for (auto& h : hosts_) {
    if (h->name() != node) continue;
    const IfaceId i = h->iface_id(port);
    if (h->ifaces_[i].kind != IfKind::nic)
      throw Error(fmt::format("endpoint '{}': '{}' is a {} (only NICs take a cable)", endpoint, port,
                              h->ifaces_[i].kind == IfKind::lagg ? "lagg" : "vlan"));
    return {false, h->id(), i};
  }
  for (std::size_t k = 0; k < switches_.size(); ++k) {
    if (switches_[k]->name != node) continue;
    return {true, static_cast<std::uint32_t>(k), switches_[k]->sw->link_id(port)};
  }
  throw Error(fmt::format("endpoint '{}': no node '{}' (nodes: {}{}{})", endpoint, node, fmt::join(host_names(), ", "),
                          switches_.empty() ? "" : ", ", fmt::join(switch_names(), ", ")));
}

std::uint32_t Network::connect(const std::string& a, const std::string& b, LinkConfig cfg) {
  if (cfg.latency.ns < 0 || cfg.jitter.ns < 0) throw Error(fmt::format("link {} - {}: negative latency or jitter", a, b));
  if (!(cfg.loss >= 0.0 && cfg.loss <= 1.0)) throw Error(fmt::format("link {} - {}: loss {} not in [0, 1]", a, b, cfg.loss));
  Link L;
  L.end[0] = resolve(a, L.name[0]);
  L.end[1] = resolve(b, L.name[1]);
  const std::uint32_t idx = static_cast<std::uint32_t>(links_.size());
  for (int d = 0; d < 2; ++d) {
    const End& e = L.end[d];
    if (e.is_switch) {
      if (switches_[e.node]->link_of[e.port] != 0xffffffffu) throw Error(fmt::format("endpoint '{}' is already linked", L.name[d]));
    } else if (hosts_[e.node]->ifaces_[e.port].link != 0xffffffffu) {
      throw Error(fmt::format("endpoint '{}' is already linked", L.name[d]));
    }
  }
  if (L.name[0] == L.name[1]) throw Error(fmt::format("link from '{}' to itself", a));
  for (int d = 0; d < 2; ++d) {
    const End& e = L.end[d];
    const std::uint32_t code = idx * 2 + static_cast<std::uint32_t>(d);  // direction: from end d
    if (e.is_switch) switches_[e.node]->link_of[e.port] = code;
    else hosts_[e.node]->ifaces_[e.port].link = code;
  }
  L.cfg = cfg;
  // Each link has its own generator: adding a link never changes another link's draws.
  L.rng.state = cfg_.seed ^ (0xd1b54a32d192ed03ULL * (idx + 1));
  links_.push_back(std::move(L));
  return idx;
}

std::uint32_t Network::link_by_endpoint(const std::string& endpoint, int* dir) const {
  for (std::size_t i = 0; i < links_.size(); ++i)
    for (int d = 0; d < 2; ++d)
      if (links_[i].name[d] == endpoint || link_name(static_cast<std::uint32_t>(i)) == endpoint) {
        if (dir) *dir = d;
        return static_cast<std::uint32_t>(i);
      }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < links_.size(); ++i) names.push_back(link_name(static_cast<std::uint32_t>(i)));
  throw Error(fmt::format("no link at '{}' (links: {})", endpoint, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

std::string Network::link_name(std::uint32_t link) const {
  const Link& L = links_.at(link);
  return L.name[0] + "<->" + L.name[1];
}

const LinkCounters& Network::link_counters(std::uint32_t link, int direction) const {
  if (direction != 0 && direction != 1) throw Error(fmt::format("link direction {} must be 0 or 1", direction));
  return links_.at(link).dir[direction].counters;
}

void Network::add_fault(const Fault& f) {
  int d = 0;
  const std::uint32_t l = link_by_endpoint(f.link, &d);
  FaultState s{f, l, -1, 0};
  if (!f.direction.empty()) {
    const Link& L = links_[l];
    int found = -1;
    for (int k = 0; k < 2; ++k) {
      const std::string node = L.name[k].substr(0, L.name[k].find(':'));
      if (node == f.direction) found = k;
    }
    if (found < 0)
      throw Error(fmt::format("fault direction '{}' is neither end of link {}", f.direction, link_name(l)));
    s.dir = found;
  }
  if (f.until < f.from) throw Error(fmt::format("fault on {}: until before from", f.link));
  faults_.push_back(s);
  for (int k = 0; k < 2; ++k)
    if (s.dir < 0 || s.dir == k) links_[l].dir[k].has_faults = true;
}

// ---- scheduled actions ------------------------------------------------------------------------------

void Network::at(Time t, std::function<void(Network&)> f) {
  actions_.push_back(std::move(f));
  engine_.schedule(t, {action, static_cast<std::uint32_t>(actions_.size() - 1), 0, 0});
}

void Network::send_frame_at(Time t, const std::string& host_name, const std::string& iface, std::vector<std::uint8_t> frame) {
  Host& h = host(host_name);
  const IfaceId i = h.iface_id(iface);
  if (frame.size() < 14 || frame.size() > detail::max_frame)
    throw Error(fmt::format("frame of {} bytes: expected 14..{}", frame.size(), detail::max_frame));
  const std::uint32_t id = h.id();
  at(t, [id, i, bytes = std::move(frame)](Network& n) { n.hosts_[id]->send_raw(i, bytes, n.now()); });
}

void Network::set_link_up_at(Time t, const std::string& endpoint, bool up) {
  const std::uint32_t l = link_by_endpoint(endpoint);
  at(t, [l, up](Network& n) { n.set_carrier(l, up, n.now()); });
}

void Network::set_carrier(std::uint32_t link, bool up, Time now) {
  Link& L = links_[link];
  L.up = up;
  for (const End& e : L.end) {
    if (e.is_switch) switches_[e.node]->sw->set_link_carrier(static_cast<l2::LinkId>(e.port), up, now);
    else hosts_[e.node]->on_carrier(e.port, up, now);
  }
}

// ---- the loop --------------------------------------------------------------------------------------

void Network::schedule_timer(std::uint32_t h, std::uint32_t slot, std::uint32_t gen, Time at) {
  engine_.schedule(at, {timer, h, slot, gen});
}

void Network::ensure_started() {
  if (started_) return;
  started_ = true;
  for (auto& h : hosts_) h->start(now());
}

std::uint64_t Network::run_until(Time t) {
  std::uint64_t n = 0;
  for (bool done = false; !done;) n += run_slice(t, 1u << 16, done);
  return n;
}

std::uint64_t Network::run_slice(Time t, std::uint64_t max_events, bool& done) {
  ensure_started();
  const std::uint64_t n =
      engine_.run_until(t, [this](const Engine<Payload>::Entry& e) { dispatch(e); }, max_events, &over_limit_);
  done = n < max_events && !over_limit_;  // a full slice may have ended exactly at `t`: the next one runs 0
  check_limits();
  collect_switch_events();
  if (done) pool_.trim();
  return n;
}

// A storm is stopped with the links that carry it: in a loop, the busiest directions are the
// loop's own cables.
void Network::check_limits() const {
  const bool frames = cfg_.max_frames && pool_.in_use() > cfg_.max_frames;
  const bool events = cfg_.max_events_pending && engine_.pending() > cfg_.max_events_pending;
  if (!frames && !events) return;
  std::vector<std::pair<std::uint64_t, std::string>> busy;
  for (const auto& L : links_)
    for (int d = 0; d < 2; ++d)
      if (L.dir[d].in_flight) busy.emplace_back(L.dir[d].in_flight, L.name[d] + " -> " + L.name[1 - d]);
  std::sort(busy.begin(), busy.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string where;
  for (std::size_t i = 0; i < busy.size() && i < 6; ++i)
    where += fmt::format("{}{} ({} frames)", i ? ", " : "", busy[i].second, busy[i].first);
  throw Error(fmt::format(
      "broadcast storm or runaway traffic: {} frames in flight and {} events pending at t={:.9f} s (limits "
      "max_frames={}, max_events_pending={}); busiest links: {} - a switching loop without STP floods without "
      "end: break the loop or raise the limits",
      pool_.in_use(), engine_.pending(), engine_.now().seconds(), cfg_.max_frames, cfg_.max_events_pending,
      where.empty() ? "none" : where));
}

void Network::dispatch(const Engine<Payload>::Entry& e) {
  const Payload& p = e.payload;
  switch (p.kind) {
    case deliver: deliver_frame(p.a >> 1, static_cast<int>(p.a & 1), p.b, e.at); break;
    case timer: hosts_[p.a]->on_timer(p.b, p.c, e.at); break;
    case action: {
      auto f = std::move(actions_[p.a]);
      actions_[p.a] = nullptr;
      if (f) f(*this);
      break;
    }
    default: break;
  }
}

void Network::host_transmit(std::uint32_t h, IfaceId nic, FrameRef f, Time at) {
  const std::uint32_t code = hosts_[h]->ifaces_[nic].link;
  transmit(code >> 1, static_cast<int>(code & 1), f, at);
}

namespace {
bool is_carp_frame(net::Bytes b, int& family) {
  std::size_t off = 12;
  std::uint16_t type = net::be16(b.data() + off);
  while ((type == 0x8100 || type == 0x88a8) && net::fits(b.size(), off, 6)) {
    off += 4;
    type = net::be16(b.data() + off);
  }
  const std::size_t l3 = off + 2;
  if (type == net::ethertype::ipv4 && net::fits(b.size(), l3, 20)) {
    family = 4;
    return b[l3 + 9] == net::ipproto::carp;
  }
  if (type == net::ethertype::ipv6 && net::fits(b.size(), l3, 40)) {
    family = 6;
    return b[l3 + 6] == net::ipproto::carp;
  }
  return false;
}
}  // namespace

bool Network::apply_faults(std::uint32_t link, int dir, FrameRef f, Time at, Time& extra) {
  const net::Bytes b = pool_.slot(f).bytes();
  for (auto& s : faults_) {
    if (s.link != link || (s.dir >= 0 && s.dir != dir)) continue;
    if (at < s.f.from || at >= s.f.until) continue;
    if (s.f.max_count && s.hits >= s.f.max_count) continue;
    bool match = true;
    int fam = 0;
    switch (s.f.match) {
      case FaultMatch::any: break;
      case FaultMatch::carp: match = is_carp_frame(b, fam); break;
      case FaultMatch::carp_v4: match = is_carp_frame(b, fam) && fam == 4; break;
      case FaultMatch::carp_v6: match = is_carp_frame(b, fam) && fam == 6; break;
      case FaultMatch::src_mac: match = net::Mac::from_bytes(b.data() + 6) == s.f.mac; break;
      case FaultMatch::dst_mac: match = net::Mac::from_bytes(b.data()) == s.f.mac; break;
    }
    if (!match) continue;
    ++s.hits;
    if (s.f.delay.ns == 0) return true;
    extra += s.f.delay;
  }
  return false;
}

void Network::transmit(std::uint32_t link, int dir, FrameRef f, Time at) {
  Link& L = links_[link];
  Dir& D = L.dir[dir];
  const std::uint16_t len = pool_.slot(f).len;
  if (cfg_.max_frames && pool_.in_use() > cfg_.max_frames) [[unlikely]]
    over_limit_ = true;  // run_slice stops after this event and reports the storm
  ++D.counters.tx;
  D.counters.bytes += len;
  if (!L.up) {
    ++D.counters.down_dropped;
    pool_.free(f);
    return;
  }
  Time extra{};
  if (D.has_faults) [[unlikely]] {
    if (apply_faults(link, dir, f, at, extra)) {
      ++D.counters.fault_dropped;
      pool_.free(f);
      return;
    }
    if (extra.ns) ++D.counters.fault_delayed;
  }
  if (L.cfg.loss > 0.0 && L.rng.uniform() < L.cfg.loss) {
    ++D.counters.lost;
    pool_.free(f);
    return;
  }
  const Time start = std::max(at, D.busy_until);
  const Time ser{L.cfg.rate_bps ? static_cast<std::int64_t>(std::uint64_t{len} * 8'000'000'000ULL / L.cfg.rate_bps) : 0};
  D.busy_until = start + ser;
  Time t = start + ser + L.cfg.latency;
  if (L.cfg.jitter.ns > 0) t += Time{static_cast<std::int64_t>(L.rng.next() % static_cast<std::uint64_t>(L.cfg.jitter.ns + 1))};
  if (extra.ns) {
    t += extra;  // a delayed frame does not hold back the frames behind it
  } else {
    if (t < D.last_delivery) t = D.last_delivery;  // cables do not reorder
    D.last_delivery = t;
  }
  ++D.in_flight;
  engine_.schedule(t, {deliver, link * 2 + static_cast<std::uint32_t>(dir), f, 0});
}

void Network::deliver_frame(std::uint32_t link, int dir, FrameRef f, Time now) {
  Link& L = links_[link];
  Dir& D = L.dir[dir];
  --D.in_flight;
  if (!L.up) {
    ++D.counters.down_dropped;
    pool_.free(f);
    return;
  }
  ++D.counters.delivered;
  const End& e = L.end[1 - dir];
  if (e.is_switch) switch_receive(*switches_[e.node], static_cast<l2::LinkId>(e.port), f, now);
  else hosts_[e.node]->receive(e.port, f, now);
}

void Network::switch_receive(SwitchNode& s, l2::LinkId lid, FrameRef f, Time now) {
  detail::FrameSlot& in = pool_.slot(f);
  s.sw->receive(lid, in.bytes(), now, s.dec);
  const std::size_t n = s.dec.egress.size();
  if (n == 0) {
    pool_.free(f);
    return;
  }
  const Time out_at = now + s.latency;
  for (std::size_t i = 0; i < n; ++i) {
    const l2::Egress& e = s.dec.egress[i];
    const std::uint32_t code = e.link < s.link_of.size() ? s.link_of[e.link] : 0xffffffffu;
    FrameRef copy;
    if (i + 1 == n && e.op == l2::TagOp::keep) {
      copy = f;  // the last copy takes the received buffer as it is
      f = detail::no_frame;
    } else {
      copy = pool_.alloc();
      detail::FrameSlot& o = pool_.slot(copy);
      const detail::FrameSlot& src = pool_.slot(f);
      // The whole slot, headroom included: a full-size frame plus a pushed tag must fit.
      o.off = 0;
      o.len = static_cast<std::uint16_t>(
          l2::Switch::render(src.bytes(), e, std::span<std::uint8_t>(o.buf.data(), o.buf.size())));
      if (o.len == 0 && src.len != 0) {  // did not fit: dropped and counted, never sent empty
        ++oversize_copies_;
        pool_.free(copy);
        continue;
      }
    }
    if (code == 0xffffffffu) {
      ++unlinked_copies_;
      pool_.free(copy);
      continue;
    }
    ++linked_copies_;
    transmit(code >> 1, static_cast<int>(code & 1), copy, out_at);
  }
  if (f != detail::no_frame) pool_.free(f);
}

// ---- results ------------------------------------------------------------------------------------------

void Network::collect_switch_events() {
  for (auto& sp : switches_) {
    SwitchNode& s = *sp;
    for (const auto& ev : s.sw->drain_events()) {
      SwitchEvent out;
      out.time = ev.time;
      out.node = s.name;
      out.kind = l2::to_string(ev.kind);
      out.mac = ev.mac;
      out.vlan = ev.vlan;
      if (ev.from != l2::no_port) out.from = s.sw->port_name(ev.from);
      if (ev.to != l2::no_port) out.to = s.sw->port_name(ev.to);
      switch_events_.push_back(std::move(out));
    }
  }
}

const std::vector<SwitchEvent>& Network::switch_events() {
  collect_switch_events();
  return switch_events_;
}

Accounting Network::accounting() const {
  Accounting a;
  for (const auto& L : links_)
    for (const auto& d : L.dir) {
      a.link_tx += d.counters.tx;
      a.link_delivered += d.counters.delivered;
      a.link_lost += d.counters.lost + d.counters.fault_dropped + d.counters.down_dropped;
      a.link_in_flight += d.in_flight;
    }
  for (const auto& s : switches_) {
    const auto& c = s->sw->counters();
    a.switch_rx += c.rx;
    a.switch_forwarded += c.forwarded;
    a.switch_flooded += c.flooded;
    a.switch_to_host += c.to_host;
    a.switch_dropped += c.dropped;
    a.switch_copies += c.tx;
  }
  a.switch_copies_linked = linked_copies_;
  a.switch_copies_unlinked = unlinked_copies_;
  a.switch_copies_oversize = oversize_copies_;
  for (const auto& h : hosts_) {
    const auto& c = h->counters();
    a.host_rx += c.rx;
    a.host_delivered += c.delivered;
    a.host_dropped += c.dropped;
  }
  return a;
}

}  // namespace fwd::sim
