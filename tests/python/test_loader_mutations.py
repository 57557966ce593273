"""The Python loaders under mutated input (issue 11.6: "a fuzz target per parser and loader", for the
topology, scenario and vector loaders). A few hundred seeded, deterministic mutations of the
sample files - text edits (spans cut, doubled, characters replaced, hostile tokens inserted,
truncation) and structural edits (a value replaced by an absurd one, a key dropped, a list
multiplied) - go through the CLI entry points in this process. Every outcome must be an answer:
exit 0, a per-file FAIL (exit 1) where the command reports per file, or one `error: ...` line with
exit 2; never an exception escaping the command, a traceback, a pybind11 dump, or a call that
runs for more than a few seconds. A failing case names its seed and mutation and leaves the
mutated file in the test's tmp_path to reproduce it with `python3 -m fwd ...`."""
import copy
import gzip
import json
import math
import os
import random
import signal
import time

import pytest
import yaml

import fwd.cli
from conftest import DATA

SECONDS_PER_CALL = 10
BAD_OUTPUT = ("Traceback", "incompatible function arguments", "incompatible constructor arguments",
              "Unable to cast", "Invoked with")
TOKENS = ["-1", "0", "1e300", "-1e300", "NaN", "Infinity", "9" * 40, "null", "true", "[]", "{}", "[[[[", "}}",
          '"x"', '""', "&a", "*a", ":", "- ", "\t", "\\", "'", '"', ",", "#", "!!python/none", "1e12s", "-3",
          "0x1p999", "\u00ff", "\x00"]
VALUES = [None, True, False, -1, 0, 1, 2 ** 64, 10 ** 30, -(10 ** 18), 1e300, -1e300, float("nan"),
          float("inf"), 1.5, "", "x", "-3", "1e12s", "no", "ff" * 3000, [], {}, [[[]]], {"a": {"b": {}}},
          ["x"] * 50, "10.0.0.300/33", "02:00:00:00:00:0g", "p1"]

TOPOLOGY = """\
seed: 2
until: 20ms
hosts:
  a:
    nics: {em0: "02:00:00:00:00:0a"}
    addresses: {em0: [10.0.0.1/24]}
    ping: [{dst: 10.0.0.2, count: 5, start: 1ms, interval: 1ms}]
    capture: [em0]
  b:
    nics: {em0: "02:00:00:00:00:0b"}
    addresses: {em0: 10.0.0.2/24}
    listen: [80]
  c:
    nics: {em0: "02:00:00:00:00:0c"}
    addresses: {em0: 10.0.0.3/24}
    tcp: [{dst: 10.0.0.2, port: 80, rate: 200, until: 10ms}]
switches:
  sw0:
    profile: linux-bridge
    ports: [{name: p1}, {name: p2}, {name: p3}]
links:
  - [a:em0, sw0:p1]
  - {a: b:em0, b: sw0:p2, latency: 2us}
  - [c:em0, sw0:p3]
"""


class _Hang(Exception):
    pass


def _call(argv):
    """fwd.cli.main(argv) in this process -> (rc, stdout+stderr, error line or None, seconds)."""
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()

    def on_alarm(signum, frame):
        raise _Hang(f"more than {SECONDS_PER_CALL} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(SECONDS_PER_CALL)
    t0 = time.monotonic()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = fwd.cli.main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return rc, out.getvalue(), err.getvalue(), time.monotonic() - t0


def _paths(obj, prefix=()):
    """Every (container, key) position in a parsed document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield obj, k
            yield from _paths(v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield obj, i
            yield from _paths(v)


def _mutate_structure(rng, doc):
    doc = copy.deepcopy(doc)
    spots = list(_paths(doc))
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not spots:
            break
        container, key = rng.choice(spots)
        r = rng.random()
        if r < 0.7:
            container[key] = copy.deepcopy(rng.choice(VALUES))
        elif r < 0.85 and isinstance(container, dict):
            del container[key]
            spots = list(_paths(doc))
        elif isinstance(container[key], list) and container[key]:
            container[key] = container[key] * rng.choice((2, 7, 40))
        else:
            container[key] = {"nested": container[key]}
    return doc


def _mutate_text(rng, text):
    for _ in range(rng.choice((1, 1, 2, 4))):
        n = len(text)
        a = rng.randrange(n + 1)
        b = min(n, a + rng.choice((1, 2, 8, 64)))
        r = rng.random()
        if r < 0.2:
            text = text[:a] + text[b:]
        elif r < 0.35:
            text = text[:b] + text[a:b] * rng.choice((2, 10)) + text[b:]
        elif r < 0.55:
            text = text[:a] + rng.choice("0123456789-:.,[]{}\"' \nxe") + text[a + 1:]
        elif r < 0.9:
            text = text[:a] + rng.choice(TOKENS) + text[a:]
        else:
            text = text[:a]
    return text


def _dump(doc, kind):
    if kind == "yaml":
        return yaml.safe_dump(doc, sort_keys=False)
    return json.dumps(doc, allow_nan=True) if kind == "json" else "\n".join(json.dumps(d) for d in doc) + "\n"


def _cases(text, kind, n, seed):
    """n (name, mutated text) pairs: half structural, half textual, all from one seed."""
    rng = random.Random(seed)
    if kind == "jsonl":
        doc = [json.loads(line) for line in text.splitlines() if line.strip()]
    elif kind == "yaml":
        doc = yaml.safe_load(text)
    else:
        doc = json.loads(text)
    for i in range(n):
        if i % 2:
            yield f"seed{seed}-{i}-text", _mutate_text(rng, text)
        else:
            yield f"seed{seed}-{i}-structure", _dump(_mutate_structure(rng, doc), kind)


def _check_all(tmp_path, cases, suffix, commands, per_file_fail=False):
    """Runs every command on every case; returns the list of problems (empty when all are clean)."""
    problems = []
    for name, text in cases:
        path = tmp_path / f"{name}{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        for cmd in commands:
            argv = [a.replace("FILE", str(path)) for a in cmd]
            try:
                rc, out, err, took = _call(argv)
            except BaseException as e:  # noqa: B902 - any escape is the finding
                problems.append(f"{' '.join(argv)}: {type(e).__name__}: {str(e)[:200]}")
                continue
            allowed = (0, 1, 2) if per_file_fail else (0, 2)
            bad = next((b for b in BAD_OUTPUT if b in out or b in err), None)
            if rc not in allowed or bad:
                problems.append(f"{' '.join(argv)}: rc {rc}{', ' + bad if bad else ''}: {(err or out)[:300]}")
            elif rc == 2 and not (err.startswith("error: ") and len(err.strip().splitlines()) == 1):
                problems.append(f"{' '.join(argv)}: exit 2 without one error line: {err[:300]}")
            if problems and problems[-1].startswith(" ".join(argv)):
                path.rename(tmp_path / f"KEEP-{path.name}")
    return problems


def test_topology_loader_mutations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t0 = time.monotonic()
    cases = list(_cases(TOPOLOGY, "yaml", 160, seed=11))
    problems = _check_all(tmp_path, cases, ".yaml", [["sim", "FILE", "--until", "20ms", "--json"]])
    fabric = open(os.path.join(DATA, "fabric", "fabric-a.yaml")).read()
    cases = list(_cases(fabric, "yaml", 60, seed=12))
    problems += _check_all(tmp_path, cases, ".yaml", [["path", "FILE", "--flows", "8", "--json"]])
    assert not problems, f"{len(problems)} unclean outcomes:\n" + "\n".join(problems[:20])
    assert time.monotonic() - t0 < 60


def test_scenario_loader_mutations(tmp_path):
    t0 = time.monotonic()
    problems = []
    for seed, rel in ((21, ("linux-bridge", "aging-basic.json")), (22, ("ovs", "ovs-bond-slb-basis0.json"))):
        text = open(os.path.join(DATA, "scenarios", *rel)).read()
        cases = list(_cases(text, "json", 100, seed=seed))
        problems += _check_all(tmp_path, cases, ".json", [["replay", "FILE"]], per_file_fail=True)
        problems += _check_all(tmp_path, cases, ".json", [["fdb", "show", "FILE"]])
    assert not problems, f"{len(problems)} unclean outcomes:\n" + "\n".join(problems[:20])
    assert time.monotonic() - t0 < 60


def _head(path, n):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return "".join(f.readline() for _ in range(n))


def test_vector_loader_mutations(tmp_path):
    t0 = time.monotonic()
    problems = []
    for seed, rel in ((31, ("vectors", "toeplitz.jsonl")), (32, ("ecmp", "v4_p1_fwd.jsonl.gz")),
                      (33, ("ecmp", "nh_resilient_buckets.jsonl.gz"))):
        text = _head(os.path.join(DATA, *rel), 4)
        cases = list(_cases(text, "jsonl", 80, seed=seed))
        problems += _check_all(tmp_path, cases, ".jsonl", [["conformance", "FILE"]], per_file_fail=True)
    # The fabric recording cut to 16 flows and 2 runs (the whole file is 1 MB: slow to mutate).
    with open(os.path.join(DATA, "fabric", "fabric-a.json")) as f:
        doc = json.load(f)
    doc["flows"] = doc["flows"][:16]
    doc["runs"] = [dict(r, paths=r["paths"][:16]) for r in doc["runs"][:2]]
    cases = list(_cases(json.dumps(doc), "json", 40, seed=34))
    problems += _check_all(tmp_path, cases, ".json", [["conformance", "FILE"]], per_file_fail=True)
    assert not problems, f"{len(problems)} unclean outcomes:\n" + "\n".join(problems[:20])
    assert time.monotonic() - t0 < 60


def test_fabric_recording_named_on_the_command_line_is_not_also_read_as_vectors():
    """Before: `conformance fabric-a.json` also read the recording as a hash-vector file and
    printed `ERROR ...: missing field(s) algorithm, ...`, exit 1, although every run passed."""
    rc, out, err, _ = _call(["conformance", os.path.join(DATA, "fabric", "fabric-a.json")])
    assert rc == 0 and "ERROR" not in out, (rc, out[-500:], err)
    assert out.rstrip().endswith("6000 passed, 0 failed"), out[-300:]
