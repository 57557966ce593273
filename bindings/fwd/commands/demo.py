"""`python3 -m fwd demo`: which member of the seed firewall's 2-port lagg each flow takes.

The seed (shared/seed/, specs/seed-scenario.md): fw-a, FreeBSD 9.3, lagg0 = ix0 + ix1 with
`laggproto lacp lagghash l2,l3,l4`, VLAN 2 tagged in hardware (the tag travels out of band, so it is
hashed after the MACs). The lagg's key is random per boot on the real system; here it is drawn from
an explicit seed so the run is repeatable.
"""
import json

from .._fwd.hash import Policy
from ..net import frame

NAME = "demo"
HELP = "the seed firewall's lagg: which member each of a handful of flows takes, and why"

FW_A_LAGG_MAC = "90:e2:ba:0d:0a:98"
WEB_MACS = ["00:25:90:11:22:3%d" % i for i in range(1, 7)]
# FreeBSD 9.3 LACP inserts a port that starts distributing at the head of the port map: ix0 came
# up first, so the map is [ix1, ix0] and index 0 is ix1.
PORT_MAP = ["ix1", "ix0"]


def add_arguments(p):
    p.add_argument("--spec", default="freebsd-9.3:l2,l3,l4;seed=1", help="lagg hash policy (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print JSON")


def flows():
    """fw-a forwarding client SYNs to the six web servers on VLAN 2."""
    out = []
    clients = [("192.168.0.17", 30892), ("192.168.0.17", 30893), ("192.168.0.42", 51234),
               ("10.1.2.3", 40007), ("172.16.9.77", 61022), ("192.168.0.99", 1025)]
    for i, (mac, (client, sport)) in enumerate(zip(WEB_MACS, clients)):
        web = f"192.168.80.{2 + i}"
        f = frame(src_mac=FW_A_LAGG_MAC, dst_mac=mac, src_ip=client, dst_ip=web, src_port=sport, dst_port=80)
        out.append((f"{client}:{sport} -> {web}:80", f))
    return out


def run(args):
    policy = Policy(args.spec)
    rows = []
    for label, f in flows():
        h = policy.hash(f, vlan_tci=2)
        idx = policy.index_of_hash(h, 2)
        rows.append({"flow": label, "hash": h, "index": idx, "member": PORT_MAP[idx]})
    explained = policy.explain(flows()[0][1], 2, vlan_tci=2)
    if args.json:
        print(json.dumps({"spec": policy.spec, "port_map": PORT_MAP, "flows": rows,
                          "explain": explained.to_json()}))
        return 0
    print(f"fw-a lagg0 (laggproto lacp, port map {PORT_MAP}), policy {policy.spec}")
    print("client SYNs forwarded by fw-a to the web servers on VLAN 2 (tag out of band):\n")
    print(f"  {'flow':<38} {'hash':>10}  index  member")
    for r in rows:
        print(f"  {r['flow']:<38} 0x{r['hash']:08x}  {r['index']:>5}  {r['member']}")
    print("\nWith 2 members only the lowest bit counts, and h*33+c keeps the parity of h+c: the member is")
    print("the parity of the key plus the sum of all hashed bytes.")
    print("\nwhy the first one goes where it goes:\n")
    print(explained.to_text(), end="")
    return 0
