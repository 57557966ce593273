"""Installed, not just built: `cmake --install` into a prefix and `pip install` into a venv each give a
package that imports without BUILD/python, reports the CMake project version, ships type stubs that
mypy uses, and runs the CLI."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import BUILD_PY, ROOT

BUILD = pathlib.Path(BUILD_PY).parent
VERSION = re.search(r"project\(\s*libfwd\s+VERSION\s+([0-9.]+)", (pathlib.Path(ROOT) / "CMakeLists.txt").read_text()).group(1)

EXAMPLE = """\
import numpy as np
import fwd
import fwd.hash
import fwd.lag

version: str = fwd.__version__
policy = fwd.hash.Policy("linux-6.12:layer3+4")
frames = np.zeros((8, 64), dtype=np.uint8)
indexes = policy.index_batch(frames, 4)
one: int = policy.hash(bytes(64))
lag = fwd.lag.Lag("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", 3)
chosen = lag.select_batch(frames)
print(version, indexes.sum(), one, chosen.tolist(), lag.members)
"""
# The same calls with the wrong types: mypy must reject them, or the stubs are not being used.
BAD_EXAMPLE = """\
import fwd.hash
policy = fwd.hash.Policy(3)
members: str = policy.index_of_hash(1, 4)
"""


def stubs_built():
    """Whether BUILD generated type stubs (FWD_STUBS; off in the sanitizer build, where stubgen
    cannot import the instrumented module without the preloaded runtime)."""
    cache = BUILD / "CMakeCache.txt"
    return not cache.is_file() or "FWD_STUBS:BOOL=OFF" not in cache.read_text()


def clean_env(**extra):
    """The environment without PYTHONPATH (tools/test exports BUILD/python): imports must come from
    the installation under test."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FWD_BUILD_PYTHON")}
    env.update(extra)
    return env


def run(cmd, **kw):
    kw.setdefault("env", clean_env())
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{cmd} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def site_dir(prefix):
    """Where the CMake install puts the package: Debian's python3 reads lib/python3.X/dist-packages."""
    d = "dist-packages" if "deb_system" in sysconfig.get_scheme_names() else "site-packages"
    return pathlib.Path(prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / d


def test_cmake_install_gives_an_importable_package(tmp_path):
    prefix = tmp_path / "prefix"
    run(["cmake", "--install", BUILD, "--prefix", prefix])
    site = site_dir(prefix)
    assert (site / "fwd" / "py.typed").is_file()
    assert list((site / "fwd").glob("_fwd.*.so")), "compiled module not installed"
    if stubs_built():
        assert (site / "fwd" / "_fwd" / "__init__.pyi").is_file(), "type stubs not installed"
    assert (prefix / "lib" / "cmake" / "libfwd" / "libfwdConfigVersion.cmake").is_file()
    header = (prefix / "include" / "fwd" / "version.hpp").read_text()
    assert f'#define FWD_VERSION "{VERSION}"' in header
    env = clean_env(PYTHONPATH=str(site))
    r = run([sys.executable, "-c", "import fwd, fwd.hash; print(fwd.__file__); print(fwd.__version__); "
             "print(fwd.hash.Policy('linux-6.12:layer2').spec)"], env=env, cwd=tmp_path)
    file, version, spec = r.stdout.split("\n")[:3]
    assert pathlib.Path(file).resolve().is_relative_to(site.resolve())
    assert version == VERSION and spec == "linux-6.12:layer2"
    r = run([sys.executable, "-m", "fwd", "--version"], env=env, cwd=tmp_path)
    assert r.stdout.strip() == f"libfwd {VERSION}"


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy (Debian package) not installed")
@pytest.mark.skipif(not stubs_built(), reason="BUILD has no type stubs (FWD_STUBS=OFF: the sanitizer build)")
def test_pip_install_into_venv_with_stubs_mypy_accepts(tmp_path):
    # A copy of what pip reads (setup.py, CMakeLists.txt, the package sources) keeps the source tree
    # free of pip's in-tree build output; FWD_BUILD_DIR reuses the already built BUILD tree.
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(pathlib.Path(ROOT) / "setup.py", src)
    shutil.copy(pathlib.Path(ROOT) / "CMakeLists.txt", src)
    shutil.copytree(pathlib.Path(ROOT) / "bindings" / "fwd", src / "bindings" / "fwd",
                    ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", venv])
    py = venv / "bin" / "python"
    run([py, "-m", "pip", "install", "--no-index", "-q", src],
        env=clean_env(FWD_BUILD_DIR=str(BUILD)))
    r = run([py, "-c", "import fwd; print(fwd.__file__); print(fwd.__version__)"], cwd=tmp_path)
    file, version = r.stdout.split("\n")[:2]
    assert pathlib.Path(file).resolve().is_relative_to(venv.resolve())
    assert version == VERSION
    assert run([py, "-m", "fwd", "--version"], cwd=tmp_path).stdout.strip() == f"libfwd {VERSION}"
    assert run([venv / "bin" / "fwd", "--version"], cwd=tmp_path).stdout.strip() == f"libfwd {VERSION}"

    (tmp_path / "example.py").write_text(EXAMPLE)
    out = run([py, tmp_path / "example.py"], cwd=tmp_path).stdout
    assert out.startswith(VERSION + " 0 ")
    run(["mypy", "--python-executable", py, "--no-incremental", tmp_path / "example.py"], cwd=tmp_path)
    (tmp_path / "bad.py").write_text(BAD_EXAMPLE)
    r = subprocess.run(["mypy", "--python-executable", str(py), "--no-incremental", str(tmp_path / "bad.py")],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path, env=clean_env())
    assert r.returncode == 1, r.stdout + r.stderr
    assert 'Argument 1 to "Policy" has incompatible type "int"; expected "str"' in r.stdout
    assert 'Incompatible types in assignment (expression has type "int", variable has type "str")' in r.stdout
