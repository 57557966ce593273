"""carp::Config's settings table (fwd/sim/carp.hpp) rendered everywhere: Host.add_carp's keywords and
docstring, fwd.sim.carp_settings(), Host.carp_settings(i), the vhid's settings in Host.to_json() and
stats_text(), and the carp keys of topology files."""
import pytest

sim = pytest.importorskip("fwd.sim")
topology = pytest.importorskip("fwd.topology")

VIP = "10.0.0.254"


def host(os="linux"):
    net = sim.Network(seed=1)
    h = net.add_host("r1", os=os)
    h.add_nic("eth0", "52:54:00:00:00:01")
    h.add_address("eth0", "10.0.0.1/24")
    return net, h


def table_names():
    """The rows of the table, as the JSON twin of a vhid shows them."""
    _, h = host()
    h.add_carp("eth0", 1, "vrrp-v2", vips4=[VIP])
    return list(h.to_json()["carp"][0]["settings"])


def test_every_row_is_a_keyword_a_docstring_line_and_a_dict_entry():
    rows = table_names()
    assert {"profile", "flavor", "vhid", "advbase", "advskew", "priority", "adver_int_cs", "vips4", "vips6", "src4",
            "initial_state", "processing_delay", "late_advert_window"} <= set(rows)
    # host-filled members are not settings
    assert not {"carpdev", "carpdev_mac", "counter_seed", "timing", "hz"} & set(rows)
    names = sim.carp_settings()
    doc = sim.Host.add_carp.__doc__
    for r in rows:
        assert r in names
        assert f"  {r}: " in doc, r
    # time settings have their integer-nanosecond twins, and nothing else is accepted
    times = {"garp_delay", "na_delay", "garp_repeat", "processing_delay", "timer_overhead", "link_delay",
             "late_advert_window"}
    assert set(names) == set(rows) | {t + "_ns" for t in times}
    _, h = host()
    h.add_carp("eth0", 1, "vrrp-v2", vips4=[VIP])
    d = h.carp_settings(0)
    assert list(d) == rows
    assert d == h.to_json()["carp"][0]["settings"]
    text = h.stats_text()
    for r in rows:
        assert f"      {r} " in text, r


def test_dict_holds_the_running_values_and_rebuilds_the_vhid():
    _, h = host()
    h.add_carp("eth0", 51, "vrrp-v3", vips4=VIP, priority=150, adver_int_cs=10, processing_delay="200us",
               garp_delay_ns=1500, garp_target_hw="ff:ff:ff:ff:ff:ff", initial_state="master", flavor="rfc")
    d = h.carp_settings(0)
    assert d["profile"] == "vrrp-v3" and d["flavor"] == "rfc" and d["vhid"] == 51
    assert d["vips4"] == [VIP] and d["vips6"] == [] and d["src6"] is None
    assert d["src4"] == "10.0.0.1"  # filled by the host: its address in the VIP's subnet
    assert d["priority"] == 150 and d["adver_int_cs"] == 10 and d["initial_state"] == "MASTER"
    assert d["processing_delay"] == pytest.approx(200e-6) and d["garp_delay"] == pytest.approx(1.5e-6)
    assert d["garp_target_hw"] == "ff:ff:ff:ff:ff:ff"
    _, h2 = host()
    h2.add_carp("eth0", **d)
    assert h2.carp_settings(0) == d


@pytest.mark.parametrize("kw, exc, needle", [
    (dict(advbase=0), ValueError, "advbase: 0 out of range: expected an integer from 1 to 255"),
    (dict(advskew=255), ValueError, "advskew: 255 out of range: expected an integer from 0 to 254"),
    (dict(priority=0), ValueError, "priority: 0 out of range: expected an integer from 1 to 255"),
    (dict(log=3), ValueError, "log: 3 out of range: expected an integer from 0 to 2"),
    (dict(garp_count=101), ValueError, "garp_count: 101 out of range: expected an integer from 0 to 100"),
    (dict(senderr_demotion_factor=241), ValueError, "senderr_demotion_factor: 241 out of range: expected an integer from 0 to 240"),
    (dict(tos=256), ValueError, "tos: 256 out of range: expected an integer from 0 to 255"),
    (dict(priority=1.5), TypeError, "priority: expected an integer from 1 to 255; got float"),
    (dict(allow="yes"), TypeError, "allow: expected True or False"),
    (dict(flavor="vrrpd"), ValueError, "flavor: unknown VRRP flavour 'vrrpd': expected keepalived, rfc"),
    (dict(initial_state="init"), ValueError, "initial_state 'init'"),
    (dict(nopreempt=True), TypeError, "add_carp\\(\\) got an unexpected keyword argument 'nopreempt': accepted profile, flavor, vhid"),
    (dict(src4="10.0.0.300"), ValueError, "src4"),
])
def test_bad_values_name_the_setting(kw, exc, needle):
    _, h = host()
    with pytest.raises(exc, match=needle):
        h.add_carp("eth0", 1, "freebsd-9.3", vips4=[VIP], **kw)
    assert h.carp_count == 0


def test_topology_accepts_exactly_the_table_keys(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text("""\
hosts:
  r1:
    os: linux
    nics: {eth0: "52:54:00:00:00:01"}
    addresses: {eth0: 10.0.0.1/24}
    carp: [{iface: eth0, vhid: 51, profile: vrrp-v2, vip: 10.0.0.254, priority: 120, garp_repeat_ns: 7,
            send_error_demotion: false, flavor: rfc, initial_state: backup, src4: 10.0.0.1}]
""")
    net, _ = topology.load(str(f))
    d = net.host("r1").carp_settings(0)
    assert d["vips4"] == [VIP] and d["priority"] == 120 and d["garp_repeat"] == pytest.approx(7e-9)
    assert d["senderr_demotion"] is False and d["flavor"] == "rfc"
    bad = tmp_path / "bad.yaml"
    bad.write_text(f.read_text().replace("priority: 120", "prio: 120"))
    with pytest.raises(ValueError, match=r"bad.yaml:6:.*unknown key 'prio' \(expected one of: iface, profile, "):
        topology.load(str(bad))
