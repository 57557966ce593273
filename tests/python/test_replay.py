"""`python3 -m fwd replay` over every recorded scenario directory, and malformed-file handling."""
import json
import os

import pytest

import fwd.l2 as l2

SCEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "scenarios")
DIRS = sorted(d for d in os.listdir(SCEN) if os.path.isdir(os.path.join(SCEN, d)))
FILES = l2.scenario_files([SCEN])


@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(p) for p in FILES])
def test_every_scenario_replays(path):
    r = l2.replay_file(path)
    assert r.passed, r.difference


def test_replay_command_summary(fwd_cli):
    r = fwd_cli("replay", *[os.path.join(SCEN, d) for d in DIRS])
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"{len(FILES)} passed, 0 failed"
    assert len(lines) == len(FILES) + 1


def test_flow_cache_model_predicts_recorded_datapath(tmp_path):
    # Without the recorded hit/miss hints the switch's own flow-cache model must still pass.
    for path in l2.scenario_files([os.path.join(SCEN, "ovs")]):
        sc = l2.load_scenario(path)
        for s in sc["steps"]:
            s.pop("datapath", None)
        r = l2.replay(sc, path)
        assert r.passed, r.difference


def test_a_changed_recording_fails_with_the_step(tmp_path, fwd_cli):
    src = os.path.join(SCEN, "linux-bridge", "move-basic.json")
    sc = json.load(open(src))
    step = next(s for s in sc["steps"] if s["op"] == "inject" and s.get("note") == "to p2")
    step["egress"] = {"p1": step["frame_hex"]}
    bad = tmp_path / "move-basic.json"
    bad.write_text(json.dumps(sc))
    r = fwd_cli("replay", str(bad))
    assert r.returncode == 1
    assert "FAIL move-basic" in r.stdout and "expected {p1} got {p2}" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


@pytest.mark.parametrize("content,needle", [
    ("{not json", "not valid JSON"),
    (json.dumps({"name": "x", "system": "cisco", "ports": [{"name": "p1"}], "steps": []}), "unknown system 'cisco'"),
    (json.dumps({"name": "x", "system": "linux-bridge", "ports": [{"name": "p1"}],
                 "steps": [{"op": "inject", "t_ms": 0, "port": "p9", "frame_hex": "00", "egress": {}}]}),
     "unknown port 'p9'"),
    (json.dumps({"name": "x", "system": "linux-bridge", "ports": [{"name": "p1"}],
                 "steps": [{"op": "inject", "t_ms": 0, "port": "p1", "frame_hex": "0g", "egress": {}}]}),
     "not an even-length hex string"),
    (json.dumps({"name": "x", "system": "linux-bridge", "ports": [{"name": "p1"}],
                 "steps": [{"op": "teleport", "t_ms": 0}]}), "unknown op 'teleport'"),
    (json.dumps({"system": "linux-bridge", "ports": [], "steps": []}), "missing required field 'name'"),
])
def test_malformed_scenarios_are_named(tmp_path, fwd_cli, content, needle):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    r = fwd_cli("replay", str(bad))
    assert r.returncode == 1
    assert "bad.json" in r.stdout and needle in r.stdout, r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_short_frame_in_a_scenario_is_counted_not_fatal(tmp_path):
    sc = {"name": "short", "system": "linux-bridge", "bridge": {"ageing_time_s": 300},
          "ports": [{"name": "p1"}, {"name": "p2"}],
          "steps": [{"op": "inject", "t_ms": 0, "port": "p1", "frame_hex": "ffffffffffff02aa", "egress": {}}]}
    assert l2.replay(sc).passed


def test_fdb_command_show_stats_events(fwd_cli):
    path = os.path.join(SCEN, "ovs", "ovs-aging-basic.json")
    r = fwd_cli("fdb", "stats", path)
    assert r.returncode == 0
    assert "Total number of expired MAC entries     : 2" in r.stdout
    r = fwd_cli("fdb", "show", path, "--json")
    assert [e["mac"] for e in json.loads(r.stdout)["entries"]] == ["02:aa:00:00:00:03"]
    r = fwd_cli("fdb", "show", path, "--steps", "3")
    assert "02:aa:00:00:00:01" in r.stdout and "02:aa:00:00:00:02" in r.stdout
    r = fwd_cli("fdb", "events", os.path.join(SCEN, "linux-bridge", "carp-stray-basic.json"))
    assert r.stdout.count("moved") == 2 and "00:00:5e:00:01:02" in r.stdout
    r = fwd_cli("fdb", "show", "/nonexistent.json")
    assert r.returncode == 2 and "cannot read" in r.stderr
