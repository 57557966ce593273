"""Unidirectional flow tables from captures (pcap, nanosecond pcap, pcapng; Ethernet, Linux cooked
SLL and SLL2, raw IP).

    >>> import fwd.flows
    >>> table = fwd.flows.read_flows("trace.pcapng")
    >>> table.flows            # numpy structured array, dtype FLOW_TABLE_DTYPE, one row per flow
    >>> table.stats            # records, flows, skipped frames by reason, truncated records...
    >>> df = table.to_dataframe()   # or fwd.flows.read_flows_dataframe(path)
    >>> df["member"] = fwd.pandas.assign_members(df, "linux-6.12:layer3+4", ["eth0", "eth1"])

A flow is every frame with the same Ethernet source and destination MAC, outer VLAN TCI (-1 =
untagged), IP version, addresses, IP protocol (after IPv6 extension headers) and ports. Per flow:
`packets`, `bytes` (sum of the records' original, on-the-wire lengths), `first_ns`/`last_ns`
(int64 nanoseconds since 1970) and the IPv6 `flow_label` of its first packet. Conventions: later
fragments have ports 0; ICMP/ICMPv6 echo flows have src_port = identifier; Linux cooked captures
carry only the sender's MAC (dst_mac 0); raw IP captures have MACs 0.

The first fields of FLOW_TABLE_DTYPE are those of fwd.net.FLOW_DTYPE, so
`fwd.net.frames_from_flows(as_flow_records(table.flows))` gives one frame per flow that every hash
reads as the flow's frames.

Frames that belong to no flow are counted under a reason in `stats["skipped"]`
(unknown_linktype, truncated_link, arp, not_ip, truncated_ip, bad_ip, truncated_transport), so
`stats["records"] == stats["in_flows"] + sum(stats["skipped"].values())`; a last record cut short
by the end of the file is `stats["truncated_records"]`. The file is streamed in chunks (1 MiB by
default): memory grows with the number of distinct flows, not with the capture; more than
`max_flows` (default 10 M) flows raises ValueError. A missing file raises FileError (OSError), a
file that is not a capture or a corrupt record raises ValueError naming the record and byte offset.
"""
import ipaddress
import os

import numpy as np

from . import net
from ._fwd.io import FLOW_ROW_SIZE, _flows_of_frames, _read_flows

_KEY = net.FLOW_DTYPE
FLOW_TABLE_DTYPE = np.dtype({
    "names": list(_KEY.names) + ["packets", "bytes", "first_ns", "last_ns", "flow_label"],
    "formats": [_KEY.fields[n][0] for n in _KEY.names] + ["<u8", "<u8", "<i8", "<i8", "<u4"],
    "offsets": [_KEY.fields[n][1] for n in _KEY.names] + [64, 72, 80, 88, 96],
    "itemsize": 128,
})
assert FLOW_TABLE_DTYPE.itemsize == FLOW_ROW_SIZE, "FLOW_TABLE_DTYPE out of step with fwd::io::Flow"

SKIP_REASONS = ("unknown_linktype", "truncated_link", "arp", "not_ip", "truncated_ip", "bad_ip", "truncated_transport")

#: Columns of to_dataframe(), in order.
COLUMNS = ("src_mac", "dst_mac", "vlan", "ip_version", "src_ip", "dst_ip", "ip_proto", "src_port", "dst_port",
           "flow_label", "packets", "bytes", "first_ns", "last_ns")


class FlowTable:
    """A flow table: `flows` (FLOW_TABLE_DTYPE rows), `stats` (dict), and `frame_flow` (flow index
    of every record, -1 for a skipped one) when asked for."""

    def __init__(self, rows, stats, frame_flow=None):
        self.flows = np.asarray(rows).view(FLOW_TABLE_DTYPE)
        self.stats = stats
        self.frame_flow = frame_flow

    def __len__(self):
        return len(self.flows)

    def to_dataframe(self):
        """The flows as a pandas DataFrame (see the module function to_dataframe)."""
        return to_dataframe(self.flows)

    def records(self):
        """One dict per flow with the columns of to_dataframe() (addresses and MACs as text)."""
        return [dict(zip(COLUMNS, row)) for row in _text_columns(self.flows)]

    def __repr__(self):
        s = self.stats
        return f"FlowTable({s['flows']} flows from {s['records']} records, {s['records'] - s['in_flows']} skipped)"


def _check_limit(max_flows):
    if max_flows is None:
        return 0
    n = int(max_flows)
    if n < 1:
        raise ValueError(f"max_flows={max_flows}: expected a positive number of flows")
    return n


def read_flows(path, *, max_flows=None, chunk_bytes=None, frame_index=False):
    """The flow table of a capture file -> FlowTable. frame_index=True also fills .frame_flow (the
    flow of every record: 8 bytes per record, so memory then grows with the capture)."""
    if chunk_bytes is not None and int(chunk_bytes) < 1:
        raise ValueError(f"chunk_bytes={chunk_bytes}: expected a positive number of bytes")
    out = _read_flows(os.fspath(path), _check_limit(max_flows), int(chunk_bytes or 0), bool(frame_index))
    return FlowTable(*out)


def read_flows_dataframe(path, **kw):
    """read_flows(path).to_dataframe()."""
    return read_flows(path, **kw).to_dataframe()


def flows_of_frames(frames, lengths=None, *, wire_lengths=None, timestamps_ns=None, linktype=1, max_flows=None):
    """The flow table of frames already in memory (a 2-D uint8 batch as fwd.io.read_pcap returns);
    .frame_flow holds each frame's flow index (-1: skipped)."""
    rows, stats, index = _flows_of_frames(frames, lengths, wire_lengths, timestamps_ns, int(linktype),
                                          _check_limit(max_flows))
    return FlowTable(rows, stats, index)


def as_flow_records(flows):
    """The fwd.net.FLOW_DTYPE part of flow table rows (a copy), for fwd.net.frames_from_flows."""
    flows = np.asarray(flows)
    out = np.zeros(len(flows), dtype=net.FLOW_DTYPE)
    for name in net.FLOW_DTYPE.names:
        out[name] = flows[name]
    return out


class CaptureFlows:
    """A capture as the LAG commands use it: `table` (FlowTable of the whole file), `frames`,
    `lengths`, `wire_lengths` of every record (None when the capture is not Ethernet), and one frame
    per flow in table order: `flow_frames`, `flow_lengths` (the flow's first frame; rebuilt from the
    flow's key when the capture has no Ethernet header: `rebuilt` is then True)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return (f"<CaptureFlows flows={len(self.table.flows)} frames="
                f"{'none' if self.frames is None else len(self.frames)}{' rebuilt' if self.rebuilt else ''}>")


def capture_flows(path, *, max_length=512):
    """Read `path` for hashing: rows cut at `max_length` bytes (every header libfwd hashes fits in
    512), frames grouped into flows. See CaptureFlows."""
    from . import io

    path = os.fspath(path)
    whole = read_flows(path)
    if set(whole.stats["linktypes"]) != {1}:
        frames, lengths = net.frames_from_flows(as_flow_records(whole.flows))
        return CaptureFlows(table=whole, frames=None, lengths=None, wire_lengths=None, flow_frames=frames,
                            flow_lengths=lengths, rebuilt=True)
    frames, lengths, ts, wire = io.read_pcap(path, wire_lengths=True, max_length=max_length)
    table = flows_of_frames(frames, lengths, wire_lengths=wire, timestamps_ns=ts)
    ids = table.frame_flow
    pos = np.flatnonzero(ids >= 0)
    _, first = np.unique(ids[pos], return_index=True)
    rep = pos[first]
    return CaptureFlows(table=table, frames=frames, lengths=lengths, wire_lengths=wire, flow_frames=frames[rep],
                        flow_lengths=lengths[rep], rebuilt=False)


def flow_label(row):
    """'10.0.0.1:1234 -> 10.0.0.2:80 tcp' (IPv6 in brackets; VLAN appended) for a records() row."""
    names = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", 132: "sctp"}

    def end(ip, port):
        return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"

    text = f"{end(row['src_ip'], row['src_port'])} -> {end(row['dst_ip'], row['dst_port'])} " \
           f"{names.get(row['ip_proto'], 'proto ' + str(row['ip_proto']))}"
    return text + (f" vlan {row['vlan'] & 0xFFF}" if row["vlan"] >= 0 else "")


def _ip_text(version, raw):
    if version == 4:
        return str(ipaddress.IPv4Address(bytes(raw[:4])))
    if version == 6:
        return str(ipaddress.IPv6Address(bytes(raw)))
    return ""


def _mac_text(v):
    return ":".join(f"{(int(v) >> s) & 0xff:02x}" for s in range(40, -8, -8))


def _text_columns(flows):
    for r in flows:
        yield (_mac_text(r["src_mac"]), _mac_text(r["dst_mac"]), int(r["vlan"]), int(r["ip_version"]),
               _ip_text(r["ip_version"], r["src_ip"]), _ip_text(r["ip_version"], r["dst_ip"]), int(r["ip_proto"]),
               int(r["src_port"]), int(r["dst_port"]), int(r["flow_label"]), int(r["packets"]), int(r["bytes"]),
               int(r["first_ns"]), int(r["last_ns"]))


def to_dataframe(flows):
    """A pandas DataFrame of flow table rows: addresses and MACs as text, the rest as integers."""
    import pandas as pd

    flows = np.asarray(flows)
    df = pd.DataFrame({
        "src_mac": [_mac_text(v) for v in flows["src_mac"]],
        "dst_mac": [_mac_text(v) for v in flows["dst_mac"]],
        "vlan": flows["vlan"].astype(np.int32),
        "ip_version": flows["ip_version"].astype(np.uint8),
        "src_ip": [_ip_text(v, a) for v, a in zip(flows["ip_version"], flows["src_ip"])],
        "dst_ip": [_ip_text(v, a) for v, a in zip(flows["ip_version"], flows["dst_ip"])],
    })
    for col, dt in (("ip_proto", np.uint8), ("src_port", np.uint16), ("dst_port", np.uint16),
                    ("flow_label", np.uint32), ("packets", np.uint64), ("bytes", np.uint64), ("first_ns", np.int64),
                    ("last_ns", np.int64)):
        df[col] = flows[col].astype(dt)
    return df


__all__ = ["FLOW_TABLE_DTYPE", "COLUMNS", "SKIP_REASONS", "FlowTable", "read_flows", "read_flows_dataframe",
           "flows_of_frames", "as_flow_records", "to_dataframe", "capture_flows", "CaptureFlows", "flow_label"]
