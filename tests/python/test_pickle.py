"""Every public config / value object pickles (what fwd.sweep tasks and multiprocessing need): each
round-trips to an equal object that behaves the same; a malformed pickle state is a ValueError."""
import pickle

import numpy as np
import pytest

import fwd.hash
import fwd.lag
import fwd.net
import fwd.route as r
from fwd._fwd import l2


def roundtrip(obj):
    copy = pickle.loads(pickle.dumps(obj))
    assert type(copy) is type(obj)
    # the whole state, not only what the repr shows
    assert copy.__getstate__() == obj.__getstate__()
    return copy


def test_net_values():
    for v in (fwd.net.Mac("02:00:5e:10:00:ff"), fwd.net.Ipv4("192.0.2.7"), fwd.net.Ipv6("2001:db8::1:0:0:7")):
        c = roundtrip(v)
        assert c == v and str(c) == str(v)
    vl = fwd.net.Vlan(100, pcp=5, dei=True)
    c = roundtrip(vl)
    assert c.tci == vl.tci == (5 << 13) | (1 << 12) | 100 and c.vid == 100 and c.pcp == 5


def test_policy_and_lag():
    p = fwd.hash.Policy("vendor:l2,l3;function=crc32-lo;seed=0x1234;buckets=8;rotate=3")
    assert roundtrip(p) == p
    lag = fwd.lag.Lag("freebsd-9.3:lacp;lagghash=l2,l3,l4", ["a", "b", "c"])
    lag.set_link("b", False)
    assert roundtrip(lag).order == lag.order == ["c", "a"]


def _flows(n=3000):
    rng = np.random.default_rng(4)
    src = [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, size=(n, 3))]
    return r.make_flows(src, "198.18.0.9", proto=6, sport=rng.integers(1024, 65536, size=n).tolist(), dport=443)


def test_route_values_and_ecmp():
    nh = r.NextHop("10.1.0.2", "eth1", weight=3, prefsrc="10.1.0.1", id=7, dead=True, linkdown=True, neigh_valid=False)
    c = roundtrip(nh)
    assert (c.gateway, c.device, c.weight, c.prefsrc, c.id, c.dead, c.linkdown, c.neigh_valid) == \
        ("10.1.0.2", "eth1", 3, "10.1.0.1", 7, True, True, False)
    ps = r.PathSet([r.NextHop(f"fd00:{i}::2", f"d{i}", id=i) for i in range(1, 4)], kind="resilient", family=6,
                   num_buckets=16, idle_timer=0.123456789, unbalanced_timer=2.5)
    c = roundtrip(ps)
    assert c.kind == "resilient" and c.family == 6 and c.num_buckets == 16 and len(c.nexthops) == 3

    flows = _flows()
    e = r.Ecmp("linux-6.18:policy=1;seed=0x1234abcd", r.PathSet([r.NextHop(f"10.{i}.0.2", f"d{i}") for i in range(1, 6)]))
    e.set_dead(1)  # state set after construction travels too
    c = roundtrip(e)
    assert c.spec == e.spec and c.upper_bounds == e.upper_bounds
    assert np.array_equal(c.select_batch(flows, "packet"), e.select_batch(flows, "packet"))

    # a resilient group keeps its current table (here: after a member left and came back)
    g = r.Ecmp("linux-6.18", r.PathSet([r.NextHop(f"10.{i}.0.2", f"d{i}", id=i) for i in range(1, 4)],
                                       kind="resilient", num_buckets=8, idle_timer=0.0))
    g.remove_nexthop(2)
    c = roundtrip(g)
    assert c.bucket_ids == g.bucket_ids and 2 not in c.bucket_ids
    assert np.array_equal(c.select_batch(flows), g.select_batch(flows))


def test_l2_configs():
    fc = l2.FlapConfig(threshold=5, window=2.5, window_kind=l2.FlapWindow.fixed, action=l2.FlapAction.shutdown_port,
                       action_hold=30.0, tracked_keys=64, log_rate_limit=0.001)
    c = roundtrip(fc)
    assert c.to_json() == fc.to_json()
    preset = l2.FlapConfig.preset("juniper-ex")
    assert roundtrip(preset).to_json() == preset.to_json()
    lc = l2.LagConfig(["p1", "p2"], mode="balance-tcp", basis=7, first_rebalance=0.25)
    c = roundtrip(lc)
    assert c.members == ["p1", "p2"] and c.spec == lc.spec and "basis=7" in c.spec and c.first_rebalance == 0.25
    pc = l2.PortConfig("bond0", mac="02:00:00:00:00:09", learning=False, hairpin=True, sticky=True, tag=10,
                       trunks=[10, 20], vlan_mode="native-untagged", lag=lc)
    c = roundtrip(pc)
    assert c.name == "bond0" and repr(c) == repr(pc)
    lp = l2.PortConfig("eth3", vlan_mode="linux", pvid=5, vlans=[5, 6, 7], untagged=[5])
    st = roundtrip(lp).__getstate__()
    assert (st["pvid"], st["vlans"], st["untagged"]) == (5, [5, 6, 7], [5])


@pytest.mark.parametrize("cls,state", [(fwd.net.Mac, ("zz",)), (r.NextHop, ("a",)), (r.PathSet, ("x",) * 7),
                                       (l2.PortConfig, ("p",)), (l2.FlapConfig, (True,) * 3),
                                       (l2.FlapConfig, {"threshold": -1}), (l2.FlapConfig, {"window_ns": 0.5}),
                                       (l2.PortConfig, {"name": "p", "tag": 5000}), (l2.LagConfig, {"mmbers": []})])
def test_malformed_pickle_state_is_a_value_error(cls, state):
    obj = cls.__new__(cls)
    with pytest.raises((ValueError, TypeError)):
        obj.__setstate__(state)
