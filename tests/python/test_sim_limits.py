"""fwd.sim under hostile input (issue 11): storms stop with a clear error, long runs can be
interrupted and let other threads run, copies and EADDRNOTAVAIL are counted."""
import os
import signal
import threading
import time

import pytest

sim = pytest.importorskip("fwd.sim")


def loop_of_four(max_frames=None):
    net = sim.Network(max_frames=max_frames) if max_frames is not None else sim.Network()
    for i in range(4):
        net.add_switch(f"sw{i}", [sim.PortConfig(n) for n in ("l0", "l1", "r0", "r1", "h")], profile="vendor")
    for i in range(4):
        for k in "01":
            net.connect(f"sw{i}:r{k}", f"sw{(i + 1) % 4}:l{k}")
    h = net.add_host("h0")
    h.add_nic("em0", "02:00:00:00:00:01")
    net.connect("h0:em0", "sw0:h")
    net.send_frame_at(0.001, "h0", "em0", bytes.fromhex("ffffffffffff02000000000188b5") + bytes(46))
    return net


def test_switch_loop_stops_with_a_storm_error_naming_the_links():
    net = loop_of_four()
    with pytest.raises(ValueError, match=r"broadcast storm.*max_frames=262144.*busiest links: .*sw\d:[lr]\d -> sw\d"):
        net.run_until(10.0)
    with pytest.raises(ValueError, match="max_frames: expected an integer"):
        sim.Network(max_frames=1.5)


def busy_network():
    """Two hosts pinging each other every microsecond: about two million events per simulated second."""
    net = sim.Network()
    a = net.add_host("a", hz=0)
    b = net.add_host("b", hz=0)
    a.add_nic("em0", "02:00:00:00:00:0a")
    b.add_nic("em0", "02:00:00:00:00:0b")
    a.add_address("em0", "10.0.0.1/24")
    b.add_address("em0", "10.0.0.2/24")
    net.connect("a:em0", "b:em0", latency="1us")
    a.ping_flood("10.0.0.2", count=4_000_000_000, interval="1us", wake="1us")
    return net


def test_ctrl_c_interrupts_run_until_within_a_second(sigint_raises):
    net = busy_network()
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            net.run_until("9e6s")
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 1.5  # the signal at 0.5 s, raised within a second
    # The network stopped where it was and runs on.
    before = net.now
    net.run_for("1ms")
    assert net.now == pytest.approx(before + 0.001)


def test_run_until_releases_the_gil():
    net = busy_network()
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.0005)
    th = threading.Thread(target=count)
    th.start()
    time.sleep(0.05)
    before = ticks[0]
    net.run_until(1.5)
    during = ticks[0] - before
    stop.set()
    th.join()
    # Holding the GIL for the whole call would leave the other thread at 0 (at most 1) ticks.
    assert during > 5


def test_tcp_ephemeral_ports_exhausted_is_counted():
    net = sim.Network()
    a = net.add_host("a")
    a.add_nic("em0", "02:00:00:00:00:0a")
    a.add_address("em0", "10.0.0.1/24")
    b = net.add_host("b")
    b.add_nic("em0", "02:00:00:00:00:0b")
    net.connect("a:em0", "b:em0")
    a.tcp_connects("10.0.0.77", rate=1e6, until=0.07)
    net.run_until(0.08)
    assert len(a.tcp_result(0)) == 55536
    assert a.tcp_addr_unavailable(0) == 70000 - 55536


def test_uncabled_switch_port_copies_are_accounted():
    net = sim.Network()
    net.add_switch("sw", [sim.PortConfig(p) for p in ("p0", "p1", "p2")], profile="linux-bridge")
    h = net.add_host("h0")
    h.add_nic("em0", "02:00:00:00:00:01")
    net.connect("h0:em0", "sw:p0")
    net.send_frame_at(0.001, "h0", "em0", bytes.fromhex("ffffffffffff02000000000188b5") + bytes(46))
    net.run_until(0.01)
    acc = net.accounting()
    assert acc["switch_copies"] == 2 and acc["switch_copies_unlinked"] == 2 and acc["switch_copies_linked"] == 0
    assert acc["balanced"]
    assert "2 to ports with no cable" in acc["text"]


def test_callbacks_run_and_are_released_safely_while_the_gil_is_released():
    # run_until releases the GIL; each scheduled callback must still be called, and dropped, with it
    # (dropping a Python reference without the GIL crashed the seed command).
    net = busy_network()
    seen = []
    for k in range(2000):
        payload = [k] * 10  # a closure object freed when the action is destroyed
        net.at(0.0001 * (k + 1), lambda n, p=payload: seen.append((n.now, p[0])))
    net.run_until(0.3)
    assert [k for _, k in seen] == list(range(2000))

    def boom(n):
        raise RuntimeError("from a callback")
    net.at(0.31, boom)
    with pytest.raises(RuntimeError, match="from a callback"):
        net.run_until(0.4)


def test_absurd_connection_rates_are_refused_with_a_clear_error():
    from conftest import run_fwd
    p = run_fwd("seed", "--conn-rate", "1e9", "--no-real-ip")
    assert p.returncode == 2 and "--conn-rate: 1000000000.0 out of range" in p.stderr
    assert "Traceback" not in p.stderr
    net = sim.Network()
    a = net.add_host("a")
    a.add_nic("em0", "02:00:00:00:00:0a")
    a.add_address("em0", "10.0.0.1/24")
    with pytest.raises(ValueError, match="above 1e6/s"):
        a.tcp_connects("10.0.0.2", rate=1e9)


STORM = """\
max_frames: 5000
hosts:
  h0:
    nics: {em0: "02:00:00:00:00:01"}
switches:
  sw0: {profile: vendor, ports: [{name: a0}, {name: a1}, {name: b0}, {name: h}]}
  sw1: {profile: vendor, ports: [{name: a0}, {name: a1}, {name: b0}]}
links:
  - [sw0:a0, sw1:a0]
  - [sw0:a1, sw1:a1]
  - [sw0:b0, sw1:b0]
  - [h0:em0, sw0:h]
events:
  - {at: 1ms, host: h0, send: {iface: em0, frame: "ffffffffffff02000000000188b5%s"}}
""" % ("00" * 46)


def test_topology_storm_stops_with_exit_2_and_the_loop_named(tmp_path):
    from conftest import run_fwd
    f = tmp_path / "storm.yaml"
    f.write_text(STORM)
    p = run_fwd("sim", str(f), "--until", "10s")
    assert p.returncode == 2, p.stderr
    assert "broadcast storm" in p.stderr and "max_frames=5000" in p.stderr
    assert "sw0:a0 -> sw1:a0" in p.stderr or "sw1:a0 -> sw0:a0" in p.stderr
    f.write_text(STORM.replace("max_frames: 5000", "max_frames: -1"))
    p = run_fwd("sim", str(f))
    assert p.returncode == 2 and "max_frames: -1 is out of range" in p.stderr
