"""Writes type stubs for the compiled module fwd._fwd next to it (fwd/_fwd/*.pyi) with mypy's stubgen.

Run by the build after _fwd links: `stubs.py STUBGEN OUTDIR` with OUTDIR on PYTHONPATH. stubgen
reads pybind11 signatures from docstrings; a docstring that merely looks like a signature can give
an annotation that is not Python ("-> as in select_batch"), so every annotation is checked and an
unparseable one becomes Any rather than a stub mypy rejects.
"""
import ast
import pathlib
import re
import subprocess
import sys

stubgen, out = sys.argv[1], pathlib.Path(sys.argv[2])
subprocess.run([stubgen, "-q", "-p", "fwd._fwd", "-o", str(out)], check=True)
RET = re.compile(r"^(\s*def .*\)) -> (.*): \.\.\.$")
ATTR = re.compile(r"^(\s+\w+): (.+?)( = .*)?$")  # a class attribute; its annotation may come from a property's prose doc
BUILTIN = {"int", "str", "bool", "float", "bytes", "object", "list", "dict", "tuple", "set", "None", "Any"}
for pyi in sorted((out / "fwd" / "_fwd").glob("*.pyi")):
    lines = pyi.read_text().splitlines()
    known = BUILTIN | set(re.findall(r"^class (\w+)", "\n".join(lines), re.M))
    fixed = []
    def annotation_ok(text):
        try:
            expr = ast.parse(text, mode="eval").body
        except SyntaxError:
            return False
        # A bare name must be a builtin or a class of this module ("-> broadcast" is prose).
        return not (isinstance(expr, ast.Name) and expr.id not in known)

    for line in lines:
        m = RET.match(line)
        if m and not annotation_ok(m.group(2)):
            line = f"{m.group(1)} -> Any: ..."
        a = None if m or line.lstrip().startswith(("def ", "class ", "@")) else ATTR.match(line)
        if a and not annotation_ok(a.group(2)):
            line = f"{a.group(1)}: Any{a.group(3) or ''}"
        fixed.append(line)
    text = "\n".join(fixed) + "\n"
    # pybind11 writes numpy.ndarray[numpy.uint16]; numpy's ndarray is generic in shape and dtype.
    text, n = re.subn(r"numpy\.ndarray\[(numpy\.\w+)\]", r"numpy.typing.NDArray[\1]", text)
    if n:
        text = text.replace("import numpy\n", "import numpy\nimport numpy.typing\n", 1)
    # pybind11's __eq__(self, arg0: T) and __hash__ = None, spelled as object's signatures allow.
    text = re.sub(r"def (__eq__|__ne__)\(self, \w+: [\w.]+\) -> bool", r"def \1(self, other: object) -> bool", text)
    text = text.replace("__hash__: ClassVar[None] = ...", "__hash__: ClassVar[None] = ...  # type: ignore[assignment]")
    if "Any" in text and not re.search(r"^from typing import .*\bAny\b", text, re.M):
        text = "from typing import Any\n" + text
    ast.parse(text)  # a stub that is still not Python fails the build here, not in a user's mypy
    pyi.write_text(text)
