"""keepalived VRRP through fwd.sim, built from the spec (carp.md, keepalived section) only:
two routers and a client on a Linux bridge; the master's link goes down for 10 s and comes back,
with and without nopreempt, with use_vmac, VRRPv3 at 0.1 s. Also the settings' names and values,
a frozen process, and the same scenario from a topology file."""
import pytest

sim = pytest.importorskip("fwd.sim")
topology = pytest.importorskip("fwd.topology")

VIP = "10.0.0.254"
VRID = 51
VMAC = "00:00:5e:00:01:33"
MAC = {"r1": "52:54:00:00:00:01", "r2": "52:54:00:00:00:02"}
IP = {"r1": "10.0.0.1", "r2": "10.0.0.2"}
BCAST = bytes.fromhex("ffffffffffff")


def lan(preempt=None, use_vmac=True, adver_int_cs=10, profile="vrrp-v3", **extra):
    """r1 (priority 150) and r2 (priority 100) on a Linux bridge, client captures everything."""
    net = sim.Network(seed=5)
    net.add_switch("sw", [sim.PortConfig(p) for p in ("r1", "r2", "client")], profile="linux-bridge")
    for name, prio in (("r1", 150), ("r2", 100)):
        h = net.add_host(name, os="linux")
        h.add_nic("eth0", MAC[name])
        h.add_address("eth0", f"{IP[name]}/24")
        kw = dict(priority=prio, vips4=[VIP], use_vmac=use_vmac, **extra)
        if profile == "vrrp-v3":
            kw["adver_int_cs"] = adver_int_cs
        if preempt is not None:
            kw["preempt"] = preempt
        h.add_carp("eth0", VRID, profile=profile, **kw)
        net.connect(f"{name}:eth0", f"sw:{name}", latency="20us")
    c = net.add_host("client", os="linux")
    c.add_nic("eth0", "52:54:00:00:00:63")
    c.add_address("eth0", "10.0.0.99/24")
    net.connect("client:eth0", "sw:client", latency="20us")
    cap = c.capture("eth0")
    return net, cap


def log_times(net, host, text):
    return [t for t, s in net.host(host).log if s == text]


def adverts_from(cap, host):
    """Receive times of VRRP adverts whose IP source is `host`'s address."""
    src = bytes(int(x) for x in IP[host].split("."))
    return [t for t, out, f in cap.records()
            if not out and len(f) >= 34 and f[12:14] == b"\x08\x00" and f[23] == 112 and f[26:30] == src]


def garps(cap):
    """(time, eth src, arp sender mac, arp target mac) of gratuitous ARP requests for the VIP."""
    vip = bytes(int(x) for x in VIP.split("."))
    out = []
    for t, outgoing, f in cap.records():
        if not outgoing and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[28:32] == vip and f[38:42] == vip:
            out.append((t, f[6:12], f[22:28], f[32:38]))
    return out


def mac_bytes(text):
    return bytes.fromhex(text.replace(":", ""))


@pytest.mark.parametrize("preempt", [None, False])  # None: the profile's default (on)
def test_master_link_down_10s_fault_then_backup_then_preempt_delay(preempt):
    net, cap = lan(preempt=preempt)
    net.run_until(5.0)
    r1, r2 = net.host("r1"), net.host("r2")
    assert (r1.carp_state(0), r2.carp_state(0)) == ("MASTER", "BACKUP")
    net.set_link_up_at(5.0, "r1:eth0", False)
    net.set_link_up_at(15.0, "r1:eth0", True)
    net.run_until(14.0)
    # FAULT once keepalived hears of it (netlink, a few ms), and nothing from r1 while down.
    fault = log_times(net, "r1", f"(VI_{VRID}) Entering FAULT STATE")
    assert len(fault) == 1 and 5.0039 <= fault[0] <= 5.0062
    assert r1.carp_state(0) == "FAULT"
    assert not [t for t in adverts_from(cap, "r1") if t > 5.0]
    # r2 needs its full master-down interval: 3 x 0.1 + (256 - 100) / 256 x 0.1 s after r1's last advert.
    last = max(adverts_from(cap, "r1"))
    r2_master = log_times(net, "r2", f"(VI_{VRID}) Entering MASTER STATE")
    assert len(r2_master) == 1
    assert r2_master[0] - last == pytest.approx(0.3609375, abs=0.5e-3)
    net.run_until(40.0)
    # FAULT -> BACKUP when the link returns; never straight to MASTER.
    backup = log_times(net, "r1", f"(VI_{VRID}) Entering BACKUP STATE (init)")
    assert len(backup) == 2 and 15.0039 <= backup[1] <= 15.0062
    r1_master = log_times(net, "r1", f"(VI_{VRID}) Entering MASTER STATE")
    if preempt is False:
        assert len(r1_master) == 1  # only the start-up one: nopreempt stays BACKUP
        assert (r1.carp_state(0), r2.carp_state(0)) == ("BACKUP", "MASTER")
        return
    # Preempt: the lower master's adverts are discarded; takeover at r1's own master-down timer.
    assert len(r1_master) == 2
    assert r1_master[1] - backup[1] == pytest.approx(3 * 0.1 + 106 / 256 * 0.1, abs=1e-9)
    assert (r1.carp_state(0), r2.carp_state(0)) == ("MASTER", "BACKUP")
    # Takeover GARPs: a burst of 5 at once and one 5 s later, from the vMAC, target ff:ff:ff:ff:ff:ff.
    g = [x for x in garps(cap) if x[0] > 15.0]
    t0 = r1_master[1]
    first = [x for x in g if t0 <= x[0] < t0 + 0.001]
    second = [x for x in g if t0 + 5.0 <= x[0] < t0 + 5.001]
    assert len(first) == 5 and len(second) == 5
    for _, src, sender, target in first + second:
        assert src == mac_bytes(VMAC) and sender == mac_bytes(VMAC) and target == BCAST


def test_without_use_vmac_garps_come_from_the_physical_mac():
    net, cap = lan(use_vmac=False)
    net.run_until(6.0)
    g = garps(cap)
    assert len(g) == 10  # start-up burst and its repeat
    for _, src, sender, target in g:
        assert src == mac_bytes(MAC["r1"]) and sender == mac_bytes(MAC["r1"]) and target == BCAST


def test_two_triggers_give_two_repeat_bursts():
    # r1 -> r2 adverts lost long enough for r2 to take over: r1 answers each of r2's adverts
    # ("forcing new election") while its answers are lost too; every answer schedules its own repeat.
    net, cap = lan()
    net.add_fault("r1:eth0", direction="r1", start=3.0, end=3.58, match="carp")
    net.run_until(12.0)
    answers = [t for t, s in net.host("r1").log if "forcing new election" in s]
    assert len(answers) >= 2
    g = garps(cap)
    for t in answers:
        assert len([x for x in g if t < x[0] < t + 0.001]) == 5, t
        repeat = [x for x in g if t + 5.0 <= x[0] < t + 5.001]
        assert len(repeat) == 5, t  # one repeat burst per trigger, none replaced by a later one
    # A master answering a lower advert re-arms its timer from that answer: never two adverts at once.
    a = adverts_from(cap, "r1")
    assert all(b - x > 0.05 for x, b in zip(a, a[1:]))


def test_answer_waits_the_processing_delay():
    net, cap = lan(processing_delay="300us")
    net.add_fault("r1:eth0", direction="r1", start=3.0, end=3.5, match="carp")
    net.run_until(5.0)
    r2_ads = adverts_from(cap, "r2")
    answers = [t for t, s in net.host("r1").log if "forcing new election" in s]
    assert answers
    # r2's advert reaches the client and r1 at the same time (same link latency): r1 answers 0.3 ms later.
    assert min(abs(answers[0] - 0.0003 - t) for t in r2_ads) < 1e-9


def test_frozen_master_answers_queued_adverts_on_resume():
    net, cap = lan()
    net.run_until(5.0)
    r1, r2 = net.host("r1"), net.host("r2")
    r1.carp_freeze(0, True)
    net.run_until(7.0)
    assert (r1.carp_state(0), r2.carp_state(0)) == ("MASTER", "MASTER")  # the VIP stays on r1
    assert not [t for t in adverts_from(cap, "r1") if t > 5.0]
    queued = len([t for t in adverts_from(cap, "r2") if t > 5.0])
    assert queued >= 10
    r1.carp_freeze(0, False)
    net.run_until(7.01)
    answers = [t for t, s in r1.log if "forcing new election" in s]
    assert len(answers) == queued
    assert r2.carp_state(0) == "BACKUP"
    back = log_times(net, "r2", f"(VI_{VRID}) Entering BACKUP STATE")
    assert back and 7.0 < back[-1] < 7.001


def test_vrrp_timers_are_exact_and_carp_follows_kern_hz():
    net = sim.Network()
    net.add_switch("sw", [sim.PortConfig("a"), sim.PortConfig("b"), sim.PortConfig("c")], profile="linux-bridge")
    for n, (os_, prof) in {"a": ("freebsd-9.3", "vrrp-v2"), "b": ("freebsd-9.3", "freebsd-9.3"),
                           "c": ("linux", "freebsd-9.3")}.items():
        h = net.add_host(n, os=os_)
        h.add_nic("em0", f"02:00:00:00:00:0{ord(n) - 96}")
        h.add_address("em0", f"10.{ord(n)}.0.1/24")
        h.capture("em0")
        h.add_carp("em0", 1, profile=prof, vips4=[f"10.{ord(n)}.0.254"])
        net.connect(f"{n}:em0", f"sw:{n}")
    net.run_until(12.0)

    def period(n):
        t = [t for t, out, f in net.host(n).capture("em0").records() if out and len(f) > 23 and f[23] == 112]
        return t[-1] - t[-2]
    assert period("a") == pytest.approx(1.000, abs=1e-9)  # VRRP on a default (hz=1000) host: no tick rounding
    assert period("b") == pytest.approx(1.001, abs=1e-9)  # CARP in the FreeBSD kernel: tvtohz
    assert period("c") == pytest.approx(1.000, abs=1e-9)  # os: linux implies exact timers


def test_set_iface_up_reaches_the_instance_and_keeps_carrier():
    net, cap = lan()
    net.run_until(2.0)
    r1 = net.host("r1")
    r1.set_iface_up("eth0", False)
    net.run_until(2.1)
    assert r1.carp_state(0) == "FAULT"
    # The bridge still sees link on r1's port: no carrier change was reported.
    assert not [e for e in net.switch_events("") if e.get("kind") == "link_down"]
    r1.set_iface_up("eth0", True)
    net.run_until(2.2)
    assert r1.carp_state(0) == "BACKUP"
    assert "drops carrier" not in r1.set_iface_up.__doc__ and "carrier" in r1.set_iface_up.__doc__


def test_settings_use_config_names_with_strict_values():
    net, _ = lan()
    h = net.host("client")
    names = sim.carp_settings()
    for n in ("vips4", "vips6", "preempt", "use_vmac", "adver_int_cs", "initial_state", "processing_delay",
              "timer_overhead", "senderr_demotion", "priority", "advbase", "advskew"):
        assert n in names
    assert "vip" not in names and "send_error_demotion" not in names
    with pytest.raises(TypeError, match="add_carp\\(\\) got an unexpected keyword argument 'vip'.*vips4"):
        h.add_carp("eth0", 9, vip=[VIP])
    with pytest.raises(TypeError, match="preempt: expected True or False"):
        h.add_carp("eth0", 9, profile="vrrp-v2", preempt=1, vips4=[VIP])
    with pytest.raises(ValueError, match="adver_int_cs: 4096 out of range: expected an integer from 1 to 4095"):
        h.add_carp("eth0", 9, profile="vrrp-v3", adver_int_cs=4096, vips4=[VIP])
    with pytest.raises(ValueError, match="priority: 1180591620717411303424 out of range"):
        h.add_carp("eth0", 9, profile="vrrp-v2", priority=2**70, vips4=[VIP])
    with pytest.raises(ValueError, match="initial_state 'fault'"):
        h.add_carp("eth0", 9, profile="vrrp-v2", initial_state="fault", vips4=[VIP])
    assert h.carp_count == 0


def test_initial_state_master_rfc_flavour_takes_over_at_once():
    net, cap = lan(profile="vrrp-v2", flavor="rfc", initial_state="master")
    net.run_until(0.5)
    # Both start MASTER (vrrpd's state_init); r2 steps down on r1's higher-priority advert.
    assert len(log_times(net, "r1", f"(VI_{VRID}) Entering MASTER STATE")) == 1
    assert log_times(net, "r1", f"(VI_{VRID}) Entering MASTER STATE")[0] == 0.0
    assert net.host("r2").carp_state(0) == "BACKUP"


TOPO = """\
seed: 5
hosts:
  r1:
    os: linux
    nics: {eth0: "52:54:00:00:00:01"}
    addresses: {eth0: 10.0.0.1/24}
    carp: [{iface: eth0, vhid: 51, profile: vrrp-v3, priority: 150, adver_int_cs: 10, vips4: [10.0.0.254],
            use_vmac: true, preempt: false}]
  r2:
    os: linux
    nics: {eth0: "52:54:00:00:00:02"}
    addresses: {eth0: 10.0.0.2/24}
    carp: [{iface: eth0, vhid: 51, profile: vrrp-v3, priority: 100, adver_int_cs: 10, vip: 10.0.0.254,
            use_vmac: true, preempt: false, processing_delay: 200us}]
switches:
  sw: {profile: linux-bridge, ports: [{name: r1}, {name: r2}]}
links:
  - [r1:eth0, sw:r1]
  - [r2:eth0, sw:r2]
events:
  - {at: 5s, link_down: r1:eth0}
  - {at: 15s, link_up: r1:eth0}
  - {at: 20s, host: r2, carp_freeze: 0, duration: 1s}
  - {at: 25s, host: r2, iface_down: eth0}
"""


def test_topology_file_expresses_the_scenario(tmp_path):
    f = tmp_path / "k.yaml"
    f.write_text(TOPO)
    net, _ = topology.load(str(f))
    net.run_until(14.0)
    assert net.host("r1").carp_state(0) == "FAULT"
    net.run_until(19.0)
    assert (net.host("r1").carp_state(0), net.host("r2").carp_state(0)) == ("BACKUP", "MASTER")  # nopreempt
    net.run_until(20.9)
    assert net.host("r1").carp_state(0) == "MASTER"  # r2 frozen: r1 took over
    net.run_until(21.1)
    assert net.host("r2").carp_state(0) == "BACKUP"  # r2 resumed and heard the higher priority
    net.run_until(26.0)
    assert net.host("r2").carp_state(0) == "FAULT"


@pytest.mark.parametrize("bad, needle", [
    ("use_vmac: 1", "use_vmac: expected True or False"),
    ("nopreempt: true", "unknown key 'nopreempt'"),
    ("vip: 10.0.0.254, vips4: [10.0.0.254]", "both vip and vips4 given"),
])
def test_topology_carp_errors_name_the_field(tmp_path, bad, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(f"""\
hosts:
  r1:
    nics: {{eth0: "52:54:00:00:00:01"}}
    addresses: {{eth0: 10.0.0.1/24}}
    carp: [{{iface: eth0, vhid: 51, profile: vrrp-v2, {bad}}}]
""")
    with pytest.raises(ValueError, match=needle):
        topology.load(str(f))
