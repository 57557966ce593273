"""`python3 -m fwd whatif --lag SPEC --members a,b,c,d --fail b`: per-member flow counts before and
after failing (or adding) members, the flows that moved and the minimum that had to, side by side
with modulo and resilient mapping under the same hash. With --pcap the flows are the capture's
unidirectional flows (fwd.flows: one frame per flow), not its frames; --per-flow lists each flow's
member before and after."""
import json

import numpy as np

from ..lag import Lag, compare, flow_population, parse_members
from ._common import error, parse_hex

NAME = "whatif"
HELP = "what moves when LAG members fail or are added (flows from a pcap, hex frames or a generated population)"


def add_arguments(p):
    p.add_argument("--lag", required=True, metavar="SPEC", help="LAG spec (reference: pydoc fwd.lag)")
    p.add_argument("--members", required=True, help="member names a,b,c or a count")
    p.add_argument("--fail", default="", help="members that fail, e.g. b or b,c")
    p.add_argument("--add", default="", help="members added, e.g. e")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--pcap", metavar="FILE", help="flows: the unidirectional flows of a pcap/pcapng file")
    src.add_argument("--frame", metavar="HEX", action="append", help="flows: one frame as hex (repeatable)")
    src.add_argument("--flows", type=int, default=None, help="flows: a generated population of N TCP/UDP flows "
                                                               "(default 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated population (default 0)")
    p.add_argument("--no-compare", action="store_true", help="only the given LAG, without modulo/resilient")
    p.add_argument("--resilient-size", type=int, default=128, help="buckets of the resilient table (default 128)")
    p.add_argument("--per-flow", action="store_true", help="also list every flow with its member before and after")
    p.add_argument("--json", action="store_true", help="print JSON")


def _flows(args):
    if args.pcap:
        from ..flows import capture_flows

        cap = capture_flows(args.pcap)
        s = cap.table.stats
        skipped = ", ".join(f"{k} {v}" for k, v in s["skipped"].items() if v)
        source = (f"pcap {args.pcap}: {s['flows']} flows from {s['records']} frames"
                  + (f" ({s['records'] - s['in_flows']} frames in no IP flow: {skipped})" if skipped else "")
                  + (" (frames rebuilt from flow keys: the capture has no Ethernet header)" if cap.rebuilt else ""))
        args._table = cap.table
        return cap.flow_frames, cap.flow_lengths, source
    if args.frame:
        raw = [parse_hex(h) for h in args.frame]
        width = max(len(f) for f in raw) or 1
        frames = np.zeros((len(raw), width), dtype=np.uint8)
        lengths = np.array([len(f) for f in raw], dtype=np.uint32)
        for i, f in enumerate(raw):
            frames[i, :len(f)] = np.frombuffer(f, dtype=np.uint8)
        return frames, lengths, f"{len(raw)} frames"
    n = 10000 if args.flows is None else args.flows
    frames, lengths = flow_population(n, seed=args.seed)
    return frames, lengths, f"generated population of {n} flows (seed {args.seed})"


def _per_flow(lag, frames, lengths, fail, add):
    """Member name of every flow before and after the change (on copies of `lag`)."""
    from ..lag import BATCH_BROADCAST, BATCH_DROPPED

    def names(l, codes):
        m = list(l.members)
        return [m[c] if c >= 0 else ("(dropped)" if c == BATCH_DROPPED else "(all)" if c == BATCH_BROADCAST else "?")
                for c in codes]

    before_lag = lag.copy()
    before = names(before_lag, before_lag.select_batch(frames, lengths))
    after_lag = lag.copy()
    for name in add:
        after_lag.add_member(name)
    for name in fail:
        after_lag.fail(name)
    after = names(after_lag, after_lag.select_batch(frames, lengths))
    return before, after


def _flow_rows(args, frames, lengths):
    table = getattr(args, "_table", None)
    if table is not None:
        return table.records()
    return [{"frame": i} for i in range(len(frames))]


def _names(text):
    return [n.strip() for n in text.split(",") if n.strip()]


def run(args):
    try:
        lag = Lag(args.lag, parse_members(args.members))
        fail, add = _names(args.fail), _names(args.add)
        if not fail and not add:
            raise ValueError("nothing to change: give --fail and/or --add")
        frames, lengths, source = _flows(args)
        if args.no_compare:
            results = {"lag": lag.what_if(frames, fail=fail, add=add, lengths=lengths)}
        else:
            results = compare(lag, frames, fail=fail, add=add, lengths=lengths, resilient_size=args.resilient_size)
        per_flow = None
        if args.per_flow:
            before, after = _per_flow(lag, frames, lengths, fail, add)
            per_flow = _flow_rows(args, frames, lengths)
            for row, b, a in zip(per_flow, before, after):
                row["before"], row["after"], row["moved"] = b, a, b != a
    except (ValueError, TypeError, OSError) as exc:
        return error(str(exc))
    if args.json:
        out = {"source": source}
        out.update({label: w.to_json() for label, w in results.items()})
        if per_flow is not None:
            out["per_flow"] = per_flow
        print(json.dumps(out))
        return 0
    print(f"flows: {source}")
    if per_flow is not None:
        from ..flows import flow_label

        print(f"\n== each flow under this LAG ==")
        for row in per_flow:
            what = flow_label(row) if "src_ip" in row else f"frame {row['frame']}"
            print(f"{what}: {row['before']} -> {row['after']}" + ("  (moved)" if row["moved"] else ""))
    for label, w in results.items():
        title = {"lag": "this LAG", "modulo": "modulo (same hash)", "resilient": "resilient (same hash)"}[label]
        print(f"\n== {title} ==")
        print(w.to_text(), end="")
    if len(results) > 1:
        print("\nsummary: " + "; ".join(f"{label} moved {w.moved} ({100 * w.moved_share:.1f}%)"
                                        for label, w in results.items())
              + f"; minimum {results['lag'].min_moved}")
    return 0
