"""fwd.path: fabric recordings, the topology file of the same fabric, fwd.sim, polarization, what-if,
the CLI, plots, fwd.pandas.assign_path, errors with FILE:LINE."""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import fwd.path as fp
import fwd.pandas as fpd
from fwd.fabric_conformance import build_fabric, check_doc, frames_of, overlay
from fwd.topology import TopologyError, build_fabric as topo_fabric, load as load_sim, load_fabric, parse_text, \
    route_problems

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "fabric")
RECORDING = os.path.join(DATA, "fabric-a.json")
TOPOLOGY = os.path.join(DATA, "fabric-a.yaml")


@pytest.fixture(scope="module")
def doc():
    with open(RECORDING, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def v4_flows(doc):
    frames, lengths, ids = frames_of(doc)
    flows = sorted(doc["flows"], key=lambda x: x["id"])
    keep = [k for k, f in enumerate(flows) if f["af"] == 4]
    return frames[keep], lengths[keep], [ids[k] for k in keep]


def _run(doc, rid):
    return next(r for r in doc["runs"] if r["id"] == rid)


def test_every_recorded_path_of_every_run(doc):
    results = check_doc(doc, RECORDING)
    assert len(results) == len(doc["runs"])
    for label, passed, failed, failures in results:
        assert failed == 0, f"{label}: {failures[:3]}"
        assert passed == len(doc["flows"])


def test_recorded_drop_on_carrier_loss_is_reproduced(doc):
    """Run f has t1-b administratively down; carrier loss at the far end (t2b-up down) keeps the
    linkdown path in the hash and the flows on it are dropped after their t1 hop."""
    base = _run(doc, "f")
    state = overlay(doc["nodes"], base["changes"])
    # carrier loss instead of admin down: t1-b up, its peer down
    for itf in state["t1"]["interfaces"]:
        if itf["name"] == "t1-b":
            itf["flags"] = ["BROADCAST", "MULTICAST", "UP", "NO-CARRIER"]
    for itf in state["t2b"]["interfaces"]:
        if itf["name"] == "t2b-up":
            itf["flags"] = ["BROADCAST", "MULTICAST"]
    fabric = build_fabric(doc, state)
    frames, lengths, _ids = frames_of(doc)
    paths = fp.trace(fabric, frames, lengths, ingress="t1:t1-cli")
    dropped = np.flatnonzero(paths["drop"] != 0)
    assert len(dropped) > 300
    for i in dropped:
        hops = paths.hops(i)
        assert hops[0][2] == "t1-b" and hops[-1][:2] == ["dropped", "link_down"]
    # with ignore_routes_with_linkdown=1 the result equals the admin-down run flow for flow
    for fam in ("ipv4", "ipv6"):
        state["t1"]["sysctls"][f"net.{fam}.conf.all.ignore_routes_with_linkdown"] = 1
    paths2 = fp.trace(build_fabric(doc, state), frames, lengths, ingress="t1:t1-cli")
    admin = fp.trace(build_fabric(doc, overlay(doc["nodes"], base["changes"])), frames, lengths, ingress="t1:t1-cli")
    assert (paths2["drop"] == 0).all()
    assert (paths2["hop_port"] == admin["hop_port"]).all()


def test_topology_file_gives_the_recorded_paths(doc, v4_flows):
    frames, lengths, ids = v4_flows
    fabric, settings = load_fabric(TOPOLOGY)
    assert settings["paths"]["ingress"] == "t1:t1-cli"
    paths = fp.trace(fabric, frames, lengths, ingress="t1:t1-cli")
    recorded = _run(doc, "a")["paths"]
    for n, fid in enumerate(ids):
        assert paths.hops(n) == recorded[fid], (fid, paths.describe(n))


def test_cli_path_json_matches_the_recording(doc, v4_flows, tmp_path):
    frames, lengths, ids = v4_flows
    from fwd.io import write_pcap
    cap = tmp_path / "flows.pcap"
    sel = list(range(0, len(ids), 7))
    # every flow twice: the CLI groups frames into flows
    write_pcap(cap, np.concatenate([frames[sel], frames[sel]]), np.concatenate([lengths[sel], lengths[sel]]))
    out = subprocess.run([sys.executable, "-m", "fwd", "path", TOPOLOGY, "--pcap", str(cap), "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert len(data["flows"]) == len(sel)
    recorded = _run(doc, "a")["paths"]
    for rec, k in zip(data["flows"], sel):
        assert rec["frames"] == 2
        assert rec["hops"] + [[rec["end"]["node"], rec["end"]["port"]]] == recorded[ids[k]]
    totals = {n["node"]: n for n in data["nodes"]}
    assert totals["s"]["ended"] == len(sel)
    assert totals["t1"]["flows_in"] == len(sel)
    text = subprocess.run([sys.executable, "-m", "fwd", "path", TOPOLOGY, "--flows", "50"],
                          capture_output=True, text=True, check=True).stdout
    assert text.count("\nflow ") + text.startswith("flow ") == 50
    assert "t2a" in text and "used/up" in text


def test_sim_forwards_every_packet_as_the_path_engine_predicts(v4_flows):
    frames, lengths, _ids = v4_flows
    fabric, _ = load_fabric(TOPOLOGY)
    paths = fp.trace(fabric, frames, lengths, ingress="t1:t1-cli")
    net, _settings = load_sim(TOPOLOGY)
    # two passes: the first resolves ARP along the way (FreeBSD holds one packet per entry)
    for p in range(2):
        for n in range(len(frames)):
            net.send_frame_at(p * 1.0 + n * 1e-4, "c", "c-t1", bytes(frames[n, :lengths[n]]))
    net.run_until(2.0)
    sink = net.host("s")
    where = {}
    for ifc in sink.captured_ifaces:
        for t, outgoing, fr in sink.capture(ifc).records():
            if t >= 1.0 and not outgoing:
                key = fp.flow_keys(np.frombuffer(fr, dtype=np.uint8)[None, :], np.array([len(fr)]))[0]
                where.setdefault(key, set()).add(ifc)
    keys = fp.flow_keys(frames, lengths)
    for n in range(len(frames)):
        assert where.get(keys[n]) == {paths.hops(n)[-1][1]}, paths.describe(n)


def _fabric_with_seeds(t1_seed, t2_seeds, policy=1):
    text = open(TOPOLOGY, encoding="utf-8").read()
    lines = []
    router = None
    for ln in text.splitlines():
        if ln.startswith("  ") and not ln.startswith("   ") and ln.strip().endswith(":"):
            router = ln.strip()[:-1]
        if "ecmp:" in ln:
            seed = t1_seed if router == "t1" else t2_seeds["abcd".index(router[-1])]
            ln = f'    ecmp: "linux-6.18:policy={policy};seed={seed:#x}"'
        lines.append(ln)
    return topo_fabric(parse_text("\n".join(lines), "seeds.yaml"), "seeds.yaml")[0]


def test_equal_seeds_polarize_different_seeds_do_not():
    frames, lengths = fp.generate_flows(20000, dst="198.18.0.0/24", seed=4, dst_mac="02:00:00:00:00:01")
    same = fp.trace(_fabric_with_seeds(0x1234ABCD, [0x1234ABCD] * 4), frames, lengths, ingress="t1:t1-cli")
    diff = fp.trace(_fabric_with_seeds(0x9E3779B9, [0x3C6EF372, 0xDAA66D2B, 0x78DDE6E4, 0x1715609D]), frames, lengths,
                    ingress="t1:t1-cli")
    ps, pd_ = same.polarization_frame().set_index("node"), diff.polarization_frame().set_index("node")
    for t2 in ("t2a", "t2b", "t2c", "t2d"):
        assert ps.loc[t2, "used"] == 1 and ps.loc[t2, "imbalance"] == pytest.approx(4.0)
        assert ps.loc[t2, "entropy_given_upstream"] == pytest.approx(0.0)
        assert pd_.loc[t2, "used"] == 4 and pd_.loc[t2, "imbalance"] < 1.1
        assert pd_.loc[t2, "entropy_given_upstream"] > 0.99
    # the sink sees 4 of 16 ports with equal seeds, all 16 otherwise
    assert (same.link_loads().query("node == 's'")["rx"] > 0).sum() == 4
    assert (diff.link_loads().query("node == 's'")["rx"] > 0).sum() == 16


def test_both_engines_give_the_same_paths():
    # All-zero receive hashes mean "none" but make every flow take the general walker; without them
    # the forwarded IPv4 flows take the IPv4 lane. Mixed traffic (UDP, TCP, ICMP, a failed link,
    # flows for another MAC, a short TTL) must come out identical, array by array.
    f = _fabric_with_seeds(0x9E3779B9, [0x3C6EF372, 0xDAA66D2B, 0x78DDE6E4, 0x1715609D])
    f.set_admin("t1:t1-b", False)
    frames, lengths = fp.generate_flows(5000, dst="198.18.0.0/24", seed=7, protos=("tcp", "udp", "icmp"),
                                        dst_mac="02:00:00:00:00:01")
    frames[::7, 0:6] = [2, 0, 0, 0, 0, 0x99]  # not for t1
    frames[1::11, 14 + 8] = 1                  # TTL 1: expires at t1
    lane = fp.trace(f, frames, lengths, ingress="t1:t1-cli", max_hops=4)
    general = fp.trace(f, frames, lengths, ingress="t1:t1-cli", max_hops=4,
                       rx_hash=np.zeros((len(frames), len(f.node_names)), dtype=np.uint32))
    assert set(lane["drop"]) >= {0, fp.DROP_REASONS.index("not_for_us"), fp.DROP_REASONS.index("ttl_exceeded")}
    for key, arr in lane.arrays.items():
        np.testing.assert_array_equal(arr, general[key], err_msg=key)


def test_what_if_failure_and_addition():
    f = _fabric_with_seeds(0x9E3779B9, [0x3C6EF372, 0xDAA66D2B, 0x78DDE6E4, 0x1715609D])
    frames, lengths = fp.generate_flows(8000, seed=2, dst_mac="02:00:00:00:00:01")
    w = fp.what_if(f, lambda g: g.set_admin("t1:t1-b", False), frames, lengths, ingress="t1:t1-cli", at="t1")
    on_b = int((w["before"]["hop_port"][:, 0] == f.port_id("t1:t1-b")).sum())
    assert w["min_moved"] == on_b
    assert w["moved"] > on_b  # hash-threshold: quarters become thirds
    assert "t1-b" in w["matrix"].index and "t1-b" not in w["matrix"].columns
    assert int(w["matrix"].loc["t1-b"].sum()) == on_b
    g = f.copy()
    g.set_admin("t1:t1-b", False)
    back = fp.what_if(g, lambda h: h.set_admin("t1:t1-b", True), frames, lengths, ingress="t1:t1-cli")
    assert back["min_moved"] == pytest.approx(8000 / 4, abs=1)
    assert back["moved"] >= back["min_moved"]
    # a whole node out of service: its upstream link loses carrier; with ignore_routes_with_linkdown=0
    # t1 keeps hashing onto it and those flows are dropped on transmit
    node = fp.what_if(f, lambda g: g.set_node_up("t2c", False), frames, lengths, ingress="t1:t1-cli")
    via_c = int((node["before"]["hop_node"][:, 1] == f.node_id("t2c")).sum())
    assert node["min_moved"] == via_c == node["moved"]
    assert node["delivered_after"] == 8000 - via_c


def test_plots_write_files(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    f = _fabric_with_seeds(1, [1, 1, 1, 1])
    f.set_admin("t1:t1-b", False)
    frames, lengths = fp.generate_flows(2000, seed=3, dst_mac="02:00:00:00:00:01")
    paths = fp.trace(f, frames, lengths, ingress="t1:t1-cli")
    fig = fp.plot_link_heatmap(paths, tmp_path / "heat.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert any("tier 1" in t for t in titles) and any("tier 2" in t for t in titles)
    assert any("DOWN" in txt.get_text() for ax in fig.axes for txt in ax.texts)
    fig2 = fp.plot_paths(paths, tmp_path / "paths.png")
    assert fig2.axes[0].get_xlabel() and any("DOWN" in t.get_text() for t in fig2.axes[0].texts)
    assert (tmp_path / "heat.png").stat().st_size > 1000 and (tmp_path / "paths.png").stat().st_size > 1000


def test_assign_path_on_a_flow_table(doc, v4_flows):
    flows = [f for f in sorted(doc["flows"], key=lambda x: x["id"]) if f["af"] == 4 and f["proto"] != "icmp"][:40]
    df = pd.DataFrame({"src_ip": [f["src"] for f in flows], "dst_ip": [f["dst"] for f in flows],
                       "ip_proto": [f["proto"] for f in flows], "src_port": [f["sport"] for f in flows],
                       "dst_port": [f["dport"] for f in flows]}, index=[f"f{f['id']}" for f in flows])
    out = fpd.assign_path(df, TOPOLOGY, "t1:t1-cli")
    assert list(out.index) == list(df.index)
    recorded = _run(doc, "a")["paths"]
    for f in flows:
        row = out.loc[f"f{f['id']}"]
        assert row["hops"] + [[row["end_node"], row["end_port"]]] == recorded[f["id"]]
        assert row["drop"] is None
    with pytest.raises(ValueError, match="unknown flow column"):
        fpd.assign_path(df, TOPOLOGY, "t1:t1-cli", columns=["src_ip", "colour"])
    with pytest.raises(ValueError, match="not a protocol name"):
        fpd.assign_path(df.assign(ip_proto="tcpx"), TOPOLOGY, "t1:t1-cli")


def _topo(text):
    return topo_fabric(parse_text(text, "bad.yaml"), "bad.yaml")


def test_topology_errors_name_file_and_line():
    base = """hosts:
  r:
    forwarding: true
    nics: {e0: "02:00:00:00:00:01"}
    addresses: {e0: 10.0.0.1/24}
    routes:
      198.18.0.0/24: [10.0.0.2, 10.9.9.9]
"""
    with pytest.raises(TopologyError, match=r"^bad.yaml:7: .*10.9.9.9 is not on a connected network"):
        _topo(base)
    with pytest.raises(TopologyError, match=r"^bad.yaml:4: .*ecmp"):
        _topo(base.replace('    nics:', '    ecmp: "linux-6.18:policy=7"\n    nics:').replace("10.9.9.9", "10.0.0.3"))
    with pytest.raises(TopologyError, match=r"^bad.yaml:7: .*weight"):
        _topo(base.replace("[10.0.0.2, 10.9.9.9]", "[{via: 10.0.0.2, weight: 0}]"))
    with pytest.raises(TopologyError, match="vlan interfaces are not modelled"):
        _topo(base.replace("    nics:", "    vlans: {v2: {parent: e0, vid: 2}}\n    nics:"))


def test_routing_loop_is_reported_with_its_route_line():
    text = """paths: {ingress: "a:in"}
hosts:
  c:
    nics: {c0: "02:00:00:00:00:09"}
  a:
    forwarding: true
    nics: {in: "02:00:00:00:00:01", ab: "02:00:00:00:00:02"}
    addresses: {ab: 10.9.0.1/30}
    routes:
      default: 10.9.0.2
  b:
    forwarding: true
    nics: {ba: "02:00:00:00:00:03"}
    addresses: {ba: 10.9.0.2/30}
    routes:
      default: 10.9.0.1
links:
  - [c:c0, a:in]
  - [a:ab, b:ba]
"""
    f, settings = _topo(text)
    frames, lengths = fp.generate_flows(3, dst="198.18.0.0/24", dst_mac="02:00:00:00:00:01")
    paths = fp.trace(f, frames, lengths, ingress="a:in")
    assert set(paths.to_frame()["drop"]) == {"loop"}
    msgs = route_problems(paths, settings)
    assert msgs and msgs[0].startswith("bad.yaml:16: routing loop: a -> b -> a")


def test_rx_hash_is_recorded_per_hop(v4_flows):
    frames, lengths, _ids = v4_flows
    fabric, _ = load_fabric(TOPOLOGY)
    n = 200
    rx = np.zeros((n, len(fabric.node_names)), dtype=np.uint32)
    rx[:, fabric.node_names.index("t2a")] = np.arange(1, n + 1) * 0x01000193
    paths = fp.trace(fabric, frames[:n], lengths[:n], ingress="t1:t1-cli", rx_hash=rx)
    at_t2a = paths["hop_node"][:, 1] == fabric.node_id("t2a")
    assert at_t2a.any()
    assert (paths["hop_rx_hash"][at_t2a, 1] == rx[at_t2a, fabric.node_names.index("t2a")]).all()
    assert (paths["hop_rx_hash"][:, 0] == 0).all()
    with pytest.raises(ValueError, match="rx_hash must be"):
        fp.trace(fabric, frames[:n], lengths[:n], ingress="t1:t1-cli", rx_hash=rx[:, :3])


def test_bad_ingress_and_frames():
    fabric, _ = load_fabric(TOPOLOGY)
    frames, lengths = fp.generate_flows(4, dst_mac="02:00:00:00:00:01")
    with pytest.raises(ValueError, match="has no port 'nope'"):
        fp.trace(fabric, frames, lengths, ingress="t1:nope")
    with pytest.raises(ValueError, match="unknown node"):
        fp.trace(fabric, frames, lengths, ingress="zz:x")
    with pytest.raises(TypeError):
        fp.trace(fabric, frames.astype(np.int16), lengths, ingress="t1:t1-cli")
    # truncated and non-IP frames are traced, never crash
    junk = np.zeros((3, 20), dtype=np.uint8)
    junk[0, :6] = [2, 0, 0, 0, 0, 1]
    paths = fp.trace(fabric, junk, np.array([20, 5, 0], dtype=np.uint32), ingress="t1:t1-cli")
    assert set(paths.to_frame()["drop"]) <= {"not_ip", "not_for_us"}


def test_example_shows_polarization_and_the_fix(tmp_path):
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "fabric_polarization.py")
    out = subprocess.run([sys.executable, example, str(tmp_path)], capture_output=True, text=True, check=True).stdout
    assert "each tier-2 router uses 1 of its 4 links" in out
    assert "sink links carrying flows: 4 of 16" in out and "sink links carrying flows: 16 of 16" in out
    assert "fix by seeds: tier-2 routers use 4-4 of 4 links" in out
    for stem in ("polarized", "fixed-seeds", "fixed-policy", "t1-b-down"):
        assert (tmp_path / f"{stem}-links.png").stat().st_size > 1000
        assert (tmp_path / f"{stem}-paths.png").stat().st_size > 1000


def _variant(doc, rid, edit):
    """A copy of the recording whose run `rid` is changed by edit(run, state_nodes)."""
    import copy
    d = copy.deepcopy(doc)
    run = _run(d, rid)
    edit(run, d)
    d["runs"] = [run]
    return d


def test_coprime_paths_do_not_fix_polarization(doc):
    """Spec §10: with 4 paths at tier 1 and 3 at tier 2 (hash-threshold ranges), each tier-2 router
    of an equal-seed fabric uses one or two of its three paths."""
    def three_paths(run, d):
        for x in "abcd":
            node = d["nodes"][f"t2{x}"]
            routes = {}
            for fam in ("ipv4", "ipv6"):
                routes[fam] = [dict(r) for r in node["routes"][fam]]
                for r in routes[fam]:
                    if "nexthops" in r:
                        r["nexthops"] = r["nexthops"][:3]
            run.setdefault("changes", {}).setdefault(f"t2{x}", {})["routes"] = routes
    d = _variant(doc, "a", three_paths)
    state = overlay(d["nodes"], d["runs"][0]["changes"])
    frames, lengths, _ids = frames_of(d)
    paths = fp.trace(build_fabric(d, state), frames, lengths, ingress="t1:t1-cli")
    assert (paths["drop"] == 0).all()
    pol = paths.polarization_frame().set_index("node")
    for x in "abcd":
        assert pol.loc[f"t2{x}", "candidates"] == 3
        assert 1 <= pol.loc[f"t2{x}", "used"] <= 2
    assert sorted(pol.loc[[f"t2{x}" for x in "abcd"], "used"]) == [1, 1, 2, 2]  # ranges: 4 quarters vs 3 thirds


def test_default_seed_is_the_boot_seed(doc):
    """A run at seed 0 with settings.boot_seed B chooses exactly as a run with seed B."""
    frames, lengths, _ids = frames_of(doc)
    run = _run(doc, "a")
    state = overlay(doc["nodes"], run["changes"])
    zero = overlay(doc["nodes"], run["changes"])
    for node in zero.values():
        if node.get("role") == "router":
            node["sysctls"]["net.ipv4.fib_multipath_hash_seed"] = 0
    with_boot = fp.trace(build_fabric(doc, zero, boot_seed="0x1234abcd"), frames, lengths, ingress="t1:t1-cli")
    explicit = fp.trace(build_fabric(doc, state), frames, lengths, ingress="t1:t1-cli")
    other = fp.trace(build_fabric(doc, zero, boot_seed=0x2B9DEE05), frames, lengths, ingress="t1:t1-cli")
    assert (with_boot["hop_port"] == explicit["hop_port"]).all()
    assert (other["hop_port"] != explicit["hop_port"]).any()


def test_rx_skb_hash_of_a_run_is_used_under_policy_1(doc):
    """A run carrying rx_skb_hash: tier 2 follows the carried hash (>> 1) for flows with ports, not its
    own seed; equal seeds then no longer polarize those flows (spec §4.2, §10)."""
    flows = sorted(doc["flows"], key=lambda x: x["id"])
    rng = np.random.default_rng(5)

    def carry(run, d):
        run["rx_skb_hash"] = {str(f["id"]): {"t1": 0, **{f"t2{x}": int(rng.integers(1, 2**32)) for x in "abcd"}}
                              for f in flows}
    d = _variant(doc, "a", carry)
    state = overlay(d["nodes"], d["runs"][0]["changes"])
    frames, lengths, ids = frames_of(d)
    names = build_fabric(d, state).node_names
    rx = np.zeros((len(ids), len(names)), dtype=np.uint32)
    for k, fid in enumerate(ids):
        for r, v in d["runs"][0]["rx_skb_hash"][str(fid)].items():
            rx[k, names.index(r)] = v
    paths = fp.trace(build_fabric(d, state), frames, lengths, ingress="t1:t1-cli", rx_hash=rx)
    l4 = np.array([f["proto"] in ("tcp", "udp") for f in flows])
    t2_choice = paths["hop_port"][:, 1]
    # with ports: the tier-2 choice is the carried hash's: h = rx >> 1 over 4 equal ranges
    fab = build_fabric(d, state)
    for k in np.flatnonzero(l4)[:200]:
        router = names[paths["hop_node"][k, 1]]
        h = int(rx[k, names.index(router)]) >> 1
        j = next(i for i in range(4) if h <= round((i + 1) * 2**31 / 4) - 1)
        assert fab.port_names[t2_choice[k]] == f"{router}-{j + 1}"
    # ICMP (no ports) keeps the seeded hash: still polarized
    icmp4 = np.array([f["proto"] == "icmp" for f in flows])
    assert len({(paths["hop_port"][k, 0], paths["hop_port"][k, 1]) for k in np.flatnonzero(icmp4)}) == 4
    # the conformance runner reads the run's table: with it, run a's recorded (polarized) tier-2
    # choices no longer all match, and only for packets whose hash counts as L4 (ports, or an IPv6
    # flow label: the kernel's flow_keys_have_l4)
    (label, passed, failed, failures), = check_doc(d, "carried")
    assert passed + failed == len(flows) and failed > 0
    by_id = {f["id"]: f for f in flows}
    assert all(by_id[fid]["proto"] in ("tcp", "udp") or (by_id[fid]["af"] == 6 and by_id[fid]["flowlabel"])
               for fid, _msg in failures)
