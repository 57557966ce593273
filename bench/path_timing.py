"""1 M flows through a three-tier fabric from Python: the time of fwd.path trace (one core).

    PYTHONPATH=BUILD/python python3 bench/path_timing.py [--flows N] [--repeat R] [--seeds same|different]

Fabric: client -> t1 (4-way multipath) -> t2a..t2d (4-way each) -> t3 routers (16, 2-way each)
-> sink (32 ports); IPv4 TCP/UDP flows, policy 1. Prints the best of R runs and flows/s.
"""
import argparse
import time

import fwd.path as fp


def three_tier(seeds="different"):
    f = fp.Fabric()
    f.add_node("c", "host")
    f.add_node("t1", "router")
    f.add_node("s", "host")
    f.add_port("c", "c-t1", "02:00:00:00:00:02")
    f.add_port("t1", "t1-cli", "02:00:00:00:00:01")
    f.connect("c:c-t1", "t1:t1-cli")
    f.add_address("t1:t1-cli", "10.0.0.1/24")
    f.add_local("s", "198.18.0.0/16")
    seed = iter(range(1, 100)) if seeds == "different" else None

    def spec():
        return f"linux-6.18:policy=1;seed={next(seed) * 0x9e3779b9 % 2**32 if seed else 0x1234abcd:#x}"
    t1_hops = []
    sink_port = 0
    for i in range(4):
        t2 = f"t2{'abcd'[i]}"
        f.add_node(t2, "router")
        f.add_port("t1", f"t1-{i}")
        f.add_port(t2, f"{t2}-up")
        f.connect(f"t1:t1-{i}", f"{t2}:{t2}-up")
        f.add_address(f"t1:t1-{i}", f"10.1.{i}.1/24")
        f.add_address(f"{t2}:{t2}-up", f"10.1.{i}.2/24")
        t1_hops.append((f"10.1.{i}.2", f"t1-{i}"))
        t2_hops = []
        for j in range(4):
            t3 = f"t3-{i}{j}"
            f.add_node(t3, "router")
            f.add_port(t2, f"{t2}-{j}")
            f.add_port(t3, f"{t3}-up")
            f.connect(f"{t2}:{t2}-{j}", f"{t3}:{t3}-up")
            f.add_address(f"{t2}:{t2}-{j}", f"10.2.{i * 4 + j}.1/24")
            f.add_address(f"{t3}:{t3}-up", f"10.2.{i * 4 + j}.2/24")
            t2_hops.append((f"10.2.{i * 4 + j}.2", f"{t2}-{j}"))
            t3_hops = []
            for k in range(2):
                f.add_port(t3, f"{t3}-{k}")
                f.add_port("s", f"s-{sink_port}")
                f.connect(f"{t3}:{t3}-{k}", f"s:s-{sink_port}")
                f.add_address(f"{t3}:{t3}-{k}", f"10.3.{sink_port}.1/24")
                f.add_address(f"s:s-{sink_port}", f"10.3.{sink_port}.2/24")
                t3_hops.append((f"10.3.{sink_port}.2", f"{t3}-{k}"))
                sink_port += 1
            f.add_route(t3, "198.18.0.0/16", t3_hops)
            f.set_ecmp(t3, spec())
        f.add_route(t2, "198.18.0.0/16", t2_hops)
        f.set_ecmp(t2, spec())
    f.add_route("t1", "198.18.0.0/16", t1_hops)
    f.set_ecmp("t1", spec())
    return f


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seeds", choices=("same", "different"), default="different")
    args = ap.parse_args()
    fabric = three_tier(args.seeds)
    frames, lengths = fp.generate_flows(args.flows, dst="198.18.0.0/16", seed=1, dst_mac="02:00:00:00:00:01")
    fabric.compile()
    best = cpu = float("inf")
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        paths = fp.trace(fabric, frames, lengths, ingress="t1:t1-cli", max_hops=4)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)  # one thread: CPU time = time on one core
    assert (paths["drop"] == 0).all() and (paths["n_hops"] == 3).all()
    print(f"{args.flows} flows, three tiers ({args.seeds} seeds): best of {args.repeat}: {best * 1e3:.1f} ms wall, "
          f"{cpu * 1e3:.1f} ms CPU ({args.flows / cpu / 1e6:.1f} M flows/s per core)")


if __name__ == "__main__":
    main()
