"""Batch calls on every core (threads=), Lag shared between Python threads, Ctrl-C during batches."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import fwd
import fwd.hash
import fwd.lag
import fwd.net
from conftest import BUILD_PY

N = 150_000  # > 4 threads x the per-thread minimum, so every thread count really splits


def random_frames(n, seed=7):
    """n TCP/UDP IPv4 frames with random MACs, addresses and ports -> (frames, lengths)."""
    rng = np.random.default_rng(seed)
    flows = np.zeros(n, dtype=fwd.net.FLOW_DTYPE)
    flows["src_mac"] = rng.integers(0, 2**47, size=n) * 2  # unicast
    flows["dst_mac"] = rng.integers(0, 2**47, size=n) * 2
    flows["vlan"] = -1
    flows["ip_version"] = 4
    flows["ip_proto"] = rng.choice([6, 17], size=n)
    flows["src_port"] = rng.integers(0, 65536, size=n)
    flows["dst_port"] = rng.integers(0, 65536, size=n)
    flows["src_ip"][:, :4] = rng.integers(0, 256, size=(n, 4))
    flows["dst_ip"][:, :4] = rng.integers(0, 256, size=(n, 4))
    return fwd.net.frames_from_flows(flows)


@pytest.fixture(scope="module")
def frames():
    return random_frames(N)


POLICIES = ["linux-6.12:layer3+4", "freebsd-9.3:l2,l3,l4;key=0x1234", "ovs-3.1:balance-tcp",
            "vendor:5tuple;function=crc16", "bmv2:crc32", "toeplitz:ipv4_tcp"]


@pytest.mark.parametrize("spec", POLICIES)
def test_policy_batches_identical_for_any_thread_count(spec, frames):
    f, lengths = frames
    p = fwd.hash.Policy(spec)
    if p.takes_raw_input:
        lengths = None
    h1 = p.hash_batch(f, lengths)
    i1 = p.index_batch(f, 5, lengths)
    assert len(np.unique(h1)) > 30_000  # the frames really differ, so a misplaced row would show
    for t in (2, 3, 4, 0):
        assert np.array_equal(p.hash_batch(f, lengths, threads=t), h1), t
        assert np.array_equal(p.index_batch(f, 5, lengths, threads=t), i1), t
    # and each equals the single-frame form
    for i in (0, 1, N // 2, N - 1):
        row = bytes(f[i, : lengths[i]]) if lengths is not None else bytes(f[i])
        if not p.takes_raw_input:
            assert h1[i] == p.hash(row)


@pytest.mark.parametrize("spec", ["ovs-3.1:balance-tcp", "linux-6.12:balance-rr", "freebsd-9.3:roundrobin",
                                  "linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "vendor:resilient;size=64"])
def test_lag_select_batch_identical_for_any_thread_count(spec, frames):
    # Stateful distributors (OVS first-use buckets, round robin) included: only the hashing is split.
    f, lengths = frames
    results = []
    for t in (1, 2, 4, 0):
        lag = fwd.lag.Lag(spec, 4)
        lag.set_link(1, False)
        results.append(lag.select_batch(f, lengths, threads=t))
        # the state the batch leaves behind is the same too
        results.append(lag.select_batch(f[:1000], lengths[:1000] if lengths is not None else None, threads=t))
    for k in range(2):
        for j in range(k + 2, len(results), 2):
            assert np.array_equal(results[j], results[k]), (spec, j)
    assert (results[0] >= 0).sum() > 0


@pytest.mark.parametrize("bad,err", [(-1, ValueError), (1025, ValueError), (2**70, ValueError),
                                     (1.5, TypeError), (True, TypeError), ("2", TypeError)])
def test_threads_argument_checked(bad, err, frames):
    f, _ = frames
    p = fwd.hash.Policy("linux-6.12:layer2")
    with pytest.raises(err, match="threads"):
        p.index_batch(f[:10], 2, threads=bad)
    with pytest.raises(err, match="threads"):
        fwd.lag.Lag("linux-6.12:balance-xor", 2).select_batch(f[:10], threads=bad)


def test_lag_shared_between_threads_batches_are_atomic(frames):
    """One thread runs select_batch while another flips a member's link. With the Lag's lock held
    across the batch, every batch sees one member state from start to end: its result equals the
    all-up result or the member-down result, never a mixture."""
    f, lengths = frames
    lag = fwd.lag.Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", 3)
    all_up = lag.select_batch(f, lengths)
    lag.set_link(1, False)
    one_down = lag.select_batch(f, lengths)
    lag.set_link(1, True)
    assert not np.array_equal(all_up, one_down)
    stop = threading.Event()

    def flap():
        up = False
        while not stop.is_set():
            lag.set_link(1, up)
            up = not up

    t = threading.Thread(target=flap)
    t.start()
    try:
        seen = set()
        for _ in range(40):
            r = lag.select_batch(f, lengths)
            same_up, same_down = np.array_equal(r, all_up), np.array_equal(r, one_down)
            assert same_up or same_down, "a batch saw the member state change under it"
            seen.add(same_up)
    finally:
        stop.set()
        t.join()


def test_ovs_lag_shared_with_set_link_and_run_does_not_crash():
    """The crash of issue 11: select_batch on an ovs-3.1:balance-tcp Lag in one thread, set_link() and
    run() in another (ASan: negative-size memmove in OvsBond's enabled list: the batch rotates the
    enabled list when it assigns a bucket while set_link() erases from it). In a subprocess, so a
    crash fails this test instead of killing pytest. FWD_CRASH_PY=DIR runs the script against
    another build's package (e.g. an ASan build of an older commit, which has no threads=)."""
    script = textwrap.dedent("""
        import os, threading, numpy as np, fwd.lag
        OLD = "FWD_CRASH_PY" in os.environ
        rng = np.random.default_rng(1)
        frames = rng.integers(0, 256, size=(200_000, 64), dtype=np.uint8)
        frames[:, 12:14] = (8, 0); frames[:, 14] = 0x45; frames[:, 23] = 6
        lag = fwd.lag.Lag("ovs-3.1:balance-tcp", 4)
        stop = threading.Event()
        def control():
            t, up = 0, False
            while not stop.is_set():
                for m in range(4):
                    lag.set_link(m, up or m == 0, time_ns=t)
                t += 1_000_000_000
                lag.run(t)
                lag.bond.rebalance_now()
                up = not up
        threads = [threading.Thread(target=control) for _ in range(2)]
        for th in threads: th.start()
        total = 0
        for i in range(30):
            r = lag.select_batch(frames) if OLD else lag.select_batch(frames, threads=2 if i % 2 else 1)
            assert ((r >= -2) & (r < 4)).all()
            total += len(r)
        stop.set()
        for th in threads: th.join()
        # Fresh Lags: every batch assigns all 256 buckets (rotating the enabled list) while the
        # other thread flaps members (erasing from it).
        holder = [lag]
        stop.clear()
        def flap():
            up = False
            while not stop.is_set():
                for m in range(1, 4):
                    holder[0].set_link(m, up)
                up = not up
        th = threading.Thread(target=flap); th.start()
        for i in range(2000):
            holder[0] = fresh = fwd.lag.Lag("ovs-3.1:balance-tcp", 4)
            r = fresh.select_batch(frames[:512])
            assert ((r >= -2) & (r < 4)).all()
        stop.set(); th.join()
        print("ok", total)
    """)
    env = dict(os.environ, PYTHONPATH=os.environ.get("FWD_CRASH_PY", BUILD_PY))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr[-3000:]}"
    assert r.stdout.split() == ["ok", str(30 * 200_000)]


def interrupt_after(seconds):
    """Sends SIGINT to this process after `seconds` from another thread -> (thread, [send time])."""
    sent = []

    def fire():
        time.sleep(seconds)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    t = threading.Thread(target=fire, daemon=True)
    t.start()
    return t, sent


def absorb_late_interrupt(thread):
    """If the call finished before the signal came, take the KeyboardInterrupt here, not in pytest."""
    try:
        thread.join()
        for _ in range(200):
            time.sleep(0.001)
    except KeyboardInterrupt:
        return True
    return False


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_ctrl_c_stops_a_long_batch_within_a_second(threads, sigint_raises):
    # run_batch is what every batch call runs on; the probe's slices take 50 ms each: 200 slices
    # = 10 s / threads if nothing stopped it.
    probe = fwd._fwd.hash._run_batch_probe
    assert probe(4, threads=threads, ms_per_slice=1) == 4 * 2**20  # finishes when left alone
    thread, sent = interrupt_after(0.3)
    start = time.monotonic()
    try:
        probe(200, threads=threads, ms_per_slice=50)
        interrupted = False
    except KeyboardInterrupt:
        interrupted = True
    end = time.monotonic()
    late = absorb_late_interrupt(thread)
    assert interrupted and not late
    assert end - sent[0] < 1.0 and end - start < 2.0


def test_error_in_a_worker_thread_reaches_python():
    probe = fwd._fwd.hash._run_batch_probe
    for threads in (1, 4):
        with pytest.raises(ValueError, match="probe failure in slice 6"):
            probe(8, threads=threads, fail_slice=6)


def test_ctrl_c_during_a_real_batch_call(frames, sigint_raises):
    """A real index_batch, long enough to span many slices: SIGINT ends it with KeyboardInterrupt
    well before it would have finished."""
    f, lengths = frames
    big = np.tile(f[:, :42], (14, 1))  # 2.1 M frames up to the TCP/UDP ports, 88 MB
    p = fwd.hash.Policy("vendor:5tuple;function=crc16")
    start = time.monotonic()
    p.index_batch(big[: 2**20], 4)
    per_frame = (time.monotonic() - start) / 2**20
    thread, sent = interrupt_after(0.02)
    start = time.monotonic()
    try:
        p.index_batch(big, 4)
        finished = True
    except KeyboardInterrupt:
        finished = False
    end = time.monotonic()
    late = absorb_late_interrupt(thread)
    if finished:  # the whole batch beat the signal: only acceptable if it was that fast
        assert late and per_frame * len(big) < 0.3
    else:
        assert not late and end - sent[0] < 1.0


# ---- ECMP and path batches ----------------------------------------------------------------------

def _route_flows(n, seed=5):
    import fwd.route as r

    rng = np.random.default_rng(seed)
    src = [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, size=(n, 3))]
    return r.make_flows(src, "198.18.0.9", proto=rng.choice([6, 17], size=n).tolist(),
                        sport=rng.integers(1024, 65536, size=n).tolist(), dport=443)


ECMPS = ["linux-6.18:policy=1;seed=0x1234abcd", "linux-6.12:policy=3;fields=0x37;seed=7", "freebsd-13",
         "vendor:fields=5tuple;function=crc32-lo;seed=3"]


@pytest.mark.parametrize("spec", ECMPS)
def test_ecmp_batches_identical_for_any_thread_count(spec, frames):
    import fwd.route as r

    n = 40_000  # > 2 x the per-thread minimum: threads=2 really splits
    flows = _route_flows(n)
    nhs = [r.NextHop(f"10.{i}.0.2", f"r-v{i}", weight=1 + i % 3) for i in range(1, 7)]
    e = r.Ecmp(spec, r.PathSet(nhs))
    e.set_dead(2)
    sel, h = e.select_batch(flows, "packet"), e.hash_batch(flows, "packet")
    assert len(np.unique(h)) > n // 2 and set(np.unique(sel)) == {0, 1, 3, 4, 5}
    # raw IP packets: the frames of the LAG tests without their Ethernet header
    f, lengths = frames
    pk, pl = np.ascontiguousarray(f[:n, 14:]), (lengths[:n] - 14).astype(np.uint32)
    pkt = e.select_packets(pk, pl)
    for t in (2, 0):
        assert np.array_equal(e.select_batch(flows, "packet", threads=t), sel), t
        assert np.array_equal(e.hash_batch(flows, "packet", threads=t), h), t
        assert np.array_equal(e.select_packets(pk, pl, threads=t), pkt), t
    assert e.select_flow(*_flow_args(flows[n - 1]), lookup="packet") == sel[n - 1]


def _flow_args(row):
    import ipaddress

    src = str(ipaddress.ip_address(bytes(row["src"][:4])))
    dst = str(ipaddress.ip_address(bytes(row["dst"][:4])))
    return src, dst, int(row["proto"]), int(row["sport"]), int(row["dport"])


def test_ecmp_resilient_group_runs_in_order_whatever_threads():
    import fwd.route as r

    flows = _route_flows(40_000, seed=9)
    nhs = [r.NextHop(f"10.{i}.0.2", f"d{i}", id=i) for i in range(1, 5)]
    g1 = r.Ecmp("linux-6.18", r.PathSet(nhs, kind="resilient", num_buckets=64, idle_timer=1.0))
    g2 = g1.copy()
    assert np.array_equal(g1.select_batch(flows, "packet", time_ns=5), g2.select_batch(flows, "packet", time_ns=5, threads=2))
    assert g1.to_json() == g2.to_json()  # the same buckets marked used


def _lag_fabric(host_lag):
    """h (a bond of h0+h1, spec host_lag) -- sw (LAG port over sw0+sw1) -- s: every flow crosses
    both LAGs."""
    from fwd._fwd.path import Fabric

    f = Fabric()
    f.add_node("h", "host"), f.add_node("sw", "switch"), f.add_node("s", "sink")
    f.add_port("h", "h0", "02:00:00:00:01:00"), f.add_port("h", "h1", "02:00:00:00:01:01")
    f.add_lag("h", "bond0", host_lag, ["h0", "h1"], "02:00:00:00:01:10")
    for p in ("sw0", "sw1", "sw2"):
        f.add_port("sw", p)
    f.add_lag("sw", "swlag", "linux-6.12:802.3ad;xmit_hash_policy=layer2", ["sw0", "sw1"])
    f.add_port("s", "s0", "02:00:00:00:02:00")
    f.connect("h:h0", "sw:sw0"), f.connect("h:h1", "sw:sw1"), f.connect("sw:sw2", "s:s0")
    f.add_address("h:bond0", "10.0.0.1/24"), f.add_address("s:s0", "10.0.0.2/24")
    return f


def _same_paths(a, b):
    assert a.arrays.keys() == b.arrays.keys()
    for k in a.arrays:
        assert np.array_equal(a.arrays[k], b.arrays[k]), k


def test_path_trace_identical_for_any_thread_count():
    import fwd.path as fp
    from fwd.topology import load_fabric

    topo = os.path.join(os.path.dirname(__file__), "..", "data", "fabric", "fabric-a.yaml")
    fabric, _ = load_fabric(topo)
    for k, t2 in enumerate(("t2a", "t2b", "t2c", "t2d")):  # different seeds: all 16 sink ports in use
        fabric.set_ecmp(t2, f"linux-6.18:policy=1;seed={0x9E3779B9 + k}")
    fabric.set_admin("t2b:t2b-3", False)  # a dead next hop and a linkdown one: drops in the mix
    fabric.set_admin("s:s-c2", False)
    fr, ln = fp.generate_flows(40_000, dst="198.18.0.0/24", seed=12, dst_mac="02:00:00:00:00:01")
    one = fp.trace(fabric, fr, ln, ingress="t1:t1-cli")
    assert len(np.unique(one.arrays["end_port"])) > 10 and (one.arrays["drop"] != 0).any()
    for t in (2, 0):
        _same_paths(fp.trace(fabric, fr, ln, ingress="t1:t1-cli", threads=t), one)
    # per-flow ingress ports and receive hashes are split with their flows
    ports = np.full(len(ln), fabric.port_id("t1:t1-cli"), dtype=np.int32)
    rx = np.random.default_rng(3).integers(0, 2**32, size=(len(ln), len(fabric.node_names)), dtype=np.uint32)
    a = fp.trace(fabric, fr, ln, ingress=ports, rx_hash=rx)
    _same_paths(fp.trace(fabric, fr, ln, ingress=ports, rx_hash=rx, threads=2), a)
    assert not np.array_equal(a.arrays["end_port"], one.arrays["end_port"])  # the receive hashes were used


@pytest.mark.parametrize("host_lag,ordered", [("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", False),
                                              ("linux-6.12:balance-rr", True), ("ovs-3.1:balance-tcp", True)])
def test_path_trace_with_lags_identical_for_any_thread_count(host_lag, ordered):
    import fwd.lag
    import fwd.path as fp

    assert fwd.lag.Lag(host_lag, ["a", "b"]).order_dependent == ordered
    fr, ln = fp.generate_flows(40_000, src="10.0.0.1/32", dst="10.0.0.2/32", seed=8, dst_mac="02:00:00:00:01:10")
    f1, f2 = _lag_fabric(host_lag), _lag_fabric(host_lag)
    one = fp.trace(f1, fr, ln, ingress="h")
    assert (one.arrays["end_node"] == 2).all()
    first_hop = one.arrays["hop_port"][:, 0]
    if host_lag.endswith("balance-rr"):  # the order is the answer: h0, h1, h0, ... after the first
        assert (first_hop[1:] != first_hop[:-1]).all()
    _same_paths(fp.trace(f2, fr, ln, ingress="h", threads=2), one)
    _same_paths(fp.trace(_lag_fabric(host_lag), fr, ln, ingress="h", threads=0), one)
