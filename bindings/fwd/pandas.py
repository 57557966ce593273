"""pandas helpers: put member choices next to your flow table.

    >>> import pandas as pd, fwd.pandas
    >>> df = pd.DataFrame({"src_ip": ["10.0.0.1", "10.0.0.2"], "dst_ip": "10.0.1.1",
    ...                    "ip_proto": 6, "src_port": [1234, 1235], "dst_port": 80})
    >>> df["member"] = fwd.pandas.assign_members(df, policy="linux-6.12:layer3+4", members=["eth0", "eth1"])

A DataFrame describes flows with columns named as in `fwd.net.FLOW_DTYPE` (src_mac, dst_mac, vlan,
src_ip, dst_ip, ip_proto, src_port, dst_port, ethertype (old name eth_type accepted); missing columns take defaults: MACs
02:00:00:00:00:01/02, untagged, TCP, ports 0), or holds whole frames in a `frame` column (bytes).
"""
import ipaddress

import numpy as np
import pandas as pd

from . import net
from ._fwd.hash import Policy

_DEFAULTS = {"src_mac": 0x020000000001, "dst_mac": 0x020000000002, "vlan": -1, "ip_proto": 6, "src_port": 0,
             "dst_port": 0, "ethertype": 0x88B5}


def _mac(v):
    if isinstance(v, str):
        return int(net.Mac(v))
    return int(v)


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


__all__ = ["assign_members", "flows_from_dataframe"]
