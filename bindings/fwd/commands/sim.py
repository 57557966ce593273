"""`python3 -m fwd sim TOPOLOGY`: run a topology file in virtual time and report what happened."""
import json
import os

from ._common import error

NAME = "sim"
HELP = "run a YAML/JSON topology in virtual time: pings, connections, CARP states, switch moves, drops"


def add_arguments(p):
    """The sim command's options: a topology file, --until, --pcap, --json."""
    p.add_argument("topology", help="YAML or JSON topology file (format: python3 -c 'import fwd.topology; help(fwd.topology)')")
    p.add_argument("--until", default=None, help="run until this virtual time (e.g. 10s, 500ms; default: the file's, else 10s)")
    p.add_argument("--pcap", metavar="DIR", default=None,
                   help="write every capture of the topology to DIR as .pcap and .txt")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def report(net, settings):
    """The run's result as a JSON-ready dict: now, events, per-host counters/CARP/log, the pings and
    TCP attempts `settings` asked for, switch moves and the network's accounting."""
    out = {"now": net.now, "events": net.events, "hosts": {}, "pings": [], "tcp": [],
           "switch_moves": net.switch_events("moved"), "accounting": None}
    for name in net.hosts:
        h = net.host(name)
        hd = {"counters": h.counters, "strays_by_dst_mac": h.strays_by_dst_mac,
              "carp": [{"state": h.carp_state(i), "vmac": h.carp_vmac(i), **h.carp_counters(i)}
                       for i in range(h.carp_count)],
              "log": [{"time": t, "text": s} for t, s in h.log]}
        out["hosts"][name] = hd
    for hname, idx, dst in settings["pings"]:
        r = net.host(hname).ping_result(idx)
        out["pings"].append({"host": hname, "dst": dst, "sent": r.sent, "received": r.received, "lost": r.lost,
                             "send_errors": r.send_errors, "lost_gaps_ms": r.lost_gaps_ms(),
                             "summary": r.summary(dst)})
    for hname, idx in settings["tcp"]:
        att = net.host(hname).tcp_result(idx)
        out["tcp"].append({"host": hname, "attempts": len(att),
                           "established": sum(1 for a in att if a["established"] is not None),
                           "retransmitted": sum(1 for a in att if a["syn_sent"] > 1)})
    acc = net.accounting()
    acc.pop("text", None)
    out["accounting"] = acc
    return out


def run(args):
    """Loads the topology, runs it to --until and prints the report (text or --json); 2 on a bad file."""
    from ..sim import parse_time
    from ..topology import TopologyError, load
    try:
        net, settings = load(args.topology)
        until = parse_time(args.until, "--until") if args.until else (settings["until"] if settings["until"] is not None else 10.0)
        net.run_until(until)
    except TopologyError as e:
        return error(str(e))
    except (OSError, ValueError, TypeError) as e:
        return error(str(e) if str(e).startswith("--until") else f"{args.topology}: {e}")
    written = []
    if args.pcap:
        os.makedirs(args.pcap, exist_ok=True)
        for name in net.hosts:
            h = net.host(name)
            for iface in h.captured_ifaces:
                cap = h.capture(iface)
                base = os.path.join(args.pcap, f"{name}-{iface}")
                cap.write_pcap(base + ".pcap")
                with open(base + ".txt", "w") as f:
                    f.write(cap.to_text())
                written.append(base + ".pcap")
    rep = report(net, settings)
    rep["captures"] = written
    if args.json:
        print(json.dumps(rep))
        return 0
    print(f"ran until {rep['now']:.6f} s virtual, {rep['events']} events")
    for p in rep["pings"]:
        print(f"\n{p['host']}: ping -f {p['dst']}")
        print("  " + p["summary"].rstrip().replace("\n", "\n  "))
    for t in rep["tcp"]:
        print(f"\n{t['host']}: {t['attempts']} connection attempts, {t['established']} established, "
              f"{t['retransmitted']} needed a SYN retransmission")
    for name, h in rep["hosts"].items():
        c = h["counters"]
        line = f"\n{name}: rx {c['rx']} delivered {c['delivered']} dropped {c['dropped']} tx {c['tx']}"
        if c["tx_dropped"]:
            line += f" tx_dropped {c['tx_dropped']}"
        print(line)
        for reason, n in sorted(c["dropped_by"].items()):
            print(f"  dropped {n:>8}  {reason}")
        for i, cp in enumerate(h["carp"]):
            print(f"  carp[{i}] {cp['state']} vmac {cp['vmac']}: {cp['state_changes']} state changes, "
                  f"{cp['adverts_sent']} adverts sent")
        for l in h["log"]:
            print(f"  log {l['time']:.6f} {l['text']}")
    if rep["switch_moves"]:
        print("\nswitch MAC moves:")
        for m in rep["switch_moves"]:
            print(f"  {m['time']:.6f} {m['switch']} vlan {m['vlan']} {m['mac']}: {m['from']} -> {m['to']}")
    acc = rep["accounting"]
    print(f"\nframe accounting: {'balanced' if acc['balanced'] else 'NOT balanced'} "
          f"(links {acc['link_tx']} sent, hosts {acc['host_rx']} received = {acc['host_delivered']} delivered + "
          f"{acc['host_dropped']} dropped)")
    for w in written:
        print(f"wrote {w}")
    return 0
