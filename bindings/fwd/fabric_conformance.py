"""Fabric recordings (`"format": "lfwp-fabric-paths/1"`): per-flow paths through a fabric of real
routers, with the fabric's full state, checked against fwd.path.

The contract (tests/data/fabric/README.md): for each run, the state is the base `nodes` with the
run's `changes` overlaid (sysctls key by key, interfaces by name, everything else replaced); each
flow's frame enters at `injection.enters`; the path engine must give exactly the recorded path
(`[router, gateway, device]` per hop, then `[sink, port]`), or the recorded drop (the hops up to
the drop, no sink). One check per flow per run. A run's `rx_skb_hash` is the receive hash each router
saw per flow (spec linux-ecmp §4.2); `settings.boot_seed` is the effective seed of a seed-0 kernel.
"""
import copy

import numpy as np

from .path import Fabric, trace

FORMAT = "lfwp-fabric-paths/1"


class FabricFileError(ValueError):
    """A malformed fabric recording (the message names the file and the part)."""


def is_fabric_doc(doc):
    """True if the parsed JSON `doc` is a fabric recording (its "format" is lfwp-fabric-paths/1)."""
    return isinstance(doc, dict) and str(doc.get("format", "")).split(" ")[0] == FORMAT


def overlay(nodes, changes):
    """The state of a run: base nodes with the run's changes overlaid."""
    state = copy.deepcopy(nodes)
    # The run's parts are copied too: the state must never alias the recording.
    for name, ch in copy.deepcopy(changes or {}).items():
        if name not in state:
            raise FabricFileError(f"changes name unknown node '{name}'")
        node = state[name]
        for key, value in ch.items():
            if key == "sysctls":
                node.setdefault("sysctls", {}).update(value)
            elif key == "interfaces":
                by_name = {i["name"]: k for k, i in enumerate(node.get("interfaces", []))}
                for itf in value:
                    if itf["name"] in by_name:
                        node["interfaces"][by_name[itf["name"]]] = itf
                    else:
                        node["interfaces"].append(itf)
            elif key in ("routes", "local_routes", "ip_route_show"):
                # The whole family's list when anything in it changed.
                node.setdefault(key, {})
                if isinstance(value, dict):
                    node[key].update(value)
                else:
                    node[key] = value
            else:
                node[key] = value
    return state


def _system(doc):
    kernel = str(doc.get("recorded", {}).get("kernel", ""))
    return "linux-6.12" if kernel.startswith("6.12") else "linux-6.18"


def _int(v, what):
    """An integer field that recordings may write as a number or as text ("0x2b9dee05")."""
    if isinstance(v, bool):
        raise FabricFileError(f"{what}: expected a number, got {v!r}")
    if isinstance(v, int):
        return v
    try:
        return int(str(v), 0)
    except ValueError:
        raise FabricFileError(f"{what}: expected a number, got {v!r}") from None


def ecmp_spec(system, node, family, boot_seed=None):
    """The route-layer spec string of a recorded router's multipath settings for one family."""
    sysctls = node.get("sysctls", {})
    fam = "ipv4" if family == 4 else "ipv6"
    ecmp = node.get("ecmp", {})
    fe = ecmp.get(fam, {})
    policy = sysctls.get(f"net.{fam}.fib_multipath_hash_policy", fe.get("policy", 0))
    fields = sysctls.get(f"net.{fam}.fib_multipath_hash_fields", fe.get("fields", 7))
    seed = sysctls.get("net.ipv4.fib_multipath_hash_seed", fe.get("seed", 0))
    ignore = sysctls.get(f"net.{fam}.conf.all.ignore_routes_with_linkdown",
                         ecmp.get("ignore_routes_with_linkdown", {}).get(fam, 0))
    use_neigh = sysctls.get("net.ipv4.fib_multipath_use_neigh", ecmp.get("fib_multipath_use_neigh", 0))
    spec = (f"{system}:policy={_int(policy, 'policy')};fields={_int(fields, 'fields'):#x};"
            f"seed={_int(seed, 'seed'):#x};ignore_routes_with_linkdown={_int(ignore, 'ignore_routes_with_linkdown')};"
            f"use_neigh={_int(use_neigh, 'fib_multipath_use_neigh')}")
    if boot_seed is not None:
        spec += f";boot_seed={_int(boot_seed, 'boot_seed'):#x}"
    return spec


def build_fabric(doc, nodes, boot_seed=None):
    """A fwd.path.Fabric from a recorded state (`nodes`, after overlay) and the file's links."""
    f = Fabric()
    system = _system(doc)
    for name, node in nodes.items():
        role = node.get("role", "router")
        f.add_node(name, "router" if role == "router" else "host")
    for name, node in nodes.items():
        for itf in node.get("interfaces", []):
            port = f.add_port(name, itf["name"], itf.get("mac"))
            f.set_admin(port, "UP" in itf.get("flags", []))
            for a in itf.get("addrs", []):
                f.add_address(port, a, connected_route=False)
    for ln in doc.get("links", []):
        f.connect(f"{ln['a']['node']}:{ln['a']['ifname']}", f"{ln['b']['node']}:{ln['b']['ifname']}")
    # Carrier as the kernel reported it: an interface that is up without carrier has lost its
    # link (the far end down, or the link itself), whatever the far end's admin state says.
    for name, node in nodes.items():
        for itf in node.get("interfaces", []):
            flags = itf.get("flags", [])
            if "UP" in flags and ("NO-CARRIER" in flags or "LOWER_UP" not in flags):
                port = f"{name}:{itf['name']}"
                if f.port_peers[f.port_id(port)] >= 0:
                    f.set_link_up(port, False)
    for name, node in nodes.items():
        sysctls = node.get("sysctls", {})
        if node.get("role") == "router":
            f.set_forwarding(name, bool(sysctls.get("net.ipv4.ip_forward", 1)))
            for fam in (4, 6):
                f.set_ecmp(name, ecmp_spec(system, node, fam, boot_seed), fam)
        else:
            f.set_forwarding(name, False)
        for family in ("ipv4", "ipv6"):
            seen = set()
            for r in node.get("routes", {}).get(family, []):
                dst = r["dst"]
                if dst == "default":
                    dst = "0.0.0.0/0" if family == "ipv4" else "::/0"
                rtype = r.get("type", "unicast")
                if rtype != "unicast":
                    raise FabricFileError(f"node '{name}': route {dst} of type '{rtype}' is not modelled "
                                          f"(unicast routes only)")
                if "/" not in dst:
                    dst += "/32" if family == "ipv4" else "/128"
                if dst in seen:  # the same prefix on another device (fe80::/64): the first one wins
                    continue
                seen.add(dst)
                if "nexthops" in r:
                    hops = [{"gw": h.get("gw"), "dev": h["dev"], "weight": h.get("weight", 1)} for h in r["nexthops"]]
                else:
                    hops = [{"gw": r.get("gw"), "dev": r["dev"]}]
                f.add_route(name, dst, hops)
            for r in node.get("local_routes", {}).get(family, []):
                if r.get("type", "local") == "local":
                    f.add_local(name, r["dst"])
        for nb in node.get("neighbours", []):
            if nb.get("lladdr") and "FAILED" not in nb.get("state", []) and "INCOMPLETE" not in nb.get("state", []):
                f.add_neighbour(f"{name}:{nb['dev']}", nb["dst"], nb["lladdr"])
    return f


def frames_of(doc):
    """(frames, lengths, ids) of the file's flows, in id order."""
    flows = sorted(doc["flows"], key=lambda x: x["id"])
    raw = [bytes.fromhex(x["frame"]) for x in flows]
    width = max(len(r) for r in raw)
    frames = np.zeros((len(raw), width), dtype=np.uint8)
    lengths = np.zeros(len(raw), dtype=np.uint32)
    for i, r in enumerate(raw):
        frames[i, :len(r)] = np.frombuffer(r, dtype=np.uint8)
        lengths[i] = len(r)
    return frames, lengths, [x["id"] for x in flows]


def predicted(paths, i):
    """The engine's path of flow i in the recording's form."""
    out = []
    for hop in paths.hops(i):
        if hop[0] == "dropped":
            break
        out.append(hop)
    return out


def check_doc(doc, path="<fabric>"):
    """Checks every run -> list of (label, passed, failed, failures[(flow id, message)])."""
    try:
        frames, lengths, ids = frames_of(doc)
        enters = doc["injection"]["enters"]
        ingress = f"{enters['node']}:{enters['ifname']}"
        runs = doc["runs"]
    except (KeyError, TypeError, ValueError) as e:
        raise FabricFileError(f"{path}: malformed fabric recording: {e!r}") from None
    results = []
    for run in runs:
        rid = run.get("id", "?")
        label = f"{path} run {rid}"
        settings = run.get("settings", {}) or {}
        try:
            state = overlay(doc["nodes"], run.get("changes"))
            fabric = build_fabric(doc, state, settings.get("boot_seed"))
            rx = None
            if run.get("rx_skb_hash"):
                names = fabric.node_names
                rx = np.zeros((len(ids), len(names)), dtype=np.uint32)
                pos = {fid: k for k, fid in enumerate(ids)}
                table = run["rx_skb_hash"]
                items = table.items() if isinstance(table, dict) else enumerate(table)
                for fid, per in items:
                    if per is None:
                        continue
                    for router, value in per.items():
                        if router not in names:
                            raise FabricFileError(f"rx_skb_hash of flow {fid}: unknown router '{router}'")
                        rx[pos[int(fid)], names.index(router)] = _int(value, "rx_skb_hash") & 0xFFFFFFFF
            paths = trace(fabric, frames, lengths, ingress=ingress, max_hops=16, rx_hash=rx)
        except (ValueError, KeyError, TypeError) as e:
            from .commands._common import one_line
            raise FabricFileError(f"{label}: {one_line(e)}") from None
        recorded = run["paths"]
        passed = failed = 0
        failures = []
        for k, fid in enumerate(ids):
            want = recorded[fid] if isinstance(recorded, list) else recorded.get(str(fid))
            if want is None:
                continue
            got = predicted(paths, k)
            if [list(map(str, h)) for h in got] == [list(map(str, h)) for h in want]:
                passed += 1
            else:
                failed += 1
                failures.append((fid, f"flow {fid}: got {paths.describe(k)}; recorded "
                                      f"{' -> '.join(' '.join(map(str, h)) for h in want)}"))
        title = run.get("title", "")
        results.append((f"{label} ({title})" if title else label, passed, failed, failures))
    return results
