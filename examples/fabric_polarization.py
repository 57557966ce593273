#!/usr/bin/env python3
"""Where do the flows of a capture go in a two-tier Linux ECMP fabric, and why do half the links
stay idle?  (Run me first: `PYTHONPATH=BUILD/python python3 examples/fabric_polarization.py [OUTDIR]`.)

The fabric is the one recorded from real Linux 6.18 routers in tests/data/fabric (fabric A):

    c -- t1 (4 paths) --+-- t2a (4 paths) --+
                        +-- t2b (4 paths) --+-- s  (16 ports, owns 198.18.0.0/24)
                        +-- t2c (4 paths) --+
                        +-- t2d (4 paths) --+

1. We write a small capture (`OUTDIR/capture.pcap`: 3,000 frames of 1,000 TCP/UDP/ICMP flows from
   the client prefix to the server prefix; give your own with --pcap, Ethernet, frames addressed to
   t1) and group its frames into flows.
2. Every router uses the same hash policy and the same seed (what a fleet deployed from one
   template does; the boot-time default seed is shared too, spec linux-ecmp §10): the path of
   every flow, the load of every link, and the polarization: each tier-2 router sends all its
   flows down ONE of its four links, because it computes the same hash tier 1 already split on.
3. The fix, two ways: a different seed per router, or a different policy at tier 2 (policy 0, L3,
   while tier 1 hashes L4). Same flows, same fabric: all 16 sink links carry traffic.
4. Plots (matplotlib): per-tier heatmaps of link loads and path diagrams for each case, a down
   link marked (we also fail t1's link to t2b to show what moves).
"""
import argparse
import os
import sys

import numpy as np

import fwd.path as fp
from fwd.io import read_pcap, write_pcap


def fabric_a(t1_spec, t2_specs):
    """Fabric A built in Python: routers with multipath routes and their ECMP spec strings."""
    f = fp.Fabric()
    f.add_node("c", "host")
    f.add_node("t1", "router")
    f.add_node("s", "host")
    f.add_port("c", "c-t1", "02:00:00:00:00:02")
    f.add_port("t1", "t1-cli", "02:00:00:00:00:01")
    f.connect("c:c-t1", "t1:t1-cli")
    f.add_address("c:c-t1", "10.0.0.2/24")
    f.add_address("t1:t1-cli", "10.0.0.1/24")
    f.add_local("s", "198.18.0.0/24")  # the servers live behind the sink's 16 ports
    t1_paths = []
    for i, x in enumerate("abcd", 1):
        t2 = f"t2{x}"
        f.add_node(t2, "router")
        f.add_port("t1", f"t1-{x}", f"02:01:00:0{i}:00:01")
        f.add_port(t2, f"{t2}-up", f"02:01:00:0{i}:00:02")
        f.connect(f"t1:t1-{x}", f"{t2}:{t2}-up")
        f.add_address(f"t1:t1-{x}", f"10.1.{i}.1/24")
        f.add_address(f"{t2}:{t2}-up", f"10.1.{i}.2/24")
        t1_paths.append((f"10.1.{i}.2", f"t1-{x}"))
        t2_paths = []
        for j in range(1, 5):
            f.add_port(t2, f"{t2}-{j}", f"02:02:00:{i}{j}:00:01")
            f.add_port("s", f"s-{x}{j}", f"02:02:00:{i}{j}:00:02")
            f.connect(f"{t2}:{t2}-{j}", f"s:s-{x}{j}")
            f.add_address(f"{t2}:{t2}-{j}", f"10.2.{i}{j}.1/24")
            f.add_address(f"s:s-{x}{j}", f"10.2.{i}{j}.2/24")
            t2_paths.append((f"10.2.{i}{j}.2", f"{t2}-{j}"))
        f.add_route(t2, "198.18.0.0/24", t2_paths)
        f.set_ecmp(t2, t2_specs[i - 1])
    f.add_route("t1", "198.18.0.0/24", t1_paths)
    f.set_ecmp("t1", t1_spec)
    return f


def make_capture(path, flows=1000, frames_per_flow=3):
    frames, lengths = fp.generate_flows(flows, src="100.64.0.0/16", dst="198.18.0.0/24", protos=("tcp", "udp", "icmp"),
                                        seed=2026, dst_mac="02:00:00:00:00:01")
    order = np.random.default_rng(1).permutation(np.repeat(np.arange(flows), frames_per_flow))
    write_pcap(path, frames[order], lengths[order], np.arange(len(order), dtype=np.int64) * 1_000_000)
    return path


def report(title, paths):
    print(f"\n=== {title} ===")
    t1_links = paths.link_loads().query("node == 't1' and port != 't1-cli'")
    print("tier 1 (t1) flows per link: " + ", ".join(f"{r.port} {r.tx}{'' if r.up else ' (DOWN)'}"
                                                     for r in t1_links.itertuples()))
    loads = paths.link_loads()
    for t2 in ("t2a", "t2b", "t2c", "t2d"):
        rows = loads.query(f"node == '{t2}' and port != '{t2}-up'")
        print(f"tier 2 ({t2}) flows per link: " + ", ".join(f"{r.port} {r.tx}" for r in rows.itertuples()))
    sink = loads.query("node == 's'")
    print(f"sink links carrying flows: {(sink['rx'] > 0).sum()} of {len(sink)}")
    pol = paths.polarization_frame()
    print(pol.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return pol


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", nargs="?", default="fabric_polarization_out", help="where the capture and plots go")
    ap.add_argument("--pcap", help="your own capture (Ethernet frames addressed to t1's 02:00:00:00:00:01)")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    capture = args.pcap or make_capture(os.path.join(args.outdir, "capture.pcap"))
    all_frames, all_lengths, _ts = read_pcap(capture)
    first, counts, fields = fp.flow_table(all_frames, all_lengths)
    frames, lengths = all_frames[first], all_lengths[first]
    print(f"{capture}: {len(all_frames)} frames, {len(first)} flows")

    same = "linux-6.18:policy=1;seed=0x1234abcd"
    polarized = fabric_a(same, [same] * 4)
    paths = fp.trace(polarized, frames, lengths, ingress="t1:t1-cli")
    print("\nfirst flows and where they go (equal seeds):")
    for i in range(5):
        fl = fields[i]
        print(f"  {fl['src_ip']} > {fl['dst_ip']} proto {fl['ip_proto']} ({counts[i]} frames): {paths.describe(i)}")
    pol = report("equal policy and seed on every router (polarized)", paths)
    t2 = pol[pol["node"].str.startswith("t2")]
    print(f"-> each tier-2 router uses {int(t2['used'].max())} of its 4 links; its choice given t1's choice has "
          f"entropy {t2['entropy_given_upstream'].max():.2f} (0 = decided by tier 1); max/mean load "
          f"{t2['imbalance'].mean():.1f} (1.0 = even)")

    seeds = fabric_a("linux-6.18:policy=1;seed=0x9e3779b9",
                     [f"linux-6.18:policy=1;seed={0x9e3779b9 * k % 2**32:#x}" for k in range(2, 6)])
    fixed = fp.trace(seeds, frames, lengths, ingress="t1:t1-cli")
    pol_s = report("fix 1: a different seed on every router", fixed)
    policy = fabric_a(same, ["linux-6.18:policy=0;seed=0x1234abcd"] * 4)
    fixed_p = fp.trace(policy, frames, lengths, ingress="t1:t1-cli")
    pol_p = report("fix 2: tier 2 hashes L3 (policy 0), tier 1 L4 (policy 1), same seed", fixed_p)
    for name, p in (("seeds", pol_s), ("policy", pol_p)):
        t2 = p[p["node"].str.startswith("t2")]
        print(f"-> fix by {name}: tier-2 routers use {int(t2['used'].min())}-{int(t2['used'].max())} of 4 links, "
              f"entropy given upstream {t2['entropy_given_upstream'].min():.2f}, max/mean {t2['imbalance'].max():.2f}")

    # What moves when t1's link to t2b fails (hash-threshold: the other links' flows move too).
    w = fp.what_if(seeds, lambda g: g.set_admin("t1:t1-b", False), frames, lengths, ingress="t1:t1-cli", at="t1")
    print(f"\nwhat-if t1-b down: {w['moved']} of {w['flows']} flows change path ({w['moved_share']:.0%}); "
          f"only {w['min_moved']} ({w['min_share']:.0%}) had to (they used t1-b). Where t1's flows go:")
    print(w["matrix"].to_string())

    plots = [("polarized", paths, "equal seeds: tier 2 polarized"), ("fixed-seeds", fixed, "different seeds"),
             ("fixed-policy", fixed_p, "tier 2 policy 0"),
             ("t1-b-down", w["after"], "different seeds, t1-b down")]
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        print("matplotlib missing: no plots", file=sys.stderr)
        return 0
    for stem, p, what in plots:
        fp.plot_link_heatmap(p, os.path.join(args.outdir, f"{stem}-links.png"), title=f"Link loads: {what}")
        fp.plot_paths(p, os.path.join(args.outdir, f"{stem}-paths.png"), title=f"Where the flows go: {what}")
    print(f"\nplots: {', '.join(f'{s}-links.png {s}-paths.png' for s, _p, _w in plots)} in {args.outdir}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
