"""`python3 -m fwd conformance PATH...`: check hash policies against vector files."""
import json
import sys

from ..conformance import VectorError, check_fabric_file, check_file, fabric_files, vector_files

NAME = "conformance"
HELP = ("check every *.jsonl / *.jsonl.gz vector file under PATH...: hash vectors (hash and member index of "
        "every line) and ECMP recordings (the chosen next hop / the rebuilt bucket table); and every fabric "
        "recording (*.json, lfwp-fabric-paths/1: the path of every flow in every run)")


def add_arguments(p):
    p.add_argument("paths", nargs="+", metavar="PATH", help="vector files or directories")
    p.add_argument("--show", type=int, default=3, metavar="N", help="failures to print per file (default 3)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: files [{path, passed, failed, failures|error}], passed, failed")


def run(args):
    try:
        fabrics = fabric_files(args.paths)
        # A fabric recording named on the command line is not also a vector file.
        files = [f for f in vector_files(args.paths) if f not in fabrics]
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not files and not fabrics:
        print(f"error: no *.jsonl / *.jsonl.gz vector files or fabric recordings under {' '.join(args.paths)}", file=sys.stderr)
        return 2
    totals = {"passed": 0, "failed": 0, "broken": False}
    policies = {}
    report = []

    def unreadable(path, e):
        msg = str(e) if isinstance(e, VectorError) else f"{path}: {e.strerror or e}"
        report.append({"path": path, "error": msg})
        if not args.json:
            print(f"ERROR {msg}")
        totals["broken"] = True

    def checked(label, passed, failed, failures, key, shown):
        """One result line (a vector file, or one fabric run); failures are (key value, problem)."""
        totals["passed"] += passed
        totals["failed"] += failed
        report.append({"path": label, "passed": passed, "failed": failed,
                       "failures": [{key: k, "problem": msg} for k, msg in failures]})
        if not args.json:
            print(f"{'ok  ' if failed == 0 else 'FAIL'} {label}: {passed} passed, {failed} failed")
            for k, msg in failures[:args.show]:
                print(f"     {shown(k)}{msg}")

    for path in files:
        try:
            passed, failed, failures = check_file(path, policies)
        except (VectorError, OSError) as e:
            unreadable(path, e)
            continue
        checked(path, passed, failed, failures, "line", lambda no: f"line {no}: ")
    for path in fabrics:  # one line per run, one check per flow per run
        try:
            runs = check_fabric_file(path)
        except (VectorError, OSError) as e:
            unreadable(path, e)
            continue
        for label, passed, failed, failures in runs:
            checked(label, passed, failed, failures, "flow", lambda _fid: "")
    total_pass, total_fail = totals["passed"], totals["failed"]
    if args.json:
        print(json.dumps({"files": report, "passed": total_pass, "failed": total_fail}))
    else:
        print(f"{total_pass} passed, {total_fail} failed")
    return 1 if (total_fail or totals["broken"]) else 0
