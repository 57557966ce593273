"""One time convention across fwd.lag, fwd.l2, fwd.sim (issue 8.4, 11.5): float seconds, unit
strings, datetime.timedelta and numpy.timedelta64 everywhere; integer nanoseconds only through *_ns;
range-checked; clear TypeError/ValueError naming the argument."""
import datetime

import numpy as np
import pytest

import fwd.l2
import fwd.lag
import fwd.sim

HALF = [0.5, "500ms", "0.5s", "500000us", "500000000ns", datetime.timedelta(milliseconds=500),
        np.timedelta64(500, "ms"), np.float64(0.5)]


@pytest.mark.parametrize("t", HALF)
def test_parse_time_accepts_every_form(t):
    assert fwd.sim.parse_time(t) == 0.5


@pytest.mark.parametrize("t", HALF)
def test_l2_takes_every_form(t):
    table = fwd.l2.MacTable("linux-bridge")
    table.learn("02:00:00:00:00:01", 1, t)
    (row,) = table.entries(1.0)
    assert row["updated"] == pytest.approx(0.5, abs=0.004)  # the Linux table ticks in 4 ms jiffies


@pytest.mark.parametrize("t", HALF)
def test_lag_takes_every_form_and_time_ns(t):
    ref = fwd.lag.OvsBond("b", ["m1", "m2"], time_ns=500_000_000)
    bond = fwd.lag.OvsBond("b", ["m1", "m2"], now=t)
    assert bond.to_json(now="1s") == ref.to_json(time_ns=1_000_000_000)


@pytest.mark.parametrize("t", HALF)
def test_ovs_bond_settings_take_every_form(t):
    bond = fwd.lag.OvsBond("b", ["m1", "m2"], updelay=t, downdelay=t, first_rebalance=t)
    assert bond.config == fwd.lag.OvsBond("b", ["m1", "m2"], updelay_ns=500_000_000, downdelay_ms=500,
                                          first_rebalance="500ms").config
    assert bond.config["updelay"] == bond.config["downdelay"] == 0.5


@pytest.mark.parametrize("t", HALF)
def test_switch_lag_port_bond_settings_take_every_form(t):
    lag = fwd.l2.LagConfig(["m1", "m2"], updelay=t, downdelay=t, rebalance_interval=t, first_rebalance=t)
    old = fwd.l2.LagConfig(["m1", "m2"], updelay_ms=500, downdelay_ns=500_000_000, rebalance_interval_ms=500,
                           first_rebalance_ms=500)
    assert lag.spec == old.spec == "ovs-3.1:balance-slb;rebalance_interval=500;updelay=500;downdelay=500"
    assert lag.to_json() == old.to_json() and lag.first_rebalance == 0.5


@pytest.mark.parametrize("t", HALF)
def test_sim_takes_every_form(t):
    net = fwd.sim.Network()
    net.run_until(t)
    assert net.now == 0.5


def test_integer_nanoseconds_only_through_ns_arguments():
    with pytest.raises(TypeError, match=r"time_ns: expected an integer.*got str"):
        fwd.lag.OvsBond("b", ["m1"], time_ns="1s")
    with pytest.raises(TypeError, match=r"time_ns: expected an integer.*got float.*without _ns"):
        fwd.lag.OvsBond("b", ["m1"], time_ns=1.5)
    with pytest.raises(TypeError, match="not both"):
        fwd.lag.OvsBond("b", ["m1"], now=1.0, time_ns=1)
    with pytest.raises(ValueError, match="time_ns: .* out of range"):
        fwd.lag.OvsBond("b", ["m1"], time_ns=2**70)


@pytest.mark.parametrize("bad,exc,msg", [
    ("1e12s", ValueError, "out of range"),            # used to wrap to a negative time
    (1e12, ValueError, "out of range"),
    (2**80, ValueError, "out of range"),
    (float("nan"), ValueError, "finite"),
    ("10 parsecs", ValueError, "bad time unit"),
    ("soon", ValueError, "bad time"),
    (True, TypeError, "expected seconds"),
    (None, TypeError, "expected seconds"),
    ([1], TypeError, "datetime.timedelta or numpy.timedelta64"),
    (np.timedelta64("NaT"), ValueError, "NaT"),
    (np.timedelta64(10**6, "Y"), ValueError, "no fixed length"),
    (np.timedelta64(10**9, "D"), ValueError, "out of range"),
    (datetime.timedelta(days=10**6), ValueError, "out of range"),
])
def test_bad_times_name_the_argument_and_the_forms(bad, exc, msg):
    with pytest.raises(exc, match=msg):
        fwd.sim.parse_time(bad)
    with pytest.raises(exc, match=r"^now: "):
        fwd.l2.MacTable("linux-bridge").age(bad)
    with pytest.raises(exc, match=r"^t: "):
        fwd.sim.Network().run_until(bad)


def test_range_edges():
    assert fwd.sim.parse_time("9223372036s") == pytest.approx(9223372036.0)
    assert fwd.sim.parse_time("-9223372036s") == pytest.approx(-9223372036.0)
    with pytest.raises(ValueError):
        fwd.sim.parse_time("9223372037s")
