"""`python3 -m fwd replay PATH...`: replay recorded switch scenarios and compare every step."""
import sys

NAME = "replay"
HELP = "replay recorded L2 switch scenarios (JSON) and compare egress, FDB and counters"


def add_arguments(parser):
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="scenario files or directories (searched recursively for *.json)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")


def run(args) -> int:
    from .. import l2

    files = l2.scenario_files(args.paths)
    passed = failed = 0
    for path in files:
        try:
            result = l2.replay_file(path)
        except l2.ScenarioError as e:
            failed += 1
            print(f"FAIL {path}: malformed scenario: {e}")
            continue
        if result.passed:
            passed += 1
            if not args.quiet:
                print(result.line())
        else:
            failed += 1
            print(result.line())
    missing = [p for p in args.paths if not files and p]
    if missing and not files:
        print(f"error: no scenario files under {', '.join(args.paths)}", file=sys.stderr)
        failed += 1 if not failed else 0
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1
