#!/usr/bin/env bash
# Same-run speed comparison of fwd::sim with ns-3 3.37 on the anchor workload
# (shared/anchors/ns3-bridge-ping: 8-port learning bridge, flood ping host 1 -> host 2), plus the
# seed's 100 000-ping CARP run. Prints every run as a JSON line and a median table.
#
#   tools/bench_vs_ns3.sh [COUNT] [RUNS]        defaults: 100000 pings, 3 runs each, alternating
#
# Builds bench/sim_bench (Release, FWD_BENCH=ON) in BUILD/bench-release (or $FWD_BENCH_BUILD). Builds
# the ns-3 program with the anchor's build.sh when libns3-dev is installed; as root with apt-get
# available it installs libns3-dev first (Debian 12: ns-3 3.37). Without ns-3 it says so and
# measures libfwd alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-100000}"
runs="${2:-3}"
build="${FWD_BENCH_BUILD:-$root/BUILD/bench-release}"
anchor="${FWD_NS3_ANCHOR:-$root/bench/anchors/ns3-bridge-ping}"  # copy of shared/anchors/ns3-bridge-ping

echo "== building bench/sim_bench in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFWD_PYTHON=OFF -DFWD_TESTS=OFF -DFWD_BENCH=ON >/dev/null
cmake --build "$build" --target sim_bench -j"$(nproc)" >/dev/null
fwd_bin="$build/bench/sim_bench"

ns3_bin=""
mods="ns3-core ns3-network ns3-internet ns3-csma ns3-bridge ns3-applications"
if ! pkg-config --exists $mods 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing libns3-dev (apt-get)" >&2
    apt-get install -y libns3-dev pkg-config >/dev/null 2>&1 || \
      { apt-get update >/dev/null 2>&1 && apt-get install -y libns3-dev pkg-config >/dev/null 2>&1; } || true
  fi
fi
if [ -d "$anchor" ] && pkg-config --exists $mods 2>/dev/null; then
  echo "== building the ns-3 anchor ($anchor)" >&2
  ns3_bin="$(bash "$anchor/build.sh" | tail -n 1)"
else
  echo "ns-3 not measured: libns3-dev (or the anchor at $anchor) is not available" >&2
fi

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
for i in $(seq "$runs"); do
  if [ -n "$ns3_bin" ]; then
    line="$("$ns3_bin" --count="$count" | tail -n 1)"
    echo "ns3 $line" | tee -a "$tmp"
  fi
  line="$("$fwd_bin" --anchor-json "$count")"
  echo "fwd $line" | tee -a "$tmp"
  line="$("$fwd_bin" --seed-json "$count")"
  echo "seed $line" | tee -a "$tmp"
done

/usr/bin/python3 - "$tmp" "$count" <<'EOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    tag, js = line.split(" ", 1)
    rows.setdefault(tag, []).append(json.loads(js))
print()
print(f"{'workload':<44} {'runs':>4} {'events':>10} {'sim_time_s':>11} {'wall_s median [min-max]':>26} {'events/wall s':>14}")
names = {"ns3": "ns-3 3.37 bridge + flood ping (anchor)", "fwd": "libfwd fwd::sim, same workload",
         "seed": "libfwd seed CARP run (web5 -> VIP)"}
med = {}
for tag in ("ns3", "fwd", "seed"):
    if tag not in rows:
        continue
    r = rows[tag]
    w = [x["wall_s"] for x in r]
    med[tag] = statistics.median(w)
    ev = r[0]["events"]
    print(f"{names[tag]:<44} {len(r):>4} {ev:>10} {r[0]['sim_time_s']:>11.6f} "
          f"{med[tag]:>9.3f} [{min(w):.3f}-{max(w):.3f}] {ev / med[tag]:>14,.0f}")
    if any(x["received"] != x["count"] for x in r):
        print(f"  warning: {tag}: not every ping was answered")
if "ns3" in med:
    print(f"\nspeed-up on the anchor workload: {med['ns3'] / med['fwd']:.1f}x (median wall time, same run)")
else:
    print("\nns-3 was not measured in this run (see above).")
print(f"seed run: {med['seed']:.3f} s wall for {sys.argv[2]} pings (target <= 0.2 s)")
EOF
