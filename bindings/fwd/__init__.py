"""libfwd: which member link, which switch port and which node a flow lands on, and why.

Submodules mirror the C++ namespaces: fwd.net, fwd.hash, fwd.lag, fwd.route, fwd.path, fwd.l2, fwd.sim,
fwd.io, plus fwd.flows (flow tables from captures), fwd.describe (the systems libfwd follows),
fwd.topology, fwd.conformance, fwd.pandas and fwd.sweep (grids on Dask). `import fwd` is enough: each
submodule is imported on first use (fwd.l2.Switch works without `import fwd.l2`).
"""
import importlib

from . import _fwd  # noqa: F401  (the compiled part)
from ._fwd import Error  # noqa: F401

__version__: str = _fwd.__version__  # the CMake project version (C++: FWD_VERSION in fwd/version.hpp)

_SUBMODULES = ("net", "hash", "lag", "l2", "sim", "io", "route", "path", "flows", "describe", "topology", "conformance",
               "pandas", "sweep", "cli")

__all__ = ["Error", "__version__", *_SUBMODULES]


def __getattr__(name):
    # PEP 562: lazy submodules, so `import fwd` stays cheap (pandas, yaml load only when used).
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'fwd' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
