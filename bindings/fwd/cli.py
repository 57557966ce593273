"""Command dispatcher for `python3 -m fwd`.

Every module in fwd/commands/ is one subcommand: it defines NAME, HELP, `add_arguments(parser)`
and `run(args) -> int`. They are discovered here so commands can be added without touching this file.
"""
import argparse
import importlib
import pkgutil
import sys

from . import commands
from .commands._common import user_error


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{commands.__name__}.{info.name}")


def main(argv=None):
    """`python3 -m fwd`: parses `argv` (default sys.argv[1:]), runs the command and returns its exit
    status (2 for a usage error; a library error is one line on stderr, never a traceback)."""
    parser = argparse.ArgumentParser(
        prog="python3 -m fwd",
        description="libfwd: which member link, which switch port and which node a flow lands on, and why.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"libfwd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners = {}
    for mod in _command_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        runners[mod.NAME] = mod.run
    argv = list(sys.argv[1:] if argv is None else argv)
    default = getattr(commands, "DEFAULT", None)
    # No command, or only options: the default command takes them (`python3 -m fwd --json`).
    if default in runners and (not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"))):
        argv.insert(0, default)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return runners[args.command](args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, KeyError, IndexError, OSError, RecursionError, MemoryError, OverflowError,
            RuntimeError) as e:
        # The last line of defence: a library error reaches the user as one line, never a
        # traceback (commands catch what they can name with FILE:LINE first).
        return user_error(e)
