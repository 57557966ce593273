"""`fwd distribution` and `fwd whatif --pcap` count flows as flows and show where each flow goes."""
import collections
import json
import pathlib
import subprocess
import sys

CAPTURES = pathlib.Path(__file__).resolve().parents[1] / "data" / "captures"
SPEC = "linux-6.12:802.3ad;xmit_hash_policy=layer3+4"


def fwd(*args):
    r = subprocess.run([sys.executable, "-m", "fwd", *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_whatif_pcap_counts_flows_not_frames():
    flows = json.loads(fwd("flows", CAPTURES / "eth.pcap", "--json"))
    ip_flows = len(flows["flows"])
    out = json.loads(fwd("whatif", "--lag", SPEC, "--members", "a,b,c", "--fail", "b", "--pcap",
                         CAPTURES / "eth.pcap", "--per-flow", "--json"))
    assert flows["stats"]["records"] > ip_flows
    assert out["lag"]["flows"] == ip_flows == len(out["per_flow"])
    assert f"{ip_flows} flows from {flows['stats']['records']} frames" in out["source"]
    # The per-flow view agrees with the per-member counts.
    before = collections.Counter(r["before"] for r in out["per_flow"])
    after = collections.Counter(r["after"] for r in out["per_flow"])
    for m in out["lag"]["members"]:
        assert before[m["member"]] == m["before"] and after[m["member"]] == m["after"]
    assert sum(r["moved"] for r in out["per_flow"]) == out["lag"]["moved"]
    assert all(r["after"] != "b" for r in out["per_flow"])
    # A Linux cooked capture works too (one frame rebuilt per flow).
    cooked = json.loads(fwd("whatif", "--lag", SPEC, "--members", "a,b,c", "--fail", "b", "--pcap",
                            CAPTURES / "sll2.pcap", "--no-compare", "--json"))
    assert cooked["lag"]["flows"] == len(json.loads(fwd("flows", CAPTURES / "sll2.pcap", "--json"))["flows"])


def test_distribution_per_flow_view():
    out = json.loads(fwd("distribution", CAPTURES / "eth_nano.pcap", "--lag", SPEC, "--members", "a,b,c",
                         "--per-flow", "--json"))
    table = json.loads(fwd("flows", CAPTURES / "eth_nano.pcap", "--json"))
    assert out["flows"] == len(table["flows"]) == len(out["per_flow"])
    # A hash LAG sends every frame of a flow to one member.
    assert all(len(r["members"]) == 1 for r in out["per_flow"])
    per_member = collections.defaultdict(lambda: [0, 0])
    for r in out["per_flow"]:
        per_member[r["members"][0]][0] += 1
        per_member[r["members"][0]][1] += r["packets"]
    arp = out["not_in_flows"].get("arp", 0)
    assert sum(m["frames"] for m in out["members"]) == out["frames"]
    for m in out["members"]:
        assert m["flows"] == per_member[m["member"]][0]
    assert sum(v[1] for v in per_member.values()) + arp == out["frames"]
    text = fwd("distribution", CAPTURES / "eth.pcap", "--lag", "linux-6.12:balance-rr", "--members", "a,b",
               "--per-flow")
    assert "flows: " in text and "flow -> member(s)" in text


def test_read_pcap_padding_is_bounded_and_flows_stream(tmp_path):
    """Issue 11: one 256 KiB frame among 20 000 small ones asked for 5 GB of padded rows."""
    import struct

    import pytest

    import fwd.io

    small = bytes.fromhex("020000000002020000000001 0800".replace(" ", "")) + bytes(46)
    recs = [struct.pack("<IIII", 1, i, len(small), len(small)) + small for i in range(20000)]
    big = bytes(262144)
    recs.append(struct.pack("<IIII", 2, 0, len(big), len(big)) + big)
    path = tmp_path / "one_large.pcap"
    path.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1) + b"".join(recs))
    with pytest.raises(ValueError, match="max_length"):
        fwd.io.read_pcap(path)
    frames, lengths, _ = fwd.io.read_pcap(path, max_length=512)
    assert frames.shape == (20001, 512) and lengths[-1] == 512
    t = fwd.io.read_flows(path, chunk_bytes=65536)
    assert t.stats["records"] == 20001 and t.stats["skipped"]["bad_ip"] == 20000  # version 0 under ethertype IPv4
    assert t.stats["skipped"]["not_ip"] == 1  # ethertype 0 of the all-zero frame
