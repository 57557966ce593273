"""Hash policies of real systems, bit-exact: FreeBSD lagg, Linux bonding, Open vSwitch, DPDK,
Toeplitz RSS, P4 bmv2 primitives, and libfwd's vendor-style model.

    >>> import fwd.hash
    >>> p = fwd.hash.Policy("freebsd-9.3:l2,l3,l4;key=0")
    >>> p.index(frame, members=2)
    >>> print(p.explain(frame, members=2))

Spec strings: see README.md ("Policy spec strings").
"""
from ._fwd.hash import Explanation, Policy  # noqa: F401

__all__ = ["Policy", "Explanation"]
