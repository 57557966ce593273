"""`python3 -m fwd sweep GRID.yaml [--scheduler ADDR] [--workers N] [--serial] [--json] [--plot FILE]`:
a grid of LAG / policy configurations over a capture or generated flows, on Dask (see fwd.sweep)."""
import json
import sys

from ._common import error

NAME = "sweep"
HELP = "run a grid of LAG/policy configurations over a capture or flows, on a Dask cluster (or --serial)"


def _positive(text):
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"--workers {text!r}: expected a positive integer") from None
    if not 1 <= n <= 1024:
        raise ValueError(f"--workers {n}: expected 1..1024")
    return n


def add_arguments(p):
    p.add_argument("grid", metavar="GRID.yaml", help="grid file: input (pcap or flows) and grid keys lag/policy, "
                                                     "members, fail (reference: pydoc fwd.sweep)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address, e.g. tcp://host:8786 "
                                                           "(default: a local cluster)")
    where.add_argument("--serial", action="store_true", help="run in this process (same output as any cluster)")
    p.add_argument("--workers", metavar="N", help="local cluster size (default: one worker per core)")
    p.add_argument("--json", action="store_true", help='print {"results": [...]} in grid order')
    p.add_argument("--plot", metavar="FILE", help="save a bar chart of the imbalance of every combination")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the scheduler (default 10)")


def _label(params):
    return " ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in params.items())


def _text(out):
    lines = []
    for r in out["results"]:
        extra = "".join(f" {k}={r[k]}" for k in ("dropped", "broadcast") if r[k])
        lines.append(f"{_label(r['params'])}\n    frames={r['frames']} per_member={r['per_member']} "
                     f"imbalance={r['imbalance']:.4f}{extra}")
    return "\n".join(lines)


def _plot(out, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = out["results"]
    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(res) + 2), 4.5))
    ax.bar(range(len(res)), [r["imbalance"] for r in res])
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(range(len(res)))
    ax.set_xticklabels([_label(r["params"]) for r in res], rotation=80, fontsize=6)
    ax.set_ylabel("busiest member / even share")
    ax.set_title("fwd sweep: imbalance per combination")
    fig.tight_layout()
    fig.savefig(path)


def run(args):
    from .. import sweep as sw

    try:
        workers = _positive(args.workers) if args.workers is not None else None
        if workers is not None and (args.serial or args.scheduler):
            raise ValueError("--workers sizes a local cluster: not with --serial or --scheduler")
        grid = sw.load_grid(args.grid)
        out = sw.sweep(grid, scheduler=args.scheduler, workers=workers, serial=args.serial,
                       progress=sys.stderr, timeout=args.timeout)
    except (sw.GridError, sw.SweepError, ValueError, OSError) as e:
        return error(str(e))
    except KeyboardInterrupt:
        return error("interrupted: no result", 130)
    if args.plot:
        try:
            _plot(out, args.plot)
        except (OSError, ValueError) as e:
            return error(f"--plot {args.plot}: {e}")
    print(json.dumps(out, indent=1) if args.json else _text(out))
    return 0
