"""`python3 -m fwd ecmp SPEC NEXTHOP... (--packet HEX | --flow SRC DST [PROTO SPORT DPORT])`: which
next hop a packet or a flow takes on a multipath route, optionally explained."""
import json

from ..route import Ecmp, NextHop, PathSet
from ._common import error, parse_hex

NAME = "ecmp"
HELP = ("pick the ECMP next hop of a packet or flow under a system spec (e.g. linux-6.18:policy=1;seed=0x1234abcd); "
        "next hops as GW@DEV[*WEIGHT]")


def add_arguments(p):
    p.add_argument("spec", help="ECMP spec string, e.g. 'linux-6.18:policy=1;seed=0x1234abcd'")
    p.add_argument("nexthops", nargs="+", metavar="GW@DEV[*WEIGHT]",
                   help="next hops in kernel order, e.g. 10.1.0.2@eth1 10.2.0.2@eth2*2")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--packet", metavar="HEX", help="a raw IPv4/IPv6 packet as hex (no Ethernet header)")
    g.add_argument("--flow", nargs="+", metavar="FIELD", help="SRC DST [PROTO [SPORT [DPORT]]] as `ip route get` takes them")
    p.add_argument("--lookup", default="forward", choices=["forward", "local", "socket", "packet"],
                   help="forward (default; ip route get ... iif), local, socket, packet")
    p.add_argument("--kind", default="multipath", choices=["multipath", "hash-threshold", "resilient"],
                   help="path set kind (groups number their members 1..n)")
    p.add_argument("--buckets", type=int, default=128, help="resilient groups: number of buckets (default 128)")
    p.add_argument("--rx-hash", type=lambda s: int(s, 0), help="receive hash the packet carries (skb->hash / flowid)")
    p.add_argument("--dead", action="append", default=[], metavar="DEV", help="mark the path via DEV dead (repeatable)")
    p.add_argument("--explain", action="store_true", help="show the fields, hashed bytes, hash and bounds")
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")


def _nexthop(text, i, group):
    gw, sep, rest = text.partition("@")
    if not sep or not rest:
        raise ValueError(f"next hop {text!r}: expected GW@DEV or GW@DEV*WEIGHT")
    dev, _, w = rest.partition("*")
    try:
        weight = int(w) if w else 1
    except ValueError:
        raise ValueError(f"next hop {text!r}: weight {w!r} is not a number") from None
    return NextHop(gw, dev, weight=weight, id=i + 1 if group else 0)


def run(args):
    try:
        nhs = [_nexthop(t, i, args.kind != "multipath") for i, t in enumerate(args.nexthops)]
        fam = 6 if ":" in (args.flow[0] if args.flow else "") or (args.packet and args.packet.strip()[:1] == "6") else 4
        devs = [n.device for n in nhs]
        for d in args.dead:
            if d not in devs:
                raise ValueError(f"--dead {d}: no next hop uses that device (have {', '.join(devs)})")
        e = Ecmp(args.spec, PathSet(nhs, kind=args.kind, family=fam, num_buckets=args.buckets, idle_timer=0.0))
        for d in args.dead:
            e.set_dead(devs.index(d))
        if args.packet:
            x = e.explain(parse_hex(args.packet, "packet"), lookup=args.lookup, rx_hash=args.rx_hash)
        else:
            f = args.flow
            if not 2 <= len(f) <= 5:
                raise ValueError(f"--flow takes SRC DST [PROTO [SPORT [DPORT]]], got {len(f)} values")
            protos = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "icmpv6": 58}
            proto = None
            if len(f) > 2:
                proto = protos.get(f[2].lower()) if not f[2].isdigit() else int(f[2])
                if proto is None:
                    raise ValueError(f"protocol {f[2]!r}: expected a number or one of {', '.join(protos)}")
            ports = [int(v) for v in f[3:5]] + [0] * (2 - len(f[3:5]))
            src = "" if f[0] in ("-", "none") else f[0]
            x = e.explain_flow(src, f[1], proto, ports[0], ports[1], lookup=args.lookup, rx_hash=args.rx_hash)
    except ValueError as exc:
        return error(str(exc))
    if args.json:
        print(json.dumps(x.to_json()))
    elif args.explain:
        print(x.to_text(), end="")
    else:
        print(f"{x.chosen}: {x.nexthop}" if x.chosen >= 0 else "no usable path")
    return 0
