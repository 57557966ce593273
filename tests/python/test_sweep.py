"""fwd.sweep / `python3 -m fwd sweep`: grids on a Dask cluster equal the serial run bit for bit, also
when a worker dies; bad grids, specs and schedulers are clear errors (exit 2), never partial results."""
import json
import os
import pickle
import signal
import time

import numpy as np
import pytest

import fwd.hash
import fwd.io
import fwd.lag
import fwd.sweep
from conftest import BUILD_PY

distributed = pytest.importorskip("distributed")

LAGS = ["linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "freebsd-9.3:lacp;lagghash=l2,l3,l4", "ovs-3.1:balance-tcp"]
FRAMES = 24_000


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    frames, lengths = fwd.sweep._flow_chunk(11, 0, FRAMES)
    fwd.io.write_pcap(str(d / "capture.pcap"), frames, lengths)
    grid = d / "grid.yaml"
    grid.write_text(
        "input: {pcap: capture.pcap}\n"
        "grid:\n"
        f"  lag: {json.dumps(LAGS)}\n"
        "  members: [2, 3, [a, b, c, d]]\n"
        "  fail: [[], [0]]\n"
        "chunk_frames: 1500\n")
    return d, frames, lengths


def test_two_worker_cluster_equals_serial_exactly(capture, fwd_cli):
    d, frames, lengths = capture
    serial = fwd_cli("sweep", str(d / "grid.yaml"), "--serial", "--json")
    assert serial.returncode == 0, serial.stderr
    cluster = fwd_cli("sweep", str(d / "grid.yaml"), "--workers", "2", "--json")
    assert cluster.returncode == 0, cluster.stderr
    assert cluster.stdout == serial.stdout  # bit for bit, floats included
    assert "tasks done" in cluster.stderr  # progress was shown

    results = json.loads(serial.stdout)["results"]
    assert len(results) == len(LAGS) * 3 * 2
    # grid order: lag slowest, fail fastest
    assert [r["params"]["lag"] for r in results[::6]] == LAGS
    assert results[1]["params"] == {"lag": LAGS[0], "members": 2, "fail": [0]}
    assert results[5]["params"]["members"] == ["a", "b", "c", "d"]
    # and the numbers are the whole capture through each LAG, not just self-consistent
    for r in results:
        names = r["params"]["members"]
        lag = fwd.lag.Lag(r["params"]["lag"], names if isinstance(names, list) else names)
        for m in r["params"]["fail"]:
            lag.set_link(m, False)
        codes = lag.select_batch(frames, lengths)
        assert r["frames"] == FRAMES
        assert r["per_member"] == np.bincount(codes[codes >= 0], minlength=len(lag)).tolist(), r["params"]
        live = len(lag) - len(r["params"]["fail"])
        assert r["imbalance"] == pytest.approx(max(r["per_member"]) * live / sum(r["per_member"]))


def _cluster(n):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=50)
    return cluster, Client(cluster)


@pytest.mark.parametrize("kill_after", [1, 12])
def test_worker_killed_mid_sweep_still_exact(capture, monkeypatch, kill_after):
    """SIGKILL one of two workers after `kill_after` finished tasks (early: while it holds chunk
    data; later: mid-stream): the sweep resubmits what the dead worker had and equals the serial run."""
    d, _, _ = capture
    monkeypatch.setenv("PYTHONPATH", BUILD_PY)  # the spawned workers import fwd from the build tree
    grid = fwd.sweep.load_grid(str(d / "grid.yaml"))
    expected = fwd.sweep.sweep(grid, serial=True, progress=None)

    cluster, client = _cluster(2)
    with cluster, client:
        pids = client.run(os.getpid)  # worker address -> pid
        killed = []
        done = [0]

        def kill_one_worker():
            done[0] += 1
            if done[0] == kill_after and not killed:
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        start = time.monotonic()
        # A stall would be resubmitted after 20 s, not waited out: the test fails on time instead.
        got = fwd.sweep.sweep(grid, client=client, progress=None, on_task_done=kill_one_worker,
                              stall_timeout=20, retries=2)
        elapsed = time.monotonic() - start
        assert killed, "no worker was killed: the test did not test anything"
        with pytest.raises(ProcessLookupError):
            os.kill(killed[0], 0)
        # every (task, chunk) result was counted exactly once, resubmissions included
        streams = sum(j.ordered for j in grid.jobs)
        chunked = len({j.task() for j in grid.jobs if not j.ordered})
        assert done[0] == streams + chunked * -(-FRAMES // 1500)
    assert got == expected
    assert elapsed < 20, f"recovery took {elapsed:.1f} s: the loss was waited out, not detected"


def test_all_workers_gone_is_a_clear_error_not_a_hang(capture, monkeypatch):
    d, _, _ = capture
    monkeypatch.setenv("PYTHONPATH", BUILD_PY)
    grid = fwd.sweep.load_grid(str(d / "grid.yaml"))
    cluster, client = _cluster(1)
    with cluster, client:
        retired = []

        def retire_everyone():  # the cluster shrinks to nothing mid-sweep (and stays so: no nanny restart)
            if not retired:
                cluster.scale(0)
                retired.append(True)

        start = time.monotonic()
        with pytest.raises(fwd.sweep.SweepError, match="no workers for 3 s"):
            fwd.sweep.sweep(grid, client=client, progress=None, on_task_done=retire_everyone, worker_timeout=3)
        assert retired and time.monotonic() - start < 30


def test_a_failing_task_is_retried_then_named(capture, monkeypatch, tmp_path):
    """The OVS jobs stream the capture on the workers: with the capture gone after the grid was
    checked, those tasks fail on every attempt; the sweep names the task, never returns partial results."""
    d, _, _ = capture
    monkeypatch.setenv("PYTHONPATH", BUILD_PY)
    (tmp_path / "capture.pcap").write_bytes((d / "capture.pcap").read_bytes())
    (tmp_path / "g.yaml").write_text("input: {pcap: capture.pcap}\ngrid:\n  lag: ['ovs-3.1:balance-tcp']\n"
                                     "  members: [2]\n")
    grid = fwd.sweep.load_grid(str(tmp_path / "g.yaml"))
    os.remove(tmp_path / "capture.pcap")
    cluster, client = _cluster(1)
    with cluster, client:
        with pytest.raises(fwd.sweep.SweepError, match=r"task 'ovs-3.1:balance-tcp' \(whole input\) failed 3 times"):
            fwd.sweep.sweep(grid, client=client, progress=None, retries=2)


def test_policy_grid_and_generated_flows(tmp_path, fwd_cli):
    (tmp_path / "g.yaml").write_text(
        "input: {flows: {count: 5000, seed: 3}}\n"
        "grid:\n"
        "  policy: ['linux-6.12:layer3+4', 'toeplitz:ipv4_tcp']\n"
        "  members: [2, 5]\n"
        "chunk_frames: 1024\n")
    r = fwd_cli("sweep", str(tmp_path / "g.yaml"), "--serial", "--json")
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)["results"]
    frames = [fwd.sweep._flow_chunk(3, i, n) for i, n in enumerate([1024] * 4 + [904])]
    for res in results:
        p = fwd.hash.Policy(res["params"]["policy"])
        n = res["params"]["members"]
        want = sum(np.bincount(p.index_batch(f, n, l), minlength=n) for f, l in frames)
        assert res["per_member"] == want.tolist() and res["frames"] == 5000


@pytest.mark.parametrize("text,line,message", [
    ("input: {pcap: capture.pcap}\ngrid:\n  lag: ['linux-6.12:balance-xor']\n  memberz: [2]\n", 4,
     "unknown grid key 'memberz'"),
    ("input: {pcap: capture.pcap}\ngrid:\n  lag:\n    - 'linux-6.12:balance-xor'\n    - 'linux-6.12:bogus'\n"
     "  members: [2]\n", 5, "invalid lag spec 'linux-6.12:bogus'"),
    ("input: {pcap: capture.pcap}\ngrid:\n  lag: ['linux-6.12:balance-xor']\n  members: [2, 0]\n", 4,
     "members=0"),
    ("input: {pcap: capture.pcap}\ngrid:\n  lag: ['linux-6.12:balance-xor']\n  members: [2]\n  fail: [[5]]\n",
     5, "fail index 5 out of range"),
    ("input: {pcap: missing.pcap}\ngrid:\n  lag: ['linux-6.12:balance-xor']\n  members: [2]\n", 1,
     "capture 'missing.pcap' not found"),
    ("input: {pcap: capture.pcap}\nextra: 1\ngrid:\n  lag: ['linux-6.12:balance-xor']\n  members: [2]\n", 2,
     "unknown key 'extra'"),
    ("input: {pcap: capture.pcap}\ngrid: [\n", 3, "not valid YAML"),
])
def test_bad_grid_files_name_file_and_line(capture, fwd_cli, text, line, message):
    d, _, _ = capture
    path = d / "bad.yaml"
    path.write_text(text)
    r = fwd_cli("sweep", str(path), "--workers", "2", "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert f"error: {path}:{line}: " in r.stderr and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_unreachable_scheduler_is_a_clear_error_quickly(capture, fwd_cli):
    d, _, _ = capture
    start = time.monotonic()
    r = fwd_cli("sweep", str(d / "grid.yaml"), "--scheduler", "tcp://127.0.0.1:9", "--timeout", "2", "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.stderr
    assert time.monotonic() - start < 30


def test_failing_task_is_an_error_not_a_partial_result(capture, tmp_path):
    d, _, _ = capture
    grid = fwd.sweep.load_grid(str(d / "grid.yaml"))
    # The OVS jobs stream the capture on the workers: a capture gone after the grid was checked
    # fails those tasks (after their retries) and the sweep raises instead of returning.
    moved = tmp_path / "gone.pcap"
    os.rename(d / "capture.pcap", moved)
    try:
        with pytest.raises((fwd.sweep.SweepError, OSError)):
            fwd.sweep.sweep(grid, serial=True, progress=None)
    finally:
        os.rename(moved, d / "capture.pcap")


def test_config_objects_pickle():
    p = fwd.hash.Policy("freebsd-9.3:l2,l3;key=0x1234")
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q.spec == p.spec
    lag = fwd.lag.Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", ["a", "b", "c"])
    lag.set_link("b", False)
    lag.set_state("c", speed_mbps=10000)
    copy = pickle.loads(pickle.dumps(lag))
    assert copy.spec == lag.spec and copy.members == lag.members
    assert [copy.state(m) for m in "abc"] == [lag.state(m) for m in "abc"]
    frames, lengths = fwd.sweep._flow_chunk(1, 0, 2000)
    assert np.array_equal(copy.select_batch(frames, lengths), lag.select_batch(frames, lengths))


def test_plot_and_argument_errors(capture, fwd_cli, tmp_path):
    d, _, _ = capture
    png = tmp_path / "imbalance.png"
    r = fwd_cli("sweep", str(d / "grid.yaml"), "--serial", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "imbalance=" in r.stdout and "per_member=" in r.stdout
    r = fwd_cli("sweep", str(d / "grid.yaml"), "--serial", "--workers", "2")
    assert r.returncode == 2 and "--workers sizes a local cluster" in r.stderr
    r = fwd_cli("sweep", str(d / "grid.yaml"), "--workers", "0")
    assert r.returncode == 2 and "--workers 0: expected 1..1024" in r.stderr
