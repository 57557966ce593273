#!/usr/bin/env python3
"""The seed's CARP case, reproduced: why the backup CARP node sees traffic.

    PYTHONPATH=BUILD/python /usr/bin/python3 examples/seed_carp.py                 # the seed: 610 ms window
    PYTHONPATH=BUILD/python /usr/bin/python3 examples/seed_carp.py --window-ms 417 --json
    PYTHONPATH=BUILD/python /usr/bin/python3 examples/seed_carp.py --mechanism lost-adverts
    PYTHONPATH=BUILD/python /usr/bin/python3 -m fwd                                 # the same, as the default command

Topology (shared/specs/seed-scenario.md §1): fw-a (MASTER, advskew 0) and fw-b (BACKUP, advskew
150), FreeBSD 9.3, CARP vhid 2 on vlan2 over a 2x10G LACP lagg (`lagghash l2,l3,l4`), six web
servers whose default route is the VIP 192.168.80.254, a client behind the firewalls' other VLAN,
one switch. One frame with the vMAC as source enters the switch on fw-b's LAG W ms before fw-a's
next advert; `ping -f -c 100000 192.168.80.254` runs from 192.168.80.6. The program prints a
timeline (advert, FDB move, strays, FDB moved back), the ping statistics, the SYN-ACKs that
strayed, the same run routed via fw-a's real address (.251: no strays), writes fw-b's captures
(text and pcap) and a timeline plot, or with --json one object with the numbers.

The scenario itself lives in the package (fwd/commands/seed.py: build(), run_scenario(), measure(),
run_case() -> CaseResult, run_all())
so that `python3 -m fwd` runs it on a fresh build; this file is its stand-alone entry point.
"""
import sys

from fwd.commands.seed import main

if __name__ == "__main__":
    sys.exit(main())
