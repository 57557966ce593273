"""Every public Python name of fwd is documented: each class, function, method and property of every
fwd submodule has a docstring beyond its signature, and each class has an informative __repr__.

A new undocumented name fails here. ALLOWED lists the known exceptions, each with its reason; it
should only shrink.
"""
import importlib
import inspect
import pkgutil
import re

import pytest

import fwd

# Known gaps, by qualified name (a prefix ending in '.' covers a whole module or class).
ALLOWED: dict[str, str] = {}

# The command protocol (NAME, HELP, add_arguments, run) is documented once in fwd/cli.py and by each
# command's HELP; add_arguments/run of a command module are not documented again.
COMMAND_PROTOCOL = ("add_arguments", "run")

# Modules that re-export the compiled classes come first, so a compiled class is checked under
# its public home (fwd.l2.Switch), not under a command that imports it.
def _modules():
    names = [m.name for m in pkgutil.walk_packages(fwd.__path__, "fwd.")
             if not m.name.startswith("fwd._fwd") and m.name != "fwd.__main__"]
    first = ["fwd." + m for m in ("net", "hash", "lag", "route", "path", "l2", "sim", "io", "describe")]
    return ["fwd"] + first + sorted((n for n in names if n not in first), key=lambda n: (n.startswith("fwd.commands"), n))


_SIGNATURE = re.compile(r"^\s*(\d+\.\s+)?[\w.]+\(.*\)(\s*->\s*.*)?$")


def _text(obj):
    """The docstring without pybind11's signature lines."""
    doc = obj.__doc__ if isinstance(obj, property) else inspect.getdoc(obj)
    lines = [l for l in (doc or "").splitlines()
             if l.strip() and not _SIGNATURE.match(l) and l.strip() != "Overloaded function."]
    return "\n".join(lines).strip()


def _is_enum(cls):
    return "__members__" in dir(cls) and isinstance(getattr(cls, "__members__", None), dict)


def _public_names():
    """(qualified name, kind, object) of every public class, function, method and property."""
    seen = set()
    for mn in _modules():
        m = importlib.import_module(mn)
        names = getattr(m, "__all__", None) or [n for n in vars(m) if not n.startswith("_")]
        for n in names:
            obj = getattr(m, n)
            home = getattr(obj, "__module__", None) or ""
            if inspect.ismodule(obj) or not home.startswith("fwd"):
                continue
            if not home.startswith("fwd._fwd") and home != mn:
                continue  # checked where it is defined
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            q = f"{mn}.{n}"
            if inspect.isclass(obj):
                yield q, "class", obj
                if _is_enum(obj):
                    continue  # values are documented by the enum's docstring (its table)
                for an, a in vars(obj).items():
                    if an.startswith("_"):
                        continue
                    if isinstance(a, (staticmethod, classmethod)):
                        a = a.__func__
                    if isinstance(a, property) or callable(a):
                        yield f"{q}.{an}", "member", a
            elif callable(obj):
                if mn.startswith("fwd.commands.") and n in COMMAND_PROTOCOL and hasattr(m, "HELP"):
                    continue
                yield q, "function", obj


def _has_repr(cls):
    for k in cls.__mro__:
        if k is object or k.__name__ == "pybind11_object":
            return False
        if "__repr__" in vars(k):
            return True
    return False


def _allowed(q):
    return any(q == a or (a.endswith(".") and q.startswith(a)) for a in ALLOWED)


def _problems():
    out = []
    for q, kind, obj in _public_names():
        if _allowed(q):
            continue
        if not _text(obj):
            out.append(f"{q}: no docstring beyond the signature")
        if kind == "class" and not issubclass(obj, BaseException) and not _has_repr(obj):
            out.append(f"{q}: no __repr__")
    return out


def test_the_walk_sees_the_public_surface():
    names = {q for q, _, _ in _public_names()}
    # compiled classes under their public module, their methods and properties, pure-Python names
    assert {"fwd.l2.Switch", "fwd.l2.Switch.receive", "fwd.l2.Switch.counters", "fwd.lag.Lag", "fwd.net.Mac",
            "fwd.describe.systems", "fwd.topology.build"} <= names
    assert len(names) > 300


def test_every_public_name_has_a_docstring_and_every_class_a_repr():
    problems = _problems()
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_missing_docstring():
    def undocumented():
        pass
    assert _text(undocumented) == ""
    assert _text(fwd.l2.Switch.receive)
    assert not _text(property(lambda self: 0))

    class NoRepr:
        pass
    assert not _has_repr(NoRepr) and _has_repr(fwd.l2.Switch)


def test_allow_list_entries_still_match_something():
    names = [q for q, _, _ in _public_names()]
    for prefix in ALLOWED:  # an entry that matches nothing is stale: remove it
        assert any(q.startswith(prefix) or q == prefix for q in names), prefix
