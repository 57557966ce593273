"""The description tables reach Python: systems registry, counters dicts and docstrings, enums,
JSON twins as dicts; `import fwd` reaches every submodule."""
import subprocess
import sys

import numpy as np
import pytest

import fwd
from conftest import BUILD_PY, SANITIZER_ENV


def test_import_fwd_reaches_every_submodule():
    code = ("import fwd; import sys\n"
            "for m in ('net', 'hash', 'lag', 'l2', 'sim', 'io', 'describe', 'topology', 'conformance'):\n"
            "    assert getattr(fwd, m).__name__ == 'fwd.' + m, m\n"
            "print(fwd.l2.Switch.__name__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": BUILD_PY, **SANITIZER_ENV})
    assert r.returncode == 0 and r.stdout.strip() == "Switch", r.stderr
    with pytest.raises(AttributeError):
        fwd.nope  # noqa: B018


def test_registry():
    names = {s["name"]: s for s in fwd.describe.systems()}
    assert {"freebsd-9.3", "freebsd-10", "freebsd-12", "linux-6.12", "ovs-3.1"} <= set(names)
    assert "freebsd-fnv" in names["freebsd-12"]["aliases"] and names["freebsd-9.3"]["l2_profile"] == "freebsd-bridge"
    assert fwd.describe.find_system("freebsd-fnv", "lag") == "freebsd-12"
    with pytest.raises(ValueError, match="ambiguous system 'freebsd'"):
        fwd.describe.find_system("freebsd", "l2")
    with pytest.raises(ValueError, match="ambiguous switch profile 'freebsd'"):
        fwd.l2.Switch("freebsd", ["p1"])
    # fwd.sim host os names are the registry's (layer sim): one spelling each, aliases from the registry
    sim_systems = [s["name"] for s in fwd.describe.systems() if "sim" in s["layers"]]
    assert sim_systems == ["freebsd-9.3", "freebsd-10", "linux-6.12"]
    assert fwd.describe.find_system("linux", "sim") == "linux-6.12"
    net = fwd.sim.Network()
    for name in sim_systems:
        assert net.add_host(name, os=name).os == name
    for alias in names["linux-6.12"]["aliases"]:
        assert net.add_host(alias, os=alias).os == "linux-6.12"
    with pytest.raises(ValueError, match="ambiguous system 'freebsd'"):
        fwd.describe.find_system("freebsd", "sim")


def _switch():
    sw = fwd.l2.Switch("ovs-3.1", ["p1", "p2"])
    sw.receive("p1", bytes.fromhex("ffffffffffff02aa00000001") + b"\x88\xb5" + bytes(46), 0.0)
    sw.receive("p1", b"\x00" * 8, 0.001)
    return sw


def test_every_counter_appears_in_text_json_python_and_docs():
    sw = _switch()
    text, js = sw.fdb_stats(1.0), sw.to_json(1.0)
    for prop in ("counters", "table_counters", "flap_counters"):
        d = getattr(sw, prop)
        doc = getattr(type(sw), prop).__doc__
        assert set(d) - {"dropped_by"} == set(js[prop]) - {"dropped_by"}, prop
        assert d == js[prop], prop
        for name in set(d) - {"dropped_by"}:
            assert f"    {name} " in text, (prop, name)
            assert f"  {name}: " in doc, (prop, name)
    # the five counters the hand-written JSON format string had forgotten
    assert {"copies_lost"} <= set(js["counters"])
    assert {"flushed", "refused_bad_port"} <= set(js["table_counters"])
    assert {"suppressed", "keys_forgotten"} <= set(js["flap_counters"])
    assert js["counters"]["dropped_by"] == {"too_short": 1}


def test_enums_come_from_the_tables():
    assert fwd.l2.FlapAction.pin.name == "pin"
    assert "error-disable" in fwd.l2.FlapAction.__doc__
    assert sorted(fwd.l2.FlapEmit.__members__) == ["every_move", "on_threshold", "once_per_window"]


def test_json_twins_are_dicts():
    p = fwd.hash.Policy("linux-6.12:layer3+4")
    assert isinstance(p.explain(bytes(64), members=3).to_json(), dict)
    lag = fwd.lag.Lag("ovs-3.1:balance-slb", ["a", "b"])
    assert lag.to_json()["bond"]["members"] == {"a": "enabled", "b": "enabled"}


def test_public_classes_have_informative_reprs():
    sw = _switch()
    assert repr(sw).startswith("<Switch br0 ovs-3.1 ports=2")
    assert repr(fwd.l2.PortConfig("p1", tag=10)) == "PortConfig('p1', tag=10)"
    assert "entries=0" in repr(fwd.l2.MacTable("linux-bridge"))
    b = fwd.net.FrameBuilder()
    assert "incomplete" in repr(b)
    assert repr(b.eth("02:00:00:00:00:02", "02:00:00:00:00:01")) == "<FrameBuilder: 60 bytes when built>"
    lag = fwd.lag.Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", ["a", "b", "c"])
    frames = np.zeros((100, 64), dtype=np.uint8)
    frames[:, 12:14] = (0x08, 0x00)
    frames[:, 26:34] = np.random.default_rng(1).integers(0, 256, (100, 8))
    w = fwd.lag.what_if(lag, frames, fail=["b"])
    assert repr(w).startswith("<WhatIf linux-6.12:802.3ad") and "flows=100" in repr(w)
    net = fwd.sim.Network()
    assert repr(net) == "<Network now=0s hosts=0 switches=0>"


def test_switch_methods_are_documented():
    for name, attr in vars(fwd.l2.Switch).items():
        if name.startswith("_"):
            continue
        doc = (attr.__doc__ or "").strip().splitlines()
        text = [l for l in doc if l.strip() and "(self" not in l and not l.startswith("Overloaded")]
        assert text, name


def _documented_keywords(cls):
    """The keyword names the constructor's docstring lists (one '  name: doc' line each)."""
    import re
    doc = cls.__init__.__doc__
    section = doc.split("Keyword arguments", 1)[1]
    return re.findall(r"^  (\w+): ", section, re.M)


# Config tables (C++ describe::Settings<S>): one row per setting gives the constructor keywords,
# the properties, the dict/JSON and the docstrings. No config has a text form (show text is the
# FDB and counters), so coverage is JSON, Python keywords/properties and docs.
def _config_objects():
    lag = fwd.l2.LagConfig(["m1", "m2"], spec="ovs-3.1:active-backup", first_rebalance="250ms")
    port = fwd.l2.PortConfig("b1", mac="02:00:00:00:00:0b", learning=False, hairpin=True, vlan_mode="native-untagged",
                             tag=10, trunks=[10, 20], lag=lag)
    flap = fwd.l2.FlapConfig.preset("juniper-ex")
    return {"FlapConfig": (fwd.l2.FlapConfig, flap, ()), "PortConfig": (fwd.l2.PortConfig, port, ("name",)),
            "LagConfig": (fwd.l2.LagConfig, lag, ("members",))}


@pytest.mark.parametrize("name", ["FlapConfig", "PortConfig", "LagConfig"])
def test_every_config_setting_is_a_keyword_a_property_json_and_documented(name):
    cls, obj, positional = _config_objects()[name]
    d = obj.to_json()
    settings = [k for k in d if k not in positional]
    assert _documented_keywords(cls)[:len(settings)] == settings     # keywords in table order
    for k in d:
        assert f"  {k}: " in cls.__doc__, k                           # class doc: one line per setting
        prop = getattr(cls, k)
        assert isinstance(prop, property) and prop.__doc__.strip(), k  # a documented property
    rebuilt = cls(**d)                                                # the dict rebuilds the object
    assert rebuilt.to_json() == d
    with pytest.raises(TypeError, match=f"{name}\\(\\) got an unexpected keyword argument 'nope': accepted "
                                        + ", ".join(settings)):
        cls(*[d[p] for p in positional], nope=1)


def test_switch_and_table_configs_come_from_the_tables():
    sw = fwd.l2.Switch("ovs-3.1", [fwd.l2.PortConfig("p1", tag=10), "p2"], ageing="10s", flow_idle=2,
                       revalidator_interval_ns=100_000_000, flap="juniper-ex", reserve=16)
    cfg, js = sw.config, sw.to_json(0.0)
    assert js["config"] == cfg
    assert cfg["ageing"] == 10.0 and cfg["flow_idle"] == 2.0 and cfg["revalidator_interval"] == 0.1
    assert cfg["flap"] == fwd.l2.FlapConfig.preset("juniper-ex").to_json() and cfg["reserve"] == 16
    assert [p["name"] for p in js["ports"]] == ["p1", "p2"] and js["ports"][0]["tag"] == 10
    assert js["ports"][1] == sw.port_config("p2").to_json()
    kws = _documented_keywords(fwd.l2.Switch)
    for k in cfg:
        assert f"  {k}: " in type(sw).config.__doc__, k
        if k != "profile":                                             # profile is positional
            assert k in kws, k
    assert fwd.l2.Switch("vendor", ["a"]).to_json(0)["flap"]["enabled"] is True
    t = fwd.l2.MacTable("ovs-3.1", ports=4, max_entries=10, sweep_period="300s")
    tc = t.config
    assert tc["ports"] == 4 and tc["max_entries"] == 10 and tc["sweep_period"] == 300.0
    assert tc["overflow"] == "evict_lru_of_busiest_port"
    twins = {f"{k}_ns" for k, v in tc.items() if isinstance(v, float)}  # a time setting's integer-ns twin
    assert set(_documented_keywords(fwd.l2.MacTable)) == set(tc) | {"record_learned"} | twins
    with pytest.raises(TypeError, match="Switch\\(\\) got an unexpected keyword argument 'agieng': accepted name, "):
        fwd.l2.Switch("linux-bridge", ["a"], agieng=3)


def test_config_keywords_take_the_one_time_convention_and_check_types():
    from datetime import timedelta
    for v in (0.5, "500ms", timedelta(milliseconds=500), np.timedelta64(500, "ms")):
        assert fwd.l2.FlapConfig(window=v).window == 0.5
        assert fwd.l2.Switch("linux-bridge", ["a"], ageing=v).config["ageing"] == 0.5
    assert fwd.l2.Switch("linux-bridge", ["a"], ageing_ns=500_000_000).config["ageing"] == 0.5
    with pytest.raises(TypeError, match="ageing= and ageing_ns= both set ageing: give one of them"):
        fwd.l2.Switch("linux-bridge", ["a"], ageing=1, ageing_ns=1)
    with pytest.raises(TypeError, match="ageing_ns: expected an integer"):
        fwd.l2.Switch("linux-bridge", ["a"], ageing_ns=0.5)
    with pytest.raises(ValueError, match="window"):
        fwd.l2.FlapConfig(window="5 parsecs")
    with pytest.raises(TypeError, match="learning: "):
        fwd.l2.PortConfig("p", learning="yes")
    with pytest.raises(ValueError, match="unknown VLAN mode 'nativ': expected automatic, access, trunk"):
        fwd.l2.PortConfig("p", vlan_mode="nativ")
    with pytest.raises(ValueError, match="trunks\\[1\\]: invalid VLAN id 4096"):
        fwd.l2.PortConfig("p", trunks=[1, 4096])
    # None keeps a default; a property set takes the same forms as the keyword
    assert fwd.l2.Switch("freebsd-bridge", ["a"], ageing=None).config["ageing"] == 1200.0
    c = fwd.l2.FlapConfig()
    c.action_hold = "2s"
    c.scope = "per_port"
    assert c.action_hold == 2.0 and c.scope == fwd.l2.FlapScope.per_port


def test_enum_tables_reach_python():
    e = fwd.describe.enums()
    assert list(e["hash.linux.xmit_hash_policy"]) == ["layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4",
                                                      "vlan+srcmac"]
    assert list(e["lag.ovs.bond_mode"]) == ["balance-slb", "balance-tcp", "active-backup"]
    assert all(doc for table in e.values() for doc in table.values())
    # the same names the spec parsers accept, and the ones an error lists
    for mode in e["lag.dpdk.mode"]:
        assert fwd.lag.Lag(f"dpdk:{mode}", ["a", "b"]).mode == mode
    with pytest.raises(ValueError, match="expected one of " + ", ".join(e["hash.dpdk.xmit_policy"])):
        fwd.hash.Policy("dpdk:l5")
    assert next(iter(e["l2.drop_reason"])) == "none" and "lag_no_member" in e["l2.drop_reason"]
    assert "native-untagged" in e["l2.vlan_mode"]
