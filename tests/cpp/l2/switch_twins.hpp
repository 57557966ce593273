#pragma once
// Three switches built alike, fed the same frames three ways: frame by frame (receive), as
// bursts (receive_burst) and frame by frame with the fast path off (every frame through the
// profile's full rules). Everything observable must agree: each Decision, the counters, the
// per-port counters and the FDB. Used by tests/cpp/l2/switch_receive_test.cpp and
// tests/fuzz/switch_fuzz.cpp; mismatch() names the first difference ("" when they agree).
#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fwd/l2/switch.hpp"

namespace fwd::l2::testing {

inline std::string describe(const Decision& d) {
  std::string s = fmt::format("{} {} vlan={} in={} learn={} deferred={} hit={} dst={} egress=[", to_string(d.verdict),
                              to_string(d.reason), d.vlan, d.ingress, to_string(d.learn), d.learn_deferred,
                              d.datapath_hit, d.dst_port);
  for (const Egress& e : d.egress) s += fmt::format(" {}/{}/{}/{:#x}", e.port, e.link, static_cast<int>(e.op), e.tci);
  return s + " ]";
}

inline std::string describe(const SwitchCounters& c) {
  std::string s = fmt::format("rx={} fwd={} flood={} copies={} tx={} host={} lost={} dropped={} by=", c.rx,
                              c.forwarded, c.flooded, c.flood_copies, c.tx, c.to_host, c.copies_lost, c.dropped);
  for (auto n : c.dropped_by) s += fmt::format("{},", n);
  return s;
}

// Field-by-field equality of what describe() prints (and of FDB rows): the comparisons run on
// every frame of every fuzz input, so they allocate nothing; text is made only for a difference.
inline bool same(const Decision& a, const Decision& b) {
  if (a.verdict != b.verdict || a.reason != b.reason || a.vlan != b.vlan || a.ingress != b.ingress || a.learn != b.learn ||
      a.learn_deferred != b.learn_deferred || a.datapath_hit != b.datapath_hit || a.dst_port != b.dst_port ||
      a.egress.size() != b.egress.size())
    return false;
  for (std::size_t i = 0; i < a.egress.size(); ++i) {
    const Egress &x = a.egress[i], &y = b.egress[i];
    if (x.port != y.port || x.link != y.link || x.op != y.op || x.tci != y.tci) return false;
  }
  return true;
}

inline bool same(const SwitchCounters& a, const SwitchCounters& b) {
  return a.rx == b.rx && a.forwarded == b.forwarded && a.flooded == b.flooded && a.flood_copies == b.flood_copies &&
         a.tx == b.tx && a.to_host == b.to_host && a.copies_lost == b.copies_lost && a.dropped == b.dropped &&
         a.dropped_by == b.dropped_by;
}

inline bool same(const std::vector<FdbRow>& a, const std::vector<FdbRow>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const FdbRow& x, const FdbRow& y) {
    return x.mac == y.mac && x.vlan == y.vlan && x.port == y.port && x.is_static == y.is_static && x.sticky == y.sticky &&
           x.age_s == y.age_s;
  });
}

class SwitchTwins {
public:
  SwitchTwins(const SwitchConfig& cfg, const std::vector<PortConfig>& ports)
      : one_(std::make_unique<Switch>(cfg, ports)),
        burst_(std::make_unique<Switch>(cfg, ports)),
        slow_(std::make_unique<Switch>(cfg, ports)) {
    slow_->set_fast_path(false);
  }

  Switch& one() { return *one_; }

  /// Frames received at `now`: one by one, as one burst, and one by one on the slow path.
  /// Returns the first difference, or "".
  std::string receive(std::span<const RxFrame> frames, Time now) {
    if (burst_out_.size() < frames.size()) burst_out_.resize(frames.size());
    const std::span<Decision> burst(burst_out_.data(), frames.size());
    burst_->receive_burst(frames, now, burst);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      Decision a, c;
      one_->receive(frames[i].link, frames[i].frame, now, a);
      slow_->receive(frames[i].link, frames[i].frame, now, c);
      for (const Egress& e : a.egress)
        if (e.port >= one_->port_count() || e.link >= one_->link_count() || one_->port_of_link(e.link) != e.port)
          return fmt::format("frame {}: egress to port {} link {}, which the switch does not have", i, e.port, e.link);
      if (!same(a, burst[i]) || !same(a, c))
        return fmt::format("frame {} at {} ns:\n  receive       {}\n  receive_burst {}\n  slow path     {}", i, now.ns,
                           describe(a), describe(burst[i]), describe(c));
    }
    return state(now);
  }

  /// Carrier / admin changes applied to all three.
  void set_link_carrier(LinkId l, bool up, Time now) {
    for (Switch* s : {one_.get(), burst_.get(), slow_.get()}) s->set_link_carrier(l, up, now);
  }
  void set_port_admin(PortId p, bool up, Time now) {
    for (Switch* s : {one_.get(), burst_.get(), slow_.get()}) s->set_port_admin(p, up, now);
  }

  /// Counters, per-port counters and FDB rows of the three (the FDB read at `now`).
  std::string state(Time now) {
    if (!same(one_->counters(), burst_->counters()) || !same(one_->counters(), slow_->counters()))
      return fmt::format("counters differ:\n  receive       {}\n  receive_burst {}\n  slow path     {}",
                         describe(one_->counters()), describe(burst_->counters()), describe(slow_->counters()));
    for (PortId p = 0; p < one_->port_count(); ++p) {
      const PortCounters &a = one_->port_counters(p), &b = burst_->port_counters(p), &s = slow_->port_counters(p);
      if (a.rx != b.rx || a.tx != b.tx || a.dropped != b.dropped || a.rx != s.rx || a.tx != s.tx || a.dropped != s.dropped)
        return fmt::format("port {} counters differ", one_->port_name(p));
    }
    const auto rows = one_->fdb_rows(now);
    if (!same(rows, burst_->fdb_rows(now)) || !same(rows, slow_->fdb_rows(now)))
      return fmt::format("FDB differs:\n  receive\n{}  receive_burst\n{}  slow path\n{}", one_->fdb_show(now),
                         burst_->fdb_show(now), slow_->fdb_show(now));
    const auto& t = one_->fdb().counters();
    for (Switch* s : {burst_.get(), slow_.get()}) {
      const auto& u = s->fdb().counters();
      if (t.learned != u.learned || t.moved != u.moved || t.expired != u.expired || t.evicted != u.evicted ||
          t.refused_full != u.refused_full || t.refused_flap != u.refused_flap)
        return "FDB counters differ";
    }
    return {};
  }

private:
  std::unique_ptr<Switch> one_, burst_, slow_;
  std::vector<Decision> burst_out_;  // receive_burst's decisions, kept between bursts
};

}  // namespace fwd::l2::testing
