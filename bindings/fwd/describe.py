"""The real systems libfwd follows, from the one registry (C++ ``fwd/describe/system.hpp``).

    >>> import fwd.describe
    >>> [s["name"] for s in fwd.describe.systems()]
    ['freebsd-9.3', 'freebsd-10', 'freebsd-12', 'linux-6.12', 'linux-3.x', 'ovs-3.1', 'dpdk', ...]
    >>> fwd.describe.find_system("freebsd-fnv", "hash")
    'freebsd-12'

The names of every option value (bond modes, hash policies, drop reasons, ...) come from one table
per enum, the same tables C++ names and parses them with:

    >>> fwd.describe.enums()["lag.linux.mode"]["802.3ad"]
    'LACP aggregator: hash modulo the distributing members'

A name or alias means one system in every layer (hash, lag, l2). ``freebsd`` alone once meant
FreeBSD 12+ in hash and LAG specs but the FreeBSD 9.x bridge as a switch profile; it is rejected
with a ValueError listing ``freebsd-9.3``, ``freebsd-10`` and ``freebsd-12``.
"""
from ._fwd.describe import enums, find_system, systems  # noqa: F401

__all__ = ["systems", "find_system", "enums"]
