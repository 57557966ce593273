"""Shared pytest setup: find the built package (BUILD/python) and run the CLI as users do."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_PY = os.environ.get("FWD_BUILD_PYTHON", os.path.join(ROOT, "BUILD", "python"))
if BUILD_PY not in sys.path:
    sys.path.insert(0, BUILD_PY)

DATA = os.path.join(ROOT, "tests", "data")


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
