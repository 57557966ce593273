"""fwd.path: where each flow goes across the tiers of a fabric.

A fabric is nodes (hosts with laggs, switches with LAG ports, routers with multipath routes and
their ECMP settings, sinks) and the links between them. Build one in Python, from a topology file
(fwd.topology, `load`) or from a recorded fabric state (fwd.fabric_conformance); then trace a batch
of frames through it::

    import fwd.path as fp
    f = fp.Fabric()
    f.add_node("t1", "router"); ...
    frames, lengths = fp.generate_flows(100_000, dst="198.18.0.0/24", seed=1)
    paths = fp.trace(f, frames, lengths, ingress="t1:t1-cli")
    paths.to_frame()            # one row per flow: hops, end node/port or drop reason
    paths.node_totals()         # flows in / ended / dropped per node
    paths.polarization()        # per node: candidates used, entropy given upstream, imbalance
    fp.what_if(f, lambda g: g.set_admin("t1:t1-b", False), frames, lengths, ingress="t1:t1-cli")
    fp.plot_link_heatmap(paths, "loads.png"); fp.plot_paths(paths, "paths.png")

Each hop is [node, gateway, device] for a router (the next hop it chose; device is the lagg or
interface; `port` is the physical member), [switch, port] for a switch; a path ends on [node,
port] or in a drop with a reason (DROP_REASONS). Routers choose between multipath next hops with
the route layer (fwd.route spec strings, e.g. "linux-6.18:policy=1;seed=0x1234abcd"), LAGs with the
lag layer (fwd.lag spec strings).
"""
import numpy as np

from ._fwd.path import DROP_DESCRIPTIONS, DROP_REASONS, Fabric  # noqa: F401

__all__ = ["Fabric", "Paths", "trace", "generate_flows", "what_if", "load", "plot_link_heatmap", "plot_paths",
           "DROP_REASONS", "DROP_DESCRIPTIONS", "flow_keys", "flow_table", "frame_fields"]


class Paths:
    """Traced paths of a batch of flows through one fabric (numpy arrays in `arrays`)."""

    def __init__(self, fabric, arrays, ingress=None):
        self.fabric = fabric
        self.arrays = arrays
        self.ingress = ingress
        self._nodes = fabric.node_names
        self._ports = fabric.port_names
        self._gws = fabric.nexthop_gateways

    def __len__(self):
        return len(self.arrays["n_hops"])

    def __repr__(self):
        n = len(self)
        return f"<Paths flows={n} delivered={int(self.delivered.sum()) if n else 0}>"

    def __getitem__(self, key):
        return self.arrays[key]

    @property
    def delivered(self):
        """Boolean array, one per flow: True where the flow reached a sink (drop reason 0)."""
        return self.arrays["drop"] == 0

    def hops(self, i):
        """The path of flow i: [[router, gateway, device], [switch, port], ..., [node, port]] (or a
        final ["dropped", reason, node])."""
        a = self.arrays
        out = []
        for h in range(int(a["n_hops"][i])):
            node = self._nodes[a["hop_node"][i, h]]
            nh = a["hop_nexthop"][i, h]
            dev = self._ports[a["hop_dev"][i, h]]
            if nh >= 0:
                out.append([node, self._gws[nh], dev])
            else:
                out.append([node, dev])
        if a["drop"][i] == 0:
            out.append([self._nodes[a["end_node"][i]], self._ports[a["end_port"][i]] if a["end_port"][i] >= 0 else ""])
        else:
            dn = a["drop_node"][i]
            out.append(["dropped", DROP_REASONS[a["drop"][i]], self._nodes[dn] if dn >= 0 else ""])
        return out

    def describe(self, i):
        """One line: 't1 10.1.2.2 t1-b -> t2b 10.2.23.2 t2b-3 -> s:s-b3' or '... -> dropped at t1: link_down'."""
        parts = []
        a = self.arrays
        for h in range(int(a["n_hops"][i])):
            node = self._nodes[a["hop_node"][i, h]]
            nh = a["hop_nexthop"][i, h]
            dev = self._ports[a["hop_dev"][i, h]]
            port = self._ports[a["hop_port"][i, h]]
            gw = self._gws[nh] if nh >= 0 else ""
            text = " ".join(x for x in (node, gw, dev) if x)
            if port != dev:
                text += f"({port})"
            parts.append(text)
        if a["drop"][i] == 0:
            ep = a["end_port"][i]
            parts.append(f"{self._nodes[a['end_node'][i]]}:{self._ports[ep] if ep >= 0 else ''}")
        else:
            dn = a["drop_node"][i]
            parts.append(f"dropped at {self._nodes[dn] if dn >= 0 else '?'}: {DROP_REASONS[a['drop'][i]]}")
        return " -> ".join(parts)

    def to_frame(self):
        """pandas DataFrame, one row per flow: hop1..hopN (text), end_node, end_port, drop, path."""
        import pandas as pd
        a = self.arrays
        n, width = a["hop_node"].shape
        used = int(a["n_hops"].max()) if n else 0
        data = {}
        nodes = np.array(self._nodes + [""], dtype=object)
        ports = np.array(self._ports + [""], dtype=object)
        for h in range(used):
            data[f"hop{h + 1}_node"] = nodes[a["hop_node"][:, h]]
            data[f"hop{h + 1}_port"] = ports[a["hop_port"][:, h]]
        data["end_node"] = nodes[a["end_node"]]
        data["end_port"] = ports[a["end_port"]]
        data["drop"] = np.array(DROP_REASONS, dtype=object)[a["drop"]]
        data["n_hops"] = a["n_hops"]
        return pd.DataFrame(data)

    def load(self):
        """Per-port (tx, rx) and per-node (in, end, drop) flow counts, drops by reason (dict of arrays)."""
        return self.fabric.load(self.arrays)

    def node_totals(self):
        """pandas DataFrame per node: kind, flows in, ended there, dropped there."""
        import pandas as pd
        ld = self.load()
        return pd.DataFrame({"node": self._nodes, "kind": self.fabric.node_kinds, "flows_in": ld["node_in"],
                             "ended": ld["node_end"], "dropped": ld["node_drop"]})

    def link_loads(self):
        """pandas DataFrame per physical port: node, port, flows transmitted, carrier."""
        import pandas as pd
        ld = self.load()
        f = self.fabric
        nodes = np.array(self._nodes, dtype=object)
        keep = f.port_is_lag == 0
        return pd.DataFrame({"node": nodes[f.port_nodes[keep]], "port": np.array(self._ports, dtype=object)[keep],
                             "tx": ld["port_tx"][keep], "rx": ld["port_rx"][keep],
                             "up": f.port_carrier[keep].astype(bool)})

    def polarization(self):
        """Per node that chose between next hops/members: list of dicts (see fwd/path/metrics.hpp)."""
        return self.fabric.polarization(self.arrays)

    def polarization_frame(self):
        """polarization() as a pandas DataFrame: node, flows, candidates, up, used, entropy,
        entropy_given_upstream (both normalized to 0..1) and imbalance."""
        import pandas as pd
        rows = []
        for p in self.polarization():
            rows.append({"node": p["node"], "flows": p["flows"], "candidates": len(p["candidates"]),
                         "up": p["up_count"], "used": p["used"],
                         "entropy": p["normalized_entropy"],
                         "entropy_given_upstream": p["normalized_conditional_entropy"],
                         "imbalance": p["imbalance"]})
        return pd.DataFrame(rows)


def _ingress(fabric, ingress):
    if ingress is None:
        raise ValueError("ingress is required: 'node:port' where the frames enter, or 'node' where they originate")
    return ingress


def trace(fabric, frames, lengths=None, *, ingress, max_hops=8, rx_hash=None, threads=1):
    """Traces every frame (2-D uint8 batch, one frame per row) -> Paths. threads: 1 (default), N,
    or 0 for every core (the same paths for any count; one thread when a LAG depends on order)."""
    arrays = fabric.trace(frames, lengths, _ingress(fabric, ingress), max_hops, rx_hash, threads=threads)
    return Paths(fabric, arrays, ingress)


def generate_flows(n, *, src="100.64.0.0/16", dst="198.18.0.0/24", protos=("tcp", "udp"), seed=1,
                   src_mac="02:00:00:00:00:02", dst_mac="02:00:00:00:00:01"):
    """n random flows (frames, lengths): addresses drawn from the src/dst prefixes (IPv4 or IPv6),
    random source ports, destination ports from common services, TTL 64; one frame per flow,
    addressed to `dst_mac` (the ingress port's MAC when the flows enter a router)."""
    import ipaddress
    from . import net
    if int(n) < 0:
        raise ValueError(f"n={n}: expected a non-negative number of flows")
    rng = np.random.default_rng(seed)
    s_net, d_net = ipaddress.ip_network(src, strict=False), ipaddress.ip_network(dst, strict=False)
    if s_net.version != d_net.version:
        raise ValueError(f"src {src} and dst {dst} are of different IP versions")
    flows = np.zeros(int(n), dtype=net.FLOW_DTYPE)
    flows["src_mac"] = int(net.Mac(src_mac))
    flows["dst_mac"] = int(net.Mac(dst_mac))
    flows["vlan"] = -1
    flows["ip_version"] = s_net.version
    names = {"tcp": 6, "udp": 17, "icmp": 1 if s_net.version == 4 else 58}
    try:
        codes = np.array([names[p] if isinstance(p, str) else int(p) for p in protos], dtype=np.uint8)
    except KeyError as e:
        raise ValueError(f"unknown protocol {e.args[0]!r}: expected tcp, udp, icmp or a number") from None
    flows["ip_proto"] = codes[rng.integers(0, len(codes), int(n))]
    flows["src_port"] = rng.integers(1024, 65536, int(n))
    services = np.array([22, 53, 80, 123, 443, 3306, 4789, 5201, 6379, 8080], dtype=np.uint16)
    flows["dst_port"] = services[rng.integers(0, len(services), int(n))]
    width = 4 if s_net.version == 4 else 16
    for field, netw in (("src_ip", s_net), ("dst_ip", d_net)):
        base = np.frombuffer(netw.network_address.packed, dtype=np.uint8)
        rnd = rng.integers(0, 256, (int(n), width), dtype=np.uint16).astype(np.uint8)
        mask = np.zeros(width, dtype=np.uint8)
        for bit in range(netw.prefixlen, netw.max_prefixlen):
            mask[bit // 8] |= 0x80 >> (bit % 8)
        addr = (base & ~mask) | (rnd & mask)
        flows[field][:, :width] = addr
    return net.frames_from_flows(flows)


def _fields(f):
    """(key bytes, fields dict) of one frame: IPv4/IPv6 addresses, protocol, ports / ICMP id."""
    import ipaddress
    off, et = 12, None
    while len(f) >= off + 2:
        et = int.from_bytes(f[off:off + 2], "big")
        if et in (0x8100, 0x88A8):
            off += 4
            continue
        break
    l3 = off + 2
    if et == 0x0800 and len(f) >= l3 + 20:
        ihl = (f[l3] & 0x0F) * 4
        proto, l4 = f[l3 + 9], l3 + ihl
        src, dst = f[l3 + 12:l3 + 16], f[l3 + 16:l3 + 20]
        icmp = proto == 1
    elif et == 0x86DD and len(f) >= l3 + 40:
        proto, l4 = f[l3 + 6], l3 + 40
        src, dst = f[l3 + 8:l3 + 24], f[l3 + 24:l3 + 40]
        icmp = proto == 58
    else:
        return b"L2" + f[:off + 2], {"src_ip": None, "dst_ip": None, "ip_proto": None, "src_port": None,
                                     "dst_port": None, "ethertype": et}
    sp = dp = None
    if proto in (6, 17, 132) and len(f) >= l4 + 4:
        sp, dp = int.from_bytes(f[l4:l4 + 2], "big"), int.from_bytes(f[l4 + 2:l4 + 4], "big")
    elif icmp and len(f) >= l4 + 6:
        sp = int.from_bytes(f[l4 + 4:l4 + 6], "big")  # the echo id identifies the flow
    key = bytes([4 if len(src) == 4 else 6]) + src + dst + bytes([proto]) + (sp or 0).to_bytes(2, "big") + \
        (dp or 0).to_bytes(2, "big")
    return key, {"src_ip": str(ipaddress.ip_address(bytes(src))), "dst_ip": str(ipaddress.ip_address(bytes(dst))),
                 "ip_proto": int(proto), "src_port": sp, "dst_port": dp}


def frame_fields(frame):
    """The flow fields of one frame: src_ip, dst_ip, ip_proto, src_port, dst_port (ICMP echo: the id
    as src_port); None where the frame has no such field."""
    return _fields(bytes(frame))[1]


def flow_keys(frames, lengths):
    """A flow key per frame (bytes: version, addresses, protocol, ports / ICMP echo id); non-IP
    frames key on their Ethernet header."""
    return [_fields(bytes(frames[i, :lengths[i]] if lengths is not None else frames[i]))[0] for i in range(len(frames))]


def flow_table(frames, lengths):
    """Groups the frames of a capture into unidirectional flows -> (first frame index per flow,
    frames per flow, fields per flow [dict: src_ip, dst_ip, ip_proto, src_port, dst_port])."""
    first, counts, fields, where = [], [], [], {}
    for i in range(len(frames)):
        key, fl = _fields(bytes(frames[i, :lengths[i]] if lengths is not None else frames[i]))
        k = where.get(key)
        if k is None:
            where[key] = len(first)
            first.append(i)
            counts.append(1)
            fields.append(fl)
        else:
            counts[k] += 1
    return np.array(first, dtype=np.int64), np.array(counts, dtype=np.int64), fields


def what_if(fabric, change, frames, lengths=None, *, ingress, max_hops=8, rx_hash=None, at=None):
    """Traces the flows through `fabric` and through a copy changed by `change(copy)` (fail or add a
    link, member, node; change ECMP settings...). Returns a dict: moved, min_moved, moved_share,
    min_share, moved_flags, before/after Paths, and `matrix`: a pandas crosstab of where moved flows
    went (end ports, or the egress port of node `at` when given)."""
    import pandas as pd
    after = fabric.copy()
    change(after)
    before_paths = trace(fabric, frames, lengths, ingress=ingress, max_hops=max_hops, rx_hash=rx_hash)
    after_paths = trace(after, frames, lengths, ingress=ingress, max_hops=max_hops, rx_hash=rx_hash)
    w = fabric.what_if(before_paths.arrays, after, after_paths.arrays)
    w["before"], w["after"] = before_paths, after_paths

    def where(p, node):
        """Per flow: the end port (or the egress port at `node`) as a port id, -1 = dropped / not there."""
        a = p.arrays
        if node is None:
            return np.where(a["drop"] == 0, a["end_port"], -1)
        nid = p.fabric.node_id(node)
        hit = a["hop_node"] == nid
        any_hit = hit.any(axis=1)
        col = np.where(any_hit, hit.argmax(axis=1), 0)
        return np.where(any_hit, a["hop_port"][np.arange(len(col)), col], -1)
    # from -> to counts with numpy (a crosstab of a million strings is slow), labelled by port name
    b, c = where(before_paths, at), where(after_paths, at)
    names = np.array(after.port_names + ["dropped" if at is None else "-"], dtype=object)
    width = len(names) + 1
    codes, counts = np.unique((b.astype(np.int64) + 1) * width + (c.astype(np.int64) + 1), return_counts=True)
    pairs = np.stack([codes // width - 1, codes % width - 1], axis=1)
    rows = sorted(set(pairs[:, 0].tolist())) if len(pairs) else []
    cols = sorted(set(pairs[:, 1].tolist())) if len(pairs) else []
    grid = np.zeros((len(rows), len(cols)), dtype=np.int64)
    ri, ci = {v: k for k, v in enumerate(rows)}, {v: k for k, v in enumerate(cols)}
    for (x, y), n in zip(pairs.tolist(), counts.tolist()):
        grid[ri[x], ci[y]] = n
    w["matrix"] = pd.DataFrame(grid, index=pd.Index(names[rows], name="before"),
                               columns=pd.Index(names[cols], name="after"))
    return w


def load(path):
    """A Fabric from a YAML/JSON topology file (fwd.topology) -> (fabric, settings)."""
    from .topology import load_fabric
    return load_fabric(path)


# ---- plots ------------------------------------------------------------------------------------------

def _tiers(paths):
    """Node -> tier (hop index at which flows first reach it; the ingress node is tier 1)."""
    a = paths.arrays
    tiers = {}
    for h in range(a["hop_node"].shape[1]):
        col = a["hop_node"][:, h]
        for nid in np.unique(col[col >= 0]):
            tiers.setdefault(int(nid), h + 1)
    return tiers


def plot_link_heatmap(paths, out=None, *, title=None):
    """Per tier, a heatmap of flows per egress link of each node that forwards (rows: nodes; columns:
    their links in port order); down links are hatched and labelled DOWN. Returns the figure."""
    import matplotlib
    if out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    f = paths.fabric
    ld = paths.load()
    tiers = _tiers(paths)
    carrier = f.port_carrier
    is_lag = f.port_is_lag
    by_tier = {}
    for nid, t in tiers.items():
        ports = [p for p in f.node_ports(nid) if not is_lag[p] and f.port_peers[p] >= 0]
        # Egress candidates only: ports some flow left on, plus down ones (marked).
        ports = [p for p in ports if ld["port_tx"][p] > 0 or not carrier[p] or _is_choice(paths, nid, p)]
        if ports:
            by_tier.setdefault(t, []).append((nid, ports))
    tiers_sorted = sorted(by_tier)
    if not tiers_sorted:
        raise ValueError("no flow left any node: nothing to plot")
    fig, axes = plt.subplots(len(tiers_sorted), 1, figsize=(8, 1.2 + 1.1 * sum(len(by_tier[t]) for t in tiers_sorted)),
                             squeeze=False)
    names = f.node_names
    pnames = f.port_names
    vmax = max(1, int(ld["port_tx"].max()))
    for ax, t in zip(axes[:, 0], tiers_sorted):
        rows = by_tier[t]
        width = max(len(p) for _, p in rows)
        grid = np.full((len(rows), width), np.nan)
        for r, (nid, ports) in enumerate(rows):
            for c, p in enumerate(ports):
                grid[r, c] = ld["port_tx"][p]
        im = ax.imshow(grid, cmap="viridis", vmin=0, vmax=vmax, aspect="auto")
        for r, (nid, ports) in enumerate(rows):
            for c, p in enumerate(ports):
                down = not carrier[p]
                label = f"{pnames[p]}\n{'DOWN' if down else int(ld['port_tx'][p])}"
                ax.text(c, r, label, ha="center", va="center", fontsize=7, color="red" if down else "white")
                if down:
                    ax.add_patch(matplotlib.patches.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="xx",
                                                              edgecolor="red", linewidth=1.5))
        ax.set_yticks(range(len(rows)), [names[nid] for nid, _ in rows])
        ax.set_xticks(range(width), [f"link {c + 1}" for c in range(width)])
        ax.set_ylabel("node")
        ax.set_xlabel("egress link (port order)")
        ax.set_title(f"tier {t}: flows per egress link")
        fig.colorbar(im, ax=ax, label="flows")
    fig.suptitle(title or f"Link loads of {len(paths)} flows (down links hatched red)")
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=110)
    return fig


def _is_choice(paths, nid, port):
    for p in paths.polarization():
        if paths.fabric.node_id(p["node"]) == nid and port in p["candidate_ids"]:
            return True
    return False


def plot_paths(paths, out=None, *, title=None, max_width=12.0):
    """A path diagram: nodes placed by tier, an edge per link that carried flows with width and label
    proportional to its flows; down links dashed red. Returns the figure."""
    import matplotlib
    if out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    f = paths.fabric
    ld = paths.load()
    a = paths.arrays
    tiers = _tiers(paths)
    for nid in np.unique(a["end_node"][a["end_node"] >= 0]):
        tiers.setdefault(int(nid), max(tiers.values(), default=0) + 1)
    for nid in list(tiers):  # end nodes after the last hop that reaches them
        hit = a["end_node"] == nid
        if hit.any():
            tiers[nid] = max(tiers[nid], int(a["n_hops"][hit].max()) + 1)
    carrier0, peers0, nodes0 = f.port_carrier, f.port_peers, f.port_nodes
    for nid, t in list(tiers.items()):  # nodes behind a down link, so the link can be drawn
        for p in f.node_ports(nid):
            q = peers0[p]
            if q >= 0 and not carrier0[p] and int(nodes0[q]) not in tiers:
                tiers[int(nodes0[q])] = t + 1
    cols = {}
    for nid, t in sorted(tiers.items(), key=lambda kv: (kv[1], kv[0])):
        cols.setdefault(t, []).append(nid)
    pos = {}
    for t, nids in cols.items():
        for k, nid in enumerate(nids):
            pos[nid] = (t, -(k - (len(nids) - 1) / 2))
    fig, ax = plt.subplots(figsize=(3 + 2.5 * len(cols), 2 + 0.9 * max(len(v) for v in cols.values())))
    vmax = max(1, int(ld["port_tx"].max()))
    names = f.node_names
    pnames = f.port_names
    peers = f.port_peers
    nodes_of = f.port_nodes
    carrier = f.port_carrier
    # One line per link; parallel links between the same two nodes fan out so each stays visible.
    links = []
    for p in range(len(peers)):
        q = peers[p]
        if q < 0 or p > q or nodes_of[p] not in pos or nodes_of[q] not in pos:
            continue
        links.append((p, q))
    groups = {}
    for p, q in links:
        groups.setdefault(tuple(sorted((int(nodes_of[p]), int(nodes_of[q])))), []).append((p, q))
    for pair, members in groups.items():
        for k, (p, q) in enumerate(members):
            flows = int(ld["port_tx"][p] + ld["port_tx"][q])
            (x0, y0), (x1, y1) = pos[nodes_of[p]], pos[nodes_of[q]]
            off = (k - (len(members) - 1) / 2) * min(0.16, 0.6 / max(1, len(members)))
            xm, ym = (x0 + x1) / 2, (y0 + y1) / 2 + off
            xs, ys = [x0, xm, x1], [y0, ym, y1]
            down = not carrier[p]
            if down:
                ax.plot(xs, ys, "--", color="red", lw=1.5)
                ax.text(xm, ym, f"{pnames[p]} DOWN", color="red", fontsize=7, ha="center")
            elif flows:
                ax.plot(xs, ys, "-", color="tab:blue", lw=0.5 + max_width * flows / vmax, alpha=0.6)
                ax.text(xm, ym, f"{pnames[p]}: {flows}", fontsize=6, ha="center", va="center")
            else:
                ax.plot(xs, ys, ":", color="grey", lw=0.8)
                if len(members) > 1:
                    ax.text(xm, ym, f"{pnames[p]}: 0", fontsize=6, ha="center", va="center", color="grey")
    for nid, (x, y) in pos.items():
        ax.plot(x, y, "o", ms=16, color="white", mec="black")
        ax.text(x, y, names[nid], ha="center", va="center", fontsize=8)
        ax.text(x + 0.12, y + 0.12, f"{int(ld['node_in'][nid])} in", ha="left", fontsize=7, color="dimgray")
    ax.set_xlim(min(cols) - 0.3, max(cols) + 0.3)
    ax.set_xticks(sorted(cols), [f"tier {t}" for t in sorted(cols)])
    ax.set_xlabel("tier (hops from the ingress)")
    ax.set_ylabel("nodes of the tier")
    ax.set_yticks([])
    ax.set_title(title or f"Where {len(paths)} flows go (line width = flows; dashed red = down; dotted = unused)")
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=110)
    return fig
