"""Malformed scenario files (issue 11: "`replay` and `fdb show` give tracebacks on malformed scenario
files and hang on 2"). Every file below is refused quickly: `fdb show` with one `error: FILE: ...`
line and exit 2, `replay` with a per-file FAIL line naming the problem (exit 1) - never a
traceback, a pybind11 dump, a silently ignored value or a hang (a burst of 10^18 copies was the hang)."""
import copy
import json
import os
import signal
import time

import pytest

import fwd.cli
from conftest import DATA

LINUX = os.path.join(DATA, "scenarios", "linux-bridge", "aging-basic.json")
OVS = os.path.join(DATA, "scenarios", "ovs", "ovs-bond-slb-basis0.json")
SECONDS_PER_CALL = 10


def _load(path):
    with open(path) as f:
        return json.load(f)


def _burst(count):
    def mutate(sc):
        first = next(s for s in sc["steps"] if s["op"] == "inject")
        sc["steps"].insert(0, {"op": "burst", "port": first["port"], "frame_hex": first["frame_hex"],
                               "count": count, "t_ms": 0})
    return mutate


def _bond(key, value):
    def mutate(sc):
        for p in sc["ports"]:
            if p.get("bond"):
                p["bond"][key] = value
    return mutate


def _step(step):
    return lambda sc: sc["steps"].insert(0, dict(step, t_ms=0))


# (id, source file, mutation, text the error must contain)
CASES = [
    ("burst-1e18", LINUX, _burst(10 ** 18), "count: expected an integer from 1 to 20000"),
    ("burst-1e300", LINUX, _burst(1e300), "count"),
    ("burst-ovs-1e9", OVS, _burst(10 ** 9), "count"),
    ("burst-negative", LINUX, _burst(-5), "count"),
    ("burst-text", OVS, _burst("many"), "count"),
    ("t_ms-huge", LINUX, lambda sc: sc["steps"][0].__setitem__("t_ms", 1e18), "t_ms"),
    ("t_ms-negative", LINUX, lambda sc: sc["steps"][0].__setitem__("t_ms", -1), "t_ms"),
    ("t_ms-nan", LINUX, lambda sc: sc["steps"][1].__setitem__("t_ms", float("nan")), "t_ms"),
    ("wait-inf", LINUX, _step({"op": "wait", "ms": float("inf")}), "(wait): ms"),
    ("wait-huge", LINUX, _step({"op": "wait", "ms": 1e300}), "(wait): ms"),
    ("bridge-list", LINUX, lambda sc: sc.__setitem__("bridge", [1]), "bridge: expected an object"),
    ("fdb-max-huge", LINUX, lambda sc: sc["bridge"].__setitem__("fdb_max_learned", 10 ** 30), "fdb_max_learned"),
    ("fdb-max-negative", LINUX, lambda sc: sc["bridge"].__setitem__("fdb_max_learned", -3), "fdb_max_learned"),
    ("group-fwd-mask-huge", LINUX, lambda sc: sc["bridge"].__setitem__("group_fwd_mask", 10 ** 30), "group_fwd_mask"),
    ("table-size-huge", OVS, lambda sc: sc["bridge"].__setitem__("mac_table_size", 10 ** 30), "mac_table_size"),
    ("tag-huge", LINUX, lambda sc: sc["ports"][0].__setitem__("tag", 10 ** 30), "tag"),
    ("pvid-text", LINUX, lambda sc: sc["ports"][0].__setitem__("pvid", "x"), "pvid"),
    ("vlans-object", LINUX, lambda sc: sc["ports"][0].__setitem__("vlans", {"a": 1}), "vlans"),
    ("duplicate-port", LINUX, lambda sc: sc["ports"].append(dict(sc["ports"][0])), "duplicate port name"),
    ("name-object", LINUX, lambda sc: sc.__setitem__("name", {"a": 1}), "name: expected a string"),
    ("system-list", LINUX, lambda sc: sc.__setitem__("system", ["x"]), "unknown system"),
    ("bond-list", OVS, lambda sc: [p.__setitem__("bond", [1]) for p in sc["ports"] if p.get("bond")], "bond"),
    ("bond-members-int", OVS, _bond("members", 5), "bond members"),
    ("bond-basis-huge", OVS, _bond("basis", 10 ** 40), "bond basis"),
    ("static-fdb-int", LINUX, lambda sc: sc.__setitem__("static_fdb", 5), "static_fdb"),
    ("static-fdb-mac-int", LINUX, lambda sc: sc.__setitem__("static_fdb", [{"mac": 5, "port": "p1"}]), "mac"),
    ("fdb-entry-int", LINUX, _step({"op": "fdb", "entries": [5]}), "entries[0]"),
    ("fdb-stats-list", LINUX, _step({"op": "fdb_stats", "stats": [1]}), "stats"),
    ("bond-hash-vlan-text", OVS, _step({"op": "bond_hash", "hashes": [{"mac": "x", "vlan": "y", "bucket": 1}]}),
     "vlan"),
    ("bond-show-buckets-list", OVS, _step({"op": "bond_show", "buckets": [1, 2]}), "buckets"),
    ("inject-datapath-int", OVS, lambda sc: next(s for s in sc["steps"] if s["op"] == "inject").__setitem__(
        "datapath", 5), "datapath"),
    ("link-side-int", LINUX, _step({"op": "link", "port": "p1", "state": "down", "side": 5}), "side"),
    ("fdb-cmd-rc-text", LINUX, _step({"op": "fdb_cmd", "args": "add 02:00:00:00:00:01 dev p1", "rc": "x"}), "rc"),
]

RAW_CASES = [
    ("truncated", lambda text: text[: len(text) // 2], "not valid JSON"),
    ("empty", lambda text: "", "not valid JSON"),
    ("top-level-list", lambda text: "[1, 2, 3]", "top level must be an object"),
    ("deep-nesting", lambda text: '{"name": "x", "system": "linux-bridge", "ports": [{"name": "p1"}], "steps": '
     + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
    ("giant-integer", lambda text: text.replace('"runs": 2', '"runs": ' + "9" * 100000), "not a usable JSON value"),
    ("nan-literal", lambda text: text.replace('"t_ms": 44.4', '"t_ms": NaN'), "t_ms"),
]


class _Hang(Exception):
    pass


def _run_cli(capsys, *argv):
    """fwd.cli.main in this process, bounded by an alarm (a hang fails the test, not the run)."""
    def on_alarm(signum, frame):
        raise _Hang(f"{' '.join(argv)} took more than {SECONDS_PER_CALL} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(SECONDS_PER_CALL)
    t0 = time.monotonic()
    try:
        rc = fwd.cli.main(list(argv))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out, err = capsys.readouterr()
    return rc, out, err, time.monotonic() - t0


def _check(capsys, path, needle):
    rc, out, err, _ = _run_cli(capsys, "fdb", "show", path)
    assert rc == 2 and err.startswith(f"error: {path}: "), (rc, out, err)
    assert needle in err and "Traceback" not in err and "incompatible" not in err and "Unable to cast" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    rc, out, err, _ = _run_cli(capsys, "replay", path)
    assert rc == 1 and out.startswith(f"FAIL {path}: malformed scenario: "), (rc, out, err)
    assert needle in out and "incompatible" not in out and "Unable to cast" not in out, out


@pytest.mark.parametrize("source,mutate,needle", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_scenario_is_one_clean_error(tmp_path, capsys, source, mutate, needle):
    sc = copy.deepcopy(_load(source))
    mutate(sc)
    path = str(tmp_path / "bad.json")
    with open(path, "w") as f:
        json.dump(sc, f)
    _check(capsys, path, needle)


@pytest.mark.parametrize("mutate,needle", [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES])
def test_malformed_scenario_text_is_one_clean_error(tmp_path, capsys, mutate, needle):
    with open(LINUX) as f:
        text = f.read()
    path = str(tmp_path / "bad.json")
    with open(path, "w") as f:
        f.write(mutate(text))
    _check(capsys, path, needle)


def test_burst_at_the_limit_is_replayed(tmp_path, capsys):
    """The bound refuses absurd bursts only: a large valid burst still replays, in seconds."""
    sc = _load(LINUX)
    _burst(20000)(sc)
    path = str(tmp_path / "burst.json")
    with open(path, "w") as f:
        json.dump(sc, f)
    rc, out, err, took = _run_cli(capsys, "fdb", "show", path, "--json")
    assert rc == 0, err
    assert any(e["mac"] == "02:aa:00:00:00:02" for e in json.loads(out)["entries"])
    assert took < SECONDS_PER_CALL


def test_fdb_show_reports_a_step_the_switch_refuses_instead_of_skipping_it(tmp_path, capsys):
    """Before: every ValueError of a step was swallowed (meant for refused fdb_cmd only), so a
    frame at an out-of-range time silently vanished from the table shown."""
    sc = _load(LINUX)
    sc["steps"].insert(1, {"op": "wait", "ms": 9.2e12, "t_ms": 9.2e12})  # each in range, the sum is not
    path = str(tmp_path / "late.json")
    with open(path, "w") as f:
        json.dump(sc, f)
    rc, out, err, _ = _run_cli(capsys, "fdb", "show", path)
    assert rc == 2 and "steps[1] (wait)" in err and "out of range" in err, (rc, out, err)
    # A refused fdb_cmd is an outcome, not an error: the table is shown unchanged.
    sc = _load(LINUX)
    sc["steps"].insert(0, {"op": "fdb_cmd", "args": "add zz dev p1", "rc": 255, "t_ms": 0})
    sc["steps"].insert(0, {"op": "fdb_cmd", "args": "add 02:00:00:00:00:09 dev p1 vlan 99999999999", "rc": 255,
                           "t_ms": 0})
    with open(path, "w") as f:
        json.dump(sc, f)
    rc, out, err, _ = _run_cli(capsys, "fdb", "show", path)
    assert rc == 0 and "02:00:00:00:00:09" not in out, (rc, out, err)
    rc, out, err, _ = _run_cli(capsys, "replay", path)
    assert rc == 0 and "PASS" in out, (rc, out, err)
