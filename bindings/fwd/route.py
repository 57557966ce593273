"""ECMP next-hop selection of real systems: which next hop (and so which node) a flow takes.

    >>> import fwd.route as r
    >>> ps = r.PathSet([r.NextHop("10.1.0.2", "eth1"), r.NextHop("10.2.0.2", "eth2", weight=2)])
    >>> e = r.Ecmp("linux-6.18:policy=1;seed=0x1234abcd", ps)
    >>> e.select(packet_bytes)                             # raw IPv4/IPv6 packet -> next-hop index
    >>> e.select_flow("10.0.0.1", "198.18.0.5", proto=6, sport=40000, dport=443)
    >>> print(e.explain_flow("10.0.0.1", "198.18.0.5", 6, 40000, 443))
    >>> flows = r.make_flows(["10.0.0.1"] * 3, ["198.18.0.5"] * 3, proto=6, sport=[1, 2, 3], dport=443)
    >>> e.select_batch(flows)                              # numpy int32, GIL released
    >>> e.set_dead(1)                                      # bounds recomputed, as the kernel does

ECMP spec strings
=================

``system[:key=value[;key=value...]]``; numbers are decimal or 0x hex; unknown systems, options or
values raise ValueError naming the bad token and the accepted values. ``Ecmp.spec`` is canonical.

``linux-6.18`` / ``linux-6.12``: Linux IPv4/IPv6 multipath (shared/specs/linux-ecmp.md), the
sysctls as options: ``policy=0..3`` (fib_multipath_hash_policy, default 0), ``fields=0x1..0xfff``
(fib_multipath_hash_fields, policy 3, default 0x7), ``seed=N`` (fib_multipath_hash_seed, 0 = the
boot-random seed), ``boot_seed=N`` (the value that kernel drew at boot; default 0),
``ignore_routes_with_linkdown=0|1``, ``use_neigh=0|1`` (fib_multipath_use_neigh). 6.12 differs only
by lacking the source-address preference of locally originated IPv4 lookups (spec §5.1, §8).

``freebsd-13`` (alias ``freebsd``): ROUTE_MPATH, ``nhops[flowid % nhg_size]`` over the
weight-compiled slot array (from FreeBSD source knowledge, not recorded). The flowid is the
receive hash when given (rx_hash), else the Toeplitz RSS hash of the tuple with ``key=microsoft``
(default), ``symmetric`` or hex bytes.

``vendor``: the vendor hash model (fwd.hash ``vendor:``) with ``fields=``, ``function=``,
``seed=`` (per-device seed), ``rotate=``; next hop = hash % live paths expanded by weight. A model,
NOT bit-exact to any device.

Lookups (``lookup=``): ``forward`` (a forwarded packet, or ``ip route get ... iif``), ``local``
(``ip route get`` without iif), ``socket`` (locally generated socket traffic: the flow path),
``packet`` (a forwarded packet described by its flow: the packet is built and dissected).
``rx_hash`` is the receive hash a packet carries (Linux skb->hash, FreeBSD flowid);
``rx_hash_l4`` says it covers L4 ports (skb->l4_hash; only then does policy 1 use it).
"""
import numpy as np

from ._fwd.route import Ecmp, Explanation, NextHop, PathSet, FLOW_SIZE

__all__ = ["Ecmp", "Explanation", "NextHop", "PathSet", "FLOW_DTYPE", "make_flows", "flows_from_net",
           "path_set_from_json"]

#: numpy dtype of a flow record (fwd::route::Flow, 48 bytes): addresses as 16 network-order bytes
#: (IPv4 in the first 4), flowlabel, ports in host order, family 4/6, proto, flags (1 = source
#: given, 2 = proto given).
FLOW_DTYPE = np.dtype([("src", "u1", (16,)), ("dst", "u1", (16,)), ("flowlabel", "<u4"), ("sport", "<u2"),
                       ("dport", "<u2"), ("family", "u1"), ("proto", "u1"), ("flags", "u1"),
                       ("reserved", "u1", (5,))])
assert FLOW_DTYPE.itemsize == FLOW_SIZE


def _addr_bytes(a):
    import ipaddress
    ip = ipaddress.ip_address(a) if not isinstance(a, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else a
    b = ip.packed
    return b + bytes(16 - len(b)), ip.version


def make_flows(src, dst, proto=None, sport=0, dport=0, flowlabel=0):
    """A FLOW_DTYPE array from sequences (or scalars, broadcast) of addresses (text or ipaddress),
    protocols (None = not given: IPv4 uses UDP, IPv6 0), ports and flow labels. src None = not given.
    Raises ValueError on a bad address or a row mixing families."""
    src = [src] if isinstance(src, (str, type(None))) else list(src)
    dst = [dst] if isinstance(dst, str) else list(dst)
    n = max(len(src), len(dst))
    for name, col in (("proto", proto), ("sport", sport), ("dport", dport), ("flowlabel", flowlabel)):
        if not np.isscalar(col) and col is not None and len(col) not in (1, n):
            raise ValueError(f"{name} has {len(col)} values: expected 1 or {n}")

    def at(col, i):
        if col is None or np.isscalar(col):
            return col
        return col[i if len(col) > 1 else 0]

    out = np.zeros(n, dtype=FLOW_DTYPE)
    for i in range(n):
        d, fam = _addr_bytes(dst[i if len(dst) > 1 else 0])
        s_txt = src[i if len(src) > 1 else 0]
        flags = 0
        if s_txt is not None:
            s, sfam = _addr_bytes(s_txt)
            if sfam != fam:
                raise ValueError(f"flow {i}: {s_txt} -> {dst[i if len(dst) > 1 else 0]} mixes IPv4 and IPv6")
            out["src"][i] = np.frombuffer(s, dtype=np.uint8)
            flags |= 1
        out["dst"][i] = np.frombuffer(d, dtype=np.uint8)
        p = at(proto, i)
        if p is not None:
            if not 0 <= int(p) <= 255:
                raise ValueError(f"flow {i}: proto {p}: expected 0 to 255")
            out["proto"][i] = int(p)
            flags |= 2
        for name, col, top in (("sport", sport, 65535), ("dport", dport, 65535), ("flowlabel", flowlabel, 0xfffff)):
            v = int(at(col, i) or 0)
            if not 0 <= v <= top:
                raise ValueError(f"flow {i}: {name} {v}: expected 0 to {top}")
            out[name][i] = v
        out["family"][i] = fam
        out["flags"][i] = flags
    return out


def flows_from_net(records, flowlabel=None):
    """FLOW_DTYPE rows from an array of fwd.net.FLOW_DTYPE records (vectorised: src_ip, dst_ip,
    ip_version, ip_proto, src_port, dst_port; source and protocol count as given). Non-IP rows
    (ip_version 0) raise ValueError naming the first one. flowlabel: optional per-row IPv6 labels."""
    from .net import FLOW_DTYPE as NET_FLOW_DTYPE
    records = np.asarray(records)
    if records.dtype != NET_FLOW_DTYPE:
        raise ValueError(f"records must have dtype fwd.net.FLOW_DTYPE, got {records.dtype}")
    bad = np.nonzero((records["ip_version"] != 4) & (records["ip_version"] != 6))[0]
    if len(bad):
        raise ValueError(f"record {int(bad[0])} is not IPv4/IPv6 (ip_version {int(records['ip_version'][bad[0]])})")
    out = np.zeros(len(records), dtype=FLOW_DTYPE)
    out["src"] = records["src_ip"]
    out["dst"] = records["dst_ip"]
    out["sport"] = records["src_port"]
    out["dport"] = records["dst_port"]
    out["family"] = records["ip_version"]
    out["proto"] = records["ip_proto"]
    out["flags"] = 3
    if flowlabel is not None:
        fl = np.asarray(flowlabel, dtype=np.int64)
        if fl.shape not in ((), (len(records),)) or (fl < 0).any() or (fl > 0xfffff).any():
            raise ValueError("flowlabel: expected one 20-bit value (0 to 1048575) or one per record")
        out["flowlabel"] = fl
    return out


def path_set_from_json(route, family):
    """A PathSet from the ``route`` object of an ECMP vector line (tests/data/ecmp/README.md):
    multipath ``nexthops`` / group ``members`` with gw, dev, weight, prefsrc, id, flags, dead."""
    kind = route.get("kind", "multipath")
    items = route.get("nexthops") if kind == "multipath" else route.get("members")
    if not isinstance(items, list) or not items:
        raise ValueError(f"route of kind {kind!r} has no next hops")
    nhs = []
    for it in items:
        flags = it.get("flags") or []
        nhs.append(NextHop(gateway=it.get("gw") or "", device=it.get("dev") or "", weight=int(it.get("weight", 1)),
                           prefsrc=it.get("prefsrc"), id=int(it.get("id", 0)),
                           dead="dead" in flags, linkdown="linkdown" in flags))
    kw = {}
    if kind == "resilient":
        kw["num_buckets"] = int(route["num_buckets"])
        kw["idle_timer"] = float(route.get("idle_timer", 0))
        kw["unbalanced_timer"] = float(route.get("unbalanced_timer", 0))
        if route.get("buckets"):
            kw["buckets"] = [int(b) for b in route["buckets"]]
    return PathSet(nhs, kind=kind, family=int(family), **kw)
