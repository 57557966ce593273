"""Member selection of real systems: which member link a frame leaves by, and what moves when a
link fails.

    >>> import fwd.lag
    >>> lag = fwd.lag.Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", ["eth0", "eth1", "eth2"])
    >>> lag.select(frame).member                 # 'eth2'
    >>> print(lag.explain(frame))                # hash walk + "usable_slaves [...] % 3 = 2 -> eth2"
    >>> lag.fail("eth1"); lag.order              # ['eth0', 'eth2']
    >>> lag.select_batch(frames)                 # numpy.int16[n]: index, -1 dropped, -2 broadcast
    >>> print(lag.what_if(frames, fail=["eth1"]))

LAG spec strings
================

A LAG is named by ``system:mode[;key=value...][;hash=POLICY]``. Members are listed in the order they
were added / enslaved / came up / started distributing; all start up and distributing, so the
systems' arrays come out as they would after bringing the members up one by one in that order
(FreeBSD LACP with a, b, c: pm_map [c, b, a]). ``hash=`` (always last: it takes the rest of the
string, ``;`` included) replaces the hash the system would use by any ``fwd.hash.Policy`` spec.
Numbers are decimal or 0x hex. Unknown systems, modes, options, members or values raise
``ValueError`` naming the bad value and the accepted ones. ``Lag.spec`` is the canonical form
(aliases resolved, defaults written out, the policy's canonical spec after ``hash=``).

``freebsd-9.3`` / ``freebsd-10`` / ``freebsd-12`` (aliases: freebsd-9, freebsd-hash32; freebsd-10.4;
freebsd-fnv, freebsd-current; bare ``freebsd`` is ambiguous and rejected): FreeBSD lagg(4), 9.3, 10.x and current (2019+).

    modes   lacp, loadbalance (alias fec), failover, roundrobin, broadcast (10 and later)
    options lagghash=l2,l3,l4 (default l2,l3,l4); key=K (hash seed, the real system's is random)
            or seed=S (draws the key); use_flowid=0|1 (default 1 on 9.3/10, 0 on current);
            flowid_shift=N (default 16; 9.3 has no shift); rr_limit=N (roundrobin stride, 10 and
            later, default 1). Hash: the same system's (hash32 for 9.3 and 10, FNV-1 for 12).
    lacp        pm_map[h % n] over the active aggregator's distributing ports, most recently
                started first; any change drops transmissions for 3 s (select(..., time_ns=T),
                Lag.end_transit()).
    loadbalance ports[h % all ports], then link-active resolution (that port, else the next
                one if up, else the first up port); 9.x/10.x list newest first, current by ifindex.

``linux-6.12`` (alias linux) / ``linux-3.x`` (aliases linux-3, linux-3.16): Linux bonding.

    modes   802.3ad, balance-xor, active-backup, broadcast, balance-rr
    options xmit_hash_policy=layer2|layer2+3|layer3+4|encap2+3|encap3+4|vlan+srcmac (default
            layer2); ad_select=stable|bandwidth|count (802.3ad, default stable); primary=MEMBER,
            primary_reselect=always|better|failure (active-backup); packets_per_slave=N (balance-rr,
            default 1; 0 = random from seed=S).
    6.12    usable_slaves[h % n]: enslave order, filtered to members that can transmit.
    3.x     h % all members (802.3ad: the aggregator's), then the next member that can transmit:
            a failed member's flows move to the next member only.

``ovs-3.1`` (alias ovs): Open vSwitch 3.1 bonds. ``Lag.bond`` is the ``OvsBond`` (bond/show...).

    modes   balance-slb, balance-tcp, active-backup
    options basis=N (bond-hash-basis, default 0); rebalance_interval=MS (default 10000, 0 never,
            below 1000 becomes 1000); primary=MEMBER (active-backup); lacp=off|active|passive
            (the Port lacp column; default off, balance-tcp: active) with lacp_status=negotiated|
            configured (default negotiated: the partner answers; lacp=configured|negotiated are
            the older spellings of lacp=active with that status); lacp_fallback_ab=0|1;
            recirculation=0|1 (balance-tcp, default 1: empty buckets get a random member from
            seed=S); updelay=MS, downdelay=MS (bond_updelay, bond_downdelay);
            all_members_active=0|1 (shown only); bond=NAME (for bond/show, default bond0).
    buckets bucket = hash & 0xff; a new bucket takes the head of the enabled list, which rotates;
            a failed member's buckets are dealt again in their first-use order; a returning
            member joins the tail.

``dpdk``: DPDK net/bonding (38f72e500b).

    modes   balance, 802.3ad, round-robin, active-backup, broadcast
    options xmit_policy=l2|l23|l34 (default l2); primary=MEMBER (active-backup)
    order   active members in activation order (802.3ad: the distributing ones); h % n.

``vendor``: libfwd's vendor-style model (not bit-exact to any product).

    modes   modulo (up[h % n]), table (B buckets round robin over the up members, rebuilt on
            change: 8 over 3 = 3:3:2), resilient (B fixed buckets: a failure moves only the failed
            member's buckets)
    options size=B (table: 8, resilient: 128); fields=..., function=... (alias fn), seed=...,
            rotate=... configure the vendor hash (default fields 5tuple, function crc16).

Examples: ``freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0x1``, ``linux-6.12:802.3ad;xmit_hash_policy=layer3+4``,
``ovs-3.1:balance-slb;basis=0``, ``dpdk:balance;xmit_policy=l34``, ``vendor:table;size=8``,
``vendor:resilient;size=64;hash=linux-6.12:layer3+4``.

Batch results: ``select_batch`` returns numpy.int16 codes: a member index, ``BATCH_DROPPED`` (-1)
or ``BATCH_BROADCAST`` (-2). Frames are processed in order, so stateful distributors (OVS bucket
first use, round robin) see them as a live LAG would. The GIL is released during the loop.
"""
import re
import numpy as np

from ._fwd.lag import BATCH_BROADCAST, BATCH_DROPPED, MAX_MEMBERS, Explanation, Lag, OvsBond, Selection, WhatIf

# Shorter spellings used in the CLI's side-by-side what-if.
COMPARE_SPECS = {
    "modulo": "vendor:modulo;hash={policy}",
    "resilient": "vendor:resilient;size={size};hash={policy}",
}


def what_if(lag, frames, *, fail=(), add=(), lengths=None):
    """Flows per member before/after failing (and/or adding) members, with the minimum that had to move.

    `lag` is a Lag; it is left unchanged (the what-if runs on copies).
    """
    return lag.what_if(frames, fail=list(fail), add=list(add), lengths=lengths)


def compare(lag, frames, *, fail=(), add=(), lengths=None, resilient_size=128):
    """The same what-if for `lag` and, with the same hash policy, for modulo and resilient mapping.

    Returns {label: WhatIf} with labels 'lag', 'modulo', 'resilient'.
    """
    out = {"lag": lag.what_if(frames, fail=list(fail), add=list(add), lengths=lengths)}
    for label, spec in COMPARE_SPECS.items():
        other = Lag(spec.format(policy=lag.policy.spec, size=resilient_size), lag.members)
        out[label] = other.what_if(frames, fail=list(fail), add=list(add), lengths=lengths)
    return out


def parse_members(text):
    """Member names from 'a,b,c', or 'N' for N members named m0..m{N-1}; ValueError otherwise."""
    text = str(text).strip()
    if re.fullmatch(r"[+-]?\d+", text):  # a count; "-3" is not a member name
        n = int(text)
        if not 1 <= n <= MAX_MEMBERS:
            raise ValueError(f"--members {n}: expected 1 to {MAX_MEMBERS} members")
        return [f"m{i}" for i in range(n)]
    names = [t.strip() for t in text.split(",")]
    if not text or any(not n for n in names):
        raise ValueError(f"--members {text!r}: expected a count or comma-separated member names, e.g. a,b,c")
    return names


def flow_population(count, *, seed=0, udp_share=0.3, ipv6_share=0.0, src_net="10.0.0.0/8", dst_net="192.168.0.0/16"):
    """A generated population of `count` TCP/UDP flows (random addresses in the given networks and
    random ports, from an explicit seed) -> (frames, lengths), the batch layout of select_batch."""
    import ipaddress

    from . import net

    if count < 1:
        raise ValueError(f"flow count {count}: expected at least 1")
    rng = np.random.default_rng(seed)
    flows = np.zeros(count, dtype=net.FLOW_DTYPE)
    flows["src_mac"] = 0x020000000000 + rng.integers(0, 1 << 24, count)
    flows["dst_mac"] = 0x020000ff0000 + rng.integers(0, 1 << 16, count)
    flows["vlan"] = -1
    v6 = rng.random(count) < ipv6_share
    flows["ip_version"] = np.where(v6, 6, 4)
    flows["ip_proto"] = np.where(rng.random(count) < udp_share, 17, 6)
    flows["src_port"] = rng.integers(1024, 65536, count)
    flows["dst_port"] = rng.choice(np.array([22, 53, 80, 443, 8080], dtype=np.uint16), count)
    for field, cidr in (("src_ip", src_net), ("dst_ip", dst_net)):
        n4 = ipaddress.ip_network(cidr)
        base, size = int(n4.network_address), n4.num_addresses
        addrs = (base + rng.integers(0, size, count, dtype=np.uint64)).astype(">u4")
        flows[field][:, :4] = addrs.view(np.uint8).reshape(count, 4)
        six = rng.integers(0, 256, (count, 16), dtype=np.uint8)
        six[:, 0], six[:, 1] = 0xfd, 0x00
        flows[field][v6] = six[v6]
    return net.frames_from_flows(flows)


__all__ = ["Lag", "OvsBond", "Selection", "Explanation", "WhatIf", "what_if", "compare", "BATCH_DROPPED",
           "BATCH_BROADCAST", "MAX_MEMBERS", "parse_members", "flow_population"]
