"""Packet model: addresses, the frame builder, flow records for batch work.

`FLOW_DTYPE` mirrors the C++ `fwd::net::FlowRecord`: one row per flow with MACs (48-bit ints),
the in-band VLAN TCI (-1 = untagged), IP version (4, 6, 0 = non-IP), protocol, ports, ethertype
(for non-IP) and the addresses as 16 bytes (IPv4 in the first 4, network order).
`frames_from_flows(flows)` turns such an array into the 2-D frame batch the hash and LAG batch
functions take, plus the length of each frame.
"""
import ipaddress

import numpy as np

from ._fwd.net import FLOW_RECORD_SIZE, FrameBuilder, Ipv4, Ipv6, Mac, Vlan, summary  # noqa: F401
from ._fwd.net import _frames_from_flows

FLOW_DTYPE = np.dtype(
    [("src_mac", "<u8"), ("dst_mac", "<u8"), ("vlan", "<i4"), ("ip_version", "u1"), ("ip_proto", "u1"),
     ("src_port", "<u2"), ("dst_port", "<u2"), ("ethertype", "<u2"), ("src_ip", "u1", (16,)),
     ("dst_ip", "u1", (16,))],
    align=True)
assert FLOW_DTYPE.itemsize == FLOW_RECORD_SIZE, "FLOW_DTYPE out of step with fwd::net::FlowRecord"


def frames_from_flows(flows):
    """Frames for an array of FLOW_DTYPE records -> (frames uint8[n, width], lengths uint32[n])."""
    flows = np.asarray(flows)
    if flows.dtype.names and "eth_type" in flows.dtype.names:  # the field's old name, accepted for one release
        flows = flows.view(np.dtype({"names": [("ethertype" if n == "eth_type" else n) for n in flows.dtype.names],
                                     "formats": [flows.dtype.fields[n][0] for n in flows.dtype.names],
                                     "offsets": [flows.dtype.fields[n][1] for n in flows.dtype.names],
                                     "itemsize": flows.dtype.itemsize, "aligned": True}))
    if flows.dtype != FLOW_DTYPE:
        raise TypeError(f"flows must have dtype fwd.net.FLOW_DTYPE, got {flows.dtype}")
    return _frames_from_flows(np.ascontiguousarray(flows))


def ip_bytes(address):
    """16 bytes for the FLOW_DTYPE address fields (IPv4 in the first 4 bytes)."""
    a = ipaddress.ip_address(address)
    return np.frombuffer(a.packed.ljust(16, b"\0"), dtype=np.uint8)


def frame(*, src_mac="02:00:00:00:00:01", dst_mac="02:00:00:00:00:02", vlan=None, src_ip=None, dst_ip=None,
          proto="tcp", src_port=1024, dst_port=80, ethertype=None, payload=b"", eth_type=None):
    """One frame from keyword fields (a shortcut for FrameBuilder).

    proto: 'tcp', 'udp', 'icmp' (echo request, id = src_port) or an IP protocol number (6, 17, 1
    and 58 build those headers; other numbers give a bare IP header with that protocol).
    Without src_ip/dst_ip the frame is non-IP with `ethertype` (default 0x88b5, local experimental;
    `eth_type` is its old spelling, accepted for one release).
    """
    if eth_type is not None:
        if ethertype is not None:
            raise TypeError("give ethertype= (eth_type is its old spelling), not both")
        ethertype = eth_type
    if not isinstance(proto, str):
        proto = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}.get(int(proto), int(proto))
    b = FrameBuilder().eth(dst_mac, src_mac)
    if vlan is not None:
        b.vlan(int(vlan))
    if src_ip is None and dst_ip is None:
        b.ethertype(0x88B5 if ethertype is None else ethertype)
        return b.payload(payload).build()
    v6 = ":" in str(src_ip or dst_ip)
    if v6:
        b.ipv6(src_ip or "::", dst_ip or "::")
    else:
        b.ipv4(src_ip or "0.0.0.0", dst_ip or "0.0.0.0", protocol=None if isinstance(proto, str) else proto)
    if proto == "tcp":
        b.tcp(src_port, dst_port)
    elif proto == "udp":
        b.udp(src_port, dst_port)
    elif proto == "icmp":
        b.icmp(128 if v6 else 8, 0, src_port, 1)
    elif isinstance(proto, str):
        raise ValueError(f"unknown proto {proto!r}: expected 'tcp', 'udp', 'icmp' or a protocol number")
    return b.payload(payload).build()


__all__ = ["Mac", "Ipv4", "Ipv6", "Vlan", "FrameBuilder", "FLOW_DTYPE", "frames_from_flows", "frame", "ip_bytes",
           "summary"]
