#pragma once
/// \file
/// HostConfig: the stack settings of a fwd::sim::Host (the followed system, kern.hz, the kernel's
/// reply delay, forwarding, ARP timers, the pf rule of spec §9.9). Plain data; validate() is the
/// one check, run by Host's constructor.
///
/// The settings are described once, in the table at the end (fwd/describe/field.hpp): the JSON
/// twin (Host::to_json "settings"), Python's Network.add_host keywords and docstring, Host.settings
/// and the host keys of topology files all come from it. The followed system is a HostOs whose
/// names are the system registry's (fwd/describe/system.hpp, layer `sim`).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "fwd/describe/field.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

/// The system a host follows (a system of the registry with layer `sim`).
enum class HostOs : std::uint8_t {
  freebsd_9_3,  ///< FreeBSD 9.3: kern.hz callouts, 3 s SYN RTO (the default)
  freebsd_10,   ///< FreeBSD 10.x timers
  linux_6_12,   ///< Linux: exact timers for CARP/VRRP, 1 s SYN RTO (alias `linux`)
};
/// The canonical (registry) name: freebsd-9.3, freebsd-10, linux-6.12.
std::string_view to_string(HostOs os);
/// A registry name or alias of a `sim` system ("linux", "freebsd-9.x", ...). Throws fwd::Error for
/// an unknown name or one the host does not model (listing the accepted names and their aliases)
/// and for the ambiguous `freebsd` (listing the choices).
HostOs parse_host_os(std::string_view name);

/// Stack settings of a host.
struct HostConfig {
  std::string name;  ///< the host's name (its identity, not a setting: not in the table)
  HostOs os = HostOs::freebsd_9_3;
  Time tick = Time::from_ms(1);      ///< 1/kern.hz; 0 = exact timers
  Time tick_phase{};                 ///< offset of the tick grid from t = 0
  Time stack_delay = Time::from_us(15);  ///< frame in -> kernel reply out
  bool forwarding = false;           ///< net.inet.ip.forwarding
  Time arp_max_age = Time::from_s(1200);
  std::uint32_t arp_maxtries = 5;
  Time arp_down = Time::from_s(20);
  bool answer_icmp_to_vip = true;    ///< false: a pf rule blocks ICMP to the VIPs (spec §9.9)

  /// The defaults of a followed system: as the members above, except that a Linux host's timers
  /// are exact (tick 0: kern.hz is FreeBSD's).
  static HostConfig defaults(HostOs os, std::string name = {});
  /// Throws fwd::Error naming the host and the bad value (an os outside HostOs, a negative time,
  /// arp_maxtries 0).
  void validate() const;
  /// The host follows Linux (exact timers for CARP/VRRP, Linux SYN retransmissions).
  bool is_linux() const { return os == HostOs::linux_6_12; }
};

}  // namespace fwd::sim

// ---- descriptions (fwd/describe/field.hpp): names, units and docs of the settings and of HostOs ----
namespace fwd::describe {
template <>
struct Settings<sim::HostConfig> {
  using C = sim::HostConfig;
  using Member = std::variant<sim::HostOs C::*, Time C::*, bool C::*, std::uint32_t C::*>;
  static constexpr std::string_view doc = "Stack settings of a host (fwd/sim/host_config.hpp).";
  static constexpr Setting<C, Member> table[] = {
      {"os", &C::os, "", "followed system: freebsd-9.3, freebsd-10 or linux-6.12; aliases in fwd.describe.systems()"},
      {"tick", &C::tick, "s", "1/kern.hz, the kernel timer tick (0 = exact timers; linux-6.12 default 0)"},
      {"tick_phase", &C::tick_phase, "s", "offset of the tick grid from t = 0"},
      {"stack_delay", &C::stack_delay, "s", "frame in -> kernel reply out"},
      {"forwarding", &C::forwarding, "", "net.inet.ip.forwarding: route IPv4 packets not addressed to the host"},
      {"arp_max_age", &C::arp_max_age, "s", "lifetime of a resolved ARP entry (net.link.ether.inet.max_age)"},
      {"arp_maxtries", &C::arp_maxtries, "requests", "ARP requests for an entry before it is held down"},
      {"arp_down", &C::arp_down, "s", "how long an entry that reached arp_maxtries stays down (EHOSTDOWN)"},
      {"answer_icmp_to_vip", &C::answer_icmp_to_vip, "", "false: a pf rule blocks ICMP to the VIPs (spec 9.9)"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
template <>
struct Enumerators<sim::HostOs> {
  using E = sim::HostOs;
  static constexpr std::string_view what = "host os";
  // The names are the registry's canonical names (checked by tests/cpp/sim/host_test.cpp).
  static constexpr Enumerator<E> table[] = {
      {E::freebsd_9_3, "freebsd-9.3", "FreeBSD 9.3: kern.hz callouts, 3 s SYN RTO"},
      {E::freebsd_10, "freebsd-10", "FreeBSD 10.x timers"},
      {E::linux_6_12, "linux-6.12", "Linux: exact timers for CARP/VRRP, 1 s SYN RTO"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
}  // namespace fwd::describe
