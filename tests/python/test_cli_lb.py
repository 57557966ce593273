"""`python3 -m fwd lb | whatif | distribution`, driven as users run them (text and --json)."""
import json

import fwd.io
import fwd.lag

F1 = ("00005e0001010025901122330800450000281234000040069738c0a85002c0a80011"
      "005078ac00000001000000005012ffff00000000000000000000")


def test_lb_fields_text(fwd_cli):
    r = fwd_cli("lb", "--lag", "linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "--members", "eth0,eth1,eth2",
                "--src-ip", "192.168.80.2", "--dst-ip", "192.168.0.17", "--src-port", "80", "--dst-port", "30892")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("member eth2  hash 0x5fcbe3e3  [usable_slaves [eth0, eth1, eth2]")


def test_lb_frame_json_and_explain(fwd_cli):
    r = fwd_cli("lb", "--lag", "freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0", "--members", "a,b", "--frame", F1, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["member"] == "b" and d["hash"] == 0x4FD006C2 and "steps" not in d["hash_walk"]
    r = fwd_cli("lb", "--lag", "freebsd-9.3:lacp;key=0", "--members", "a,b", "--frame", F1, "--explain")
    assert "lacp: pm_map [b, a] (most recently distributing first); 0x4fd006c2 % 2 = 0 -> b" in r.stdout
    assert "src_mac" in r.stdout and "member: b (index 1)" in r.stdout
    r = fwd_cli("lb", "--lag", "freebsd-9.3:lacp;key=0", "--members", "a,b", "--frame", F1, "--explain", "--json")
    assert json.loads(r.stdout)["hash_walk"]["steps"]


def test_lb_down_members_and_metadata(fwd_cli):
    r = fwd_cli("lb", "--lag", "linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "--members", "eth0,eth1,eth2",
                "--frame", F1, "--down", "eth2,eth1")
    assert r.stdout.startswith("member eth0")
    r = fwd_cli("lb", "--lag", "ovs-3.1:balance-slb", "--members", "m1,m2", "--src-mac", "02:cc:00:00:00:00",
                "--output-vlan", "0", "--json")
    d = json.loads(r.stdout)
    assert d["hash"] & 0xFF == 209 and d["member"] == "m1"  # bond/hash 02:cc:00:00:00:00 -> 209 (recording)
    r = fwd_cli("lb", "--lag", "linux:active-backup", "--members", "a,b", "--frame", F1, "--down", "a,b")
    assert r.returncode == 0 and r.stdout.startswith("dropped")


def test_lb_errors(fwd_cli):
    r = fwd_cli("lb", "--lag", "linux-6.12:802.3ad", "--members", "a,b", "--frame", F1, "--down", "c")
    assert r.returncode == 2 and "unknown member 'c'" in r.stderr and "expected one of a, b" in r.stderr
    r = fwd_cli("lb", "--lag", "linux-6.12:xor", "--members", "a,b", "--frame", F1)
    assert r.returncode == 2 and "unknown mode 'xor' for linux-6.12" in r.stderr
    r = fwd_cli("lb", "--lag", "linux-6.12:802.3ad", "--members", "", "--frame", F1)
    assert r.returncode == 2 and "--members" in r.stderr
    r = fwd_cli("lb", "--lag", "linux-6.12:802.3ad", "--members", "a", "--frame", "zz")
    assert r.returncode == 2 and "not hex" in r.stderr
    r = fwd_cli("lb", "--lag", "linux-6.12:802.3ad", "--members", "a", "--frame", F1, "--src-ip", "1.2.3.4")
    assert r.returncode == 2 and "either --frame or frame fields" in r.stderr


def test_whatif_population_text_and_json(fwd_cli):
    r = fwd_cli("whatif", "--lag", "linux-6.12:balance-xor;xmit_hash_policy=layer3+4", "--members", "a,b,c,d",
                "--fail", "b", "--flows", "4000")
    assert r.returncode == 0, r.stderr
    assert "== this LAG ==" in r.stdout and "== resilient (same hash) ==" in r.stdout
    assert "minimum possible" in r.stdout and "(failed)" in r.stdout
    r = fwd_cli("whatif", "--lag", "linux-6.12:balance-xor;xmit_hash_policy=layer3+4", "--members", "a,b,c,d",
                "--fail", "b", "--flows", "4000", "--json")
    d = json.loads(r.stdout)
    assert d["resilient"]["moved"] == d["resilient"]["min_moved"]
    assert d["modulo"]["moved"] > d["modulo"]["min_moved"]
    assert d["lag"]["flows"] == 4000 and d["lag"]["failed"] == ["b"]


def test_whatif_pcap_and_errors(fwd_cli, tmp_path):
    frames, lengths = fwd.lag.flow_population(500, seed=2)
    p = tmp_path / "f.pcap"
    fwd.io.write_pcap(p, frames, lengths)
    r = fwd_cli("whatif", "--lag", "dpdk:balance;xmit_policy=l34", "--members", "3", "--add", "m3", "--pcap", str(p),
                "--no-compare", "--json")
    d = json.loads(r.stdout)
    assert list(d) == ["source", "lag"] and d["lag"]["added"] == ["m3"] and d["lag"]["flows"] == 500
    r = fwd_cli("whatif", "--lag", "dpdk:balance", "--members", "3", "--pcap", str(p))
    assert r.returncode == 2 and "nothing to change" in r.stderr
    r = fwd_cli("whatif", "--lag", "dpdk:balance", "--members", "3", "--fail", "x", "--flows", "10")
    assert r.returncode == 2 and "unknown member 'x'" in r.stderr
    r = fwd_cli("whatif", "--lag", "dpdk:balance", "--members", "3", "--fail", "m1", "--frame", F1, "--frame", F1[:40])
    assert r.returncode == 0 and "flows: 2 frames" in r.stdout


def test_distribution_text_json_plot(fwd_cli, tmp_path):
    frames, lengths = fwd.lag.flow_population(3000, seed=4)
    lengths[:2] = [6, 13]
    p = tmp_path / "d.pcap"
    fwd.io.write_pcap(p, frames, lengths)
    r = fwd_cli("distribution", str(p), "--lag", "freebsd-9.3:lacp;key=0", "--members", "4")
    assert r.returncode == 0, r.stderr
    assert "frames: 3000 (shorter than an Ethernet header: 2" in r.stdout
    assert "imbalance (max/mean frames):" in r.stdout and "m3" in r.stdout
    r = fwd_cli("distribution", str(p), "--lag", "freebsd-9.3:lacp;key=0", "--members", "4", "--json",
                "--plot", str(tmp_path / "d.png"))
    d = json.loads(r.stdout)
    assert sum(m["frames"] for m in d["members"]) == 3000 and d["short_frames"] == 2
    assert abs(sum(m["share"] for m in d["members"]) - 1) < 1e-9
    counts = [m["frames"] for m in d["members"]]
    assert d["imbalance"] == max(counts) / (sum(counts) / 4)
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = fwd_cli("distribution", str(p), "--lag", "linux:broadcast", "--members", "a,b", "--json")
    d = json.loads(r.stdout)
    assert d["broadcast"] == 3000 and [m["frames"] for m in d["members"]] == [3000, 3000]


def test_distribution_errors(fwd_cli, tmp_path):
    r = fwd_cli("distribution", str(tmp_path / "none.pcap"), "--lag", "dpdk:balance", "--members", "2")
    assert r.returncode == 2 and "No such file or directory" in r.stderr
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\0" * 10)
    r = fwd_cli("distribution", str(bad), "--lag", "dpdk:balance", "--members", "2")
    assert r.returncode == 2 and "cannot read capture" in r.stderr
