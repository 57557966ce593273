// fwd::sim::HostConfig: the followed system's names (through the system registry), the defaults of
// each system and the one check of a host's settings.
#include "fwd/sim/host_config.hpp"

#include <fmt/format.h>

#include <utility>

#include "fwd/describe/system.hpp"
#include "fwd/error.hpp"

namespace fwd::sim {

std::string_view to_string(HostOs os) { return describe::name_of(os); }

HostOs parse_host_os(std::string_view name) {
  // Aliases ("linux", "freebsd-9.x") and the ambiguous "freebsd" are the registry's business; the
  // canonical name it returns is one of the table's names.
  const std::string_view canonical = describe::find_system(name, describe::Layer::sim, "host os").name;
  return describe::parse_enumerator<HostOs>(canonical);
}

HostConfig HostConfig::defaults(HostOs os, std::string name) {
  HostConfig c;
  c.name = std::move(name);
  c.os = os;
  if (os == HostOs::linux_6_12) c.tick = Time{};  // kern.hz is FreeBSD's
  return c;
}

void HostConfig::validate() const {
  if (describe::name_of(os) == "?")
    throw Error(fmt::format("host '{}': os {} is not a HostOs: expected {}", name, static_cast<int>(os),
                            describe::enumerator_names<HostOs>()));
  if (tick.ns < 0) throw Error(fmt::format("host '{}': tick must be >= 0", name));
  for (const auto& [what, t] :
       {std::pair{"stack_delay", stack_delay}, {"arp_max_age", arp_max_age}, {"arp_down", arp_down}})
    if (t.ns < 0) throw Error(fmt::format("host '{}': {} must be >= 0, got {} s", name, what, t.seconds()));
  if (arp_maxtries == 0) throw Error(fmt::format("host '{}': arp_maxtries must be >= 1", name));
}

}  // namespace fwd::sim
