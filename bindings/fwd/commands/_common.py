"""Helpers shared by the subcommands."""
import argparse
import sys


def parse_hex(text, what="frame"):
    """Bytes from hex text (spaces, colons and a 0x prefix allowed); ValueError naming the problem."""
    cleaned = text.strip().replace(" ", "").replace(":", "")
    if cleaned.startswith(("0x", "0X")):
        cleaned = cleaned[2:]
    if len(cleaned) % 2:
        raise ValueError(f"{what} hex has an odd number of digits ({len(cleaned)})")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        bad = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), "?")
        raise ValueError(f"{what} is not hex: unexpected character {bad!r}") from None


def int_in(lo, hi):
    """argparse type: an integer in [lo, hi] (the error names the range)."""
    def parse(text):
        try:
            v = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{v} out of range: expected {lo} to {hi}")
        return v
    return parse


def float_in(lo, hi):
    """argparse type: a finite number in [lo, hi]."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (lo <= v <= hi):  # also refuses nan
            raise argparse.ArgumentTypeError(f"{v} out of range: expected {lo:g} to {hi:g}")
        return v
    return parse


def user_error(e, where=None):
    """One `error: [FILE[:LINE]: ]problem` line for an exception, exit status 2 (no traceback)."""
    text = one_line(e)
    return error(f"{where}: {text}" if where else text)


def one_line(e):
    """The problem an exception names, as one line: no pybind11 overload dump, no bare key."""
    if isinstance(e, RecursionError):
        text = "input nested too deeply"
    elif isinstance(e, MemoryError):
        text = "out of memory (input too large)"
    elif isinstance(e, KeyError):
        text = f"missing key {e.args[0]!r}" if e.args else "missing key"
    elif isinstance(e, OSError) and e.filename is not None:
        text = f"{e.filename}: {e.strerror or e}"
    else:
        text = str(e) or type(e).__name__
        if "incompatible function arguments" in text or "incompatible constructor arguments" in text:
            # A pybind11 overload dump: keep the call and the accepted signature, drop the rest.
            lines = [l.strip() for l in text.splitlines() if l.strip()]
            sig = next((l[3:] for l in lines if l.startswith("1. ")), "")
            text = f"wrong argument type for {lines[0].split('(')[0]}: expected {sig}" if sig else lines[0]
        elif text.startswith("Unable to cast Python instance"):
            text = "a value of the wrong type or out of range for the library"
    return text


def error(msg, code=2):
    """Prints 'error: msg' on stderr and returns `code` (the command's exit status)."""
    print(f"error: {msg}", file=sys.stderr)
    return code
