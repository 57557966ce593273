#pragma once
/// \file
/// Links of a fwd::sim network: full-duplex point-to-point Ethernet cables between two
/// endpoints (a host NIC or a switch link), with latency, optional serialisation rate, seeded
/// jitter and loss, carrier state, and fault rules.
///
/// Model: each direction is a FIFO. A frame handed to a direction at time t is delivered at
///   max(t, busy_until) + size*8/rate + latency + jitter,  and never before the previous frame
/// of that direction (links do not reorder, as real cables do not). `rate_bps` 0 means no
/// serialisation delay. Jitter is uniform in [0, jitter] and loss a Bernoulli draw, both from
/// the link's own SplitMix64 generator seeded from the network seed and the link index, so
/// adding a link never changes another link's draws.
/// Faults (Fault) drop or delay matching frames of one direction in a time window: the seed's
/// "lost adverts on a link or member" is a Fault on that member's link that matches CARP.
/// Accounting: every frame handed to a direction is, exactly once, delivered, lost at random,
/// dropped by a fault, or dropped because the link is down (LinkCounters).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fwd/describe/field.hpp"
#include "fwd/hash/splitmix64.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

/// Cable settings. Defaults: 1 µs propagation, no rate limit, no jitter, no loss.
struct LinkConfig {
  Time latency = Time::from_us(1);
  Time jitter{};             ///< uniform extra delay in [0, jitter]
  double loss = 0.0;         ///< probability that a frame is lost (per direction, per frame)
  std::uint64_t rate_bps = 0;///< serialisation rate; 0 = infinite
};

/// Which frames a fault matches.
enum class FaultMatch : std::uint8_t {
  any,       ///< every frame
  carp,      ///< CARP/VRRP adverts (IP protocol 112, IPv4 or IPv6)
  carp_v4,   ///< IPv4 adverts only
  carp_v6,   ///< IPv6 adverts only
  src_mac,   ///< frames with this source MAC
  dst_mac,   ///< frames with this destination MAC
};
const char* to_string(FaultMatch m);
/// Parses `any`, `carp`, `carp4`, `carp6`, `src-mac`, `dst-mac`; throws fwd::Error.
FaultMatch parse_fault_match(const std::string& s);

/// A fault on one direction of a link: frames matching `match` sent within [from, until) are
/// dropped (delay 0) or delayed by `delay`, at most `max_count` times (0 = no limit).
struct Fault {
  std::string link;            ///< link name ("fw-a:ix0" end or the link's own name)
  std::string direction;       ///< node name the frames come FROM ("" = both directions)
  Time from{};
  Time until = Time{INT64_MAX};
  FaultMatch match = FaultMatch::any;
  net::Mac mac{};              ///< for src_mac / dst_mac
  Time delay{};                ///< 0: drop; else extra delay
  std::uint64_t max_count = 0;
};

/// Per-direction frame accounting: tx == delivered + lost + fault_dropped + down_dropped + in flight.
struct LinkCounters {
  std::uint64_t tx = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;           ///< random loss
  std::uint64_t fault_dropped = 0;  ///< dropped by a Fault
  std::uint64_t fault_delayed = 0;  ///< delayed by a Fault (still delivered)
  std::uint64_t down_dropped = 0;   ///< carrier down at send or at arrival
  std::uint64_t bytes = 0;
};

/// The seedable generator every random draw in fwd::sim uses (fwd/hash/splitmix64.hpp).
using SplitMix64 = hash::SplitMix64;

}  // namespace fwd::sim

// ---- descriptions (fwd/describe/field.hpp) ----
namespace fwd::describe {
template <>
struct Fields<sim::LinkCounters> {
  using C = sim::LinkCounters;
  static constexpr std::string_view doc =
      "One direction of a link: tx == delivered + lost + fault_dropped + down_dropped + in flight.";
  static constexpr Field<C> table[] = {
      {"tx", &C::tx, "frames", "frames put on the link"},
      {"delivered", &C::delivered, "frames", "frames delivered to the far end"},
      {"lost", &C::lost, "frames", "random loss (LinkConfig.loss)"},
      {"fault_dropped", &C::fault_dropped, "frames", "dropped by a Fault"},
      {"fault_delayed", &C::fault_delayed, "frames", "delayed by a Fault (still delivered)"},
      {"down_dropped", &C::down_dropped, "frames", "carrier down at send or at arrival"},
      {"bytes", &C::bytes, "bytes", "bytes put on the link"},
  };
  static constexpr std::span<const Field<C>> list = table;
};
}  // namespace fwd::describe
