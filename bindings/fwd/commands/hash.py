"""`python3 -m fwd hash SPEC FRAME_HEX`: hash one frame under a policy, optionally explained."""
import json

from .._fwd.hash import Policy
from ._common import error, parse_hex

NAME = "hash"
HELP = "hash one frame under a policy spec (e.g. freebsd-9.3:l2,l3,l4;key=0) and pick a member"


def add_arguments(p):
    p.add_argument("spec", help="policy spec string, e.g. 'linux-6.12:layer3+4'")
    p.add_argument("frame_hex", metavar="FRAME_HEX", help="the frame as hex, destination MAC first, no FCS")
    p.add_argument("--members", type=int, default=2, help="member count for the index (default 2)")
    p.add_argument("--explain", action="store_true", help="show the fields hashed and the running hash")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--raw", action="store_true", help="FRAME_HEX is raw hash input (toeplitz, bmv2)")
    p.add_argument("--vlan-tci", type=lambda s: int(s, 0), help="out-of-band VLAN tag (TCI) in metadata")
    p.add_argument("--protocol", type=lambda s: int(s, 0), help="Linux skb->protocol (default: bytes 12..13)")


def run(args):
    try:
        policy = Policy(args.spec)
        data = parse_hex(args.frame_hex, "input" if args.raw else "frame")
        if args.members < 1:
            raise ValueError(f"--members {args.members}: expected at least 1")
        meta = {k: v for k, v in (("vlan_tci", args.vlan_tci), ("protocol", args.protocol)) if v is not None}
        if args.raw:
            if meta:
                raise ValueError("--raw input takes no metadata")
            e = policy.explain_input(data, args.members)
        else:
            e = policy.explain(data, args.members, **meta)
    except ValueError as exc:
        return error(str(exc))
    if args.json:
        d = e.to_json()
        if not args.explain:
            d.pop("steps")
        print(json.dumps(d))
    elif args.explain:
        print(e.to_text(), end="")
    else:
        print(f"hash 0x{e.hash:0{16 if policy.hash_bits == 64 else 8}x} ({e.hash})  index {e.index}  [{e.index_rule}]")
    return 0
