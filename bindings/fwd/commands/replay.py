"""`python3 -m fwd replay PATH...`: replay recorded switch scenarios and compare every step."""
import json
import sys

NAME = "replay"
HELP = "replay recorded L2 switch scenarios (JSON) and compare egress, FDB and counters"


def add_arguments(parser):
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="scenario files or directories (searched recursively for *.json)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: scenarios [{path, name, system, passed, steps, difference}], "
                             "passed, failed")


def run(args) -> int:
    from .. import l2
    from ._common import one_line

    files = l2.scenario_files(args.paths)
    passed = failed = 0
    report = []
    for path in files:
        try:
            result = l2.replay_file(path)
        except l2.ScenarioError as e:
            result = None
            problem = f"malformed scenario: {e}"
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError,
                RuntimeError) as e:
            # A value the loader let through but the switch refused: report it as this file's failure
            # (one line: a pybind11 signature dump is shortened to the accepted signature).
            result = None
            problem = f"malformed scenario: {one_line(e)}"
        if result is None:
            failed += 1
            report.append({"path": path, "passed": False, "difference": problem})
            if not args.json:
                print(f"FAIL {path}: {problem}")
            continue
        report.append({"path": path, "name": result.name, "system": result.system, "passed": result.passed,
                       "steps": result.steps, "difference": result.difference})
        if result.passed:
            passed += 1
        else:
            failed += 1
        if not args.json and (not result.passed or not args.quiet):
            print(result.line())
    if not files:
        print(f"error: no scenario files under {', '.join(args.paths)}", file=sys.stderr)
        failed += 1 if not failed else 0
    if args.json:
        print(json.dumps({"scenarios": report, "passed": passed, "failed": failed}))
    else:
        print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1
