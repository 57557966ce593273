// fwd::l2::FlapDetector and the vendor presets of l2-learning.md §5.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/l2/flap.hpp"

namespace fwd::l2 {

const char* to_string(FlapAction a) { return describe::name_of(a).data(); }
const char* to_string(FlapWindow w) { return describe::name_of(w).data(); }
const char* to_string(FlapScope s) { return describe::name_of(s).data(); }
const char* to_string(FlapEmit e) { return describe::name_of(e).data(); }

std::vector<std::string> FlapConfig::preset_names() {
  return {"linux-6.x", "freebsd-9.3", "freebsd-14", "juniper-ex", "hpe-comware", "huawei",
          "evpn-rfc7432", "cisco-ios", "vendor", "ovs-3.1"};
}

FlapConfig FlapConfig::preset(std::string_view name) {
  FlapConfig c;
  if (name == "linux-6.x" || name == "linux-bridge" || name == "freebsd-9.3" ||
      name == "freebsd-bridge" || name == "ovs-3.1") {
    // No detection: Linux only notifies (RTM_NEWNEIGH), FreeBSD 9.3 moves silently, OVS counts.
    return c;
  }
  c.enabled = true;
  if (name == "freebsd-14") {
    // D39375: "mac address ... moved from A to B", every move, rate-limited log.
    c.threshold = 1;
    c.emit = FlapEmit::every_move;
    c.log_rate_limit = Time::from_s(1);
  } else if (name == "juniper-ex") {
    // mac-move-limit N per second, default action drop; N has no default: 3 is a placeholder.
    c.threshold = 3;
    c.window = Time::from_s(1);
    c.window_kind = FlapWindow::fixed;
    c.emit = FlapEmit::on_threshold;
    c.action = FlapAction::drop_frame;
  } else if (name == "hpe-comware") {
    // mac-address notification mac-move: interval 1 min, suppression threshold 3.
    c.threshold = 3;
    c.window = Time::from_s(60);
    c.window_kind = FlapWindow::fixed;
    c.emit = FlapEmit::once_per_window;
  } else if (name == "huawei") {
    // alarm after a MAC is learned on different interfaces more than 10 times.
    c.threshold = 10;
    c.window = Time::from_s(60);
    c.window_kind = FlapWindow::fixed;
    c.emit = FlapEmit::on_threshold;
  } else if (name == "evpn-rfc7432") {
    c.threshold = 5;
    c.window = Time::from_s(180);
    c.emit = FlapEmit::on_threshold;
  } else if (name == "cisco-ios") {
    // Threshold not documented: two moves (away and back) within 1 s, once per window.
    c.threshold = 2;
    c.window = Time::from_s(1);
    c.emit = FlapEmit::once_per_window;
  } else if (name == "vendor") {
    // Generic vendor switch: a MAC that leaves its port and comes back within 5 s is flapping.
    c.threshold = 2;
    c.window = Time::from_s(5);
    c.emit = FlapEmit::once_per_window;
  } else {
    std::string list;
    for (const auto& n : preset_names()) list += (list.empty() ? "" : ", ") + n;
    throw Error(fmt::format("unknown flap preset '{}': expected one of {}", name, list));
  }
  return c;
}

void FlapConfig::validate() const {
  if (!enabled) return;
  if (threshold == 0) throw Error("invalid flap threshold 0: expected at least 1 move");
  if (window.ns <= 0) throw Error(fmt::format("invalid flap window {} s: must be > 0", window.seconds()));
  if (window_kind == FlapWindow::sliding && threshold > FlapDetector::max_sliding_threshold)
    throw Error(fmt::format("flap threshold {} too large for a sliding window: at most {} (use a fixed window)",
                            threshold, FlapDetector::max_sliding_threshold));
  if (tracked_keys == 0) throw Error("invalid flap tracked_keys 0: expected at least 1");
  if (action_hold.ns < 0) throw Error("invalid flap action_hold: must be >= 0");
}

FlapDetector::FlapDetector(FlapConfig cfg) : cfg_(cfg) {
  cfg_.validate();
  if (cfg_.enabled) {
    states_.resize(cfg_.tracked_keys);
    if (cfg_.action == FlapAction::disable_learning) vlan_hold_.assign(4096, Time{INT64_MIN});
  }
}

void FlapDetector::clear() {
  std::fill(states_.begin(), states_.end(), State{});
  std::fill(vlan_hold_.begin(), vlan_hold_.end(), Time{INT64_MIN});
}

namespace {
std::size_t home(std::uint64_t key, std::size_t n) {
  const __uint128_t m = static_cast<__uint128_t>(key * 0x9e3779b97f4a7c15ULL) * n;
  return static_cast<std::size_t>(m >> 64);
}
constexpr std::size_t probe_limit = 16;
}  // namespace

const FlapDetector::State* FlapDetector::find(std::uint64_t key) const {
  if (states_.empty()) return nullptr;
  const std::size_t h = home(key, states_.size());
  for (std::size_t i = 0; i < std::min(probe_limit, states_.size()); ++i) {
    const State& s = states_[(h + i) % states_.size()];
    if (s.key == key) return &s;
  }
  return nullptr;
}

FlapDetector::State* FlapDetector::slot_for(std::uint64_t key, Time now, bool create) {
  if (states_.empty()) return nullptr;
  const std::size_t n = states_.size();
  const std::size_t h = home(key, n);
  State* empty = nullptr;
  State* victim = nullptr;
  for (std::size_t i = 0; i < std::min(probe_limit, n); ++i) {
    State& s = states_[(h + i) % n];
    if (s.key == key) return &s;
    if (s.key == 0) {
      if (!empty) empty = &s;
    } else if (!victim || s.last_move < victim->last_move) {
      victim = &s;
    }
  }
  if (!create) return nullptr;
  State* s = empty ? empty : victim;
  if (!empty && victim) {
    const bool active = now.ns - victim->last_move.ns < cfg_.window.ns || victim->hold_until > now;
    if (active) ++counters_.keys_forgotten;
  }
  *s = State{};
  s->key = key;
  return s;
}

std::uint32_t FlapDetector::record(State& s, Time now) {
  s.last_move = now;
  if (cfg_.window_kind == FlapWindow::fixed) {
    if (s.count == 0 || now.ns - s.window_start.ns >= cfg_.window.ns) {
      s.window_start = now;
      s.count = 0;
    }
    return ++s.count;
  }
  // Sliding: keep the last 16 move times; count those inside (now - window, now].
  s.ring[(s.ring_head + s.ring_len) % max_sliding_threshold] = now;
  if (s.ring_len < max_sliding_threshold) ++s.ring_len;
  else s.ring_head = static_cast<std::uint8_t>((s.ring_head + 1) % max_sliding_threshold);
  std::uint32_t c = 0;
  for (std::uint8_t i = 0; i < s.ring_len; ++i) {
    const Time t = s.ring[(s.ring_head + i) % max_sliding_threshold];
    if (now.ns - t.ns < cfg_.window.ns) ++c;
  }
  return c;
}

Time FlapDetector::hold_end(Time now) const {
  return cfg_.action_hold.ns > 0 ? now + cfg_.action_hold : Time{std::numeric_limits<std::int64_t>::max()};
}

FlapVerdict FlapDetector::on_move(std::uint64_t key, PortId from, PortId to, Time now) {
  FlapVerdict v;
  if (!cfg_.enabled) return v;
  ++counters_.moves_seen;
  State* s = nullptr;
  if (cfg_.scope == FlapScope::per_mac_vlan) {
    s = slot_for(key, now, true);
    v.count = record(*s, now);
  } else {
    // HPE-style suppression counts moves to and from each port; the busier port decides.
    const std::uint64_t port_tag = 1ULL << 63;
    State* a = slot_for(port_tag | from, now, true);
    const std::uint32_t ca = record(*a, now);
    State* b = slot_for(port_tag | to, now, true);
    const std::uint32_t cb = record(*b, now);
    s = cb >= ca ? b : a;
    v.count = std::max(ca, cb);
  }
  const bool above = v.count >= cfg_.threshold;
  bool event = false;
  switch (cfg_.emit) {
    case FlapEmit::every_move: event = above; break;
    case FlapEmit::on_threshold: event = above && !s->above; break;
    case FlapEmit::once_per_window:
      event = above && (!s->has_event || now.ns - s->last_event.ns >= cfg_.window.ns);
      break;
  }
  s->above = above;
  if (event && s->has_event && cfg_.log_rate_limit.ns > 0 &&
      now.ns - s->last_event.ns < cfg_.log_rate_limit.ns) {
    event = false;
    ++counters_.suppressed;
  } else if (!event && above) {
    ++counters_.suppressed;
  }
  if (event) {
    s->has_event = true;
    s->last_event = now;
    ++counters_.events;
  }
  v.event = event;
  v.act = above && cfg_.action != FlapAction::none;
  v.action = v.act ? cfg_.action : FlapAction::none;
  return v;
}

bool FlapDetector::is_pinned(std::uint64_t key, Time now) const {
  const State* s = find(key);
  return s && s->hold_until > now;
}

void FlapDetector::start_pin(std::uint64_t key, Time now) {
  if (State* s = slot_for(key, now, true)) s->hold_until = hold_end(now);
  ++counters_.pins;
}

void FlapDetector::start_vlan_hold(std::uint16_t vlan, Time now) {
  if (vlan_hold_.empty()) vlan_hold_.assign(4096, Time{INT64_MIN});
  vlan_hold_[vlan & 0xfff] = hold_end(now);
  ++counters_.learning_disabled;
}

}  // namespace fwd::l2
