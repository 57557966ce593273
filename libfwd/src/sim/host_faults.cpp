// fwd::sim::Host: faults of interfaces (ifconfig down, lagg transmit blackout, LACP mux state,
// carrier changes from the network) and what they tell the CARP/VRRP instances.
#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/sim/host.hpp"

namespace fwd::sim {


void Host::set_iface_up(const std::string& iface, bool up, Time now) {
  const IfaceId i = iface_id(iface);
  ifaces_[i].up = up;
  if (ifaces_[i].kind == IfKind::nic && ifaces_[i].parent != no_iface) {
    HostIface& L = ifaces_[ifaces_[i].parent];
    L.lag->set_admin(ifaces_[i].member, up, now);
  }
  carp_.links(now);
}

void Host::lagg_blackout(const std::string& lagg_name, Time from, Time until) {
  const IfaceId i = iface_id(lagg_name);
  if (!ifaces_[i].lag) throw Error(fmt::format("host '{}': '{}' is not a lagg", cfg_.name, lagg_name));
  ifaces_[i].blackout_from = from;
  ifaces_[i].blackout_until = until;
}

void Host::set_lacp(const std::string& member, bool collecting, bool distributing, Time now) {
  const IfaceId i = iface_id(member);
  if (ifaces_[i].parent == no_iface || ifaces_[i].kind != IfKind::nic)
    throw Error(fmt::format("host '{}': '{}' is not a lagg member", cfg_.name, member));
  ifaces_[ifaces_[i].parent].lag->set_lacp(ifaces_[i].member, true, collecting, distributing, now);
}

void Host::on_carrier(IfaceId nic, bool up, Time now) {
  HostIface& n = ifaces_[nic];
  n.carrier = up;
  if (n.parent != no_iface && ifaces_[n.parent].lag) ifaces_[n.parent].lag->set_link(n.member, up, now);
  carp_.links(now);
}

// Carpdev usability as CARP/VRRP sees it (HostCarp::links after each change above).
bool Host::iface_usable(IfaceId ifc) const {
  const HostIface& I = ifaces_[ifc];
  if (!I.up) return false;
  switch (I.kind) {
    case IfKind::nic: return I.carrier;
    case IfKind::vlan: return I.parent != no_iface && iface_usable(I.parent);
    case IfKind::lagg:
      // lagg(4) reports link up while any port has link (LACP: while any port can be active).
      for (IfaceId m : I.members)
        if (ifaces_[m].up && ifaces_[m].carrier) return true;
      return false;
  }
  return false;
}

}  // namespace fwd::sim
