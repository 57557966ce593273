"""`python3 -m fwd flows` against tshark's own dissection, on captures of real traffic
(tests/data/captures, recorded by tools/make_captures.sh with tcpdump and dumpcap in network
namespaces): packets and bytes of every unidirectional TCP/UDP flow must agree."""
import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

CAPTURES = pathlib.Path(__file__).resolve().parents[1] / "data" / "captures"
FILES = ["eth.pcap", "eth_nano.pcap", "sll.pcap", "sll2.pcap", "two_if.pcapng"]

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian package tshark; "
                                                         "tools/setup.sh installs it)")

_FIELDS = ["frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport",
           "udp.dstport", "vlan.id", "eth.src", "eth.dst", "sll.src.eth"]


def tshark_flows(path):
    """{(src_ip, dst_ip, proto, sport, dport, vid, src_mac, dst_mac): [packets, bytes]} by tshark."""
    out = subprocess.run([TSHARK, "-n", "-r", str(path), "-Y", "(tcp or udp) and not icmp and not icmpv6",
                          "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
                         + [x for f in _FIELDS for x in ("-e", f)],
                         check=True, capture_output=True, text=True).stdout
    flows = collections.defaultdict(lambda: [0, 0])
    for line in out.splitlines():
        v = dict(zip(_FIELDS, line.split("|")))
        src, dst = v["ip.src"] or v["ipv6.src"], v["ip.dst"] or v["ipv6.dst"]
        proto = 6 if v["tcp.srcport"] else 17
        sport = int(v["tcp.srcport"] or v["udp.srcport"])
        dport = int(v["tcp.dstport"] or v["udp.dstport"])
        vid = int(v["vlan.id"]) if v["vlan.id"] else -1
        smac = v["eth.src"] or v["sll.src.eth"]
        dmac = v["eth.dst"] or "00:00:00:00:00:00"
        f = flows[(src, dst, proto, sport, dport, vid, smac, dmac)]
        f[0] += 1
        f[1] += int(v["frame.len"])
    return dict(flows)


def fwd_flows(path):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "fwd", "flows", str(path), "--json"], check=True, capture_output=True,
                         text=True, env=env).stdout
    doc = json.loads(out)
    flows = {}
    for r in doc["flows"]:
        if r["ip_proto"] not in (6, 17):
            continue
        vid = r["vlan"] & 0xFFF if r["vlan"] >= 0 else -1
        key = (r["src_ip"], r["dst_ip"], r["ip_proto"], r["src_port"], r["dst_port"], vid, r["src_mac"], r["dst_mac"])
        assert key not in flows, f"flow {key} listed twice"
        flows[key] = [r["packets"], r["bytes"]]
    return flows, doc["stats"]


@needs_tshark
@pytest.mark.parametrize("name", FILES)
def test_packets_and_bytes_per_flow_agree_with_tshark(name):
    path = CAPTURES / name
    ours, stats = fwd_flows(path)
    theirs = tshark_flows(path)
    assert len(theirs) >= 10, "the capture should hold TCP and UDP flows"
    assert ours == theirs
    # Every record accounted for: in a flow or skipped for a reason.
    assert stats["records"] == stats["in_flows"] + sum(stats["skipped"].values())


@needs_tshark
def test_captures_cover_what_they_claim():
    """Each link type, IPv4 and IPv6, a VLAN and both timestamp precisions are really exercised."""
    encaps = {}
    for name in FILES:
        out = subprocess.run([TSHARK, "-r", str(CAPTURES / name), "-T", "fields", "-e", "frame.encap_type"],
                             check=True, capture_output=True, text=True).stdout.split()
        encaps[name] = set(out)
    assert encaps["eth.pcap"] == {"1"} and encaps["sll2.pcap"] == {"210"} and encaps["sll.pcap"] == {"25"}
    assert len(encaps["two_if.pcapng"]) == 2  # an Ethernet and a cooked interface in one file
    head = (CAPTURES / "eth_nano.pcap").read_bytes()[:4]
    assert head in (bytes.fromhex("4d3cb2a1"), bytes.fromhex("a1b23c4d"))
    for name in FILES:
        keys = tshark_flows(CAPTURES / name)
        assert any(":" in k[0] for k in keys) and any("." in k[0] for k in keys), name
        # Tagged frames sent from a packet socket keep their tag on the veth; a cooked capture of
        # the same frames has no tag (the kernel parsed past it and libpcap has no out-of-band TCI
        # to re-insert): tshark and fwd agree on that too (test above).
        if name in ("eth.pcap", "eth_nano.pcap", "two_if.pcapng"):
            assert any(k[5] == 100 for k in keys), name


def test_flow_table_api_on_a_real_capture():
    import numpy as np

    import fwd.flows
    import fwd.net

    t = fwd.flows.read_flows(CAPTURES / "eth_nano.pcap", chunk_bytes=4096, frame_index=True)
    assert t.flows.dtype == fwd.flows.FLOW_TABLE_DTYPE
    assert len(t.frame_flow) == t.stats["records"]
    # frame_flow points each record at its flow: counts per index are the flows' packets.
    idx = t.frame_flow[t.frame_flow >= 0]
    assert (np.bincount(idx, minlength=len(t)) == t.flows["packets"]).all()
    assert t.stats["skipped"]["arp"] == int((t.frame_flow < 0).sum())
    # Nanosecond timestamps survive (not all multiples of 1000).
    assert (t.flows["first_ns"] % 1000 != 0).any()
    df = t.to_dataframe()
    assert list(df.columns) == list(fwd.flows.COLUMNS)
    assert (df["bytes"] >= df["packets"] * 42).all()
    assert set(df["ip_version"]) == {4, 6}
    # IPv6 flow labels of real Linux connections are non-zero.
    assert (df[(df.ip_version == 6) & (df.ip_proto == 6)]["flow_label"] > 0).all()
    # Rows turn back into frames that carry the same key.
    frames, lengths = fwd.net.frames_from_flows(fwd.flows.as_flow_records(t.flows))
    again = fwd.flows.flows_of_frames(frames, lengths)
    assert len(again) == len(t)
    for name in fwd.net.FLOW_DTYPE.names:
        if name != "eth_type":
            assert (again.flows[name] == t.flows[name]).all(), name
    # The same table from the frames in memory (fwd.io.read_pcap) as from the streamed file.
    import fwd.io

    fr, ln, ts, wire = fwd.io.read_pcap(CAPTURES / "eth_nano.pcap", wire_lengths=True)
    mem = fwd.flows.flows_of_frames(fr, ln, wire_lengths=wire, timestamps_ns=ts)
    assert mem.flows.tobytes() == t.flows.tobytes()


def test_flows_command_errors_and_formats(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "fwd", "flows", *map(str, args)], capture_output=True, text=True)

    r = run(tmp_path / "missing.pcap")
    assert r.returncode == 2 and "cannot open capture" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"not a capture at all")
    r = run(bad)
    assert r.returncode == 2 and "unknown magic number" in r.stderr
    r = run(CAPTURES / "eth.pcap", "--top", "0")
    assert r.returncode == 2 and "--top" in r.stderr
    r = run(CAPTURES / "eth.pcap", "--csv")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].startswith("src_mac,dst_mac,vlan,ip_version,src_ip,dst_ip,ip_proto,src_port,dst_port")
    r = run(CAPTURES / "sll2.pcap", "--sort", "bytes", "--top", "3")
    assert r.returncode == 0 and "not in a flow: arp" in r.stdout
    # A capture cut inside its last record: the flows so far, the cut counted and said.
    cut = tmp_path / "cut.pcap"
    cut.write_bytes((CAPTURES / "eth.pcap").read_bytes()[:-7])
    r = run(cut, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["stats"]["truncated_records"] == 1
