"""fwd.sim documents itself: every public class, method, function and property has a docstring
beyond its signature, and every public class an informative __repr__ of its own."""
import inspect

import fwd.sim


def _text(doc, name):
    """The docstring without pybind11's signature lines ('name(self: ...) -> ...')."""
    lines = [ln for ln in (doc or "").strip().splitlines()
             if not (ln.startswith(name + "(") or ln.startswith("Overloaded function"))]
    return "\n".join(lines).strip()


def _undocumented():
    missing = []
    for name in fwd.sim.__all__:
        obj = getattr(fwd.sim, name)
        if inspect.isclass(obj):
            if not _text(obj.__doc__, name):
                missing.append(name)
            if "__repr__" not in vars(obj):
                missing.append(f"{name}.__repr__ (not defined)")
            for attr in dir(obj):
                if attr.startswith("_"):
                    continue
                raw = inspect.getattr_static(obj, attr)
                if isinstance(raw, property):
                    doc = raw.__doc__ or (raw.fget.__doc__ if raw.fget else "")
                else:
                    doc = getattr(raw, "__doc__", "")
                    if type(raw).__name__ == "int" or isinstance(raw, (int, str, float)):
                        continue  # enum values and constants
                if not _text(doc, attr):
                    missing.append(f"{name}.{attr}")
        elif callable(obj) and not _text(obj.__doc__, name):
            missing.append(name)
    return missing


def test_every_public_name_of_fwd_sim_is_documented():
    assert _undocumented() == []


def test_reprs_say_what_the_object_is():
    net = fwd.sim.Network(seed=3)
    a = net.add_host("a")
    a.add_nic("em0", "02:00:00:00:00:0a")
    a.add_address("em0", "10.0.0.1/24")
    b = net.add_host("b")
    b.add_nic("em0", "02:00:00:00:00:0b")
    b.add_address("em0", "10.0.0.2/24")
    net.connect("a:em0", "b:em0")
    cap = a.capture("em0")
    p = a.ping_flood("10.0.0.2", count=3)
    net.run_until("1s")
    assert repr(net).startswith("<Network now=1") and "hosts=2" in repr(net)
    assert repr(a) == "<Host a os=freebsd-9.3 ifaces=1 carp=0 rx=4 tx=4>"  # ARP reply + 3 echo replies in
    assert repr(a.ping_result(p)) == "<PingResult sent=3 received=3 lost=0 send_errors=0 finished>"
    assert repr(cap) == "<Capture a:em0 frames=8>"


def test_every_host_counter_appears_in_text_json_python_and_docs():
    net = fwd.sim.Network(seed=5)
    a = net.add_host("a")
    a.add_nic("em0", "02:00:00:00:00:0a")
    a.add_address("em0", "10.0.0.1/24")
    a.listen(80)
    a.add_carp("em0", vhid=1, vips4=["10.0.0.254"])
    b = net.add_host("b")
    b.add_nic("em0", "02:00:00:00:00:0b")
    b.add_address("em0", "10.0.0.2/24")
    net.connect("a:em0", "b:em0")
    b.tcp_connects("10.0.0.1", rate=10, max_count=2)
    net.send_frame_at(0.001, "b", "em0", bytes.fromhex("02000000000a02000000000b88b5") + bytes(46))
    net.run_until("5s")
    text, js = a.stats_text(), a.to_json()
    H = fwd.sim.Host
    sections = [(a.counters, js["counters"], H.counters.__doc__),
                (a.iface_counters("em0"), js["ifaces"]["em0"], H.iface_counters.__doc__),
                (a.carp_counters(0), {k: v for k, v in js["carp"][0].items() if k not in ("state", "settings")},
                 H.carp_counters.__doc__),
                (a.tcp_listener_stats, js["tcp_listener"], H.tcp_listener_stats.__doc__)]
    for d, j, doc in sections:
        assert d == j
        for name in set(d) - {"dropped_by"}:
            assert f"    {name} " in text, name
            assert f"  {name}: " in doc, name
    assert a.counters["dropped_by"] == {"unknown ethertype": 1}
    assert set(a.counters["dropped_by"]) <= set(fwd.sim.host_drop_reasons())
    assert a.tcp_listener_stats == {"syns_received": 2, "synacks_sent": 2, "established": 2}
    assert js["carp"][0]["state"] == a.carp_state(0) == "MASTER"
    lc = net.link_counters(0, 1)
    assert set(lc) == {"tx", "delivered", "lost", "fault_dropped", "fault_delayed", "down_dropped", "bytes"}
    for name in lc:
        assert f"  {name}: " in fwd.sim.Network.link_counters.__doc__


def test_every_host_setting_appears_in_json_python_text_docs_and_keywords():
    """HostConfig's table drives Host.settings, to_json()['settings'], stats_text(), the add_host
    keywords and docstring, and fwd.sim.host_settings(): a setting cannot be forgotten by one."""
    net = fwd.sim.Network()
    a = net.add_host("a", os="linux", tick_phase="250us", arp_maxtries=3, forwarding=True)
    s, js, text = a.settings, a.to_json()["settings"], a.stats_text()
    assert s == js
    assert s["os"] == a.os == "linux-6.12" and s["tick"] == 0.0  # the os's defaults: exact timers
    assert s["tick_phase"] == 250e-6 and s["arp_maxtries"] == 3 and s["forwarding"] is True
    keywords = fwd.sim.host_settings()
    doc, pdoc = fwd.sim.Network.add_host.__doc__, fwd.sim.Host.settings.__doc__
    for name in s:
        assert name in keywords, name
        assert f"\n  {name}: " in doc and f"\n  {name}: " in pdoc, name
        assert f"\n    {name} " in text, name
    for name in keywords:  # every keyword is a setting, a time setting's _ns twin, or hz
        assert name in s or (name.endswith("_ns") and isinstance(s[name[:-3]], float)) or name == "hz", name
        assert f"\n  {name}: " in doc, name
    # The dict is add_host's keywords: it rebuilds the same host.
    assert net.add_host("b", **s).settings == s


def test_add_host_keywords_follow_the_one_time_convention():
    import datetime

    import numpy as np
    import pytest

    net = fwd.sim.Network()
    forms = [0.002, "2ms", datetime.timedelta(milliseconds=2), np.timedelta64(2, "ms")]
    for i, v in enumerate(forms):
        assert net.add_host(f"t{i}", stack_delay=v).settings["stack_delay"] == 0.002
    assert net.add_host("n", stack_delay_ns=2_000_000).settings["stack_delay"] == 0.002
    assert net.add_host("hz", hz=250).settings["tick"] == 0.004
    assert net.add_host("old", os="freebsd-9.x").os == "freebsd-9.3"
    with pytest.raises(TypeError, match="stack_delay_ns: expected an integer"):
        net.add_host("x", stack_delay_ns=0.5)
    with pytest.raises(TypeError, match=r"stack_delay: expected seconds \(int or float\), a string with a unit"):
        net.add_host("x", stack_delay=[1])
    with pytest.raises(ValueError, match="stack_delay: bad time unit"):
        net.add_host("x", stack_delay="3 parsecs")
    with pytest.raises(TypeError, match="add_host\\(\\) got an unexpected keyword argument 'hzz': accepted os, tick, tick_phase, "):
        net.add_host("x", hzz=100)
    with pytest.raises(TypeError, match="hz= and tick= both set tick"):
        net.add_host("x", hz=100, tick="1ms")
    with pytest.raises(TypeError, match="forwarding: expected True or False"):
        net.add_host("x", forwarding=1)
    with pytest.raises(ValueError, match="os: ambiguous host os 'freebsd'.*freebsd-9.3.*freebsd-10"):
        net.add_host("x", os="freebsd")
    with pytest.raises(ValueError, match=r"os: unknown host os 'plan9': expected freebsd-9.3 .*linux-6.12 \(linux"):
        net.add_host("x", os="plan9")
    with pytest.raises(ValueError, match="has no sim model"):
        net.add_host("x", os="freebsd-12")
    with pytest.raises(ValueError, match="arp_maxtries must be >= 1"):
        net.add_host("x", arp_maxtries=0)
