"""Sweeps: a grid of LAG / policy configurations over a capture or generated flows, on Dask.

    >>> import fwd.sweep
    >>> out = fwd.sweep.sweep("grid.yaml", workers=2)        # a local cluster of 2 worker processes
    >>> out = fwd.sweep.sweep("grid.yaml", scheduler="tcp://host:8786")
    >>> out = fwd.sweep.sweep("grid.yaml", serial=True)     # in this process; the same numbers
    >>> out["results"][0]   # {"params": {...}, "per_member": [...], "frames": N, "imbalance": x, ...}

Grid file (YAML)::

    input: {pcap: capture.pcap}          # or {flows: {count: 100000, seed: 1}}; a relative pcap path
                                         # is relative to the grid file
    grid:                                # every combination, in the order written (last key fastest)
      lag: ["linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "freebsd-9.3:lacp;lagghash=l2,l3,l4"]
      members: [2, 3, 4]                 # a count, or a list of member names
      fail: [[], [0]]                    # members failed before selecting (by index or name)
    chunk_frames: 262144                 # optional: frames per chunk (memory per task)
    snap: 256                            # optional: bytes kept per frame (hashes read headers only)

Grid keys: `lag` (LAG spec strings, see fwd.lag) or `policy` (hash policy spec strings: member =
the policy's own index rule over `members`), `members`, `fail` (needs `lag`). A key may be a single
value instead of a list. Every value is checked before anything runs; a bad one is a GridError
(ValueError) "FILE:LINE: problem".

Results, in grid order: `params` (the combination as written), `per_member` (frames per member),
`frames` (frames in the input), `dropped` (no member could send), `broadcast` (sent to every
member), `imbalance` = the busiest member's frames over the even share among members that are not
failed (1.0 = perfectly even; 0.0 when nothing was delivered).

How it runs: the input is read chunk by chunk (`chunk_frames` frames, at most `snap` bytes each),
so memory is bounded whatever the capture size. Tasks carry spec strings and chunk arrays, never
live objects. For distributors whose choice does not depend on earlier frames, one task per
(combination, chunk); counts are integers added up, so any number of workers, in any order, gives
the result of --serial bit for bit. Distributors with state carried from frame to frame (Open
vSwitch buckets assigned on first use, round robin) cannot be split by chunk without changing their
answer: one task per combination streams the whole input in order. Those tasks read the input
themselves, so with a remote scheduler a pcap path must be readable by the workers. Workers of a
remote cluster must import the same fwd version (install it there: see README "Install").

Failures: the client tracks every task itself. When a worker leaves the cluster (killed, crashed,
OOM), every unfinished task is cancelled and submitted again under a new key; the client keeps the
chunk arrays in flight, so nothing has to be recovered from the dead worker, and each (task, chunk)
result is counted exactly once. A task raising an error is submitted again the same way. After
`retries` resubmissions of one task (default 3) the sweep stops with SweepError naming it. No task
finishing for `stall_timeout` seconds is treated as a loss; no worker (or no scheduler connection)
for `worker_timeout` seconds is a SweepError; an unreachable scheduler is a SweepError after
`timeout` seconds. A failed sweep never returns partial results.
"""
import itertools
import os
import sys
import time

import numpy as np

__all__ = ["sweep", "load_grid", "run_tasks", "GridError", "SweepError", "Grid", "Job"]

GRID_KEYS = ("lag", "policy", "members", "fail")
TOP_KEYS = ("input", "grid", "chunk_frames", "snap")
INPUT_KINDS = ("pcap", "flows")
DEFAULT_CHUNK = 262_144
DEFAULT_SNAP = 256
MAX_COMBINATIONS = 100_000


class GridError(ValueError):
    """A grid file problem, with the file and line: "grid.yaml:7: unknown grid key 'lags'"."""


class SweepError(RuntimeError):
    """The sweep could not complete (scheduler unreachable, a task failed after its retries)."""


class Job:
    """One combination of the grid: spec strings and names only (what a task carries)."""

    __slots__ = ("params", "kind", "spec", "members", "fail", "ordered")

    def __init__(self, params, kind, spec, members, fail, ordered):
        self.params, self.kind, self.spec = params, kind, spec
        self.members, self.fail, self.ordered = list(members), list(fail), ordered

    def task(self):
        """What a worker needs to run this combination: (kind, spec, members, fail) as a tuple."""
        return (self.kind, self.spec, tuple(self.members), tuple(self.fail))

    def __repr__(self):
        return f"Job({self.params})"


class Grid:
    """A loaded grid: the input descriptor, the jobs in grid order, chunking."""

    def __init__(self, source, input, jobs, chunk_frames=DEFAULT_CHUNK, snap=DEFAULT_SNAP):
        self.source, self.input, self.jobs = source, input, jobs
        self.chunk_frames, self.snap = chunk_frames, snap

    def __repr__(self):
        return f"<Grid {self.source} jobs={len(self.jobs)} chunk_frames={self.chunk_frames} snap={self.snap}>"


# ---- grid files -------------------------------------------------------------------------------

def _load_yaml(path):
    """(value, node) of a YAML file: the node keeps line numbers for error messages."""
    import yaml

    try:
        text = open(path, encoding="utf-8").read()
    except OSError as e:
        raise GridError(f"{path}: cannot read the grid file: {e.strerror or e}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        raise GridError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    finally:
        loader.dispose()
    return value, node


def _line(node, *keys):
    """1-based line of the value at keys (mapping keys or list indexes) in a composed YAML node."""
    import yaml

    for k in keys:
        if isinstance(node, yaml.MappingNode):
            nxt = next((vn for kn, vn in node.value if kn.value == k), None)
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and k < len(node.value):
            node = node.value[k]
        else:
            break
    return node.start_mark.line + 1 if node is not None else 1


def _key_line(node, key):
    import yaml

    if isinstance(node, yaml.MappingNode):
        for kn, _ in node.value:
            if kn.value == key:
                return kn.start_mark.line + 1
    return node.start_mark.line + 1 if node is not None else 1


def _members(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        raise GridError(f"{where}: members must be a count or a list of names, got {value!r}")
    if isinstance(value, int):
        from ._fwd.lag import MAX_MEMBERS

        if not 1 <= value <= MAX_MEMBERS:
            raise GridError(f"{where}: members={value}: expected 1 to {MAX_MEMBERS} members")
        return [f"m{i}" for i in range(value)]
    names = [str(v) for v in value]
    if not names or len(set(names)) != len(names):
        raise GridError(f"{where}: members {value!r}: expected distinct names, at least one")
    return names


def _fail(value, names, where):
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    out = []
    for v in value:
        if isinstance(v, bool):
            raise GridError(f"{where}: fail entry {v!r}: expected a member index or name")
        if isinstance(v, int):
            if not 0 <= v < len(names):
                raise GridError(f"{where}: fail index {v} out of range: the LAG has {len(names)} members")
            out.append(names[v])
        elif str(v) in names:
            out.append(str(v))
        else:
            raise GridError(f"{where}: fail member {v!r} is not one of {', '.join(names)}")
    return out


def order_dependent(lag):
    """True when the distributor's choice depends on earlier frames (OVS buckets assigned on first
    use, round robin): such a LAG must see the whole input in order."""
    return lag.order_dependent


def load_grid(grid, base_dir=None):
    """A Grid from a grid file path or an already-parsed dict. Raises GridError (file:line)."""
    from .hash import Policy
    from .lag import Lag

    if isinstance(grid, dict):
        source, value, node = "<grid>", grid, None
        base_dir = base_dir or os.getcwd()
    else:
        source = os.fspath(grid)
        value, node = _load_yaml(source)
        base_dir = base_dir or os.path.dirname(os.path.abspath(source))

    def where(*keys):
        return f"{source}:{_line(node, *keys)}" if node is not None else source

    def key_where(*keys):
        if node is None:
            return source
        parent = node
        import yaml

        for k in keys[:-1]:
            if isinstance(parent, yaml.MappingNode):
                parent = next((vn for kn, vn in parent.value if kn.value == k), parent)
        return f"{source}:{_key_line(parent, keys[-1])}"

    if not isinstance(value, dict):
        raise GridError(f"{where()}: a grid file is a mapping with 'input' and 'grid'")
    for k in value:
        if k not in TOP_KEYS:
            raise GridError(f"{key_where(k)}: unknown key '{k}': expected {', '.join(TOP_KEYS)}")
    for k in ("input", "grid"):
        if k not in value:
            raise GridError(f"{where()}: missing '{k}'")

    chunk = value.get("chunk_frames", DEFAULT_CHUNK)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= 1 << 24:
        raise GridError(f"{where('chunk_frames')}: chunk_frames={chunk!r}: expected 1..16777216")
    snap = value.get("snap", DEFAULT_SNAP)
    if isinstance(snap, bool) or not isinstance(snap, int) or not 14 <= snap <= 65535:
        raise GridError(f"{where('snap')}: snap={snap!r}: expected 14..65535 bytes")

    inp = value["input"]
    if not isinstance(inp, dict) or len(inp) != 1 or next(iter(inp)) not in INPUT_KINDS:
        raise GridError(f"{where('input')}: input must be {{pcap: FILE}} or {{flows: {{count: N, seed: S}}}}")
    kind, arg = next(iter(inp.items()))
    if kind == "pcap":
        if not isinstance(arg, str) or not arg:
            raise GridError(f"{where('input', 'pcap')}: pcap must be a file name")
        path = arg if os.path.isabs(arg) else os.path.join(base_dir, arg)
        if not os.path.isfile(path):
            raise GridError(f"{where('input', 'pcap')}: capture '{arg}' not found (looked for {path})")
        input_desc = ("pcap", os.path.abspath(path))
    else:
        if not isinstance(arg, dict) or set(arg) - {"count", "seed"} or "count" not in arg:
            raise GridError(f"{where('input', 'flows')}: flows must be {{count: N, seed: S}}")
        count, seed = arg["count"], arg.get("seed", 0)
        for name, v, hi in (("count", count, 1 << 40), ("seed", seed, 2**63 - 1)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= hi:
                raise GridError(f"{where('input', 'flows', name)}: flows {name}={v!r}: expected 0..{hi}")
        input_desc = ("flows", count, seed)

    g = value["grid"]
    if not isinstance(g, dict) or not g:
        raise GridError(f"{where('grid')}: grid must be a mapping of keys to lists of values")
    for k in g:
        if k not in GRID_KEYS:
            raise GridError(f"{key_where('grid', k)}: unknown grid key '{k}': expected {', '.join(GRID_KEYS)}")
    if ("lag" in g) == ("policy" in g):
        raise GridError(f"{where('grid')}: the grid needs exactly one of 'lag' or 'policy'")
    if "members" not in g:
        raise GridError(f"{where('grid')}: the grid needs 'members'")
    if "fail" in g and "policy" in g:
        raise GridError(f"{key_where('grid', 'fail')}: 'fail' needs 'lag' (a bare policy has no member state)")
    axes = []
    for k, vals in g.items():
        # Each key takes a list of values, or one value. `fail: [0, 1]` (not a list of lists) and
        # `members: [a, b, c]` (names, not counts) are one value each.
        if (not isinstance(vals, list)
                or (k == "fail" and vals and not all(isinstance(v, list) for v in vals))
                or (k == "members" and vals and all(isinstance(v, str) for v in vals))):
            vals = [vals]
        if not vals:
            raise GridError(f"{where('grid', k)}: '{k}' has no values")
        axes.append((k, vals))
    combos = 1
    for _, vals in axes:
        combos *= len(vals)
    if combos > MAX_COMBINATIONS:
        raise GridError(f"{where('grid')}: {combos} combinations: at most {MAX_COMBINATIONS}")

    checked = {}
    jobs = []
    for combo in itertools.product(*[[(k, i, v) for i, v in enumerate(vals)] for k, vals in axes]):
        params = {k: v for k, _, v in combo}
        idx = {k: i for k, i, _ in combo}
        names = _members(params["members"], where("grid", "members", idx["members"]))
        kind = "lag" if "lag" in params else "policy"
        spec = params[kind]
        spec_where = where("grid", kind, idx[kind])
        if not isinstance(spec, str):
            raise GridError(f"{spec_where}: {kind} spec must be a string, got {spec!r}")
        key = (kind, spec, tuple(names))
        if key not in checked:
            try:
                if kind == "lag":
                    lag = Lag(spec, names)
                    checked[key] = order_dependent(lag)
                else:
                    p = Policy(spec)
                    if p.family.startswith("ovs"):
                        raise ValueError("an OVS policy's index is a bucket (0..255), mapped to members by bond "
                                         "state: use lag: ovs-3.1:... instead")
                    p.index_batch(np.zeros((1, 14), dtype=np.uint8), len(names))
                    checked[key] = False
            except (ValueError, TypeError) as e:
                raise GridError(f"{spec_where}: invalid {kind} spec '{spec}': {e}") from None
        fail = _fail(params.get("fail"), names, where("grid", "fail", idx.get("fail", 0)))
        jobs.append(Job(params, kind, spec, names, fail, checked[key]))
    return Grid(source, input_desc, jobs, chunk, snap)


# ---- input chunks -----------------------------------------------------------------------------

def iter_chunks(input_desc, chunk_frames, snap):
    """(frames uint8[n, w], lengths uint32[n]) chunks of the input, in order, each built on its own:
    memory is one chunk whatever the input size."""
    if input_desc[0] == "flows":
        _, count, seed = input_desc
        for i, start in enumerate(range(0, count, chunk_frames)):
            yield _flow_chunk(seed, i, min(chunk_frames, count - start))
        return
    from .io import iter_pcap

    rows, lens = [], []
    width = 0
    for _, frame, _ in iter_pcap(input_desc[1]):
        b = frame[:snap]
        rows.append(b)
        lens.append(len(b))
        width = max(width, len(b))
        if len(rows) == chunk_frames:
            yield _pack(rows, lens, width)
            rows, lens, width = [], [], 0
    if rows:
        yield _pack(rows, lens, width)


def _pack(rows, lens, width):
    out = np.zeros((len(rows), max(width, 1)), dtype=np.uint8)
    for i, r in enumerate(rows):
        out[i, : len(r)] = np.frombuffer(r, dtype=np.uint8)
    return out, np.asarray(lens, dtype=np.uint32)


def _flow_chunk(seed, index, n):
    """Chunk `index` of the generated flows: random IPv4 TCP/UDP flows, from (seed, index) alone,
    so any worker builds the same chunk."""
    from .net import FLOW_DTYPE, frames_from_flows

    rng = np.random.default_rng([seed, index])
    f = np.zeros(n, dtype=FLOW_DTYPE)
    f["src_mac"] = rng.integers(0, 2**47, size=n) * 2
    f["dst_mac"] = rng.integers(0, 2**47, size=n) * 2
    f["vlan"] = -1
    f["ip_version"] = 4
    f["ip_proto"] = rng.choice(np.array([6, 17], dtype=np.uint8), size=n)
    f["src_port"] = rng.integers(1024, 65536, size=n)
    f["dst_port"] = rng.integers(1, 65536, size=n)
    f["src_ip"][:, :4] = rng.integers(0, 256, size=(n, 4))
    f["dst_ip"][:, :4] = rng.integers(0, 256, size=(n, 4))
    return frames_from_flows(f)


# ---- tasks (module-level functions of plain arguments: what Dask ships) ------------------------

def _new_selector(task):
    kind, spec, members, fail = task
    if kind == "policy":
        from .hash import Policy

        p = Policy(spec)
        return lambda frames, lengths: p.index_batch(frames, len(members), lengths).astype(np.int32)
    from .lag import Lag

    lag = Lag(spec, list(members))
    for m in fail:
        lag.set_link(m, False)
    return lambda frames, lengths: lag.select_batch(frames, lengths)


def _summary(codes, members):
    return np.concatenate([np.bincount(codes[codes >= 0], minlength=members)[:members],
                           [np.count_nonzero(codes == -1), np.count_nonzero(codes == -2), len(codes)]]).astype(np.int64)


def chunk_task(task, frames, lengths):
    """Counts of one chunk: int64[members + 3] = per member, dropped, broadcast, frames."""
    return _summary(_new_selector(task)(frames, lengths), len(task[2]))


def stream_task(task, input_desc, chunk_frames, snap):
    """Counts of the whole input through one selector, in order (order-dependent distributors)."""
    select = _new_selector(task)
    total = np.zeros(len(task[2]) + 3, dtype=np.int64)
    for frames, lengths in iter_chunks(input_desc, chunk_frames, snap):
        total += _summary(select(frames, lengths), len(task[2]))
    return total


def _chunk_data(frames, lengths):
    """A chunk as a task result: held by the scheduler as a task, so a lost copy is recomputed."""
    return frames, lengths


def _chunk_task_from(chunk, task):
    return chunk_task(task, *chunk)


# ---- running ------------------------------------------------------------------------------------

def _result(job, total):
    n = len(job.members)
    per_member = [int(x) for x in total[:n]]
    dropped, broadcast, frames = (int(x) for x in total[n:])
    live = n - len(set(job.fail))
    delivered = sum(per_member)
    imbalance = max(per_member) * live / delivered if delivered and live else 0.0
    return {"params": job.params, "per_member": per_member, "frames": frames, "dropped": dropped,
            "broadcast": broadcast, "imbalance": imbalance}


class _Progress:
    def __init__(self, total, out):
        self.total, self.done, self.out, self.last = total, 0, out, 0.0

    def finish(self):
        if self.out is not None:
            print(f"sweep: {self.done} tasks done", file=self.out, flush=True)

    def step(self, n=1):
        self.done += n
        now = time.monotonic()
        if self.out is not None and (now - self.last > 0.5 or self.done == self.total):
            self.last = now
            of = f"/{self.total}" if self.total is not None else ""
            print(f"sweep: {self.done}{of} tasks done", file=self.out, flush=True)


def run_tasks(grid, *, client=None, progress=sys.stderr, on_task_done=None, max_chunks_in_flight=None,
              stall_timeout=600, retries=3, worker_timeout=60):
    """Runs a loaded Grid serially (client None) or on a dask.distributed Client -> results.

    On a client (see _ClusterRun): a task whose worker leaves, or that fails, is submitted again,
    up to `retries` times each, then SweepError; `stall_timeout` s without any finished task counts
    as a loss; `worker_timeout` s with no worker or no scheduler connection is a SweepError."""
    ordered = [j for j in grid.jobs if j.ordered]
    chunked = [j for j in grid.jobs if not j.ordered]
    totals = {id(j): np.zeros(len(j.members) + 3, dtype=np.int64) for j in grid.jobs}
    # Chunked jobs with the same task (same spec, members, fail) are computed once.
    unique = {}
    for j in chunked:
        unique.setdefault(j.task(), []).append(j)
    n_chunks = _count_chunks(grid)
    prog = _Progress(len(ordered) + n_chunks * len(unique) if n_chunks is not None else None, progress)

    if client is None:
        for j in ordered:
            totals[id(j)] += stream_task(j.task(), grid.input, grid.chunk_frames, grid.snap)
            prog.step()
        if unique:
            for frames, lengths in iter_chunks(grid.input, grid.chunk_frames, grid.snap):
                for task, jobs in unique.items():
                    counts = chunk_task(task, frames, lengths)
                    for j in jobs:
                        totals[id(j)] += counts
                    prog.step()
        prog.finish()
        return {"results": [_result(j, totals[id(j)]) for j in grid.jobs]}

    return _ClusterRun(grid, client, totals, unique, ordered, prog, on_task_done, max_chunks_in_flight,
                       stall_timeout, retries, worker_timeout).run()


class _Unit:
    """Work the client owns until its result is in: one whole-input stream task (`job` set), or one
    chunk with the chunk tasks still missing (`pending`). It keeps what it needs to be submitted
    again (spec strings and the chunk arrays), so a lost future is resubmitted, never lost."""

    __slots__ = ("job", "index", "frames", "lengths", "pending", "attempts", "chunk_fut", "futs", "error")

    def __init__(self, job=None, index=None, frames=None, lengths=None, pending=()):
        self.job, self.index, self.frames, self.lengths = job, index, frames, lengths
        self.pending = list(pending)
        self.attempts, self.chunk_fut, self.futs, self.error = 0, None, {}, None

    def name(self, task=None):
        if self.job is not None:
            return f"'{self.job.spec}' (whole input)"
        return f"'{task[1]}' (chunk {self.index})" if task is not None else f"chunk {self.index}"


class _ClusterRun:
    """The sweep on a dask.distributed Client, with its own failure handling.

    Dask's rescheduling of a dead worker's tasks is not relied on: Debian's distributed 2022.12 can
    leave them "processing" on a worker that no longer runs them (or queued behind such ghosts), and
    the sweep would wait forever. Instead the client watches the scheduler's worker list; when a
    worker leaves, every unfinished task is cancelled and submitted again under a new key
    (pure=False, so Dask cannot hand back the old, stuck task). Tasks are pure functions of spec
    strings and chunk arrays and results are integer counts added per (task, chunk) exactly once,
    so a resubmission changes nothing in the result. A task that errors is retried the same way.
    Each unit may be resubmitted `retries` times; then the sweep stops with SweepError naming it.
    No finished task for `stall_timeout` s counts as a loss too (resubmit, then error). No worker
    for `worker_timeout` s, or no scheduler connection for as long, is a SweepError."""

    POLL = 0.25  # s between looks at the futures and the worker list

    def __init__(self, grid, client, totals, unique, ordered, prog, on_task_done, max_in_flight,
                 stall_timeout, retries, worker_timeout):
        self.grid, self.client, self.totals, self.unique = grid, client, totals, unique
        self.prog, self.on_task_done = prog, on_task_done
        self.stall_timeout, self.retries, self.worker_timeout = stall_timeout, retries, worker_timeout
        self.units = [_Unit(job=j) for j in ordered]  # stream units first: they are the longest
        self.max_in_flight = max_in_flight
        self.resubmitted = 0

    # -- submitting ------------------------------------------------------------------------------
    def submit(self, u):
        c = self.client
        if u.job is not None:
            u.futs = {None: c.submit(stream_task, u.job.task(), self.grid.input, self.grid.chunk_frames,
                                     self.grid.snap, pure=False)}
            return
        u.chunk_fut = c.submit(_chunk_data, u.frames, u.lengths, pure=False)
        u.futs = {t: c.submit(_chunk_task_from, u.chunk_fut, t, pure=False) for t in u.pending}

    def drop(self, u):
        futs = [f for f in u.futs.values()] + ([u.chunk_fut] if u.chunk_fut is not None else [])
        u.futs, u.chunk_fut = {}, None
        if futs:
            try:
                self.client.cancel(futs)
            except Exception:  # noqa: BLE001 - a dead connection cannot cancel; the keys are dropped anyway
                pass

    def again(self, u, why):
        """Cancel what the unit has in flight and submit it again, or give up after `retries`."""
        self.drop(u)
        u.attempts += 1
        if u.attempts > self.retries:
            raise SweepError(f"task {u.name()} failed {u.attempts} times, giving up; last: {why}")
        self.resubmitted += 1
        self.submit(u)

    # -- running ---------------------------------------------------------------------------------
    def run(self):
        from distributed import wait

        c = self.client
        workers = self.workers()
        limit = self.max_in_flight or max(2, 2 * len(workers))
        chunks = enumerate(iter_chunks(self.grid.input, self.grid.chunk_frames, self.grid.snap)) \
            if self.unique else iter(())
        active = []
        for u in self.units:
            self.submit(u)
            active.append(u)
        more = True
        no_workers_since = offline_since = None
        last_progress = time.monotonic()
        try:
            while True:
                while more and sum(1 for u in active if u.job is None) < limit:
                    nxt = next(chunks, None)
                    if nxt is None:
                        more = False
                        break
                    i, (frames, lengths) = nxt
                    u = _Unit(index=i, frames=frames, lengths=lengths, pending=self.unique)
                    self.submit(u)
                    active.append(u)
                if not active:
                    break
                futs = [f for u in active for f in u.futs.values()]
                try:
                    wait(futs, timeout=self.POLL, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    pass
                now = time.monotonic()
                for u in list(active):
                    if self.collect(u):
                        last_progress = now
                    if not u.futs and (u.job is not None or not u.pending):
                        active.remove(u)
                        u.frames = u.lengths = None
                # Who is still there: a worker that left takes its tasks' fate with it.
                if c.status != "running":
                    offline_since = offline_since or now
                    if now - offline_since > self.worker_timeout:
                        raise SweepError(f"lost the connection to the Dask scheduler for {self.worker_timeout:g} s "
                                         "(scheduler gone?); nothing is reported as complete")
                    continue
                offline_since = None
                current = self.workers()
                if not current:
                    no_workers_since = no_workers_since or now
                    if now - no_workers_since > self.worker_timeout:
                        raise SweepError(f"the Dask cluster has had no workers for {self.worker_timeout:g} s "
                                         "(all dead?); nothing is reported as complete")
                else:
                    no_workers_since = None
                lost = workers - current
                workers = current
                if lost:
                    for u in active:
                        self.again(u, f"worker {', '.join(sorted(lost))} left the cluster")
                    last_progress = now
                elif active and now - last_progress > self.stall_timeout:
                    for u in active:
                        self.again(u, f"no task finished for {self.stall_timeout:g} s (the cluster stalled)")
                    last_progress = now
        finally:
            for u in active:
                self.drop(u)
        self.prog.finish()
        return {"results": [_result(j, self.totals[id(j)]) for j in self.grid.jobs]}

    def workers(self):
        try:
            return set(self.client.scheduler_info().get("workers", {}))
        except Exception:  # noqa: BLE001 - treated as "no workers"; the status check decides
            return set()

    def collect(self, u):
        """Takes in the unit's finished futures; resubmits it when one of them failed. -> progress?"""
        progress = False
        for task, f in list(u.futs.items()):
            if f.status == "pending":
                continue
            if f.status != "finished":
                try:
                    err = f.exception(timeout=self.POLL)
                    why = f"{type(err).__name__}: {err}"
                except Exception as e:  # noqa: BLE001 - cancelled / lost: the reason is the exception
                    why = f"{type(e).__name__}: {e}" if str(e) else f"task {f.status}"
                self.again(u, why)
                return progress
            try:
                counts = f.result(timeout=self.POLL)
            except Exception as e:  # noqa: BLE001 - lost between status and result: run it again
                self.again(u, f"{type(e).__name__}: {e}")
                return progress
            del u.futs[task]
            if u.job is not None:
                self.totals[id(u.job)] += counts
            else:
                for j in self.unique[task]:
                    self.totals[id(j)] += counts
                u.pending.remove(task)
            progress = True
            if self.on_task_done is not None:
                self.on_task_done()
            self.prog.step()
        if u.chunk_fut is not None and not u.futs:
            u.chunk_fut.release()
            u.chunk_fut = None
        return progress


def _count_chunks(grid):
    if grid.input[0] == "flows":
        return -(-grid.input[1] // grid.chunk_frames)
    return None  # a capture's frame count is known only after reading it


def connect(scheduler=None, workers=None, timeout=10):
    """A dask.distributed Client: to `scheduler` (an address), else a new local cluster of
    `workers` processes (default: one per core). Raises SweepError when it cannot connect."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise SweepError(f"Dask is not installed ({e}); install python3-distributed, or use --serial") from None
    if scheduler:
        try:
            return Client(scheduler, timeout=timeout), None
        except (OSError, TimeoutError) as e:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def sweep(grid, *, scheduler=None, workers=None, serial=False, client=None, progress=sys.stderr,
          on_task_done=None, timeout=10, stall_timeout=600, retries=3, worker_timeout=60):
    """Runs a grid (file path or dict) -> {"results": [...]} in grid order. See the module doc."""
    g = grid if isinstance(grid, Grid) else load_grid(grid)
    if serial:
        return run_tasks(g, progress=progress)
    opts = dict(progress=progress, on_task_done=on_task_done, stall_timeout=stall_timeout, retries=retries,
                worker_timeout=worker_timeout)
    if client is not None:
        return run_tasks(g, client=client, **opts)
    c, cluster = connect(scheduler, workers, timeout)
    try:
        return run_tasks(g, client=c, **opts)
    finally:
        c.close()
        if cluster is not None:
            cluster.close()
