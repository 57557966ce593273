"""fwd.route from Python: scalar, batch (numpy, GIL released), explain, errors, and the ECMP
conformance runner (.jsonl.gz dispatch, bucket tables, malformed files)."""
import gzip
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import fwd.route as r
from fwd.conformance import VectorError, check_file, vector_files

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "ecmp")


def paths(n=4, family=4, kind="multipath"):
    if family == 4:
        nhs = [r.NextHop(f"10.{i}.0.2", f"r-v{i}", prefsrc=f"10.{i}.0.1", id=i if kind != "multipath" else 0)
               for i in range(1, n + 1)]
    else:
        nhs = [r.NextHop(f"fd00:{i}::2", f"r-v{i}", id=i if kind != "multipath" else 0) for i in range(1, n + 1)]
    return r.PathSet(nhs, kind=kind, family=family, idle_timer=0.0)


def v4_packet(src, dst, proto, sport, dport):
    import ipaddress
    ip = bytearray(20)
    ip[0], ip[8], ip[9] = 0x45, 64, proto
    ip[12:16] = ipaddress.ip_address(src).packed
    ip[16:20] = ipaddress.ip_address(dst).packed
    l4 = sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + bytes(16)
    ip[2:4] = (20 + len(l4)).to_bytes(2, "big")
    return bytes(ip) + l4


def test_recorded_lines_from_the_public_vectors():
    # One recorded lookup per kind, end to end through the Python API.
    with gzip.open(os.path.join(DATA, "v4_p1_fwd.jsonl.gz"), "rt") as fh:
        line = json.loads(fh.readline())
    e = r.Ecmp(f"linux-6.18:policy={line['policy']};seed={line['seed']}", r.path_set_from_json(line["route"], 4))
    i = e.select_flow(line["src"], line["dst"], proto=line["proto"], sport=line["sport"], dport=line["dport"])
    assert (e.paths.nexthops[i].gateway, e.paths.nexthops[i].device) == (line["chosen"]["gw"], line["chosen"]["dev"])


def test_packet_and_flow_agree_for_forwarded_tcp():
    e = r.Ecmp("linux-6.18:policy=1;seed=0x1234abcd", paths(8))
    for sport in range(1000, 1100):
        pkt = v4_packet("192.0.2.1", "198.18.0.9", 6, sport, 443)
        assert e.select(pkt) == e.select_flow("192.0.2.1", "198.18.0.9", 6, sport, 443)


def test_batch_equals_scalar_and_releases_the_gil():
    e = r.Ecmp("linux-6.18:policy=1;seed=0x1234abcd", paths(8))
    rng = np.random.default_rng(1)
    n = 5000
    src = [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, (n, 3))]
    flows = r.make_flows(src, "198.18.0.7", proto=6, sport=rng.integers(1, 65535, n), dport=443)
    out = e.select_batch(flows)
    assert out.dtype == np.int32 and out.shape == (n,)
    for k in range(0, n, 97):
        assert out[k] == e.select_flow(src[k], "198.18.0.7", 6, int(flows["sport"][k]), 443)
    assert set(np.unique(out)) == set(range(8))
    # Another Python thread makes progress while a big batch runs in C++ (GIL released): its counter
    # moves between the moment just before the call and the moment just after it.
    big = np.repeat(flows, 400)
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        c0 = counter[0]
        e.select_batch(big)
        c1 = counter[0]
    finally:
        stop.set()
        t.join()
    assert c1 - c0 > 100


def test_receive_hash_rows_and_auto_l4():
    e = r.Ecmp("linux-6.18:policy=1;seed=3", paths(4))
    flows = r.make_flows(["10.0.0.1"] * 4, "198.18.0.1", proto=6, sport=[1, 2, 3, 4], dport=80)
    rx = np.array([0, 0x60000000, 0xa0000000, 0xffffffff], dtype=np.uint32)
    out = e.select_batch(flows, lookup="packet", rx_hashes=rx)
    assert list(out) == [0, 1, 2, 3]  # h = rx >> 1 picks the quarter
    # ICMP has no ports: the kernel's software hash is not an L4 hash, the seeded hash is used.
    icmp = bytearray(v4_packet("10.0.0.1", "198.18.0.1", 1, 0, 0))
    icmp[20] = 8
    assert e.hash(bytes(icmp), rx_hash=0xffffffff, rx_hash_l4="auto") == e.hash(bytes(icmp))
    tcp = v4_packet("10.0.0.1", "198.18.0.1", 6, 5, 6)
    assert e.hash(tcp, rx_hash=0xffffffff, rx_hash_l4="auto") == 0x7fffffff
    with pytest.raises(ValueError, match="expected True, False or 'auto'"):
        e.hash(tcp, rx_hash=1, rx_hash_l4="maybe")


def test_explain_text_and_data():
    e = r.Ecmp("linux-6.18:policy=3;fields=0x37;seed=0x1234abcd", paths(3))
    x = e.explain_flow("10.0.0.1", "198.18.0.5", 6, 40000, 443)
    assert len(x.hashed) == 48 and x.chosen == e.select_flow("10.0.0.1", "198.18.0.5", 6, 40000, 443)
    assert "jhash_2words" in str(x) and x.to_json()["chosen"] == x.chosen
    assert x.upper_bounds[-1] == 2**31 - 1


def test_dead_path_and_resilient_group():
    e = r.Ecmp("linux-6.18:policy=1;seed=1", paths(4))
    flows = r.make_flows([f"10.0.{i // 256}.{i % 256}" for i in range(2000)], "198.18.0.1", 17, 53, 53)
    before = e.select_batch(flows)
    e.set_dead(3)
    after = e.select_batch(flows)
    assert 3 not in set(after)
    assert (before[before != 3] != after[before != 3]).any()  # quarters become thirds
    g = r.Ecmp("linux-6.18", r.PathSet(paths(3).nexthops[:0] + [r.NextHop("10.1.0.2", "a", id=1),
                                                                  r.NextHop("10.2.0.2", "b", id=2),
                                                                  r.NextHop("10.3.0.2", "c", id=3)],
                                      kind="resilient", num_buckets=8, idle_timer=0.0))
    assert g.bucket_ids == [3, 3, 3, 2, 2, 1, 1, 1]
    g.remove_nexthop(2)
    assert g.bucket_ids.count(2) == 0 and g.bucket_ids[:3] == [3, 3, 3]


def test_bad_input_is_value_error():
    with pytest.raises(ValueError, match="expected linux-6.18, linux-6.12"):
        r.Ecmp("cisco:policy=1", paths())
    with pytest.raises(ValueError, match="'9' for policy"):
        r.Ecmp("linux-6.18:policy=9", paths())
    with pytest.raises(ValueError, match="expected 1 to 256"):
        r.Ecmp("linux-6.18", r.PathSet([r.NextHop("10.0.0.1", "x", weight=0)]))
    with pytest.raises(ValueError, match="mixes IPv4 and IPv6"):
        r.make_flows("10.0.0.1", "2001:db8::1")
    e = r.Ecmp("linux-6.18", paths())
    with pytest.raises(ValueError, match="FLOW_DTYPE"):
        e.select_batch(np.zeros(3, dtype=np.uint32))
    assert e.select(b"") in range(4)  # an empty packet hashes zeros; no crash


def test_conformance_reads_gz_and_dispatches(tmp_path):
    files = vector_files([DATA])
    assert any(f.endswith(".jsonl.gz") for f in files)
    passed, failed, _ = check_file(os.path.join(DATA, "nh_resilient_buckets.jsonl.gz"))
    assert (passed, failed) == (8, 0)
    # A changed recording fails (the runner compares, it does not trust).
    with gzip.open(os.path.join(DATA, "v4_weights.jsonl.gz"), "rt") as fh:
        lines = [json.loads(x) for x in fh.readlines()[:20]]
    for ln in lines:
        ln["chosen"] = {"gw": "10.99.0.2", "dev": "r-v99"}
    bad = tmp_path / "wrong.jsonl"
    bad.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert check_file(str(bad))[:2] == (0, 20)
    broken = tmp_path / "broken.jsonl.gz"
    with gzip.open(broken, "wt") as fh:
        fh.write(json.dumps({"chosen": {}, "route": {"kind": "multipath", "nexthops": []}, "dst": "1.2.3.4"}) + "\n")
    with pytest.raises(VectorError, match="broken.jsonl.gz:1"):
        check_file(str(broken))


def test_cli_conformance_counts():
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "fwd", "conformance", os.path.join(DATA, "nh_resilient_buckets.jsonl.gz"),
                          os.path.join(DATA, "v4_p2_routeget.jsonl.gz")], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == "368 passed, 0 failed"


def test_flows_from_net_records():
    import fwd.net
    recs = np.zeros(3, dtype=fwd.net.FLOW_DTYPE)
    for i in range(3):
        recs["src_ip"][i] = fwd.net.ip_bytes(f"10.0.0.{i + 1}")
        recs["dst_ip"][i] = fwd.net.ip_bytes("198.18.0.1")
    recs["ip_version"], recs["ip_proto"], recs["src_port"], recs["dst_port"] = 4, 6, 1000, 443
    flows = r.flows_from_net(recs)
    e = r.Ecmp("linux-6.18:policy=1;seed=2", paths(4))
    assert list(e.select_batch(flows)) == [e.select_flow(f"10.0.0.{i + 1}", "198.18.0.1", 6, 1000, 443) for i in range(3)]
    recs["ip_version"][1] = 0
    with pytest.raises(ValueError, match="record 1 is not IPv4/IPv6"):
        r.flows_from_net(recs)


def test_select_packets_batch_matches_scalar():
    e = r.Ecmp("linux-6.18:policy=0;seed=11", paths(4))
    pkts = [v4_packet(f"192.0.2.{i}", "198.18.0.9", 17, 1000 + i, 53) for i in range(1, 60)]
    width = max(len(p) for p in pkts)
    arr = np.zeros((len(pkts), width), dtype=np.uint8)
    for i, p in enumerate(pkts):
        arr[i, :len(p)] = np.frombuffer(p, dtype=np.uint8)
    lens = np.array([len(p) for p in pkts], dtype=np.uint32)
    out = e.select_packets(arr, lens)
    assert list(out) == [e.select(p) for p in pkts]
    assert len(set(out)) > 1


def test_state_as_text_and_json():
    e = r.Ecmp("linux-6.18:policy=1;seed=1;ignore_routes_with_linkdown=1", paths(3))
    e.set_linkdown(1)
    doc = e.to_json()
    assert doc["upper_bounds"] == [2**30 - 1, -1, 2**31 - 1] and doc["nexthops"][1]["linkdown"] is True
    assert "upper_bound -1" in e.to_text() and "linkdown" in e.to_text()
    g = r.Ecmp("linux-6.12", paths(2, kind="resilient"))
    assert g.to_json()["buckets"] == g.bucket_ids and len(g.bucket_ids) == 128


def test_cli_ecmp_flow_packet_and_errors():
    def run(*a):
        return subprocess.run([sys.executable, "-m", "fwd", "ecmp", *a], capture_output=True, text=True)
    spec = "linux-6.18:policy=1;seed=0x1234abcd"
    e = r.Ecmp(spec, r.PathSet([r.NextHop("10.1.0.2", "eth1"), r.NextHop("10.2.0.2", "eth2", weight=2)]))
    want = e.select_flow("10.0.0.1", "198.18.0.5", 6, 40000, 443)
    out = run(spec, "10.1.0.2@eth1", "10.2.0.2@eth2*2", "--flow", "10.0.0.1", "198.18.0.5", "tcp", "40000", "443")
    assert out.returncode == 0 and out.stdout.startswith(f"{want}: via ")
    pkt = v4_packet("10.0.0.1", "198.18.0.5", 6, 40000, 443)
    out = run(spec, "10.1.0.2@eth1", "10.2.0.2@eth2*2", "--packet", pkt.hex(), "--json")
    assert json.loads(out.stdout)["chosen"] == e.select(pkt)
    out = run(spec, "10.1.0.2@eth1", "10.2.0.2@eth2", "--flow", "10.0.0.1", "198.18.0.5", "--dead", "eth1")
    assert out.stdout.startswith("1: ")
    bad = run("linux-6.18:policy=7", "10.1.0.2@eth1", "--flow", "10.0.0.1", "198.18.0.5")
    assert bad.returncode == 2 and "expected 0, 1, 2 or 3" in bad.stderr
    bad = run(spec, "10.1.0.2", "--flow", "10.0.0.1", "198.18.0.5")
    assert bad.returncode == 2 and "expected GW@DEV" in bad.stderr


def test_pathset_timers_take_the_one_time_convention():
    import datetime

    import numpy as np
    import pytest

    hops = [r.NextHop("10.1.0.2", "eth1"), r.NextHop("10.2.0.2", "eth2")]
    for v in (0.5, "500ms", datetime.timedelta(milliseconds=500), np.timedelta64(500, "ms")):
        p = r.PathSet(hops, kind="resilient", idle_timer=v, unbalanced_timer=v)
        assert p.idle_timer == 0.5 and p.unbalanced_timer == 0.5
    with pytest.raises(ValueError, match="idle_timer"):
        r.PathSet(hops, kind="resilient", idle_timer="3 parsecs")
    with pytest.raises(TypeError, match="unbalanced_timer"):
        r.PathSet(hops, kind="resilient", unbalanced_timer=[1])
