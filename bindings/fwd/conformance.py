"""Conformance runner: checks hash policies against vector files computed by the real systems.

The contract (file format, algorithm -> spec string, metadata, index rule) is
tests/data/vectors/README.md; this module implements exactly that table and nothing more.
"""
import gzip
import json
import os

from ._fwd.hash import Policy


class VectorError(Exception):
    """A malformed vector file or line (the message names the file and line)."""


REQUIRED = ("algorithm", "params", "frame_hex", "hash", "members", "index")

_LINUX = {
    "linux_bond_layer2": "layer2", "linux_bond_layer23": "layer2+3", "linux_bond_layer34": "layer3+4",
    "linux_bond_encap23": "encap2+3", "linux_bond_encap34": "encap3+4", "linux_bond_vlansrcmac": "vlan+srcmac",
}
_DPDK = {"dpdk_bond_l2": "l2", "dpdk_bond_l23": "l23", "dpdk_bond_l34": "l34"}


def _hexint(text, what):
    try:
        return int(text, 16)
    except (TypeError, ValueError):
        raise VectorError(f"{what} {text!r} is not a hex number") from None


def case_for(line):
    """(spec, meta kwargs, input kind 'frame'|'raw', input bytes) for one parsed vector line."""
    algo, p = line["algorithm"], line["params"]
    if not isinstance(p, dict):
        raise VectorError("params must be an object")
    try:
        frame = bytes.fromhex(line["frame_hex"])
    except (TypeError, ValueError):
        raise VectorError(f"frame_hex is not hex: {line['frame_hex']!r}") from None
    meta = {}

    def need(key):
        if key not in p:
            raise VectorError(f"params.{key} missing for {algo}")
        return p[key]

    if algo in ("freebsd_lagg_hash32", "freebsd_lagg_fnv"):
        family = "freebsd-9.3" if algo == "freebsd_lagg_hash32" else "freebsd-12"
        spec = f"{family}:{need('lagghash')};key={need('key')}"
        if need("m_vlantag"):
            meta["vlan_tci"] = need("ether_vtag")
        return spec, meta, "frame", frame
    if algo in _LINUX:
        meta["protocol"] = _hexint(need("skb_protocol"), "skb_protocol")
        meta["network_offset"] = need("network_offset")
        if p.get("hw_vlan_tag_present"):
            meta["vlan_tci"] = need("hw_vlan_tci")
        if p.get("skb_l4_hash"):
            meta["flow_hash"] = need("skb_hash")
            meta["flow_hash_is_l4"] = True
        return f"linux-6.12:{_LINUX[algo]}", meta, "frame", frame
    if algo == "ovs_bond_balance_slb":
        meta["output_vlan"] = need("vlan")
        return f"ovs-3.1:balance-slb;basis={need('basis')}", meta, "frame", frame
    if algo == "ovs_bond_balance_tcp":
        return f"ovs-3.1:balance-tcp;basis={need('basis')}", meta, "frame", frame
    if algo in _DPDK:
        return f"dpdk:{_DPDK[algo]}", meta, "frame", frame
    if algo == "toeplitz":
        raw = bytes.fromhex(need("hash_input_hex"))
        return f"toeplitz:{need('hash_type')};key={need('key_hex')}", meta, "raw", raw
    if algo.startswith("bmv2_"):
        raw = bytes.fromhex(need("hash_input_hex"))
        return f"bmv2:{need('bmv2_algorithm')}", meta, "raw", raw
    raise VectorError(f"unknown algorithm {algo!r}")


def _one_line(e):
    from .commands._common import one_line
    return one_line(e)


def _lines(path, fh):
    try:
        return list(enumerate(fh, 1))
    except UnicodeDecodeError as e:
        raise VectorError(f"{path}: not UTF-8 text: {e.reason} at byte {e.start}") from None
    except EOFError:
        raise VectorError(f"{path}: truncated gzip stream") from None


def check_file(path, policies=None):
    """Checks every line of one .jsonl file -> (passed, failed, failures[(line_no, message)]).

    Raises VectorError (with file and line) for a malformed file or an unknown algorithm.
    """
    policies = {} if policies is None else policies
    if _first_line_is_ecmp(path):
        return _check_ecmp_file(path)
    passed = failed = 0
    failures = []
    with _open(path) as fh:
        lines = _lines(path, fh)
        for no, text in lines:
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                if not isinstance(line, dict):
                    raise VectorError("a line must be a JSON object")
                missing = [k for k in REQUIRED if k not in line]
                if missing:
                    raise VectorError(f"missing field(s) {', '.join(missing)}")
                for k in ("hash", "members", "index"):
                    if not isinstance(line[k], int) or isinstance(line[k], bool) or line[k] < 0:
                        raise VectorError(f"{k} must be a non-negative integer")
                spec, meta, kind, data = case_for(line)
                policy = policies.get(spec)
                if policy is None:
                    policy = policies[spec] = Policy(spec)
                got = policy.hash(data, **meta) if kind == "frame" else policy.hash_input(data)
                index = policy.index_of_hash(got, line["members"])
            except json.JSONDecodeError as e:
                raise VectorError(f"{path}:{no}: not JSON: {e.msg}") from None
            except VectorError as e:
                raise VectorError(f"{path}:{no}: {e}") from None
            except ValueError as e:  # fwd.Error from a spec the file implies
                raise VectorError(f"{path}:{no}: {e}") from None
            except KeyError as e:
                raise VectorError(f"{path}:{no}: missing field {e.args[0]!r}") from None
            except (TypeError, AttributeError, IndexError, OverflowError, RecursionError, RuntimeError) as e:
                # A field of the wrong type (params not an object, a number as text, ...).
                raise VectorError(f"{path}:{no}: malformed line: {_one_line(e)}") from None
            if got == line["hash"] and index == line["index"]:
                passed += 1
            else:
                failed += 1
                name = line["params"].get("name", "?")
                failures.append((no, f"{name} {spec}: hash {got:#x} index {index}, expected hash "
                                     f"{line['hash']:#x} index {line['index']}"))
    return passed, failed, failures


def _open(path):
    """A text reader for .jsonl and gzip-compressed .jsonl.gz files."""
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _first_line_is_ecmp(path):
    """Dispatch on the line format: ECMP recordings (tests/data/ecmp) vs hash vectors."""
    from .ecmp_conformance import is_ecmp_line
    with _open(path) as fh:
        for _no, text in _lines(path, fh):
            if text.strip():
                try:
                    return is_ecmp_line(json.loads(text))
                except json.JSONDecodeError:
                    return False
    return False


def _check_ecmp_file(path):
    """check_file for ECMP recordings: one check per line (fwd.ecmp_conformance)."""
    from .ecmp_conformance import EcmpVectorError, check_line
    passed = failed = 0
    failures = []
    cache = {}
    with _open(path) as fh:
        for no, text in _lines(path, fh):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                if not isinstance(line, dict):
                    raise VectorError("a line must be a JSON object")
                ok, msg = check_line(line, cache)
            except json.JSONDecodeError as e:
                raise VectorError(f"{path}:{no}: not JSON: {e.msg}") from None
            except (VectorError, EcmpVectorError, ValueError, KeyError) as e:
                raise VectorError(f"{path}:{no}: {type(e).__name__ if isinstance(e, KeyError) else ''}"
                                  f"{' missing ' if isinstance(e, KeyError) else ''}{e}") from None
            except (TypeError, AttributeError, IndexError, OverflowError, RecursionError, RuntimeError) as e:
                # A field of the wrong type (a member that is not an object, a port as text, ...):
                # one line, never a pybind11 signature dump.
                raise VectorError(f"{path}:{no}: malformed line: {_one_line(e)}") from None
            if ok:
                passed += 1
            else:
                failed += 1
                failures.append((no, msg))
    return passed, failed, failures


def vector_files(paths):
    """Every *.jsonl / *.jsonl.gz file under the given files/directories, sorted; OSError if a path
    is missing."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, files in os.walk(path):
                out += [os.path.join(root, f) for f in files if f.endswith((".jsonl", ".jsonl.gz"))]
        elif os.path.isfile(path):
            out.append(path)
        else:
            raise OSError(f"no such file or directory: {path}")
    return sorted(out)


# ---- fabric recordings: dispatched on the "format" key of *.json files --------------------------

def fabric_files(paths):
    """Every *.json file under the given paths whose "format" is a fabric recording
    (lfwp-fabric-paths/1), sorted. Other JSON files are not ours and are skipped."""
    import json as _json
    from .fabric_conformance import is_fabric_doc
    out = []
    for path in paths:
        cands = []
        if os.path.isdir(path):
            for root, _dirs, files in os.walk(path):
                cands += [os.path.join(root, f) for f in files if f.endswith(".json")]
        elif os.path.isfile(path) and path.endswith(".json"):
            cands.append(path)
        for c in cands:
            with open(c, "rb") as fh:
                head = fh.read(4096).decode("utf-8", "replace")
            if '"format"' not in head:
                continue
            with open(c, encoding="utf-8") as fh:
                try:
                    doc = _json.load(fh)
                except ValueError:
                    continue
            if is_fabric_doc(doc):
                out.append(c)
    return sorted(out)


def check_fabric_file(path):
    """Checks every run of a fabric recording -> [(label, passed, failed, failures)]; raises
    VectorError for a malformed file."""
    import json as _json
    from .fabric_conformance import check_doc
    try:
        with open(path, encoding="utf-8") as fh:
            doc = _json.load(fh)
        return check_doc(doc, path)
    except ValueError as e:  # JSON syntax, FabricFileError
        raise VectorError(f"{path}: {_one_line(e)}") from None
    except (TypeError, AttributeError, KeyError, IndexError, OverflowError, RecursionError, RuntimeError) as e:
        # A part of the recording of the wrong shape (a run that is not an object, ...).
        raise VectorError(f"{path}: malformed fabric recording: {_one_line(e)}") from None
