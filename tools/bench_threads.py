#!/usr/bin/python3
"""Benchmark: how the batch calls scale with threads= (1, 2, 4, ...).

For each call (Policy.index_batch / hash_batch, Lag.select_batch, Ecmp.select_batch / hash_batch,
Fabric.trace over tests/data/fabric/fabric-a.yaml) and thread count: the best of
`--repeat` wall times over the same frames (random IPv4 TCP/UDP flows in 64-byte rows), M frames/s
and the speedup over one thread in the same run. Every multi-threaded result is checked against the
one-thread result first (identical, or the script exits 1).

    PYTHONPATH=BUILD/python /usr/bin/python3 tools/bench_threads.py [--frames N] [--threads 1,2,4] [--json]

The machine this runs on matters more than usual: os.cpu_count() is printed beside the table,
threads beyond the core count can only add overhead, and each cell shows the cores the process
actually got (CPU time / wall time): on a shared, busy machine that, not threads=, is the limit.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

import fwd.hash
import fwd.lag
import fwd.net


def make_frames(n, seed=1):
    rng = np.random.default_rng(seed)
    flows = np.zeros(n, dtype=fwd.net.FLOW_DTYPE)
    flows["src_mac"] = rng.integers(0, 2**47, size=n) * 2
    flows["dst_mac"] = rng.integers(0, 2**47, size=n) * 2
    flows["vlan"] = -1
    flows["ip_version"] = 4
    flows["ip_proto"] = rng.choice([6, 17], size=n)
    flows["src_port"] = rng.integers(0, 65536, size=n)
    flows["dst_port"] = rng.integers(0, 65536, size=n)
    flows["src_ip"][:, :4] = rng.integers(0, 256, size=(n, 4))
    flows["dst_ip"][:, :4] = rng.integers(0, 256, size=(n, 4))
    return fwd.net.frames_from_flows(flows)


def cases(frames, lengths):
    def policy(spec, call):
        p = fwd.hash.Policy(spec)
        if call == "index_batch":
            return f"Policy('{spec}').index_batch", lambda t: p.index_batch(frames, 4, lengths, threads=t)
        return f"Policy('{spec}').hash_batch", lambda t: p.hash_batch(frames, lengths, threads=t)

    def lag(spec):
        def run(t):
            return fwd.lag.Lag(spec, 4).select_batch(frames, lengths, threads=t)  # fresh state each time
        return f"Lag('{spec}').select_batch", run

    def ecmp(spec, call):
        import fwd.route as r

        e = r.Ecmp(spec, r.PathSet([r.NextHop(f"10.{i}.0.2", f"d{i}") for i in range(1, 9)]))
        flows = ecmp_flows(len(lengths))
        if call == "select_batch":
            return f"Ecmp('{spec}').select_batch", lambda t: e.select_batch(flows, "packet", threads=t)
        return f"Ecmp('{spec}').hash_batch", lambda t: e.hash_batch(flows, "packet", threads=t)

    def trace():
        import fwd.path as fp
        from fwd.topology import load_fabric

        here = os.path.dirname(os.path.abspath(__file__))
        fabric, _ = load_fabric(os.path.join(here, "..", "tests", "data", "fabric", "fabric-a.yaml"))
        for k, t2 in enumerate(("t2a", "t2b", "t2c", "t2d")):
            fabric.set_ecmp(t2, f"linux-6.18:policy=1;seed={0x9E3779B9 + k}")
        fr, ln = fp.generate_flows(len(lengths), dst="198.18.0.0/24", seed=2, dst_mac="02:00:00:00:00:01")
        return ("Fabric('fabric-a').trace (3 hops)",
                lambda t: fabric.trace(fr, ln, "t1:t1-cli", 8, None, threads=t)["end_port"])

    return [policy("linux-6.12:layer3+4", "index_batch"), policy("freebsd-fnv:l2,l3,l4", "index_batch"),
            policy("vendor:5tuple;function=crc16", "hash_batch"), policy("toeplitz:ipv4_tcp", "hash_batch"),
            lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4"), lag("ovs-3.1:balance-tcp"),
            ecmp("linux-6.18:policy=1;seed=0x1234abcd", "select_batch"), ecmp("freebsd-13", "hash_batch"), trace()]


def ecmp_flows(n, seed=3):
    """n IPv4 TCP/UDP flows as fwd.route flow rows (random sources and ports, one destination)."""
    import fwd.route as r

    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, size=(n, 3))
    src = [f"10.{x}.{y}.{z}" for x, y, z in a]
    return r.make_flows(src, "198.18.0.9", proto=rng.choice([6, 17], size=n).tolist(),
                        sport=rng.integers(1024, 65536, size=n).tolist(), dport=443)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=2_000_000)
    ap.add_argument("--threads", default="1,2,4")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    counts = [int(x) for x in a.threads.split(",")]
    frames, lengths = make_frames(a.frames)
    rows = []
    for name, run in cases(frames, lengths):
        reference = run(1)
        row = {"call": name, "frames": a.frames, "per_threads": {}}
        for t in counts:
            if not np.array_equal(run(t), reference):
                print(f"{name}: threads={t} differs from threads=1", file=sys.stderr)
                return 1
            best, cpu = min(timed(run, t) for _ in range(a.repeat))
            # cpu / wall: the cores this process really got (< threads on a busy machine).
            row["per_threads"][t] = {"seconds": best, "mframes_per_s": a.frames / best / 1e6,
                                     "cores_used": cpu / best}
        base = row["per_threads"][counts[0]]["seconds"]
        for t in counts:
            row["per_threads"][t]["speedup"] = base / row["per_threads"][t]["seconds"]
        rows.append(row)
    if a.json:
        print(json.dumps({"cpus": os.cpu_count(), "results": rows}, indent=2))
        return 0
    print(f"{a.frames} frames of 64 bytes, best of {a.repeat}, os.cpu_count() = {os.cpu_count()}")
    print("| call | " + " | ".join(f"threads={t}" for t in counts) + " |")
    print("|---|" + "---|" * len(counts))
    for r in rows:
        cells = [f"{r['per_threads'][t]['mframes_per_s']:.0f} M/s ({r['per_threads'][t]['speedup']:.2f}x, "
                 f"{r['per_threads'][t]['cores_used']:.1f} cores)" for t in counts]
        print(f"| `{r['call']}` | " + " | ".join(cells) + " |")
    return 0


def timed(run, t):
    """(wall seconds, process CPU seconds) of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    run(t)
    return time.perf_counter() - start, time.process_time() - cpu


if __name__ == "__main__":
    sys.exit(main())
