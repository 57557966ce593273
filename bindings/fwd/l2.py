"""MAC learning switches that follow real systems: Linux bridge 6.x, FreeBSD 9.x if_bridge,
Open vSwitch 3.1 (NORMAL action) and a generic vendor switch with flap detection.

    >>> import fwd.l2 as l2
    >>> sw = l2.Switch("linux-bridge", [l2.PortConfig("p1"), l2.PortConfig("p2")])
    >>> d = sw.receive("p1", frame, now=0.0)
    >>> d.verdict, d.egress            # 'flooded', {'p2': b'...'}
    >>> print(sw.fdb_show(now=1.0))    # ovs-appctl fdb/show style
    >>> l2.events_dataframe(sw)        # moves, expiries, flaps as a pandas DataFrame

Scenario replay (format: tests/data/scenarios/README.md):

    >>> result = l2.replay_file("tests/data/scenarios/linux-bridge/move-basic.json")
    >>> result.passed, result.difference
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Iterable, List, Optional

from ._fwd import Error  # noqa: F401
from ._fwd.l2 import (  # noqa: F401
    Decision,
    FlapAction,
    FlapConfig,
    FlapEmit,
    FlapScope,
    FlapWindow,
    LagConfig,
    MacTable,
    Overflow,
    PortConfig,
    Profile,
    Switch,
    slb_bucket,
)

__all__ = [
    "Switch", "MacTable", "PortConfig", "LagConfig", "FlapConfig", "FlapAction", "FlapEmit",
    "FlapScope", "FlapWindow", "Overflow", "Profile", "Decision", "Event", "drain_events",
    "events_dataframe", "ScenarioError", "ReplayResult", "load_scenario", "build_switch",
    "replay", "replay_file", "scenario_files",
]


# ---- events ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Event:
    """One table event: a move is (time, vlan, mac, from_port, to_port); a flap adds the number
    of moves in the window (`count`) and the action taken."""
    time: float
    kind: str
    mac: str
    vlan: int
    from_port: object
    to_port: object
    count: int
    action: str


def drain_events(source) -> List[Event]:
    """Events kept by a Switch or MacTable since the last call, oldest first, as Event objects."""
    return [Event(**d) for d in source.drain_events()]


def events_dataframe(source):
    """Events as a pandas DataFrame (columns: time, kind, mac, vlan, from_port, to_port, count,
    action). `source` is a Switch, a MacTable (drained) or a list of Event objects."""
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("events_dataframe needs pandas (Debian: apt-get install python3-pandas)") from e
    events = source if isinstance(source, list) else drain_events(source)
    cols = [f.name for f in dataclasses.fields(Event)]
    return pd.DataFrame([dataclasses.asdict(e) for e in events], columns=cols)


# ---- scenarios ---------------------------------------------------------------------------------

class ScenarioError(ValueError):
    """A scenario file that cannot be replayed: names the file and the problem."""


SYSTEMS = {"linux-bridge", "ovs-3.1", "freebsd-bridge", "vendor"}
_HEX = re.compile(r"^[0-9a-fA-F]*$")


def _fail(path, msg):
    raise ScenarioError(f"{path}: {msg}")


# Bounds of values in a scenario file: times are int64 nanoseconds in the library (about +-292
# years), so milliseconds beyond that cannot be replayed; a burst is replayed copy by copy (and up
# to 100 times more while fitting the OVS revalidator phase), so its size is bounded to keep a
# replay to seconds.
MAX_TIME_MS = 9_223_372_036_854
MAX_BURST_COPIES = 20_000


def _number(path, where, v, lo, hi):
    """A finite JSON number in [lo, hi] (booleans, strings, NaN and infinities refused)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (lo <= v <= hi):
        _fail(path, f"{where}: expected a number from {lo:g} to {hi:g}, got {str(v)[:40]!r}")
    return v


def _integer(path, where, v, lo, hi):
    """A JSON integer in [lo, hi] (strictly: 2.0 is a float, as the library would see it)."""
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        _fail(path, f"{where}: expected an integer from {lo} to {hi}, got {str(v)[:40]!r}")
    return v


def _kind(path, where, v, types, what):
    if not isinstance(v, types):
        _fail(path, f"{where}: expected {what}, got {type(v).__name__}")
    return v


def _check_config(path, sc):
    """The bridge, ports and static entries: every field the replay reads has the type and range
    it needs, so a malformed file ends as one ScenarioError, not a library or pybind11 error."""
    if "name" in sc:
        _kind(path, "name", sc["name"], str, "a string")
    br = _kind(path, "bridge", sc.get("bridge", {}), dict, "an object")
    for key in ("ageing_time_s", "mac_aging_time_s"):
        if key in br:
            _number(path, f"bridge: {key}", br[key], 0, 1e9)
    for key in ("mac_table_size", "fdb_max_learned"):
        if br.get(key) is not None:
            _integer(path, f"bridge: {key}", br[key], 0, 2**32 - 1)
    if "group_fwd_mask" in br:
        _integer(path, "bridge: group_fwd_mask", br["group_fwd_mask"], 0, 0xFFFF)
    if br.get("bridge_mac"):
        _kind(path, "bridge: bridge_mac", br["bridge_mac"], str, "a MAC address string")
    seen = set()
    for i, p in enumerate(sc["ports"]):
        where = f"ports[{i}] ({p['name']})"
        if p["name"] in seen:
            _fail(path, f"{where}: duplicate port name")
        seen.add(p["name"])
        if "bridge_port_mac" in p:
            _kind(path, f"{where}: bridge_port_mac", p["bridge_port_mac"], str, "a MAC address string")
        for key in ("tag", "pvid"):
            if p.get(key) is not None:
                _integer(path, f"{where}: {key}", p[key], 0, 4095)
        for key in ("trunks", "vlans", "untagged"):
            if p.get(key):
                for k, v in enumerate(_kind(path, f"{where}: {key}", p[key], list, "a list of VLAN ids")):
                    _integer(path, f"{where}: {key}[{k}]", v, 0, 4095)
        if p.get("vlan_mode"):
            _kind(path, f"{where}: vlan_mode", p["vlan_mode"], str, "a string")
        if p.get("bond"):
            b = _kind(path, f"{where}: bond", p["bond"], dict, "an object")
            members = _kind(path, f"{where}: bond members", b.get("members"), list, "a list of member names")
            for m in members:
                if not isinstance(m, str) or not m:
                    _fail(path, f"{where}: bond members: expected non-empty names, got {str(m)[:40]!r}")
            for key in ("mode", "lacp", "primary"):
                if b.get(key) is not None:
                    _kind(path, f"{where}: bond {key}", b[key], str, "a string")
            for key in ("basis", "rebalance_interval_ms", "updelay_ms", "bond_updelay", "updelay",
                        "downdelay_ms", "bond_downdelay", "downdelay"):
                if b.get(key) is not None:
                    _integer(path, f"{where}: bond {key}", b[key], 0, 2**64 - 1 if key == "basis" else 2**31 - 1)
    for i, e in enumerate(_kind(path, "static_fdb", sc.get("static_fdb") or [], list, "a list")):
        where = f"static_fdb[{i}]"
        _kind(path, where, e, dict, "an object")
        _kind(path, f"{where}: mac", e.get("mac"), str, "a MAC address string")
        _kind(path, f"{where}: port", e.get("port"), str, "a port name")
        if e.get("vlan") is not None:
            _integer(path, f"{where}: vlan", e["vlan"], 0, 4095)


def _check_snapshot(path, where, op, s):
    """The fields of fdb / fdb_stats / bond_hash / bond_show steps that the replay compares."""
    if op == "fdb":
        for k, e in enumerate(s["entries"]):
            w = f"{where} (fdb) entries[{k}]"
            _kind(path, w, e, dict, "an object")
            _kind(path, f"{w}: mac", e.get("mac"), str, "a MAC address string")
            _kind(path, f"{w}: port", e.get("port"), str, "a port name")
            if e.get("vlan") is not None:
                _integer(path, f"{w}: vlan", e["vlan"], 0, 4095)
            _kind(path, f"{w}: flags", e.get("flags") or [], list, "a list")
        if "fdb_n_learned" in s:
            _integer(path, f"{where} (fdb): fdb_n_learned", s["fdb_n_learned"], 0, 2**63 - 1)
    elif op == "fdb_stats":
        _kind(path, f"{where} (fdb_stats): stats", s.get("stats", {}), dict, "an object")
    elif op == "bond_hash":
        _integer(path, f"{where} (bond_hash): basis", s.get("basis", 0), 0, 2**64 - 1)
        for k, h in enumerate(_kind(path, f"{where} (bond_hash): hashes", s.get("hashes", []), list, "a list")):
            w = f"{where} (bond_hash) hashes[{k}]"
            _kind(path, w, h, dict, "an object")
            _kind(path, f"{w}: mac", h.get("mac"), str, "a MAC address string")
            _integer(path, f"{w}: vlan", h.get("vlan"), 0, 4095)
    elif op == "bond_show":
        for key in ("buckets", "members"):
            _kind(path, f"{where} (bond_show): {key}", s.get(key) or {}, dict, "an object")
        for line in _kind(path, f"{where} (bond_show): raw", s.get("raw") or [], list, "a list of lines"):
            _kind(path, f"{where} (bond_show): raw", line, str, "a list of lines")


def _hex(path, where, text):
    if not isinstance(text, str) or len(text) % 2 or not _HEX.match(text):
        _fail(path, f"{where}: not an even-length hex string: {str(text)[:40]!r}")
    return bytes.fromhex(text)


def load_scenario(path) -> dict:
    """Reads and checks a scenario file; raises ScenarioError naming the file and the problem."""
    try:
        with open(path) as f:
            sc = json.load(f)
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{path}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except RecursionError:
        raise ScenarioError(f"{path}: JSON nested too deeply") from None
    except ValueError as e:  # e.g. an integer literal of thousands of digits
        raise ScenarioError(f"{path}: not a usable JSON value: {e}") from None
    if not isinstance(sc, dict):
        _fail(path, "top level must be an object")
    for key in ("name", "system", "ports", "steps"):
        if key not in sc:
            _fail(path, f"missing required field '{key}'")
    if not isinstance(sc["system"], str) or sc["system"] not in SYSTEMS:
        _fail(path, f"unknown system '{sc['system']}': expected one of {', '.join(sorted(SYSTEMS))}")
    if not isinstance(sc["ports"], list) or not sc["ports"]:
        _fail(path, "'ports' must be a non-empty list")
    names = set()
    for i, p in enumerate(sc["ports"]):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not p["name"]:
            _fail(path, f"ports[{i}]: needs a 'name'")
        names.add(p["name"])
        bond = p.get("bond") or {}
        if isinstance(bond, dict) and isinstance(bond.get("members"), list):
            names.update(m for m in bond["members"] if isinstance(m, str))
    if not isinstance(sc["steps"], list):
        _fail(path, "'steps' must be a list")
    _check_config(path, sc)
    total_copies = 0
    for i, s in enumerate(sc["steps"]):
        where = f"steps[{i}]"
        if not isinstance(s, dict) or "op" not in s:
            _fail(path, f"{where}: needs an 'op'")
        _number(path, f"{where}: t_ms", s.get("t_ms", 0), 0, MAX_TIME_MS)
        op = s["op"]
        if op in ("inject", "burst"):
            if s.get("port") not in names:
                _fail(path, f"{where} ({op}): unknown port {s.get('port')!r}: the scenario has {', '.join(sorted(names))}")
            _hex(path, f"{where} frame_hex", s.get("frame_hex"))  # < 14 bytes is valid: dropped as too_short
            if op == "burst":
                copies = _integer(path, f"{where} (burst): count", s.get("count", 1), 1, MAX_BURST_COPIES)
                total_copies += copies
                if total_copies > MAX_BURST_COPIES:
                    _fail(path, f"{where} (burst): more than {MAX_BURST_COPIES} burst copies in the file")
            if s.get("datapath") is not None:
                _kind(path, f"{where} ({op}): datapath", s["datapath"], str, "'miss', 'hit' or 'none'")
            if op == "inject":
                eg = s.get("egress")
                if not isinstance(eg, dict):
                    _fail(path, f"{where} (inject): 'egress' must be an object")
                for k, v in eg.items():
                    if k not in names:
                        _fail(path, f"{where} (inject): egress names unknown port {k!r}")
                    for h in (v if isinstance(v, list) else [v]):
                        _hex(path, f"{where} egress[{k}]", h)
        elif op == "fdb":
            if not isinstance(s.get("entries"), list):
                _fail(path, f"{where} (fdb): 'entries' must be a list")
            _check_snapshot(path, where, op, s)
        elif op == "wait":
            _number(path, f"{where} (wait): ms", s.get("ms"), 0, MAX_TIME_MS)
        elif op == "link":
            if s.get("port") not in names:
                _fail(path, f"{where} (link): unknown port {s.get('port')!r}")
            if s.get("state") not in ("up", "down"):
                _fail(path, f"{where} (link): state must be 'up' or 'down', got {s.get('state')!r}")
            if s.get("side", "bridge") not in ("bridge", "peer"):
                _fail(path, f"{where} (link): side must be 'bridge' or 'peer', got {str(s.get('side'))[:40]!r}")
        elif op == "fdb_cmd":
            if not isinstance(s.get("args"), str) or "rc" not in s:
                _fail(path, f"{where} (fdb_cmd): needs 'args' (string) and 'rc'")
            _integer(path, f"{where} (fdb_cmd): rc", s["rc"], -(2**31), 2**31 - 1)
        elif op in ("fdb_stats", "bond_show", "bond_hash"):
            _check_snapshot(path, where, op, s)
        else:
            _fail(path, f"{where}: unknown op {op!r}")
    return sc


def scenario_files(paths: Iterable[str]) -> List[str]:
    """Every *.json scenario under the given files/directories, sorted."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                out += [os.path.join(root, f) for f in files if f.endswith(".json")]
        else:
            out.append(p)
    return sorted(out)


# At most 15 digits: a longer number is no timer a recording prints (and would not fit int64 ns).
_NEXT_REBALANCE = re.compile(r"^next rebalance: (-?\d{1,15}) ms$")


def _first_rebalance(sc):
    """The bond's rebalance timer phase (a time for LagConfig's first_rebalance), read from the
    first recorded bond/show (the bond was created before the recording started, so the phase
    is state, not configuration). OVS prints it in whole ms."""
    for s in sc["steps"]:
        if s.get("op") == "bond_show":
            for line in s.get("raw") or []:
                m = _NEXT_REBALANCE.match(line.strip())
                if m:
                    return f"{int(round(float(s.get('t_ms', 0)))) + int(m.group(1))}ms"
            return None
    return None


def _bond_settings(b: dict) -> dict:
    """The LagConfig keywords (OVS bond settings) of a scenario port's `bond` object. The file
    spells the delays in integer ms, as OVS's other_config (`rebalance_interval_ms`; `updelay_ms`,
    `bond_updelay` or `updelay`, the same for downdelay)."""
    mode = b.get("mode", "balance-slb")
    kw = {"mode": mode, "basis": int(b.get("basis", 0)), "lacp": b.get("lacp", "off")}
    if mode != "active-backup":
        kw["rebalance_interval"] = f"{int(b.get('rebalance_interval_ms', 10000))}ms"
    if b.get("primary"):
        kw["primary"] = b["primary"]
    for key in ("updelay", "downdelay"):
        for name in (key + "_ms", "bond_" + key, key):
            if b.get(name) is not None:
                kw[key] = f"{int(b[name])}ms"
                break
    return kw


def _flag(v, what):
    """A strict boolean from a scenario file: true/false only ('no' is not false by being non-empty)."""
    if isinstance(v, bool):
        return v
    raise ScenarioError(f"{what}: expected true or false, got {v!r}")


def build_switch(sc: dict, revalidator_phase: Optional[float] = None) -> Switch:
    """A Switch configured like the scenario's bridge, ports and static entries. OVS:
    `revalidator_phase` (seconds) is the time of one revalidator dump (default 0)."""
    br = sc.get("bridge", {})
    system = sc["system"]
    ports = []
    for p in sc["ports"]:
        kw = {}
        if "bridge_port_mac" in p:
            kw["mac"] = p["bridge_port_mac"]
        for flag in ("learning", "flood", "mcast_flood", "bcast_flood", "hairpin", "locked", "sticky"):
            if flag in p:
                kw[flag] = _flag(p[flag], f"ports '{p['name']}': {flag}")
        if "tag" in p and p["tag"] is not None:
            kw["tag"] = int(p["tag"])
        if p.get("trunks"):
            kw["trunks"] = [int(v) for v in p["trunks"]]
        if p.get("vlan_mode"):
            kw["vlan_mode"] = p["vlan_mode"]
        if "pvid" in p:
            kw["pvid"] = p["pvid"]
        if "vlans" in p:
            kw["vlans"] = p["vlans"]
        if "untagged" in p:
            kw["untagged"] = p["untagged"]
        if p.get("bond"):
            b = p["bond"]
            kw["lag"] = LagConfig(list(b["members"]), first_rebalance=_first_rebalance(sc), **_bond_settings(b))
        ports.append(PortConfig(p["name"], **kw))
    kw = {}
    if system == "ovs-3.1":
        if "mac_aging_time_s" in br:
            kw["ageing"] = float(br["mac_aging_time_s"])
        if br.get("mac_table_size") is not None:
            kw["max_entries"] = int(br["mac_table_size"])
        kw["forward_bpdu"] = _flag(br.get("forward_bpdu", False), "bridge: forward_bpdu")
        if revalidator_phase is not None:
            kw["revalidator_phase"] = float(revalidator_phase)
    else:
        if "ageing_time_s" in br:
            kw["ageing"] = float(br["ageing_time_s"])
        if br.get("fdb_max_learned"):
            kw["max_entries"] = int(br["fdb_max_learned"])
        kw["vlan_aware"] = _flag(br.get("vlan_filtering", False), "bridge: vlan_filtering")
        if br.get("bridge_mac"):
            kw["bridge_mac"] = br["bridge_mac"]
        kw["group_fwd_mask"] = int(br.get("group_fwd_mask", 0))
        kw["no_linklocal_learn"] = _flag(br.get("no_linklocal_learn", False), "bridge: no_linklocal_learn")
        kw["stp"] = _flag(br.get("stp", False), "bridge: stp")
    sw = Switch(system, ports, name=sc.get("name", "br0"), **kw)
    vlan_keyed = system != "linux-bridge" or br.get("vlan_filtering")
    for i, e in enumerate(sc.get("static_fdb") or []):
        vlan = e.get("vlan") if vlan_keyed else None
        rc = sw.fdb_add(e["mac"], e["port"], vlan=vlan, static=True, sticky=_flag(e.get("sticky", False), f"static_fdb[{i}]: sticky"), now=0.0)
        if rc:
            raise ScenarioError(f"static_fdb[{i}]: the switch refused {e['mac']} on {e['port']} (errno {rc})")
    return sw


@dataclasses.dataclass
class ReplayResult:
    """The outcome of replaying one scenario file: `passed`, the first `difference` from the
    recording (None when it passed), the number of `steps` run and free-form `notes`."""

    path: str
    name: str
    system: str
    passed: bool
    difference: Optional[str] = None
    steps: int = 0
    notes: List[str] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        """One line for a report: 'PASS name (system, N steps)' or 'FAIL name (system): difference'."""
        if self.passed:
            return f"PASS {self.name} ({self.system}, {self.steps} steps)"
        return f"FAIL {self.name} ({self.system}): {self.difference}"


def _fmt_egress(eg):
    return "{" + ", ".join(sorted(eg)) + "}"


def _norm_egress(eg):
    return {k: sorted(v if isinstance(v, list) else [v]) for k, v in eg.items()}


def _first_byte_diff(a: str, b: str) -> str:
    for i in range(0, min(len(a), len(b)), 2):
        if a[i:i + 2] != b[i:i + 2]:
            return f"byte {i // 2}: expected {a[i:i + 2]} got {b[i:i + 2]}"
    return f"length: expected {len(a) // 2} bytes got {len(b) // 2}"


_FDB_CMD = re.compile(r"^\s*(add|append|replace|del|delete)\s+(\S+)\s+dev\s+(\S+)(.*)$")


def _fdb_cmd(sw, args, now):
    m = _FDB_CMD.match(args)
    if not m:
        raise ScenarioError(f"fdb_cmd: cannot parse {args!r}: expected '<add|replace|del> MAC dev PORT ...'")
    verb, mac, port, rest = m.groups()
    words = rest.split()
    vlan = None
    if "vlan" in words:
        i = words.index("vlan")
        text = words[i + 1] if i + 1 < len(words) else ""
        if not text.isdigit() or int(text) > 4095:
            raise ScenarioError(f"fdb_cmd: bad VLAN {text!r} in {args!r}: expected 0..4095")
        vlan = int(text)
    if verb in ("del", "delete"):
        return sw.fdb_del(mac, port, vlan=vlan, now=now)
    dynamic = "dynamic" in words
    sticky = "sticky" in words
    return sw.fdb_add(mac, port, vlan=vlan, static=not dynamic, sticky=sticky,
                      replace=verb in ("replace", "append"), now=now)


BURST_SPACING = 0.0005  # seconds between the copies of a `burst` step


def step_time(step) -> float:
    """A step's time in seconds."""
    return float(step.get("t_ms", 0.0)) / 1000.0


def apply_step(sw, step, now):
    """Carries out what one scenario step does to the switch: inject -> the Decision, fdb_cmd -> the
    errno-style result (ValueError for a command the parser refuses), burst/wait/link -> None.
    Snapshot steps (fdb, fdb_stats, bond_show, bond_hash) change nothing and return None."""
    op = step["op"]
    if op == "inject":
        return sw.receive(step["port"], bytes.fromhex(step["frame_hex"]), now,
                          datapath=step.get("datapath", "automatic"))
    if op == "burst":
        frame = bytes.fromhex(step["frame_hex"])
        for i in range(int(step.get("count", 1))):  # back to back, ~0.5 ms apart (README)
            sw.receive(step["port"], frame, now + i * BURST_SPACING, datapath="automatic")
    elif op == "wait":
        sw.advance(now + float(step["ms"]) / 1000.0)
    elif op == "link":
        up = step["state"] == "up"
        if step.get("side", "bridge") == "bridge" and step["port"] in sw.ports:
            sw.set_port_admin(step["port"], up, now)
        else:
            sw.set_link_carrier(step["port"], up, now)
    elif op == "fdb_cmd":
        return _fdb_cmd(sw, step["args"], now)
    return None


def _has_hits(sc: dict) -> bool:
    """Whether the scenario's outcome can depend on when the OVS revalidator dumps: some frame
    hits a cached flow (its learning and bond load wait for the next dump): recorded as a hit, or
    left to the switch's flow-cache model (no `datapath`), or a burst."""
    return sc["system"] == "ovs-3.1" and any(
        s.get("op") == "burst" or (s.get("op") == "inject" and s.get("datapath", "hit") not in ("miss", "none"))
        for s in sc["steps"])


REVALIDATOR_INTERVAL_MS = 500  # OVS other_config:max-revalidator default
PHASE_STEP_MS = 5


def fit_revalidator_phase(sc: dict, path: str = "<scenario>"):
    """The OVS revalidator's phase (ms) for a scenario, derived from its first observations.

    The phase is state of the recorded bridge (fixed when it started), not configuration, and no
    recording prints it. Every candidate phase 0, 5, ..., 495 ms is replayed; each is followed
    until the first step it gets wrong. The candidates that get furthest are the ones the
    earliest phase-dependent observations (an FDB dump or a forwarding decision shortly after a
    hit, a bond/show load) allow; of those, the middle of the widest contiguous range is taken
    (the value farthest from the edges that the observations put). Returns (phase_ms, steps
    explained by it); a scenario without hits returns (0, None): the phase cannot matter."""
    if not _has_hits(sc):
        return 0, None
    scores = []
    for phase in range(0, REVALIDATOR_INTERVAL_MS, PHASE_STEP_MS):
        r = _replay(sc, path, phase / 1000.0)
        scores.append(len(sc["steps"]) + 1 if r.passed else r.steps - 1)
    best = max(scores)
    n = len(scores)
    if all(x == best for x in scores):
        return 0, best  # no observation depends on the phase
    # The widest run of best candidates (the phase is circular), and its middle.
    run_start, run_len = 0, 0
    for start in range(n):
        if scores[start] != best or scores[(start - 1) % n] == best:
            continue
        length = 0
        while scores[(start + length) % n] == best:
            length += 1
        if length > run_len:
            run_start, run_len = start, length
    phase = ((run_start + (run_len - 1) / 2.0) % n) * PHASE_STEP_MS
    return phase, best


def replay(sc: dict, path: str = "<scenario>", revalidator_phase_ms: Optional[float] = None) -> ReplayResult:
    """Replays one loaded scenario; the result names the first difference, if any. OVS
    scenarios with cached-flow hits: the revalidator phase is `revalidator_phase_ms`, or derived
    from the scenario's first observations (fit_revalidator_phase) and reported in `notes`."""
    if revalidator_phase_ms is None and _has_hits(sc):
        revalidator_phase_ms, _ = fit_revalidator_phase(sc, path)
        res = _replay(sc, path, revalidator_phase_ms / 1000.0)
        res.notes.append(f"revalidator phase {revalidator_phase_ms:g} ms (derived from the scenario's observations)")
        return res
    return _replay(sc, path, None if revalidator_phase_ms is None else revalidator_phase_ms / 1000.0)


def _replay(sc: dict, path: str, revalidator_phase: Optional[float]) -> ReplayResult:
    res = ReplayResult(path=path, name=sc.get("name", os.path.basename(path)), system=sc["system"], passed=True)
    try:
        sw = build_switch(sc, revalidator_phase)
    except (ValueError, KeyError) as e:
        res.passed = False
        res.difference = f"cannot build the switch: {e}"
        return res
    vlan_keyed = sc["system"] != "linux-bridge" or sc.get("bridge", {}).get("vlan_filtering")
    for i, s in enumerate(sc["steps"]):
        res.steps = i + 1
        op = s["op"]
        now = step_time(s)
        where = f"step {i} ({op}{' ' + s['port'] if 'port' in s else ''} @ {s.get('t_ms', 0)} ms)"

        def differ(msg):
            res.passed = False
            res.difference = f"{where}: {msg}"

        if op == "inject":
            d = apply_step(sw, s, now)
            got = {k: (v.hex() if isinstance(v, bytes) else [x.hex() for x in v]) for k, v in d.egress.items()}
            want = s["egress"]
            if set(got) != set(want):
                why = f" ({d.verdict}{': ' + d.reason if d.reason else ''})"
                differ(f"egress ports: expected {_fmt_egress(want)} got {_fmt_egress(got)}{why}")
                return res
            ng, nw = _norm_egress(got), _norm_egress(want)
            for k in sorted(nw):
                if ng[k] != nw[k]:
                    if len(ng[k]) != len(nw[k]):
                        differ(f"egress {k}: expected {len(nw[k])} copies got {len(ng[k])}")
                    else:
                        differ(f"egress {k} bytes differ at {_first_byte_diff(nw[k][0], ng[k][0])}")
                    return res
        elif op in ("burst", "wait", "link"):
            apply_step(sw, s, now)
        elif op == "fdb":
            rows = sw.fdb(now)
            got = sorted((r["mac"], r["vlan"], r["port"], bool(r["static"]), bool(r["sticky"])) for r in rows)
            want = []
            for e in s["entries"]:
                vlan = e.get("vlan")
                if not vlan_keyed:
                    vlan = None
                want.append((e["mac"].lower(), vlan, e["port"], bool(e.get("static", False)),
                             "sticky" in (e.get("flags") or [])))
            want.sort()
            if got != want:
                missing = [w for w in want if w not in got]
                extra = [g for g in got if g not in want]
                differ(f"FDB differs: missing {missing} unexpected {extra}")
                return res
            if "fdb_n_learned" in s and s["fdb_n_learned"] != sw.fdb_learned_count():
                differ(f"fdb_n_learned: expected {s['fdb_n_learned']} got {sw.fdb_learned_count()}")
                return res
        elif op == "fdb_stats":
            js = sw.to_json(now)
            st = dict(js["table_counters"], current=js["current"], maximum=js["maximum"], static=js["static"])
            for k, v in s.get("stats", {}).items():
                if k in st and st[k] != v:
                    differ(f"fdb_stats {k}: expected {v} got {st[k]}")
                    return res
        elif op == "fdb_cmd":
            try:
                rc = apply_step(sw, s, now)
            except ValueError as e:
                rc = -1
                res.notes.append(f"{where}: {e}")
            if (rc == 0) != (s["rc"] == 0):
                differ(f"fdb_cmd '{s['args']}': expected rc {s['rc']} got {'0' if rc == 0 else 'error ' + str(rc)}")
                return res
        elif op in ("bond_show", "bond_hash"):
            diff = _check_bond_step(sw, s, now)
            if diff:
                differ(diff)
                return res
    return res


def _check_bond_step(sw, s, now):
    """Compares a bond_show / bond_hash step with the switch's bond state."""
    if s["op"] == "bond_hash":
        basis = int(s.get("basis", 0))
        for h in s.get("hashes", []):
            got = slb_bucket(h["mac"], int(h["vlan"]), basis)
            if got != h["bucket"]:
                return f"bond/hash {h['mac']} vlan {h['vlan']} basis {basis}: expected bucket {h['bucket']} got {got}"
        return None
    bonds = [p for p in sw.ports if sw.is_lag(p)]
    if len(bonds) != 1:
        return f"bond_show: expected exactly one bond port, the switch has {len(bonds)}"
    st = sw.to_json(now)["bonds"][bonds[0]]
    if "active_member" in s and st.get("active_member") != s["active_member"]:
        return f"bond/show active member: expected {s['active_member']} got {st.get('active_member')}"
    if "members" in s and st.get("members") != s["members"]:
        return f"bond/show members: expected {s['members']} got {st.get('members')}"
    if "lacp_status" in s and st.get("lacp_status") != s["lacp_status"]:
        return f"bond/show lacp_status: expected {s['lacp_status']} got {st.get('lacp_status')}"
    want = {str(k): v for k, v in (s.get("buckets") or {}).items()}
    got = {str(k): v for k, v in (st.get("buckets") or {}).items()}
    if want != got:
        diff = sorted(set(want.items()) ^ set(got.items()), key=lambda kv: int(kv[0]))
        return f"bond/show buckets differ: expected {len(want)} got {len(got)}; first difference {diff[:3]}"
    raw = s.get("raw") or []
    if raw:
        # The accounted loads (`hash N: x kB load`) and the rebalance timer, as printed.
        want_kb = {m.group(1): int(m.group(2)) for m in map(_LOAD_LINE.match, raw) if m}
        got_kb = {str(k): v for k, v in (st.get("loads_kb") or {}).items()}
        if want_kb != got_kb:
            diff = sorted(set(want_kb.items()) ^ set(got_kb.items()), key=lambda kv: int(kv[0]))
            return f"bond/show loads (kB) differ; first difference (bucket, kB) {diff[:3]}"
        for line in raw:
            m = _NEXT_REBALANCE.match(line.strip())
            got_ms = st.get("next_rebalance_ms")
            if m and got_ms is not None and abs(int(m.group(1)) - got_ms) > NEXT_REBALANCE_TOLERANCE_MS:
                return f"bond/show next rebalance: expected {m.group(1)} ms got {got_ms} ms"
    return None


_LOAD_LINE = re.compile(r"^\s*hash (\d+): (\d+) kB load$")
# A step's t_ms is when the command was issued; OVS's clock read when it ran (3 ms seen).
NEXT_REBALANCE_TOLERANCE_MS = 10


def replay_file(path) -> ReplayResult:
    """Loads and replays one scenario file (ScenarioError for a malformed file)."""
    return replay(load_scenario(path), path)
