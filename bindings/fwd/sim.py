"""fwd.sim: networks of hosts, switches and links in virtual time.

Build a network from Python or load a topology file (fwd.topology), run it, read what happened::

    from fwd.sim import Network, PortConfig, LagConfig
    net = Network(seed=1)
    a = net.add_host("a"); a.add_nic("em0", "02:00:00:00:00:0a"); a.add_address("em0", "10.0.0.1/24")
    b = net.add_host("b"); b.add_nic("em0", "02:00:00:00:00:0b"); b.add_address("em0", "10.0.0.2/24")
    net.connect("a:em0", "b:em0", latency="5us")
    ping = a.ping_flood("10.0.0.2", count=1000)
    net.run_until("2s")
    print(a.ping_result(ping).summary("10.0.0.2"))

Times are float seconds or strings with a unit ("10ms"). Hosts follow FreeBSD 9.3 by default
(lagg, vlan, ARP, ICMP, a minimal TCP, CARP through fwd/sim/carp.hpp); switches are fwd.l2
switches whose ports are fwd.l2 PortConfig objects. Events at the same nanosecond run in the
order they were scheduled; nothing reads the wall clock. See fwd/sim/network.hpp and host.hpp.
"""
from ._fwd.l2 import FlapConfig, LagConfig, PortConfig  # noqa: F401  (ports of switches)
from ._fwd.sim import (Capture, Host, Network, PingResult, carp_settings,  # noqa: F401
                       format_frame, host_drop_reasons, host_settings, parse_time)

__all__ = ["Network", "Host", "Capture", "PingResult", "PortConfig", "LagConfig", "FlapConfig",
           "format_frame", "parse_time", "host_drop_reasons", "carp_settings",
           "host_settings", "load"]


def load(path):
    """A Network from a YAML or JSON topology file (see fwd.topology); returns (network, settings)."""
    from .topology import load as _load
    return _load(path)
