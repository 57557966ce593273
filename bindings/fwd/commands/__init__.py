"""Subcommands of `python3 -m fwd`, one module each (see fwd/cli.py)."""

# What `python3 -m fwd` runs with no command: the main job on its built-in default.
DEFAULT = "seed"  # the seed's CARP case; `python3 -m fwd demo` stays available
