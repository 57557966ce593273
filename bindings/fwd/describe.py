"""The real systems libfwd follows, from the one registry (C++ ``fwd/describe/system.hpp``).

    >>> import fwd.describe
    >>> [s["name"] for s in fwd.describe.systems()]
    ['freebsd-9.3', 'freebsd-10', 'freebsd-12', 'linux-6.12', 'linux-3.x', 'ovs-3.1', 'dpdk', ...]
    >>> fwd.describe.find_system("freebsd-fnv", "hash")
    'freebsd-12'

A name or alias means one system in every layer (hash, lag, l2). ``freebsd`` alone once meant
FreeBSD 12+ in hash and LAG specs but the FreeBSD 9.x bridge as a switch profile; it is rejected
with a ValueError listing ``freebsd-9.3``, ``freebsd-10`` and ``freebsd-12``.
"""
from ._fwd.describe import find_system, systems  # noqa: F401

__all__ = ["systems", "find_system"]
