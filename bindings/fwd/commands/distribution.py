"""`python3 -m fwd distribution FILE --lag SPEC --members N`: how the frames of a capture spread over
the members of a LAG: frames, bytes, share and imbalance per member, optionally as a bar chart."""
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
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--plot", metavar="OUT.png", help="write a bar chart of frames per member (matplotlib)")


def distribution(lag, frames, lengths, wire_lengths):
    """Per-member counts for a frame batch (the LAG's state advances as on a live LAG)."""
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
    return {
        "lag": lag.spec,
        "follows": lag.follows,
        "frames": total,
        "short_frames": int((lengths < 14).sum()),
        "dropped": int((codes == BATCH_DROPPED).sum()),
        "broadcast": int(bcast.sum()),
        "members": rows,
        "imbalance": (float(per_frames.max()) / mean) if mean > 0 else None,
    }


def plot(result, out):
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
    from ..io import read_pcap

    try:
        lag = Lag(args.lag, parse_members(args.members))
        for name in filter(None, (n.strip() for n in args.down.split(","))):
            lag.set_link(name, False)
        frames, lengths, _, wire = read_pcap(args.file, wire_lengths=True)
        result = distribution(lag, frames, lengths, wire)
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
    w = max([6] + [len(r["member"]) for r in result["members"]])
    print(f"{'member':<{w}}  {'frames':>10}  {'bytes':>12}  {'share':>7}")
    for r in result["members"]:
        print(f"{r['member']:<{w}}  {r['frames']:>10}  {r['bytes']:>12}  {100 * r['share']:>6.1f}%")
    imb = result["imbalance"]
    print(f"imbalance (max/mean frames): {imb:.3f}" if imb is not None else "imbalance: n/a (no frames carried)")
    if args.plot:
        print(f"plot: {args.plot}")
    return 0
