"""`python3 -m fwd lb --lag SPEC --members a,b,c (--frame HEX | field options)`: which member a frame
leaves by, under the distributor of a real system, and (with --explain) why."""
import json

from ..lag import Lag, parse_members
from ._common import error, parse_hex

NAME = "lb"
HELP = "which member of a LAG a frame leaves by (e.g. --lag linux-6.12:802.3ad;xmit_hash_policy=layer3+4)"

_FIELDS = ("src_mac", "dst_mac", "vlan", "ethertype", "src_ip", "dst_ip", "ip_proto", "src_port", "dst_port")


def _int(text):
    return int(text, 0)


def add_arguments(p):
    p.add_argument("--lag", required=True, metavar="SPEC",
                   help="LAG spec, e.g. 'freebsd-9.3:lacp;lagghash=l2,l3,l4', 'ovs-3.1:balance-slb;basis=0' "
                        "(reference: pydoc fwd.lag)")
    p.add_argument("--members", required=True, help="member names a,b,c (in the order they were added) or a count")
    p.add_argument("--frame", metavar="HEX", help="the frame as hex, destination MAC first, no FCS")
    g = p.add_argument_group("frame fields (instead of --frame)")
    g.add_argument("--src-mac", help="default 02:00:00:00:00:01")
    g.add_argument("--dst-mac", help="default 02:00:00:00:00:02")
    g.add_argument("--vlan", type=_int, help="in-band 802.1Q tag (TCI)")
    g.add_argument("--ethertype", "--eth-type", dest="ethertype", type=_int,
                   help="ethertype of a non-IP frame (default 0x88b5; --eth-type: old spelling)")
    g.add_argument("--src-ip")
    g.add_argument("--dst-ip")
    g.add_argument("--ip-proto", default=None, help="tcp (default), udp, icmp or a protocol number")
    g.add_argument("--src-port", type=_int)
    g.add_argument("--dst-port", type=_int)
    g.add_argument("--ingress-port", type=_int, help="switch ingress port (metadata, vendor hashes)")
    m = p.add_argument_group("packet metadata")
    m.add_argument("--vlan-tci", type=_int, help="out-of-band VLAN tag (FreeBSD M_VLANTAG, Linux hw tag)")
    m.add_argument("--output-vlan", type=_int, help="OVS: VLAN the bridge outputs the frame on")
    m.add_argument("--flow-hash", type=_int, help="NIC flow id / skb->hash (FreeBSD use_flowid)")
    m.add_argument("--protocol", type=_int, help="Linux skb->protocol (default: bytes 12..13)")
    p.add_argument("--fail", "--down", dest="down", default="",
                   help="members whose link is down, e.g. b,c (--down: old spelling)")
    p.add_argument("--explain", action="store_true", help="show the hash walk and the distributor's step")
    p.add_argument("--json", action="store_true", help="print JSON")


def _frame(args):
    given = {f: getattr(args, f) for f in _FIELDS if getattr(args, f) is not None}
    if args.frame is not None:
        if given:
            raise ValueError("give either --frame or frame fields (--src-ip ...), not both")
        return parse_hex(args.frame)
    from .. import net

    kw = {k: v for k, v in given.items() if k != "ip_proto"}
    if args.ip_proto is not None:
        proto = args.ip_proto.lower()
        kw["proto"] = proto if proto in ("tcp", "udp", "icmp") else int(proto, 0)
    if ("src_port" in kw or "dst_port" in kw or "proto" in kw) and "src_ip" not in kw and "dst_ip" not in kw:
        raise ValueError("ports and --ip-proto need --src-ip and/or --dst-ip")
    return net.frame(**kw)


def run(args):
    try:
        lag = Lag(args.lag, parse_members(args.members))
        for name in filter(None, (n.strip() for n in args.down.split(","))):
            lag.set_link(name, False)
        frame = _frame(args)
        meta = {k: v for k, v in (("vlan_tci", args.vlan_tci), ("output_vlan", args.output_vlan),
                                  ("flow_hash", args.flow_hash), ("protocol", args.protocol),
                                  ("ingress_port", args.ingress_port)) if v is not None}
        e = lag.explain(frame, **meta)
    except (ValueError, TypeError, IndexError) as exc:
        return error(str(exc))
    if args.json:
        d = e.to_json()
        if not args.explain and d.get("hash_walk"):
            d["hash_walk"].pop("steps", None)
        print(json.dumps(d))
        return 0
    if args.explain:
        print(e.to_text(), end="")
        return 0
    if e.member is not None:
        head = f"member {e.member}"
    elif e.copies:
        head = "broadcast to " + ", ".join(e.copies)
    else:
        head = "dropped"
    print(f"{head}  hash 0x{e.hash:08x}  [{e.step}]")
    return 0
