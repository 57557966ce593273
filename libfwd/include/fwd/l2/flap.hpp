#pragma once
/// \file
/// MAC moves and flap detection: FlapConfig, FlapDetector and the vendor presets.
///
/// Linux (6.x) and FreeBSD 9.3 bridges do no detection at all: a move is last-writer-wins and
/// silent (l2-learning.md §1 fact 8, rows 16-19). Hardware switches turn repeated moves into
/// "flap" notifications and optional actions; spec §4 "Hardware switch conventions" lists what
/// Cisco, Juniper, HPE, Huawei and EVPN do, §5 the model implemented here:
///  - a *move* is an update of an existing entry whose port changes (relearning after ageing or
///    a flush is not a move);
///  - N moves within a window T (sliding or fixed) of one (VLAN, MAC) key -- or of one port for
///    HPE-style per-port suppression -- produce a FlapEvent; `emit` says how often;
///  - an optional action: drop the moving frame (Juniper `drop`), pin the entry to its old port
///    (Catalyst 4500, 15 s), stop learning in the VLAN (Nexus, 120 s) or error-disable the port
///    the MAC moved to (Juniper `shutdown`, HPE suppression, Huawei error-down).
///
/// State lives in a fixed table of `tracked_keys` slots allocated at construction, so the
/// forwarding path never allocates; when it is full the key whose last move is oldest is
/// forgotten (documented approximation, only reachable with that many keys flapping at once).
/// A sliding window keeps the last 16 move times per key, so sliding thresholds go up to 16;
/// larger thresholds need `window_kind = fixed` (checked at construction).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fwd/describe/field.hpp"
#include "fwd/time.hpp"

namespace fwd::l2 {

/// Logical switch port number (index in the switch's port list).
using PortId = std::uint16_t;
/// "No port" (also: an entry with no port yet).
inline constexpr PortId no_port = 0xffff;

/// What a detector does when a key crosses its threshold (spec §5 `Action`).
enum class FlapAction : std::uint8_t {
  none,              ///< event only (Cisco notify, Juniper `log`, HPE notification)
  drop_frame,        ///< drop the frame that moved the MAC; the entry stays (Juniper `drop`)
  pin,               ///< keep the old port for `action_hold` (C4K drops the host for 15 s)
  disable_learning,  ///< stop learning in the VLAN for `action_hold` (Nexus: 120 s)
  shutdown_port,     ///< error-disable the port the MAC moved to for `action_hold`
};
enum class FlapWindow : std::uint8_t { sliding, fixed };
enum class FlapScope : std::uint8_t { per_mac_vlan, per_port };
enum class FlapEmit : std::uint8_t { every_move, on_threshold, once_per_window };

const char* to_string(FlapAction a);
const char* to_string(FlapWindow w);
const char* to_string(FlapScope s);
const char* to_string(FlapEmit e);

/// Flap detection settings (spec §5 `FlapConfig`). Disabled by default: the table then behaves
/// exactly as the Linux bridge.
struct FlapConfig {
  bool enabled = false;
  std::uint32_t threshold = 3;              ///< N moves ...
  Time window = Time::from_s(1);            ///< ... within T
  FlapWindow window_kind = FlapWindow::sliding;
  FlapScope scope = FlapScope::per_mac_vlan;
  FlapEmit emit = FlapEmit::once_per_window;
  Time log_rate_limit{};                    ///< minimum gap between two events of one key
  FlapAction action = FlapAction::none;
  Time action_hold{};                       ///< 0 = until cleared by the user
  std::uint32_t tracked_keys = 1024;        ///< size of the state table (allocated once)

  /// Preset by name: linux-6.x, freebsd-9.3, freebsd-14, juniper-ex, hpe-comware, huawei,
  /// evpn-rfc7432, cisco-ios, vendor, ovs-3.1. Throws fwd::Error listing them otherwise.
  static FlapConfig preset(std::string_view name);
  /// Names accepted by preset().
  static std::vector<std::string> preset_names();
  /// Throws fwd::Error if the settings cannot be honoured (threshold 0, sliding > 16, ...).
  void validate() const;
};

/// Outcome of one move as seen by the detector.
struct FlapVerdict {
  bool event = false;                    ///< emit a FlapEvent now
  bool act = false;                      ///< apply `action` (threshold reached)
  FlapAction action = FlapAction::none;  ///< the configured action when `act`
  std::uint32_t count = 0;               ///< moves of this key in the current window
};

/// Counters of a detector (API, like the table's).
struct FlapCounters {
  std::uint64_t moves_seen = 0;       ///< moves observed (attempts included)
  std::uint64_t events = 0;           ///< FlapEvents emitted
  std::uint64_t suppressed = 0;       ///< events withheld by emit mode or rate limit
  std::uint64_t frames_dropped = 0;   ///< drop_frame actions
  std::uint64_t pins = 0;             ///< pin actions started
  std::uint64_t moves_refused = 0;    ///< moves refused by an active pin or learning hold
  std::uint64_t learning_disabled = 0;///< disable_learning actions started
  std::uint64_t ports_shutdown = 0;   ///< shutdown_port actions started
  std::uint64_t keys_forgotten = 0;   ///< state slots reused while still in a window
};

/// Turns moves into flap verdicts; owned by a MacTable. Not thread-safe (one per table).
class FlapDetector {
public:
  static constexpr std::uint32_t max_sliding_threshold = 16;

  explicit FlapDetector(FlapConfig cfg = {});

  const FlapConfig& config() const { return cfg_; }
  bool enabled() const { return cfg_.enabled; }
  const FlapCounters& counters() const { return counters_; }

  /// Records a move of `key` (a packed VLAN+MAC) from `from` to `to` at `now`. Never allocates.
  FlapVerdict on_move(std::uint64_t key, PortId from, PortId to, Time now);

  /// True while `key` is pinned (pin action) at `now`.
  bool is_pinned(std::uint64_t key, Time now) const;
  /// True while learning is disabled in `vlan` (disable_learning action) at `now`.
  bool is_learning_disabled(std::uint16_t vlan, Time now) const {
    return !vlan_hold_.empty() && vlan_hold_[vlan & 0xfff].ns > now.ns;
  }
  /// Starts a pin of `key` / a learning hold of `vlan` until now + action_hold.
  void start_pin(std::uint64_t key, Time now);
  void start_vlan_hold(std::uint16_t vlan, Time now);
  void count_refused() { ++counters_.moves_refused; }
  void count_drop() { ++counters_.frames_dropped; }
  void count_shutdown() { ++counters_.ports_shutdown; }

  /// Forgets all state (pins, holds, windows); counters are kept.
  void clear();

private:
  struct State {
    std::uint64_t key = 0;  // 0 = empty (an all-zero MAC is never learned, so never moves)
    Time window_start{};
    Time last_move{};
    Time last_event{};
    Time hold_until{};       // pin
    std::uint32_t count = 0; // fixed window count
    std::uint8_t ring_len = 0, ring_head = 0;
    bool has_event = false;
    bool above = false;      // count was >= threshold at the previous move (on_threshold edge)
    std::array<Time, max_sliding_threshold> ring{};
  };

  State* slot_for(std::uint64_t key, Time now, bool create);
  const State* find(std::uint64_t key) const;
  std::uint32_t record(State& s, Time now);
  Time hold_end(Time now) const;

  FlapConfig cfg_;
  std::vector<State> states_;
  std::vector<Time> vlan_hold_;  // per VID, allocated only for disable_learning
  FlapCounters counters_;
};

}  // namespace fwd::l2

// ---- descriptions (fwd/describe/field.hpp): names, units and docs of the counters and enums ----
namespace fwd::describe {
template <>
struct Settings<l2::FlapConfig> {
  using C = l2::FlapConfig;
  using Member = std::variant<bool C::*, std::uint32_t C::*, Time C::*, l2::FlapWindow C::*, l2::FlapScope C::*,
                              l2::FlapEmit C::*, l2::FlapAction C::*>;
  static constexpr std::string_view doc = "Flap detection settings (l2-learning.md section 5).";
  static constexpr Setting<C, Member> table[] = {
      {"enabled", &C::enabled, "", "flap detection on"},
      {"threshold", &C::threshold, "moves", "N moves within `window` make a flap"},
      {"window", &C::window, "s", "the window T"},
      {"window_kind", &C::window_kind, "", "sliding (last N move times) or fixed windows"},
      {"scope", &C::scope, "", "count moves per (MAC, VLAN) or per port"},
      {"emit", &C::emit, "", "when events are emitted: every_move, on_threshold, once_per_window"},
      {"log_rate_limit", &C::log_rate_limit, "s", "minimum gap between two events of one key"},
      {"action", &C::action, "", "what happens at the threshold: none, drop_frame, pin, disable_learning, shutdown_port"},
      {"action_hold", &C::action_hold, "s", "how long an action holds (0: until cleared)"},
      {"tracked_keys", &C::tracked_keys, "keys", "size of the state table (allocated once)"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
template <>
struct Fields<l2::FlapCounters> {
  using C = l2::FlapCounters;
  static constexpr std::string_view doc = "Flap detector counters.";
  static constexpr Field<C> table[] = {
      {"moves_seen", &C::moves_seen, "moves", "moves observed (attempts included)"},
      {"events", &C::events, "events", "flap events emitted"},
      {"suppressed", &C::suppressed, "events", "events withheld by the emit mode or the rate limit"},
      {"frames_dropped", &C::frames_dropped, "frames", "drop_frame actions"},
      {"pins", &C::pins, "actions", "pin actions started"},
      {"moves_refused", &C::moves_refused, "moves", "moves refused by an active pin or learning hold"},
      {"learning_disabled", &C::learning_disabled, "actions", "disable_learning actions started"},
      {"ports_shutdown", &C::ports_shutdown, "actions", "shutdown_port actions started"},
      {"keys_forgotten", &C::keys_forgotten, "keys", "state slots reused while still in a window"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
template <>
struct Enumerators<l2::FlapAction> {
  using E = l2::FlapAction;
  static constexpr std::string_view what = "flap action";
  static constexpr Enumerator<E> table[] = {
      {E::none, "none", "event only (Cisco notify, Juniper log, HPE notification)"},
      {E::drop_frame, "drop_frame", "drop the frame that moved the MAC; the entry stays (Juniper drop)"},
      {E::pin, "pin", "keep the old port for action_hold"},
      {E::disable_learning, "disable_learning", "stop learning in the VLAN for action_hold"},
      {E::shutdown_port, "shutdown_port", "error-disable the port the MAC moved to for action_hold"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<l2::FlapWindow> {
  using E = l2::FlapWindow;
  static constexpr std::string_view what = "flap window";
  static constexpr Enumerator<E> table[] = {
      {E::sliding, "sliding", "the last N move times are kept; N within T is a flap"},
      {E::fixed, "fixed", "moves are counted in fixed windows of T"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<l2::FlapScope> {
  using E = l2::FlapScope;
  static constexpr std::string_view what = "flap scope";
  static constexpr Enumerator<E> table[] = {
      {E::per_mac_vlan, "per_mac_vlan", "moves are counted per (MAC, VLAN)"},
      {E::per_port, "per_port", "moves are counted per port the MACs move to"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<l2::FlapEmit> {
  using E = l2::FlapEmit;
  static constexpr std::string_view what = "flap emit mode";
  static constexpr Enumerator<E> table[] = {
      {E::every_move, "every_move", "an event for every move"},
      {E::on_threshold, "on_threshold", "an event each time the threshold is reached"},
      {E::once_per_window, "once_per_window", "at most one event per key and window"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe
