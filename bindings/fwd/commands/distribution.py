"""`python3 -m fwd distribution FILE --lag SPEC --members N`: how the frames and the flows of a capture
spread over the members of a LAG: frames, bytes, flows, share and imbalance per member, optionally as
a bar chart; --per-flow lists the member every unidirectional flow (fwd.flows) takes."""
import json

import numpy as np

from ..lag import BATCH_BROADCAST, BATCH_DROPPED, Lag, parse_members
from ._common import error

NAME = "distribution"
HELP = "per-member frames, bytes, share and imbalance of a pcap/pcapng file under a LAG"


def add_arguments(p):
    p.add_argument("file", metavar="FILE", help="pcap or pcapng capture (Ethernet)")
    p.add_argument("--lag", required=True, metavar="SPEC", help="LAG spec (reference: pydoc fwd.lag)")
    p.add_argument("--members", required=True, help="member count N, or names a,b,c")
    p.add_argument("--fail", "--down", dest="down", default="",
                   help="members whose link is down, e.g. b (--down: old spelling)")
    p.add_argument("--per-flow", action="store_true", help="also list every flow with the member(s) its frames take")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--plot", metavar="OUT.png", help="write a bar chart of frames per member (matplotlib)")


def flow_members(lag, codes, frame_flow, flow_count):
    """Per flow, the member names its frames took (in order of first use), from per-frame codes."""
    names = list(lag.members)
    taken = [[] for _ in range(flow_count)]
    for code, f in zip(codes.tolist(), frame_flow.tolist()):
        if f < 0:
            continue
        name = names[code] if code >= 0 else ("(dropped)" if code == BATCH_DROPPED else "(all)")
        if name not in taken[f]:
            taken[f].append(name)
    return taken


def distribution(lag, frames, lengths, wire_lengths, frame_flow=None, flow_count=0):
    """Per-member counts for a frame batch (the LAG's state advances as on a live LAG). With the
    frames' flow indices (fwd.flows), also flows per member and each flow's member(s)."""
    codes = lag.select_batch(frames, lengths)
    n = len(lag)
    per_frames = np.bincount(codes[codes >= 0], minlength=n)[:n]
    per_bytes = np.bincount(codes[codes >= 0], weights=wire_lengths[codes >= 0].astype(np.float64), minlength=n)[:n]
    bcast = codes == BATCH_BROADCAST
    if bcast.any():  # every up member carries a copy
        for name in lag.broadcast_members:
            i = lag.index_of(name)
            per_frames[i] += int(bcast.sum())
            per_bytes[i] += float(wire_lengths[bcast].sum())
    total = int(len(codes))
    carried = int(per_frames.sum())
    mean = per_frames.mean() if n else 0.0
    rows = [{"member": name, "frames": int(per_frames[i]), "bytes": int(per_bytes[i]),
             "share": (float(per_frames[i]) / carried) if carried else 0.0} for i, name in enumerate(lag.members)]
    flows = None
    if frame_flow is not None:
        flows = flow_members(lag, codes, frame_flow, flow_count)
        for r in rows:  # a flow counts once on every member it uses (more than one: round robin...)
            r["flows"] = sum(1 for taken in flows if r["member"] in taken or "(all)" in taken)
    return {
        "lag": lag.spec,
        "follows": lag.follows,
        "frames": total,
        "short_frames": int((lengths < 14).sum()),
        "dropped": int((codes == BATCH_DROPPED).sum()),
        "broadcast": int(bcast.sum()),
        "members": rows,
        "imbalance": (float(per_frames.max()) / mean) if mean > 0 else None,
        "flow_members": flows,
    }


def plot(result, out):
    """Writes a bar chart of frames per member (mean dashed, imbalance in the title) to the file `out`."""
    import matplotlib

    import textwrap

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["member"] for r in result["members"]]
    counts = [r["frames"] for r in result["members"]]
    fig, ax = plt.subplots(figsize=(max(4, 0.8 * len(names) + 2), 3.5))
    ax.bar(names, counts, color="#4477aa")
    if counts:
        ax.axhline(sum(counts) / len(counts), color="#cc6677", linestyle="--", label="mean")
        ax.legend()
    ax.set_ylabel("frames")
    imb = result["imbalance"]
    # Long LAG specs wrap at ';' so the title fits the figure.
    title = textwrap.fill(result["lag"].replace(";", "; "), width=60)
    ax.set_title(f"{title}\nimbalance (max/mean) {imb:.3f}" if imb else title, fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def run(args):
    from ..flows import capture_flows, flow_label

    try:
        lag = Lag(args.lag, parse_members(args.members))
        for name in filter(None, (n.strip() for n in args.down.split(","))):
            lag.set_link(name, False)
        cap = capture_flows(args.file)
        if cap.rebuilt:
            raise ValueError(f"capture '{args.file}' has link types {cap.table.stats['linktypes']}: the frames have "
                             "no Ethernet header for a LAG to hash (use 'fwd whatif --pcap', which rebuilds one "
                             "frame per flow, or 'fwd flows')")
        table = cap.table
        result = distribution(lag, cap.frames, cap.lengths, cap.wire_lengths, table.frame_flow, len(table))
        flow_rows = table.records()
        taken = result.pop("flow_members")
        result["flows"] = len(flow_rows)
        result["not_in_flows"] = {k: v for k, v in table.stats["skipped"].items() if v}
        if args.per_flow:
            for row, members in zip(flow_rows, taken):
                row["members"] = members
            result["per_flow"] = flow_rows
        result["file"] = args.file
        if args.plot:
            plot(result, args.plot)
    except (ValueError, TypeError, OSError) as exc:
        return error(str(exc))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"file: {args.file}\nlag: {result['lag']}\nfollows: {result['follows']}")
    print(f"frames: {result['frames']} (shorter than an Ethernet header: {result['short_frames']}, "
          f"dropped: {result['dropped']}, broadcast: {result['broadcast']})")
    nif = ", ".join(f"{k} {v}" for k, v in result["not_in_flows"].items())
    print(f"flows: {result['flows']} unidirectional (frames in no IP flow: {nif or 'none'})")
    w = max([6] + [len(r["member"]) for r in result["members"]])
    print(f"{'member':<{w}}  {'frames':>10}  {'bytes':>12}  {'share':>7}  {'flows':>7}")
    for r in result["members"]:
        print(f"{r['member']:<{w}}  {r['frames']:>10}  {r['bytes']:>12}  {100 * r['share']:>6.1f}%  {r['flows']:>7}")
    imb = result["imbalance"]
    print(f"imbalance (max/mean frames): {imb:.3f}" if imb is not None else "imbalance: n/a (no frames carried)")
    if args.per_flow:
        print("\nflow -> member(s)")
        for row in result["per_flow"]:
            print(f"{flow_label(row)}: {', '.join(row['members'])} ({row['packets']} frames, {row['bytes']} bytes)")
    if args.plot:
        print(f"plot: {args.plot}")
    return 0
