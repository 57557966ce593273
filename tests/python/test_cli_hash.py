"""The `hash`, `conformance` and default commands, run as a user would."""
import json
import os

F1 = ("00005e0001010025901122330800450000281234000040069738c0a85002c0a80011"
      "005078ac00000001000000005012ffff00000000000000000000")


def test_hash_command_text_explain_and_json(fwd_cli):
    r = fwd_cli("hash", "linux-6.12:layer3+4", F1, "--members", "3")
    assert r.returncode == 0 and "hash 0x5fcbe3e3" in r.stdout and "index 2" in r.stdout
    r = fwd_cli("hash", "freebsd-9.3:l2,l3,l4;key=0", F1, "--explain")
    assert r.returncode == 0 and "src_port,dst_port" in r.stdout and "0x4fd006c2 % 2 = 0" in r.stdout
    r = fwd_cli("hash", "freebsd-9.3:l2,l3,l4;key=0", F1, "--json", "--explain", "--vlan-tci", "4094")
    d = json.loads(r.stdout)
    assert d["hash"] == 0x9935D5CF and d["steps"]
    r = fwd_cli("hash", "toeplitz:ipv4", "420995bba18e6450", "--raw", "--json")
    assert json.loads(r.stdout)["hash"] == 0x323E8FC2


def test_hash_command_errors(fwd_cli):
    r = fwd_cli("hash", "linux-6.12:layer9", F1)
    assert r.returncode == 2 and "unknown xmit_hash_policy 'layer9'" in r.stderr and "layer3+4" in r.stderr
    r = fwd_cli("hash", "linux-6.12:layer2", "00zz")
    assert r.returncode == 2 and "not hex" in r.stderr
    r = fwd_cli("hash", "linux-6.12:layer2", "001")
    assert r.returncode == 2 and "odd number" in r.stderr
    r = fwd_cli("hash", "linux-6.12:layer2", F1, "--members", "0")
    assert r.returncode == 2 and "--members 0" in r.stderr
    assert "Traceback" not in r.stderr


def test_conformance_on_the_public_vectors(fwd_cli, data_dir):
    r = fwd_cli("conformance", os.path.join(data_dir, "vectors"))
    lines = r.stdout.strip().splitlines()
    total = sum(1 for f in os.listdir(os.path.join(data_dir, "vectors")) if f.endswith(".jsonl")
                for _ in open(os.path.join(data_dir, "vectors", f)))
    assert lines[-1] == f"{total} passed, 0 failed"
    assert r.returncode == 0
    assert len(lines) == 23  # one line per file, then the total


def test_conformance_reports_failures_and_malformed_files(fwd_cli, tmp_path):
    good = {"algorithm": "linux_bond_layer2", "params": {"name": "x", "skb_protocol": "0x0800",
            "network_offset": 14, "hw_vlan_tag_present": False}, "frame_hex": F1, "hash": 2098,
            "members": 2, "index": 0}
    wrong = dict(good, hash=2099)
    (tmp_path / "a.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(wrong) + "\n")
    r = fwd_cli("conformance", str(tmp_path))
    assert r.returncode == 1 and r.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"
    assert "line 2" in r.stdout
    (tmp_path / "b.jsonl").write_text(json.dumps(good) + "\n{not json\n")
    r = fwd_cli("conformance", str(tmp_path / "b.jsonl"))
    assert r.returncode == 1 and "b.jsonl:2: not JSON" in r.stdout
    (tmp_path / "c.jsonl").write_text(json.dumps(dict(good, algorithm="cisco_magic")) + "\n")
    r = fwd_cli("conformance", str(tmp_path / "c.jsonl"))
    assert r.returncode == 1 and "c.jsonl:1: unknown algorithm 'cisco_magic'" in r.stdout
    (tmp_path / "d.jsonl").write_text(json.dumps({k: v for k, v in good.items() if k != "hash"}) + "\n")
    r = fwd_cli("conformance", str(tmp_path / "d.jsonl"))
    assert r.returncode == 1 and "missing field(s) hash" in r.stdout
    r = fwd_cli("conformance", str(tmp_path / "nope"))
    assert r.returncode == 2 and "no such file" in r.stderr


def test_demo_command(fwd_cli):
    r = fwd_cli("demo")
    assert r.returncode == 0, r.stderr
    assert "fw-a" in r.stdout and "ix0" in r.stdout and "0x" in r.stdout
    r = fwd_cli("demo", "--json")
    d = json.loads(r.stdout)
    assert len(d["flows"]) == 6 and d["explain"]["hash"] == d["flows"][0]["hash"]


def test_options_without_a_command_go_to_the_default(fwd_cli, tmp_path):
    r = fwd_cli("--count", "1000", "--no-real-ip", "--no-files", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ping_sent"] == 1000
    r = fwd_cli("--help")
    assert r.returncode == 0 and "COMMAND" in r.stdout
