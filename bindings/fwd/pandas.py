"""pandas helpers: put member choices next to your flow table.

    >>> import pandas as pd, fwd.pandas
    >>> df = pd.DataFrame({"src_ip": ["10.0.0.1", "10.0.0.2"], "dst_ip": "10.0.1.1",
    ...                    "ip_proto": 6, "src_port": [1234, 1235], "dst_port": 80})
    >>> df["member"] = fwd.pandas.assign_members(df, policy="linux-6.12:layer3+4", members=["eth0", "eth1"])

A DataFrame describes flows with columns named as in `fwd.net.FLOW_DTYPE` (src_mac, dst_mac, vlan,
src_ip, dst_ip, ip_proto, src_port, dst_port, ethertype (old name eth_type accepted); missing columns take defaults: MACs
02:00:00:00:00:01/02, untagged, TCP, ports 0), or holds whole frames in a `frame` column (bytes).
A flow table from a capture (`fwd.flows.read_flows(path).to_dataframe()`) is such a DataFrame.
"""
import ipaddress

import numpy as np
import pandas as pd

from . import net
from ._fwd.hash import Policy

_DEFAULTS = {"src_mac": 0x020000000001, "dst_mac": 0x020000000002, "vlan": -1, "ip_proto": 6, "src_port": 0,
             "dst_port": 0, "ethertype": 0x88B5}
_RANGES = {"vlan": (-1, 0xFFFF), "ip_proto": (0, 255), "src_port": (0, 0xFFFF), "dst_port": (0, 0xFFFF),
           "ethertype": (0, 0xFFFF)}
#: Columns assign_members reads, and the other columns of a fwd.flows table (read, not used).
FLOW_COLUMNS = ("src_mac", "dst_mac", "vlan", "src_ip", "dst_ip", "ip_proto", "src_port", "dst_port", "ethertype",
                "frame")
_INFO_COLUMNS = ("ip_version", "flow_label", "packets", "bytes", "first_ns", "last_ns")

#: IP protocol names accepted in an ip_proto column (IANA keywords as in /etc/protocols, plus
#: common spellings), case-insensitive.
PROTOCOLS = {"hopopt": 0, "icmp": 1, "igmp": 2, "ipip": 4, "ipencap": 4, "ipv4": 4, "tcp": 6, "egp": 8, "igp": 9,
             "udp": 17, "ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51,
             "ipv6-icmp": 58, "icmpv6": 58, "icmp6": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "eigrp": 88, "ospf": 89,
             "ospfigp": 89, "pim": 103, "vrrp": 112, "carp": 112, "l2tp": 115, "sctp": 132, "udplite": 136,
             "udp-lite": 136, "mpls-in-ip": 137, "ethernet": 143}


def _mac(v):
    if isinstance(v, str):
        return int(net.Mac(v))
    return int(v)


def _proto(v, row):
    if isinstance(v, str):
        key = v.strip().lower()
        if key in PROTOCOLS:
            return PROTOCOLS[key]
        if key.isdigit():
            return int(key)
        raise ValueError(f"row {row}: ip_proto {v!r} is not a protocol name or number: expected a number 0-255 or "
                         f"one of {', '.join(sorted(set(PROTOCOLS)))}")
    return v


def _int_column(df, col, default):
    """One integer column, NaN -> default, range-checked (never wrapped into the field)."""
    values = df[col]
    if col == "ip_proto":
        values = [_proto(v, i) for i, v in enumerate(values)]
    out = np.empty(len(df), dtype=np.int64)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = default
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, float, np.floating)) or \
                (isinstance(v, (float, np.floating)) and not float(v).is_integer()):
            raise ValueError(f"row {i}: {col} {v!r} is not an integer")
        out[i] = int(v)
    lo, hi = _RANGES[col]
    bad = np.flatnonzero((out < lo) | (out > hi))
    if len(bad):
        raise ValueError(f"row {int(bad[0])}: {col} {int(out[bad[0]])} is out of range ({lo}..{hi})")
    return out


def flows_from_dataframe(df):
    """A FLOW_DTYPE array from a DataFrame's flow columns (ValueError names a bad cell)."""
    n = len(df)
    if "eth_type" in df and "ethertype" not in df:  # the old column name, accepted for one release
        df = df.rename(columns={"eth_type": "ethertype"})
    flows = np.zeros(n, dtype=net.FLOW_DTYPE)
    for col, default in _DEFAULTS.items():
        if col not in df:
            flows[col] = default
        elif col in ("src_mac", "dst_mac"):
            try:
                flows[col] = [_mac(v) for v in df[col]]
            except (ValueError, TypeError, OverflowError) as exc:
                raise ValueError(f"column {col}: {exc}") from None
        else:
            flows[col] = _int_column(df, col, default)
    if "src_ip" in df or "dst_ip" in df:
        versions = {}
        for col in ("src_ip", "dst_ip"):
            values = df[col] if col in df else [None] * n
            for i, v in enumerate(values):
                if col not in df:
                    a = ipaddress.ip_address("0.0.0.0" if versions.get(i, 4) == 4 else "::")
                else:
                    try:
                        a = ipaddress.ip_address(v)
                    except ValueError:
                        raise ValueError(f"row {i}: {col} {v!r} is not an IPv4 or IPv6 address") from None
                if versions.setdefault(i, a.version) != a.version:
                    raise ValueError(f"row {i}: src_ip and dst_ip are of different IP versions")
                flows[col][i] = np.frombuffer(a.packed.ljust(16, b"\0"), dtype=np.uint8)
                flows["ip_version"][i] = a.version
    return flows


def _check_columns(df, ignore):
    if ignore is True:
        return
    ignored = set(ignore or ())
    unknown = [c for c in df.columns if c not in FLOW_COLUMNS and c not in _INFO_COLUMNS and c not in ignored]
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(repr(c) for c in unknown)}: flow columns are "
                         f"{', '.join(FLOW_COLUMNS)} (and {', '.join(_INFO_COLUMNS)} of a fwd.flows table); "
                         "rename them, or pass ignore=[...] (or ignore=True) for columns that are not flow fields")


def _members(members):
    if isinstance(members, (bool, np.bool_)):
        raise ValueError(f"members must be a count or a list of names, got {members!r}")
    if isinstance(members, (int, np.integer)):
        if not 1 <= int(members) <= 65535:
            raise ValueError(f"members must be at least 1 and at most 65535, got {members}")
        return None, int(members)
    if isinstance(members, str):
        members = [m.strip() for m in members.split(",") if m.strip()]
    try:
        names = [str(m) for m in members]
    except TypeError:
        raise ValueError(f"members must be a count or a list of names, got {members!r}") from None
    if not names:
        raise ValueError("members: at least one member is needed")
    if len(set(names)) != len(names):
        raise ValueError(f"members: duplicate names in {names}")
    return names, len(names)


def _frames(df):
    if "frame" in df:
        rows = [bytes(f) for f in df["frame"]]
        width = max((len(f) for f in rows), default=0)
        frames = np.zeros((len(rows), max(width, 1)), dtype=np.uint8)
        for i, f in enumerate(rows):
            frames[i, :len(f)] = np.frombuffer(f, dtype=np.uint8)
        return frames, np.array([len(f) for f in rows], dtype=np.uint32)
    return net.frames_from_flows(flows_from_dataframe(df))


def _lag(policy, names, count, down):
    """A Lag for `policy` if it is a LAG (or a LAG spec), else None."""
    from .lag import Lag

    if isinstance(policy, Lag):
        lag = policy.copy()
        if names is not None and list(names) != list(lag.members):
            raise ValueError(f"members {names} differ from the LAG's {list(lag.members)}")
    else:
        try:
            lag = Lag(policy, names if names is not None else [f"m{i}" for i in range(count)])
        except ValueError:
            return None
    for name in down:
        lag.set_link(name, False)
    return lag


def assign_members(df, policy, members=None, *, down=(), ignore=None, **meta):
    """Member of every row (flow) -> pandas Series named "member".

    `policy`: a LAG spec (``ovs-3.1:balance-tcp``, ``linux-6.12:802.3ad;xmit_hash_policy=layer3+4``;
    see fwd.lag), a fwd.lag.Lag (copied: its member state is used, not changed), a hash Policy spec
    (``linux-6.12:layer3+4``; see fwd.hash) or a fwd.hash.Policy. A string that reads as a LAG spec
    is a LAG (so ``ovs:balance-tcp`` maps OVS buckets to members as the bond does); a hash policy
    maps hash -> member itself (h % n and the like).
    `members`: a count (the Series holds indices), a list of names or "a,b,c" (it holds names);
    optional for a Lag object. `down`: names of members whose link is down (LAG only).
    Rows whose frame the LAG drops get -1 (or None with names); broadcast rows get -2 (or "*").
    `ignore`: columns that are not flow fields (True: ignore every unknown column); any other
    unknown column raises ValueError, as do bad cells (named by row and column). `ip_proto` takes
    numbers or names (tcp, udp, icmp, ipv6-icmp, sctp...; see PROTOCOLS).
    Batch path: one call into C++; keyword metadata (vlan_tci=..., output_vlan=...) applies to every
    row and uses the scalar path of a hash policy.
    """
    from .lag import BATCH_BROADCAST, BATCH_DROPPED, Lag

    _check_columns(df, ignore)
    if members is None:
        if not isinstance(policy, Lag):
            raise ValueError("members is required (a count or a list of names) unless policy is a fwd.lag.Lag")
        names, count = list(policy.members), len(policy.members)
    else:
        names, count = _members(members)
    down = [down] if isinstance(down, str) else list(down)
    lag = None
    if not isinstance(policy, Policy):
        if not isinstance(policy, (str, Lag)):
            raise ValueError(f"policy must be a LAG or hash spec string, a fwd.lag.Lag or a fwd.hash.Policy, "
                             f"got {type(policy).__name__}")
        lag = _lag(policy, names, count, down)
    frames, lengths = _frames(df)
    if lag is not None:
        if meta:
            raise ValueError(f"metadata {sorted(meta)} applies to hash policies only, not to the LAG {lag.spec!r}")
        codes = lag.select_batch(frames, lengths).astype(np.int64)
        if names is None:
            return pd.Series(codes, index=df.index, name="member")
        labels = np.array(list(lag.members) + [None, "*"], dtype=object)
        pick = np.where(codes == BATCH_DROPPED, len(lag.members), np.where(codes == BATCH_BROADCAST,
                                                                            len(lag.members) + 1, codes))
        return pd.Series(labels[pick], index=df.index, name="member")
    if down:
        raise ValueError("down= needs member state: give a LAG spec (e.g. 'linux-6.12:802.3ad;"
                         "xmit_hash_policy=layer3+4'), not a hash policy")
    try:
        p = policy if isinstance(policy, Policy) else Policy(policy)
    except ValueError as exc:
        raise ValueError(f"policy {policy!r} is neither a LAG spec (pydoc fwd.lag) nor a hash policy spec "
                         f"(pydoc fwd.hash): {exc}") from None
    if meta:
        idx = np.array([p.index(frames[i, :lengths[i]].tobytes(), count, **meta) for i in range(len(frames))],
                       dtype=np.int64)
    else:
        idx = np.asarray(p.index_batch(frames, count, lengths), dtype=np.int64)
    if len(idx) and int(idx.max()) >= count:
        raise ValueError(f"hash policy {p.spec!r} gives indices up to {int(idx.max())} (buckets, not members) for "
                         f"{count} members: give the LAG spec (e.g. 'ovs-3.1:balance-tcp') so buckets map to "
                         "members as the system does")
    if names is not None:
        return pd.Series(np.array(names, dtype=object)[idx], index=df.index, name="member")
    return pd.Series(idx, index=df.index, name="member")


_PATH_COLUMNS = ("src_mac", "dst_mac", "vlan", "src_ip", "dst_ip", "ip_proto", "src_port", "dst_port", "eth_type",
                 "frame")


def assign_path(df, fabric, ingress, *, columns=None, max_hops=16, rx_hash=None):
    """The path of every row through a fwd.path fabric -> pandas DataFrame aligned with df's index:
    `path` (one line: 't1 10.1.2.2 t1-b -> t2b ... -> s:s-b3'), `hops` (list of [node, gateway,
    device] / [switch, port]), `end_node`, `end_port`, `drop` (reason or None), and one column per
    hop's node (hop1, hop2, ...).

    fabric: a fwd.path.Fabric or a topology file (YAML/JSON). ingress: 'node:port' where the flows
    enter (their frames are addressed to that port's MAC unless df has dst_mac) or 'node' where
    they originate. Rows describe flows with the columns of assign_members (src_ip, dst_ip, ip_proto
    as a number or a name such as 'tcp', 'udp', 'icmp', src_port, dst_port, ...) or hold frames in
    `frame`. `columns` selects the flow columns to use (default: every known one present); a
    requested column the DataFrame lacks, or one that is not a flow field, raises ValueError.
    """
    from . import path as _path
    if isinstance(fabric, (str, bytes)) or hasattr(fabric, "__fspath__"):
        fabric, _settings = _path.load(fabric)
    if not isinstance(fabric, _path.Fabric):
        raise TypeError(f"fabric must be a fwd.path.Fabric or a topology file, got {type(fabric).__name__}")
    if columns is not None:
        unknown = [c for c in columns if c not in _PATH_COLUMNS]
        if unknown:
            raise ValueError(f"unknown flow column(s) {', '.join(map(str, unknown))} "
                             f"(known: {', '.join(_PATH_COLUMNS)})")
        missing = [c for c in columns if c not in df]
        if missing:
            raise ValueError(f"column(s) {', '.join(map(str, missing))} not in the DataFrame "
                             f"(it has: {', '.join(map(str, df.columns))})")
        use = list(columns)
    else:
        use = [c for c in _PATH_COLUMNS if c in df]
    if not use:
        raise ValueError(f"no flow columns in the DataFrame (expected some of: {', '.join(_PATH_COLUMNS)})")
    if "frame" in use:
        rows = [bytes(f) for f in df["frame"]]
        width = max((len(f) for f in rows), default=0)
        frames = np.zeros((len(rows), max(width, 1)), dtype=np.uint8)
        for i, f in enumerate(rows):
            frames[i, :len(f)] = np.frombuffer(f, dtype=np.uint8)
        lengths = np.array([len(f) for f in rows], dtype=np.uint32)
    else:
        sub = df[use].copy()
        if "dst_mac" not in sub:
            sub["dst_mac"] = int(net.Mac(fabric.port_mac(ingress))) if ":" in str(ingress) else _DEFAULTS["dst_mac"]
        try:
            frames, lengths = net.frames_from_flows(flows_from_dataframe(sub))
        except (TypeError, OverflowError) as e:
            raise ValueError(f"flow columns: {e}") from None
    paths = _path.trace(fabric, frames, lengths, ingress=ingress, max_hops=max_hops, rx_hash=rx_hash)
    hops = [paths.hops(i) for i in range(len(paths))]
    out = pd.DataFrame(index=df.index)
    out["path"] = [paths.describe(i) for i in range(len(paths))]
    out["hops"] = [h[:-1] for h in hops]
    out["end_node"] = [None if h[-1][0] == "dropped" else h[-1][0] for h in hops]
    out["end_port"] = [None if h[-1][0] == "dropped" else h[-1][1] for h in hops]
    out["drop"] = [h[-1][1] if h[-1][0] == "dropped" else None for h in hops]
    width = max((len(h) - 1 for h in hops), default=0)
    for k in range(width):
        out[f"hop{k + 1}"] = [h[k][0] if k < len(h) - 1 else None for h in hops]
    return out


__all__ = ["assign_members", "assign_path", "flows_from_dataframe", "PROTOCOLS", "FLOW_COLUMNS"]
