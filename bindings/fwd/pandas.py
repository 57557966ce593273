"""pandas helpers: put member choices next to your flow table.

    >>> import pandas as pd, fwd.pandas
    >>> df = pd.DataFrame({"src_ip": ["10.0.0.1", "10.0.0.2"], "dst_ip": "10.0.1.1",
    ...                    "ip_proto": 6, "src_port": [1234, 1235], "dst_port": 80})
    >>> df["member"] = fwd.pandas.assign_members(df, policy="linux-6.12:layer3+4", members=["eth0", "eth1"])

A DataFrame describes flows with columns named as in `fwd.net.FLOW_DTYPE` (src_mac, dst_mac, vlan,
src_ip, dst_ip, ip_proto, src_port, dst_port, eth_type; missing columns take defaults: MACs
02:00:00:00:00:01/02, untagged, TCP, ports 0), or holds whole frames in a `frame` column (bytes).
"""
import ipaddress

import numpy as np
import pandas as pd

from . import net
from ._fwd.hash import Policy

_DEFAULTS = {"src_mac": 0x020000000001, "dst_mac": 0x020000000002, "vlan": -1, "ip_proto": 6, "src_port": 0,
             "dst_port": 0, "eth_type": 0x88B5}


def _mac(v):
    if isinstance(v, str):
        return int(net.Mac(v))
    return int(v)


def flows_from_dataframe(df):
    """A FLOW_DTYPE array from a DataFrame's flow columns (ValueError names a bad cell)."""
    n = len(df)
    flows = np.zeros(n, dtype=net.FLOW_DTYPE)
    for col, default in _DEFAULTS.items():
        if col not in df:
            flows[col] = default
        elif col in ("src_mac", "dst_mac"):
            flows[col] = [_mac(v) for v in df[col]]
        else:
            flows[col] = df[col].fillna(default).to_numpy()
    if "src_ip" in df or "dst_ip" in df:
        for col in ("src_ip", "dst_ip"):
            values = df[col] if col in df else ["0.0.0.0"] * n
            for i, v in enumerate(values):
                try:
                    a = ipaddress.ip_address(v)
                except ValueError:
                    raise ValueError(f"row {i}: {col} {v!r} is not an IPv4 or IPv6 address") from None
                flows[col][i] = np.frombuffer(a.packed.ljust(16, b"\0"), dtype=np.uint8)
                flows["ip_version"][i] = a.version
    return flows


def assign_members(df, policy, members, **meta):
    """Member of every row under `policy` (a spec string or fwd.hash.Policy) -> pandas Series.

    `members` is a count (the Series holds indices) or a list of names (the Series holds names).
    Batch path: one call into C++ for the whole frame, bit-identical to Policy.index per frame.
    Keyword metadata (vlan_tci=..., output_vlan=...) applies to every row and uses the scalar path.
    """
    p = policy if isinstance(policy, Policy) else Policy(policy)
    names = None
    if not isinstance(members, (int, np.integer)):
        names = list(members)
        members = len(names)
    if members < 1:
        raise ValueError(f"members must be at least 1, got {members}")
    if "frame" in df:
        rows = [bytes(f) for f in df["frame"]]
        width = max((len(f) for f in rows), default=0)
        frames = np.zeros((len(rows), max(width, 1)), dtype=np.uint8)
        for i, f in enumerate(rows):
            frames[i, :len(f)] = np.frombuffer(f, dtype=np.uint8)
        lengths = np.array([len(f) for f in rows], dtype=np.uint32)
    else:
        frames, lengths = net.frames_from_flows(flows_from_dataframe(df))
    if meta:
        idx = np.array([p.index(frames[i, :lengths[i]].tobytes(), members, **meta) for i in range(len(frames))],
                       dtype=np.uint16)
    else:
        idx = p.index_batch(frames, members, lengths)
    if names is not None:
        return pd.Series(np.array(names, dtype=object)[idx], index=df.index, name="member")
    return pd.Series(idx, index=df.index, name="member")


_PATH_COLUMNS = ("src_mac", "dst_mac", "vlan", "src_ip", "dst_ip", "ip_proto", "src_port", "dst_port", "eth_type",
                 "frame")
_PROTO_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58, "sctp": 132, "gre": 47, "esp": 50}


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
        if "ip_proto" in sub:
            def proto(v, i):
                if isinstance(v, str):
                    key = v.strip().lower()
                    if key in _PROTO_NAMES:
                        return _PROTO_NAMES[key]
                    if key.isdigit() and int(key) < 256:
                        return int(key)
                    raise ValueError(f"row {i}: ip_proto {v!r} is not a protocol name "
                                     f"({', '.join(_PROTO_NAMES)}) or number 0..255")
                if v is None or (isinstance(v, float) and np.isnan(v)):
                    return 6
                if not 0 <= int(v) < 256:
                    raise ValueError(f"row {i}: ip_proto {v!r} out of range 0..255")
                return int(v)
            sub["ip_proto"] = [proto(v, i) for i, v in enumerate(sub["ip_proto"])]
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


__all__ = ["assign_members", "assign_path", "flows_from_dataframe"]
