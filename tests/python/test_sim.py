"""fwd.sim from Python, topology files (YAML/JSON) and `python3 -m fwd sim`."""
import json

import pytest

from conftest import run_fwd

sim = pytest.importorskip("fwd.sim")
topology = pytest.importorskip("fwd.topology")


def two_hosts(**link):
    net = sim.Network(seed=3)
    a = net.add_host("a")
    b = net.add_host("b")
    a.add_nic("em0", "02:00:00:00:00:0a")
    b.add_nic("em0", "02:00:00:00:00:0b")
    a.add_address("em0", "10.0.0.1/24")
    b.add_address("em0", "10.0.0.2/24")
    net.connect("a:em0", "b:em0", **link)
    return net, a, b


def test_ping_and_capture_text(tmp_path):
    net, a, b = two_hosts(latency="5us")
    cap = b.capture("em0")
    i = a.ping_flood("10.0.0.2", count=100, start="1ms")
    net.run_until("1s")
    r = a.ping_result(i)
    assert (r.sent, r.received, r.lost) == (100, 100, 0)
    assert "100 packets transmitted, 100 packets received, 0.0% packet loss" in r.summary("10.0.0.2")
    text = cap.to_text().splitlines()
    assert text[0].startswith("0.001005 < 02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ARP (0x0806)")
    assert "ARP, Request who-has 10.0.0.2 tell 10.0.0.1" in text[0]
    assert any("ICMP echo request, id 22737, seq 99, length 64" in l for l in text)
    cap.write_pcap(str(tmp_path / "b.pcap"))
    raw = (tmp_path / "b.pcap").read_bytes()
    assert raw[:4] in (bytes.fromhex("4d3cb2a1"), bytes.fromhex("a1b23c4d"))  # nanosecond pcap
    assert len(cap.records()) == len(text)


def test_random_loss_is_seeded_and_accounted():
    def run(seed):
        net = sim.Network(seed=seed)
        for n, m in (("a", "0a"), ("b", "0b")):
            h = net.add_host(n)
            h.add_nic("em0", f"02:00:00:00:00:{m}")
            h.add_address("em0", f"10.0.0.{1 if n == 'a' else 2}/24")
        net.connect("a:em0", "b:em0", loss=0.2, jitter="3us")
        net.host("a").ping_flood("10.0.0.2", count=300)
        net.run_until("20s")
        return net
    n1, n2, n3 = run(7), run(7), run(8)
    r1, r2, r3 = (n.host("a").ping_result(0) for n in (n1, n2, n3))
    assert list(r1.rtt_ns) == list(r2.rtt_ns)  # same seed, same run
    assert list(r1.rtt_ns) != list(r3.rtt_ns)
    assert 0 < r1.lost < 200
    acc = n1.accounting()
    assert acc["balanced"]
    c = n1.link_counters(0, 0)
    assert c["tx"] == c["delivered"] + c["lost"]


def test_switch_network_and_moves():
    net = sim.Network()
    ports = [sim.PortConfig(f"p{i}") for i in range(3)]
    net.add_switch("sw", ports, profile="linux-bridge")
    for i in range(3):
        h = net.add_host(f"h{i}")
        h.add_nic("em0", f"02:00:00:00:01:0{i}")
        h.add_address("em0", f"10.1.0.{i + 1}/24")
        net.connect(f"h{i}:em0", f"sw:p{i}")
    net.host("h0").ping_flood("10.1.0.2", count=10)
    # h2 sends one frame with h1's MAC as source: the bridge moves h1's entry to p2.
    frame = bytes.fromhex("ffffffffffff" "020000000101" "88b5") + bytes(46)
    net.send_frame_at(0.5, "h2", "em0", frame)
    net.run_until(2.0)
    moves = net.switch_events("moved")
    assert [(m["mac"], m["from"], m["to"]) for m in moves] == [("02:00:00:00:01:01", "p1", "p2")]
    assert net.accounting()["balanced"]
    h1 = net.host("h1")
    assert h1.counters["dropped_by"].get("unknown ethertype", 0) == 1


def test_errors_are_value_errors():
    net, a, b = two_hosts()
    with pytest.raises(ValueError, match="no interface 'em9'"):
        a.capture("em9")
    with pytest.raises(ValueError, match="duplicate node name 'a'"):
        net.add_host("a")
    with pytest.raises(ValueError, match="bad time unit"):
        net.run_until("10 parsecs")
    with pytest.raises(ValueError, match="already linked"):
        net.connect("a:em0", "b:em0")


YAML_OK = """\
seed: 2
until: 2s
hosts:
  a:
    nics: {em0: "02:00:00:00:00:0a"}
    addresses: {em0: [10.0.0.1/24]}
    ping: [{dst: 10.0.0.2, count: 50, start: 10ms}]
    capture: [em0]
  b:
    nics: {em0: "02:00:00:00:00:0b"}
    addresses: {em0: 10.0.0.2/24}
    listen: [80]
  c:
    nics: {em0: "02:00:00:00:00:0c"}
    addresses: {em0: 10.0.0.3/24}
    tcp: [{dst: 10.0.0.2, port: 80, rate: 20, until: 1s}]
switches:
  sw0:
    profile: linux-bridge
    ports: [{name: p1}, {name: p2}, {name: p3}]
links:
  - [a:em0, sw0:p1]
  - {a: b:em0, b: sw0:p2, latency: 2us}
  - [c:em0, sw0:p3]
"""


def test_topology_file_runs_with_cli(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text(YAML_OK)
    p = run_fwd("sim", str(f), "--json", "--pcap", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["now"] == pytest.approx(2.0)
    assert d["pings"][0]["received"] == 50
    assert d["tcp"][0]["attempts"] == 20 and d["tcp"][0]["established"] == 20
    assert d["accounting"]["balanced"]
    assert (tmp_path / "out" / "a-em0.pcap").exists()
    text = run_fwd("sim", str(f), "--until", "500ms")
    assert text.returncode == 0 and "ran until 0.500000 s" in text.stdout


def test_topology_json_equivalent(tmp_path):
    import yaml
    f = tmp_path / "t.json"
    f.write_text(json.dumps(yaml.safe_load(YAML_OK), indent=1))
    net, settings = topology.load(str(f))
    net.run_until(settings["until"])
    assert net.host("a").ping_result(0).received == 50


@pytest.mark.parametrize("text,line,needle", [
    (YAML_OK.replace("    listen: [80]", "    listne: [80]"), 12, "unknown key 'listne'"),
    (YAML_OK.replace('"02:00:00:00:00:0b"', '"02:00:00:00:00:zz"'), 10, "nic 'em0'"),
    (YAML_OK.replace("  - [c:em0, sw0:p3]", "  - [c:em0, sw9:p3]"), 24, "no node 'sw9'"),
    (YAML_OK.replace("  - [c:em0, sw0:p3]", "  - [c:em0]"), 24, "two endpoints"),
    (YAML_OK.replace("ping: [{dst: 10.0.0.2,", "ping: [{dst: 10.0.0.2"), 7, "YAML syntax error"),
    (YAML_OK.replace("start: 10ms", "start: 10 fortnights"), 7, "bad time"),
    (YAML_OK.replace("addresses: {em0: 10.0.0.2/24}", "addresses: {em0: 10.0.0.2/99}"), 11, "prefix length"),
    (YAML_OK.replace("seed: 2", "seed: -1"), 1, "seed must be"),
    ("- just\n- a list\n", 1, "top level must be a mapping"),
    ("", 1, "empty topology"),
    (YAML_OK.replace("profile: linux-bridge", "profile: cisco-ios"), 19, "switch 'sw0': unknown switch profile 'cisco-ios'"),
    # host settings are add_host's keywords (fwd.sim.host_settings()); a bad one is named with its own line
    (YAML_OK.replace("    listen: [80]", "    listen: [80]\n    os: linux\n    tick_phase: 3 parsecs"), 14,
     "host 'b': tick_phase: bad time unit"),
    (YAML_OK.replace("    listen: [80]", "    listen: [80]\n    os: freebsd"), 13, "host 'b': os: ambiguous host os"),
    (YAML_OK.replace("    listen: [80]", "    listen: [80]\n    hz: 100\n    tick: 1ms"), 9, "tick= and hz= both set tick"),
    (YAML_OK.replace("    listen: [80]", "    listen: [80]\n    stack_delayy: 1ms"), 13,
     "unknown key 'stack_delayy' (expected one of: os, tick, tick_ns, tick_phase"),
])
def test_malformed_topology_names_line_and_problem(tmp_path, text, line, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(topology.TopologyError) as e:
        topology.load(str(f))
    msg = str(e.value)
    assert msg.startswith(f"{f}:{line}:"), msg
    assert needle in msg, msg
    p = run_fwd("sim", str(f))
    assert p.returncode == 2
    assert p.stderr.startswith(f"error: {f}:{line}:"), p.stderr
    assert "Traceback" not in p.stderr


def test_malformed_json_names_line(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('{\n  "hosts": {\n    "a": {"nics": {"em0": "02:00:00:00:00:0a"},}\n  }\n}\n')
    with pytest.raises(topology.TopologyError, match=r"bad\.json:3: JSON syntax error"):
        topology.load(str(f))
    p = run_fwd("sim", str(tmp_path / "missing.yaml"))
    assert p.returncode == 2 and "cannot read topology" in p.stderr
