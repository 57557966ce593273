"""`python3 -m fwd flows CAPTURE [--json|--csv]`: the unidirectional flows of a capture (pcap,
nanosecond pcap, pcapng; Ethernet, Linux cooked SLL/SLL2, raw IP) with packets, bytes (original
lengths) and first/last timestamps, and the frames that belong to no flow counted by reason."""
import csv
import json
import sys

from ._common import error

NAME = "flows"
HELP = "unidirectional flow table of a pcap/pcapng capture (5-tuple, VLAN, MACs, packets, bytes, times)"

_SORT = ("first", "packets", "bytes")


def add_arguments(p):
    p.add_argument("capture", metavar="CAPTURE", help="pcap or pcapng file (Ethernet, Linux cooked v1/v2, raw IP)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help='print {"flows": [...], "stats": {...}}')
    fmt.add_argument("--csv", action="store_true", help="print CSV, one line per flow")
    p.add_argument("--sort", default="first", help="row order: first (first seen, default), packets or bytes")
    p.add_argument("--top", default=None, help="only the first N rows after sorting")
    p.add_argument("--max-flows", default=None, help="stop with an error beyond N distinct flows (default 10000000)")


def _positive(text, what):
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"{what} {text!r}: expected a positive integer") from None
    if n < 1:
        raise ValueError(f"{what} {text!r}: expected a positive integer")
    return n


def _rows(table, sort, top):
    rows = table.records()
    if sort != "first":
        rows.sort(key=lambda r: -r[sort])
    return rows[:top] if top else rows


def run(args):
    from ..flows import COLUMNS, read_flows

    try:
        if args.sort not in _SORT:
            raise ValueError(f"--sort {args.sort!r}: expected one of {', '.join(_SORT)}")
        top = _positive(args.top, "--top") if args.top is not None else None
        max_flows = _positive(args.max_flows, "--max-flows") if args.max_flows is not None else None
        table = read_flows(args.capture, max_flows=max_flows)
    except (ValueError, TypeError, OSError) as exc:
        return error(str(exc))
    rows = _rows(table, args.sort, top)
    stats = dict(table.stats)
    stats["unknown_linktypes"] = {str(k): v for k, v in stats["unknown_linktypes"].items()}
    if args.json:
        print(json.dumps({"file": args.capture, "flows": rows, "stats": stats}))
        return 0
    if args.csv:
        w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return 0
    s = stats
    print(f"file: {args.capture} ({s['format']}, link types {', '.join(str(x) for x in s['linktypes'])})")
    print(f"records: {s['records']}, in flows: {s['in_flows']}, flows: {s['flows']}"
          + (f" (showing {len(rows)})" if len(rows) < s["flows"] else ""))
    skipped = {k: v for k, v in s["skipped"].items() if v}
    print("not in a flow: " + (", ".join(f"{k} {v}" for k, v in skipped.items()) if skipped else "none"))
    if s["unknown_linktypes"]:
        print("  link types not read: " + ", ".join(f"{k} ({v} records)" for k, v in s["unknown_linktypes"].items())
              + "; read are 1 (Ethernet), 113 (Linux cooked), 276 (Linux cooked v2), 101/228/229 (raw IP)")
    if s["truncated_records"]:
        print(f"truncated last record: {s['truncated_records']} (the capture ends inside it)")
    if s["later_fragments"]:
        print(f"later fragments (ports 0): {s['later_fragments']}")
    print(f"{'src':>41} {'dst':>41} {'proto':>5} {'vlan':>5} {'packets':>9} {'bytes':>11}")
    for r in rows:
        src = f"{r['src_ip']}:{r['src_port']}" if r["ip_version"] == 4 else f"[{r['src_ip']}]:{r['src_port']}"
        dst = f"{r['dst_ip']}:{r['dst_port']}" if r["ip_version"] == 4 else f"[{r['dst_ip']}]:{r['dst_port']}"
        vlan = str(r["vlan"] & 0xFFF) if r["vlan"] >= 0 else "-"
        print(f"{src:>41} {dst:>41} {r['ip_proto']:>5} {vlan:>5} {r['packets']:>9} {r['bytes']:>11}")
    return 0
