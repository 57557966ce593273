"""`python3 -m fwd path TOPOLOGY (--pcap CAPTURE | --flows N) [--json] [--plot FILE]`: the path of every
flow through a fabric (routers with multipath routes, switches, laggs), then per-node totals."""
import json
import sys

import numpy as np

from ._common import error

NAME = "path"
HELP = "every flow's path through the fabric of a topology file (hops, end node), then per-node totals"


def add_arguments(p):
    p.add_argument("topology", metavar="TOPOLOGY", help="YAML or JSON topology file (pydoc fwd.topology)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pcap", metavar="CAPTURE", help="pcap/pcapng capture: its frames, grouped into flows")
    src.add_argument("--flows", type=int, metavar="N", help="N generated flows (prefixes from the topology's "
                                                            "`paths` section or --src/--dst)")
    p.add_argument("--ingress", help="where flows enter, NODE:PORT (or NODE where they originate); "
                                     "default: the topology's paths.ingress")
    p.add_argument("--src", help="source prefix of generated flows (default paths.src or 100.64.0.0/16)")
    p.add_argument("--dst", help="destination prefix of generated flows (default paths.dst)")
    p.add_argument("--seed", type=int, default=1, help="random seed of generated flows (default 1)")
    p.add_argument("--max-hops", type=int, default=None, help="hops per path (default paths.max_hops or 16)")
    p.add_argument("--json", action="store_true", help="one JSON object: flows, nodes, polarization")
    p.add_argument("--plot", metavar="FILE", help="write the link-load heatmap to FILE and the path diagram to "
                                                  "FILE with a -paths suffix (matplotlib)")
    p.add_argument("--limit", type=int, default=None, help="print at most N flow lines (totals count all)")


def run(args):
    from .. import path as fp
    from ..topology import TopologyError, load_fabric, route_problems
    try:
        fabric, settings = load_fabric(args.topology)
    except TopologyError as e:
        return error(str(e))
    except OSError as e:
        return error(str(e))
    defaults = settings.get("paths", {})
    ingress = args.ingress or defaults.get("ingress")
    if not ingress:
        return error(f"{args.topology}: no ingress: give --ingress NODE:PORT or a `paths: {{ingress: ...}}` section")
    max_hops = args.max_hops or int(defaults.get("max_hops", 16))
    if args.flows is not None:
        if args.flows < 0:
            return error(f"--flows {args.flows}: expected a non-negative number")
        dst = args.dst or defaults.get("dst")
        if not dst:
            return error(f"{args.topology}: no destination prefix: give --dst or `paths: {{dst: ...}}`")
        src = args.src or defaults.get("src", "100.64.0.0/16" if ":" not in str(dst) else "2001:db8:c::/48")
        try:
            frames, lengths = fp.generate_flows(args.flows, src=str(src), dst=str(dst), seed=args.seed,
                                                protos=tuple(defaults.get("protos", ("tcp", "udp"))),
                                                dst_mac=_ingress_mac(fabric, ingress))
        except ValueError as e:
            return error(str(e))
        counts = np.ones(len(frames), dtype=np.int64)
        fields = [fp.frame_fields(bytes(frames[i, :lengths[i]])) for i in range(len(frames))]
    else:
        from ..io import read_pcap
        try:
            all_frames, all_lengths, _ts = read_pcap(args.pcap)
        except (OSError, ValueError) as e:
            return error(str(e))
        first, counts, fields = fp.flow_table(all_frames, all_lengths)
        frames, lengths = all_frames[first], all_lengths[first]
    try:
        paths = fp.trace(fabric, frames, lengths, ingress=ingress, max_hops=max_hops)
    except ValueError as e:
        return error(f"{args.topology}: {e}")
    nodes = paths.node_totals()
    pol = paths.polarization()
    problems = route_problems(paths, settings)
    if args.json:
        out = {"topology": args.topology, "ingress": ingress, "flows": [], "nodes": [], "polarization": pol,
               "drops": {}}
        for i in range(len(paths)):
            hops = paths.hops(i)
            end = hops[-1]
            rec = dict(fields[i])
            rec.update({"id": i, "frames": int(counts[i]), "hops": hops[:-1]})
            if end[0] == "dropped":
                rec.update({"end": None, "drop": end[1], "dropped_at": end[2]})
            else:
                rec.update({"end": {"node": end[0], "port": end[1]}, "drop": None})
            out["flows"].append(rec)
        out["nodes"] = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                        for row in nodes.to_dict("records")]
        ld = paths.load()
        out["drops"] = {fp.DROP_REASONS[k]: int(v) for k, v in enumerate(ld["drops"]) if v and k}
        out["problems"] = problems
        json.dump(out, sys.stdout, indent=None)
        print()
    else:
        shown = len(paths) if args.limit is None else min(args.limit, len(paths))
        for i in range(shown):
            fl = fields[i]
            what = (f"{fl['src_ip']} > {fl['dst_ip']} proto {fl['ip_proto']}"
                    + (f" {fl['src_port']} > {fl['dst_port']}" if fl.get("dst_port") is not None else
                       (f" id {fl['src_port']}" if fl.get("src_port") is not None else ""))
                    if fl.get("src_ip") else "non-IP")
            extra = f" ({int(counts[i])} frames)" if counts[i] > 1 else ""
            print(f"flow {i}: {what}{extra}: {paths.describe(i)}")
        if shown < len(paths):
            print(f"... {len(paths) - shown} more flows")
        print()
        print(f"{'node':<12} {'kind':<7} {'flows in':>9} {'ended':>9} {'dropped':>9}")
        for row in nodes.itertuples():
            print(f"{row.node:<12} {row.kind:<7} {row.flows_in:>9} {row.ended:>9} {row.dropped:>9}")
        if pol:
            print()
            print(f"{'node':<12} {'used/up':>8} {'entropy':>8} {'given upstream':>15} {'max/mean':>9}")
            for p in pol:
                print(f"{p['node']:<12} {p['used']:>4}/{p['up_count']:<3} {p['normalized_entropy']:>8.3f} "
                      f"{p['normalized_conditional_entropy']:>15.3f} {p['imbalance']:>9.2f}")
    for msg in problems:
        print(f"error: {msg}", file=sys.stderr)
    if args.plot:
        try:
            fp.plot_link_heatmap(paths, args.plot)
            stem, dot, ext = args.plot.rpartition(".")
            fp.plot_paths(paths, f"{stem}-paths.{ext}" if dot else f"{args.plot}-paths")
        except (ValueError, OSError) as e:
            return error(f"--plot: {e}")
    return 1 if problems else 0


def _ingress_mac(fabric, ingress):
    """Generated frames are addressed to the ingress port's MAC (as a host's gateway would)."""
    return fabric.port_mac(ingress) if ":" in ingress else "02:00:00:00:00:01"
