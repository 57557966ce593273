"""`python3 -m fwd conformance PATH...`: check hash policies against vector files."""
import sys

from ..conformance import VectorError, check_file, vector_files

NAME = "conformance"
HELP = ("check every *.jsonl / *.jsonl.gz vector file under PATH...: hash vectors (hash and member index of "
        "every line) and ECMP recordings (the chosen next hop / the rebuilt bucket table)")


def add_arguments(p):
    p.add_argument("paths", nargs="+", metavar="PATH", help="vector files or directories")
    p.add_argument("--show", type=int, default=3, metavar="N", help="failures to print per file (default 3)")


def run(args):
    try:
        files = vector_files(args.paths)
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not files:
        print(f"error: no *.jsonl or *.jsonl.gz files under {' '.join(args.paths)}", file=sys.stderr)
        return 2
    total_pass = total_fail = 0
    broken = False
    policies = {}
    for path in files:
        try:
            passed, failed, failures = check_file(path, policies)
        except VectorError as e:
            print(f"ERROR {e}")
            broken = True
            continue
        except OSError as e:
            print(f"ERROR {path}: {e}")
            broken = True
            continue
        total_pass += passed
        total_fail += failed
        print(f"{'ok  ' if failed == 0 else 'FAIL'} {path}: {passed} passed, {failed} failed")
        for no, msg in failures[:args.show]:
            print(f"     line {no}: {msg}")
    print(f"{total_pass} passed, {total_fail} failed")
    return 1 if (total_fail or broken) else 0
