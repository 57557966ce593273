"""`python3 -m fwd seed` (the default command): the seed's CARP case, reproduced and explained.

The seed (shared/seed/, spec seed-scenario.md): two FreeBSD 9.3 CARP firewalls (fw-a MASTER
advskew 0, fw-b BACKUP advskew 150, vhid 2, vMAC 00:00:5e:00:01:02) with 2x10G LACP laggs
(`lagghash l2,l3,l4`) and VLANs, six web servers whose default route is the VIP 192.168.80.254,
one switch. `ping -c 100000 -f 192.168.80.254` from 192.168.80.6 lost exactly 56 requests, all
captured on the BACKUP, 11 ms apart.

Mechanism (a) of the spec: one frame with the vMAC as Ethernet source enters the switch on fw-b's
LAG; the switch moves (VLAN 2, vMAC) to fw-b's LAG until fw-a's next advert moves it back. Inside
that window every frame for the vMAC reaches the BACKUP, which drops it at L2 ("BACKUP: not for
us (vMAC)") after tcpdump saw it. The flood ping then sends one request per 11 ms (10 ms pacing,
rounded up to 11 ticks at hz = 1000), so a 610 ms window costs 1 + ceil((W - g0) / 11 ms) = 56
requests. Routing via fw-a's own address (.251) avoids it: that MAC never moves.

Other mechanisms (--mechanism): lost-adverts (a', three fw-a adverts lost toward fw-b: fw-b takes
over for 0.417 s), ipv6-loss (b3: fw-b flaps every 4.004 s), tx-blackout (b4: 3 s lagg transmit
blackout on fw-a; with 9.3's send-error demotion fw-b ends MASTER for good).

examples/seed_carp.py is the same program (it imports this module); the scenario is kept in the
package so that `python3 -m fwd` runs it on a fresh build.
"""
import argparse
import dataclasses
import json
import math
import os
import sys
import time

from ._common import float_in, int_in

NAME = "seed"
HELP = "the seed's CARP case: a BACKUP that sees stray traffic, reproduced with numbers (default command)"

VMAC = "00:00:5e:00:01:02"
VIP = "192.168.80.254"
FW_A_REAL = "192.168.80.251"
PINGER = "web5"           # 192.168.80.6, the seed's flood-ping source
PING_DST_DEFAULT = VIP

# Hosts: name -> (ix0 MAC, ix1 MAC, lagg member order (first = lagg MAC), OS)
FIREWALLS = {
    "fw-a": ("90:e2:ba:0d:0a:98", "90:e2:ba:0d:0a:99", ["ix0", "ix1"]),
    "fw-b": ("90:e2:ba:0d:0a:7c", "90:e2:ba:0d:0a:7d", ["ix1", "ix0"]),  # lagg MAC = ix1's (spec §1)
}
# Web servers: the seed says 4x FreeBSD 9.3 and 2x 10.1; their MACs are not in the seed.
WEB = [(f"web{i}", f"192.168.80.{i + 1}", f"00:25:90:5e:ed:{2 * i:02x}", f"00:25:90:5e:ed:{2 * i + 1:02x}",
        "freebsd-9.3" if i <= 4 else "freebsd-10") for i in range(1, 7)]
CLIENT_IP = "192.168.0.17"
OUTSIDE_VIP = "192.168.0.254"  # the client side's CARP group: vhid unknown (4 assumed, spec §1)


def lag_spec(system, key):
    """The fwd.lag spec of a seed lagg: LACP, lagghash l2,l3,l4, the given key."""
    return f"{system}:lacp;lagghash=l2,l3,l4;key={key:#x}"


def build(opts, gateway=VIP):
    """The seed topology of spec §1 as a fwd.sim.Network; returns (net, info)."""
    from ..sim import LagConfig, Network, PortConfig
    net = Network(seed=opts["seed"])
    hz = opts["hz"]
    link = dict(latency="1us", rate_bps=10_000_000_000)
    ports = []
    # Keys of the laggs are random per boot on real systems; here they come from the seed.
    key = 0x5eed0000 + opts["seed"] * 7919
    for n, (name, (m0, m1, order)) in enumerate(FIREWALLS.items()):
        h = net.add_host(name, hz=hz, forwarding=True, tick_phase=f"{0.11 + 0.37 * n:.3f}ms",
                         answer_icmp_to_vip=not (name == "fw-b" and opts["backup_drops_icmp"]))
        h.add_nic("ix0", m0)
        h.add_nic("ix1", m1)
        h.add_lagg("lagg0", lag_spec("freebsd-9.3", key + n), order)
        h.add_vlan("vlan2", "lagg0", 2)
        h.add_vlan("vlan3", "lagg0", 3)
        last = "251" if name == "fw-a" else "252"
        h.add_address("vlan2", f"192.168.80.{last}/24")
        h.add_address("vlan2", f"fd00:0:0:80::{last}/64")
        h.add_address("vlan3", f"192.168.0.{last}/24")
        skew = 0 if name == "fw-a" else 150
        h.add_carp("vlan2", vhid=2, advbase=1, advskew=skew, vips4=[VIP], vips6=["fd00:0:0:80::254"])
        h.add_carp("vlan3", vhid=4, advbase=1, advskew=skew, vips4=[OUTSIDE_VIP])
        ports.append(PortConfig(name, vlan_mode="trunk", trunks=[2, 3],
                                lag=LagConfig([f"{name}/ix0", f"{name}/ix1"], spec="")))
    for k, (name, ip, m0, m1, os_) in enumerate(WEB):
        h = net.add_host(name, os=os_, hz=hz, tick_phase=f"{0.23 + 0.29 * k:.3f}ms")
        h.add_nic("ix0", m0)
        h.add_nic("ix1", m1)
        h.add_lagg("lagg0", lag_spec("freebsd-9.3" if os_ == "freebsd-9.3" else "freebsd-10", key + 10 + k),
                   ["ix0", "ix1"])
        h.add_address("lagg0", f"{ip}/24")
        h.set_default_route(gateway)
        h.listen(80)
        ports.append(PortConfig(name, vlan_mode="access", tag=2, lag=LagConfig([f"{name}/ix0", f"{name}/ix1"])))
    c = net.add_host("client", hz=hz, tick_phase="0.61ms")
    c.add_nic("em0", "00:1b:21:00:00:17")
    c.add_address("em0", f"{CLIENT_IP}/24")
    c.set_default_route(OUTSIDE_VIP)
    ports.append(PortConfig("client", vlan_mode="access", tag=3))
    net.add_switch("sw0", ports, profile="vendor", latency="2us")
    for name in list(FIREWALLS) + [w[0] for w in WEB]:
        for nic in ("ix0", "ix1"):
            net.connect(f"{name}:{nic}", f"sw0:{name}/{nic}", **link)
    net.connect("client:em0", "sw0:client", **link)
    # Captures of the BACKUP only (what the seed's tcpdump on fw-b saw); capturing fw-a would copy
    # every one of the 200 000 ping frames.
    net.host("fw-b").capture("vlan2")
    net.host("fw-b").capture("lagg0")
    return net


def advert_period(hz):
    """fw-a's advert period in seconds: advbase 1 s as a callout of ceil(hz) + 1 ticks (exact if hz is 0)."""
    # advbase 1 + advskew 0/256 s as a callout: ceil(1 s / tick) + 1 ticks (tvtohz), else exact.
    return (math.ceil(1.0 * hz) + 1) / hz if hz else 1.0


def moves_of(net, mac=VMAC):
    """The switch events that moved `mac` (default the vMAC), in order."""
    return [e for e in net.switch_events("moved") if e["mac"] == mac]


@dataclasses.dataclass
class CaseRun:
    """A seed case after its run, before measurement: what `run_scenario` leaves to `measure`.

    Times are virtual seconds unless a name says otherwise.
    """
    net: object                 #: the fwd.sim.Network, run to its end
    ping: object                #: the flood ping's fwd.sim.PingResult
    mechanism: str              #: the mechanism run (MECHANISMS)
    hz: int                     #: kern.hz of every host (0 = exact timers)
    ping_dst: str               #: the flood ping's destination address
    conn_rate: float            #: client connection attempts per second (0 = none)
    plan: dict                  #: what was injected and when (depends on the mechanism)
    base: dict                  #: fw-b's CARP counters, strays and log length just before the fault
    wall_s: float               #: wall-clock seconds spent in run_until


@dataclasses.dataclass
class CaseResult:
    """What one run of the seed case measured (`run_case`). Times in seconds unless named _ms.

    `to_dict()` gives the numbers as the `--json` output prints them; `net` and `ping` (the run's
    network and flood-ping result, for timelines, captures and plots) are not part of it.
    """
    mechanism: str                  #: vmac-frame, lost-adverts, ipv6-loss or tx-blackout
    hz: int                         #: kern.hz of every host (0 = exact timers)
    window_ms: float                #: first stray window (vMAC on fw-b's LAG), ms; 0.0 if none
    windows_ms: list                #: every stray window, ms
    flap_period_s: object           #: mean time between window starts (None: fewer than two)
    window_fraction: object         #: share of the time inside windows (None: fewer than three)
    mac_moves: int                  #: switch FDB moves of the vMAC
    backup_state_changes: int       #: fw-b vhid 2 CARP state changes after the fault started
    backup_log_lines: int           #: fw-b CARP log lines after the fault started
    backup_adverts_sent: int        #: fw-b adverts sent after the fault started
    backup_garps_sent: int          #: fw-b gratuitous ARPs sent after the fault started
    backup_nas_sent: int            #: fw-b neighbour advertisements sent after the fault started
    final_states: dict              #: vhid 2 state of fw-a and fw-b at the end
    ping_dst: str                   #: the flood ping's destination
    ping_sent: int                  #: echo requests sent
    ping_received: int              #: echo replies received
    ping_lost: int                  #: requests never answered
    ping_send_errors: int           #: sendto() failures (e.g. lagg transit)
    lost_seqs: list                 #: indexes (seq - first seq) of the unanswered requests
    lost_delivered_to_backup: int   #: of the lost, requests fw-b dropped as BACKUP vMAC strays
    lost_gap_ms: list               #: gaps between consecutive lost requests' send times, ms
    strays_by_dst_mac: dict         #: frames fw-b dropped at L2 after the fault started, by destination MAC
    tcp_attempts: int               #: client connection attempts
    tcp_first_synack_lost: int      #: attempts that needed a SYN retransmission
    tcp_retransmit_connect_s: list  #: connect durations of those attempts that completed, s
    moves: list                     #: the vMAC's FDB moves (switch events; left out of --json)
    plan: dict                      #: what was injected and when
    backup_log: list                #: (time, line) of fw-b's log after the fault started
    ping_first_send: object         #: first request's send time (None: nothing sent)
    ping_last_send: object          #: last request's send time (None: nothing sent)
    sim_seconds: float              #: virtual time at the end
    events: int                     #: events run
    accounting_balanced: bool       #: every frame delivered, lost or dropped with a reason
    wall_s: float                   #: wall-clock seconds spent running the network
    strays_via_real_ip: object = None                 #: run_all: strays when routing via fw-a's .251
    ping_lost_via_real_ip: object = None              #: run_all: pings lost via .251
    mac_moves_via_real_ip: object = None              #: run_all: vMAC moves via .251
    tcp_first_synack_lost_via_real_ip: object = None  #: run_all: SYN-ACKs strayed via .251
    net: object = dataclasses.field(default=None, repr=False, compare=False)   #: the run's fwd.sim.Network
    ping: object = dataclasses.field(default=None, repr=False, compare=False)  #: the flood ping's PingResult

    _NOT_DATA = ("net", "ping")
    _OPTIONAL = ("strays_via_real_ip", "ping_lost_via_real_ip", "mac_moves_via_real_ip",
                 "tcp_first_synack_lost_via_real_ip")

    def to_dict(self):
        """The numbers as a dict (the --json keys): every field but `net` and `ping`; the
        *_via_real_ip fields only when the second run was made."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name in self._NOT_DATA:
                continue
            v = getattr(self, f.name)
            if f.name in self._OPTIONAL and v is None:
                continue
            out[f.name] = v
        return out


def run_scenario(net, opts, ping_dst=PING_DST_DEFAULT):
    """Runs the case on a network from `build`: CARP settles, the flood ping (and the client's
    connections) start, the mechanism's fault is put in, the network runs to the end of the ping.
    Returns a CaseRun."""
    hz = opts["hz"]
    period = advert_period(hz)
    web = net.host(PINGER)
    fwa, fwb = net.host("fw-a"), net.host("fw-b")
    mech = opts["mechanism"]
    w_s = opts["window_ms"] / 1e3
    wall = 0.0
    t0 = time.perf_counter()
    net.run_until(4.0)  # CARP elected (fw-a MASTER at ~3 s), adverts periodic from here on
    wall += time.perf_counter() - t0
    t_adv0 = fwa.carp_next_deadline(0)
    if mech == "vmac-frame":
        # Start the ping so that the window opens `window_start` after it (the seed's window
        # opened at seq 16720, ~0.66 s into the run), W before one of fw-a's adverts.
        lead = w_s + opts["window_start"]
        k = max(0, math.ceil((4.5 + lead - t_adv0) / period - 1e-9))
        t_adv = t_adv0 + k * period
        t_ping = t_adv - lead
    else:
        t_ping = 5.0
        k = max(0, math.ceil((t_ping + opts["window_start"] - t_adv0) / period - 1e-9))
        t_adv = t_adv0 + k * period
    ping = web.ping_flood(ping_dst, count=opts["count"], start=t_ping)
    if opts["conn_rate"] > 0:
        net.host("client").tcp_connects([w[1] for w in WEB], port=80, rate=opts["conn_rate"], start=t_ping,
                                        until=t_ping + opts["conn_seconds"])
    t0 = time.perf_counter()
    net.run_until(t_ping)
    wall += time.perf_counter() - t0
    c0 = fwb.carp_counters(0)
    base = {"fwb_changes": c0["state_changes"], "fwb_logs": c0["log_lines"],
            "fwb_adverts": c0["adverts_sent"], "fwb_garps": c0["garps_sent"],
            "fwb_nas": c0["nas_sent"], "strays": dict(fwb.strays_by_dst_mac),
            "fwb_log_n": len(fwb.log)}
    assert fwa.carp_state(0) == "MASTER" and fwb.carp_state(0) == "BACKUP", "CARP did not settle"
    plan = {}
    if mech == "vmac-frame":
        t_inj = t_adv - w_s
        if opts["inject"] == "advert":
            net.at(t_inj, lambda n: n.host("fw-b").send_spurious_advert(0))
        else:
            frame = (bytes.fromhex("ffffffffffff") + bytes.fromhex(VMAC.replace(":", "")) +
                     bytes.fromhex("81000002") + bytes.fromhex("88b5") + bytes(46))
            net.send_frame_at(t_inj, "fw-b", "lagg0", frame)
        plan = {"inject_at": t_inj, "advert_at": t_adv}
    elif mech == "lost-adverts":
        # Three consecutive vhid-2 adverts of fw-a (k, k+1, k+2; source = the vMAC) dropped on the
        # way to fw-b, on both members.
        for nic in ("ix0", "ix1"):
            net.add_fault(f"sw0:fw-b/{nic}", direction="sw0", match="src-mac", mac=VMAC, start=t_adv - 0.2,
                          end=t_adv + 2 * period + 0.2)
        plan = {"first_lost_advert": t_adv}
    elif mech == "ipv6-loss":
        for nic in ("ix0", "ix1"):
            net.add_fault(f"sw0:fw-b/{nic}", direction="sw0", match="carp6", start=t_ping)
        plan = {"ipv6_adverts_lost_from": t_ping}
    elif mech == "tx-blackout":
        start = t_adv + opts["blackout_offset_ms"] / 1e3
        fwa.lagg_blackout("lagg0", start, start + 3.0)
        plan = {"blackout": [start, start + 3.0]}
    t0 = time.perf_counter()
    end = t_ping + opts["run_seconds"]
    net.run_until(end)
    r = web.ping_result(ping)
    while not r.finished and net.now < end + 60:
        net.run_for(1.0)
    wall += time.perf_counter() - t0
    return CaseRun(net=net, ping=r, mechanism=mech, hz=hz, ping_dst=ping_dst, conn_rate=opts["conn_rate"],
                   plan=plan, base=base, wall_s=wall)


def measure(run):
    """The numbers of a finished CaseRun: stray windows from the switch's vMAC moves, lost pings
    and where they went, fw-b's CARP activity since the fault, the client's connections."""
    net, r, base = run.net, run.ping, run.base
    fwa, fwb = net.host("fw-a"), net.host("fw-b")
    moves = moves_of(net)
    windows = []
    for a, b in zip(moves, moves[1:]):
        if a["to_port"] == "fw-b" and b["to_port"] == "fw-a":
            windows.append((a["time"], b["time"]))
    lost = r.lost_seqs()
    stray_req = {(i, s) for i, s in fwb.stray_echo_requests}
    first_seq = 0
    lost_to_backup = sum(1 for q in lost if (22737, (first_seq + q) & 0xffff) in stray_req)
    strays = {m: n - base["strays"].get(m, 0) for m, n in fwb.strays_by_dst_mac.items()
              if n - base["strays"].get(m, 0) > 0}
    tcp = net.host("client").tcp_result(0) if run.conn_rate > 0 else []
    syn_retx = [a for a in tcp if a["syn_sent"] > 1]
    retx_delay = []
    # The client's SYN capture is not kept; the retransmission delay is the connect duration
    # minus one RTT, reported as the established time minus the start.
    for a in syn_retx:
        if a["established"] is not None:
            retx_delay.append(a["established"] - a["started"])
    send_ns = r.send_ns
    starts = [a for a, _ in windows]
    periods = [b - a for a, b in zip(starts, starts[1:])]
    c1 = fwb.carp_counters(0)
    return CaseResult(
        mechanism=run.mechanism,
        hz=run.hz,
        window_ms=(windows[0][1] - windows[0][0]) * 1e3 if windows else 0.0,
        windows_ms=[(b - a) * 1e3 for a, b in windows],
        flap_period_s=sum(periods) / len(periods) if periods else None,
        window_fraction=(sum(b - a for a, b in windows[:-1]) / (starts[-1] - starts[0])) if len(windows) > 2 else None,
        mac_moves=len(moves),
        backup_state_changes=c1["state_changes"] - base["fwb_changes"],
        backup_log_lines=c1["log_lines"] - base["fwb_logs"],
        backup_adverts_sent=c1["adverts_sent"] - base["fwb_adverts"],
        backup_garps_sent=c1["garps_sent"] - base["fwb_garps"],
        backup_nas_sent=c1["nas_sent"] - base["fwb_nas"],
        final_states={"fw-a": fwa.carp_state(0), "fw-b": fwb.carp_state(0)},
        ping_dst=run.ping_dst,
        ping_sent=r.sent,
        ping_received=r.received,
        ping_lost=r.lost,
        ping_send_errors=r.send_errors,
        lost_seqs=lost,
        lost_delivered_to_backup=lost_to_backup,
        lost_gap_ms=[round(g, 6) for g in r.lost_gaps_ms()],
        strays_by_dst_mac=strays,
        tcp_attempts=len(tcp),
        tcp_first_synack_lost=len(syn_retx),
        tcp_retransmit_connect_s=retx_delay,
        moves=moves,
        plan=run.plan,
        backup_log=[(t, s) for t, s in fwb.log[base["fwb_log_n"]:]],
        ping_first_send=send_ns[0] / 1e9 if len(send_ns) else None,
        ping_last_send=send_ns[-1] / 1e9 if len(send_ns) else None,
        sim_seconds=net.now,
        events=net.events,
        accounting_balanced=net.accounting()["balanced"],
        wall_s=run.wall_s,
        net=net,
        ping=r,
    )


def run_case(opts, gateway=VIP, ping_dst=PING_DST_DEFAULT):
    """One run: build(opts, gateway) -> run_scenario -> measure. Returns a CaseResult."""
    return measure(run_scenario(build(opts, gateway=gateway), opts, ping_dst=ping_dst))


def default_opts(**kw):
    """The seed case's options (seed, hz, count, window_ms, mechanism, ...), overridden by `kw`."""
    o = dict(seed=1, hz=1000, count=100000, window_ms=610.0, mechanism="vmac-frame", inject="advert",
             conn_rate=50.0, conn_seconds=4.0, run_seconds=12.0, window_start=0.657, backup_drops_icmp=False,
             blackout_offset_ms=100.0, via_real_ip=True)
    o.update(kw)
    return o


def run_all(opts):
    """run_case, plus (when opts["via_real_ip"]) the same run via fw-a's own address, whose
    numbers go in the *_via_real_ip fields. Returns a CaseResult."""
    main = run_case(opts)
    if opts["via_real_ip"]:
        # Same run with every web server's gateway (and the flood ping) on fw-a's own address.
        real = run_case(opts, gateway=FW_A_REAL, ping_dst=FW_A_REAL)
        main.strays_via_real_ip = sum(real.strays_by_dst_mac.values())
        main.ping_lost_via_real_ip = real.ping_lost
        main.mac_moves_via_real_ip = real.mac_moves
        main.tcp_first_synack_lost_via_real_ip = real.tcp_first_synack_lost
    return main


def timeline(res):
    """The short story of the window, as lines of text."""
    out = []
    r, net = res.ping, res.net
    moves = res.moves
    send = r.send_ns
    rtt = r.rtt_ns
    lost = res.lost_seqs
    if res.mechanism == "vmac-frame" and len(moves) >= 2:
        t1, t2 = moves[0]["time"], moves[1]["time"]
        prev_adv = res.plan["advert_at"] - advert_period(res.hz)
        out.append(f"{prev_adv:12.6f}  fw-a advert (src {VMAC}): switch keeps (vlan 2, vMAC) on fw-a's LAG")
        out.append(f"{res.plan['inject_at']:12.6f}  fw-b sends ONE frame with source {VMAC} (stays BACKUP)")
        out.append(f"{t1:12.6f}  switch: (vlan 2, {VMAC}) moved {moves[0]['from']} -> {moves[0]['to']}")
    elif moves:
        for m in moves[:6]:
            out.append(f"{m['time']:12.6f}  switch: (vlan {m['vlan']}, {m['mac']}) moved {m['from']} -> {m['to']}")
    for t, s in res.backup_log[:6]:
        out.append(f"{t:12.6f}  fw-b log: {s}")
    if lost:
        a, b = lost[0], lost[-1]
        gaps = res.lost_gap_ms
        out.append(f"{send[a] / 1e9:12.6f}  echo request seq {a} -> fw-b, dropped: BACKUP: not for us (vMAC)")
        if len(lost) > 1:
            g = ", ".join(f"{x:.3f}" for x in gaps[:3])
            out.append(f"{'':12}  ... {len(lost)} requests lost (seq {a}..{b}), gaps {g} ... ms "
                       f"(10 ms flood interval = 11 ticks at hz=1000)")
            out.append(f"{send[b] / 1e9:12.6f}  echo request seq {b}: last one lost")
    if res.mechanism == "vmac-frame" and len(moves) >= 2:
        out.append(f"{moves[1]['time']:12.6f}  fw-a advert: switch moved (vlan 2, vMAC) {moves[1]['from']} -> "
                   f"{moves[1]['to']}; window {res.window_ms:.3f} ms")
    if lost and lost[-1] + 1 < r.sent:
        nxt = lost[-1] + 1
        out.append(f"{send[nxt] / 1e9:12.6f}  echo request seq {nxt} answered by fw-a (rtt {rtt[nxt] / 1e3:.1f} us); "
                   f"flood resumes")
    return out


def write_outputs(res, out_dir):
    """Writes fw-b's captures (pcap and text) and the timeline plot of a CaseResult to out_dir;
    returns the paths written (the plot only when matplotlib is installed)."""
    os.makedirs(out_dir, exist_ok=True)
    net = res.net
    written = []
    for iface in ("vlan2", "lagg0"):
        cap = net.host("fw-b").capture(iface)
        base = os.path.join(out_dir, f"fw-b-{iface}")
        cap.write_pcap(base + ".pcap")
        with open(base + ".txt", "w") as f:
            f.write(cap.to_text())
        written += [base + ".pcap", base + ".txt"]
    png = os.path.join(out_dir, "seed_timeline.png")
    try:
        plot(res, png)
        written.append(png)
    except ImportError:
        pass
    return written


def plot(res, path):
    """The ping timeline of a CaseResult around the vMAC moves, saved as a PNG at `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    r = res.ping
    send = r.send_ns
    rtt = r.rtt_ns
    moves = res.moves
    if moves:
        lo, hi = moves[0]["time"] - 0.15, moves[-1]["time"] + 0.15
    else:
        lo, hi = send[0] / 1e9, send[0] / 1e9 + 1.5
    fig, ax = plt.subplots(figsize=(10, 4.2))
    sel = [(i, send[i] / 1e9) for i in range(len(send)) if lo <= send[i] / 1e9 <= hi]
    ok = [(t, i) for i, t in sel if rtt[i] >= 0]
    bad = [(t, i) for i, t in sel if rtt[i] < 0]
    if ok:
        ax.plot([t for t, _ in ok], [i for _, i in ok], ",", color="tab:green", label="echo request answered (fw-a)")
    if bad:
        ax.plot([t for t, _ in bad], [i for _, i in bad], "x", color="tab:red", ms=4,
                label=f"lost: delivered to fw-b and dropped ({len(res.lost_seqs)})")
    for m in moves:
        ax.axvline(m["time"], color="tab:purple" if m["to_port"] == "fw-b" else "tab:blue", ls="--", lw=1)
        ax.text(m["time"], ax.get_ylim()[1], f" FDB -> {m['to']}", rotation=90, va="top", fontsize=8)
    if len(moves) >= 2:
        ax.axvspan(moves[0]["time"], moves[1]["time"], color="tab:red", alpha=0.08,
                   label=f"vMAC on fw-b's LAG: {res.window_ms:.1f} ms")
    ax.set_xlabel("virtual time (s)")
    ax.set_ylabel("ping sequence")
    ax.set_title(f"seed: ping -f to {res.ping_dst}, {res.ping_lost} of {res.ping_sent} lost "
                 f"({res.mechanism})")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


MECHANISMS = ("vmac-frame", "lost-adverts", "ipv6-loss", "tx-blackout")



def add_arguments(p):
    """The seed command's options."""
    p.add_argument("--window-ms", type=float_in(1e-6, 1001), default=610.0,
                   help="vmac-frame: put the vMAC-sourced frame W ms before fw-a's next advert (default 610)")
    p.add_argument("--mechanism", choices=MECHANISMS, default="vmac-frame",
                   help="vmac-frame (a, the seed), lost-adverts (a'), ipv6-loss (b3), tx-blackout (b4)")
    p.add_argument("--inject", choices=("advert", "raw"), default="advert",
                   help="vmac-frame: the frame is a CARP advert (9.3 late-advert race) or a raw vMAC-sourced frame")
    p.add_argument("--count", type=int_in(1, 10_000_000), default=100000, help="flood ping count (default 100000)")
    p.add_argument("--conn-rate", type=float_in(0, 100_000), default=50.0,
                   help="client TCP connection attempts per second to the web servers (0 = none; default 50)")
    p.add_argument("--hz", type=int_in(0, 1_000_000), default=1000, help="kern.hz of every host (0 = exact timers)")
    p.add_argument("--seed", type=int_in(0, 2**64 - 1), default=1)
    p.add_argument("--backup-drops-icmp", action="store_true",
                   help="fw-b's pf drops ICMP to the VIP (changes the a' contrast: losses instead of answers)")
    p.add_argument("--run-seconds", type=float_in(1e-9, 86400 * 365), default=None, help="virtual seconds after the ping starts")
    p.add_argument("--no-real-ip", action="store_true", help="skip the second run via fw-a's real address")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write the captures of fw-b and the timeline plot to DIR (default: nothing is written)")
    p.add_argument("--no-files", action="store_true", help=argparse.SUPPRESS)  # the default now; kept one release
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args):
    """Runs the seed case (and the .251 contrast) and prints the story, or one JSON object with --json."""
    run_seconds = args.run_seconds
    if run_seconds is None:
        run_seconds = 40.0 if args.mechanism == "ipv6-loss" else 12.0
    opts = default_opts(seed=args.seed, hz=args.hz, count=args.count, window_ms=args.window_ms,
                        mechanism=args.mechanism, inject=args.inject, conn_rate=args.conn_rate,
                        backup_drops_icmp=args.backup_drops_icmp, run_seconds=run_seconds,
                        via_real_ip=not args.no_real_ip and args.mechanism == "vmac-frame")
    if args.window_ms <= 0 or args.window_ms > 1001:
        print("error: --window-ms must be in (0, 1001]: the window ends at fw-a's next advert, 1.001 s apart",
              file=sys.stderr)
        return 2
    if not 0 <= args.conn_rate <= 1e6:
        print(f"error: --conn-rate {args.conn_rate:g}: expected 0 (none) to 1e6 connections per second",
              file=sys.stderr)
        return 2
    res = run_all(opts)
    files = write_outputs(res, args.out) if args.out and not args.no_files else []
    pub = res.to_dict()
    pub["files"] = files
    if args.json:
        pub.pop("moves", None)
        print(json.dumps(pub))
        return 0
    print("seed: fw-a MASTER / fw-b BACKUP (CARP vhid 2, vMAC 00:00:5e:00:01:02), 2x10G LACP laggs "
          "lagghash l2,l3,l4, VLAN 2, six web servers, one switch")
    print(f"mechanism: {res.mechanism}" + (f", window {args.window_ms:g} ms before fw-a's advert"
                                              if res.mechanism == "vmac-frame" else ""))
    print()
    for line in timeline(res):
        print(line)
    print()
    print(f"ping -f -c {res.ping_sent} {res.ping_dst} from 192.168.80.6:")
    print("  " + res.ping.summary(res.ping_dst).rstrip().replace("\n", "\n  "))
    print(f"  lost requests delivered to fw-b: {res.lost_delivered_to_backup} of {res.ping_lost}")
    print(f"switch: {res.mac_moves} MAC moves of the vMAC; window {res.window_ms:.3f} ms "
          f"(all windows: {', '.join(f'{w:.3f}' for w in res.windows_ms) or 'none'})")
    if res.window_fraction:
        print(f"switch: a window every {res.flap_period_s:.3f} s; windows cover {100 * res.window_fraction:.2f} % "
              f"of the time")
    print(f"fw-b: {res.backup_state_changes} CARP state changes, {res.backup_log_lines} log lines, "
          f"final states fw-a {res.final_states['fw-a']}, fw-b {res.final_states['fw-b']}")
    print(f"fw-b dropped, by destination MAC: {res.strays_by_dst_mac or 'nothing'}")
    if res.tcp_attempts:
        print(f"client: {res.tcp_attempts} connections at {args.conn_rate:g}/s, "
              f"{res.tcp_first_synack_lost} first SYN-ACKs strayed to fw-b "
              f"(expected ~ rate x window = {args.conn_rate * res.window_ms / 1e3:.1f}); "
              f"each cost the client's 3 s SYN retransmission")
    if res.strays_via_real_ip is not None:
        print(f"same run, web servers routing via fw-a's real address {FW_A_REAL}: "
              f"{res.strays_via_real_ip} strays, {res.ping_lost_via_real_ip} pings lost")
    print(f"simulated {res.sim_seconds:.3f} s ({res.events} events) in {res.wall_s:.3f} s wall; "
          f"frame accounting {'balanced' if res.accounting_balanced else 'NOT balanced'}")
    for f in files:
        print(f"wrote {f}")
    return 0


def main(argv=None):
    """examples/seed_carp.py's entry point: the seed command's options, then run()."""
    import argparse
    p = argparse.ArgumentParser(prog="seed_carp.py", description=HELP)
    add_arguments(p)
    return run(p.parse_args(argv))
