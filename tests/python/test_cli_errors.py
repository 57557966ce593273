"""Every edge validates (issue 11.5): absurd values and malformed files end in `error: ...` /
exit 2 (or a per-file FAIL line), never a traceback or a pybind11 signature dump; every command
has --json; nothing is written without an output option."""
import copy
import json
import os

import numpy as np
import pytest

import fwd
from conftest import DATA, run_fwd

SCENARIO = os.path.join(DATA, "scenarios", "linux-bridge", "aging-basic.json")
TOPOLOGY = """
switches:
  sw0:
    profile: linux-bridge
    vlan_aware: {vlan_aware}
    ports: [{{name: p1}}, {{name: p2}}]
"""


def assert_clean_error(r, *needles, code=2):
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "incompatible function arguments" not in r.stderr, r.stderr
    assert "Invoked with" not in r.stderr, r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr


def test_sim_until_beyond_int64_is_an_error_not_zero_events(tmp_path):
    topo = tmp_path / "t.yaml"
    topo.write_text(TOPOLOGY.format(vlan_aware="false"))
    assert run_fwd("sim", str(topo), "--until", "1s").returncode == 0
    assert_clean_error(run_fwd("sim", str(topo), "--until", "1e12s"), "error: --until", "out of range")


def test_fdb_show_at_beyond_int64_is_an_error():
    assert_clean_error(run_fwd("fdb", "show", SCENARIO, "--at", "1e12"), "error: --at", "out of range")
    r = run_fwd("fdb", "show", SCENARIO, "--at", "1500ms", "--json")
    assert r.returncode == 0 and "entries" in json.loads(r.stdout)


def test_lb_members_negative_count_is_refused():
    assert_clean_error(run_fwd("lb", "--lag", "linux:802.3ad", "--members", "-3", "--src-ip", "10.0.0.1",
                               "--dst-ip", "10.0.0.2"), "--members -3")


def test_ambiguous_system_name_on_the_command_line():
    assert_clean_error(run_fwd("hash", "freebsd:l2", "00" * 14), "ambiguous", "freebsd-12")


@pytest.mark.parametrize("value", ["'no'", "'yes'", "1", "maybe"])
def test_topology_booleans_are_strict(tmp_path, value):
    topo = tmp_path / "t.yaml"
    topo.write_text(TOPOLOGY.format(vlan_aware=value))
    assert_clean_error(run_fwd("sim", str(topo), "--until", "1ms"), f"{topo}:5:", "expected true or false")


def test_yaml_alias_bomb_and_depth_are_refused(tmp_path):
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        bomb.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(bomb) + "\n")
    assert_clean_error(run_fwd("sim", str(f)), "alias bomb")
    deep = tmp_path / "deep.yaml"
    deep.write_text("hosts: " + "[" * 5000 + "]" * 5000 + "\n")
    assert_clean_error(run_fwd("sim", str(deep)), "deep")
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("{\"hosts\": " + "[" * 100000 + "]" * 100000 + "}")
    assert_clean_error(run_fwd("sim", str(deep_json)), "deep")


def _scenario_variant(tmp_path, mutate):
    with open(SCENARIO) as f:
        sc = json.load(f)
    mutate(sc)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(sc))
    return str(p)


@pytest.mark.parametrize("mutate", [
    lambda sc: sc.setdefault("bridge", {}).__setitem__("vlan_filtering", "no"),
    lambda sc: sc["ports"][0].__setitem__("learning", "off"),
    lambda sc: sc["steps"].insert(0, {"op": "wait", "ms": "soon"}),
    lambda sc: sc["steps"].insert(0, {"op": "wait", "ms": 1e18}),
])
def test_malformed_scenarios_fail_per_file_without_traceback(tmp_path, mutate):
    path = _scenario_variant(tmp_path, mutate)
    r = run_fwd("replay", path, "--json")
    assert "Traceback" not in r.stderr, r.stderr
    d = json.loads(r.stdout)
    assert d["failed"] == 1 and d["scenarios"][0]["passed"] is False
    r = run_fwd("fdb", "show", path)
    assert "Traceback" not in r.stderr and r.returncode in (0, 2), r.stderr


def test_malformed_vector_lines_are_errors_with_file_and_line(tmp_path):
    good = open(os.path.join(DATA, "vectors", "toeplitz.jsonl")).readline()
    line = json.loads(good)
    for i, bad in enumerate([dict(line, params=[1, 2]), dict(line, hash="12"), {k: v for k, v in line.items()
                                                                             if k != "params"}]):
        f = tmp_path / f"v{i}.jsonl"
        f.write_text(good + json.dumps(bad) + "\n")
        r = run_fwd("conformance", str(f), "--json")
        assert "Traceback" not in r.stderr, r.stderr
        d = json.loads(r.stdout)
        assert d["files"][0]["error"].startswith(f"{f}:2:"), d
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
    r = run_fwd("conformance", str(tmp_path / "bin.jsonl"))
    assert "Traceback" not in r.stderr and "not UTF-8" in r.stdout


def test_every_command_has_json():
    import fwd.cli
    for mod in fwd.cli._command_modules():
        r = run_fwd(mod.NAME, "--help")
        assert r.returncode == 0 and "--json" in r.stdout, mod.NAME


def test_python_arguments_are_strict():
    with pytest.raises(ValueError, match="mac: .* out of range"):
        fwd.net.Mac(2 ** 48)
    with pytest.raises(TypeError, match="mac: expected a MAC"):
        fwd.net.Mac(1.5)
    assert str(fwd.net.Mac(2 ** 48 - 1)) == "ff:ff:ff:ff:ff:ff"
    policy = fwd.hash.Policy("linux-6.12:layer2")
    for bad, exc in ((2 ** 70, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError)):
        with pytest.raises(exc, match="^members: "):
            policy.index(b"\0" * 14, bad)
    for bad, exc in ((2 ** 70, ValueError), (1.5, TypeError), (-3, ValueError), ([1], TypeError)):
        with pytest.raises(exc, match="^members: "):
            fwd.lag.Lag("linux:802.3ad", bad)
    assert policy.index(b"\0" * 14, np.int64(3)) == policy.index(b"\0" * 14, 3)


def test_frame_builder_refuses_lengths_that_do_not_fit_16_bits():
    b = fwd.net.FrameBuilder().eth("02:00:00:00:00:02", "02:00:00:00:00:01").ipv4("10.0.0.1", "10.0.0.2")
    b.udp(1, 2).payload(b"\0" * 65528)
    with pytest.raises(ValueError, match="16-bit length"):
        b.build()
    ok = fwd.net.FrameBuilder().eth("02:00:00:00:00:02", "02:00:00:00:00:01").ipv4("10.0.0.1", "10.0.0.2")
    assert len(ok.udp(1, 2).payload(b"\0" * 1000).build()) == 14 + 20 + 8 + 1000


def test_one_spelling_with_old_aliases():
    a = fwd.net.frame(ethertype=0x88CC)
    assert a == fwd.net.frame(eth_type=0x88CC) and a[12:14] == b"\x88\xcc"
    r1 = run_fwd("lb", "--lag", "linux:802.3ad", "--members", "a,b", "--ethertype", "0x88cc", "--fail", "a", "--json")
    r2 = run_fwd("lb", "--lag", "linux:802.3ad", "--members", "a,b", "--eth-type", "0x88cc", "--down", "a", "--json")
    assert r1.returncode == 0 and json.loads(r1.stdout) == json.loads(r2.stdout)


@pytest.mark.parametrize("args,needle", [
    (["--count", "-5"], "--count: -5 out of range"),
    (["--seed", "-1"], "--seed: -1 out of range"),
    (["--conn-rate", "-3"], "--conn-rate"),
    (["--run-seconds", "1e13"], "--run-seconds"),
    (["--window-ms", "nan"], "--window-ms: nan"),
])
def test_seed_rejects_values_with_one_line(args, needle):
    assert_clean_error(run_fwd("seed", *args, "--json"), needle)


def test_topology_wrong_types_give_no_signature_dump(tmp_path):
    topo = tmp_path / "t.yaml"
    topo.write_text("hosts:\n  h1:\n    hz: [1, 2]\n")
    r = run_fwd("sim", str(topo))
    assert_clean_error(r, f"{topo}:")
