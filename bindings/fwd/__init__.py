"""libfwd: which member link, which switch port and which node a flow lands on, and why.

Submodules mirror the C++ namespaces: fwd.net, fwd.hash, fwd.lag, fwd.l2, fwd.sim, fwd.io,
fwd.route, fwd.path.
"""
from . import _fwd  # noqa: F401  (the compiled part)
from ._fwd import Error  # noqa: F401

__version__: str = _fwd.__version__  # the CMake project version (C++: FWD_VERSION in fwd/version.hpp)

__all__ = ["Error", "__version__"]
