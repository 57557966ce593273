"""fwd.lag: LAG specs, member selection per real system, batch == scalar, explain, what-if, OVS bonds."""
import datetime
import glob
import json
import os
import zlib

import numpy as np
import pytest

import fwd.hash
import fwd.lag
import fwd.net
from fwd.lag import Lag, OvsBond

# F1 of the spec (§9): the seed's SYN-ACK, 192.168.80.2:80 -> 192.168.0.17:30892.
F1 = bytes.fromhex("00005e0001010025901122330800450000281234000040069738c0a85002c0a80011"
                   "005078ac00000001000000005012ffff00000000000000000000")

SPECS = [
    "freebsd-9.3:lacp;key=0x1234", "freebsd-10:loadbalance;key=9", "freebsd-12:failover", "freebsd-current:roundrobin",
    "freebsd-10:broadcast", "linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "linux-3.x:balance-xor;xmit_hash_policy=layer2+3",
    "linux:active-backup", "linux:balance-rr", "linux:broadcast", "ovs-3.1:balance-slb;basis=7", "ovs-3.1:balance-tcp;basis=1",
    "ovs:active-backup", "dpdk:balance;xmit_policy=l34", "dpdk:802.3ad;xmit_policy=l23", "dpdk:round-robin",
    "vendor:modulo", "vendor:table;size=8", "vendor:resilient;size=32;hash=toeplitz:ipv4_tcp",
]


def random_frames(n, seed):
    rng = np.random.default_rng(seed)
    frames = np.zeros((n, 64), dtype=np.uint8)
    frames[:, :60] = np.frombuffer(F1, dtype=np.uint8)
    cols = [6, 7, 8, 9, 10, 11, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37]
    frames[:, cols] = rng.integers(0, 256, (n, len(cols)), dtype=np.uint8)
    frames[::5, 23] = 17
    lengths = np.full(n, 60, dtype=np.uint32)
    lengths[::13] = rng.integers(0, 64, len(lengths[::13]))
    return frames, lengths


def test_worked_examples_of_the_spec():
    lag = Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", ["eth0", "eth1", "eth2"])
    assert lag.hash(F1) == 0x5FCBE3E3
    sel = lag.select(F1)
    assert (sel.outcome, sel.member, sel.index, sel.code) == ("member", "eth2", 2, 2)
    fb = Lag("freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0", ["a", "b"])
    assert fb.hash(F1) == 0x4FD006C2
    assert fb.order == ["b", "a"]  # head-inserted: b came up last
    assert fb.select(F1).member == "b"  # 0x4fd006c2 % 2 = 0 -> pm_map[0]
    ovs = Lag("ovs-3.1:balance-slb;basis=0", ["m1", "m2"])
    assert ovs.hash(F1) == 0xFED15E38
    assert ovs.select(F1).member == "m1" and ovs.bond.bucket_member(56) == "m1"


def test_canonical_spec_and_follows():
    lag = Lag("linux:802.3ad;xmit_hash_policy=layer3+4", "a,b")
    assert lag.spec == "linux-6.12:802.3ad;ad_select=stable;hash=linux-6.12:layer3+4"
    assert lag.system == "linux-6.12" and lag.mode == "802.3ad"
    assert lag.follows == "Linux 6.12 bonding mode 802.3ad"
    assert isinstance(lag.policy, fwd.hash.Policy) and lag.policy.spec == "linux-6.12:layer3+4"
    assert Lag(lag.spec, ["a", "b"]).spec == lag.spec
    assert Lag("vendor:resilient;hash=freebsd-fnv:l3;key=7", 3).members == ["m0", "m1", "m2"]
    assert "FreeBSD 9.3" in Lag("freebsd-9.3:loadbalance", 2).follows


@pytest.mark.parametrize("spec,members,message", [
    ("bsd:lacp", ["a"], "unknown LAG system 'bsd'"),
    ("linux-6.12:lacp", ["a"], "unknown mode 'lacp' for linux-6.12: expected 802.3ad, balance-xor"),
    ("freebsd-9.3:broadcast", ["a"], "laggproto broadcast appeared in FreeBSD 10"),
    ("linux-6.12:802.3ad;xmit=layer2", ["a"], "unknown option 'xmit' for linux-6.12"),
    ("linux-6.12:active-backup;primary=z", ["a", "b"], "unknown member 'z' in primary=z: expected one of a, b"),
    ("ovs:balance-slb;basis=-1", ["a"], "invalid basis=-1"),
    ("dpdk:balance", [], "has no members"),
    ("dpdk:balance", ["a", "a"], "member 'a' listed twice"),
    ("linux:802.3ad;xmit_hash_policy=layer9", ["a"], "layer9"),
])
def test_bad_specs_name_the_value_and_the_accepted_ones(spec, members, message):
    with pytest.raises(ValueError, match=None) as e:
        Lag(spec, members)
    assert message in str(e.value)


def test_bad_members_and_arrays():
    lag = Lag("dpdk:balance", ["a", "b"])
    with pytest.raises(ValueError, match="unknown member 'c'.*expected one of a, b"):
        lag.set_link("c", False)
    with pytest.raises(IndexError):
        lag.set_link(5, False)
    with pytest.raises(TypeError):
        lag.set_link(1.5, False)
    with pytest.raises(ValueError, match="members: 0 out of range"):
        Lag("dpdk:balance", 0)
    with pytest.raises(TypeError, match="uint8"):
        lag.select_batch(np.zeros((3, 60), dtype=np.int32))
    with pytest.raises((TypeError, ValueError), match="2-D"):
        lag.select_batch(np.zeros(60, dtype=np.uint8))
    with pytest.raises(ValueError):
        lag.select_batch(np.zeros((2, 60), dtype=np.uint8), lengths=np.array([60, 61]))
    with pytest.raises(TypeError):
        lag.select(F1, colour=3)


@pytest.mark.parametrize("spec", SPECS)
def test_batch_equals_scalar_for_every_distributor(spec):
    frames, lengths = random_frames(400, zlib.crc32(spec.encode()))
    scalar = Lag(spec, ["a", "b", "c", "d"])
    scalar.fail("b")
    batch = scalar.copy()
    codes = batch.select_batch(frames, lengths)
    assert codes.dtype == np.int16 and codes.shape == (400,)
    expected = [scalar.select(frames[i, :lengths[i]].tobytes()).code for i in range(400)]
    assert codes.tolist() == expected
    # And over precomputed hashes.
    if scalar.policy.hash_bits == 32 and "round" not in spec and "rr" not in spec:
        fresh = Lag(spec, ["a", "b", "c", "d"])
        fresh.fail("b")
        hashes = np.array([fresh.hash(frames[i, :lengths[i]].tobytes()) for i in range(400)], dtype=np.uint64)
        again = Lag(spec, ["a", "b", "c", "d"])
        again.fail("b")
        assert again.select_hash_batch(hashes).tolist() == fresh.select_batch(frames, lengths).tolist()


def test_failure_behaviour_linux_array_vs_old_rule():
    new = Lag("linux-6.12:balance-xor", ["a", "b", "c"])
    old = Lag("linux-3.x:balance-xor", ["a", "b", "c"])
    new.fail("b")
    old.fail("b")
    assert new.order == ["a", "c"]
    for h in range(30):
        assert old.select_hash(h).member == ["a", "c", "c"][h % 3]  # b's flows go to the next member
        assert new.select_hash(h).member == ["a", "c"][h % 2]


def test_freebsd_transit_window_and_flowid():
    lag = Lag("freebsd-9.3:lacp;key=0", ["a", "b"])
    lag.fail("a", time_ns=10_000_000_000)
    sel = lag.select(F1, time_ns=10_500_000_000)
    assert sel.outcome == "dropped" and sel.reason == "LACP transit window"
    assert lag.select(F1, time_ns=13_000_000_000).member == "b"
    assert lag.select(F1).member == "b"  # steady state: no window
    v10 = Lag("freebsd-10:lacp;key=0", ["a", "b", "c"])
    assert v10.hash(F1, flow_hash=0x50000) == 5
    e = v10.explain(F1, flow_hash=0x50000)
    assert "use_flowid" in e.hash_source and e.hash_walk is None


def test_broadcast_selection_lists_copies():
    lag = Lag("linux:broadcast", ["a", "b", "c"])
    lag.fail("c")
    sel = lag.select(F1)
    assert sel.outcome == "broadcast" and sel.copies == ["a", "b"] and sel.code == fwd.lag.BATCH_BROADCAST


def test_explain_text_and_json():
    lag = Lag("dpdk:balance;xmit_policy=l34", ["p0", "p1", "p2"])
    e = lag.explain(F1)
    assert e.hash == 0x1343BFC7  # spec §9.4
    assert e.member == ["p0", "p1", "p2"][0x1343BFC7 % 3]
    text = str(e)
    assert "distributor: active members [p0, p1, p2] (activation order)" in text
    d = e.to_json()
    assert d["member"] == e.member and d["hash"] == 0x1343BFC7 and d["hash_walk"]["spec"] == "dpdk:l34"


def test_what_if_and_compare():
    frames, lengths = fwd.lag.flow_population(4000, seed=1)
    lag = Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", ["a", "b", "c", "d"])
    res = fwd.lag.compare(lag, frames, fail=["b"], lengths=lengths, resilient_size=64)
    assert set(res) == {"lag", "modulo", "resilient"}
    r = res["resilient"]
    assert r.moved == r.min_moved == r.before[1] and r.after[1] == 0
    assert res["lag"].moved > res["lag"].min_moved
    assert sum(res["lag"].after) == 4000
    assert lag.order == ["a", "b", "c", "d"]  # the LAG itself is unchanged
    grow = lag.what_if(frames, add=["e"], lengths=lengths)
    assert grow.members == ["a", "b", "c", "d", "e"] and grow.min_moved == grow.after[4] > 0
    d = grow.to_json()
    assert d["added"] == ["e"] and d["members"][4]["added"] is True


def test_flow_population_is_seeded():
    a, la = fwd.lag.flow_population(100, seed=5)
    b, lb = fwd.lag.flow_population(100, seed=5)
    c, _ = fwd.lag.flow_population(100, seed=6)
    assert (a == b).all() and (la == lb).all() and not (a == c).all()


def test_ovs_bond_standalone_api():
    b = OvsBond("b1", ["m1", "m2"], rebalance_interval=1)
    assert b.active_member == "m1" and b.enabled_list == ["m1", "m2"]
    assert [b.select(x) for x in (209, 254, 5, 222)] == ["m1", "m2", "m1", "m2"]
    b.account(209, 199_000)
    b.account(5, 201_000)
    b.account(254, 7_000)
    assert b.run(1_000_000_000) is True
    assert b.bucket_member(209) == "m2" and b.bucket_member(5) == "m1"
    assert "shift 194kB of load (with hash 209) from m1 to m2" in b.take_log()[0]
    b.set_carrier("m1", False, time_ns=2_000_000_000)
    assert b.active_member == "m2" and b.bucket_member(5) == "m2"
    assert b.admit("m2", "ff:ff:ff:ff:ff:ff") == "drop-if-moved"
    assert b.admit("m1", "ff:ff:ff:ff:ff:ff") == "drop"
    show = b.to_json(time_ns=2_000_000_000)
    assert show["members"] == {"m1": "disabled", "m2": "enabled"} and show["active_member"] == "m2"
    assert "member m1: disabled" in b.show(time_ns=2_000_000_000)
    with pytest.raises(ValueError, match="^mode: unknown OVS bond_mode 'balance-xyz': expected balance-slb, balance-tcp, "
                                         "active-backup$"):
        OvsBond("b", ["m1"], mode="balance-xyz")
    with pytest.raises(ValueError, match="^lacp: unknown OVS lacp 'maybe': expected off, active, passive, configured, "
                                         "negotiated$"):
        OvsBond("b", ["m1"], lacp="maybe")


def _bond_after_failover(**settings):
    """Members m1, m2 up at 0; m1 loses carrier at 1 s. -> (m1 enabled at 1.499 s, at 1.5 s)."""
    b = OvsBond("b1", ["m1", "m2"], **settings)
    b.set_carrier("m1", False, now=1)
    b.run(now=1.499)
    before = b.is_enabled("m1")
    b.run(now="1500ms")
    return before, b.is_enabled("m1")


@pytest.mark.parametrize("kw", [dict(downdelay=0.5), dict(downdelay="500ms"),
                                dict(downdelay=datetime.timedelta(milliseconds=500)),
                                dict(downdelay=np.timedelta64(500, "ms")), dict(downdelay_ns=500_000_000),
                                dict(downdelay_ms=500)])
def test_ovs_bond_delays_take_the_time_convention(kw):
    """Every time form (and the _ns twin, and the old integer-ms alias) is the same 500 ms downdelay:
    m1 stays enabled until exactly 1.5 s."""
    assert _bond_after_failover(**kw) == (True, False)
    b = OvsBond("b1", ["m1", "m2"], **kw)
    assert b.config["downdelay"] == 0.5 and "downdelay: 500 ms\n" in b.show()


def test_ovs_bond_without_delay_disables_at_once():
    assert _bond_after_failover() == (False, False)


@pytest.mark.parametrize("kw", [dict(rebalance_interval=2), dict(rebalance_interval="2s"),
                                dict(rebalance_interval=datetime.timedelta(seconds=2)),
                                dict(rebalance_interval_ns=2_000_000_000), dict(rebalance_interval_ms=2000)])
def test_ovs_bond_rebalance_interval_forms(kw):
    b = OvsBond("b1", ["m1", "m2"], now=1, **kw)
    assert b.to_json(now=1)["next_rebalance_ms"] == 2000 and b.config["rebalance_interval"] == 2.0
    assert OvsBond("b1", 2, rebalance_interval="10ms").config["rebalance_interval"] == 1.0  # OVS: below 1 s is 1 s
    assert OvsBond("b1", 2, first_rebalance="250ms", **kw).to_json()["next_rebalance_ms"] == 250
    # An optional time takes its _ns twin too (None: unset, one interval).
    assert OvsBond("b1", 2, first_rebalance_ns=250_000_000, **kw).to_json()["next_rebalance_ms"] == 250
    assert OvsBond("b1", 2, first_rebalance_ns=None, **kw).config["first_rebalance"] is None


def test_ovs_bond_settings_match_the_lag_spec():
    """The keywords and an ovs-3.1 LAG spec (integer ms, as OVS's other_config) build the same bond."""
    spec = "ovs-3.1:active-backup;bond=b1;basis=7;lacp=active;lacp_fallback_ab=1;updelay=200;downdelay=100;primary=m2"
    via_spec = Lag(spec, ["m1", "m2", "m3"]).bond
    direct = OvsBond("b1", ["m1", "m2", "m3"], mode="active-backup", basis=7, lacp="active", lacp_fallback_ab=True,
                     updelay="200ms", downdelay=0.1, primary="m2")
    assert direct.config == via_spec.config
    assert direct.config["lacp"] == "negotiated"  # the Port lacp column's `active`: the partner answered
    for bond in (direct, via_spec):
        bond.set_carrier("m2", False, now=1)
        bond.run(now=1.2)
    assert direct.show(now=2) == via_spec.show(now=2) and direct.active_member == "m1"
    # bond.config rebuilds the settings; the dict is plain data (pickles as such).
    again = OvsBond("b1", ["m1", "m2", "m3"], **direct.config)
    assert again.config == direct.config


def test_ovs_bond_seed_takes_the_whole_unsigned_range():
    b = OvsBond("b1", 3, mode="balance-tcp", lacp="active", recirculation=True, seed=2**64 - 1)
    ref = Lag("ovs-3.1:balance-tcp;bond=b1;seed=18446744073709551615", ["m0", "m1", "m2"]).bond
    assert b.config["seed"] == 2**64 - 1 and [b.peek(h) for h in range(256)] == [ref.peek(h) for h in range(256)]


@pytest.mark.parametrize("kw,exc,msg", [
    (dict(updelay_msec=1), TypeError, r"^OvsBond\(\) got an unexpected keyword argument 'updelay_msec': accepted mode, "
                                      r"basis, rebalance_interval, first_rebalance, primary, lacp, .*, updelay, downdelay, "
                                      r".*, now, time_ns, rebalance_interval_ms, updelay_ms, downdelay_ms \(times also as "
                                      r"<name>_ns\)$"),
    (dict(updelay=[1]), TypeError, r"^updelay: expected seconds"),
    (dict(basis="7"), TypeError, r"^basis: expected an integer"),
    (dict(lacp_fallback_ab=1), TypeError, r"^lacp_fallback_ab: "),
    (dict(updelay_ns=0.5), TypeError, r"^updelay_ns: expected an integer.*without _ns"),
    (dict(updelay_ms=0.5), TypeError, r"^updelay_ms: expected an integer from 0 to 2147483648; got float"),
    (dict(updelay=1, updelay_ns=1), TypeError, r"^OvsBond\(\): updelay= and updelay_ns= both set updelay"),
    (dict(updelay=1, updelay_ms=1000), TypeError, r"both set updelay: give one of them"),
    (dict(basis=2**32), ValueError, r"^basis: 4294967296 out of range: expected an integer from 0 to 4294967295$"),
    (dict(updelay_ms=-1), ValueError, r"^updelay_ms: -1 out of range: expected an integer from 0 to 2147483648$"),
    (dict(updelay=0.0005), ValueError, r"^updelay: 0.0005 s out of range: expected a whole number of milliseconds "
                                       r"from 0 to 2147483.648 s"),
    (dict(downdelay="-1s"), ValueError, r"^downdelay: -1 s out of range"),
    (dict(rebalance_interval="1e7s"), ValueError, r"^rebalance_interval: 10000000 s out of range"),
    (dict(first_rebalance=-1), ValueError, r"^first_rebalance: -1 s out of range: expected 0 or more"),
    (dict(recirculation=True), ValueError, r"^recirculation: applies to balance-tcp only \(mode is balance-slb\)$"),
    (dict(seed=2**64), ValueError, r"^seed: 18446744073709551616 out of range"),
])
def test_ovs_bond_bad_settings_name_themselves(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        OvsBond("b", ["m1"], **kw)


SCENARIOS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "data", "scenarios", "ovs", "ovs-bond-*.json")))


@pytest.mark.parametrize("path", SCENARIOS, ids=[os.path.basename(p) for p in SCENARIOS])
def test_ovs_bond_recordings_member_choice(path):
    """Replays the bond side of an OVS recording: per-flow member choice for frames sent to the bond
    from ordinary ports, carrier changes, and bond/show (active member, enabled members, and the
    listed buckets). Forwarding decisions are the switch's (fwd.l2); here the bond gets every frame
    the recording says left through it."""
    sc = json.load(open(path))
    bonds = [p for p in sc["ports"] if "bond" in p]
    assert len(bonds) == 1
    cfg = bonds[0]["bond"]
    members = cfg["members"]
    bond = OvsBond(bonds[0]["name"], members, mode=cfg["mode"], basis=cfg.get("basis", 0),
                   rebalance_interval=f"{cfg.get('rebalance_interval_ms', 10000)}ms",
                   primary=cfg.get("primary") or "" if cfg["mode"] == "active-backup" else "")
    policy = fwd.hash.Policy(f"ovs-3.1:balance-slb;basis={cfg.get('basis', 0)}")
    checked = 0
    for step in sc["steps"]:
        t = int(step["t_ms"] * 1_000_000)
        if step["op"] == "link" and step["port"] in members:
            bond.set_carrier(step["port"], step["state"] == "up", time_ns=t)
        elif step["op"] == "inject" and step["port"] not in members:
            out = [p for p in step["egress"] if p in members]
            if not out:
                continue
            frame = bytes.fromhex(step["frame_hex"])
            vlan = (int.from_bytes(frame[14:16], "big") & 0xFFF) if frame[12:14] == b"\x81\x00" else 0
            h = policy.hash(frame, output_vlan=vlan)
            assert bond.select(h) == out[0], f"t={step['t_ms']} ms"
            bond.account(h, len(frame))
            checked += 1
        elif step["op"] == "bond_show":
            assert bond.active_member == step["active_member"], f"t={step['t_ms']} ms"
            assert {m: ("enabled" if bond.is_enabled(m) else "disabled") for m in members} == step["members"]
            for bucket, member in step["buckets"].items():
                assert bond.bucket_member(int(bucket)) == member, f"bucket {bucket} at t={step['t_ms']} ms"
            checked += 1
    assert checked > 0
