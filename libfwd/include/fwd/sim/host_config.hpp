#pragma once
/// \file
/// HostConfig: the stack settings of a fwd::sim::Host (the followed system, kern.hz, the kernel's
/// reply delay, forwarding, ARP timers, the pf rule of spec §9.9). Plain data; validate() is the
/// one check, run by Host's constructor.

#include <cstdint>
#include <string>

#include "fwd/time.hpp"

namespace fwd::sim {

/// Stack settings of a host.
struct HostConfig {
  std::string name;
  /// Followed system: freebsd-9.3 (default), freebsd-10 (10.x timers), linux (1 s SYN RTO).
  std::string os = "freebsd-9.3";
  Time tick = Time::from_ms(1);      ///< 1/kern.hz; 0 = exact timers
  Time tick_phase{};                 ///< offset of the tick grid from t = 0
  Time stack_delay = Time::from_us(15);  ///< frame in -> kernel reply out
  bool forwarding = false;           ///< net.inet.ip.forwarding
  Time arp_max_age = Time::from_s(1200);
  std::uint32_t arp_maxtries = 5;
  Time arp_down = Time::from_s(20);
  bool answer_icmp_to_vip = true;    ///< false: a pf rule blocks ICMP to the VIPs (spec §9.9)

  /// Throws fwd::Error naming the host and the bad value: an unknown `os` (the accepted ones
  /// listed) or a negative tick.
  void validate() const;
  /// The host follows Linux (exact timers for CARP/VRRP, Linux SYN retransmissions).
  bool is_linux() const { return os == "linux"; }
};

}  // namespace fwd::sim
