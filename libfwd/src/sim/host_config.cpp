// fwd::sim::HostConfig: the one check of a host's settings.
#include "fwd/sim/host_config.hpp"

#include <fmt/format.h>

#include "fwd/error.hpp"

namespace fwd::sim {

void HostConfig::validate() const {
  if (os != "freebsd-9.3" && os != "freebsd-10" && os != "linux")
    throw Error(fmt::format("unknown host os '{}' for host '{}': expected freebsd-9.3, freebsd-10, linux", os, name));
  if (tick.ns < 0) throw Error(fmt::format("host '{}': tick must be >= 0", name));
}

}  // namespace fwd::sim
