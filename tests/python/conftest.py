"""Shared pytest setup: find the built package (BUILD/python) and run the CLI as users do."""
import os
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_PY = os.environ.get("FWD_BUILD_PYTHON", os.path.join(ROOT, "BUILD", "python"))
if BUILD_PY not in sys.path:
    sys.path.insert(0, BUILD_PY)

DATA = os.path.join(ROOT, "tests", "data")
# tools/test --sanitize preloads the ASan/UBSan runtimes into the interpreter: everything runs
# several times slower there, so wall-clock bounds are scaled (they still catch a hang), and
# subprocesses must inherit the preload (SANITIZER_ENV).
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "")
TIME_SCALE = 5 if SANITIZED else 1
SANITIZER_ENV = {k: os.environ[k] for k in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS") if k in os.environ}


def run_fwd(*args, input=None, cwd=None):
    """Runs `/usr/bin/python3 -m fwd ARGS` -> CompletedProcess (text)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = BUILD_PY + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-m", "fwd", *args], capture_output=True, text=True, env=env,
                          input=input, timeout=300, cwd=cwd)


@pytest.fixture
def fwd_cli():
    return run_fwd


@pytest.fixture
def data_dir():
    return DATA


@pytest.fixture
def sigint_raises():
    """SIGINT raises KeyboardInterrupt for the test, whatever the run inherited: a shell starts
    background jobs with SIGINT ignored (`tools/test &`), and Python then keeps it ignored, so a
    Ctrl-C test would wait for an interrupt that never comes."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)
