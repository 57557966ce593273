"""fwd.pandas.assign_members on flow tables: LAG and hash specs, member state, protocol names,
unknown columns, and no crash on any spec (issue 9)."""
import pathlib

import numpy as np
import pandas as pd
import pytest

import fwd.flows
import fwd.net as net
import fwd.pandas as fp
from fwd.hash import Policy
from fwd.lag import Lag

CAPTURES = pathlib.Path(__file__).resolve().parents[1] / "data" / "captures"


def _table():
    df = pd.DataFrame({"src_ip": [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(400)], "dst_ip": "192.168.0.1",
                       "ip_proto": ["tcp", "udp", "sctp", "icmp"] * 100, "src_port": np.arange(400) + 1000,
                       "dst_port": 443})
    return df


def test_ovs_balance_tcp_maps_buckets_to_members_as_the_bond():
    df = _table()
    out = fp.assign_members(df, "ovs:balance-tcp", ["a", "b", "c"])  # raised IndexError before
    assert set(out) <= {"a", "b", "c"} and len(set(out)) == 3
    lag = Lag("ovs:balance-tcp", ["a", "b", "c"])
    frames, lengths = net.frames_from_flows(fp.flows_from_dataframe(df))
    assert list(out) == [lag.members[i] for i in lag.select_batch(frames, lengths)]
    # A hash Policy object whose index is a bucket: a clear error, not an IndexError.
    with pytest.raises(ValueError, match="buckets, not members"):
        fp.assign_members(df, Policy("ovs:balance-tcp"), 3)


def test_member_state_and_lag_objects():
    df = _table()
    spec = "linux-6.12:802.3ad;xmit_hash_policy=layer3+4"
    up = fp.assign_members(df, spec, "a,b,c")
    down = fp.assign_members(df, spec, ["a", "b", "c"], down=["b"])
    assert "b" in set(up) and "b" not in set(down)
    assert (down[up != "b"] == up[up != "b"]).any()
    lag = Lag(spec, ["a", "b", "c"])
    lag.set_link("b", False)
    assert list(fp.assign_members(df, lag)) == list(down)
    assert lag.members == ["a", "b", "c"]  # the caller's Lag is not changed
    counts = fp.assign_members(df, spec, 3)
    assert counts.dtype.kind == "i" and set(counts) == {0, 1, 2}
    with pytest.raises(ValueError, match="member state"):
        fp.assign_members(df, "linux-6.12:layer3+4", 3, down=["m1"])


def test_hash_policy_specs_still_map_hash_to_member():
    df = _table()
    p = Policy("linux-6.12:layer3+4")
    frames, lengths = net.frames_from_flows(fp.flows_from_dataframe(df))
    assert list(fp.assign_members(df, "linux-6.12:layer3+4", 5)) == [
        p.index(frames[i, :lengths[i]].tobytes(), 5) for i in range(len(df))]


def test_protocol_names_equal_numbers():
    names = pd.DataFrame({"src_ip": "10.0.0.1", "dst_ip": "10.0.0.2", "src_port": 7, "dst_port": 9,
                          "ip_proto": ["tcp", "UDP", "icmp", "sctp", "17", "gre"]})
    numbers = names.assign(ip_proto=[6, 17, 1, 132, 17, 47])
    assert (fp.flows_from_dataframe(names) == fp.flows_from_dataframe(numbers)).all()
    six = pd.DataFrame({"src_ip": "fd00::1", "dst_ip": "fd00::2", "ip_proto": ["ipv6-icmp", "icmpv6", 58]})
    assert set(fp.flows_from_dataframe(six)["ip_proto"]) == {58}
    with pytest.raises(ValueError, match="row 1: ip_proto 'tpc'"):
        fp.assign_members(names.assign(ip_proto=["tcp", "tpc", 1, 1, 1, 1]), "vendor:modulo", 2)


def test_bad_columns_and_cells_are_clear_errors():
    df = _table()
    with pytest.raises(ValueError, match="unknown column.*'sport'"):
        fp.assign_members(df.assign(sport=1), "vendor:modulo", 2)
    out = fp.assign_members(df.assign(app="web"), "vendor:modulo", 2, ignore=["app"])
    assert len(out) == len(df)
    assert len(fp.assign_members(df.assign(app="web"), "vendor:modulo", 2, ignore=True)) == len(df)
    for col, value, match in (("src_port", 70000, "out of range"), ("vlan", -2, "out of range"),
                              ("dst_port", 1.5, "not an integer"), ("src_mac", "zz", "src_mac")):
        with pytest.raises(ValueError, match=match):
            fp.assign_members(df.assign(**{col: value}), "vendor:modulo", 2)
    with pytest.raises(ValueError, match="different IP versions"):
        fp.assign_members(df.assign(dst_ip="fd00::1"), "vendor:modulo", 2)
    for members in (0, True, [], ["a", "a"]):
        with pytest.raises(ValueError):
            fp.assign_members(df, "vendor:modulo", members)
    with pytest.raises(ValueError, match="neither a LAG spec"):
        fp.assign_members(df, "nosuch:thing", 2)
    with pytest.raises(ValueError):
        fp.assign_members(df, 42, 2)


@pytest.mark.parametrize("spec", ["ovs:balance-tcp", "ovs-3.1:balance-slb", "ovs:active-backup", "linux:balance-rr",
                                  "freebsd-9.3:lacp", "dpdk:broadcast", "freebsd-10:broadcast", "vendor:table;size=8",
                                  "linux-6.12:layer2", "freebsd-9.3:l2,l3,l4", "ovs-3.1:balance-tcp;basis=3",
                                  "dpdk:l34", "toeplitz:ipv4-tcp"])
def test_any_spec_gives_members_or_a_clear_error(spec):
    df = _table()
    try:
        out = fp.assign_members(df, spec, ["a", "b", "c"])
    except ValueError as exc:
        assert str(exc)
        return
    assert set(out) <= {"a", "b", "c", None, "*"}


def test_on_a_flow_table_from_a_capture():
    df = fwd.flows.read_flows_dataframe(CAPTURES / "sll2.pcap")
    spec = "linux-6.12:802.3ad;xmit_hash_policy=layer3+4"
    df["member"] = fp.assign_members(df, spec, ["eth0", "eth1"])
    t = fwd.flows.read_flows(CAPTURES / "sll2.pcap")
    frames, lengths = net.frames_from_flows(fwd.flows.as_flow_records(t.flows))
    lag = Lag(spec, ["eth0", "eth1"])
    assert list(df["member"]) == [lag.members[i] for i in lag.select_batch(frames, lengths)]
    assert set(df["member"]) == {"eth0", "eth1"}
