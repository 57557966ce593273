"""Conformance of the ECMP layer against recordings of real kernels (tests/data/ecmp/README.md).

One line = one lookup (``chosen`` = the gateway and device the kernel chose) or one bucket table
(``kind: bucket_table``: the table rebuilt from ``history`` must equal ``buckets``). The system is
named by the recording kernel (``linux-6.18`` for 6.18.x, ``linux-6.12`` for 6.12.x), the sysctls
become spec options, ``route`` becomes a fwd.route.PathSet (fwd.route.path_set_from_json).
"""
import json

from .route import Ecmp, NextHop, PathSet, path_set_from_json


class EcmpVectorError(Exception):
    """A malformed ECMP vector line (the caller adds file and line)."""


def is_ecmp_line(line):
    """True for an ECMP vector line (a lookup with ``chosen`` or a bucket table)."""
    return isinstance(line, dict) and ("chosen" in line or line.get("kind") == "bucket_table")


def system_for(kernel):
    """linux-6.18 / linux-6.12 from a `uname -r` string."""
    k = str(kernel or "6.18")
    if k.startswith("6.12"):
        return "linux-6.12"
    if k.startswith("6.18"):
        return "linux-6.18"
    raise EcmpVectorError(f"kernel {kernel!r}: expected a 6.18.x or 6.12.x recording")


def spec_for(line):
    """The ECMP spec string a lookup line implies."""
    try:
        policy = int(line.get("policy") or 0)
        parts = [f"policy={policy}"]
        if line.get("fields") is not None:
            parts.append(f"fields={int(line['fields']):#x}")
        seed = int(line.get("seed") or 0)
        parts.append(f"seed={seed:#x}")
        if seed == 0:
            if line.get("boot_seed") is None:
                raise EcmpVectorError("seed 0 without boot_seed")
            bs = line["boot_seed"]
            parts.append(f"boot_seed={int(bs, 16) if isinstance(bs, str) else int(bs):#x}")
        if line.get("ignore_routes_with_linkdown"):
            parts.append("ignore_routes_with_linkdown=1")
    except (TypeError, ValueError) as e:
        raise EcmpVectorError(f"bad sysctl value: {e}") from None
    return f"{system_for(line.get('kernel'))}:" + ";".join(parts)


def _members(items):
    return [NextHop(gateway=m.get("gw") or "", device=m.get("dev") or "", weight=int(m.get("weight", 1)),
                    id=int(m["id"])) for m in items]


def check_bucket_table(line):
    """(ok, message) for a bucket_table line: replays ``history`` on a resilient group."""
    hist = line.get("history")
    if not isinstance(hist, list) or not hist or hist[0].get("op") != "create":
        raise EcmpVectorError("history must start with a create")
    ps = PathSet(_members(hist[0]["members"]), kind="resilient", family=int(line.get("af", 4)),
                 num_buckets=int(line["num_buckets"]), idle_timer=float(line.get("idle_timer", 0)),
                 unbalanced_timer=float(line.get("unbalanced_timer", 0)))
    e = Ecmp(system_for(line.get("kernel")), ps)
    for step in hist[1:]:
        op = str(step.get("op", ""))
        if op == "replace":
            e.replace(_members(step["members"]))
        elif op.startswith("delete nexthop "):
            nid = int(op.split()[-1])
            # Deleting a nexthop object that is not a member leaves the group untouched.
            if nid in [n.id for n in e.paths.nexthops]:
                e.remove_nexthop(nid)
            want = [int(m["id"]) for m in step["members"]]
            have = [n.id for n in e.paths.nexthops]
            if want != have:
                e.replace(_members(step["members"]))
        else:
            raise EcmpVectorError(f"unknown history op {op!r}: expected create, replace, delete nexthop N")
    got = list(e.bucket_ids)
    if got == list(line["buckets"]):
        return True, ""
    diff = sum(1 for a, b in zip(got, line["buckets"]) if a != b)
    return False, f"group {line.get('group')}: {diff} of {len(got)} buckets differ: got {got}"


def check_lookup(line, cache):
    """(ok, message) for a lookup line."""
    spec = spec_for(line)
    route = line.get("route")
    if not isinstance(route, dict):
        raise EcmpVectorError("route missing")
    key = (spec, json.dumps(route, sort_keys=True), line.get("af"))
    e = cache.get(key)
    if e is None:
        e = cache[key] = Ecmp(spec, path_set_from_json(route, line.get("af", 4)))
    lookup = "forward" if line.get("lookup") == "fwd" else "local"
    if line.get("packet"):
        try:
            pkt = bytes.fromhex(line["packet"])
        except ValueError:
            raise EcmpVectorError("packet is not hex") from None
        i = e.select(pkt, lookup=lookup)
    else:
        i = e.select_flow(line.get("src") or "", line["dst"], proto=line.get("proto"), sport=line.get("sport") or 0,
                          dport=line.get("dport") or 0, lookup=lookup)
    chosen = line["chosen"] or {}
    nhs = e.paths.nexthops
    got = (nhs[i].gateway, nhs[i].device) if i >= 0 else (None, None)
    want = (chosen.get("gw") or "", chosen.get("dev") or "")
    if got == want:
        return True, ""
    what = line.get("desc") or f"{line.get('src')} -> {line.get('dst')} proto {line.get('proto')} " \
                               f"{line.get('sport')}->{line.get('dport')}"
    return False, f"{spec} {line.get('route_name', '')} {lookup} {what}: chose {got}, kernel chose {want}"


def check_line(line, cache):
    """(ok, message) for one parsed ECMP line; EcmpVectorError / ValueError for a malformed one."""
    if line.get("kind") == "bucket_table":
        return check_bucket_table(line)
    return check_lookup(line, cache)
