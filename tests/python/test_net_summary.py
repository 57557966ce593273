"""fwd.net.summary is complete for IPv6 and ARP (issue 9), checked on built frames and, against
tshark, on the real captures of tests/data/captures."""
import pathlib
import shutil
import subprocess

import pytest

import fwd.hash
import fwd.io
import fwd.net as net

CAPTURES = pathlib.Path(__file__).resolve().parents[1] / "data" / "captures"


def test_ipv6_fields():
    b = net.FrameBuilder().eth("02:00:00:00:00:02", "02:00:00:00:00:01")
    f = b.ipv6("2001:db8::1", "2001:db8::2").udp(53, 5353).build()
    s = net.summary(f)
    assert (s["ip_version"], s["src_ip"], s["dst_ip"], s["src_port"], s["dst_port"]) == \
        (6, "2001:db8::1", "2001:db8::2", 53, 5353)
    assert s["hop_limit"] == 64 and s["flow_label"] == 0
    s4 = net.summary(net.frame(src_ip="10.0.0.1", dst_ip="10.0.0.2"))
    assert s4["ip_version"] == 4 and s4["ttl"] == 64


def test_arp_fields_and_explain_line():
    f = net.FrameBuilder().eth("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01").arp(
        2, "02:00:00:00:00:01", "10.0.0.1", "02:00:00:00:00:09", "10.0.0.9").build()
    s = net.summary(f)
    assert (s["arp_op"], s["arp_op_name"], s["sender_mac"], s["sender_ip"], s["target_mac"], s["target_ip"]) == \
        (2, "reply", "02:00:00:00:00:01", "10.0.0.1", "02:00:00:00:00:09", "10.0.0.9")
    line = fwd.hash.Policy("linux-6.12:layer2").explain(f, members=2).frame
    assert "ARP reply 10.0.0.1 is-at 02:00:00:00:00:01" in line
    # Cut inside the ARP body: no fields invented.
    assert "sender_ip" not in net.summary(f[:30])


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed (Debian package tshark)")
def test_summaries_of_a_real_capture_agree_with_tshark():
    path = CAPTURES / "eth.pcap"
    fields = ["ipv6.src", "ipv6.dst", "ipv6.flow", "ipv6.hlim", "arp.opcode", "arp.src.proto_ipv4",
              "arp.dst.proto_ipv4", "arp.src.hw_mac"]
    out = subprocess.run(["tshark", "-n", "-r", str(path), "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
                         + [x for f in fields for x in ("-e", f)], check=True, capture_output=True, text=True).stdout
    theirs = [dict(zip(fields, line.split("|"))) for line in out.splitlines()]
    frames, lengths, _ = fwd.io.read_pcap(path)
    seen_v6 = seen_arp = 0
    for i, t in enumerate(theirs):
        s = net.summary(frames[i, :lengths[i]].tobytes())
        if t["ipv6.src"]:
            seen_v6 += 1
            assert (s["src_ip"], s["dst_ip"], s["flow_label"], s["hop_limit"]) == \
                (t["ipv6.src"], t["ipv6.dst"], int(t["ipv6.flow"], 16), int(t["ipv6.hlim"]))
        if t["arp.opcode"]:
            seen_arp += 1
            assert (s["arp_op"], s["sender_ip"], s["target_ip"], s["sender_mac"]) == \
                (int(t["arp.opcode"]), t["arp.src.proto_ipv4"], t["arp.dst.proto_ipv4"], t["arp.src.hw_mac"])
    assert seen_v6 > 10 and seen_arp >= 2
