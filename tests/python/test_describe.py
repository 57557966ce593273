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


def test_flap_settings_table_matches_kwargs_json_and_doc():
    import re
    c = fwd.l2.FlapConfig.preset("juniper-ex")
    d = c.to_json()
    sig = fwd.l2.FlapConfig.__init__.__doc__.splitlines()[0]
    kwargs = re.findall(r", (\w+): ", ", " + sig.split("self: fwd._fwd.l2.FlapConfig, ", 1)[1])
    assert kwargs == list(d), (kwargs, list(d))           # the constructor's keywords are the table's names
    for name in d:
        assert f"  {name}: " in fwd.l2.FlapConfig.__doc__, name
    enums = {"window_kind": fwd.l2.FlapWindow, "scope": fwd.l2.FlapScope, "emit": fwd.l2.FlapEmit,
             "action": fwd.l2.FlapAction}
    rebuilt = fwd.l2.FlapConfig(**{k: (enums[k].__members__[v] if k in enums else v) for k, v in d.items()})
    assert rebuilt.to_json() == d
    assert fwd.l2.Switch("vendor", ["a"]).to_json(0)["flap"]["enabled"] is True
