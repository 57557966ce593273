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
