"""fwd.l2 from Python: Switch, MacTable, flap detection, events (objects and DataFrame), errors."""
import datetime
import json
import pickle

import numpy as np
import pytest

import fwd
import fwd.l2 as l2
import fwd.lag

BCAST = "ffffffffffff"


def frame(dst, src, tag=None, etype="88b5"):
    """60-byte frame from MAC hex strings (12 digits), optional 802.1Q TCI (int)."""
    h = dst + src + (f"8100{tag:04x}" if tag is not None else "") + etype + "4c465721"
    return bytes.fromhex(h.ljust(120, "0"))


A, B, C = "02aa00000001", "02aa00000002", "02aa00000003"


def ports(n, **kw):
    return [l2.PortConfig(f"p{i}", **kw) for i in range(1, n + 1)]


def test_linux_switch_learn_flood_forward_and_fdb():
    sw = l2.Switch("linux-bridge", ports(3), ageing=2.0)
    d = sw.receive("p1", frame(B, A), 0.0)
    assert d.verdict == "flooded" and sorted(d.egress) == ["p2", "p3"]
    assert d.egress["p2"] == frame(B, A)
    d = sw.receive("p2", frame(A, B), 0.1)
    assert d.verdict == "forwarded" and list(d.egress) == ["p1"]
    rows = sw.fdb(0.2)
    assert [(r["mac"], r["port"], r["vlan"]) for r in rows] == [
        ("02:aa:00:00:00:01", "p1", None), ("02:aa:00:00:00:02", "p2", None)]
    assert sw.fdb(2.5) == []  # aged out after 2 s
    c = sw.counters
    assert c["rx"] == c["forwarded"] + c["flooded"] + c["to_host"] + c["dropped"]


def test_decision_reasons_and_accounting():
    sw = l2.Switch("linux-bridge", ports(2))
    assert sw.receive("p1", b"\x00" * 10, 0.0).reason == "too_short"
    assert sw.receive("p1", frame(B, "01005e000001"), 0.0).reason == "invalid_source"
    assert sw.receive("p1", frame("0180c2000001", A), 0.0).reason == "mac_control"
    assert sw.counters["dropped_by"] == {"too_short": 1, "invalid_source": 1, "mac_control": 1}


def test_ovs_vlan_rewrite_and_show():
    sw = l2.Switch("ovs-3.1", [l2.PortConfig("p1", tag=10), l2.PortConfig("p2", trunks=[10, 20])])
    d = sw.receive("p1", frame(BCAST, A), 0.0)
    out = d.egress["p2"]
    assert len(out) == 64 and out[12:16] == bytes.fromhex("8100000a")
    tagged = frame(A, B, tag=10)
    d = sw.receive("p2", tagged, 0.1)
    # The tag is removed and nothing is padded: 60 bytes in, 56 out (OVS row 7).
    assert d.egress["p1"] == tagged[:12] + tagged[16:] and len(d.egress["p1"]) == 56
    text = sw.fdb_show(1.5)
    assert " port  VLAN  MAC                Age" in text and "02:aa:00:00:00:01" in text
    js = sw.to_json(1.5)
    assert {(e["mac"], e["vlan"], e["port"]) for e in js["entries"]} == {
        ("02:aa:00:00:00:01", 10, "p1"), ("02:aa:00:00:00:02", 10, "p2")}
    assert js["table_counters"]["learned"] == 2 and js["maximum"] == 8192 and js["counters"]["rx"] == 2
    assert "Current/maximum MAC entries in the table: 2/8192" in sw.fdb_stats(1.5)


def test_mac_table_and_events_as_objects():
    t = l2.MacTable("linux-bridge", ports=4, flap=l2.FlapConfig(threshold=2, window=1.0,
                                                             emit=l2.FlapEmit.on_threshold))
    a, b = "02:aa:00:00:00:01", 0x02AA00000002  # text or integer MACs
    assert t.learn(a, 0, 0.0)["status"] == "learned"
    assert t.learn(a, 1, 0.5) == {"status": "moved", "from_port": 0, "flap_event": False}
    assert t.learn(a, 0, 0.9)["flap_event"] is True
    assert t.lookup(a, 1.0) == 0 and t.lookup(b, 1.0) is None
    with pytest.raises(ValueError, match="invalid MAC address '02aa'"):
        t.learn("02aa", 0, 1.0)
    ev = l2.drain_events(t)
    kinds = [e.kind for e in ev]
    assert kinds.count("moved") == 2 and kinds.count("flap") == 1
    flap = next(e for e in ev if e.kind == "flap")
    assert flap.count == 2 and flap.mac == "02:aa:00:00:00:01" and flap.from_port == 1 and flap.to_port == 0
    assert t.counters["moved"] == 2 and t.flap_counters["events"] == 1


def test_events_dataframe():
    pd = pytest.importorskip("pandas")
    sw = l2.Switch("vendor", ports(3))
    sw.receive("p1", frame(BCAST, A), 0.0)
    sw.receive("p2", frame(BCAST, A), 0.5)
    sw.receive("p1", frame(BCAST, A), 1.0)
    df = l2.events_dataframe(sw)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["time", "kind", "mac", "vlan", "from_port", "to_port", "count", "action"]
    assert list(df["kind"]) == ["moved", "moved", "flap"]
    assert df.iloc[0]["from_port"] == "p1" and df.iloc[0]["to_port"] == "p2" and df.iloc[0]["vlan"] == 1


def test_lag_ports_and_bond_show():
    sw = l2.Switch("ovs-3.1", [l2.PortConfig("p1"), l2.PortConfig("b1", lag=l2.LagConfig(["m1", "m2"]))])
    assert sw.links == ["p1", "m1", "m2"]
    d = sw.receive("m1", frame("02aa00000099", "02dd00000001"), 0.0)
    assert list(d.egress) == ["p1"]
    d = sw.receive("p1", frame("02dd00000001", "02cc00000001"), 0.1)
    assert list(d.egress) in (["m1"], ["m2"]) and d.egress_ports == ["b1"]
    st = sw.to_json(0.2)["bonds"]["b1"]
    assert st["active_member"] == "m1"
    assert l2.slb_bucket("02:cc:00:00:00:00", 0, 0) == 209  # recorded bond/hash value


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="unknown switch profile 'cisco'"):
        l2.Switch("cisco", ports(2))
    with pytest.raises(ValueError, match="duplicate port name 'p1'"):
        l2.Switch("linux-bridge", [l2.PortConfig("p1"), l2.PortConfig("p1")])
    with pytest.raises(ValueError, match="invalid VLAN id 5000"):
        l2.PortConfig("p1", tag=5000)
    sw = l2.Switch("linux-bridge", ports(2))
    with pytest.raises(ValueError, match="unknown port or link 'p7'"):
        sw.receive("p7", frame(B, A), 0.0)
    with pytest.raises(ValueError, match="invalid MAC address"):
        sw.fdb_add("zz:zz", "p1")
    with pytest.raises(ValueError, match="unknown flap preset"):
        l2.FlapConfig.preset("nope")
    assert issubclass(fwd.Error, ValueError)


# ---- OVS bonds as LAG spec strings, the revalidator phase (issues 8 and 12) ------------------

def test_lag_config_keywords_become_one_spec():
    c = l2.LagConfig(["m1", "m2"], mode="active-backup", basis=3, lacp="off", updelay_ms=200)
    assert c.spec == "ovs-3.1:active-backup;basis=3;lacp=off;updelay=200"
    sw = l2.Switch("ovs-3.1", [l2.PortConfig("p1"), l2.PortConfig("b1", lag=c)])
    show = sw.bond_show("b1", 0.0)
    assert show.startswith("---- b1 ----\nbond_mode: active-backup\n") and "updelay: 200 ms\n" in show
    with pytest.raises(ValueError, match="either spec or the OVS bond keywords"):
        l2.LagConfig(["m1"], spec="ovs-3.1:balance-slb", basis=1)


# ---- LagConfig's OVS bond keywords: the time convention (issue 8) ------------------------------

def _bond_switch(**lag_kw):
    return l2.Switch("ovs-3.1", [l2.PortConfig("p1"), l2.PortConfig("b1", lag=l2.LagConfig(["m1", "m2"], **lag_kw))])


def _failover_shows(**lag_kw):
    """bond/show of b1 over m1, m2 after m1 loses carrier at 1 s: at 1.499 s and at 1.5 s."""
    sw = _bond_switch(**lag_kw)
    sw.set_link_carrier("m1", False, 1.0)
    return sw.bond_show("b1", 1.499), sw.bond_show("b1", "1500ms")


@pytest.mark.parametrize("kw", [dict(downdelay=0.5), dict(downdelay="500ms"),
                                dict(downdelay=datetime.timedelta(milliseconds=500)),
                                dict(downdelay=np.timedelta64(500, "ms")), dict(downdelay_ns=500_000_000)])
def test_lag_config_delays_take_the_time_convention(kw):
    """Every time form is the old downdelay_ms=500: the same spec and the same switch, m1 still
    enabled at 1.499 s and disabled at 1.5 s."""
    old = dict(downdelay_ms=500)
    assert l2.LagConfig(["m1", "m2"], **kw).spec == l2.LagConfig(["m1", "m2"], **old).spec == \
        "ovs-3.1:balance-slb;downdelay=500"
    before, after = _failover_shows(**kw)
    assert (before, after) == _failover_shows(**old)
    assert "downdelay: 500 ms\n" in before and "member m1: enabled\n" in before
    assert "member m1: disabled\n" in after
    without = _failover_shows()[0]
    assert "member m1: disabled\n" in without  # no delay: at once


@pytest.mark.parametrize("kw", [dict(updelay=0.2), dict(updelay="200ms"), dict(updelay=datetime.timedelta(milliseconds=200)),
                                dict(updelay_ns=200_000_000), dict(updelay_ms=200)])
def test_lag_config_updelay_forms(kw):
    sw = _bond_switch(mode="active-backup", **kw)
    sw.set_link_carrier("m1", False, 1.0)
    sw.set_link_carrier("m1", True, 2.0)
    assert "member m1: disabled\n" in sw.bond_show("b1", 2.199)
    assert "member m1: enabled\n" in sw.bond_show("b1", "2200ms")


@pytest.mark.parametrize("kw", [dict(rebalance_interval=2), dict(rebalance_interval="2s"),
                                dict(rebalance_interval=datetime.timedelta(seconds=2)),
                                dict(rebalance_interval=np.timedelta64(2, "s")),
                                dict(rebalance_interval_ns=2_000_000_000), dict(rebalance_interval_ms=2000)])
def test_lag_config_rebalance_interval_forms(kw):
    c = l2.LagConfig(["m1", "m2"], **kw)
    assert c.spec == "ovs-3.1:balance-slb;rebalance_interval=2000"
    sw = _bond_switch(**kw)
    assert "next rebalance: 2000 ms\n" in sw.bond_show("b1", 0)
    assert sw.bond_show("b1", 0) == _bond_switch(rebalance_interval_ms=2000).bond_show("b1", 0)
    assert "next rebalance: 1000 ms\n" in _bond_switch(rebalance_interval="10ms").bond_show("b1", 0)  # OVS: >= 1 s


@pytest.mark.parametrize("kw", [dict(first_rebalance=0.25), dict(first_rebalance="250ms"),
                                dict(first_rebalance=datetime.timedelta(milliseconds=250)),
                                dict(first_rebalance=np.timedelta64(250, "ms")), dict(first_rebalance_ns=250_000_000),
                                dict(first_rebalance_ms=250)])
def test_lag_config_first_rebalance_is_a_time(kw):
    c = l2.LagConfig(["m1", "m2"], **kw)
    assert c.first_rebalance == 0.25 and c.first_rebalance_ms == 250 and c.to_json()["first_rebalance"] == 0.25
    assert c.spec == ""
    assert "next rebalance: 250 ms\n" in _bond_switch(**kw).bond_show("b1", 0)
    assert l2.LagConfig(["m1"], first_rebalance=None).first_rebalance is None
    assert l2.LagConfig(["m1"], first_rebalance_ms=None).first_rebalance_ms is None


def test_lag_config_first_rebalance_keeps_nanoseconds():
    c = l2.LagConfig(["m1", "m2"], first_rebalance_ns=250_000_001)
    assert c.first_rebalance_ms == pytest.approx(250.000001) and isinstance(c.first_rebalance_ms, float)
    assert l2.LagConfig(**c.to_json()).to_json() == c.to_json()
    state = c.__getstate__()  # pickles exactly: the optional time as integer ns
    assert state["first_rebalance_ns"] == 250_000_001
    assert pickle.loads(pickle.dumps(c)).__getstate__() == state
    assert l2.LagConfig(["m1"]).__getstate__()["first_rebalance_ns"] is None
    c.first_rebalance_ms = 7  # the old property still sets it
    assert c.first_rebalance == 0.007
    c.first_rebalance = "3s"
    assert c.first_rebalance_ms == 3000
    with pytest.raises(ValueError, match="only"):  # not an OVS bond
        l2.Switch("linux-bridge", [l2.PortConfig("b1", lag=l2.LagConfig(["m1", "m2"], first_rebalance=1))])


def test_lag_config_bond_keywords_are_ovs_bonds_settings():
    """Every OvsBond setting the spec can spell is a LagConfig keyword, read the same way: the
    switch's bond has the settings fwd.lag.OvsBond gets from the same keywords."""
    kw = dict(mode="balance-tcp", basis=7, rebalance_interval="2500ms", primary="m2", lacp="passive",
              lacp_fallback_ab=True, recirculation=True, seed=2**64 - 1, updelay=0.2, downdelay="100ms",
              all_members_active=True)
    c = l2.LagConfig(["m1", "m2"], **kw)
    assert c.spec == ("ovs-3.1:balance-tcp;basis=7;rebalance_interval=2500;primary=m2;lacp=active;lacp_fallback_ab=1;"
                      "recirculation=1;seed=18446744073709551615;updelay=200;downdelay=100;all_members_active=1")
    assert fwd.lag.Lag(c.spec + ";bond=b1", ["m1", "m2"]).bond.config == fwd.lag.OvsBond("b1", ["m1", "m2"], **kw).config
    # Not given (or None): the spec's default for the mode, not OvsBond's (balance-tcp: LACP on).
    assert l2.LagConfig(["m1", "m2"], mode="balance-tcp", lacp=None, updelay=None).spec == "ovs-3.1:balance-tcp"
    assert l2.LagConfig(["m1", "m2"], mode="balance-slb", lacp="configured").spec == \
        "ovs-3.1:balance-slb;lacp=active;lacp_status=configured"
    # An empty primary is no primary: on its own no OVS spec (the profile's default LAG), as before.
    assert l2.LagConfig(["m1", "m2"], primary="").spec == ""
    assert l2.LagConfig(["m1", "m2"], primary="", basis=1).spec == "ovs-3.1:balance-slb;basis=1"


def test_lag_config_as_a_dict_takes_the_constructors_keywords():
    """PortConfig(lag={...}) reads the dict as LagConfig(members, **rest) does (old spellings too)."""
    d = {"members": ["m1", "m2"], "first_rebalance_ms": 250, "updelay": "200ms", "mode": "active-backup"}
    port = l2.PortConfig("b1", lag=d)
    ref = l2.LagConfig(["m1", "m2"], first_rebalance=0.25, updelay=0.2, mode="active-backup")
    assert port.lag.to_json() == ref.to_json() and port.lag.spec == "ovs-3.1:active-backup;updelay=200"
    port.lag = {"members": ["m3"], "updelay_ns": 1_000_000}
    assert port.lag.spec == "ovs-3.1:balance-slb;updelay=1" and port.lag.members == ["m3"]
    assert pickle.loads(pickle.dumps(l2.PortConfig("b1", lag=ref))).lag.to_json() == ref.to_json()
    with pytest.raises(TypeError, match=r"^LagConfig\(\) got an unexpected keyword argument 'nope'"):
        l2.PortConfig("b1", lag={"members": ["m1"], "nope": 1})


@pytest.mark.parametrize("kw,exc,msg", [
    (dict(updelay_msec=1), TypeError, r"^LagConfig\(\) got an unexpected keyword argument 'updelay_msec': accepted spec, "
                                      r"first_rebalance, first_rebalance_ms, mode, basis, rebalance_interval, primary, "
                                      r"lacp, .*, updelay, downdelay, all_members_active, rebalance_interval_ms, "
                                      r"updelay_ms, downdelay_ms \(times also as <name>_ns\)$"),
    (dict(start_up=False), TypeError, r"unexpected keyword argument 'start_up'"),
    (dict(basis_ns=1), TypeError, r"^LagConfig\(\) got an unexpected keyword argument 'basis_ns': accepted spec, "),
    (dict(updelay=1, updelay_ms=1000), TypeError, r"^LagConfig\(\): updelay= and updelay_ms= both set updelay: give one"),
    (dict(updelay=1, updelay_ns=1), TypeError, r"^LagConfig\(\): updelay= and updelay_ns= both set updelay"),
    (dict(first_rebalance=1, first_rebalance_ms=1000), TypeError,
     r"^LagConfig\(\): first_rebalance= and first_rebalance_ms= both set first_rebalance"),
    (dict(first_rebalance=1, first_rebalance_ns=1), TypeError, r"both set first_rebalance"),
    (dict(updelay=[1]), TypeError, r"^updelay: expected seconds"),
    (dict(updelay_ns=0.5), TypeError, r"^updelay_ns: expected an integer"),
    (dict(updelay_ms=0.5), TypeError, r"^updelay_ms: expected an integer from 0 to 2147483648; got float"),
    (dict(first_rebalance_ms=0.5), TypeError, r"^first_rebalance_ms: expected an integer"),
    (dict(basis="7"), TypeError, r"^basis: expected an integer"),
    (dict(updelay_ms=-1), ValueError, r"^updelay_ms: -1 out of range: expected an integer from 0 to 2147483648$"),
    (dict(updelay=0.0005), ValueError, r"^updelay: 0.0005 s out of range: expected a whole number of milliseconds"),
    (dict(downdelay="-1s"), ValueError, r"^downdelay: -1 s out of range"),
    (dict(rebalance_interval="1e7s"), ValueError, r"^rebalance_interval: 10000000 s out of range"),
    (dict(basis=2**32), ValueError, r"^basis: 4294967296 out of range"),
    (dict(first_rebalance_ms=2**62), ValueError, r"^first_rebalance_ms: 4611686018427387904 out of range"),
    (dict(mode="round-robin"), ValueError, r"^mode: .*balance-slb, balance-tcp, active-backup"),
    (dict(lacp="maybe"), ValueError, r"^lacp: unknown OVS lacp 'maybe'"),
    (dict(recirculation=True), ValueError, r"^recirculation: applies to balance-tcp only"),
    (dict(primary="m1;lacp=active"), ValueError, r"^primary: 'm1;lacp=active' cannot be written into a LAG spec"),
    (dict(spec="ovs-3.1:balance-slb", updelay=1), ValueError, r"^LagConfig: give either spec or the OVS bond keywords "
                                                              r"\(mode, basis, rebalance_interval, .*\), not both$"),
])
def test_lag_config_bad_keywords_name_themselves(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        l2.LagConfig(["m1", "m2"], **kw)


@pytest.mark.parametrize("spec, accepted", [
    ("ovs-3.1:balance-slb;lacp=maybe", "off, active, passive"),
    ("ovs-3.1:round-robin", "balance-slb, balance-tcp, active-backup"),
    ("ovs-3.1:balance-slb;lacp_fallback_ab=perhaps", "0 or 1"),
])
def test_unknown_bond_values_are_rejected(spec, accepted):
    with pytest.raises(ValueError, match="b1") as e:
        l2.Switch("ovs-3.1", [l2.PortConfig("p1"), l2.PortConfig("b1", lag=l2.LagConfig(["m1", "m2"], spec=spec))])
    assert accepted in str(e.value)


def _hit_scenario(fdb_port, fdb_at_ms):
    """A built-from-the-spec OVS scenario: A learned on p1, moved to p3, then a cached-flow hit
    from p1 at 1000 ms whose move back waits for the revalidator; an FDB dump at `fdb_at_ms`
    shows A on `fdb_port` (p1: the dump already ran, p3: not yet)."""
    ins = lambda t, port, dp, eg: {"t_ms": t, "op": "inject", "port": port, "datapath": dp,
                                   "frame_hex": frame(BCAST, A).hex(), "egress": eg}
    f = frame(BCAST, A).hex()
    return {
        "name": "hit-phase", "system": "ovs-3.1", "bridge": {"mac_aging_time_s": 300},
        "ports": [{"name": "p1"}, {"name": "p2"}, {"name": "p3"}],
        "steps": [
            ins(0, "p1", "miss", {"p2": f, "p3": f}),
            ins(500, "p3", "miss", {"p1": f, "p2": f}),
            ins(1000, "p1", "hit", {"p2": f, "p3": f}),
            {"t_ms": fdb_at_ms, "op": "fdb", "entries": [
                {"mac": "02:aa:00:00:00:01", "vlan": 0, "port": fdb_port, "static": False}]},
        ],
    }


@pytest.mark.parametrize("applied", [True, False])
def test_revalidator_phase_is_derived_from_the_first_observations(applied):
    sc = _hit_scenario("p1" if applied else "p3", 1230)
    phase, _ = l2.fit_revalidator_phase(sc)
    # Applied by 1230 ms: a dump in (1000, 1230], i.e. the phase in (0, 230]; otherwise not.
    assert (0 < phase <= 230) == applied
    res = l2.replay(sc)
    assert res.passed, res.difference
    assert any("revalidator phase" in n for n in res.notes)
    # A phase the observation excludes makes the replay fail at the FDB step.
    wrong = 400.0 if applied else 100.0
    assert not l2.replay(sc, revalidator_phase_ms=wrong).passed


def test_switch_revalidator_keywords():
    sw = l2.Switch("ovs-3.1", ports(3), revalidator_interval=0.5, revalidator_phase=0.2)
    sw.receive("p1", frame(BCAST, A), 0.0)
    sw.receive("p3", frame(BCAST, A), 0.1)
    assert sw.receive("p1", frame(BCAST, A), 0.3).datapath_hit
    assert [r["port"] for r in sw.fdb(0.69)] == ["p3"]  # the dump at 0.7 s has not run
    assert [r["port"] for r in sw.fdb(0.7)] == ["p1"]


# ---- edges (issue 11) -----------------------------------------------------------------------

def test_capacities_are_validated_and_allocated_lazily():
    t = l2.MacTable("ovs-3.1", ports=2, max_entries=400_000_000)  # no 8 GB zero-fill
    assert t.memory_bytes < 4 << 20
    with pytest.raises(ValueError, match="max_entries"):
        l2.MacTable("linux-bridge", ports=2, max_entries=2**40)


def test_switch_shared_between_threads_stays_consistent():
    """Switch and MacTable are safe to share: each call holds the GIL from start to end."""
    import threading
    assert "Thread rules: safe to share" in l2.Switch.__doc__
    assert "Thread rules: safe to share" in l2.MacTable.__doc__
    sw = l2.Switch("ovs-3.1", [l2.PortConfig("p1"), l2.PortConfig("p2"),
                               l2.PortConfig("b1", lag=l2.LagConfig(["m1", "m2"]))], max_entries=64)
    errors = []

    def traffic(k):
        try:
            for i in range(3000):
                src = f"02aa{k:02x}{i % 97:06x}"
                sw.receive("p1" if i % 3 else "m1", frame(BCAST if i % 5 == 0 else A, src), i * 1e-4)
        except Exception as e:  # noqa: BLE001 - any failure is the test's result
            errors.append(e)

    def control():
        try:
            for i in range(300):
                sw.set_link_carrier("m2", i % 2 == 0, i * 1e-3)
                sw.fdb(i * 1e-3)
                sw.bond_show("b1", i * 1e-3)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=traffic, args=(k,)) for k in range(3)] + [threading.Thread(target=control)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    c = sw.counters
    assert c["rx"] == 9000
    assert c["rx"] == c["forwarded"] + c["flooded"] + c["to_host"] + c["dropped"]
    assert len(sw.fdb(1.0)) <= 64
