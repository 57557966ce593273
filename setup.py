"""`pip install .`: the fwd Python package, its compiled module built by CMake.

Works offline with Debian 12's pip, setuptools and wheel: there is deliberately no pyproject.toml,
so pip builds in-tree with the installed setuptools instead of downloading a build environment.
The compiled module fwd._fwd and its type stubs (fwd/_fwd/*.pyi) come from the CMake targets
`_fwd` and `fwd_stubs`; the version is CMake's project version (one source for C++, CMake, Python).

Environment:
  FWD_BUILD_DIR  reuse this CMake build directory (configured if empty) instead of a fresh one
                 under build/; an already-built tree makes the install take seconds.
  FWD_JOBS       parallel compile jobs (default: every core).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*libfwd\s+VERSION\s+([0-9.]+)", text)
    if not m:
        raise RuntimeError("CMakeLists.txt: no project(libfwd VERSION x.y.z)")
    return m.group(1)


class CMakeBuild(build_ext):
    """Builds fwd._fwd with the project's own CMake build instead of setuptools' compiler calls."""

    def build_extension(self, ext):
        build_dir = pathlib.Path(os.environ.get("FWD_BUILD_DIR") or pathlib.Path(self.build_temp) / "cmake")
        build_dir = build_dir.resolve()
        build_dir.mkdir(parents=True, exist_ok=True)
        if not (build_dir / "CMakeCache.txt").exists():
            args = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                    "-DFWD_TESTS=OFF", "-DFWD_BENCH=OFF", "-DFWD_PYTHON=ON",
                    f"-DPython_EXECUTABLE={sys.executable}"]
            if shutil.which("ccache"):
                args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
            subprocess.run(args, check=True)
        jobs = os.environ.get("FWD_JOBS") or str(os.cpu_count() or 1)
        subprocess.run(["cmake", "--build", str(build_dir), "-j", jobs, "--target", "_fwd", "fwd_stubs"],
                       check=True)
        built = build_dir / "python" / "fwd"
        modules = sorted(built.glob("_fwd.*.so"))
        if not modules:
            raise RuntimeError(f"the CMake build left no fwd/_fwd.*.so in {built}")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        # The module's file name carries the ABI tag of the interpreter CMake found; setuptools
        # names the target for the interpreter running pip. They must be the same interpreter.
        shutil.copyfile(modules[-1], target)
        stubs = built / "_fwd"
        if stubs.is_dir():
            shutil.copytree(stubs, target.parent / "_fwd", dirs_exist_ok=True)


setup(
    name="libfwd",
    version=project_version(),
    description="Which member link, which switch port and which node a flow lands on, and why.",
    packages=["fwd", "fwd.commands"],
    package_dir={"": "bindings"},
    package_data={"fwd": ["py.typed", "_fwd/*.pyi"]},
    ext_modules=[Extension("fwd._fwd", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    entry_points={"console_scripts": ["fwd = fwd.cli:main"]},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
