#pragma once
/// \file
/// Network: hosts, switches and links wired by name, run in virtual time.
///
/// The owner of the clock (an Engine over 24-byte events: frame deliveries, host timers,
/// scheduled actions). Nodes are fwd::sim::Host objects and fwd::l2::Switch objects; a link
/// joins two endpoints named "node:interface" (a host NIC, or a switch link: a physical port's
/// name or a LAG member's name). A frame a host or switch sends is handed to the link at the
/// sender's time (a host's `stack_delay`, a switch's `latency` already added) and delivered
/// after the link's delay as one event; a switch decides at arrival (FDB learning happens
/// then) and renders each egress copy onto the member link it chose.
/// Determinism: one seed (`NetworkConfig::seed`) feeds every generator (links, TCP ISNs,
/// Poisson gaps, lagg keys left unset); events at the same nanosecond run in scheduling order
/// (engine.hpp). Nothing reads the wall clock.
/// Accounting (accounting()): every frame put on a link is delivered, lost or dropped there;
/// every frame a switch receives is forwarded, flooded, consumed or dropped with a reason;
/// every frame a host receives is delivered or dropped with a reason.
/// Switch MAC moves and flap events are collected with the switch's name and port names.
/// Thread rules: one Network per thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/l2/switch.hpp"
#include "fwd/sim/detail/frame_pool.hpp"
#include "fwd/sim/engine.hpp"
#include "fwd/sim/host.hpp"
#include "fwd/sim/link.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

struct NetworkConfig {
  std::uint64_t seed = 1;
  /// Frames alive at once (in flight, queued, held) before run_until stops with an error naming
  /// the busiest links: a switching loop without STP multiplies frames without end (real bridges
  /// melt down too), and each frame holds a 1.6 kB slot. 0 = no limit.
  std::size_t max_frames = 262'144;
  /// Pending events (frame deliveries, timers) before run_until stops with an error. 0 = no limit.
  std::size_t max_events_pending = 4'194'304;
};

/// A switch table event (MAC move, flap, ...) with names resolved.
struct SwitchEvent {
  Time time{};
  std::string node;
  std::string kind;   ///< "moved", "flap", "learned", "expired", ...
  net::Mac mac{};
  std::uint16_t vlan = 0;
  std::string from, to;  ///< port names ("" if none)
};

/// Totals that must add up (see accounting()).
struct Accounting {
  std::uint64_t link_tx = 0, link_delivered = 0, link_lost = 0, link_in_flight = 0;
  std::uint64_t switch_rx = 0, switch_forwarded = 0, switch_flooded = 0, switch_to_host = 0, switch_dropped = 0;
  std::uint64_t host_rx = 0, host_delivered = 0, host_dropped = 0;
  /// Egress copies the switches decided (l2 counters tx): each put on a link, or lost because
  /// the switch port has no cable, or dropped because the frame with its tag does not fit a slot.
  std::uint64_t switch_copies = 0, switch_copies_linked = 0, switch_copies_unlinked = 0, switch_copies_oversize = 0;
  /// link_tx == link_delivered + link_lost + link_in_flight, switch, copy and host rows likewise.
  bool balanced() const;
  std::string to_text() const;
};

class Network {
public:
  explicit Network(NetworkConfig cfg = {});
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const NetworkConfig& config() const { return cfg_; }

  // ---- building ----------------------------------------------------------------------------
  /// Adds a host; throws fwd::Error if the name is taken or empty.
  Host& add_host(HostConfig cfg);
  /// Adds a switch (fwd::l2::Switch) forwarding each frame `latency` after it arrives.
  l2::Switch& add_switch(const std::string& name, l2::SwitchConfig cfg, std::vector<l2::PortConfig> ports,
                         Time latency = Time::from_us(2));
  /// Joins two endpoints ("fw-a:ix0", "sw0:fwa-0"); throws fwd::Error naming an unknown node or
  /// interface, a non-NIC host interface, or an endpoint already linked. Returns the link index.
  std::uint32_t connect(const std::string& a, const std::string& b, LinkConfig cfg = {});
  /// A fault rule on one link (by either endpoint name).
  void add_fault(const Fault& f);

  Host& host(std::string_view name);
  const Host& host(std::string_view name) const;
  bool has_host(std::string_view name) const;
  l2::Switch& switch_node(std::string_view name);
  std::vector<std::string> host_names() const;
  std::vector<std::string> switch_names() const;
  std::size_t link_count() const { return links_.size(); }
  std::string link_name(std::uint32_t link) const;
  const LinkCounters& link_counters(std::uint32_t link, int direction) const;

  // ---- scheduled actions -------------------------------------------------------------------
  /// Raw frame out of a host interface at `at` (injection: the source MAC is used as given).
  void send_frame_at(Time at, const std::string& host, const std::string& iface, std::vector<std::uint8_t> frame);
  /// Carrier of a link down or up at `at` (both ends see it: lagg member link state, switch
  /// carrier).
  void set_link_up_at(Time at, const std::string& endpoint, bool up);
  /// Any callback at `at` (slow path: for scripted scenarios).
  void at(Time t, std::function<void(Network&)> f);

  // ---- running -------------------------------------------------------------------------------
  Time now() const { return engine_.now(); }
  /// Runs every event up to and including `t`; returns the number of events run. Throws
  /// fwd::Error when NetworkConfig::max_frames or max_events_pending is exceeded (a storm); the
  /// network is then stopped where it was and should be discarded.
  std::uint64_t run_until(Time t);
  /// Like run_until but runs at most `max_events`; `done` says whether `t` was reached. Lets a
  /// caller interleave other work (signal checks, a released GIL) with a long run.
  std::uint64_t run_slice(Time t, std::uint64_t max_events, bool& done);
  std::uint64_t run_for(Time d) { return run_until(now() + d); }
  /// Events run so far.
  std::uint64_t events() const { return engine_.executed(); }

  // ---- results -------------------------------------------------------------------------------
  /// Switch table events collected so far (in time order).
  const std::vector<SwitchEvent>& switch_events();
  Accounting accounting() const;
  /// Frame buffers in use (in flight, held by ARP, ping templates).
  std::size_t frames_in_use() const { return pool_.in_use(); }
  /// Frame slots the pool holds (in use or free); shrinks again after a burst.
  std::size_t frames_allocated() const { return pool_.capacity(); }
  /// Switch copies addressed to a switch link with no cable attached.
  std::uint64_t unlinked_copies() const { return unlinked_copies_; }

  // ---- used by Host ----------------------------------------------------------------------------
  detail::FramePool& pool() { return pool_; }
  /// Puts frame `f` on NIC `nic` of host `host` at `at` (frame ownership passes to the link).
  void host_transmit(std::uint32_t host, IfaceId nic, detail::FrameRef f, Time at);
  void schedule_timer(std::uint32_t host, std::uint32_t slot, std::uint32_t gen, Time at);
  SplitMix64& rng() { return rng_; }

private:
  struct Payload {
    std::uint32_t kind;
    std::uint32_t a;
    std::uint32_t b;
    std::uint32_t c;
  };
  enum Kind : std::uint32_t { deliver = 0, timer = 1, action = 2, start = 3 };
  struct End {
    bool is_switch = false;
    std::uint32_t node = 0;
    std::uint32_t port = 0;  // host: NIC iface id; switch: l2 LinkId
  };
  struct Dir {
    Time busy_until{};
    Time last_delivery{};
    LinkCounters counters;
    std::uint64_t in_flight = 0;
    bool has_faults = false;
  };
  struct Link {
    End end[2];
    std::string name[2];
    LinkConfig cfg;
    Dir dir[2];
    bool up = true;
    SplitMix64 rng;
  };
  struct FaultState {
    Fault f;
    std::uint32_t link;
    int dir;  // -1 both
    std::uint64_t hits = 0;
  };
  struct SwitchNode {
    std::string name;
    std::unique_ptr<l2::Switch> sw;
    Time latency;
    std::vector<std::uint32_t> link_of;  // l2 LinkId -> network link*2 + direction (from switch)
    l2::Decision dec;
  };

  void dispatch(const Engine<Payload>::Entry& e);
  void transmit(std::uint32_t link, int dir, detail::FrameRef f, Time at);
  void deliver_frame(std::uint32_t link, int dir, detail::FrameRef f, Time now);
  void switch_receive(SwitchNode& s, l2::LinkId link, detail::FrameRef f, Time now);
  bool apply_faults(std::uint32_t link, int dir, detail::FrameRef f, Time at, Time& extra);
  void set_carrier(std::uint32_t link, bool up, Time now);
  void collect_switch_events();
  End resolve(const std::string& endpoint, std::string& canonical);
  std::uint32_t link_by_endpoint(const std::string& endpoint, int* dir = nullptr) const;
  void ensure_started();

  NetworkConfig cfg_;
  Engine<Payload> engine_;
  detail::FramePool pool_;
  SplitMix64 rng_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<std::unique_ptr<SwitchNode>> switches_;
  std::vector<Link> links_;
  std::vector<FaultState> faults_;
  std::vector<std::function<void(Network&)>> actions_;
  std::vector<SwitchEvent> switch_events_;
  std::uint64_t unlinked_copies_ = 0;  // switch copies for links with no cable
  std::uint64_t linked_copies_ = 0;    // switch copies handed to a link
  std::uint64_t oversize_copies_ = 0;  // switch copies that did not fit a slot with their tag
  bool started_ = false;
  bool over_limit_ = false;  // a frame limit was crossed during the current slice
  void check_limits() const;
};

}  // namespace fwd::sim
