"""`python3 -m fwd fdb show|stats SCENARIO`: the FDB of a switch after replaying a scenario, in
the style of `ovs-appctl fdb/show` and `fdb/stats-show` (text or JSON)."""
NAME = "fdb"
HELP = "show the FDB (fdb/show) or its statistics (fdb/stats-show) after replaying a scenario"


def add_arguments(parser):
    parser.add_argument("what", choices=["show", "stats", "events"], help="what to print")
    parser.add_argument("scenario", help="scenario file (JSON) to replay")
    parser.add_argument("--steps", type=int, default=None, metavar="N",
                        help="replay only the first N steps (default: all)")
    parser.add_argument("--at", default=None, metavar="TIME",
                        help="time to show the table at: seconds or a unit ('1.5', '1500ms'); default: the last "
                             "step's time")
    parser.add_argument("--json", action="store_true", help="JSON instead of text")


def run(args) -> int:
    import json

    from .. import l2
    from ._common import error

    try:
        sc = l2.load_scenario(args.scenario)
        steps = sc["steps"] if args.steps is None else sc["steps"][: max(0, args.steps)]
        sc = dict(sc, steps=steps)
        sw = l2.build_switch(sc)
    except l2.ScenarioError as e:
        return error(str(e))
    except (ValueError, TypeError, KeyError) as e:
        return error(f"{args.scenario}: {e.args[0] if isinstance(e, KeyError) and e.args else e}")
    now = 0.0
    for i, s in enumerate(steps):
        now = l2.step_time(s)
        try:
            l2.apply_step(sw, s, now)
        except ValueError as e:
            if s["op"] != "fdb_cmd":
                # Only a refused fdb_cmd is an outcome (the table stays unchanged, as on the real
                # system); anything else the switch refuses makes the table shown meaningless.
                return error(f"{args.scenario}: steps[{i}] ({s['op']}): {e}")
        if s["op"] == "wait":
            now += float(s["ms"]) / 1000.0
    if args.at is not None:
        from ..sim import parse_time
        try:
            now = parse_time(args.at, "--at")
        except (ValueError, TypeError) as e:
            return error(str(e))
    if args.what == "show":
        if args.json:
            d = sw.to_json(now)
            print(json.dumps({k: d[k] for k in ("bridge", "profile", "entries")}))
        else:
            print(sw.fdb_show(now))
    elif args.what == "stats":
        if args.json:
            d = sw.to_json(now)
            del d["entries"]
            print(json.dumps(d))
        else:
            print(sw.fdb_stats(now), end="")
    else:
        events = l2.drain_events(sw)
        if args.json:
            print(json.dumps([e.__dict__ for e in events]))
        else:
            for e in events:
                print(f"{e.time:10.3f} {e.kind:<18} vlan {e.vlan:<4} {e.mac} {e.from_port} -> {e.to_port}"
                      + (f" count {e.count} action {e.action}" if e.kind == "flap" else ""))
    return 0
