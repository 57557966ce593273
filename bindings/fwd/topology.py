"""Topology files for fwd.sim: a small YAML or JSON description of hosts, switches, links, traffic
and faults, turned into a fwd.sim.Network.

Every problem is reported as a TopologyError (a ValueError) whose message starts with
``FILE:LINE:`` and names the problem, e.g. ``topo.yaml:14: host 'fw-a': unknown key 'nicz'
(expected one of: os, tick, ...)``. Syntax errors of YAML or JSON get the parser's line.

Schema (times are seconds or strings with a unit: "10ms", "3s", "250us")::

    seed: 1                      # every random draw of the run
    max_frames: 262144           # frames alive at once before a storm stops the run (0 = no limit)
    until: 10s                   # default run length for `python3 -m fwd sim`
    hosts:
      NAME:
        os: freebsd-9.3          # freebsd-9.3 | freebsd-10 | linux-6.12 (alias linux); fwd.describe.systems()
        hz: 1000                 # kern.hz (or tick: 1ms); 0 = exact timers
        stack_delay: 15us        # every add_host keyword is a host key (fwd.sim.host_settings())
        forwarding: false
        nics: {ix0: "90:e2:ba:0d:0a:98", ix1: "90:e2:ba:0d:0a:99"}
        laggs: {lagg0: {spec: "freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0x1", members: [ix0, ix1], mac: ...}}
        vlans: {vlan2: {parent: lagg0, vid: 2}}
        addresses: {vlan2: [192.168.80.251/24, "fd00:0:0:80::251/64"]}
        routes: {default: 192.168.80.254, "10.0.0.0/8": 192.168.80.1,
                 "198.18.0.0/24": [10.1.1.2, 10.1.2.2],            # multipath, in kernel order
                 "198.19.0.0/24": [{via: 10.1.1.2, weight: 2}, {via: 10.1.2.2, dev: ix1}]}
        ecmp: "linux-6.18:policy=1;seed=0x1234abcd"   # multipath settings (fwd.route spec), or
                                                      # {ipv4: SPEC, ipv6: SPEC}
        local: [198.18.0.0/24]   # prefixes the host owns (fwd.path ends flows to them there)
        carp: [{iface: vlan2, vhid: 2, profile: freebsd-9.3, advbase: 1, advskew: 0,
                vips4: [192.168.80.254], vips6: [...], preempt: false}]
        # carp entries take iface and the settings of carp::Config's table (fwd.sim.carp_settings():
        # vhid, profile, priority, adver_int_cs, preempt, use_vmac, initial_state, processing_delay, ...;
        # the same keywords as Host.add_carp); the older spellings vip, vip6 and send_error_demotion
        # still read as vips4, vips6, senderr_demotion.
        # os: linux without hz means exact timers (kern.hz is FreeBSD's).
        listen: [80]
        capture: [vlan2, lagg0]
        ping: [{dst: 192.168.80.254, count: 1000, start: 5s}]
        tcp: [{dst: [192.168.80.2], port: 80, rate: 10, start: 1s, until: 9s, poisson: false}]
    switches:
      NAME:
        profile: vendor          # linux-bridge | freebsd-bridge | ovs-3.1 | vendor
        latency: 2us
        ageing: 300s
        vlan_aware: true
        ports:
          - {name: fw-a, lag: [fwa-0, fwa-1], lag_spec: "...", vlan_mode: trunk, trunks: [2, 3]}
          - {name: web1, vlan_mode: access, tag: 2}
    links:
      - [fw-a:ix0, sw0:fwa-0]
      - {a: web1:ix0, b: sw0:web1-0, latency: 1us, jitter: 0, loss: 0.0, rate_bps: 10000000000}
    faults:
      - {link: sw0:fwb-0, direction: sw0, match: carp, start: 10s, end: 14s, delay: 0, max_count: 0}
    events:
      - {at: 5s, host: fw-b, spurious_advert: 0}
      - {at: 6s, link_down: fw-a:ix0}
      - {at: 7s, link_up: fw-a:ix0}
      - {at: 8s, host: fw-a, lagg_blackout: lagg0, duration: 3s}
      - {at: 9s, host: fw-a, carp_silence: 0, duration: 4s}
      - {at: 9s, host: fw-a, carp_freeze: 0, duration: 4s}   # SIGSTOP the CARP/VRRP process, SIGCONT after
      - {at: 9s, host: fw-a, iface_down: vlan2}              # ifconfig vlan2 down (carrier untouched)
      - {at: 9s, host: fw-a, iface_up: vlan2}
      - {at: 9s, host: fw-a, send: {iface: lagg0, frame: "ffffffffffff..."}}
    paths:                       # defaults of `python3 -m fwd path`
      ingress: t1:t1-cli         # where flows enter (NODE:PORT) or originate (NODE)
      src: 100.64.0.0/16         # generated flows (--flows N): source and destination prefixes
      dst: 198.18.0.0/24
      protos: [tcp, udp]

The same file describes a fabric for fwd.path (`load_fabric`): a host with `forwarding: true` is a
router, other hosts end the flows addressed to them (their addresses and `local` prefixes);
switches and their LAG ports, laggs, addresses, routes (multipath included) and ECMP settings are
used; vlans are refused (not modelled by fwd.path); CARP, traffic, faults and events are sim-only.
"""
import json

import yaml

from . import sim as _sim
from ._fwd import l2 as _l2


# Older spellings of carp::Config fields, still read from files.
_CARP_OLD_NAMES = {"vip": "vips4", "vip6": "vips6", "send_error_demotion": "senderr_demotion"}


class TopologyError(ValueError):
    """A topology file problem; the message starts with FILE:LINE:."""


class _LDict(dict):
    line = 0
    key_lines = None


class _LList(list):
    line = 0
    item_lines = None


# Limits that keep a hostile file from exhausting the host: aliases may repeat a node (a "billion
# laughs" file doubles its size at every level), so the expanded node count is bounded, and the
# nesting depth (recursion) too. Real topologies are a few hundred nodes, a handful deep.
MAX_NODES = 200_000
MAX_DEPTH = 64


def _convert(node, loader, depth=0, budget=None):
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise TopologyError(f"{loader.name}:{node.start_mark.line + 1}: more than {MAX_NODES} nodes once aliases are "
                            f"expanded (an alias bomb?)")
    if depth > MAX_DEPTH:
        raise TopologyError(f"{loader.name}:{node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, yaml.MappingNode):
        out = _LDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for k, v in node.value:
            key = _convert(k, loader, depth + 1, budget)
            if isinstance(key, (dict, list)):
                raise TopologyError(f"{loader.name}:{k.start_mark.line + 1}: a mapping key must be a scalar")
            key = str(key)
            if key in out:
                raise TopologyError(f"{loader.name}:{k.start_mark.line + 1}: duplicate key '{key}'")
            out[key] = _convert(v, loader, depth + 1, budget)
            out.key_lines[key] = k.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        out = _LList()
        out.line = node.start_mark.line + 1
        out.item_lines = []
        for v in node.value:
            out.append(_convert(v, loader, depth + 1, budget))
            out.item_lines.append(v.start_mark.line + 1)
        return out
    return loader.construct_object(node, deep=True)


def parse_text(text, name="<topology>"):
    """Parses YAML or JSON text into dicts/lists that remember their line numbers."""
    looks_json = name.endswith(".json") or text.lstrip().startswith("{")
    if looks_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as e:
            raise TopologyError(f"{name}:{e.lineno}: JSON syntax error: {e.msg} (column {e.colno})") from None
        except RecursionError:
            raise TopologyError(f"{name}:1: nested more than {MAX_DEPTH} levels deep") from None
    loader = yaml.SafeLoader(text)
    loader.name = name
    try:
        node = loader.get_single_node()
        if node is None:
            raise TopologyError(f"{name}:1: empty topology")
        data = _convert(node, loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise TopologyError(f"{name}:{line}: YAML syntax error: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise TopologyError(f"{name}:1: YAML error: {e}") from None
    except RecursionError:  # the composer itself recurses per level
        raise TopologyError(f"{name}:1: nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise TopologyError(f"{name}:{getattr(data, 'line', 1)}: the top level must be a mapping "
                            f"(keys: seed, until, hosts, switches, links, faults, events)")
    return data


def _short(e):
    """An exception's message without a pybind11 overload dump (keeps the accepted signature)."""
    text = str(e)
    if "incompatible function arguments" in text or "incompatible constructor arguments" in text:
        lines = [l.strip() for l in text.splitlines() if l.strip()]
        sig = next((l[3:] for l in lines if l.startswith("1. ")), "")
        return f"wrong value type: expected {sig}" if sig else lines[0]
    return text


class _Ctx:
    def __init__(self, name):
        self.name = name

    def err(self, line, msg):
        return TopologyError(f"{self.name}:{line}: {msg}")

    def line_of(self, d, key=None):
        if key is not None and isinstance(d, _LDict) and d.key_lines and key in d.key_lines:
            return d.key_lines[key]
        return getattr(d, "line", 1)

    def mapping(self, v, what, line):
        if not isinstance(v, dict):
            raise self.err(getattr(v, "line", line), f"{what} must be a mapping, got {type(v).__name__}")
        return v

    def seq(self, v, what, line):
        if not isinstance(v, list):
            raise self.err(getattr(v, "line", line), f"{what} must be a list, got {type(v).__name__}")
        return v

    def keys(self, d, allowed, what):
        for k in d:
            if k not in allowed:
                raise self.err(self.line_of(d, k), f"{what}: unknown key '{k}' (expected one of: {', '.join(allowed)})")

    def need(self, d, key, what):
        if key not in d:
            raise self.err(self.line_of(d), f"{what}: missing key '{key}'")
        return d[key]

    def time(self, v, what, line):
        try:
            return _sim.parse_time(v if isinstance(v, (int, float, str)) and not isinstance(v, bool) else str(v))
        except (ValueError, TypeError) as e:
            raise self.err(line, f"{what}: {e}") from None

    def boolean(self, v, what, line):
        # Strict: YAML true/false only. A quoted 'no' is a non-empty string, and bool() of it is True.
        if isinstance(v, bool):
            return v
        raise self.err(getattr(v, "line", line), f"{what}: expected true or false, got {v!r}")

    def integer(self, v, what, line, lo, hi):
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(getattr(v, "line", line), f"{what}: expected an integer from {lo} to {hi}, got {v!r}")
        if not lo <= v <= hi:
            raise self.err(line, f"{what}: {v} out of range: expected {lo} to {hi}")
        return v

    def call(self, line, what, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except (ValueError, TypeError) as e:
            raise self.err(line, f"{what}: {_short(e)}") from None


# A host's settings are Network.add_host's keywords (HostConfig's table: fwd.sim.host_settings()),
# then the sections this loader builds.
_HOST_SETTINGS = tuple(_sim.host_settings())
_HOST_KEYS = _HOST_SETTINGS + ("nics", "laggs", "vlans", "addresses", "routes", "ecmp", "local", "carp", "listen",
                               "capture", "ping", "tcp")
_SWITCH_KEYS = ("profile", "latency", "ageing", "vlan_aware", "ports", "flap")
_PORT_KEYS = ("name", "lag", "lag_spec", "vlan_mode", "tag", "trunks", "pvid", "vlans", "untagged", "learning",
              "flood", "mac")
_TOP_KEYS = ("seed", "until", "max_frames", "max_events_pending", "hosts", "switches", "links", "faults",
             "events", "paths")
_PATHS_KEYS = ("ingress", "src", "dst", "protos", "max_hops")


def build(data, name="<topology>"):
    """A fwd.sim.Network from parsed topology data; returns (network, settings dict)."""
    c = _Ctx(name)
    c.keys(data, _TOP_KEYS, "topology")
    seed = data.get("seed", 1)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise c.err(c.line_of(data, "seed"), f"seed must be a non-negative integer, got {seed!r}")
    limits = {k: data[k] for k in ("max_frames", "max_events_pending") if k in data}
    net = c.call(c.line_of(data, "seed"), "topology", _sim.Network, seed=seed, **limits)
    settings = {"until": c.time(data["until"], "until", c.line_of(data, "until")) if "until" in data else None,
                "pings": [], "tcp": []}
    _build_hosts(c, net, data, settings)
    _build_switches(c, net, data)
    _build_links(c, net, data)
    _build_faults(c, net, data)
    _build_events(c, net, data)
    return net, settings


def _build_hosts(c, net, data, settings):
    """hosts: NICs, laggs, vlans, addresses, routes (multipath too), CARP, listeners, captures, traffic."""
    hosts = c.mapping(data.get("hosts", _LDict()), "hosts", c.line_of(data, "hosts"))
    for hname, h in hosts.items():
        hl = c.line_of(hosts, hname)
        h = c.mapping(h if h is not None else _LDict(), f"host '{hname}'", hl)
        what = f"host '{hname}'"
        c.keys(h, _HOST_KEYS, what)
        # Settings go to add_host as they are: it converts and checks each (times in any form), and its
        # messages start with the keyword, which gives the line of the bad one.
        kw = {k: h[k] for k in _HOST_SETTINGS if k in h}
        try:
            host = net.add_host(str(hname), **kw)
        except (ValueError, TypeError) as e:
            bad = next((k for k in kw if str(e).startswith(k + ":")), None)
            raise c.err(c.line_of(h, bad) if bad else hl, f"{what}: {_short(e)}") from None
        nics = c.mapping(h.get("nics", _LDict()), f"{what}: nics", c.line_of(h, "nics"))
        for n, mac in nics.items():
            c.call(c.line_of(nics, n), f"{what}: nic '{n}'", host.add_nic, str(n), str(mac))
        laggs = c.mapping(h.get("laggs", _LDict()), f"{what}: laggs", c.line_of(h, "laggs"))
        for n, lg in laggs.items():
            ll = c.line_of(laggs, n)
            lg = c.mapping(lg, f"{what}: lagg '{n}'", ll)
            c.keys(lg, ("spec", "members", "mac"), f"{what}: lagg '{n}'")
            members = c.seq(c.need(lg, "members", f"{what}: lagg '{n}'"), f"{what}: lagg '{n}': members", ll)
            c.call(ll, f"{what}: lagg '{n}'", host.add_lagg, str(n),
                   str(lg.get("spec", "freebsd-9.3:lacp;lagghash=l2,l3,l4")), [str(m) for m in members],
                   str(lg["mac"]) if "mac" in lg else None)
        vlans = c.mapping(h.get("vlans", _LDict()), f"{what}: vlans", c.line_of(h, "vlans"))
        for n, v in vlans.items():
            vl = c.line_of(vlans, n)
            v = c.mapping(v, f"{what}: vlan '{n}'", vl)
            c.keys(v, ("parent", "vid"), f"{what}: vlan '{n}'")
            vid = c.need(v, "vid", f"{what}: vlan '{n}'")
            if not isinstance(vid, int) or isinstance(vid, bool):
                raise c.err(c.line_of(v, "vid"), f"{what}: vlan '{n}': vid must be an integer 1..4094, got {vid!r}")
            c.call(vl, f"{what}: vlan '{n}'", host.add_vlan, str(n), str(c.need(v, "parent", f"{what}: vlan '{n}'")), vid)
        addrs = c.mapping(h.get("addresses", _LDict()), f"{what}: addresses", c.line_of(h, "addresses"))
        for i, lst in addrs.items():
            al = c.line_of(addrs, i)
            if isinstance(lst, str):
                lst = [lst]
            for a in c.seq(lst, f"{what}: addresses of '{i}'", al):
                c.call(al, f"{what}: address {a!r} on '{i}'", host.add_address, str(i), str(a))
        ecmp = _ecmp_specs(c, h, what)
        for dst, hops, rl in _routes(c, h, what):
            cidr = "0.0.0.0/0" if dst == "default" else str(dst)
            if len(hops) == 1 and hops[0].get("weight", 1) == 1:
                c.call(rl, f"{what}: route {dst} via {hops[0]['via']}", host.add_route, cidr, hops[0]["via"])
            else:
                c.call(rl, f"{what}: multipath route {dst}", host.add_multipath_route, cidr,
                       [x["via"] for x in hops], ecmp[4] or "linux-6.18", [x.get("weight", 1) for x in hops])
        carps = c.seq(h.get("carp", _LList()), f"{what}: carp", c.line_of(h, "carp"))
        for k, cp in enumerate(carps):
            cl = carps.item_lines[k] if getattr(carps, "item_lines", None) else c.line_of(h, "carp")
            cp = c.mapping(cp, f"{what}: carp[{k}]", cl)
            fields = tuple(_sim.carp_settings())  # the table's keys (vhid and profile among them)
            c.keys(cp, ("iface",) + fields + tuple(_CARP_OLD_NAMES), f"{what}: carp[{k}]")
            kw, given = {}, {}
            for x, v in cp.items():
                name = _CARP_OLD_NAMES.get(x, x)
                if name in given:
                    raise c.err(cl, f"{what}: carp[{k}]: both {given[name]} and {x} given (the same setting)")
                given[name] = x
                if name in ("vips4", "vips6"):
                    v = [str(a) for a in ([v] if isinstance(v, str) else c.seq(v, f"{what}: carp[{k}]: {x}", cl))]
                # (pass and ifname are text even when YAML reads them as numbers)
                elif name in ("src4", "src6", "garp_target_hw", "profile", "pass", "ifname"):
                    v = str(v)
                if name not in ("iface", "vhid"):
                    kw[name] = v
            c.call(cl, f"{what}: carp[{k}]", host.add_carp, str(c.need(cp, "iface", f"{what}: carp[{k}]")),
                   c.need(cp, "vhid", f"{what}: carp[{k}]"), **kw)
        for p in c.seq(h.get("listen", _LList()), f"{what}: listen", c.line_of(h, "listen")):
            c.call(c.line_of(h, "listen"), f"{what}: listen {p!r}", host.listen, p)
        for i in c.seq(h.get("capture", _LList()), f"{what}: capture", c.line_of(h, "capture")):
            c.call(c.line_of(h, "capture"), f"{what}: capture {i!r}", host.capture, str(i))
        pings = c.seq(h.get("ping", _LList()), f"{what}: ping", c.line_of(h, "ping"))
        for k, p in enumerate(pings):
            pl = pings.item_lines[k]
            p = c.mapping(p, f"{what}: ping[{k}]", pl)
            c.keys(p, ("dst", "count", "start", "interval", "turnaround", "id"), f"{what}: ping[{k}]")
            kw = {x: p[x] for x in ("count", "id") if x in p}
            for x in ("start", "interval", "turnaround"):
                if x in p:
                    kw[x] = c.time(p[x], f"{what}: ping[{k}]: {x}", c.line_of(p, x))
            idx = c.call(pl, f"{what}: ping[{k}]", host.ping_flood, str(c.need(p, "dst", f"{what}: ping[{k}]")), **kw)
            settings["pings"].append((str(hname), idx, str(p["dst"])))
        tcps = c.seq(h.get("tcp", _LList()), f"{what}: tcp", c.line_of(h, "tcp"))
        for k, t in enumerate(tcps):
            tl = tcps.item_lines[k]
            t = c.mapping(t, f"{what}: tcp[{k}]", tl)
            c.keys(t, ("dst", "port", "rate", "start", "until", "max_count", "poisson"), f"{what}: tcp[{k}]")
            dst = c.need(t, "dst", f"{what}: tcp[{k}]")
            kw = {x: t[x] for x in ("port", "rate", "max_count", "poisson") if x in t}
            for x in ("start", "until"):
                if x in t:
                    kw[x] = c.time(t[x], f"{what}: tcp[{k}]: {x}", c.line_of(t, x))
            idx = c.call(tl, f"{what}: tcp[{k}]", host.tcp_connects, str(dst) if isinstance(dst, str) else [str(x) for x in dst], **kw)
            settings["tcp"].append((str(hname), idx))


def _build_switches(c, net, data):
    """switches: fwd.l2 switches with their ports (LAG ports too)."""
    switches = c.mapping(data.get("switches", _LDict()), "switches", c.line_of(data, "switches"))
    for sname, s in switches.items():
        sl = c.line_of(switches, sname)
        what = f"switch '{sname}'"
        s = c.mapping(s, what, sl)
        c.keys(s, _SWITCH_KEYS, what)
        ports = []
        plist = c.seq(c.need(s, "ports", what), f"{what}: ports", c.line_of(s, "ports"))
        for k, p in enumerate(plist):
            pl = plist.item_lines[k]
            p = c.mapping(p, f"{what}: ports[{k}]", pl)
            c.keys(p, _PORT_KEYS, f"{what}: ports[{k}]")
            kw = {}
            if "lag" in p:
                kw["lag"] = c.call(pl, f"{what}: ports[{k}]", _l2.LagConfig, [str(m) for m in c.seq(p["lag"], "lag", pl)],
                                   spec=str(p.get("lag_spec", "")))
            for x in ("vlan_mode",):
                if x in p:
                    kw[x] = str(p[x])
            for x in ("tag", "pvid"):
                if x in p:
                    kw[x] = c.integer(p[x], f"{what}: ports[{k}]: {x}", c.line_of(p, x), 0, 4095)
            for x in ("learning", "flood"):
                if x in p:
                    kw[x] = c.boolean(p[x], f"{what}: ports[{k}]: {x}", c.line_of(p, x))
            for x in ("trunks", "vlans", "untagged"):
                if x in p:
                    kw[x] = list(p[x])
            if "mac" in p:
                kw["mac"] = str(p["mac"])
            ports.append(c.call(pl, f"{what}: ports[{k}]", _l2.PortConfig, str(c.need(p, "name", f"{what}: ports[{k}]")), **kw))
        kw = {}
        if "profile" in s:
            kw["profile"] = str(s["profile"])
        for x in ("latency", "ageing"):
            if x in s:
                kw[x] = c.time(s[x], f"{what}: {x}", c.line_of(s, x))
        if "vlan_aware" in s:
            kw["vlan_aware"] = c.boolean(s["vlan_aware"], f"{what}: vlan_aware", c.line_of(s, "vlan_aware"))
        if "flap" in s:
            kw["flap"] = c.call(c.line_of(s, "flap"), f"{what}: flap", _l2.FlapConfig.preset, str(s["flap"]))
        try:
            net.add_switch(str(sname), ports, **kw)
        except (ValueError, TypeError) as e:
            where = c.line_of(s, "profile") if "profile" in str(e) and "profile" in s else sl
            raise c.err(where, f"{what}: {e}") from None


def _links(c, data):
    """(what, line, A, B, options mapping or None) per entry of `links`: [A, B] or {a, b, latency, ...}."""
    links = c.seq(data.get("links", _LList()), "links", c.line_of(data, "links"))
    for k, ln in enumerate(links):
        ll = links.item_lines[k]
        what = f"links[{k}]"
        if isinstance(ln, list):
            if len(ln) != 2:
                raise c.err(ll, f"{what}: a link is [A, B] with two endpoints, got {len(ln)}")
            yield what, ll, ln[0], ln[1], None
        else:
            ln = c.mapping(ln, what, ll)
            c.keys(ln, ("a", "b", "latency", "jitter", "loss", "rate_bps"), what)
            yield what, ll, c.need(ln, "a", what), c.need(ln, "b", what), ln


def _build_links(c, net, data):
    """links: [A, B] or {a, b, latency, jitter, loss, rate_bps}."""
    for what, ll, a, b, ln in _links(c, data):
        kw = {}
        if ln is not None:
            for x in ("latency", "jitter"):
                if x in ln:
                    kw[x] = c.time(ln[x], f"{what}: {x}", c.line_of(ln, x))
            for x in ("loss", "rate_bps"):
                if x in ln:
                    kw[x] = ln[x]
        c.call(ll, what, net.connect, str(a), str(b), **kw)


def _build_faults(c, net, data):
    """faults: per-link frame loss/delay windows."""
    faults = c.seq(data.get("faults", _LList()), "faults", c.line_of(data, "faults"))
    for k, f in enumerate(faults):
        fl = faults.item_lines[k]
        what = f"faults[{k}]"
        f = c.mapping(f, what, fl)
        c.keys(f, ("link", "direction", "start", "end", "match", "mac", "delay", "max_count"), what)
        kw = {x: f[x] for x in ("direction", "match", "max_count") if x in f}
        for x in ("start", "end", "delay"):
            if x in f:
                kw[x] = c.time(f[x], f"{what}: {x}", c.line_of(f, x))
        if "mac" in f:
            kw["mac"] = str(f["mac"])
        c.call(fl, what, net.add_fault, str(c.need(f, "link", what)), **kw)


def _build_events(c, net, data):
    """events: timed actions (link up/down, CARP, lagg blackouts, frames to send)."""
    events = c.seq(data.get("events", _LList()), "events", c.line_of(data, "events"))
    for k, e in enumerate(events):
        el = events.item_lines[k]
        what = f"events[{k}]"
        e = c.mapping(e, what, el)
        kinds = ("spurious_advert", "link_down", "link_up", "lagg_blackout", "carp_silence", "carp_freeze", "send",
                 "carp_state", "iface_down", "iface_up")
        c.keys(e, ("at", "host", "duration") + kinds, what)
        at = c.time(c.need(e, "at", what), f"{what}: at", c.line_of(e, "at"))
        actions = [x for x in kinds if x in e]
        if len(actions) != 1:
            raise c.err(el, f"{what}: exactly one action expected ({', '.join(kinds)}), got {actions or 'none'}")
        act = actions[0]
        if act in ("link_down", "link_up"):
            c.call(el, what, net.set_link_up_at, at, str(e[act]), act == "link_up")
            continue
        hname = str(c.need(e, "host", what))
        host = c.call(el, what, net.host, hname)
        if act == "spurious_advert":
            idx = e[act]
            c.call(el, what, host.carp_state, idx)  # validates the index now
            net.at(at, lambda n, h=hname, i=idx: n.host(h).send_spurious_advert(i))
        elif act == "carp_state":
            spec = c.mapping(e[act], f"{what}: carp_state", el)
            idx, state = spec.get("index", 0), str(c.need(spec, "state", f"{what}: carp_state"))
            if state not in ("backup", "master", "down", "up"):
                raise c.err(el, f"{what}: carp_state '{state}': expected backup, master, down, up")
            net.at(at, lambda n, h=hname, i=idx, s=state: n.host(h).carp_force_state(i, s))
        elif act in ("iface_down", "iface_up"):
            ifn = str(e[act])
            c.call(el, what, host.iface_mac, ifn)  # validates the interface now
            net.at(at, lambda n, h=hname, i=ifn, up=(act == "iface_up"): n.host(h).set_iface_up(i, up))
        elif act == "carp_freeze":
            idx = e[act]
            if not isinstance(idx, int) or isinstance(idx, bool):
                raise c.err(el, f"{what}: carp_freeze: expected a vhid index (integer), got {idx!r}")
            c.call(el, what, host.carp_state, idx)  # validates the index now
            dur = c.time(c.need(e, "duration", what), f"{what}: duration", c.line_of(e, "duration"))
            net.at(at, lambda n, h=hname, i=idx: n.host(h).carp_freeze(i, True))
            net.at(at + dur, lambda n, h=hname, i=idx: n.host(h).carp_freeze(i, False))
        elif act in ("lagg_blackout", "carp_silence"):
            dur = c.time(c.need(e, "duration", what), f"{what}: duration", c.line_of(e, "duration"))
            if act == "lagg_blackout":
                c.call(el, what, host.lagg_blackout, str(e[act]), at, at + dur)
            else:
                c.call(el, what, host.carp_silence, int(e[act]), at, at + dur)
        elif act == "send":
            s = c.mapping(e[act], f"{what}: send", el)
            c.keys(s, ("iface", "frame"), f"{what}: send")
            hexs = str(c.need(s, "frame", f"{what}: send")).replace(" ", "").replace(":", "")
            try:
                frame = bytes.fromhex(hexs)
            except ValueError:
                raise c.err(el, f"{what}: send: frame is not hex") from None
            c.call(el, what, net.send_frame_at, at, hname, str(c.need(s, "iface", f"{what}: send")), frame)

def _ecmp_specs(c, h, what):
    """{4: spec or None, 6: spec or None} from a host's `ecmp` key (validated by the route layer)."""
    if "ecmp" not in h:
        return {4: None, 6: None}
    el = c.line_of(h, "ecmp")
    e = h["ecmp"]
    if isinstance(e, str):
        out = {4: e, 6: e}
    else:
        e = c.mapping(e, f"{what}: ecmp", el)
        c.keys(e, ("ipv4", "ipv6"), f"{what}: ecmp")
        out = {4: str(e["ipv4"]) if "ipv4" in e else None, 6: str(e["ipv6"]) if "ipv6" in e else None}
    from ._fwd import path as _path
    probe = _path.Fabric()
    probe.add_node("probe", "router")
    for fam, spec in out.items():
        if spec is not None:
            c.call(el, f"{what}: ecmp", probe.set_ecmp, "probe", spec, fam)
    return out


def _routes(c, h, what):
    """(destination, [{via, dev?, weight?}], line) per route of a host, in file order."""
    routes = c.mapping(h.get("routes", _LDict()), f"{what}: routes", c.line_of(h, "routes"))
    out = []
    for dst, val in routes.items():
        rl = c.line_of(routes, dst)
        if isinstance(val, list):
            if not val:
                raise c.err(rl, f"{what}: route {dst}: an empty list of next hops")
            hops = []
            for k, hop in enumerate(val):
                hl = val.item_lines[k] if getattr(val, "item_lines", None) else rl
                if isinstance(hop, dict):
                    c.keys(hop, ("via", "dev", "weight"), f"{what}: route {dst}: next hop {k + 1}")
                    x = {"via": str(c.need(hop, "via", f"{what}: route {dst}: next hop {k + 1}"))}
                    if "dev" in hop:
                        x["dev"] = str(hop["dev"])
                    if "weight" in hop:
                        w = hop["weight"]
                        if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= 256:
                            raise c.err(c.line_of(hop, "weight"), f"{what}: route {dst}: weight must be 1..256, got {w!r}")
                        x["weight"] = w
                    x["line"] = hl
                    hops.append(x)
                elif isinstance(hop, (str, int)) and not isinstance(hop, bool):
                    hops.append({"via": str(hop), "line": hl})
                else:
                    raise c.err(hl, f"{what}: route {dst}: a next hop is a gateway address or "
                                    f"{{via, dev, weight}}, got {type(hop).__name__}")
            out.append((str(dst), hops, rl))
        elif isinstance(val, (str, int)) and not isinstance(val, bool):
            out.append((str(dst), [{"via": str(val), "line": rl}], rl))
        else:
            raise c.err(rl, f"{what}: route {dst}: expected a gateway, a list of gateways or of "
                            f"{{via, dev, weight}}, got {type(val).__name__}")
    return out


# ---- the same file as a fwd.path fabric -------------------------------------------------------------

def build_fabric(data, name="<topology>"):
    """A fwd.path.Fabric from parsed topology data -> (fabric, settings). settings: `paths` defaults
    and `route_lines` {(node, destination): line} for error messages about routes."""
    import ipaddress
    from .path import Fabric
    c = _Ctx(name)
    c.keys(data, _TOP_KEYS, "topology")
    f = Fabric()
    settings = {"route_lines": {}, "host_lines": {}, "paths": {}, "name": name}
    hosts = c.mapping(data.get("hosts", _LDict()), "hosts", c.line_of(data, "hosts"))
    pending_routes = []
    for hname, h in hosts.items():
        hl = c.line_of(hosts, hname)
        h = c.mapping(h if h is not None else _LDict(), f"host '{hname}'", hl)
        what = f"host '{hname}'"
        c.keys(h, _HOST_KEYS, what)
        fwd_on = h.get("forwarding", False)
        if not isinstance(fwd_on, bool):
            raise c.err(c.line_of(h, "forwarding"), f"{what}: forwarding must be true or false")
        c.call(hl, what, f.add_node, str(hname), "router" if fwd_on else "host")
        settings["host_lines"][str(hname)] = c.line_of(h, "routes") if "routes" in h else hl
        if "vlans" in h and h["vlans"]:
            raise c.err(c.line_of(h, "vlans"), f"{what}: vlan interfaces are not modelled by fwd.path "
                                               f"(remove them, or use fwd.sim)")
        nics = c.mapping(h.get("nics", _LDict()), f"{what}: nics", c.line_of(h, "nics"))
        for n, mac in nics.items():
            c.call(c.line_of(nics, n), f"{what}: nic '{n}'", f.add_port, str(hname), str(n), str(mac))
        laggs = c.mapping(h.get("laggs", _LDict()), f"{what}: laggs", c.line_of(h, "laggs"))
        for n, lg in laggs.items():
            ll = c.line_of(laggs, n)
            lg = c.mapping(lg, f"{what}: lagg '{n}'", ll)
            c.keys(lg, ("spec", "members", "mac"), f"{what}: lagg '{n}'")
            members = c.seq(c.need(lg, "members", f"{what}: lagg '{n}'"), f"{what}: lagg '{n}': members", ll)
            c.call(ll, f"{what}: lagg '{n}'", f.add_lag, str(hname), str(n),
                   str(lg.get("spec", "freebsd-9.3:lacp;lagghash=l2,l3,l4")), [str(m) for m in members],
                   str(lg["mac"]) if "mac" in lg else None)
        addrs = c.mapping(h.get("addresses", _LDict()), f"{what}: addresses", c.line_of(h, "addresses"))
        owned = []
        for i, lst in addrs.items():
            al = c.line_of(addrs, i)
            if isinstance(lst, str):
                lst = [lst]
            for a in c.seq(lst, f"{what}: addresses of '{i}'", al):
                c.call(al, f"{what}: address {a!r} on '{i}'", f.add_address, f"{hname}:{i}", str(a))
                try:
                    owned.append((str(i), ipaddress.ip_interface(str(a)).network))
                except ValueError:
                    pass
        locals_ = c.seq(h.get("local", _LList()), f"{what}: local", c.line_of(h, "local"))
        for pfx in locals_:
            c.call(c.line_of(h, "local"), f"{what}: local {pfx!r}", f.add_local, str(hname), str(pfx))
        specs = _ecmp_specs(c, h, what)
        for fam, spec in specs.items():
            if spec is not None:
                f.set_ecmp(str(hname), spec, fam)
        pending_routes.append((hname, what, owned, _routes(c, h, what)))
    for hname, what, owned, routes in pending_routes:
        for dst, hops, rl in routes:
            nh = []
            for hop in hops:
                dev = hop.get("dev")
                if dev is None:
                    # The kernel's rule: the gateway must be on a connected network of the node.
                    try:
                        gw = ipaddress.ip_address(hop["via"])
                    except ValueError:
                        raise c.err(hop["line"], f"{what}: route {dst}: gateway {hop['via']!r} is not an IP address") from None
                    dev = next((i for i, netw in owned if gw.version == netw.version and gw in netw), None)
                    if dev is None:
                        raise c.err(hop["line"], f"{what}: route {dst}: gateway {hop['via']} is not on a connected "
                                                 f"network of this host (the route does not reach)")
                nh.append({"gw": hop["via"], "dev": dev, "weight": hop.get("weight", 1)})
            cidr = ("0.0.0.0/0" if ":" not in hops[0]["via"] else "::/0") if dst == "default" else dst
            c.call(rl, f"{what}: route {dst}", f.add_route, str(hname), cidr, nh)
            settings["route_lines"][(str(hname), cidr)] = rl
    switches = c.mapping(data.get("switches", _LDict()), "switches", c.line_of(data, "switches"))
    for sname, s in switches.items():
        sl = c.line_of(switches, sname)
        what = f"switch '{sname}'"
        s = c.mapping(s, what, sl)
        c.keys(s, _SWITCH_KEYS, what)
        c.call(sl, what, f.add_node, str(sname), "switch")
        plist = c.seq(c.need(s, "ports", what), f"{what}: ports", c.line_of(s, "ports"))
        for k, p in enumerate(plist):
            pl = plist.item_lines[k]
            p = c.mapping(p, f"{what}: ports[{k}]", pl)
            c.keys(p, _PORT_KEYS, f"{what}: ports[{k}]")
            pname = str(c.need(p, "name", f"{what}: ports[{k}]"))
            if "lag" in p:
                members = [str(m) for m in c.seq(p["lag"], "lag", pl)]
                for m in members:
                    c.call(pl, f"{what}: ports[{k}]", f.add_port, str(sname), m)
                c.call(pl, f"{what}: ports[{k}]", f.add_lag, str(sname), pname,
                       str(p.get("lag_spec") or "vendor:modulo"), members)
            else:
                c.call(pl, f"{what}: ports[{k}]", f.add_port, str(sname), pname)
    for what, ll, a, b, _ in _links(c, data):
        c.call(ll, what, f.connect, str(a), str(b))
    if "paths" in data:
        pth = c.mapping(data["paths"], "paths", c.line_of(data, "paths"))
        c.keys(pth, _PATHS_KEYS, "paths")
        settings["paths"] = {k: pth[k] for k in pth}
        settings["paths_lines"] = {k: c.line_of(pth, k) for k in pth}
    try:
        f.compile()
    except ValueError as e:
        raise c.err(c.line_of(data, "links"), f"fabric: {e}") from None
    return f, settings


def route_problems(paths, settings):
    """FILE:LINE: messages for flows that found no route or looped, naming the route at fault."""
    import numpy as np
    from .path import DROP_REASONS
    name = settings.get("name", "<topology>")
    a = paths.arrays
    f = paths.fabric
    out = []
    nodes = f.node_names
    for reason in ("no_route", "loop"):
        code = DROP_REASONS.index(reason)
        idx = np.flatnonzero(a["drop"] == code)
        seen = set()
        for i in idx:
            node = nodes[a["drop_node"][i]]
            if reason == "no_route":
                key = (node, "no_route")
                if key in seen:
                    continue
                seen.add(key)
                line = settings.get("host_lines", {}).get(node, 1)
                out.append(f"{name}:{line}: host '{node}': no route for flows like #{i} ({paths.describe(i)}); "
                           f"{int((a['drop_node'][idx] == a['drop_node'][i]).sum())} flows dropped there")
            else:
                hops = [nodes[x] for x in a["hop_node"][i, :a["n_hops"][i]]]
                last = int(a["hop_nexthop"][i, a["n_hops"][i] - 1])
                prefix = f.nexthop_prefixes[last] if last >= 0 else ""
                if prefix == "default":
                    prefix = "::/0" if ":" in f.nexthop_gateways[last] else "0.0.0.0/0"
                line = settings.get("route_lines", {}).get((hops[-1], prefix), 1)
                key = tuple(hops)
                if key in seen:
                    continue
                seen.add(key)
                out.append(f"{name}:{line}: routing loop: {' -> '.join(hops + [node])} (flow #{i}); "
                           f"route {prefix} at '{hops[-1]}' sends the flow back to '{node}'")
    return out


def _read(path):
    """The parsed data of a YAML or JSON topology file (errors name the file)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        raise OSError(f"cannot read topology {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise TopologyError(f"{path}:1: not UTF-8 text ({e.reason})") from None
    return parse_text(text, str(path))


def load_fabric(path):
    """Reads a YAML or JSON topology file as a fwd.path fabric -> (Fabric, settings)."""
    return build_fabric(_read(path), str(path))


def load(path):
    """Reads a YAML or JSON topology file; returns (fwd.sim.Network, settings)."""
    return build(_read(path), str(path))
